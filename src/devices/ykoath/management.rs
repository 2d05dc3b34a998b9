//! [`DeviceManagement`] for the OATH applet, as `ykman oath accounts` does it
//! (yubikit `oath.py`): credentials listed with LIST, their touch flag and digits from
//! CALCULATE ALL on a YubiKey (`7C` touch, `77` HOTP) and from LIST version 1 on a
//! Nitrokey 3; deleted and renamed by name only (a list position is no slot); RENAME on
//! YubiKey firmware 5.3.1 and newer, keeping the period written in the old name; RESET
//! (the Nitrokey 3 waits for a touch).

use super::OathToken;
use super::driver::Variant;
use super::protocol::{self as p, CalcResult, LIST_PROP_TOUCH};
use crate::devices::{
    DeviceError, DeviceManagement, HeldCredential, ManagementCapabilities, ManagementOp,
    ManagementRefusal, OtpToken, ResetConfirmation, ResetOutcome, ResetScope, SlotRef,
};
use crate::otp::Kind;
use crate::transport::{ApduLink, StatusWord};

impl<L: ApduLink> OathToken<L> {
    fn refuse(&self, operation: ManagementOp, why: ManagementRefusal) -> DeviceError {
        DeviceError::CannotManage {
            device: self.oath_ref().device(),
            operation,
            why,
        }
    }

    fn name_of<'a>(&self, which: &'a SlotRef, op: ManagementOp) -> Result<&'a str, DeviceError> {
        match which {
            SlotRef::Name(n) => Ok(n),
            SlotRef::Slot(_) => Err(self.refuse(op, ManagementRefusal::NamedNotNumbered)),
        }
    }

    /// A "no such credential" answer (`6984` YubiKey, `6A82` Nitrokey 3) as a refusal.
    fn not_found(&self, op: ManagementOp, e: DeviceError) -> DeviceError {
        match e {
            DeviceError::Status {
                sw: StatusWord::DataInvalid | StatusWord::NotFound,
                ..
            } => self.refuse(op, ManagementRefusal::NotFound),
            e => e,
        }
    }

    fn can_rename(&self) -> Result<(), ManagementRefusal> {
        let o = self.oath_ref();
        match o.variant() {
            Variant::Nitrokey3 => Err(ManagementRefusal::NoRenameCommand),
            Variant::YubiKey if o.info().version < [5, 3, 1] => {
                Err(ManagementRefusal::FirmwareTooOldForRename)
            }
            Variant::YubiKey => Ok(()),
        }
    }
}

fn held(entry: &p::ListEntry, digits: Option<u8>, touch: Option<bool>) -> HeldCredential {
    let kind = entry.kind();
    HeldCredential {
        slot: None,
        name: Some(entry.name.clone()),
        kind,
        occupied: true,
        algorithm: p::alg_of(entry.type_alg),
        digits,
        period: (kind == Some(Kind::Totp))
            .then(|| p::parse_credential_id(&entry.name, Kind::Totp).period),
        touch,
    }
}

impl<L: ApduLink> DeviceManagement for OathToken<L> {
    fn management(&self) -> ManagementCapabilities {
        ManagementCapabilities {
            list: true,
            delete_by_name: true,
            delete_by_slot: false,
            rename: self.can_rename().is_ok(),
            factory_reset: Some(match self.oath_variant() {
                Variant::YubiKey => ResetConfirmation::None,
                Variant::Nitrokey3 => ResetConfirmation::Touch,
            }),
            reset_wipes: Some(ResetScope::OathApplication),
            // the Secrets App asks for presence before it looks at the name (TSA `delete`)
            touch_to_delete: self.oath_variant() == Variant::Nitrokey3,
        }
    }

    fn inventory(&mut self) -> Result<Vec<HeldCredential>, DeviceError> {
        if self.oath_variant() == Variant::Nitrokey3 {
            let data = self
                .oath()
                .send(&p::list_with_properties(), "LIST")
                .and_then(|r| match r.sw {
                    StatusWord::Success => Ok(r.data),
                    sw => Err(self.oath_ref().status("LIST", sw)),
                })?;
            let entries = p::parse_list_with_properties(&data)
                .map_err(|reason| self.oath_ref().frame(reason))?;
            return Ok(entries
                .iter()
                .map(|(e, props)| held(e, None, Some(props & LIST_PROP_TOUCH != 0)))
                .collect());
        }
        let listed = self.oath().list()?;
        // CALCULATE ALL tells touch (7C) and digits; its codes are not used, so any
        // challenge does (ykman sends the current time step).
        let all = self.oath().calculate_all(&[0; 8])?;
        Ok(listed
            .iter()
            .map(|e| {
                let r = all.iter().find(|(n, _)| *n == e.name).map(|(_, r)| r);
                let (digits, touch) = match r {
                    Some(CalcResult::Touch(digits)) => (*digits, Some(true)),
                    Some(CalcResult::Hotp(digits)) => (*digits, None),
                    Some(CalcResult::Code(v)) => (Some(v.digits), Some(false)),
                    None => (None, None),
                };
                held(e, digits, touch)
            })
            .collect())
    }

    fn delete(&mut self, which: &SlotRef) -> Result<(), DeviceError> {
        let name = self.name_of(which, ManagementOp::Delete)?;
        self.forget(name);
        self.oath()
            .delete(name)
            .map_err(|e| self.not_found(ManagementOp::Delete, e))
    }

    fn rename(&mut self, which: &SlotRef, new_name: &str) -> Result<String, DeviceError> {
        let old = self.name_of(which, ManagementOp::Rename)?;
        self.can_rename()
            .map_err(|why| self.refuse(ManagementOp::Rename, why))?;
        // keep the period the old name carries (ykman `rename_credential`)
        let listed = self.oath().list()?;
        let entry = listed
            .iter()
            .find(|e| e.name == old)
            .ok_or_else(|| self.refuse(ManagementOp::Rename, ManagementRefusal::NotFound))?;
        let mut new_id = new_name.to_string();
        if entry.kind() == Some(Kind::Totp) {
            let old_period = p::parse_credential_id(old, Kind::Totp).period;
            let new_parsed = p::parse_credential_id(new_name, Kind::Totp);
            if old_period != p::DEFAULT_PERIOD && new_parsed.period == p::DEFAULT_PERIOD {
                new_id = format!("{old_period}/{new_name}");
            }
        }
        if new_id.is_empty() || new_id.len() > p::MAX_NAME_LEN {
            return Err(self.refuse(ManagementOp::Rename, ManagementRefusal::NameDoesNotFit));
        }
        self.forget(old);
        self.oath().rename(old, &new_id)?;
        Ok(new_id)
    }

    fn factory_reset(&mut self) -> Result<ResetOutcome, DeviceError> {
        self.erase(None)?;
        Ok(ResetOutcome::Done)
    }
}
