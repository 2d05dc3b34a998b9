//! Changing what a token holds: delete one credential or slot, rename it (the factory
//! reset is [`super::reset`]). Each looks first at what the device holds (where the
//! family can list) to refuse an unknown or empty target and to find the registered
//! tokens it holds; asks before it retires one; shows the touch the device waits for;
//! then writes one transaction: the `device.<op>` audit line, and the tokens retired or
//! their slot renamed. A failure is audited as `device.<op>.failed`.

use std::time::Duration;

use serde::Serialize;

use super::held::{Registry, describe};
use super::{DeviceEvent, Operator, RegisteredToken, asking_secrets, confirm, refusal};
use crate::devices::session::TokenSession;
use crate::devices::{
    DeviceInfo, HeldCredential, ManagementCapabilities, ManagementOp, ManagementRefusal, SlotRef,
};
use crate::model::{Family, TokenStatus};
use crate::station::key_tries::KeyedDevice;
use crate::station::tx::Tx;
use crate::station::{Result, Station};

/// Options of a change.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChangeOptions {
    /// Confirmed beforehand: ask nothing (scripts).
    pub yes: bool,
    /// How long to wait for ▲ on a device that wants it.
    pub wait: Duration,
}

/// What `device delete` did.
#[derive(Debug, Clone, Serialize)]
pub struct Deleted {
    /// The reader.
    pub reader: String,
    /// The token's family.
    pub family: Family,
    /// The device serial, where it reports one.
    pub device_serial: Option<String>,
    /// The slot deleted, where the family numbers them.
    pub slot: Option<u16>,
    /// The name of what was deleted, where it had one.
    pub name: Option<String>,
    /// The registered tokens it held, now retired.
    pub retired: Vec<RegisteredToken>,
}

/// What `device rename` did.
#[derive(Debug, Clone, Serialize)]
pub struct Renamed {
    /// The reader.
    pub reader: String,
    /// The token's family.
    pub family: Family,
    /// The device serial, where it reports one.
    pub device_serial: Option<String>,
    /// The slot renamed, where the family numbers them.
    pub slot: Option<u16>,
    /// The old name.
    pub from: Option<String>,
    /// The name the device stores now.
    pub to: String,
    /// The registered tokens it holds, whose recorded slot name follows.
    pub tokens: Vec<RegisteredToken>,
}

/// The token as a change starts: what it says and can do, and who to audit it as.
pub(super) struct Opened {
    pub(super) reader: String,
    pub(super) info: DeviceInfo,
    pub(super) caps: ManagementCapabilities,
}

impl Opened {
    fn read(s: &mut TokenSession, op: &mut dyn Operator) -> Result<Opened> {
        let info = asking_secrets(s.manage(), op, |t| t.device_info())?;
        Ok(Opened {
            reader: s.reader().to_string(),
            caps: s.manage().management(),
            info,
        })
    }

    pub(super) fn subject(&self) -> String {
        match &self.info.serial {
            Some(serial) => format!("device {} {serial}", self.info.family),
            None => format!("reader {}", self.reader),
        }
    }

    pub(super) fn what(&self) -> String {
        let serial = self.info.serial.as_deref().map(|s| format!(" {s}"));
        format!(
            "the {}{} token in {}",
            self.info.family,
            serial.unwrap_or_default(),
            self.reader
        )
    }
}

/// What `which` names on the device: `Ok(None)` where the device itself must answer
/// (it cannot list, or cannot address that way: its refusal says why), else the one
/// occupied entry, or the refusal (not found, several by that name).
fn target(
    s: &mut TokenSession,
    op: &mut dyn Operator,
    o: &Opened,
    which: &SlotRef,
    operation: ManagementOp,
) -> Result<Option<HeldCredential>> {
    let addressable = match which {
        SlotRef::Name(_) => o.caps.delete_by_name,
        SlotRef::Slot(_) => o.caps.delete_by_slot,
    };
    if !o.caps.list || !addressable {
        return Ok(None);
    }
    let held = asking_secrets(s.manage(), op, |t| t.inventory())?;
    let mut hits = held.into_iter().filter(|c| match which {
        SlotRef::Name(n) => c.name.as_deref() == Some(n.as_str()),
        SlotRef::Slot(n) => c.slot == Some(*n),
    });
    match (hits.next(), hits.next()) {
        (Some(_), Some(_)) => Err(refusal(s, operation, ManagementRefusal::AmbiguousName)),
        (Some(c), None) if c.occupied => Ok(Some(c)),
        _ => Err(refusal(s, operation, ManagementRefusal::NotFound)),
    }
}

/// Retires `tokens` (each audited as `token.retire` with its cause).
pub(super) fn retire(tx: &Tx<'_>, tokens: &[RegisteredToken], now: i64, cause: &str) -> Result<()> {
    for t in tokens {
        let before = tx.token_by_id(t.token_id)?;
        if before.status == TokenStatus::Retired {
            continue;
        }
        tx.token_set_status(t.token_id, TokenStatus::Retired, now)?;
        let mut after =
            serde_json::to_value(tx.token_by_id(t.token_id)?).unwrap_or(serde_json::Value::Null);
        if let Some(o) = after.as_object_mut() {
            o.insert("cause".into(), cause.into());
        }
        tx.audit(
            now,
            "token.retire",
            &format!("token {}", t.serial),
            Some(&before),
            Some(&after),
        )?;
    }
    Ok(())
}

impl Station {
    /// Runs `steps` on the token in `s` once it said what it is; a failure is audited
    /// as `failed` with the reason.
    pub(super) fn audited<T>(
        &mut self,
        s: &mut TokenSession,
        op: &mut dyn Operator,
        failed: &str,
        now: &dyn Fn() -> i64,
        steps: impl FnOnce(&mut Station, &mut TokenSession, &Opened, &mut dyn Operator) -> Result<T>,
    ) -> Result<T> {
        let o = Opened::read(s, op)?;
        let r = steps(self, s, &o, op);
        if let Err(e) = &r {
            let after = serde_json::json!({ "reason": e.to_string() });
            let subject = o.subject();
            let logged =
                self.write(|tx| tx.audit(now(), failed, &subject, None::<&()>, Some(&after)));
            if let Err(le) = logged {
                tracing::warn!("could not write the {failed} audit entry: {le}");
            }
        }
        r
    }

    /// Deletes the credential or slot `which` names. A registered token it holds is
    /// retired after the operator confirmed it (or `yes`), in the transaction that
    /// audits the delete.
    pub fn device_delete(
        &mut self,
        s: &mut TokenSession,
        which: &SlotRef,
        opts: ChangeOptions,
        op: &mut dyn Operator,
        now: &dyn Fn() -> i64,
    ) -> Result<Deleted> {
        self.audited(s, op, "device.delete.failed", now, |st, s, o, op| {
            st.delete_steps(s, o, which, opts, op, now)
        })
    }

    fn delete_steps(
        &mut self,
        s: &mut TokenSession,
        o: &Opened,
        which: &SlotRef,
        opts: ChangeOptions,
        op: &mut dyn Operator,
        now: &dyn Fn() -> i64,
    ) -> Result<Deleted> {
        let found = target(s, op, o, which, ManagementOp::Delete)?;
        let registry = Registry::load(&self.read(), o.info.family)?;
        let retired = found
            .as_ref()
            .map(|c| registry.held_in(c))
            .unwrap_or_default();
        let what = match &found {
            Some(HeldCredential { name: Some(n), .. }) => format!("\"{n}\""),
            _ => match which {
                SlotRef::Name(n) => format!("\"{n}\""),
                SlotRef::Slot(n) => format!("slot {n}"),
            },
        };
        if !retired.is_empty() {
            confirm(
                op,
                opts.yes,
                format!(
                    "delete {what} from {} and retire token {} whose seed it holds",
                    o.what(),
                    describe(&retired)
                ),
            )?;
        }
        if o.caps.touch_to_delete {
            op.show(DeviceEvent::Touch {
                reader: o.reader.clone(),
                operation: ManagementOp::Delete,
            });
        }
        let keyed = KeyedDevice::of(o.info.family, o.info.serial.as_deref());
        if let Some(d) = &keyed {
            self.before_key_try(d, op, opts.yes)?;
        }
        let done = asking_secrets(s.manage(), op, |t| t.delete(which));
        if let Some(d) = &keyed {
            self.after_station_key_try(d, &done, now());
        }
        done?;
        let out = Deleted {
            reader: o.reader.clone(),
            family: o.info.family,
            device_serial: o.info.serial.clone(),
            slot: found.as_ref().and_then(|c| c.slot).or(match which {
                SlotRef::Slot(n) => Some(*n),
                SlotRef::Name(_) => None,
            }),
            name: found.as_ref().and_then(|c| c.name.clone()).or(match which {
                SlotRef::Name(n) => Some(n.clone()),
                SlotRef::Slot(_) => None,
            }),
            retired,
        };
        let at = now();
        self.write(|tx| {
            tx.audit(at, "device.delete", &o.subject(), None::<&()>, Some(&out))?;
            retire(tx, &out.retired, at, "device.delete")
        })?;
        Ok(out)
    }

    /// Renames the credential or slot `which` names to `new_name`; the slot a burn
    /// recorded for a registered token it holds takes the name the device now stores.
    /// `yes` sends a Molto2 key with one try left without asking (`key_tries`).
    pub fn device_rename(
        &mut self,
        s: &mut TokenSession,
        which: &SlotRef,
        new_name: &str,
        yes: bool,
        op: &mut dyn Operator,
        now: &dyn Fn() -> i64,
    ) -> Result<Renamed> {
        self.audited(s, op, "device.rename.failed", now, |st, s, o, op| {
            st.rename_steps(s, o, which, (new_name, yes), op, now)
        })
    }

    fn rename_steps(
        &mut self,
        s: &mut TokenSession,
        o: &Opened,
        which: &SlotRef,
        (new_name, yes): (&str, bool),
        op: &mut dyn Operator,
        now: &dyn Fn() -> i64,
    ) -> Result<Renamed> {
        let found = if o.caps.rename {
            target(s, op, o, which, ManagementOp::Rename)?
        } else {
            None
        };
        let registry = Registry::load(&self.read(), o.info.family)?;
        let tokens = found
            .as_ref()
            .map(|c| registry.held_in(c))
            .unwrap_or_default();
        let keyed = KeyedDevice::of(o.info.family, o.info.serial.as_deref());
        if let Some(d) = &keyed {
            self.before_key_try(d, op, yes)?;
        }
        let stored = asking_secrets(s.manage(), op, |t| t.rename(which, new_name));
        if let Some(d) = &keyed {
            self.after_station_key_try(d, &stored, now());
        }
        let stored = stored?;
        let out = Renamed {
            reader: o.reader.clone(),
            family: o.info.family,
            device_serial: o.info.serial.clone(),
            slot: found.as_ref().and_then(|c| c.slot),
            from: found.as_ref().and_then(|c| c.name.clone()),
            to: stored,
            tokens,
        };
        let at = now();
        self.write(|tx| {
            tx.audit(at, "device.rename", &o.subject(), None::<&()>, Some(&out))?;
            for t in &out.tokens {
                tx.slot_set(t.token_id, t.burned_slot, Some(&out.to))?;
            }
            Ok(())
        })?;
        Ok(out)
    }
}
