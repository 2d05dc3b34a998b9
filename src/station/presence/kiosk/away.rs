//! The kiosk loop's side of an unreachable server: routing a presentation to the
//! offline rule ([`super::offline`]) while the outbox holds events or the server did
//! not answer, the "recorded offline" lines, and the per-second look at the outbox
//! (server gone, server back, snapshot copies). The rule itself is not here.

use super::offline::{OfflineOutcome, REFRESH_EVERY, is_unreachable};
use super::{Kiosk, KioskLine, KioskProblem, LineKind, Outcome, Presentation, now_ms};
use crate::station::presence::CredentialKey;
use crate::station::presence::report::{local, local_rfc3339};
use crate::station::presence::vocab::EventStatus;
use crate::store::outbox::OutboxEvent;

impl Kiosk<'_> {
    /// Whether presentations go to the outbox now: it holds events not yet sent.
    pub(super) fn offline_now(&self) -> bool {
        self.desk
            .as_ref()
            .is_some_and(|d| d.pending().map_or(true, |n| n > 0))
    }

    /// Notes an event decided online in the snapshot (its holder's last event).
    pub(super) fn note_online(&self, o: &Outcome) {
        if let (Some(d), Outcome::Recorded(e)) = (&self.desk, o) {
            // the snapshot is a help for later offline decisions, not a record
            let _ = d.note_online(e);
        }
    }

    /// After a code decided online: the leased tokens' state copied again
    /// ([`super::offline::OfflineDesk::note_code`]).
    pub(super) fn note_code(&mut self, p: &Presentation) {
        if let (Some(d), Some(tc)) = (self.desk.as_mut(), &p.code) {
            d.note_code(self.st, tc.serial.as_deref());
        }
    }

    /// Whether a credential typed by a wedge reader is enrolled (from the snapshot
    /// when the server does not answer).
    pub(super) fn identifies(&self, k: &CredentialKey) -> bool {
        let from_snapshot = || {
            self.desk
                .as_ref()
                .is_some_and(|d| matches!(d.identify(k), Ok(Some(_))))
        };
        if self.offline_now() {
            return from_snapshot();
        }
        match self.st.presence_identify(k) {
            Ok(found) => found.is_some(),
            Err(e) if is_unreachable(&e) => from_snapshot(),
            Err(_) => false,
        }
    }

    /// Decides a presentation offline; the line shows it after it is in the outbox.
    pub(super) fn record_offline(&mut self, p: &Presentation) -> KioskLine {
        self.pending = None;
        let key = self.st.key.as_ref();
        let Some(desk) = self.desk.as_mut() else {
            return self.problem(
                LineKind::Error,
                KioskProblem::NotRecorded("the store's server does not answer".into()),
            );
        };
        match desk.decide_keyed(key, p, now_ms()) {
            Ok(OfflineOutcome::Recorded(e)) => self.offline_line(LineKind::Event, &e),
            Ok(OfflineOutcome::Folded(e)) => self.offline_line(LineKind::Folded, &e),
            Ok(OfflineOutcome::Duplicate(e)) => self.offline_line(LineKind::Duplicate, &e),
            Err(e) => self.problem(LineKind::Error, KioskProblem::NotRecorded(e.to_string())),
        }
    }

    fn offline_line(&self, kind: LineKind, e: &OutboxEvent) -> KioskLine {
        KioskLine {
            kind,
            status: Some(EventStatus::from_stored(&e.status)),
            direction: e.direction.as_deref().and_then(|d| d.parse().ok()),
            holder: e.holder.clone(),
            label: e.label.clone(),
            reason: e.reason.as_deref().and_then(|r| r.parse().ok()),
            at: Some(e.at),
            time: Some(local_rfc3339(&self.tz, e.at)),
            reader: e.reader.clone(),
            credential: e.credential.clone(),
            clock: Some(local(&self.tz, e.at)),
            offline: true,
            outbox_seq: (e.seq > 0).then_some(e.seq),
            ..self.line(kind)
        }
    }

    /// The per-second look at the server: announces the server gone (events wait in
    /// the outbox) and back (the outbox was sent: the snapshot is copied again), and
    /// copies the snapshot every [`REFRESH_EVERY`]. False while offline.
    pub(super) fn server_tick(&mut self, now: i64, out: &mut Vec<KioskLine>) -> bool {
        let Some(desk) = &self.desk else {
            return true;
        };
        let waiting = desk.pending().map_or(1, |n| n);
        if waiting > 0 {
            if !self.was_offline {
                self.was_offline = true;
                let path = desk.path().display().to_string();
                out.push(self.problem(LineKind::Server, KioskProblem::ServerDown(path)));
            }
            return false;
        }
        // a connection the server dropped is replaced (briefly waited for)
        if self.st.reconnect().is_err() {
            return false;
        }
        let back = std::mem::take(&mut self.was_offline);
        if back || now >= self.next_refresh {
            let refreshed = match self.desk.as_mut() {
                Some(d) => d.refresh(self.st).is_ok(),
                None => true,
            };
            if refreshed {
                self.next_refresh = now + REFRESH_EVERY.as_secs() as i64;
            }
        }
        if back {
            out.push(self.problem(LineKind::Server, KioskProblem::ServerBack));
        }
        true
    }
}
