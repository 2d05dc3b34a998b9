//! The station core through the binary: init, products, tokens, codes, verification,
//! bad input, keys and the audit log, each on a temporary store.

mod common;

use common::{RFC_SEED_B32, Station, os_user_name};

#[test]
fn init_creates_private_store_and_key_and_refuses_twice() {
    let s = Station::new();
    use std::os::unix::fs::PermissionsExt;
    for p in [s.db(), s.key()] {
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
    let (_, err) = s.fails(&["init"], 3);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(err.trim().lines().count(), 1);
}

#[test]
fn missing_store_says_run_init() {
    let s = Station::empty();
    let (_, err) = s.fails(&["product", "list"], 3);
    assert!(err.contains("tokenstation init"), "{err}");
}

#[test]
fn rfc6238_codes_through_the_cli() {
    let s = Station::new();
    for (name, alg, seed) in [
        (
            "r1",
            "sha1",
            format!("hex:{}", hex(b"12345678901234567890")),
        ),
        (
            "r256",
            "sha256",
            format!("hex:{}", hex(b"12345678901234567890123456789012")),
        ),
        (
            "r512",
            "sha512",
            format!(
                "hex:{}",
                hex(b"1234567890123456789012345678901234567890123456789012345678901234")
            ),
        ),
    ] {
        s.ok(&["product", "add", name, "--algorithm", alg, "--digits", "8"]);
        s.ok_secret(
            &["token", "add", &format!("T-{name}"), "--product", name],
            &seed,
        );
    }
    let want = [
        ("59", ["94287082", "46119246", "90693936"]),
        ("1111111109", ["07081804", "68084774", "25091201"]),
        ("2009-02-13T23:31:30Z", ["89005924", "91819424", "93441116"]),
        ("20000000000", ["65353130", "77737706", "47863826"]),
    ];
    for (at, codes) in want {
        for (name, code) in ["r1", "r256", "r512"].iter().zip(codes) {
            let v = s.json(&["token", "code", &format!("T-{name}"), "--at", at]);
            assert_eq!(v["code"], code, "{name} at {at}");
        }
    }
}

#[test]
fn hotp_and_key_uri_tokens() {
    let s = Station::new();
    s.ok(&["product", "add", "H", "--kind", "hotp"]);
    s.ok_secret(&["token", "add", "H1", "--product", "H"], RFC_SEED_B32);
    assert_eq!(s.json(&["token", "code", "H1"])["code"], "755224");
    s.ok(&["token", "activate", "H1", "287082"]); // counter 1: look-ahead finds it
    assert_eq!(s.json(&["token", "code", "H1"])["code"], "359152");
    // RFC 4226 §7.2: the counter only moves on success.
    s.fails(&["verify", "H1", "111111"], 1);
    assert_eq!(s.json(&["verify", "H1", "969429"])["status"], "OK");

    s.ok(&["product", "add", "Example"]);
    // A Key URI holds the seed: from TOKENSTATION_URI, never argv.
    let out = s
        .cmd(&["token", "add", "alice", "--product", "Example"])
        .env(
            "TOKENSTATION_URI",
            "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = s
        .cmd(&["token", "add", "bob", "--product", "Example"])
        .env(
            "TOKENSTATION_URI",
            "otpauth://totp/E:bob?secret=JBSWY3DPEHPK3PXP&digits=8",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("digits is 8 but product 'Example' has 6"),
        "{err}"
    );
}

#[test]
fn bad_input_is_one_line_and_writes_nothing() {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    s.ok_secret(&["token", "add", "A", "--product", "P"], RFC_SEED_B32);
    let before = s.json(&["audit", "list"]).as_array().unwrap().len();
    // Seeds come from TOKENSTATION_SECRET (never argv).
    let seeded: &[(&[&str], &str, &str)] = &[
        (
            &["token", "add", "B", "--product", "P"],
            "GEZ1GNBV",
            "secret",
        ),
        (
            &["token", "add", "B", "--product", "P"],
            "hex:12z4",
            "secret",
        ),
        (
            &["token", "add", "B", "--product", "Nope"],
            RFC_SEED_B32,
            "product 'Nope'",
        ),
        (
            &["token", "add", "A", "--product", "P"],
            RFC_SEED_B32,
            "'A'",
        ),
    ];
    for (args, seed, needle) in seeded {
        let err = s.fails_secret(args, seed, 2);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
    let out = s
        .cmd(&["token", "add", "B", "--product", "P"])
        .env(
            "TOKENSTATION_URI",
            "otpauth://totp/x?secret=AA&algorithm=MD5",
        )
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("algorithm"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let cases: &[(&[&str], &str)] = &[
        (&["token", "code", "ZZZ"], "ZZZ"),
        (&["token", "code", "A", "--at", "yesterday"], "invalid time"),
        (
            &["location", "add", "L", "--tz", "Mars/Olympus"],
            "time zone",
        ),
        (&["product", "add", "P"], "product 'P'"),
        (&["token", "rm", "ZZZ"], "ZZZ"),
    ];
    for (args, needle) in cases {
        let (_, err) = s.fails(args, 2);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
    // clap's own usage errors also exit 2
    s.fails(&["product", "add", "Q", "--digits", "5"], 2);
    s.fails(&["token", "add", "B", "--product", "P"], 2);
    assert_eq!(s.json(&["audit", "list"]).as_array().unwrap().len(), before);
    assert_eq!(s.json(&["token", "list"]).as_array().unwrap().len(), 1);
}

#[test]
fn json_errors_carry_the_exit_code() {
    let s = Station::new();
    let (out, _) = s.fails(&["--json", "token", "show", "nope"], 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["exit_code"], 2);
    assert!(v["error"].as_str().unwrap().contains("nope"));
}

#[test]
fn wrong_key_file_is_refused_clearly() {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    s.ok_secret(&["token", "add", "A", "--product", "P"], RFC_SEED_B32);
    let other = Station::new();
    let (_, err) = s.fails(
        &[
            "--key-file",
            other.key().to_str().unwrap(),
            "token",
            "code",
            "A",
        ],
        3,
    );
    assert!(err.contains("does not match this store"), "{err}");
    let (_, err) = s.fails(&["--key-file", "/nonexistent/key", "token", "code", "A"], 3);
    assert!(err.contains("cannot read key file"), "{err}");
    // listings need no key
    s.ok(&["--key-file", "/nonexistent/key", "token", "list"]);
}

#[test]
fn passphrase_store() {
    let s = Station::empty();
    // The seed from a file (--secret-file: first line, newline not part of it).
    let seed_path = s.dir.path().join("seed.txt");
    std::fs::write(&seed_path, format!("{RFC_SEED_B32}\n")).unwrap();
    let seed_file = seed_path.to_str().unwrap().to_string();
    let run = |pw: &str, args: &[&str]| {
        let mut c = s.cmd(args);
        c.env("TOKENSTATION_PASSPHRASE", pw);
        c.output().unwrap()
    };
    assert!(
        run("correct horse battery", &["init", "--passphrase"])
            .status
            .success()
    );
    assert!(!s.key().exists(), "no key file for a passphrase store");
    assert!(
        run("correct horse battery", &["product", "add", "P"])
            .status
            .success()
    );
    assert!(
        run(
            "correct horse battery",
            &[
                "token",
                "add",
                "A",
                "--product",
                "P",
                "--secret-file",
                &seed_file
            ]
        )
        .status
        .success()
    );
    let out = run(
        "correct horse battery",
        &["--json", "token", "code", "A", "--at", "59"],
    );
    assert!(out.status.success());
    let wrong = run("wrong horse battery", &["token", "code", "A"]);
    assert_eq!(wrong.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong passphrase"));
    // without the passphrase and without a terminal: say what to set
    let out = s.cmd(&["token", "code", "A"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("TOKENSTATION_PASSPHRASE"));
}

#[test]
fn verify_verdicts_and_exit_codes() {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    s.ok(&["location", "add", "Lobby", "--tz", "Europe/Paris"]);
    s.ok(&["location", "add", "Lab"]);
    s.ok_secret(&["token", "add", "A", "--product", "P"], RFC_SEED_B32);
    let at = "1111111109";
    let code = s.json(&["token", "code", "A", "--at", at])["code"]
        .as_str()
        .unwrap()
        .to_string();
    let v = |args: &[&str], exit: i32| {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let (out, _) = s.fails(&a, exit);
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    assert_eq!(
        v(&["verify", "A", &code, "--at", at], 1)["status"],
        "NOT_ACTIVATED"
    );
    assert_eq!(
        v(&["verify", "NOPE", &code, "--at", at], 1)["status"],
        "UNKNOWN_TOKEN"
    );
    s.ok(&["token", "activate", "A", &code, "--at", at]);
    let next = s.json(&["token", "code", "A", "--at", "1111111139"])["code"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        v(
            &[
                "verify",
                "A",
                &next,
                "--at",
                "1111111139",
                "--location",
                "Lobby"
            ],
            1
        )["status"],
        "WRONG_LOCATION"
    );
    s.ok(&["token", "assign", "A", "--location", "Lobby"]);
    let ok = v(
        &[
            "verify",
            "A",
            &next,
            "--at",
            "1111111139",
            "--location",
            "Lobby",
        ],
        0,
    );
    assert_eq!(ok["status"], "OK");
    assert_eq!(ok["offset"], 0);
    // Assigned to Lobby, A verifies nowhere else, not even where no location is named.
    assert_eq!(
        v(&["verify", "A", &next, "--at", "1111111140"], 1)["status"],
        "WRONG_LOCATION"
    );
    assert_eq!(
        v(
            &[
                "verify",
                "A",
                &next,
                "--at",
                "1111111140",
                "--location",
                "Lobby"
            ],
            1
        )["status"],
        "REPLAYED"
    );
    assert_eq!(
        v(
            &[
                "verify",
                "A",
                &next,
                "--at",
                "1111111140",
                "--location",
                "Lab"
            ],
            1
        )["status"],
        "WRONG_LOCATION"
    );
    s.ok(&["token", "disable", "A"]);
    assert_eq!(
        v(&["verify", "A", &next, "--at", "1111111170"], 1)["status"],
        "DISABLED"
    );
    s.ok(&["token", "enable", "A"]);
    s.ok(&["token", "lost", "A"]);
    assert_eq!(
        v(&["verify", "A", &next, "--at", "1111111170"], 1)["status"],
        "DISABLED"
    );
    s.ok(&["token", "retire", "A"]);
    s.fails(&["token", "enable", "A"], 2);
}

#[test]
fn token_life_cycle_and_listings() {
    let s = Station::new();
    s.ok(&[
        "product",
        "add",
        "P",
        "--vendor",
        "Token2",
        "--model",
        "C302-i",
        "--family",
        "token2-nfc",
        "--programmable",
        "true",
    ]);
    s.ok(&["holder", "add", "badge-7", "--label", "Alice"]);
    s.ok(&["token", "add", "A", "--product", "P", "--generate"]);
    s.ok(&["token", "assign", "A", "--holder", "badge-7"]);
    s.ok(&["token", "rename", "A", "A2"]);
    let t = s.json(&["token", "show", "A2"]);
    assert_eq!(t["holder"], "badge-7");
    assert_eq!(t["status"], "unverified");
    assert_eq!(
        s.json(&["token", "list", "--holder", "badge-7"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(s.json(&["product", "show", "P"])["tokens"], 1);
    assert_eq!(s.json(&["product", "show", "P"])["vendor"], "Token2");
    let (_, err) = s.fails(&["product", "rm", "P"], 2);
    assert!(err.contains("1 tokens"), "{err}");
    let (_, err) = s.fails(&["product", "edit", "P", "--digits", "8"], 2);
    assert!(err.contains("has tokens"), "{err}");
    s.ok(&["product", "edit", "P", "--skew", "2"]);
    s.ok(&["token", "rm", "A2"]);
    s.ok(&["product", "rm", "P"]);
    let table = s.ok(&["product", "list"]);
    assert!(table.contains("(none)"));
    let audit = s.json(&["audit", "list"]);
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    for want in [
        "product.add",
        "holder.add",
        "token.add",
        "token.assign.holder",
        "token.rename",
        "token.rm",
        "product.rm",
        "station.init",
    ] {
        assert!(actions.contains(&want), "{want} in {actions:?}");
    }
    // The actor is the process's user from the passwd database, whatever $USER says.
    assert_eq!(audit[0]["actor"], os_user_name());
}

#[test]
fn store_file_holds_no_seed() {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    let seeds: Vec<Vec<u8>> = (0..20u8)
        .map(|i| {
            (0..20)
                .map(|j| i.wrapping_mul(31).wrapping_add(j * 7 + 1))
                .collect()
        })
        .collect();
    for (i, seed) in seeds.iter().enumerate() {
        s.ok_secret(
            &["token", "add", &format!("S{i}"), "--product", "P"],
            &format!("hex:{}", hex(seed)),
        );
        s.ok(&["token", "code", &format!("S{i}")]);
    }
    s.ok(&["audit", "list"]);
    let mut bytes = std::fs::read(s.db()).unwrap();
    if let Ok(wal) = std::fs::read(s.db().with_extension("db-wal")) {
        bytes.extend(wal);
    }
    let text = String::from_utf8_lossy(&bytes).to_lowercase();
    for seed in &seeds {
        assert!(
            !bytes.windows(seed.len()).any(|w| w == seed),
            "raw seed in store"
        );
        assert!(!text.contains(&hex(seed)), "hex seed in store");
        let b32 = data_encoding::BASE32_NOPAD.encode(seed).to_lowercase();
        assert!(!text.contains(&b32), "base32 seed in store");
    }
}

#[test]
fn newer_store_is_refused() {
    let s = Station::new();
    let c = rusqlite::Connection::open(s.db()).unwrap();
    c.pragma_update(None, "user_version", 999).unwrap();
    drop(c);
    let (_, err) = s.fails(&["product", "list"], 3);
    assert!(err.contains("newer than this tokenstation"), "{err}");
}

#[test]
fn garbage_store_file_is_refused() {
    let s = Station::empty();
    std::fs::write(s.db(), b"this is not a database at all, just text .......................................................................................").unwrap();
    let (_, err) = s.fails(&["product", "list"], 3);
    assert!(err.contains("not usable"), "{err}");
}

#[test]
fn help_teaches() {
    let s = Station::empty();
    let out = s.ok(&["--help"]);
    assert!(out.contains("Exit codes"));
    let out = s.ok(&["token", "add", "--help"]);
    assert!(out.contains("hex:"));
}

#[test]
fn demo_runs() {
    let s = Station::empty();
    let out = s.ok(&[
        "demo",
        "--keep",
        s.dir.path().join("demo").to_str().unwrap(),
    ]);
    assert!(out.contains("REPLAYED"), "{out}");
    assert!(out.contains("INVALID_CODE"), "{out}");
}

fn hex(b: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(b)
}

/// `burn --uri` goes through the same seed rule as `token add --uri` (issue 10): a URI
/// whose parameters differ from the product is refused before any hardware is touched,
/// and nothing is written.
#[test]
fn burn_uri_must_match_the_product() {
    let s = Station::new();
    s.ok(&[
        "product",
        "add",
        "YK",
        "--family",
        "ykoath",
        "--programmable",
        "true",
    ]);
    let burn = |uri: &str| {
        s.cmd(&[
            "burn",
            "--reader",
            "No Such Reader 00 00",
            "--wait",
            "1",
            "--product",
            "YK",
            "--serial",
            "YK-1",
            "--uri",
        ])
        .env("TOKENSTATION_URI", uri)
        .output()
        .unwrap()
    };
    for (uri, why) in [
        (
            "otpauth://totp/A:YK-1?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256",
            "algorithm is sha256 but product 'YK' has sha1",
        ),
        (
            "otpauth://totp/A:YK-1?secret=JBSWY3DPEHPK3PXP&digits=8",
            "digits is 8 but product 'YK' has 6",
        ),
        (
            "otpauth://totp/A:YK-1?secret=JBSWY3DPEHPK3PXP&period=60",
            "period is 60 but product 'YK' has 30",
        ),
        (
            "otpauth://hotp/A:YK-1?secret=JBSWY3DPEHPK3PXP&counter=0",
            "type is hotp but product 'YK' has totp",
        ),
    ] {
        let out = burn(uri);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{uri}: {err}");
        assert!(err.contains(why), "{uri}: {err}");
    }
    // A matching URI passes the seed check and gets as far as the (missing) reader.
    let out = burn("otpauth://totp/A:YK-1?secret=JBSWY3DPEHPK3PXP");
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(s.json(&["token", "list"]).as_array().unwrap().len(), 0);
    // No burn, but the failed step is audited (issue 12: every failed burn step is).
    let audit = s.json(&["audit", "list", "--action", "token.burn"]);
    let audit = audit.as_array().unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["action"], "token.burn.failed");
    assert_eq!(audit[0]["after"]["step"], "open");
}
