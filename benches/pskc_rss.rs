//! Peak memory of importing 100,000 PSKC keys. The parent writes the file (100,000
//! TOTP keys, AES-128-CBC under a pre-shared key, HMAC-SHA1 ValueMACs) to a temporary
//! file and runs itself again to parse it, so the child's peak resident set
//! (`VmHWM` of `/proc/self/status`) counts only reading and parsing: the file text
//! plus the records. Run with `cargo bench --bench pskc_rss`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use tokenstation::seeds::{MacCheck, PskcKeys, parse_pskc};
use zeroize::Zeroizing;

mod fixtures;

const KEYS: usize = fixtures::PSKC_KEYS;
const PSK: [u8; 16] = fixtures::PSKC_PSK;

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn write_file(path: &std::path::Path) {
    std::fs::write(path, fixtures::pskc_100k().as_bytes()).unwrap();
}

fn parse_file(path: &str) {
    let before = vm_hwm_kib();
    let start = Instant::now();
    let xml = std::fs::read_to_string(path).unwrap();
    let read = start.elapsed();
    let keys = PskcKeys {
        psk: Some(Zeroizing::new(PSK.to_vec())),
        password: None,
    };
    let recs = parse_pskc(&xml, &keys, MacCheck::Strict).unwrap();
    let total = start.elapsed();
    let ok = recs.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, KEYS);
    println!(
        "pskc_rss: {KEYS} keys, file {:.1} MB, read {:.2} s, read+parse {:.2} s, peak RSS {:.1} MB (before reading {:.1} MB)",
        xml.len() as f64 / 1e6,
        read.as_secs_f64(),
        total.as_secs_f64(),
        vm_hwm_kib() as f64 / 1024.0,
        before as f64 / 1024.0
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--parse") {
        parse_file(&args[i + 1]);
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return; // `cargo bench -- --list` asks benches for their names
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("100k.pskcxml");
    write_file(&path);
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--parse")
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
}
