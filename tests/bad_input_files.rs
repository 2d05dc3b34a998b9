//! The bad-input corpus (issue 11), files, keys and processes: garbage and special
//! input files (`/dev/zero`, FIFOs, directories, too large, not UTF-8, not XML, entity
//! bombs, deep nesting), wrong, truncated, open and special key files, store files that
//! are not stores, output pipes closed by their reader, and two imports of one file at
//! once. Same checks as `bad_input_corpus.rs` (`common::corpus`).
#![allow(clippy::unwrap_used, clippy::mod_module_files)]

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::corpus::{DEADLINE, Ran, file, refused, run, station};
use common::{RFC_SEED_B32, Station, dump, mkfifo};

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
    mkfifo(&fifo);
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
    mkfifo(&fifo);
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
