//! Issue 12: a Key URI holds the seed, so `--uri` follows the one secrets convention
//! (`token add` and `burn`): `TOKENSTATION_URI`, `--uri-file PATH`, or `--uri` asking
//! on the terminal — a value after `--uri` is refused without being echoed. Through
//! the binary.

#![allow(clippy::unwrap_used)]

mod common;

use common::{RFC_SEED_B32, Station};

/// The code of the RFC 6238 SHA1 seed at t = 59 (step 1).
const RFC_AT_59: &str = "287082";

fn uri(label: &str) -> String {
    format!("otpauth://totp/Acme:{label}?secret={RFC_SEED_B32}&issuer=Acme")
}

fn code_at_59(s: &Station, serial: &str) -> String {
    s.json(&["token", "code", serial, "--at", "59"])["code"]
        .as_str()
        .unwrap()
        .to_string()
}

fn count(s: &Station) -> usize {
    s.json(&["token", "list"]).as_array().unwrap().len()
}

#[test]
fn token_add_takes_the_uri_from_env_or_file_and_refuses_it_in_argv() {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    // A value after --uri: one line naming the ways, the seed not echoed, nothing added.
    let (out, err) = s.fails(
        &["token", "add", "A", "--product", "P", "--uri", &uri("A")],
        2,
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("--uri takes no value")
            && err.contains("TOKENSTATION_URI")
            && err.contains("--uri-file"),
        "{err}"
    );
    assert!(!err.contains(RFC_SEED_B32) && !out.contains(RFC_SEED_B32));
    assert_eq!(count(&s), 0);
    // The environment variable, with or without the flag.
    for (serial, flag) in [("E1", None), ("E2", Some("--uri"))] {
        let mut args = vec!["token", "add", serial, "--product", "P"];
        args.extend(flag);
        let out = s
            .cmd(&args)
            .env("TOKENSTATION_URI", uri(serial))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_eq!(code_at_59(&s, serial), RFC_AT_59);
    }
    // A file: its first line.
    let f = s.dir.path().join("uri.txt");
    std::fs::write(&f, format!("{}\nignored\n", uri("F"))).unwrap();
    s.ok(&[
        "token",
        "add",
        "F",
        "--product",
        "P",
        "--uri-file",
        f.to_str().unwrap(),
    ]);
    assert_eq!(code_at_59(&s, "F"), RFC_AT_59);
    // A missing file names the option and the path.
    let (_, err) = s.fails(
        &[
            "token",
            "add",
            "G",
            "--product",
            "P",
            "--uri-file",
            "/nonexistent/u",
        ],
        2,
    );
    assert!(err.contains("--uri-file /nonexistent/u"), "{err}");
    // The flag asks on a terminal; without one it says how scripts give the URI.
    let (_, err) = s.fails(&["token", "add", "G", "--product", "P", "--uri"], 2);
    assert!(
        err.contains("TOKENSTATION_URI") && err.contains("--uri-file"),
        "{err}"
    );
    // Both variables and no option: ambiguous, refused; an option decides.
    let both = |args: &[&str]| {
        s.cmd(args)
            .env("TOKENSTATION_URI", uri("B"))
            .env("TOKENSTATION_SECRET", "JBSWY3DPEHPK3PXP")
            .output()
            .unwrap()
    };
    let out = both(&["token", "add", "B", "--product", "P"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("both set"), "{err}");
    assert!(
        both(&["token", "add", "B", "--product", "P", "--uri"])
            .status
            .success()
    );
    assert_eq!(code_at_59(&s, "B"), RFC_AT_59);
    // --uri and --secret-file at once are refused by the parser.
    s.fails(
        &[
            "token",
            "add",
            "H",
            "--product",
            "P",
            "--uri",
            "--secret-file",
            f.to_str().unwrap(),
        ],
        2,
    );
    assert_eq!(count(&s), 4);
}

#[test]
fn token_add_uri_asks_on_a_terminal() {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    // the Key URI typed on the terminal
    let out = s.on_terminal(
        &["token", "add", "T", "--product", "P", "--uri"],
        &format!("{}\n", uri("T")),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Key URI (otpauth"), "the prompt: {text}");
    assert_eq!(code_at_59(&s, "T"), RFC_AT_59);
}

#[test]
fn burn_takes_the_uri_by_the_same_convention() {
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
        "--wait",
        "1",
    ];
    let mut a = burn.to_vec();
    let u = uri("B1");
    a.extend(["--uri", &u]);
    let (_, err) = s.fails(&a, 2);
    assert!(err.contains("--uri takes no value"), "{err}");
    // From the environment the URI passes the seed check and reaches the (missing)
    // reader: exit 4, nothing registered.
    let out = s
        .cmd(&burn)
        .env("TOKENSTATION_URI", uri("B1"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    // A batch burns fresh seeds: a URI in the environment is refused.
    let out = s
        .cmd(&[
            "burn",
            "--product",
            "P",
            "--reader",
            "pcsc:none",
            "--batch",
            "--serial-prefix",
            "X-",
            "--count",
            "1",
        ])
        .env("TOKENSTATION_URI", uri("X"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--generate"));
    assert_eq!(count(&s), 0);
}
