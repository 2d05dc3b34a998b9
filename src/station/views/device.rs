//! A token on the bench: what it says about itself (family, model, firmware, serial,
//! its clock and how far it is from the host's) and what it holds (OATH credentials,
//! Molto2 profiles, Nitrokey slots), each slot with the registered tokens whose seed it
//! holds. Read through an open session ([`crate::station::device`]); nothing is written.

use serde::Serialize;

use crate::devices::session::TokenSession;
use crate::devices::{DeviceInfo, HeldCredential, ManagementCapabilities};
use crate::model::Family;
use crate::station::device::held::Registry;
use crate::station::device::{Operator, RegisteredToken, asking_secrets};
use crate::station::{Result, Station};

/// What a token says about itself.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceInfoView {
    /// The reader it is in.
    pub reader: String,
    /// Family, model, serial, firmware, clock (Unix seconds) where readable.
    #[serde(flatten)]
    pub info: DeviceInfo,
    /// The host's clock when the device was read, Unix seconds.
    pub host_time: i64,
    /// Device clock minus host clock, seconds, where the device has a readable clock.
    pub clock_offset: Option<i64>,
    /// What it can manage (list, delete, rename, factory reset).
    pub management: ManagementCapabilities,
}

/// One thing a token holds.
#[derive(Debug, Clone, Serialize)]
pub struct HeldEntry {
    /// Slot, name, kind, parameters, touch, as the device says.
    #[serde(flatten)]
    pub held: HeldCredential,
    /// The registered tokens whose seed it holds (usually none or one).
    pub tokens: Vec<RegisteredToken>,
}

/// What a token holds.
#[derive(Debug, Clone, Serialize)]
pub struct HeldList {
    /// The reader it is in.
    pub reader: String,
    /// Its family.
    pub family: Family,
    /// Its serial, where it reports one.
    pub serial: Option<String>,
    /// Every credential, profile or slot (empty ones too, where the family numbers them).
    pub entries: Vec<HeldEntry>,
}

impl HeldList {
    /// The entries that hold a seed.
    pub fn occupied(&self) -> impl Iterator<Item = &HeldEntry> {
        self.entries.iter().filter(|e| e.held.occupied)
    }
}

impl Station {
    /// Family, model, firmware, serial and clock of the token in `s`, with the clock's
    /// offset from `now` (the host's clock).
    pub fn device_info(
        &self,
        s: &mut TokenSession,
        op: &mut dyn Operator,
        now: i64,
    ) -> Result<DeviceInfoView> {
        let info = asking_secrets(s.manage(), op, |t| t.device_info())?;
        Ok(DeviceInfoView {
            reader: s.reader().to_string(),
            clock_offset: info.clock.map(|c| c - now),
            host_time: now,
            management: s.manage().management(),
            info,
        })
    }

    /// What the token in `s` holds; a family that cannot list refuses with its reason.
    pub fn device_list(&self, s: &mut TokenSession, op: &mut dyn Operator) -> Result<HeldList> {
        let info = asking_secrets(s.manage(), op, |t| t.device_info())?;
        let held = asking_secrets(s.manage(), op, |t| t.inventory())?;
        let registry = Registry::load(&self.read(), info.family)?;
        Ok(HeldList {
            reader: s.reader().to_string(),
            family: info.family,
            serial: info.serial,
            entries: held
                .into_iter()
                .map(|held| HeldEntry {
                    tokens: registry.held_in(&held),
                    held,
                })
                .collect(),
        })
    }
}
