//! Unit tests of the burn proof window and slot names.
use super::prepare::check_code;
use super::*;
use crate::model::Product;
use crate::otp::{Algorithm, Digits, OtpParams, Secret};

fn product(kind: Kind) -> Product {
    Product {
        id: 1,
        name: "P".into(),
        vendor: None,
        model: None,
        family: Family::Ykoath,
        params: OtpParams {
            kind,
            algorithm: Algorithm::Sha1,
            digits: Digits::new(8).unwrap_or_default(),
            period: 30,
            t0: 0,
        },
        programmable: true,
        drift_per_year: None,
        skew: 1,
    }
}

#[test]
fn proof_window_is_one_step_or_one_counter() {
    let s = Secret::from_slice(b"12345678901234567890");
    let p = product(Kind::Totp);
    assert_eq!(check_code(&p, &s, "94287082", 59, 0), Some((0, 1)));
    assert_eq!(check_code(&p, &s, "94287082", 89, 0), Some((-1, 1)));
    assert_eq!(check_code(&p, &s, "94287082", 29, 0), Some((1, 1)));
    assert_eq!(check_code(&p, &s, "94287082", 120, 0), None);
    assert_eq!(check_code(&p, &s, "9428708", 59, 0), None);
    let h = product(Kind::Hotp);
    assert_eq!(check_code(&h, &s, "84755224", 0, 0), Some((0, 0)));
    assert_eq!(check_code(&h, &s, "94287082", 0, 0), Some((1, 1)));
    assert_eq!(check_code(&h, &s, "37359152", 0, 0), None);
    assert_eq!(
        slot_name(Family::Ykoath, &p.params, &p.name, "T-1"),
        "P:T-1"
    );
    assert_eq!(
        slot_name(Family::Nitrokey, &p.params, &p.name, "T-1"),
        "T-1"
    );
}
