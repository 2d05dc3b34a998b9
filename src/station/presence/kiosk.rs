//! The kiosk loop: reader threads send taps over a channel (threads, not async:
//! design.md §3), typed lines arrive on the same channel, and the loop records each
//! presentation in one transaction before it emits the line that shows it, so every
//! acknowledgement is of a committed event. Reader threads wait for the decision when
//! their reader has an LED or buzzer, and reopen a reader that went away.
//!
//! [`super::kiosk_job::start`] runs a kiosk as a job. Each line is typed (its
//! [`LineKind`], event status, direction and reason); faces word it.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use super::CredentialKey;
pub use super::feed::{KioskInput, now_ms, spawn_reader};
use super::grammar;
pub use super::kiosk_job::{KioskPlan, KioskRun, start};
pub use super::kiosk_line::{KioskLine, KioskProblem, LineKind};
use super::offline::{self, OfflineDesk};
use super::record::{Outcome, Presentation, TypedCode};
use super::report::{local, local_rfc3339};
use super::vocab::EventStatus;
use crate::devices::{Feedback, Tap, TapKind};
use crate::station::{Result, Station};
use crate::store::presence::Event;

/// How long a tap waits for its code in `code` and `card+code` modes.
pub const CODE_TIMEOUT_S: i64 = 30;
/// How often the loop checks closing time and expired prompts.
pub const TICK: Duration = Duration::from_secs(1);

struct Pending {
    cred: CredentialKey,
    until: i64,
}

/// A kiosk at one location.
pub struct Kiosk<'s> {
    st: &'s mut Station,
    location: String,
    tz: String,
    pending: Option<Pending>,
    /// Typed lines seen, for their idempotency keys.
    typed_lines: u64,
    /// The offline side (PostgreSQL stores): outbox and snapshot.
    desk: Option<OfflineDesk>,
    /// Whether the last look found events waiting in the outbox.
    was_offline: bool,
    /// When the snapshot is copied next (Unix seconds).
    next_refresh: i64,
}

/// What a typed line from a wedge reader stands for, if it is a credential's form.
fn typed_credential(line: &str) -> Option<CredentialKey> {
    let t = line.trim();
    if t.len() == 10 && t.bytes().all(|b| b.is_ascii_digit()) {
        return CredentialKey::parse_tag(t).ok();
    }
    if matches!(t.len(), 8 | 14 | 20) && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return CredentialKey::parse_card(t).ok();
    }
    None
}

/// The reader feedback a line calls for.
fn feedback_of(l: &KioskLine) -> Option<Feedback> {
    match (l.kind, l.status) {
        (LineKind::Event, Some(EventStatus::Ok)) | (LineKind::Folded, _) => {
            Some(Feedback::Accepted)
        }
        (LineKind::Event, _) | (LineKind::Error, _) => Some(Feedback::Refused),
        _ => None,
    }
}

impl<'s> Kiosk<'s> {
    /// A kiosk for `location` (which must exist).
    pub fn new(st: &'s mut Station, location: &str) -> Result<Kiosk<'s>> {
        let l = st.read().location_get(location)?;
        Ok(Kiosk {
            st,
            location: l.name,
            tz: l.tz,
            pending: None,
            typed_lines: 0,
            desk: None,
            was_offline: false,
            next_refresh: 0,
        })
    }

    /// A kiosk for `location` in zone `tz`, as read before (a kiosk that starts while
    /// its server stops reads them from its snapshot).
    pub fn with_zone(st: &'s mut Station, location: &str, tz: &str) -> Kiosk<'s> {
        Kiosk {
            st,
            location: location.to_string(),
            tz: tz.to_string(),
            pending: None,
            typed_lines: 0,
            desk: None,
            was_offline: false,
            next_refresh: 0,
        }
    }

    /// Gives the kiosk its offline side: presentations the server cannot take are
    /// decided offline and kept in the outbox (`super::offline`).
    pub fn with_outbox(mut self, desk: OfflineDesk) -> Kiosk<'s> {
        self.desk = Some(desk);
        self
    }

    fn line(&self, kind: LineKind) -> KioskLine {
        KioskLine {
            kind,
            id: None,
            status: None,
            direction: None,
            holder: None,
            label: None,
            reason: None,
            at: None,
            time: None,
            location: self.location.clone(),
            reader: None,
            credential: None,
            clock: None,
            problem: None,
            offline: false,
            outbox_seq: None,
        }
    }

    fn problem(&self, kind: LineKind, p: KioskProblem) -> KioskLine {
        KioskLine {
            problem: Some(p),
            ..self.line(kind)
        }
    }

    fn event_line(&self, kind: LineKind, e: &Event) -> KioskLine {
        KioskLine {
            kind,
            id: Some(e.id),
            status: Some(EventStatus::from_stored(&e.status)),
            direction: e.direction.as_deref().and_then(|d| d.parse().ok()),
            holder: e.holder.clone(),
            label: e.label.clone(),
            reason: e.reason.as_deref().and_then(|r| r.parse().ok()),
            at: Some(e.at),
            time: Some(local_rfc3339(&self.tz, e.at)),
            location: self.location.clone(),
            reader: e.reader.clone(),
            credential: e.credential.clone(),
            clock: Some(local(&self.tz, e.at)),
            problem: None,
            offline: e.offline,
            outbox_seq: None,
        }
    }

    fn outcome(&mut self, o: Outcome, cred: Option<CredentialKey>, at: i64) -> KioskLine {
        match o {
            Outcome::Recorded(e) => self.event_line(LineKind::Event, &e),
            Outcome::Duplicate(e) => self.event_line(LineKind::Duplicate, &e),
            Outcome::Folded(e) => self.event_line(LineKind::Folded, &e),
            Outcome::NeedCode {
                holder,
                label,
                credential,
            } => {
                if let Some(cred) = cred {
                    self.pending = Some(Pending {
                        cred,
                        until: at + CODE_TIMEOUT_S,
                    });
                }
                KioskLine {
                    holder: Some(holder),
                    label,
                    credential: Some(credential),
                    ..self.line(LineKind::NeedCode)
                }
            }
        }
    }

    fn record(&mut self, p: &Presentation, cred: Option<CredentialKey>) -> KioskLine {
        if self.offline_now() {
            return self.record_offline(p);
        }
        match self.st.presence_record(p) {
            Ok(o) => {
                self.note_online(&o);
                self.note_code(p);
                self.outcome(o, cred, p.at)
            }
            Err(e) if self.desk.is_some() && offline::is_unreachable(&e) => self.record_offline(p),
            Err(e) => self.problem(LineKind::Error, KioskProblem::NotRecorded(e.to_string())),
        }
    }

    /// Handles one tap or typed line; returns the lines to show (after commit).
    pub fn handle(&mut self, input: KioskInput) -> Vec<KioskLine> {
        match input {
            KioskInput::Tap {
                tap,
                seq,
                at_ms,
                feedback,
            } => {
                let line = self.tap(&tap, seq, at_ms);
                if let (Some(tx), Some(f)) = (feedback, line.as_ref().and_then(feedback_of)) {
                    let _ = tx.send(f);
                }
                line.into_iter().collect()
            }
            KioskInput::Line {
                text,
                source,
                at_ms,
            } => self
                .typed(&text, &source, at_ms, None)
                .into_iter()
                .collect(),
            KioskInput::ReaderDown { reader, error } => vec![KioskLine {
                reader: Some(reader),
                ..self.problem(LineKind::Reader, KioskProblem::ReaderDown(error))
            }],
            KioskInput::ReaderUp { reader } => vec![KioskLine {
                reader: Some(reader),
                ..self.line(LineKind::Reader)
            }],
            KioskInput::Stop => Vec::new(),
        }
    }

    fn tap(&mut self, tap: &Tap, seq: u64, at_ms: i64) -> Option<KioskLine> {
        let cred = match &tap.kind {
            TapKind::Card(uid) => CredentialKey::card(uid.as_bytes()),
            TapKind::Tag(uid) => match CredentialKey::tag_bytes(uid.as_bytes()) {
                Some(k) => k,
                None => {
                    return Some(KioskLine {
                        reader: Some(tap.reader.clone()),
                        ..self.problem(LineKind::Error, KioskProblem::TagLength)
                    });
                }
            },
            TapKind::Typed(text) => {
                let known = typed_credential(text).filter(|k| self.identifies(k));
                match known {
                    Some(k) => k,
                    None => return self.typed(text, &tap.reader, at_ms, Some(seq)),
                }
            }
        };
        let p = Presentation {
            location: self.location.clone(),
            reader: Some(tap.reader.clone()),
            at: at_ms.div_euclid(1000),
            idem: Some(format!("{}|{cred}|{at_ms}|{seq}", tap.reader)),
            direction: None,
            credential: Some(cred.clone()),
            code: None,
        };
        self.pending = None;
        Some(self.record(&p, Some(cred)))
    }

    fn typed(
        &mut self,
        text: &str,
        source: &str,
        at_ms: i64,
        seq: Option<u64>,
    ) -> Option<KioskLine> {
        let parsed = match grammar::parse(text) {
            Ok(Some(t)) => t,
            Ok(None) => return None,
            Err(e) => return Some(self.problem(LineKind::Error, KioskProblem::NotUnderstood(e))),
        };
        let at = at_ms.div_euclid(1000);
        self.typed_lines += 1;
        let pending = self
            .pending
            .take()
            .filter(|p| p.until >= at)
            .map(|p| p.cred);
        let p = Presentation {
            location: self.location.clone(),
            reader: Some(source.to_string()),
            at,
            idem: Some(format!(
                "{source}|line|{at_ms}|{}|{}",
                seq.unwrap_or(0),
                self.typed_lines
            )),
            direction: parsed.direction,
            credential: pending,
            code: Some(TypedCode {
                serial: parsed.serial,
                code: parsed.code,
            }),
        };
        Some(self.record(&p, None))
    }

    /// Periodic work: drops an expired code prompt and checks everyone out after
    /// closing time.
    pub fn tick(&mut self, now: i64) -> Vec<KioskLine> {
        let mut out = Vec::new();
        if let Some(p) = self.pending.take_if(|p| p.until < now) {
            out.push(KioskLine {
                credential: Some(p.cred.to_string()),
                ..self.line(LineKind::Expired)
            });
        }
        if !self.server_tick(now, &mut out) {
            return out; // offline: closing time is handled when the server is back
        }
        match self.st.presence_auto_checkout(&self.location, now) {
            Ok(events) => out.extend(events.iter().map(|e| self.event_line(LineKind::Event, e))),
            Err(e) if self.desk.is_some() && offline::is_unreachable(&e) => {}
            Err(e) => {
                out.push(self.problem(LineKind::Error, KioskProblem::AutoCheckout(e.to_string())))
            }
        }
        out
    }

    /// Runs until [`KioskInput::Stop`] or until every sender is gone, calling `emit`
    /// for each line, after the event it shows is committed.
    pub fn run(&mut self, rx: &Receiver<KioskInput>, mut emit: impl FnMut(&KioskLine)) {
        for l in self.tick(now_ms().div_euclid(1000)) {
            emit(&l);
        }
        let mut next_tick = now_ms() + 1000;
        loop {
            let wait =
                Duration::from_millis(u64::try_from((next_tick - now_ms()).max(0)).unwrap_or(0));
            match rx.recv_timeout(wait) {
                Ok(KioskInput::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                Ok(input) => {
                    for l in self.handle(input) {
                        emit(&l);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if now_ms() >= next_tick {
                next_tick = now_ms() + i64::try_from(TICK.as_millis()).unwrap_or(1000);
                for l in self.tick(now_ms().div_euclid(1000)) {
                    emit(&l);
                }
            }
        }
    }
}

mod away;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::station::presence::CredKind;

    #[test]
    fn wedge_lines_that_look_like_credentials() {
        assert_eq!(
            typed_credential("0011649747").map(|k| k.kind),
            Some(CredKind::Tag)
        );
        assert_eq!(
            typed_credential("04A1B2C3D4E580").map(|k| k.value),
            Some("04A1B2C3D4E580".to_string())
        );
        assert_eq!(typed_credential("T1 123456"), None);
        assert_eq!(typed_credential("123456"), None);
    }
}
