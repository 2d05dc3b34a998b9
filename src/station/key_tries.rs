//! Asking before a try that could lock a device (issue 12, "Burning"). A Molto2 counts
//! wrong customer keys and says how many tries are left only after a failed one
//! (`63 Cx`, token-protocols.md §3.3; at zero it locks, and only a factory reset
//! recovers it). The station remembers the last count each device reported (by family
//! and device serial, `store::key_tries`), forgets it when the key is accepted, and
//! before sending a key to a device whose last count is 1 asks the person — through the
//! job's [`Asker`], [`Ask::LastKeyTry`] — unless `yes` was given; nobody to ask is a
//! refusal ([`StationError::NotConfirmed`]). Each change of the count is audited
//! (`device.key_tries`, `device.key_tries.cleared`).

use super::jobs::{Answer, Ask, Asker};
use super::{Result, Station, StationError};
use crate::devices::DeviceError;
use crate::model::Family;

/// The count at which the next wrong key locks the device.
const LAST_TRY: u8 = 1;

/// Whether devices of `family` count wrong keys and lock at zero.
fn counts_key_tries(family: Family) -> bool {
    family == Family::Molto2
}

/// A device that takes a key with counted tries: its family and its own serial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyedDevice {
    family: Family,
    serial: String,
}

impl KeyedDevice {
    /// The device, when its family counts tries and it reported a serial.
    pub(crate) fn of(family: Family, serial: Option<&str>) -> Option<KeyedDevice> {
        match serial {
            Some(s) if counts_key_tries(family) && !s.is_empty() => Some(KeyedDevice {
                family,
                serial: s.to_string(),
            }),
            _ => None,
        }
    }

    fn label(&self) -> String {
        let name = match self.family {
            Family::Molto2 => "Molto2".to_string(),
            f => f.to_string(),
        };
        format!("{name} {}", self.serial)
    }

    fn subject(&self) -> String {
        format!("device {}", self.serial)
    }
}

impl Station {
    /// Before the key goes to `device`: when the count it last reported is the last
    /// try, asks `asker` (unless `yes`); a no or nobody to ask refuses.
    pub(crate) fn before_key_try(
        &self,
        device: &KeyedDevice,
        asker: &mut dyn Asker,
        yes: bool,
    ) -> Result<()> {
        let left = self.read().key_tries(device.family, &device.serial)?;
        if left != Some(LAST_TRY) || yes {
            return Ok(());
        }
        let action = format!(
            "try the key on {} ({LAST_TRY} try left: a wrong key locks it for good)",
            device.label()
        );
        match asker.ask(Ask::LastKeyTry {
            device: device.label(),
            tries_left: LAST_TRY,
        })? {
            Answer::Confirmed(true) => Ok(()),
            Answer::Confirmed(false) => Err(StationError::Declined { action }),
            _ => Err(StationError::NotConfirmed { action }),
        }
    }

    /// After an operation that sent the key to `device`: records the tries a wrong key
    /// left, forgets the count once the key was accepted. A store failure here is
    /// logged: the operation's own result is what the face reports.
    pub(crate) fn after_key_try<T>(
        &mut self,
        device: &KeyedDevice,
        result: &std::result::Result<T, DeviceError>,
        now: i64,
    ) {
        self.after_key_try_with(device, result.as_ref().map(drop).map_err(Some), now);
    }

    /// [`Station::after_key_try`] for a step whose error is the station's.
    pub(crate) fn after_station_key_try<T>(
        &mut self,
        device: &KeyedDevice,
        result: &Result<T>,
        now: i64,
    ) {
        let r = result.as_ref().map(drop).map_err(|e| match e {
            StationError::Device(d) => Some(d),
            _ => None,
        });
        self.after_key_try_with(device, r, now);
    }

    fn after_key_try_with(
        &mut self,
        device: &KeyedDevice,
        result: std::result::Result<(), Option<&DeviceError>>,
        now: i64,
    ) {
        let logged = match result {
            Err(Some(DeviceError::AuthFailed {
                tries_left: Some(n),
                ..
            })) => self.record_key_tries(device, *n, now),
            Ok(()) => self.clear_key_tries(device, now),
            Err(_) => Ok(()),
        };
        if let Err(e) = logged {
            tracing::warn!("could not record the key tries of {}: {e}", device.label());
        }
    }

    fn record_key_tries(&mut self, device: &KeyedDevice, left: u8, now: i64) -> Result<()> {
        let before = self.read().key_tries(device.family, &device.serial)?;
        self.write(|tx| {
            tx.key_tries_set(device.family, &device.serial, left, now)?;
            let after = serde_json::json!({
                "family": device.family,
                "serial": device.serial,
                "tries_left": left,
            });
            let before = before.map(|n| serde_json::json!({ "tries_left": n }));
            tx.audit(
                now,
                "device.key_tries",
                &device.subject(),
                before.as_ref(),
                Some(&after),
            )
        })
    }

    fn clear_key_tries(&mut self, device: &KeyedDevice, now: i64) -> Result<()> {
        if self
            .read()
            .key_tries(device.family, &device.serial)?
            .is_none()
        {
            return Ok(());
        }
        self.write(|tx| {
            if tx.key_tries_clear(device.family, &device.serial)? {
                let after = serde_json::json!({
                    "family": device.family,
                    "serial": device.serial,
                    "reason": "the key was accepted",
                });
                tx.audit(
                    now,
                    "device.key_tries.cleared",
                    &device.subject(),
                    None::<&()>,
                    Some(&after),
                )?;
            }
            Ok(())
        })
    }
}
