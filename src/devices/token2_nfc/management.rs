//! [`DeviceManagement`] for single-profile Token2 NFC tokens: they tell their serial and
//! clock and nothing else, have no name, and no erase or reset command (§2.4, §2.5);
//! everything but the device info is refused with the reason.

use super::driver::Token2Nfc;
use crate::devices::{
    DeviceError, DeviceManagement, HeldCredential, ManagementCapabilities, ManagementOp,
    ManagementRefusal, ResetOutcome, SlotRef,
};
use crate::transport::ApduLink;

impl<L: ApduLink> Token2Nfc<L> {
    fn refuse(&self, operation: ManagementOp, why: ManagementRefusal) -> DeviceError {
        DeviceError::CannotManage {
            device: self.device(),
            operation,
            why,
        }
    }
}

impl<L: ApduLink> DeviceManagement for Token2Nfc<L> {
    fn management(&self) -> ManagementCapabilities {
        ManagementCapabilities {
            list: false,
            delete_by_name: false,
            delete_by_slot: false,
            rename: false,
            factory_reset: None,
            reset_wipes: None,
            touch_to_delete: false,
        }
    }

    fn inventory(&mut self) -> Result<Vec<HeldCredential>, DeviceError> {
        Err(self.refuse(ManagementOp::List, ManagementRefusal::NothingReadable))
    }

    fn delete(&mut self, _which: &SlotRef) -> Result<(), DeviceError> {
        Err(self.refuse(ManagementOp::Delete, ManagementRefusal::NoEraseCommand))
    }

    fn rename(&mut self, _which: &SlotRef, _new_name: &str) -> Result<String, DeviceError> {
        Err(self.refuse(ManagementOp::Rename, ManagementRefusal::NoNameStored))
    }

    fn factory_reset(&mut self) -> Result<ResetOutcome, DeviceError> {
        Err(self.refuse(
            ManagementOp::FactoryReset,
            ManagementRefusal::NoEraseCommand,
        ))
    }
}
