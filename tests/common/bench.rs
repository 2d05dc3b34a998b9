//! A station on a temporary store with one programmable product, for the in-process
//! tests of burns and on-device management.

use tokenstation::model::{Family, Product};
use tokenstation::otp::{Algorithm, Digits, Kind, OtpParams};
use tokenstation::station::{KeySource, Station, default_key_file};

/// A new store in `dir` with the programmable product `name` of `family`: TOTP,
/// SHA-1, 6 digits, 30 s.
pub fn station_with_product(dir: &tempfile::TempDir, name: &str, family: Family) -> Station {
    let db = dir.path().join("s.db");
    let mut st = Station::init(&db, &KeySource::File(default_key_file(&db)), 0).unwrap();
    st.product_add(
        &Product {
            id: 0,
            name: name.into(),
            vendor: None,
            model: None,
            family,
            params: OtpParams {
                kind: Kind::Totp,
                algorithm: Algorithm::Sha1,
                digits: Digits::new(6).unwrap(),
                period: 30,
                t0: 0,
            },
            programmable: true,
            drift_per_year: None,
            skew: 1,
        },
        0,
    )
    .unwrap();
    st
}

/// The audit lines of exactly `action`, as `action subject after`.
pub fn audit(st: &Station, action: &str) -> Vec<String> {
    st.read()
        .audit_list(&tokenstation::store::audit::AuditFilter {
            action: Some(action.into()),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .filter(|a| a.action == action)
        .map(|a| format!("{} {} {}", a.action, a.subject, a.after.unwrap_or_default()))
        .collect()
}
