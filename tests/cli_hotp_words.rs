//! Issue 12, "Help and words": an HOTP verdict counts counters, not steps, with the
//! plural right; a TOTP one counts steps. Through the binary.

#![allow(clippy::unwrap_used)]

mod common;

use common::{RFC_SEED_B32, Station};

#[test]
fn hotp_verdicts_count_counters_and_totp_verdicts_steps() {
    let s = Station::new();
    s.ok(&["product", "add", "H", "--kind", "hotp"]);
    s.ok_secret(&["token", "add", "H1", "--product", "H"], RFC_SEED_B32);
    // RFC 4226 Appendix D: counter 1 287082, 2 359152, 3 969429, 4 338314,
    // 5 254676, 6 287922, 7 162583, 8 399871.
    let out = s.ok(&["token", "activate", "H1", "287082"]);
    assert_eq!(out.trim(), "OK H1 offset +1 counter", "{out}");
    assert!(!out.contains("drift"), "HOTP has no drift: {out}");
    let out = s.ok(&["verify", "H1", "338314"]);
    assert_eq!(out.trim(), "OK H1 offset +2 counters", "{out}");
    let (out, _) = s.fails(&["verify", "H1", "338314"], 1);
    assert_eq!(out.trim(), "REPLAYED H1 offset -1 counter", "{out}");
    let out = s.ok(&["token", "resync", "H1", "162583", "399871"]);
    assert!(out.contains("counters") && !out.contains("step"), "{out}");
    let (out, _) = s.fails(&["--json", "verify", "H1", "--no-record", "287922"], 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "REPLAYED", "{v}");
    assert_eq!(v["offset_unit"], "counter", "{v}");
    // token show speaks of the counter, not of drift and steps.
    let show = s.ok(&["token", "show", "H1"]);
    assert!(show.contains("counter     9"), "{show}");
    assert!(!show.contains("step"), "{show}");
    let show = s.ok(&["product", "show", "H"]);
    assert!(show.contains("10 counters ahead"), "{show}");
    assert!(show.contains("no clock"), "{show}");

    // TOTP: steps, singular and plural.
    s.ok(&["product", "add", "T"]);
    s.ok_secret(&["token", "add", "T1", "--product", "T"], RFC_SEED_B32);
    let out = s.ok(&["token", "activate", "T1", "287082", "--at", "59"]);
    assert_eq!(out.trim(), "OK T1 offset +0 steps, drift +0 steps", "{out}");
    let out = s.ok(&["verify", "T1", "969429", "--at", "89"]);
    assert_eq!(out.trim(), "OK T1 offset +1 step, drift +1 step", "{out}");
    let v = s.json(&["verify", "T1", "--no-record", "338314", "--at", "89"]);
    assert_eq!(
        (v["offset"].as_i64(), &v["offset_unit"]),
        (Some(2), &serde_json::json!("step")),
        "{v}"
    );
    let show = s.ok(&["token", "show", "T1"]);
    assert!(show.contains("drift       +1 step\n"), "{show}");
    let show = s.ok(&["product", "show", "T"]);
    assert!(show.contains("±1 step around"), "{show}");
}
