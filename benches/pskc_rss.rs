//! Peak memory of importing 100,000 PSKC keys. The parent writes the file (100,000
//! TOTP keys, AES-128-CBC under a pre-shared key, HMAC-SHA1 ValueMACs) to a temporary
//! file and runs itself again to parse it, so the child's peak resident set
//! (`VmHWM` of `/proc/self/status`) counts only reading and parsing: the file text
//! plus the records. Run with `cargo bench --bench pskc_rss`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use tokenstation::otp::Secret;
use tokenstation::seeds::{MacCheck, Protection, PskcKeys, SeedRecord, parse_pskc, write_pskc};
use zeroize::Zeroizing;

const KEYS: usize = 100_000;
const PSK: [u8; 16] = *b"0123456789abcdef";

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn write_file(path: &std::path::Path) {
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
    let mut rng = |buf: &mut [u8]| {
        for b in buf {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            *b = s as u8;
        }
    };
    let xml = write_pskc(
        &records,
        &Protection::PreSharedKey {
            key: &PSK,
            key_name: "bench",
        },
        &mut rng,
    )
    .unwrap();
    std::fs::write(path, xml.as_bytes()).unwrap();
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
