//! The bad-input corpus (issue 11): one case per class of bad input the issue found, and
//! the classes beside them, run through the binary. For every case: no exit 101, no
//! `panicked at`, an answer within [`DEADLINE`] (a hang is killed and fails the case),
//! a one-line error on stderr naming the thing, no raw control character echoed, and,
//! for every refusal, the store's content (every row of every table) unchanged.
//! Input files are in `tests/bad_inputs/`; huge, special and concurrent inputs are made
//! here.
#![allow(clippy::unwrap_used, clippy::mod_module_files)]

mod common;

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{RFC_SEED_B32, Station, dump};

/// Longest a case may take; generous (debug build, loaded machine): it catches hangs,
/// it does not time anything.
const DEADLINE: Duration = Duration::from_secs(90);

/// 70,000 characters: beyond a 16-bit format width.
fn huge() -> String {
    "W".repeat(70_000)
}

const ESC: &str = "ev\u{1b}[2Jil";

fn file(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad_inputs")
        .join(name)
        .display()
        .to_string()
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `cmd`, killing it after [`DEADLINE`].
fn run(mut cmd: Command, what: &str) -> Ran {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        out.read_to_end(&mut s).unwrap();
        s
    });
    let ereader = std::thread::spawn(move || {
        let mut s = Vec::new();
        err.read_to_end(&mut s).unwrap();
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > DEADLINE {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{what}: no answer within {DEADLINE:?} (killed)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let ran = Ran {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&reader.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&ereader.join().unwrap()).into_owned(),
    };
    for text in [&ran.stdout, &ran.stderr] {
        assert!(!text.contains("panicked at"), "{what}: {text}");
        assert!(
            !text.chars().any(|c| matches!(c, '\u{1b}' | '\u{7}' | '\0')),
            "{what}: raw control characters in {text:?}"
        );
    }
    assert_ne!(ran.code, 101, "{what}: {}", ran.stderr);
    ran
}

/// A store with products P (TOTP) and H (HOTP), holder h1, location Lobby, token T.
fn station() -> Station {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    s.ok(&["product", "add", "H", "--kind", "hotp"]);
    s.ok(&["holder", "add", "h1"]);
    s.ok(&["location", "add", "Lobby"]);
    s.ok(&[
        "token",
        "add",
        "T",
        "--product",
        "P",
        "--secret",
        RFC_SEED_B32,
    ]);
    s
}

/// Runs `args`: exit `code`, a one-line error naming `names`, the store unchanged.
fn refused(s: &Station, args: &[&str], code: i32, names: &str) {
    let what = format!(
        "{:?}",
        args.iter()
            .map(|a| &a[..a.len().min(40)])
            .collect::<Vec<_>>()
    );
    let before = dump(&s.db());
    let r = run(s.std_cmd(args), &what);
    assert_eq!(r.code, code, "{what}: {}", r.stderr);
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{what}: one error line: {}", r.stderr);
    assert!(
        errors[0].chars().count() <= 1100,
        "{what}: {} characters",
        errors[0].len()
    );
    let said = format!("{}{}", r.stdout, r.stderr);
    assert!(
        said.contains(names),
        "{what}: should name {names:?}: {said}"
    );
    assert_eq!(dump(&s.db()), before, "{what}: the store changed");
}

#[test]
fn huge_values_are_refused_at_input_and_cut_on_display() {
    let s = station();
    let w = huge();
    let reader = format!("pcsc:{w}");
    let uri_account = format!("otpauth://totp/Acme:{w}?secret={RFC_SEED_B32}");
    let uri_issuer = format!("otpauth://totp/x?secret={RFC_SEED_B32}&issuer={w}");
    let csv = s.dir.path().join("huge.csv");
    std::fs::write(
        &csv,
        format!("serial,secret,interval\n{w},{RFC_SEED_B32},30\n"),
    )
    .unwrap();
    let csv = csv.display().to_string();
    for (args, names) in [
        (
            vec!["token", "add", &w, "--product", "P", "--generate"],
            "invalid serial",
        ),
        (vec!["token", "rename", "T", &w], "invalid serial"),
        (vec!["product", "add", &w], "invalid product name"),
        (
            vec!["product", "add", "Q", "--vendor", &w],
            "invalid manufacturer",
        ),
        (vec!["product", "edit", "P", "--model", &w], "invalid model"),
        (vec!["holder", "add", &w], "invalid holder id"),
        (
            vec!["holder", "add", "h2", "--label", &w],
            "invalid holder label",
        ),
        (vec!["location", "add", &w], "invalid location name"),
        (
            vec!["location", "readers", "Lobby", "--add", &reader],
            "invalid reader",
        ),
        (
            vec!["token", "add", "U", "--product", "P", "--uri", &uri_account],
            "invalid account name",
        ),
        (
            vec!["token", "add", "U", "--product", "P", "--uri", &uri_issuer],
            "invalid issuer",
        ),
        (
            vec!["import", "csv", &csv, "--format", "token2"],
            "invalid serial",
        ),
        (vec!["verify", &w, "123456"], "invalid serial"),
        (vec!["token", "show", &w], "unknown token serial 'WWWW"),
    ] {
        refused(&s, &args, 2, names);
    }
    // What an older store may hold is shown cut, with an ellipsis, and never panics.
    rusqlite::Connection::open(s.db())
        .unwrap()
        .execute("UPDATE holders SET label = ?1", [&w])
        .unwrap();
    let r = run(s.std_cmd(&["holder", "list"]), "holder list");
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("WWW…") && r.stdout.len() < 1000,
        "{}",
        r.stdout.len()
    );
}

#[test]
fn control_characters_are_refused_in_every_name() {
    let s = station();
    let uri = |label: &str| format!("otpauth://totp/{label}?secret={RFC_SEED_B32}");
    let (u1, u2, u3) = (uri("Acme:ev%1B%5B2J"), uri("Acme:a%0Ab"), uri("Acme:a%00b"));
    let u4 = format!("{}&issuer=Ac%07me", uri("x"));
    let bidi = "pay\u{202e}lanigiro";
    for (args, names) in [
        (
            vec!["token", "add", ESC, "--product", "P", "--generate"],
            "invalid serial",
        ),
        (vec!["token", "rename", "T", "a\nb"], "invalid serial"),
        (vec!["product", "add", ESC], "invalid product name"),
        (vec!["product", "add", bidi], "U+202E"),
        (
            vec!["product", "add", "Q", "--vendor", "a\rb"],
            "invalid manufacturer",
        ),
        (
            vec!["product", "add", "Q", "--model", "a\u{7}"],
            "invalid model",
        ),
        (vec!["holder", "add", ESC], "invalid holder id"),
        (
            vec!["holder", "add", "h2", "--label", ESC],
            "invalid holder label",
        ),
        (vec!["location", "add", ESC], "invalid location name"),
        (
            vec![
                "location",
                "readers",
                "Lobby",
                "--add",
                "pcsc:Virtual\u{1b}PCD",
            ],
            "invalid reader",
        ),
        (
            vec!["token", "add", "U", "--product", "P", "--uri", &u1],
            "U+001B",
        ),
        (
            vec!["token", "add", "U", "--product", "P", "--uri", &u2],
            "U+000A",
        ),
        (
            vec!["token", "add", "U", "--product", "P", "--uri", &u3],
            "U+0000",
        ),
        (
            vec!["token", "add", "U", "--product", "P", "--uri", &u4],
            "invalid issuer",
        ),
        (
            vec!["token", "show", ESC],
            "unknown token serial 'ev\\u{1b}[2Jil'",
        ),
    ] {
        refused(&s, &args, 2, names);
    }
    for (kind, name, names) in [
        ("pskc", "c1_serial.pskcxml", "U+009B"),
        ("pskc", "control_serial.pskcxml", "&#27;"),
        ("pskc", "nul_serial.pskcxml", "&#0;"),
        ("csv", "quoted_newline.csv", "U+000A"),
        ("csv", "escape_serial.csv", "U+001B"),
        ("uri", "uri_escape_label.txt", "U+001B"),
        ("uri", "uri_newline_label.txt", "U+000A"),
        ("uri", "uri_nul_label.txt", "U+0000"),
        ("uri", "uri_bell_issuer.txt", "U+0007"),
    ] {
        let path = file(name);
        let mut args = vec!["import", kind, &path];
        if kind == "csv" {
            args.extend(["--format", "token2"]);
        }
        refused(&s, &args, 2, names);
    }
}

#[test]
fn wrong_truncated_missing_and_special_keys_are_refused() {
    let s = station();
    let dir = s.dir.path();
    let other = Station::new();
    let text = std::fs::read_to_string(s.key()).unwrap();
    let private = |name: &str, body: &str, mode: u32| {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p.display().to_string()
    };
    let truncated = private("truncated.key", &text[..text.len() - 10], 0o600);
    let empty = private("empty.key", "", 0o600);
    let open = private("open.key", &text, 0o644);
    let fifo = dir.join("fifo.key");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let fifo = fifo.display().to_string();
    let other = other.key().display().to_string();
    let dirpath = dir.display().to_string();
    for (key, names) in [
        (other.as_str(), "does not match this store"),
        (&truncated, "truncated.key"),
        (&empty, "empty.key"),
        (&open, "chmod 600"),
        (&fifo, "not a regular file (a FIFO)"),
        ("/dev/zero", "not a regular file (a character device)"),
        (&dirpath, "not a regular file (a directory)"),
        ("/no/such.key", "/no/such.key: no such file"),
    ] {
        refused(&s, &["--key-file", key, "holder", "add", "h2"], 3, names);
    }
    // A passphrase store with no passphrase (and no terminal to ask on), or a wrong one.
    let p = Station::empty();
    let mut c = p.std_cmd(&["init", "--passphrase"]);
    c.env("TOKENSTATION_PASSPHRASE", "correct horse battery");
    assert_eq!(run(c, "init --passphrase").code, 0);
    refused(&p, &["holder", "add", "h2"], 3, "protected by a passphrase");
    let before = dump(&p.db());
    let mut c = p.std_cmd(&["holder", "add", "h2"]);
    c.env("TOKENSTATION_PASSPHRASE", "wrong horse battery");
    let r = run(c, "wrong passphrase");
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("wrong passphrase"), "{}", r.stderr);
    assert_eq!(dump(&p.db()), before);
}

#[test]
fn garbage_and_special_input_files_are_refused() {
    let s = station();
    let dir = s.dir.path();
    let fifo = dir.join("seeds.fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let big = dir.join("big.txt");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(tokenstation::seeds::MAX_INPUT_BYTES + 1)
        .unwrap();
    let deep = dir.join("deep.pskcxml");
    std::fs::write(&deep, "<a>".repeat(300_000)).unwrap();
    let (fifo, big, deep) = (
        fifo.display().to_string(),
        big.display().to_string(),
        deep.display().to_string(),
    );
    let dirpath = dir.display().to_string();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["pskc".into(), file("garbage.bin")], "not UTF-8 text"),
        (
            vec!["pskc".into(), file("not_xml.pskcxml")],
            "text before the root element",
        ),
        (
            vec!["pskc".into(), file("truncated.pskcxml")],
            "malformed XML",
        ),
        (
            vec!["pskc".into(), file("billion_laughs.pskcxml")],
            "&lol9;",
        ),
        (vec!["pskc".into(), deep], "deep.pskcxml"),
        (
            vec!["pskc".into(), "/dev/zero".into()],
            "not a regular file (a character device)",
        ),
        (vec!["uri".into(), fifo], "not a regular file (a FIFO)"),
        (
            vec!["uri".into(), dirpath],
            "not a regular file (a directory)",
        ),
        (vec!["uri".into(), big], "larger than 134217728 bytes"),
        (
            vec!["uri".into(), "/no/such/seeds.txt".into()],
            "no such file",
        ),
        (
            vec!["uri".into(), file("uri_garbage.txt")],
            "does not start with otpauth://",
        ),
        (
            vec![
                "csv".into(),
                file("no_secret_column.csv"),
                "--format".into(),
                "token2".into(),
            ],
            "no secret column",
        ),
        (
            vec![
                "csv".into(),
                file("garbage.bin"),
                "--format".into(),
                "oath".into(),
            ],
            "not UTF-8 text",
        ),
    ];
    for (rest, names) in &cases {
        let mut args = vec!["import"];
        args.extend(rest.iter().map(String::as_str));
        refused(&s, &args, 2, names);
    }
    // Store files that are not stores.
    let garbage = file("garbage.bin");
    let copy = dir.join("garbage.db");
    std::fs::copy(&garbage, &copy).unwrap();
    for db in [
        copy.display().to_string(),
        "/dev/zero".into(),
        dir.display().to_string(),
    ] {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tokenstation"));
        c.args(["--db", &db, "token", "list"]);
        let r = run(c, &db);
        assert_eq!(r.code, 3, "{db}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains(&db), "{}", r.stderr);
    }
}

#[test]
fn numbers_out_of_range_negative_or_overflowing_are_refused() {
    let s = station();
    let hotp =
        |counter: &str| format!("otpauth://hotp/H:HX?secret={RFC_SEED_B32}&counter={counter}");
    let (c64, c63) = (hotp("18446744073709551615"), hotp("9223372036854775808"));
    let period = format!("otpauth://totp/A:b?secret={RFC_SEED_B32}&period=99999999999999");
    for (args, names) in [
        // The URI: a counter no store can keep, no token can advance.
        (
            vec!["token", "add", "HX", "--product", "H", "--uri", &c64],
            "invalid counter: 18446744073709551615",
        ),
        (
            vec!["token", "add", "HX", "--product", "H", "--uri", &c63],
            "invalid counter: 9223372036854775808",
        ),
        (
            vec!["token", "add", "X", "--product", "P", "--uri", &period],
            "invalid period",
        ),
        (vec!["product", "add", "Q", "--period", "0"], "period"),
        (
            vec!["product", "add", "Q", "--period", "99999999999999"],
            "--period",
        ),
        (vec!["product", "add", "Q", "--period", "86400"], "period"),
        (vec!["product", "add", "Q", "--digits", "11"], "--digits"),
        (vec!["product", "add", "Q", "--t0", "-99999999999"], "T0"),
        (
            vec!["product", "add", "Q", "--t0", "99999999999999999999"],
            "--t0",
        ),
        (
            vec!["product", "add", "Q", "--skew", "4294967295"],
            "window",
        ),
        (
            vec!["product", "add", "Q", "--drift-per-year", "NaN"],
            "drift per year",
        ),
        (
            vec!["product", "add", "Q", "--drift-per-year", "-inf"],
            "drift per year",
        ),
        (
            vec!["policy", "set", "limit.max_failures", "-1"],
            "limit.max_failures",
        ),
        (
            vec!["policy", "set", "limit.cooldown_growth", "NaN"],
            "limit.cooldown_growth",
        ),
        (
            vec![
                "policy",
                "set",
                "limit.cooldown_s",
                "99999999999999999999999",
            ],
            "limit.cooldown_s",
        ),
        (
            vec!["verify", "T", "123456", "--at", "99999999999999999999"],
            "99999999999999999999",
        ),
        (vec!["token", "code", "T", "--at", "-99999999999"], "T0"),
    ] {
        refused(&s, &args, 2, names);
    }
    // Work a look-up would do beyond the policy's bound is refused up front.
    s.ok(&["policy", "set", "lookup.max_codes", "1000"]);
    refused(
        &s,
        &["lookup", "123456", "--from", "0", "--to", "4102444800"],
        2,
        "lookup.max_codes",
    );
    for name in [
        "uri_counter_2_64.txt",
        "uri_counter_2_63.txt",
        "uri_period_overflow.txt",
    ] {
        refused(&s, &["import", "uri", &file(name)], 2, "invalid");
    }
    refused(
        &s,
        &[
            "import",
            "csv",
            &file("interval_overflow.csv"),
            "--format",
            "token2",
        ],
        2,
        "99999999999999",
    );
}

#[test]
fn unknown_serials_and_empty_names_are_named() {
    let s = station();
    for (args, code, names) in [
        (
            vec!["token", "show", "NOPE"],
            2,
            "unknown token serial 'NOPE'",
        ),
        (
            vec!["token", "rm", "NOPE"],
            2,
            "unknown token serial 'NOPE'",
        ),
        (vec!["token", "rename", "NOPE", "X"], 2, "'NOPE'"),
        (vec!["token", "activate", "NOPE", "123456"], 2, "'NOPE'"),
        (vec!["holder", "enrol", "h1", "--token", "NOPE"], 2, "NOPE"),
        (
            vec![
                "location",
                "add-presence-token",
                "Lobby",
                "--serial",
                "NOPE",
            ],
            2,
            "NOPE",
        ),
        (
            vec!["holder", "add", ""],
            2,
            "invalid holder id: it is empty",
        ),
        (
            vec!["product", "add", "  "],
            2,
            "invalid product name: it is empty",
        ),
        (
            vec!["token", "add", "", "--product", "P", "--generate"],
            2,
            "invalid serial",
        ),
        (
            vec!["token", "add", "U", "--product", "NOPE", "--generate"],
            2,
            "product 'NOPE'",
        ),
    ] {
        refused(&s, &args, code, names);
    }
    // A code for an unknown serial is a verdict (exit 1), recorded, on one line.
    let r = run(s.std_cmd(&["verify", "NOPE", "123456"]), "verify NOPE");
    assert_eq!((r.code, r.stdout.trim()), (1, "UNKNOWN_TOKEN NOPE"));
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let s = station();
    for i in 0..300 {
        s.ok(&["holder", "add", &format!("holder-{i:04}")]);
    }
    for args in [
        &["holder", "list"][..],
        &["audit", "list", "--limit", "1000"],
        &["token", "list"],
        &["product", "list"],
        &["attempt", "list"],
        &["hw", "list"],
        &["demo"],
        &["--help"],
    ] {
        let mut child = s
            .std_cmd(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // `| head -0`: the reader is gone before the first line
        let start = Instant::now();
        let status = loop {
            if let Some(st) = child.try_wait().unwrap() {
                break st;
            }
            assert!(start.elapsed() < DEADLINE, "{args:?}: no answer");
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            matches!(status.code(), Some(141 | 0)),
            "{args:?}: exit {status:?}: {err}"
        );
        if args != ["--help"] {
            assert_eq!(status.code(), Some(141), "{args:?}: {err}");
            assert!(
                err.is_empty() || args == ["hw", "list"],
                "{args:?}: quiet: {err}"
            );
        }
    }
}

#[test]
fn concurrent_imports_of_one_file_report_duplicates() {
    for round in 0..4 {
        let s = Station::new();
        let uris: String = (0..200)
            .map(|i| {
                format!("otpauth://totp/Acme:S{round}-{i:04}?secret={RFC_SEED_B32}&issuer=Acme\n")
            })
            .collect();
        let f = s.dir.path().join("seeds.txt");
        std::fs::write(&f, uris).unwrap();
        let path = f.display().to_string();
        let children: Vec<_> = (0..2)
            .map(|_| {
                let c = s.std_cmd(&["--json", "import", "uri", &path]);
                std::thread::spawn(move || run(c, "import"))
            })
            .collect();
        let ran: Vec<Ran> = children.into_iter().map(|c| c.join().unwrap()).collect();
        let mut imported = 0;
        let mut duplicates = 0;
        for r in &ran {
            assert_eq!(r.code, 0, "round {round}: {}", r.stderr);
            let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
            imported += v["imported"].as_u64().unwrap();
            duplicates += v["duplicates"].as_u64().unwrap();
        }
        assert_eq!((imported, duplicates), (200, 200), "round {round}");
        assert_eq!(s.json(&["token", "list"]).as_array().unwrap().len(), 200);
    }
}
