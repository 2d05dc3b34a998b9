//! The kiosk loop: reader threads send taps over a channel (threads, not async:
//! design.md §3), typed lines arrive on the same channel, and the loop records each
//! presentation in one transaction before it emits the line that shows it, so every
//! acknowledgement is of a committed event. Reader threads wait for the decision when
//! their reader has an LED or buzzer, and reopen a reader that went away.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use serde::Serialize;

use super::CredentialKey;
pub use super::feed::{KioskInput, now_ms, spawn_reader};
use super::grammar;
use super::record::{Outcome, Presentation, TypedCode};
use super::report::local_rfc3339;
use crate::devices::{Feedback, Tap, TapKind};
use crate::station::{Result, Station};
use crate::store::presence::Event;

/// How long a tap waits for its code in `code` and `card+code` modes.
pub const CODE_TIMEOUT_S: i64 = 30;
/// How often the loop checks closing time and expired prompts.
pub const TICK: Duration = Duration::from_secs(1);

/// One line a kiosk shows: an event, a prompt or a problem.
#[derive(Debug, Clone, Serialize)]
pub struct KioskLine {
    /// `event` (a committed event: the acknowledgement), `folded`, `duplicate`,
    /// `need_code`, `expired`, `error`, `reader`.
    pub kind: &'static str,
    /// Event row id (`event`, `folded`, `duplicate`).
    pub id: Option<i64>,
    /// `ok` or `refused`.
    pub status: Option<String>,
    /// `in` or `out`.
    pub direction: Option<String>,
    /// Holder's external id.
    pub holder: Option<String>,
    /// Holder's label.
    pub label: Option<String>,
    /// Why it was refused.
    pub reason: Option<String>,
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
    /// The line for people.
    pub message: String,
}

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
}

fn who(e: &Event) -> String {
    match (&e.label, &e.holder) {
        (Some(l), Some(h)) => format!("{l} ({h})"),
        (None, Some(h)) => h.clone(),
        _ => e.credential.clone().unwrap_or_else(|| "unknown".into()),
    }
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
        })
    }

    fn line(&self, kind: &'static str, message: String) -> KioskLine {
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
            message,
        }
    }

    fn event_line(&self, kind: &'static str, e: &Event) -> KioskLine {
        let time = local_rfc3339(&self.tz, e.at);
        let clock = super::report::local(&self.tz, e.at);
        let message = match (kind, e.status.as_str()) {
            ("folded", _) => format!(
                "= {} already {} since {clock}",
                who(e),
                e.direction.as_deref().unwrap_or("recorded")
            ),
            ("duplicate", _) => format!("= event #{} was already recorded", e.id),
            (_, "ok") => format!(
                "OK #{} {:<3} {} at {} {clock}",
                e.id,
                e.direction.as_deref().unwrap_or("-").to_uppercase(),
                who(e),
                self.location
            ),
            _ => format!(
                "NO #{} refused: {} ({}) at {} {clock}",
                e.id,
                explain(e.reason.as_deref().unwrap_or("REFUSED")),
                who(e),
                self.location
            ),
        };
        KioskLine {
            kind,
            id: Some(e.id),
            status: Some(e.status.clone()),
            direction: e.direction.clone(),
            holder: e.holder.clone(),
            label: e.label.clone(),
            reason: e.reason.clone(),
            at: Some(e.at),
            time: Some(time),
            location: self.location.clone(),
            reader: e.reader.clone(),
            credential: e.credential.clone(),
            message,
        }
    }

    fn outcome(
        &mut self,
        o: Outcome,
        cred: Option<CredentialKey>,
        at: i64,
    ) -> (KioskLine, Option<Feedback>) {
        match o {
            Outcome::Recorded(e) => {
                let f = if e.status == "ok" {
                    Feedback::Accepted
                } else {
                    Feedback::Refused
                };
                (self.event_line("event", &e), Some(f))
            }
            Outcome::Duplicate(e) => (self.event_line("duplicate", &e), None),
            Outcome::Folded(e) => (self.event_line("folded", &e), Some(Feedback::Accepted)),
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
                let name = label.clone().unwrap_or_else(|| holder.clone());
                let mut l = self.line(
                    "need_code",
                    format!("? {name}: type the code of your token and Enter (within {CODE_TIMEOUT_S} s)"),
                );
                l.holder = Some(holder);
                l.label = label;
                l.credential = Some(credential);
                (l, None)
            }
        }
    }

    fn record(
        &mut self,
        p: &Presentation,
        cred: Option<CredentialKey>,
    ) -> (KioskLine, Option<Feedback>) {
        match self.st.presence_record(p) {
            Ok(o) => self.outcome(o, cred, p.at),
            Err(e) => (
                self.line("error", format!("!! not recorded: {e}")),
                Some(Feedback::Refused),
            ),
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
                let (line, f) = self.tap(&tap, seq, at_ms);
                if let (Some(tx), Some(f)) = (feedback, f) {
                    let _ = tx.send(f);
                }
                vec![line]
            }
            KioskInput::Line {
                text,
                source,
                at_ms,
            } => self
                .typed(&text, &source, at_ms, None)
                .into_iter()
                .collect(),
            KioskInput::ReaderDown { reader, error } => {
                let mut l = self.line(
                    "reader",
                    format!("!! reader {reader} down: {error}; retrying"),
                );
                l.reader = Some(reader);
                vec![l]
            }
            KioskInput::ReaderUp { reader } => {
                let mut l = self.line("reader", format!("-- reader {reader} ready"));
                l.reader = Some(reader);
                vec![l]
            }
            KioskInput::Stop => Vec::new(),
        }
    }

    fn tap(&mut self, tap: &Tap, seq: u64, at_ms: i64) -> (KioskLine, Option<Feedback>) {
        let cred = match &tap.kind {
            TapKind::Card(uid) => CredentialKey::card(uid.as_bytes()),
            TapKind::Tag(uid) => match CredentialKey::tag_bytes(uid.as_bytes()) {
                Some(k) => k,
                None => {
                    return (
                        self.line(
                            "error",
                            format!("!! {}: tag of unexpected length", tap.reader),
                        ),
                        Some(Feedback::Refused),
                    );
                }
            },
            TapKind::Typed(text) => {
                let known = typed_credential(text)
                    .filter(|k| matches!(self.st.presence_identify(k), Ok(Some(_))));
                match known {
                    Some(k) => k,
                    None => {
                        let line = self.typed(text, &tap.reader, at_ms, Some(seq));
                        let f = line.as_ref().map(|l| {
                            if l.status.as_deref() == Some("ok") {
                                Feedback::Accepted
                            } else {
                                Feedback::Refused
                            }
                        });
                        return match line {
                            Some(l) => (l, f),
                            None => (self.line("error", String::new()), None),
                        };
                    }
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
        self.record(&p, Some(cred))
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
            Err(e) => return Some(self.line("error", format!("!! {e}"))),
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
        Some(self.record(&p, None).0)
    }

    /// Periodic work: drops an expired code prompt and checks everyone out after
    /// closing time.
    pub fn tick(&mut self, now: i64) -> Vec<KioskLine> {
        let mut out = Vec::new();
        if let Some(p) = &self.pending
            && p.until < now
        {
            let msg = format!("-- no code came for {}: tap again", p.cred);
            self.pending = None;
            out.push(self.line("expired", msg));
        }
        match self.st.presence_auto_checkout(&self.location, now) {
            Ok(events) => out.extend(events.iter().map(|e| self.event_line("event", e))),
            Err(e) => out.push(self.line("error", format!("!! automatic check-out failed: {e}"))),
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
                        if !l.message.is_empty() {
                            emit(&l);
                        }
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

/// A reason code in words.
pub fn explain(reason: &str) -> String {
    match reason {
        "UNKNOWN_CREDENTIAL" => {
            "unknown card, tag or token: enrol it with `tokenstation holder enrol`".into()
        }
        "CARD_REQUIRED" => "this location needs a card or tag: tap it first".into(),
        "CREDENTIAL_MISMATCH" => "the card and the token belong to different holders".into(),
        "NO_TOKEN" => "no token enrolled for this holder".into(),
        "ALREADY_IN" => "already checked in: check out first".into(),
        "NOT_IN" => "not checked in".into(),
        "TOO_SOON" => "too soon after the last event: wait and try again".into(),
        "INVALID_CODE" => "wrong code".into(),
        "REPLAYED" => "code already used: wait for the next one".into(),
        "LIMIT_REACHED" => "too many failures: try again later".into(),
        other => other.to_string(),
    }
}

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
