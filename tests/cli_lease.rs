//! A leased token verifies only at its own station (issue 17), and so do the commands
//! that move the same replay state: `token activate` and `token resync` elsewhere are
//! refused naming the lease holder, and work again once the lease is released. Through
//! the binary.

#![allow(clippy::unwrap_used)]

mod common;

use common::{RFC_SEED_B32, Station};

#[test]
fn activate_and_resync_of_a_token_leased_elsewhere_are_refused() {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    s.ok_secret(&["token", "add", "T", "--product", "P"], RFC_SEED_B32);
    s.ok(&["token", "lease", "T", "--station", "door-7"]);
    let code = s.ok(&["token", "code", "T"]).trim().to_string();
    let next = s
        .ok(&["token", "code", "T", "--at", &(now() + 30).to_string()])
        .trim()
        .to_string();
    for args in [
        vec!["token", "activate", "T", &code],
        vec!["token", "resync", "T", &code, &next],
    ] {
        let (_, err) = s.fails(&args, 2);
        assert!(
            err.contains("token T is leased to station 'door-7': it verifies only there"),
            "{args:?}: {err}"
        );
    }
    let t = &s.json(&["token", "show", "T"]);
    assert_eq!(t["status"], "unverified", "nothing moved: {t}");
    s.ok(&["token", "lease", "T", "--release"]);
    s.ok(&["token", "activate", "T", &code]);
    assert_eq!(s.json(&["token", "show", "T"])["status"], "active");
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
