//! [`DeviceManagement`] for the Nitrokey Pro / Storage / Librem Key: slots listed with
//! READ_SLOT (name, digits, interval), deleted with ERASE_SLOT, renamed by a write that
//! stages no secret (the firmware keeps the old one, §6.4), factory reset with the
//! admin PIN (FACTORY_RESET also resets the OpenPGP card).

use super::{NitrokeyToken, listed_wire_slot, protocol as p};
use crate::devices::capability::slot_named;
use crate::devices::error::Credential;
use crate::devices::{
    DeviceError, DeviceManagement, HeldCredential, ManagementCapabilities, ManagementOp,
    ManagementRefusal, ResetConfirmation, ResetOutcome, ResetScope, SlotRef,
};
use crate::otp::{Algorithm, Kind};
use crate::transport::HidLink;

impl<L: HidLink> NitrokeyToken<L> {
    fn refuse(&self, operation: ManagementOp, why: ManagementRefusal) -> DeviceError {
        let device = self
            .with(|nk| Ok(nk.device()))
            .unwrap_or_else(|_| "nitrokey".into());
        DeviceError::CannotManage {
            device,
            operation,
            why,
        }
    }

    /// The wire slot `which` names, on this model.
    fn resolve(&mut self, which: &SlotRef, op: ManagementOp) -> Result<u8, DeviceError> {
        let slot = match which {
            SlotRef::Slot(n) => *n,
            SlotRef::Name(name) => {
                let held = self.inventory()?;
                slot_named(&held, name).map_err(|why| self.refuse(op, why))?
            }
        };
        let totp = u16::from(self.model()?.totp_slots());
        Some(slot)
            .filter(|n| *n < 3 + totp)
            .and_then(listed_wire_slot)
            .ok_or_else(|| self.refuse(op, ManagementRefusal::NotFound))
    }
}

impl<L: HidLink> DeviceManagement for NitrokeyToken<L> {
    fn management(&self) -> ManagementCapabilities {
        ManagementCapabilities {
            list: true,
            delete_by_name: true,
            delete_by_slot: true,
            rename: true,
            factory_reset: Some(ResetConfirmation::AdminPin),
            reset_wipes: Some(ResetScope::OtpAndOpenPgp),
            touch_to_delete: false,
        }
    }

    /// HOTP 0–2 as slots 0–2, TOTP 0–14 (0–13 on a Storage) as slots 3–17.
    fn inventory(&mut self) -> Result<Vec<HeldCredential>, DeviceError> {
        let totp = u16::from(self.model()?.totp_slots());
        let mut out = Vec::new();
        for (kind, count, base) in [(Kind::Hotp, 3u16, 0u16), (Kind::Totp, totp, 3)] {
            for n in 0..count {
                let Some(w) = listed_wire_slot(base + n) else {
                    continue;
                };
                let rec = self.with(|nk| nk.read_slot(w))?;
                out.push(HeldCredential {
                    slot: Some(base + n),
                    kind: Some(kind),
                    occupied: rec.is_some(),
                    algorithm: rec.as_ref().map(|_| Algorithm::Sha1),
                    digits: rec.as_ref().map(|r| if r.config & 1 != 0 { 8 } else { 6 }),
                    period: rec
                        .as_ref()
                        .filter(|_| kind == Kind::Totp)
                        .map(|r| u32::try_from(r.interval_or_counter).unwrap_or(0)),
                    name: rec.map(|r| r.name),
                    touch: None,
                });
            }
        }
        Ok(out)
    }

    fn delete(&mut self, which: &SlotRef) -> Result<(), DeviceError> {
        let w = self.resolve(which, ManagementOp::Delete)?;
        self.with(|nk| nk.erase_slot(w))
    }

    fn rename(&mut self, which: &SlotRef, new_name: &str) -> Result<String, DeviceError> {
        if new_name.is_empty() || new_name.len() > p::NAME_LEN {
            return Err(self.refuse(ManagementOp::Rename, ManagementRefusal::NameDoesNotFit));
        }
        let w = self.resolve(which, ManagementOp::Rename)?;
        self.with(|nk| nk.rename_slot(w, new_name))?;
        Ok(new_name.to_string())
    }

    fn factory_reset(&mut self) -> Result<ResetOutcome, DeviceError> {
        self.with(|nk| {
            let pin = nk.admin_pin().ok_or_else(|| DeviceError::AuthRequired {
                device: nk.device(),
                what: "FACTORY_RESET",
                needs: Credential::AdminPin,
            })?;
            nk.factory_reset(&pin)
        })?;
        Ok(ResetOutcome::Done)
    }
}
