//! End to end: `tokenstation import pskc` of 100,000 TOTP keys encrypted under a
//! pre-shared key (AES-128-CBC, HMAC-SHA1 ValueMACs) into a fresh store, as a user runs
//! it. Wall time and the process's peak resident set come from GNU time.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;
use std::time::Instant;

use tokenstation::otp::Secret;
use tokenstation::seeds::{Protection, SeedRecord, write_pskc};

const KEYS: usize = 100_000;
const PSK: [u8; 16] = *b"0123456789abcdef";

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("import_e2e_100k: benchmark");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("100k.pskcxml");
    let records: Vec<SeedRecord> = (0..KEYS)
        .map(|i| {
            let mut seed = [0u8; 20];
            seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
            let mut r = SeedRecord::new(Secret::from_slice(&seed));
            r.serial = Some(format!("{:08}", 60_000_000 + i));
            r.manufacturer = Some("Token2".into());
            r.model = Some("C302-i".into());
            r
        })
        .collect();
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let xml = write_pskc(
        &records,
        &Protection::PreSharedKey {
            key: &PSK,
            key_name: "bench",
        },
        &mut |buf| {
            for b in buf {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                *b = s as u8;
            }
        },
    )
    .unwrap();
    std::fs::write(&file, xml.as_bytes()).unwrap();
    drop(xml);
    drop(records);

    let bin = env!("CARGO_BIN_EXE_tokenstation");
    let db = dir.path().join("s.db");
    assert!(
        Command::new(bin)
            .arg("--db")
            .arg(&db)
            .arg("init")
            .output()
            .unwrap()
            .status
            .success()
    );
    let key = data_encoding::HEXLOWER.encode(&PSK);
    let gnu_time = std::path::Path::new("/usr/bin/time").exists();
    let mut cmd = if gnu_time {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "%e %M"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.arg("--db")
        .arg(&db)
        .args(["--json", "import", "pskc"])
        .arg(&file)
        .args(["--key", &key]);
    let start = Instant::now();
    let out = cmd.output().unwrap();
    let wall = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["imported"], KEYS);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peak = stderr
        .lines()
        .last()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map(|kb| format!("{:.1} MB", kb / 1024.0))
        .unwrap_or_else(|| "unknown (install GNU time)".into());
    println!(
        "import_e2e_100k: {KEYS} keys, file {:.1} MB, wall {:.2} s, peak RSS {peak}",
        std::fs::metadata(&file).unwrap().len() as f64 / 1e6,
        wall.as_secs_f64()
    );
}
