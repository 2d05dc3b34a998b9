//! Which slot a burn writes: the one asked for, else the family's own default — and
//! for a Molto2, which has no default profile (token-protocols.md §3: 100 profiles,
//! each written by number), the first profile that holds no seed, when the face asks
//! for it ([`super::BurnOptions::free_slot`]). The device's public profile data says
//! which are free; nothing is written to find out.

use crate::devices::OtpToken;
use crate::model::Family;
use crate::station::{Result, StationError};

/// The slot to write on `token` (of `family`, in `reader`): `asked`, else the first
/// free Molto2 profile when `free` is set, else `None` (the family's default).
pub(super) fn chosen(
    token: &mut dyn OtpToken,
    family: Family,
    asked: Option<u16>,
    free: bool,
    reader: &str,
) -> Result<Option<u16>> {
    if asked.is_some() || !free || family != Family::Molto2 {
        return Ok(asked);
    }
    let slots = token.list_slots()?;
    match slots.iter().find(|s| !s.occupied) {
        Some(s) => Ok(Some(s.slot)),
        None => Err(StationError::NoFreeSlot {
            reader: reader.to_string(),
            slots: slots.len(),
        }),
    }
}
