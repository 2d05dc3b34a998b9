//! Where a burn's seed sits as the family's management lists it: the slot number a
//! listing shows for the slot a burn named, and the name the device keeps of the name a
//! burn wrote. The station matches a device's slots against the registered tokens with
//! these, without knowing any family's numbering.

use crate::devices::nitrokey::protocol::NAME_LEN as NITROKEY_NAME_LEN;
use crate::model::Family;
use crate::otp::Kind;

/// The slot number [`DeviceManagement::inventory`](crate::devices::DeviceManagement::inventory)
/// shows for the slot a burn wrote as `burned`: a Nitrokey lists HOTP 0–2 as 0–2 and
/// TOTP 0–14 as 3–17; other families list the number a burn takes.
pub fn listed_slot(family: Family, kind: Kind, burned: u16) -> u16 {
    match (family, kind) {
        (Family::Nitrokey, Kind::Totp) => burned.saturating_add(3),
        _ => burned,
    }
}

/// The name the device keeps of a name a burn wrote: a Nitrokey keeps the first 15
/// bytes (read back as UTF-8, lossily); the others keep it whole (a longer one is
/// refused before it is written).
pub fn stored_name(family: Family, name: &str) -> String {
    match family {
        Family::Nitrokey => {
            let b = name.as_bytes();
            String::from_utf8_lossy(&b[..b.len().min(NITROKEY_NAME_LEN)]).into_owned()
        }
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nitrokey_totp_slots_follow_the_hotp_ones_and_names_are_cut() {
        assert_eq!(listed_slot(Family::Nitrokey, Kind::Totp, 0), 3);
        assert_eq!(listed_slot(Family::Nitrokey, Kind::Hotp, 2), 2);
        assert_eq!(listed_slot(Family::Molto2, Kind::Totp, 9), 9);
        assert_eq!(
            stored_name(Family::Nitrokey, "NK-0001-ABCDEFGHIJ"),
            "NK-0001-ABCDEFG"
        );
        assert_eq!(stored_name(Family::Nitrokey, "NK-1"), "NK-1");
        assert_eq!(stored_name(Family::Molto2, "M2-0001"), "M2-0001");
    }
}
