//! The offline kiosk on a real PostgreSQL server (issue 17), with separate processes:
//! the kiosk binary reads taps from an emulated RDM6300 behind a real pseudo-terminal
//! while the test stops and restarts its server with `pg_ctl` (a cluster of the test's
//! own, so no other test loses its server). Every acknowledged tap is on the server
//! exactly once afterwards, those decided offline marked so; a kiosk killed with
//! SIGKILL while its outbox is full sends it after restart, once; a typed code at an
//! offline kiosk is refused with "server unreachable"; a token leased to a station
//! verifies only there. Needs `tools/with-test-postgres.sh` (make test); without it
//! the tests fail, they are never skipped.
#![cfg(feature = "serial")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "common/pg_cluster.rs"]
mod pg_cluster;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pg_cluster::Cluster;
use serde_json::Value;
use tokenstation::devices::rdm6300::Tag;
use tokenstation::emulator::fault::Faults;
use tokenstation::emulator::field::Field;
use tokenstation::emulator::pty::PtyBridge;
use tokenstation::emulator::rdm6300::{Rdm6300Emulator, TagBurst};
use tokenstation::station::presence::CredentialKey;
use tokenstation::station::{KeySource, Station};
use tokenstation::store::outbox::Outbox;

const SEED_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

struct Site {
    cluster: Cluster,
    dir: tempfile::TempDir,
    url: String,
    key: PathBuf,
}

impl Site {
    /// A cluster, a store on it with `Lobby` (mode card, taps fold for an hour) and
    /// `n` holders with one tag each.
    fn new(n: u32) -> Site {
        let cluster = Cluster::new();
        let url = cluster.database("ts");
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("master.key");
        let s = Site {
            cluster,
            dir,
            url,
            key,
        };
        s.ok(&["init"], None);
        let mut st = s.station();
        st.location_add("Lobby", "UTC", 0).unwrap();
        for (i, t) in tags(n).iter().enumerate() {
            let h = format!("d{i:03}");
            st.holder_add(&h, None, 0).unwrap();
            st.holder_enrol(&h, &CredentialKey::tag_bytes(&t.bytes()).unwrap(), 0)
                .unwrap();
        }
        s.ok(
            &[
                "location",
                "mode",
                "Lobby",
                "card",
                "--fold",
                "3600",
                "--min-interval",
                "3600",
            ],
            None,
        );
        s
    }

    fn station(&self) -> Station {
        let mut st = Station::open(Path::new(&self.url)).unwrap();
        st.unlock(&KeySource::File(self.key.clone())).unwrap();
        st
    }

    fn outbox(&self) -> PathBuf {
        self.dir.path().join("state/outbox-Lobby.db")
    }

    fn cmd(&self, args: &[&str], station: Option<&str>) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tokenstation"));
        c.env_remove("TOKENSTATION_DB")
            .env_remove("TOKENSTATION_KEY_FILE")
            .env_remove("TOKENSTATION_OUTBOX")
            .env("TOKENSTATION_STATION", station.unwrap_or("admin-desk"))
            .args(["--db", &self.url, "--key-file", self.key.to_str().unwrap()])
            .args(args);
        c
    }

    fn run(&self, args: &[&str], station: Option<&str>) -> (bool, String) {
        let o = self.cmd(args, station).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        (o.status.success(), text)
    }

    fn ok(&self, args: &[&str], station: Option<&str>) -> String {
        let (ok, text) = self.run(args, station);
        assert!(ok, "{args:?}: {text}");
        text
    }

    /// Starts a kiosk as station `k1`; every JSON line it prints goes to `lines`.
    fn kiosk(&self, reader: Option<&str>, lines: &Arc<Mutex<Vec<Value>>>) -> Child {
        let mut c = self.cmd(
            &[
                "--json",
                "kiosk",
                "--location",
                "Lobby",
                "--outbox",
                self.outbox().to_str().unwrap(),
            ],
            Some("k1"),
        );
        match reader {
            Some(port) => c.args(["--no-stdin", "--reader", &format!("rdm6300:{port}")]),
            None => c.stdin(Stdio::piped()),
        };
        let mut child = c
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let sink = Arc::clone(lines);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(l) = line else { break };
                let v: Value = serde_json::from_str(&l).unwrap();
                sink.lock().unwrap().push(v);
            }
        });
        // the banner on stderr says the kiosk runs (its store, outbox and readers open)
        let err = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(l) = line else { break };
                if l.starts_with("kiosk Lobby") {
                    let _ = tx.send(());
                }
                eprintln!("kiosk: {l}");
            }
        });
        rx.recv_timeout(Duration::from_secs(30))
            .expect("the kiosk did not start");
        if reader.is_some() {
            wait("the reader to open", 20, || {
                lines.lock().unwrap().iter().any(|l| l["kind"] == "reader")
            });
        }
        child
    }

    fn server_events(&self) -> Vec<tokenstation::store::presence::Event> {
        let st = Station::open(Path::new(&self.url)).unwrap();
        let c = st.read();
        let loc = c.location_get("Lobby").unwrap();
        c.events_between(loc.id, 0, i64::MAX).unwrap()
    }
}

fn tags(n: u32) -> Vec<Tag> {
    (0..n)
        .map(|i| Tag {
            version: 7,
            id: 70_000 + i,
        })
        .collect()
}

fn wait(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn events(lines: &Arc<Mutex<Vec<Value>>>) -> Vec<Value> {
    let l = lines.lock().unwrap();
    for v in l.iter() {
        assert_ne!(v["kind"], "error", "a tap was not recorded: {v}");
    }
    l.iter().filter(|v| v["kind"] == "event").cloned().collect()
}

fn pending(path: &Path) -> i64 {
    Outbox::open(path).unwrap().pending().unwrap()
}

/// Checks the server holds exactly one accepted event per acknowledged holder, with
/// the offline mark where the acknowledgement said "recorded offline".
fn check_once(site: &Site, acks: &[Value], n: usize) {
    let stored = site.server_events();
    let mut holders: Vec<&str> = stored.iter().filter_map(|e| e.holder.as_deref()).collect();
    holders.sort_unstable();
    let all = holders.len();
    holders.dedup();
    assert_eq!(all, holders.len(), "a tap was recorded twice");
    assert_eq!(stored.len(), n, "every tap is on the server");
    assert_eq!(acks.len(), n, "every tap was acknowledged");
    for a in acks {
        let h = a["holder"].as_str().unwrap();
        let e = stored
            .iter()
            .find(|e| e.holder.as_deref() == Some(h))
            .unwrap_or_else(|| panic!("acknowledged tap of {h} is not on the server"));
        assert_eq!(e.status, "ok", "{a}");
        assert_eq!(e.offline, a["offline"] == true, "offline mark of {h}");
        assert_eq!(e.station.as_deref(), Some("k1"));
        if a["offline"] == false {
            assert_eq!(Some(e.id), a["id"].as_i64(), "{a}");
        } else {
            assert!(
                a["message"]
                    .as_str()
                    .unwrap()
                    .contains("(recorded offline)"),
                "{a}"
            );
        }
    }
}

#[test]
fn server_stopped_and_restarted_mid_burst_every_acknowledged_tap_once() {
    const N: u32 = 200;
    let site = Site::new(N);
    let burst = TagBurst::new();
    let emu =
        Rdm6300Emulator::new(Field::empty()).with_burst(burst.clone(), Duration::from_millis(40));
    let pty = PtyBridge::spawn(emu, Faults::new()).unwrap();
    let port = pty.path().to_string_lossy().into_owned();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let mut kiosk = site.kiosk(Some(&port), &lines);

    burst.push_all(tags(N));
    wait("online acknowledgements", 60, || events(&lines).len() >= 40);
    site.cluster.stop();
    wait("offline acknowledgements", 60, || {
        events(&lines)
            .iter()
            .filter(|v| v["offline"] == true)
            .count()
            >= 30
    });
    site.cluster.start();
    wait("the burst", 120, || burst.pending() == 0);
    wait("every acknowledgement", 60, || {
        events(&lines).len() >= N as usize
    });
    wait("the outbox to be sent", 60, || pending(&site.outbox()) == 0);
    // taps after the outbox emptied go to the server again
    wait("the server-back line", 10, || {
        lines.lock().unwrap().iter().any(|l| l["kind"] == "server")
    });
    kiosk.kill().unwrap();
    kiosk.wait().unwrap();
    pty.stop();

    let acks = events(&lines);
    let offline = acks.iter().filter(|v| v["offline"] == true).count();
    eprintln!(
        "{N} taps: {} online, {offline} recorded offline",
        acks.len() - offline
    );
    assert!(offline >= 30 && offline < N as usize, "{offline} offline");
    check_once(&site, &acks, N as usize);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (from, to) = ((now - 3600).to_string(), (now + 3600).to_string());
    let report = site.ok(
        &[
            "--json",
            "presence",
            "report",
            "--location",
            "Lobby",
            "--from",
            &from,
            "--to",
            &to,
        ],
        None,
    );
    let r: Value = serde_json::from_str(&report).unwrap();
    let marked: u64 = r["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["offline"].as_u64().unwrap())
        .sum();
    assert_eq!(
        marked, offline as u64,
        "presence report counts the offline events"
    );
}

#[test]
fn kill_9_with_a_full_outbox_then_the_restarted_kiosk_sends_it_once() {
    const N: u32 = 20;
    let site = Site::new(N);
    let burst = TagBurst::new();
    let emu =
        Rdm6300Emulator::new(Field::empty()).with_burst(burst.clone(), Duration::from_millis(20));
    let pty = PtyBridge::spawn(emu, Faults::new()).unwrap();
    let port = pty.path().to_string_lossy().into_owned();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let mut kiosk = site.kiosk(Some(&port), &lines);
    site.cluster.stop();
    burst.push_all(tags(N));
    wait("offline acknowledgements", 60, || {
        events(&lines).len() >= N as usize
    });
    kiosk.kill().unwrap(); // SIGKILL
    kiosk.wait().unwrap();
    let acks = events(&lines);
    assert!(
        acks.iter()
            .all(|v| v["offline"] == true && v["id"].is_null())
    );
    assert_eq!(
        pending(&site.outbox()),
        i64::from(N),
        "every acknowledged tap is in the outbox"
    );

    site.cluster.start();
    // A crash between the server's commit and the row's removal: the first row is on
    // the server already when the kiosk comes back.
    let first = Outbox::open(&site.outbox()).unwrap().oldest(1).unwrap();
    site.station().presence_send(&first[0]).unwrap();

    let lines2 = Arc::new(Mutex::new(Vec::new()));
    let mut kiosk = site.kiosk(Some(&port), &lines2);
    wait("the outbox to be sent", 60, || pending(&site.outbox()) == 0);
    kiosk.kill().unwrap();
    kiosk.wait().unwrap();
    pty.stop();
    check_once(&site, &acks, N as usize);
    assert!(site.server_events().iter().all(|e| e.offline));
}

#[test]
fn typed_code_offline_is_refused_and_a_leased_token_verifies_only_at_its_station() {
    let site = Site::new(1);
    site.ok(&["product", "add", "P", "--skew", "1"], None);
    let mut add = site.cmd(&["token", "add", "T1", "--product", "P"], None);
    add.env("TOKENSTATION_SECRET", SEED_B32);
    assert!(add.status().unwrap().success());
    site.ok(&["token", "assign", "T1", "--holder", "d000"], None);
    let before = (now_s() - 300).to_string();
    site.ok(
        &[
            "token",
            "activate",
            "T1",
            &code_at(now_s() - 300),
            "--at",
            &before,
        ],
        None,
    );
    site.ok(&["location", "mode", "Lobby", "code"], None);
    let lines = Arc::new(Mutex::new(Vec::new()));
    let mut kiosk = site.kiosk(None, &lines);
    let mut stdin = kiosk.stdin.take().unwrap();
    site.cluster.stop();
    if let Err(e) = writeln!(stdin, "T1 {}", code_now()) {
        panic!(
            "kiosk gone ({e}): {:?} {:?}",
            kiosk.try_wait(),
            lines.lock().unwrap()
        );
    }
    wait("the refusal", 30, || !lines.lock().unwrap().is_empty());
    let l = lines.lock().unwrap()[0].clone();
    assert_eq!(l["kind"], "error", "{l}");
    let msg = l["message"].as_str().unwrap();
    assert!(
        msg.starts_with(
            "!! not recorded: server unreachable: a typed code needs the store's server"
        ),
        "{msg}"
    );
    assert_eq!(pending(&site.outbox()), 0, "a refused code is not kept");
    kiosk.kill().unwrap();
    kiosk.wait().unwrap();
    site.cluster.start();

    // Lease: only k1 verifies T1.
    site.ok(&["token", "lease", "T1", "--station", "k1"], None);
    let show = site.ok(&["token", "show", "T1"], None);
    assert!(show.contains("leased to   station k1"), "{show}");
    let code = code_now();
    let (ok, text) = site.run(&["verify", "T1", &code], Some("bench-2"));
    assert!(!ok, "{text}");
    assert!(
        text.contains("token T1 is leased to station 'k1'"),
        "{text}"
    );
    let text = site.ok(&["verify", "T1", &code], Some("k1"));
    assert!(text.contains("OK"), "{text}");
    site.ok(&["token", "lease", "T1", "--release"], None);
    let (_, text) = site.run(&["verify", "T1", &code], Some("bench-2"));
    assert!(!text.contains("leased"), "released: {text}");
    let audit = site.ok(&["audit", "list"], None);
    assert!(
        audit.contains("token.lease") && audit.contains("token.release"),
        "{audit}"
    );
}

/// A token leased to the kiosk's station verifies there while the server is stopped:
/// its current code is accepted offline, typed again it is REPLAYED (the replay guard
/// copied into the outbox), a token not leased is still "server unreachable"; when the
/// server is back the drain records both events and both attempts once and moves the
/// server's replay guard, so the same code verified on the server is REPLAYED.
/// A site whose holder d000 has T1 (leased to k1) and T2 (not leased), both active
/// TOTP tokens of product P (window ±4 steps) for every location; Lobby takes codes.
fn leased_site() -> Site {
    let site = Site::new(1);
    site.ok(&["product", "add", "P", "--skew", "4"], None);
    let before = (now_s() - 300).to_string();
    for serial in ["T1", "T2"] {
        let mut add = site.cmd(&["token", "add", serial, "--product", "P"], None);
        add.env("TOKENSTATION_SECRET", SEED_B32);
        assert!(add.status().unwrap().success());
        site.ok(&["token", "assign", serial, "--holder", "d000"], None);
        site.ok(&["token", "assign", serial, "--all-locations"], None);
        site.ok(
            &[
                "token",
                "activate",
                serial,
                &code_at(now_s() - 300),
                "--at",
                &before,
            ],
            None,
        );
    }
    site.ok(
        &[
            "location",
            "mode",
            "Lobby",
            "code",
            "--fold",
            "0",
            "--min-interval",
            "0",
        ],
        None,
    );
    site.ok(&["token", "lease", "T1", "--station", "k1"], None);
    site
}

#[test]
fn leased_token_verifies_at_its_offline_kiosk_exactly_once() {
    let site = leased_site();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let mut kiosk = site.kiosk(None, &lines);
    let mut stdin = kiosk.stdin.take().unwrap();
    {
        let o = Outbox::open(&site.outbox()).unwrap();
        let t1 = o.snap_tokens("T1").unwrap();
        assert_eq!(t1.len(), 1, "the leased token is in the kiosk's snapshot");
        assert!(o.snap_tokens("T2").unwrap().is_empty(), "T2 is not leased");
    }
    let mut typed = |text: &str, n: usize| {
        writeln!(stdin, "{text}").unwrap();
        wait("the kiosk's answer", 30, || answers(&lines).len() >= n);
        answers(&lines)[n - 1].clone()
    };
    // a code accepted online just before the server goes is a replay offline
    let previous = code_at(now_s() - 30);
    let online = typed(&format!("T1 {previous}"), 1);
    assert_eq!(online["status"], "ok", "{online}");
    assert_eq!(online["offline"], false, "{online}");
    site.cluster.stop();
    let replay = typed(&format!("T1 {previous}"), 2);
    assert_eq!(replay["kind"], "event", "{replay}");
    assert_eq!(replay["reason"], "REPLAYED", "{replay}");
    assert_eq!(replay["offline"], true, "{replay}");

    let code = code_now();
    let ok = typed(&format!("T1 {code}"), 3);
    assert_eq!(ok["kind"], "event", "{ok}");
    assert_eq!(ok["status"], "ok", "{ok}");
    assert_eq!(ok["offline"], true, "{ok}");
    assert_eq!(ok["holder"], "d000", "{ok}");
    assert!(
        ok["message"]
            .as_str()
            .unwrap()
            .contains("(recorded offline)"),
        "{ok}"
    );
    let again = typed(&format!("T1 {code}"), 4);
    assert_eq!(again["kind"], "event", "{again}");
    assert_eq!(again["status"], "refused", "{again}");
    assert_eq!(again["reason"], "REPLAYED", "{again}");
    assert_eq!(again["offline"], true, "{again}");
    let other = typed(&format!("T2 {code}"), 5);
    assert_eq!(other["kind"], "error", "{other}");
    assert!(
        other["message"]
            .as_str()
            .unwrap()
            .contains("server unreachable: a typed code"),
        "{other}"
    );
    assert_eq!(
        pending(&site.outbox()),
        3,
        "the offline decisions are in the outbox"
    );

    site.cluster.start();
    wait("the outbox to be sent", 90, || pending(&site.outbox()) == 0);
    kiosk.kill().unwrap();
    kiosk.wait().unwrap();

    let stored = site.server_events();
    assert_eq!(stored.len(), 4, "{stored:?}");
    assert!(stored.iter().all(|e| e.station.as_deref() == Some("k1")));
    assert_eq!(stored.iter().filter(|e| e.offline).count(), 3);
    assert_eq!(stored.iter().filter(|e| e.status == "ok").count(), 2);
    let replays = stored
        .iter()
        .filter(|e| e.reason.as_deref() == Some("REPLAYED"));
    assert_eq!(replays.count(), 2, "{stored:?}");
    let st = site.station();
    let attempts = st
        .read()
        .attempt_list(&tokenstation::store::attempts::AttemptFilter {
            serial: Some("T1".into()),
            from: Some(i64::try_from(now_s()).unwrap() - 200),
            ..Default::default()
        })
        .unwrap();
    let mut verdicts: Vec<&str> = attempts.iter().map(|a| a.status.as_str()).collect();
    verdicts.sort_unstable();
    assert_eq!(
        verdicts,
        ["OK", "OK", "REPLAYED", "REPLAYED"],
        "{attempts:?}"
    );
    let t1 = st.read().tokens_by_serial("T1").unwrap().remove(0);
    assert!(
        t1.last_step.is_some_and(|s| s >= now_s() / 30 - 5),
        "{t1:?}"
    );

    // the server's replay guard moved: the same code is REPLAYED there now
    let (_, text) = site.run(&["verify", "T1", &code], Some("k1"));
    assert!(text.contains("REPLAYED"), "{text}");
    let (_, text) = site.run(&["verify", "T2", &code], Some("k1"));
    assert!(
        text.contains("OK"),
        "a token not leased was not touched: {text}"
    );
}

/// The answers to typed lines (not the "server gone/back" lines).
fn answers(l: &Arc<Mutex<Vec<Value>>>) -> Vec<Value> {
    let l = l.lock().unwrap();
    l.iter()
        .filter(|v| v["kind"] == "event" || v["kind"] == "error")
        .cloned()
        .collect()
}

/// Wrong codes typed offline for a leased token count toward its limit: at
/// `limit.max_failures` (5) even its right code is LIMIT_REACHED offline, and once
/// the server has them the token is limited there too.
#[test]
fn wrong_codes_offline_for_a_leased_token_reach_its_limit() {
    let site = leased_site();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let mut kiosk = site.kiosk(None, &lines);
    let mut stdin = kiosk.stdin.take().unwrap();
    site.cluster.stop();
    let code = code_now();
    let wrong = format!(
        "{:06}",
        (code.parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    for n in 1..=5 {
        writeln!(stdin, "T1 {wrong}").unwrap();
        wait("the kiosk's answer", 30, || answers(&lines).len() >= n);
        let l = answers(&lines)[n - 1].clone();
        assert_eq!(l["reason"], "INVALID_CODE", "{l}");
        assert_eq!(l["offline"], true, "{l}");
    }
    writeln!(stdin, "T1 {code}").unwrap();
    wait("the kiosk's answer", 30, || answers(&lines).len() >= 6);
    let l = answers(&lines)[5].clone();
    assert_eq!(l["reason"], "LIMIT_REACHED", "{l}");
    assert_eq!(pending(&site.outbox()), 6);
    site.cluster.start();
    wait("the outbox to be sent", 90, || pending(&site.outbox()) == 0);
    kiosk.kill().unwrap();
    kiosk.wait().unwrap();
    let (_, text) = site.run(&["verify", "T1", &code], Some("k1"));
    assert!(text.contains("LIMIT_REACHED"), "{text}");
}

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn code_at(t: u64) -> String {
    use tokenstation::otp::{Algorithm, Digits, OtpKey, Secret};
    OtpKey::new(
        Algorithm::Sha1,
        &Secret::from_slice(b"12345678901234567890"),
    )
    .code_string(t / 30, Digits::SIX)
}

fn code_now() -> String {
    code_at(now_s())
}
