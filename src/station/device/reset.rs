//! Factory reset of the token on the bench: always asked first, naming what the reset
//! wipes and the registered tokens it retires; then the touch or ▲ the device waits
//! for, a pending reset watched until ▲ was pressed, and one transaction with the
//! `device.reset` audit line and the tokens retired. A failure is audited as
//! `device.reset.failed`.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::change::{ChangeOptions, Opened, retire};
use super::held::{Registry, describe};
use super::{DeviceEvent, Operator, RegisteredToken, asking_secrets, confirm, refusal};
use crate::devices::session::TokenSession;
use crate::devices::{
    ManagementOp, ManagementRefusal, ResetConfirmation, ResetOutcome, ResetScope,
};
use crate::model::Family;
use crate::station::{Result, Station, StationError};

/// How often a pending reset is looked at while ▲ is awaited.
const BUTTON_POLL: Duration = Duration::from_millis(300);

/// What `device reset` did.
#[derive(Debug, Clone, Serialize)]
pub struct ResetDone {
    /// The reader.
    pub reader: String,
    /// The token's family.
    pub family: Family,
    /// The device serial, where it reports one.
    pub device_serial: Option<String>,
    /// Done, or accepted and waiting for ▲ (nothing was held to watch the reset by).
    pub outcome: ResetOutcome,
    /// What the reset wipes.
    pub wipes: Option<ResetScope>,
    /// The registered tokens the device held, now retired.
    pub retired: Vec<RegisteredToken>,
}

impl Station {
    /// Factory-resets the token, after the operator confirmed it (or `yes`): shows the
    /// touch or ▲ the device waits for, watches a pending reset until ▲ was pressed
    /// (at most `opts.wait`), and retires the registered tokens it held, in the
    /// transaction that audits the reset.
    pub fn device_reset(
        &mut self,
        s: &mut TokenSession,
        opts: ChangeOptions,
        op: &mut dyn Operator,
        now: &dyn Fn() -> i64,
    ) -> Result<ResetDone> {
        self.audited(s, op, "device.reset.failed", now, |st, s, o, op| {
            st.reset_steps(s, o, opts, op, now)
        })
    }

    fn reset_steps(
        &mut self,
        s: &mut TokenSession,
        o: &Opened,
        opts: ChangeOptions,
        op: &mut dyn Operator,
        now: &dyn Fn() -> i64,
    ) -> Result<ResetDone> {
        let Some(confirmation) = o.caps.factory_reset else {
            // the family's own refusal, with its reason
            s.manage().factory_reset()?;
            return Err(refusal(
                s,
                ManagementOp::FactoryReset,
                ManagementRefusal::NoEraseCommand,
            ));
        };
        let held = match o.caps.list {
            true => asking_secrets(s.manage(), op, |t| t.inventory())?,
            false => Vec::new(),
        };
        let retired = Registry::load(&self.read(), o.info.family)?.held_in_all(&held);
        let mut question = format!("factory reset {}", o.what());
        if let Some(w) = o.caps.reset_wipes {
            question.push_str(&format!(": {w}"));
        }
        if !retired.is_empty() {
            question.push_str(&format!("; retire token {}", describe(&retired)));
        }
        confirm(op, opts.yes, question)?;
        if confirmation == ResetConfirmation::Touch {
            op.show(DeviceEvent::Touch {
                reader: o.reader.clone(),
                operation: ManagementOp::FactoryReset,
            });
        }
        let mut outcome = asking_secrets(s.manage(), op, |t| t.factory_reset())?;
        if outcome == ResetOutcome::PressButton {
            op.show(DeviceEvent::PressButton {
                reader: o.reader.clone(),
                operation: ManagementOp::FactoryReset,
            });
            if held.iter().any(|c| c.occupied) {
                wait_for_button(s, op, o, opts.wait)?;
                outcome = ResetOutcome::Done;
            }
        }
        let out = ResetDone {
            reader: o.reader.clone(),
            family: o.info.family,
            device_serial: o.info.serial.clone(),
            outcome,
            wipes: o.caps.reset_wipes,
            retired,
        };
        let at = now();
        self.write(|tx| {
            tx.audit(at, "device.reset", &o.subject(), None::<&()>, Some(&out))?;
            retire(tx, &out.retired, at, "device.reset")
        })?;
        Ok(out)
    }
}

/// Waits until the device holds nothing any more (▲ was pressed and the reset ran), at
/// most `wait`; a device that does not answer meanwhile is asked again.
fn wait_for_button(
    s: &mut TokenSession,
    op: &mut dyn Operator,
    o: &Opened,
    wait: Duration,
) -> Result<()> {
    let deadline = Instant::now() + wait;
    loop {
        if op.cancelled() {
            return Err(StationError::Interrupted);
        }
        if let Ok(held) = s.manage().inventory()
            && !held.iter().any(|c| c.occupied)
        {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(StationError::ButtonNotPressed {
                device: o.what(),
                operation: ManagementOp::FactoryReset,
            });
        }
        std::thread::sleep(BUTTON_POLL);
    }
}
