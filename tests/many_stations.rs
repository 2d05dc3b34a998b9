//! Many stations on one store, as separate operating-system processes (the binary):
//! N stations verify one code at once and exactly one gets `OK`; N stations send
//! wrong codes at once and the failures and `LIMIT_REACHED` verdicts are exactly those
//! of the same attempts one after another (the store serialises them), with the same
//! attempt log. Runs on SQLite by default and on PostgreSQL with
//! `TOKENSTATION_TEST_BACKEND=postgres` (`make test` runs both), where the processes
//! are stations sharing one server.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::process::{Child, Stdio};

use common::Station;
use common::backend;
use tokenstation::otp::{Algorithm, Digits, OtpKey, Secret};
use tokenstation::station::catalog::ProductChange;
use tokenstation::station::tokens::SeedInput;
use tokenstation::station::{KeySource, Station as Lib};

const SEED: &[u8] = b"12345678901234567890";
const T: i64 = 1_700_000_015;

fn code_at(t: i64) -> String {
    OtpKey::new(Algorithm::Sha1, &Secret::from_slice(SEED))
        .code_string((t / 30) as u64, Digits::SIX)
}

/// A store with product P and token A, active (activated with the code of `T`).
fn store() -> Station {
    let s = Station::new();
    let mut st = Lib::open(&s.db()).unwrap();
    st.unlock(&KeySource::File(s.key())).unwrap();
    st.product_add(&ProductChange::default().new_product("P"), 0)
        .unwrap();
    st.token_add("A", "P", SeedInput::Secret(Secret::from_slice(SEED)), 0)
        .unwrap();
    st.token_assign_location("A", None, None, 0).unwrap();
    assert!(
        st.token_activate("A", None, &code_at(T), T)
            .unwrap()
            .is_ok()
    );
    s
}

/// `tokenstation --json verify A CODE --at AT` as its own process (a station).
fn station(s: &Station, code: &str, at: i64) -> Child {
    named_station(s, "bench-0", code, at)
}

/// [`station`] with the station name `name` (`TOKENSTATION_STATION`).
fn named_station(s: &Station, name: &str, code: &str, at: i64) -> Child {
    s.std_cmd(&["--json", "verify", "A", code, "--at", &at.to_string()])
        .env("TOKENSTATION_STATION", name)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The verdict's status of a finished station.
fn status(c: Child) -> String {
    let out = c.wait_with_output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "exit {:?}: stdout {} stderr {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    v["status"].as_str().unwrap().to_string()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The attempt log at `at`, oldest first: statuses only.
fn attempts_at(s: &Station, at: i64) -> Vec<String> {
    let list = s.json(&["attempt", "list", "--serial", "A"]);
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["at"] == at)
        .map(|a| a["status"].as_str().unwrap().to_string())
        .collect();
    v.reverse();
    v
}

#[test]
fn n_stations_verify_one_code_and_exactly_one_is_ok() {
    let s = store();
    let n = 12;
    for round in 0..3 {
        let at = T + 600 + 90 * round;
        let code = code_at(at);
        let children: Vec<Child> = (0..n)
            .map(|j| named_station(&s, &format!("door-{j}"), &code, at))
            .collect();
        let statuses: Vec<String> = children.into_iter().map(status).collect();
        assert_eq!(
            statuses.iter().filter(|s| *s == "OK").count(),
            1,
            "round {round} on {}: {statuses:?}",
            if backend::on_postgres() {
                "PostgreSQL"
            } else {
                "SQLite"
            }
        );
        assert!(
            statuses.iter().all(|s| s == "OK" || s == "REPLAYED"),
            "{statuses:?}"
        );
        let log = attempts_at(&s, at);
        assert_eq!(log.len(), n, "{log:?}");
        assert_eq!(log.iter().filter(|s| *s == "OK").count(), 1, "{log:?}");
        // Every attempt names the station that made it, each station once.
        let mut names: Vec<String> = s
            .json(&["attempt", "list", "--serial", "A"])
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["at"] == at)
            .map(|a| a["station"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        let mut want: Vec<String> = (0..n).map(|j| format!("door-{j}")).collect();
        want.sort();
        assert_eq!(names, want);
    }
}

#[test]
fn n_stations_send_wrong_codes_and_limits_are_exact() {
    let at = T + 3000;
    let wrong = if code_at(at) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let n = 12;
    // The same attempts one after another: what the store must serialise them into.
    let one_by_one = store();
    let expected: Vec<String> = (0..n)
        .map(|_| status(station(&one_by_one, wrong, at)))
        .collect();
    assert!(expected.iter().any(|s| s == "INVALID_CODE"), "{expected:?}");
    assert!(
        expected.iter().any(|s| s == "LIMIT_REACHED"),
        "{expected:?}"
    );
    // At once, from N processes.
    let s = store();
    let children: Vec<Child> = (0..n).map(|_| station(&s, wrong, at)).collect();
    let statuses: Vec<String> = children.into_iter().map(status).collect();
    assert_eq!(sorted(statuses), sorted(expected.clone()));
    // The log holds them in an order a single station could have produced.
    assert_eq!(attempts_at(&s, at), expected);
    // And the token is locked for the right code too, exactly as after the sequence.
    let right = code_at(at + 1);
    assert_eq!(
        status(station(&s, &right, at + 1)),
        status(station(&one_by_one, &right, at + 1))
    );
}

/// Stations that import while others verify: every imported token is there once,
/// and the verifications stay exact.
#[test]
fn imports_and_verifications_at_once() {
    let s = store();
    let files: Vec<std::path::PathBuf> = (0..3)
        .map(|i| {
            let path = s.dir.path().join(format!("batch{i}.csv"));
            let mut text = String::from("serial,secret\n");
            for j in 0..40 {
                text.push_str(&format!("I{i}-{j:03},GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n"));
            }
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    let at = T + 9000;
    let code = code_at(at);
    let importers: Vec<Child> = files
        .iter()
        .map(|f| {
            s.std_cmd(&[
                "import",
                "csv",
                "--format",
                "generic",
                "--map",
                "serial=serial,secret=secret_base32",
                "--product",
                "P",
                f.to_str().unwrap(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let verifiers: Vec<Child> = (0..6).map(|_| station(&s, &code, at)).collect();
    for c in importers {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let statuses: Vec<String> = verifiers.into_iter().map(status).collect();
    assert_eq!(
        statuses.iter().filter(|s| *s == "OK").count(),
        1,
        "{statuses:?}"
    );
    let tokens = s.json(&["token", "list"]);
    let serials: Vec<&str> = tokens
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["serial"].as_str().unwrap())
        .collect();
    assert_eq!(serials.len(), 1 + 3 * 40, "{serials:?}");
    let mut unique = serials.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), serials.len());
}
