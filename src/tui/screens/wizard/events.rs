//! The wizard hearing its jobs: each burn event (a step reached, a token presented,
//! burned, failed or skipped), the end of a single burn (registered, or failed at the
//! step last reached) and the end of a batch (its summary).

use super::{Step, Wizard};
use crate::station::burn_job::{BatchSummary, BurnEvent};
use crate::station::provision::BurnOutcome;
use crate::station::{Result, Station};
use crate::tui::app::Shared;
use crate::tui::words;

/// How many log lines are kept.
const KEEP: usize = 200;

impl Wizard {
    /// A burn event.
    pub fn event(&mut self, e: BurnEvent, _sh: &mut Shared) {
        match e {
            BurnEvent::Step { step, .. } => self.reached.push(step),
            BurnEvent::Present {
                n, serial, reader, ..
            } => {
                self.reached.clear();
                self.failed_at = None;
                let which = serial.unwrap_or_else(|| format!("token {n}"));
                self.log
                    .push((format!("present {which} to {reader}"), true));
            }
            BurnEvent::Burned { outcome, .. } => {
                let line = format!(
                    "✔ {} burned, {} proof, registered active",
                    outcome.serial, outcome.proof
                );
                if let Some(b) = self.batch.as_mut() {
                    b.outcomes
                        .push((outcome.serial.clone(), true, line.clone()));
                }
                self.log.push((line, true));
            }
            BurnEvent::Failed { n, serial, error } => {
                let at = self.reached.last().copied().unwrap_or("open");
                let who = serial.unwrap_or_else(|| format!("token {n}"));
                let line = format!("✘ {who} failed at {at}: {}", error.message);
                if let Some(b) = self.batch.as_mut() {
                    b.outcomes.push((who, false, line.clone()));
                }
                self.log.push((line, false));
            }
            BurnEvent::Skipped { serial } => {
                let line = format!("{serial} exists already: skipped");
                if let Some(b) = self.batch.as_mut() {
                    b.outcomes.push((serial, false, line.clone()));
                }
                self.log.push((line, false));
            }
            BurnEvent::Remove { reader } => self
                .log
                .push((format!("take the token off {reader}"), true)),
            BurnEvent::Opened { reader } => self
                .log
                .push((format!("token found on {reader}: burning"), true)),
        }
        if self.log.len() > KEEP {
            self.log.remove(0);
        }
    }

    /// The single burn ended.
    pub fn done(&mut self, done: (Station, Result<BurnOutcome>), sh: &mut Shared) {
        self.step = Step::Done;
        self.job = None;
        match done.1 {
            Ok(o) => {
                sh.say(format!("token {} registered active", o.serial), true);
                self.outcome = Some(Ok(o));
            }
            Err(e) => {
                let at = self.reached.last().copied().unwrap_or("open");
                self.failed_at = Some(at);
                let text = words::error(&e);
                sh.say(format!("burn failed at {at}: {text}"), false);
                self.outcome = Some(Err(text));
            }
        }
    }

    /// The batch ended.
    pub fn batch_done(&mut self, done: (Station, Result<BatchSummary>), sh: &mut Shared) {
        self.step = Step::Done;
        self.job = None;
        match done.1 {
            Ok(s) => {
                sh.say(
                    format!(
                        "batch: {} burned, {} failed, {} skipped",
                        s.burned.len(),
                        s.failed.len(),
                        s.skipped.len()
                    ),
                    s.failed.is_empty(),
                );
                if let Some(b) = self.batch.as_mut() {
                    b.summary = Some(s);
                }
            }
            Err(e) => {
                let text = words::error(&e);
                sh.say(format!("batch stopped: {text}"), false);
                self.outcome = Some(Err(text));
            }
        }
    }
}
