//! Issue 12, "Management that is missing": a long `lookup` shows progress on a
//! terminal (a bar on standard error once the search takes over a second) and none in
//! a pipe, and finds the same tokens either way. Through the binary; the search runs on
//! every core (station::lookup).

#![allow(clippy::unwrap_used)]

mod common;

use common::Station;
use tokenstation::otp::{Algorithm, Digits, OtpKey, Secret};

/// Tokens enough that a two-day look-up takes seconds in a test build.
const TOKENS: usize = 400;

fn seed(i: usize) -> Vec<u8> {
    (0..20).map(|j| (i * 31 + j * 7 + 1) as u8).collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The table names S0123 at step 3000.
fn hit(out: &str) -> bool {
    out.lines()
        .any(|l| l.split_whitespace().take(3).eq(["S0123", "P", "3000"]))
}

#[test]
fn a_long_lookup_shows_progress_on_a_terminal_only() {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    let mut csv = String::from("serial,key\n");
    for i in 0..TOKENS {
        csv.push_str(&format!("S{i:04},{}\n", hex(&seed(i))));
    }
    let f = s.dir.path().join("many.csv");
    std::fs::write(&f, csv).unwrap();
    s.ok(&[
        "import",
        "csv",
        f.to_str().unwrap(),
        "--format",
        "generic",
        "--map",
        "serial=serial,key=secret_hex",
        "--product",
        "P",
    ]);
    // The code token S0123 shows at step 3000 (t = 90,000 s).
    let code = OtpKey::new(Algorithm::Sha1, &Secret::from_slice(&seed(123)))
        .code_string(3000, Digits::SIX);
    let args = ["lookup", &code, "--from", "0", "--to", "172800"];

    // In a pipe: the table and the summary, no bar.
    let out = s.cmd(&args).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(hit(&stdout), "{stdout}");
    assert!(
        stdout.contains(&format!("searched {TOKENS} tokens")),
        "{stdout}"
    );
    assert!(out.stderr.is_empty(), "no progress in a pipe: {out:?}");

    // On a terminal (`script`): the bar, then the same answer.
    let out = s.on_terminal(&args, "");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("searching tokens ["), "a bar: {text:?}");
    assert!(hit(&text), "{text}");
}
