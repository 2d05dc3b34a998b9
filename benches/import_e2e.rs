//! End to end: `tokenstation import pskc` of 100,000 TOTP keys encrypted under a
//! pre-shared key (AES-128-CBC, HMAC-SHA1 ValueMACs) into a fresh store, as a user runs
//! it. Wall time and the process's peak resident set come from GNU time.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;
use std::time::Instant;

mod fixtures;

const KEYS: usize = fixtures::PSKC_KEYS;
const PSK: [u8; 16] = fixtures::PSKC_PSK;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("import_e2e_100k: benchmark");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("100k.pskcxml");
    let xml = fixtures::pskc_100k();
    std::fs::write(&file, xml.as_bytes()).unwrap();
    drop(xml);

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
