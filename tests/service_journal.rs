//! Logs to the journal through the binary: with stderr being the stream `JOURNAL_STREAM`
//! names, the kiosk sends structured records to the journal's socket. journald is not
//! running here, so the test runs the binary in its own user and mount namespace
//! (`unshare -r -m`) where `/run/systemd/journal/socket` is a datagram socket of the
//! test, and reads the native-protocol records the way journald would. The records
//! carry the location, reader, event id and station name, and never the typed code.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write as _;
use std::os::unix::fs::MetadataExt as _;
use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Station;

/// One record of journald's native protocol (systemd.journal-fields(7), "native
/// protocol"): `NAME=value\n`, or `NAME\n` + 64-bit little-endian length + value + `\n`.
fn fields(mut b: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let end = b.iter().position(|&c| c == b'\n' || c == b'=').unwrap();
        let name = String::from_utf8_lossy(&b[..end]).to_string();
        if b[end] == b'=' {
            let rest = &b[end + 1..];
            let nl = rest.iter().position(|&c| c == b'\n').unwrap();
            out.push((name, String::from_utf8_lossy(&rest[..nl]).to_string()));
            b = &rest[nl + 1..];
        } else {
            let len = u64::from_le_bytes(b[end + 1..end + 9].try_into().unwrap()) as usize;
            let value = &b[end + 9..end + 9 + len];
            out.push((name, String::from_utf8_lossy(value).to_string()));
            b = &b[end + 9 + len + 1..];
        }
    }
    out
}

fn get<'a>(r: &'a [(String, String)], name: &str) -> Option<&'a str> {
    r.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

#[test]
fn kiosk_records_in_the_journal_have_fields_and_no_code() {
    let s = Station::new();
    s.ok(&["location", "add", "Lobby", "--tz", "UTC"]);
    s.ok(&["location", "mode", "Lobby", "code", "--min-interval", "0"]);
    let dir = s.dir.path();
    let cfg = dir.join("station.toml");
    std::fs::write(&cfg, "[station]\nname = \"lobby-1\"\n").unwrap();
    let sock_path = dir.join("journal.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let stderr = std::fs::File::create(dir.join("stderr")).unwrap();
    let meta = stderr.metadata().unwrap();

    let script = "mount -t tmpfs none /run && mkdir -p /run/systemd/journal && \
                  ln -s \"$JSOCK\" /run/systemd/journal/socket && exec \"$@\"";
    let mut child = Command::new("unshare")
        .args(["-r", "-m", "sh", "-c", script, "sh"])
        .arg(env!("CARGO_BIN_EXE_tokenstation"))
        .arg("--config")
        .arg(&cfg)
        .arg("--db")
        .arg(s.db())
        .args([
            "kiosk",
            "--location",
            "Lobby",
            "--reader",
            "rdm6300:/nonexistent/ttyUSB9",
        ])
        .env("JSOCK", &sock_path)
        .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
        .env_remove("TOKENSTATION_LOG")
        .env_remove("TOKENSTATION_DB")
        .env_remove("TOKENSTATION_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|e| panic!("unshare (util-linux): {e}"));
    // An unknown token's code: a refused presence event.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"NOPE 493817\n")
        .unwrap();
    let mut records: Vec<Vec<(String, String)>> = Vec::new();
    let mut raw = Vec::new();
    let end = Instant::now() + Duration::from_secs(20);
    let mut buf = vec![0u8; 65536];
    // Both the event and the reader's record (their order depends on the threads).
    let done = |records: &[Vec<(String, String)>]| {
        records.iter().any(|r| get(r, "EVENT_ID").is_some())
            && records
                .iter()
                .any(|r| get(r, "MESSAGE") == Some("reader down"))
    };
    while Instant::now() < end && !done(&records) {
        if let Ok(n) = sock.recv(&mut buf) {
            raw.push(buf[..n].to_vec());
            records.push(fields(&buf[..n]));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let err = std::fs::read_to_string(dir.join("stderr")).unwrap();
    let event = records
        .iter()
        .find(|r| get(r, "EVENT_ID").is_some())
        .unwrap_or_else(|| panic!("no event record: {records:?}; stderr: {err}"));
    for (name, value) in [
        ("MESSAGE", "presence event"),
        ("LOCATION", "Lobby"),
        ("READER", "stdin"),
        ("STATUS", "refused"),
        ("REASON", "UNKNOWN_CREDENTIAL"),
        ("SERIAL", "NOPE"),
        ("STATION", "lobby-1"),
        ("SYSLOG_IDENTIFIER", "tokenstation"),
        ("PRIORITY", "5"),
    ] {
        assert_eq!(get(event, name), Some(value), "{name} in {event:?}");
    }
    let id: i64 = get(event, "EVENT_ID").unwrap().parse().unwrap();
    assert!(id >= 1);
    let down = records
        .iter()
        .find(|r| get(r, "MESSAGE") == Some("reader down"))
        .unwrap_or_else(|| panic!("no reader record: {records:?}"));
    assert_eq!(get(down, "READER"), Some("rdm6300:/nonexistent/ttyUSB9"));
    assert_eq!(get(down, "PRIORITY"), Some("4"));
    // The typed code appears in no record, in any field, in any encoding we send.
    assert!(
        !raw.iter().any(|r| r.windows(6).any(|w| w == b"493817")),
        "a code reached the journal: {records:?}"
    );
}
