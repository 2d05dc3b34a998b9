//! [`DeviceManagement`] for the Molto2 (token-protocols.md §3.6–§3.8): profiles listed
//! from their public data (occupied, title, HMAC, digits, step), a seed deleted with
//! `80 E6` (the title stays), renamed by writing the title, factory reset confirmed
//! with ▲ on the device.

use super::driver::{Confirmation, Molto2};
use super::protocol::{self as p, ProfileData};
use crate::devices::capability::slot_named;
use crate::devices::token2_nfc::protocol::{Hmac, Step};
use crate::devices::{
    DeviceError, DeviceManagement, HeldCredential, ManagementCapabilities, ManagementOp,
    ManagementRefusal, ResetConfirmation, ResetOutcome, ResetScope, SlotRef,
};
use crate::otp::{Algorithm, Kind};
use crate::transport::ApduLink;

fn held(slot: u16, d: &ProfileData) -> HeldCredential {
    HeldCredential {
        slot: Some(slot),
        name: d.title_text(),
        kind: Some(Kind::Totp),
        occupied: d.seed_present,
        algorithm: match Hmac::from_code(d.hmac) {
            Some(Hmac::Sha1) => Some(Algorithm::Sha1),
            Some(Hmac::Sha256) => Some(Algorithm::Sha256),
            None => None,
        },
        digits: Some(d.digits),
        period: Step::from_code(d.step).map(Step::seconds),
        touch: None,
    }
}

impl<L: ApduLink> Molto2<L> {
    fn refuse(&self, operation: ManagementOp, why: ManagementRefusal) -> DeviceError {
        DeviceError::CannotManage {
            device: self.device(),
            operation,
            why,
        }
    }

    /// The profile `which` names: a number, or the one profile with that title.
    fn resolve(&mut self, which: &SlotRef, op: ManagementOp) -> Result<u16, DeviceError> {
        match which {
            SlotRef::Slot(n) if *n < self.profiles => Ok(*n),
            SlotRef::Slot(_) => Err(self.refuse(op, ManagementRefusal::NotFound)),
            SlotRef::Name(name) => {
                let held = self.inventory()?;
                slot_named(&held, name).map_err(|why| self.refuse(op, why))
            }
        }
    }
}

impl<L: ApduLink> DeviceManagement for Molto2<L> {
    fn management(&self) -> ManagementCapabilities {
        ManagementCapabilities {
            list: true,
            delete_by_name: true,
            delete_by_slot: true,
            rename: true,
            factory_reset: Some(ResetConfirmation::ButtonPress),
            reset_wipes: Some(ResetScope::ProfilesAndCustomerKey),
            touch_to_delete: false,
        }
    }

    fn inventory(&mut self) -> Result<Vec<HeldCredential>, DeviceError> {
        (0..self.profiles)
            .map(|slot| self.read_profile(slot).map(|d| held(slot, &d)))
            .collect()
    }

    /// Deletes the profile's seed (`6A 83`, an empty profile: not found).
    fn delete(&mut self, which: &SlotRef) -> Result<(), DeviceError> {
        let slot = self.resolve(which, ManagementOp::Delete)?;
        match self.delete_seed(slot)? {
            true => Ok(()),
            false => Err(self.refuse(ManagementOp::Delete, ManagementRefusal::NotFound)),
        }
    }

    fn rename(&mut self, which: &SlotRef, new_name: &str) -> Result<String, DeviceError> {
        if new_name.is_empty() || new_name.len() > p::MAX_TITLE {
            return Err(self.refuse(ManagementOp::Rename, ManagementRefusal::NameDoesNotFit));
        }
        let slot = self.resolve(which, ManagementOp::Rename)?;
        self.write_title(slot, new_name)?;
        Ok(new_name.to_string())
    }

    fn factory_reset(&mut self) -> Result<ResetOutcome, DeviceError> {
        Ok(match self.factory_reset()? {
            Confirmation::Done => ResetOutcome::Done,
            Confirmation::PressButton => ResetOutcome::PressButton,
        })
    }
}
