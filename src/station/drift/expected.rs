//! What a family's clock is expected to do, when the product does not say
//! (token-protocols.md §10, §12; standards-and-anchors.md §8, §10): Token2 quotes about
//! two minutes a year for its battery clocks ("1 s/day not unusual"), the Feitian c200
//! spec ±3 steps (90 s) a year; tokens that take the host's time (YubiKey and Nitrokey 3
//! OATH, software authenticators) do not drift on their own; a Nitrokey Pro / Storage
//! clock runs only while powered and is set by the host on every connection.
//! Which families can have their clock written (token-protocols.md §2.8, §3, §6.5).

use crate::model::Family;
use crate::station::views::drift::FixMethod;

/// Battery-clock tokens without a vendor figure: Token2's "about 2 minutes a year".
pub const BATTERY_CLOCK_S_PER_YEAR: f64 = 120.0;

/// The expected drift of a product, seconds per year: its own figure, else its
/// family's.
pub fn expected_drift_per_year(family: Family, product: Option<f64>) -> Option<f64> {
    product.or(match family {
        Family::Token2Nfc | Family::Molto2 | Family::Generic => Some(BATTERY_CLOCK_S_PER_YEAR),
        Family::Ykoath | Family::Nitrokey3 | Family::Nitrokey | Family::Software => Some(0.0),
        _ => None,
    })
}

/// How a family's drift is corrected: its clock written, or a resync in the store.
pub fn fix_method(family: Family) -> FixMethod {
    if clock_writable(family) {
        FixMethod::Clock
    } else {
        FixMethod::Resync
    }
}

/// Whether the station can write the family's clock.
pub fn clock_writable(family: Family) -> bool {
    matches!(
        family,
        Family::Token2Nfc | Family::Molto2 | Family::Nitrokey
    )
}
