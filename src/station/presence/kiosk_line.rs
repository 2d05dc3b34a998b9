//! The lines a kiosk shows (events, prompts, problems, the server going and coming
//! back), typed for every face to word: the CLI prints them, the TUI draws them.

use serde::Serialize;

use super::Direction;
use super::grammar::GrammarError;
use super::vocab::{EventStatus, Reason};

/// What a kiosk line shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A committed event: the acknowledgement.
    Event,
    /// A repeated tap folded into the holder's last event.
    Folded,
    /// A tap or line seen before (same idempotency key).
    Duplicate,
    /// The holder is known; the location wants a code next.
    NeedCode,
    /// No code came in time after a tap.
    Expired,
    /// Something was not recorded.
    Error,
    /// A reader came up or went down.
    Reader,
    /// The store's server stopped answering (taps are recorded offline) or its outbox
    /// was sent.
    Server,
}

/// What went wrong, on [`LineKind::Error`] and [`LineKind::Reader`] lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KioskProblem {
    /// A typed line that is not understood.
    NotUnderstood(GrammarError),
    /// A tag of a length no tag has.
    TagLength,
    /// The presentation could not be recorded (the error's message).
    NotRecorded(String),
    /// The automatic check-out failed (the error's message).
    AutoCheckout(String),
    /// The reader failed; it is reopened.
    ReaderDown(String),
    /// The server does not answer: taps go to the outbox (its file).
    ServerDown(String),
    /// The outbox was sent: the kiosk decides on the server again.
    ServerBack,
}

/// One line a kiosk shows: an event, a prompt or a problem.
#[derive(Debug, Clone, Serialize)]
pub struct KioskLine {
    /// What the line shows.
    pub kind: LineKind,
    /// Event row id (`event`, `folded`, `duplicate`).
    pub id: Option<i64>,
    /// Accepted or refused.
    pub status: Option<EventStatus>,
    /// In or out.
    pub direction: Option<Direction>,
    /// Holder's external id.
    pub holder: Option<String>,
    /// Holder's label.
    pub label: Option<String>,
    /// Why it was refused.
    pub reason: Option<Reason>,
    /// Unix seconds.
    pub at: Option<i64>,
    /// Local time in the location's zone (RFC 3339).
    pub time: Option<String>,
    /// Location name.
    pub location: String,
    /// Reader.
    pub reader: Option<String>,
    /// What was presented.
    pub credential: Option<String>,
    /// Local time for people (`2026-11-22 09:00:03 CET`).
    #[serde(skip)]
    pub clock: Option<String>,
    /// What went wrong.
    #[serde(skip)]
    pub problem: Option<KioskProblem>,
    /// Decided without the server and kept in the kiosk's outbox until it is sent
    /// ("recorded offline"); `id` is then none.
    pub offline: bool,
    /// Its place in the outbox (offline events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox_seq: Option<i64>,
}
