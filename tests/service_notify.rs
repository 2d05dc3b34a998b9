//! The sd_notify protocol through the binary, on a real unix datagram socket
//! (`NOTIFY_SOCKET`), as systemd's manager receives it: the kiosk says `READY=1`, pings
//! `WATCHDOG=1` while its reader threads live (here a reader that is missing and
//! retried, which is alive), and `STOPPING=1` at the end; `serve` says `READY=1` once
//! its port is bound.
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use common::Station;

/// Every datagram received until `until` (or until `stop` returns true for one).
fn receive(sock: &UnixDatagram, until: Duration, stop: impl Fn(&str) -> bool) -> Vec<String> {
    sock.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let end = Instant::now() + until;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < end {
        if let Ok(n) = sock.recv(&mut buf) {
            let msg = String::from_utf8_lossy(&buf[..n]).to_string();
            let done = stop(&msg);
            got.push(msg);
            if done {
                break;
            }
        }
    }
    got
}

/// Runs a kiosk at Lobby for `secs` (its one reader missing, so retried: alive) with
/// `NOTIFY_SOCKET` on a datagram socket and `WATCHDOG_USEC` if given; returns whether
/// it exited 0 and the datagrams it sent.
fn kiosk(secs: &str, watchdog_usec: Option<&str>) -> (bool, Vec<String>) {
    let s = Station::new();
    s.ok(&["location", "add", "Lobby", "--tz", "UTC"]);
    let path = s.dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&path).unwrap();
    let mut c = s.std_cmd(&[
        "kiosk",
        "--location",
        "Lobby",
        "--no-stdin",
        "--reader",
        "rdm6300:/nonexistent/ttyUSB9",
        "--for",
        secs,
    ]);
    c.env("NOTIFY_SOCKET", &path).env_remove("WATCHDOG_PID");
    match watchdog_usec {
        Some(us) => c.env("WATCHDOG_USEC", us),
        None => c.env_remove("WATCHDOG_USEC"),
    };
    let mut child = c.spawn().unwrap();
    let got = receive(&sock, Duration::from_secs(20), |m| m.contains("STOPPING=1"));
    (child.wait().unwrap().success(), got)
}

#[test]
fn kiosk_ready_watchdog_and_stopping() {
    let (ok, got) = kiosk("2", Some("200000"));
    assert!(ok, "{got:?}");
    let ready = got.iter().position(|m| m.lines().any(|l| l == "READY=1"));
    assert_eq!(ready, Some(0), "{got:?}");
    assert!(got[0].contains("STATUS=kiosk at Lobby"), "{got:?}");
    // 2 s at a 100 ms ping period: a dozen or so; at least a few even on a slow machine.
    let pings = got.iter().filter(|m| m.as_str() == "WATCHDOG=1\n").count();
    assert!(pings >= 3, "{got:?}");
    assert_eq!(
        got.last().map(String::as_str),
        Some("STOPPING=1\n"),
        "{got:?}"
    );
}

#[test]
fn kiosk_without_watchdog_sends_no_ping() {
    let (ok, got) = kiosk("1", None);
    assert!(ok, "{got:?}");
    assert!(got[0].contains("READY=1"), "{got:?}");
    assert!(!got.iter().any(|m| m.contains("WATCHDOG=1")), "{got:?}");
}

#[test]
fn serve_is_ready_once_bound() {
    let s = Station::new();
    let path = s.dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&path).unwrap();
    let mut c = s.std_cmd(&["serve", "--listen", "127.0.0.1:0"]);
    c.env("NOTIFY_SOCKET", &path)
        .stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let got = receive(&sock, Duration::from_secs(30), |m| m.contains("READY=1"));
    let ready = got
        .iter()
        .find(|m| m.contains("READY=1"))
        .unwrap_or_else(|| panic!("{got:?}"));
    let addr = ready
        .lines()
        .find_map(|l| l.strip_prefix("STATUS=listening on http://"))
        .unwrap_or_else(|| panic!("{ready}"));
    // The port it names is the one bound: something answers there.
    assert!(!addr.ends_with(":0"), "{addr}");
    let connected = std::net::TcpStream::connect(addr);
    let _ = child.kill();
    let _ = child.wait();
    connected.unwrap_or_else(|e| panic!("{addr}: {e}"));
}
