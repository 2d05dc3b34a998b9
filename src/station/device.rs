//! On-device management (issue 13): what a token holds, and deleting, renaming and
//! factory-resetting it, for every family we burn — what `ykman oath accounts` gives
//! YubiKey users. The station reaches the token through a [`TokenSession`] and its
//! [`DeviceManagement`](crate::devices::DeviceManagement) capability only; a family
//! that cannot do something refuses with its typed reason.
//!
//! The store learns of it: a deleted slot or a reset device that held a registered
//! token retires the token, after the person confirmed it, in the same transaction as
//! the `device.delete` / `device.reset` audit line; a rename renames the slot the
//! burn recorded. Each change is audited, and a change that fails is audited as
//! `device.<op>.failed` with the reason.
//!
//! The use cases are methods of [`Station`](super::Station) over an open session: the read models in
//! [`super::views::device`] (info, list) and the changes in [`change`] and [`reset`].
//! Long work —
//! waiting for the token, asking for a PIN, a confirmation, a touch or ▲ — runs as a
//! job: [`job`].

pub mod change;
pub mod held;
pub mod job;
pub mod reset;

use serde::Serialize;

use super::jobs::{Answer, Ask, Asker, JobCtx};
use super::{Result, StationError};
use crate::devices::session::{Credential, TokenSession};
use crate::devices::{DeviceError, ManagementOp, OtpToken};

pub use change::{ChangeOptions, Deleted, Renamed};
pub use held::RegisteredToken;
pub use reset::ResetDone;

/// What the device waits for while an operation runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum DeviceEvent {
    /// Touch the token's button now: it blinks and waits (Nitrokey 3 delete, reset).
    Touch {
        /// The reader.
        reader: String,
        /// What the touch confirms.
        operation: ManagementOp,
    },
    /// Press ▲ on the device: it accepted the command and waits for the button
    /// (Molto2 factory reset).
    PressButton {
        /// The reader.
        reader: String,
        /// What the button confirms.
        operation: ManagementOp,
    },
}

/// The person in front of a device operation: answers its questions (a PIN, a
/// confirmation), is shown what the device waits for, and may cancel.
pub trait Operator: Asker {
    /// Shows what the device waits for.
    fn show(&mut self, event: DeviceEvent);
    /// Whether the operation was cancelled.
    fn cancelled(&self) -> bool {
        false
    }
}

impl Operator for &JobCtx<DeviceEvent> {
    fn show(&mut self, event: DeviceEvent) {
        self.emit(event);
    }
    fn cancelled(&self) -> bool {
        self.cancel_token().is_cancelled()
    }
}

/// An [`Operator`] from two closures: the answers, and what to do with each event
/// (tests, in-process demos).
pub struct Scripted<A, S> {
    /// Answers the questions.
    pub ask: A,
    /// Sees the events.
    pub show: S,
}

impl<A: FnMut(Ask) -> Answer, S> Asker for Scripted<A, S> {
    fn ask(&mut self, ask: Ask) -> Result<Answer> {
        Ok((self.ask)(ask))
    }
}

impl<A: FnMut(Ask) -> Answer, S: FnMut(DeviceEvent)> Operator for Scripted<A, S> {
    fn show(&mut self, event: DeviceEvent) {
        (self.show)(event);
    }
}

/// Runs `op` on `token`; when the device asks for a secret it takes in the middle of a
/// session (a Nitrokey's admin or user PIN), asks `asker` for it, gives it to the
/// token and runs `op` again — once per secret, so a wrong one is not asked forever.
pub(crate) fn asking_secrets<T, K: OtpToken + ?Sized>(
    token: &mut K,
    asker: &mut dyn Asker,
    mut op: impl FnMut(&mut K) -> std::result::Result<T, DeviceError>,
) -> Result<T> {
    let mut given: Vec<Credential> = Vec::new();
    loop {
        match op(token) {
            Err(DeviceError::AuthRequired { device, needs, .. }) if !given.contains(&needs) => {
                let answer = asker.ask(Ask::Secret {
                    device: device.clone(),
                    credential: needs,
                })?;
                let secret = answer.text().ok_or(StationError::CredentialNeeded {
                    device: device.clone(),
                    credential: needs,
                })?;
                if !token.supply(needs, &secret) {
                    return Err(StationError::CredentialNeeded {
                        device,
                        credential: needs,
                    });
                }
                given.push(needs);
            }
            other => return Ok(other?),
        }
    }
}

/// A question the person must answer yes to, unless `yes` was given beforehand.
pub(crate) fn confirm(asker: &mut dyn Asker, yes: bool, action: String) -> Result<()> {
    if yes {
        return Ok(());
    }
    match asker.ask(Ask::Confirm {
        action: action.clone(),
    })? {
        Answer::Confirmed(true) => Ok(()),
        Answer::Confirmed(false) => Err(StationError::Declined { action }),
        _ => Err(StationError::NotConfirmed { action }),
    }
}

/// The refusal of `operation` on the token in `s` for `why`.
pub(crate) fn refusal(
    s: &TokenSession,
    operation: ManagementOp,
    why: crate::devices::ManagementRefusal,
) -> StationError {
    DeviceError::CannotManage {
        device: s.reader().to_string(),
        operation,
        why,
    }
    .into()
}
