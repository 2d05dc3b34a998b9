//! Issue 12, "Output for scripts": the kiosk names a reader the same way in its
//! reader-state lines and its event lines, in text and in `--json` — the spec it was
//! given. An emulated RDM6300 on a real pseudo-terminal, the kiosk in the binary.
#![allow(clippy::unwrap_used)]
#![cfg(feature = "serial")]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Station;
use tokenstation::devices::rdm6300::Tag;
use tokenstation::emulator::fault::Faults;
use tokenstation::emulator::field::Field;
use tokenstation::emulator::pty::PtyBridge;
use tokenstation::emulator::rdm6300::{Rdm6300Emulator, TagBurst};
use tokenstation::station::KeySource;
use tokenstation::station::presence::CredentialKey;

const TAG: Tag = Tag {
    version: 7,
    id: 4242,
};

/// Runs the kiosk on `port` until it printed a reader line and an event line (a tag
/// is tapped once the reader is up); returns those two lines.
fn kiosk_lines(s: &Station, port: &str, json: bool, burst: &TagBurst) -> (String, String) {
    let mut args = vec![
        "--db".to_string(),
        s.db().to_str().unwrap().to_string(),
        "--key-file".into(),
        s.key().to_str().unwrap().into(),
    ];
    if json {
        args.push("--json".into());
    }
    args.extend(
        [
            "kiosk",
            "--location",
            "Lobby",
            "--no-stdin",
            "--for",
            "20",
            "--reader",
        ]
        .map(String::from),
    );
    args.push(format!("rdm6300:{port}"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tokenstation"))
        .args(&args)
        .env("TOKENSTATION_CONFIG", "/dev/null")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let (mut reader_line, mut event_line) = (String::new(), String::new());
    let deadline = Instant::now() + Duration::from_secs(20);
    for line in out.lines() {
        let l = line.unwrap();
        let is_reader = if json {
            serde_json::from_str::<serde_json::Value>(&l).unwrap()["kind"] == "reader"
        } else {
            l.starts_with("-- reader")
        };
        if is_reader && reader_line.is_empty() {
            reader_line = l;
            burst.push_all([TAG]);
        } else if !reader_line.is_empty() && (l.starts_with("OK ") || l.contains("\"event\"")) {
            event_line = l;
            break;
        }
        assert!(Instant::now() < deadline, "no event line");
    }
    child.kill().unwrap();
    child.wait().unwrap();
    (reader_line, event_line)
}

#[test]
fn reader_lines_and_event_lines_name_the_reader_alike() {
    let s = Station::new();
    {
        let mut st = tokenstation::station::Station::open(&s.db()).unwrap();
        st.unlock(&KeySource::File(s.key())).unwrap();
        st.location_add("Lobby", "UTC", 0).unwrap();
        st.holder_add("h1", Some("Ada"), 0).unwrap();
        st.holder_enrol("h1", &CredentialKey::tag_bytes(&TAG.bytes()).unwrap(), 0)
            .unwrap();
    }
    s.ok(&[
        "location",
        "mode",
        "Lobby",
        "card",
        "--min-interval",
        "0",
        "--fold",
        "0",
    ]);
    for json in [true, false] {
        // A fresh emulated reader on its own pseudo-terminal for each run.
        let burst = TagBurst::new();
        let emu = Rdm6300Emulator::new(Field::empty())
            .with_burst(burst.clone(), Duration::from_millis(4));
        let pty = PtyBridge::spawn(emu, Faults::new()).unwrap();
        let port = pty.path().to_string_lossy().into_owned();
        let spec = format!("rdm6300:{port}");
        let (reader, event) = kiosk_lines(&s, &port, json, &burst);
        pty.stop();
        if json {
            let reader: serde_json::Value = serde_json::from_str(&reader).unwrap();
            let event: serde_json::Value = serde_json::from_str(&event).unwrap();
            assert_eq!(reader["reader"], spec.as_str(), "{reader}");
            assert_eq!(event["reader"], spec.as_str(), "{event}");
            assert_eq!(event["holder"], "h1", "{event}");
        } else {
            assert_eq!(reader, format!("-- reader {spec} ready"));
            assert!(event.starts_with("OK #2 OUT Ada (h1)"), "{event}");
            assert!(event.ends_with(&format!(" via {spec}")), "{event}");
        }
    }
}
