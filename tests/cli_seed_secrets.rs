//! Issue 12: a token's seed follows the one secrets convention (`token add` and
//! `burn`): `TOKENSTATION_SECRET`, `--secret-file PATH`, or `--secret` asking on the
//! terminal — never a value in argv. Through the binary.

#![allow(clippy::unwrap_used)]

mod common;

use common::{RFC_SEED_B32, Station};

/// The code of the RFC 6238 SHA1 seed at t = 59 (step 1).
const RFC_AT_59: &str = "287082";

fn code_at_59(s: &Station, serial: &str) -> String {
    s.json(&["token", "code", serial, "--at", "59"])["code"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn token_add_takes_the_seed_from_env_file_or_terminal_never_argv() {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    // A value after --secret is refused by the parser, and nothing is registered.
    let (_, err) = s.fails(
        &[
            "token",
            "add",
            "A",
            "--product",
            "P",
            "--secret",
            RFC_SEED_B32,
        ],
        2,
    );
    assert!(err.contains("--secret takes no value"), "{err}");
    assert!(
        !err.contains(RFC_SEED_B32),
        "the value is not echoed: {err}"
    );
    // nor after `--`, as clap's own tip suggests passing a value
    let (_, err) = s.fails(
        &[
            "token",
            "add",
            "A",
            "--product",
            "P",
            "--secret",
            "--",
            RFC_SEED_B32,
        ],
        2,
    );
    assert!(err.contains("--secret takes no value"), "{err}");
    assert!(
        !err.contains(RFC_SEED_B32),
        "the value is not echoed: {err}"
    );
    // nor taken for the serial when it comes first
    let (_, err) = s.fails(
        &["token", "add", "--secret", RFC_SEED_B32, "--product", "P"],
        2,
    );
    assert!(
        err.contains("the serial comes right after --secret"),
        "{err}"
    );
    assert!(
        !err.contains(RFC_SEED_B32),
        "the value is not echoed: {err}"
    );
    assert!(s.json(&["token", "list"]).as_array().unwrap().is_empty());
    // The environment variable.
    s.ok_secret(&["token", "add", "E", "--product", "P"], RFC_SEED_B32);
    assert_eq!(code_at_59(&s, "E"), RFC_AT_59);
    // A file: its first line (the newline is not part of the seed).
    let f = s.dir.path().join("seed.txt");
    std::fs::write(&f, format!("{RFC_SEED_B32}\nignored\n")).unwrap();
    s.ok(&[
        "token",
        "add",
        "F",
        "--product",
        "P",
        "--secret-file",
        f.to_str().unwrap(),
    ]);
    assert_eq!(code_at_59(&s, "F"), RFC_AT_59);
    // The flag asks on a terminal; without one it says how scripts give the seed.
    let (_, err) = s.fails(&["token", "add", "G", "--product", "P", "--secret"], 2);
    assert!(
        err.contains("TOKENSTATION_SECRET") && err.contains("--secret-file"),
        "{err}"
    );
    // No seed at all: one line naming every way to give one.
    let (_, err) = s.fails(&["token", "add", "G", "--product", "P"], 2);
    assert!(
        err.contains("--generate") && err.contains("--secret-file"),
        "{err}"
    );
    // Two seed options at once are refused by the parser.
    s.fails(
        &[
            "token",
            "add",
            "G",
            "--product",
            "P",
            "--generate",
            "--secret-file",
            f.to_str().unwrap(),
        ],
        2,
    );
    // An explicit --generate wins over a variable left in the environment.
    s.ok_secret(
        &["token", "add", "R", "--product", "P", "--generate"],
        RFC_SEED_B32,
    );
    assert_ne!(code_at_59(&s, "R"), RFC_AT_59);
}

#[test]
fn token_add_secret_asks_on_a_terminal() {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    // the seed typed on the terminal
    let out = s.on_terminal(
        &["token", "add", "T", "--product", "P", "--secret"],
        &format!("{RFC_SEED_B32}\n"),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Seed (base32"), "the prompt: {text}");
    assert_eq!(code_at_59(&s, "T"), RFC_AT_59);
}

#[test]
fn burn_takes_the_seed_by_the_same_convention() {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    let burn = [
        "burn",
        "--product",
        "P",
        "--serial",
        "B1",
        "--reader",
        "pcsc:none",
    ];
    // A value in argv is refused before anything is opened.
    let mut a = burn.to_vec();
    a.extend(["--secret", RFC_SEED_B32]);
    let (_, err) = s.fails(&a, 2);
    assert!(err.contains("--secret takes no value"), "{err}");
    assert!(
        !err.contains(RFC_SEED_B32),
        "the value is not echoed: {err}"
    );
    // nor in the --json error object, nor as --secret=VALUE
    let inline = format!("--secret={RFC_SEED_B32}");
    let mut a = burn.to_vec();
    a.extend(["--json", &inline]);
    let (out, err) = s.fails(&a, 2);
    assert!(
        !out.contains(RFC_SEED_B32) && !err.contains(RFC_SEED_B32),
        "{out}{err}"
    );
    assert!(out.contains("--secret takes no value"), "{out}");
    // The flag without a terminal names the variable and the file option.
    let mut a = burn.to_vec();
    a.push("--secret");
    let (_, err) = s.fails(&a, 2);
    assert!(
        err.contains("TOKENSTATION_SECRET") && err.contains("--secret-file"),
        "{err}"
    );
    // A seed file that is not a seed is refused as input (exit 2), naming the seed.
    let f = s.dir.path().join("bad.txt");
    std::fs::write(&f, "not base32!\n").unwrap();
    let mut a = burn.to_vec();
    a.extend(["--secret-file", f.to_str().unwrap()]);
    let (_, err) = s.fails(&a, 2);
    assert!(err.contains("secret") || err.contains("base32"), "{err}");
    // --batch burns fresh seeds: a named seed is refused.
    let mut a = burn.to_vec();
    a.retain(|x| *x != "--serial" && *x != "B1");
    a.extend(["--batch", "--secret-file", f.to_str().unwrap()]);
    let (_, err) = s.fails(&a, 2);
    assert!(err.contains("--generate"), "{err}");
    assert!(s.json(&["token", "list"]).as_array().unwrap().is_empty());
}
