//! A kiosk that starts while its PostgreSQL server is down (issue 17, "starting
//! offline"), with separate processes and a cluster of the test's own stopped and
//! started with `pg_ctl` (as tests/pg_offline_kiosk.rs): a kiosk that ran once online
//! starts from its outbox's snapshot, with the location's readers as copied, records
//! a tap offline with its holder and sends it once when the server is back; without
//! a snapshot, or with a wrong key file, it refuses to start in one line and creates
//! nothing. Needs `tools/with-test-postgres.sh` (make test); without it the tests
//! fail, they are never skipped.
#![cfg(feature = "serial")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "common/pg_cluster.rs"]
mod pg_cluster;

use std::io::{BufRead, BufReader};
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

type Lines = Arc<Mutex<Vec<String>>>;

struct Site {
    cluster: Cluster,
    dir: tempfile::TempDir,
    url: String,
    key: PathBuf,
}

const TAG: Tag = Tag {
    version: 7,
    id: 71_234,
};

impl Site {
    /// A cluster, a store on it with `Lobby` (mode card) and holder `d000` with a tag.
    fn new() -> Site {
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
        s.ok(&["init"]);
        let mut st = Station::open(Path::new(&s.url)).unwrap();
        st.unlock(&KeySource::File(s.key.clone())).unwrap();
        st.location_add("Lobby", "UTC", 0).unwrap();
        st.holder_add("d000", Some("Dana"), 0).unwrap();
        st.holder_enrol("d000", &CredentialKey::tag_bytes(&TAG.bytes()).unwrap(), 0)
            .unwrap();
        s.ok(&["location", "mode", "Lobby", "card"]);
        s
    }

    fn outbox(&self) -> PathBuf {
        self.dir.path().join("state/outbox-Lobby.db")
    }

    fn cmd(&self, key: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tokenstation"));
        c.env_remove("TOKENSTATION_DB")
            .env_remove("TOKENSTATION_KEY_FILE")
            .env_remove("TOKENSTATION_OUTBOX")
            .env("TOKENSTATION_STATION", "k1")
            .args(["--db", &self.url, "--key-file", key.to_str().unwrap()])
            .args(args);
        c
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.cmd(&self.key, args).output().unwrap();
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            o.status.success(),
            "{args:?}: {text}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        text
    }

    /// `kiosk --location LOC` with the outbox, no --reader (the location's readers).
    fn kiosk_args<'a>(&'a self, location: &'a str, outbox: &'a str) -> Vec<&'a str> {
        vec![
            "--json",
            "kiosk",
            "--location",
            location,
            "--outbox",
            outbox,
            "--no-stdin",
        ]
    }

    /// Starts the kiosk at Lobby; JSON lines go to `out`, stderr lines to `err`.
    fn kiosk(&self, out: &Lines, err: &Lines) -> Child {
        let outbox = self.outbox().to_str().unwrap().to_string();
        let mut child = self
            .cmd(&self.key, &self.kiosk_args("Lobby", &outbox))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        for (pipe, sink) in [
            (
                Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
                out,
            ),
            (Box::new(child.stderr.take().unwrap()), err),
        ] {
            let sink = Arc::clone(sink);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    let Ok(l) = line else { break };
                    eprintln!("kiosk: {l}");
                    sink.lock().unwrap().push(l);
                }
            });
        }
        wait("the kiosk's reader", 60, || {
            json(out).iter().any(|l| l["kind"] == "reader")
        });
        child
    }

    fn server_events(&self) -> Vec<tokenstation::store::presence::Event> {
        let st = Station::open(Path::new(&self.url)).unwrap();
        let c = st.read();
        let loc = c.location_get("Lobby").unwrap();
        c.events_between(loc.id, 0, i64::MAX).unwrap()
    }

    /// Runs a kiosk once while the server answers (its outbox takes the snapshot),
    /// with the location's reader configured, then stops the server.
    fn ran_once_then_server_down(&self) -> (PtyBridge, TagBurst) {
        let burst = TagBurst::new();
        let emu = Rdm6300Emulator::new(Field::empty())
            .with_burst(burst.clone(), Duration::from_millis(20));
        let pty = PtyBridge::spawn(emu, Faults::new()).unwrap();
        let spec = format!("rdm6300:{}", pty.path().display());
        self.ok(&["location", "readers", "Lobby", "--add", &spec]);
        let (out, err) = (Lines::default(), Lines::default());
        let mut k = self.kiosk(&out, &err);
        k.kill().unwrap();
        k.wait().unwrap();
        assert!(
            !err.lock()
                .unwrap()
                .iter()
                .any(|l| l.contains("unreachable")),
            "the first run is online"
        );
        self.cluster.stop();
        (pty, burst)
    }
}

fn wait(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn json(lines: &Lines) -> Vec<Value> {
    lines
        .lock()
        .unwrap()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Runs a command to its end: success, stdout, stderr.
fn finish(mut c: Command) -> (bool, String, String) {
    let o = c.stdin(Stdio::null()).output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn kiosk_started_while_the_server_is_down_records_offline_and_sends_once() {
    let site = Site::new();
    let (pty, burst) = site.ran_once_then_server_down();

    let (out, err) = (Lines::default(), Lines::default());
    let mut kiosk = site.kiosk(&out, &err);
    // stderr is read by its own thread: wait for the line, then count
    let says = |e: &Lines| {
        e.lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("server unreachable at start"))
    };
    wait("the offline start line", 30, || says(&err));
    let said: Vec<String> = err
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("server unreachable at start"))
        .cloned()
        .collect();
    assert_eq!(said.len(), 1, "one line says it starts offline: {err:?}");
    assert!(said[0].contains("snapshot of"), "{}", said[0]);
    assert!(
        said[0].contains(site.outbox().to_str().unwrap()),
        "{}",
        said[0]
    );

    burst.push_all(vec![TAG]);
    wait("the tap's acknowledgement", 30, || {
        json(&out).iter().any(|l| l["kind"] == "event")
    });
    let ack = json(&out)
        .into_iter()
        .find(|l| l["kind"] == "event")
        .unwrap();
    assert_eq!(ack["offline"], true, "{ack}");
    assert_eq!(ack["status"], "ok", "{ack}");
    assert_eq!(ack["holder"], "d000", "{ack}");
    let msg = ack["message"].as_str().unwrap();
    assert!(
        msg.contains("(recorded offline)") && msg.contains("Dana"),
        "{msg}"
    );
    assert_eq!(Outbox::open(&site.outbox()).unwrap().pending().unwrap(), 1);

    site.cluster.start();
    wait("the outbox to be sent", 60, || {
        Outbox::open(&site.outbox()).unwrap().pending().unwrap() == 0
    });
    // the kiosk goes on online: the snapshot is copied again from the server
    wait("a snapshot taken after the restart", 30, || {
        let o = Outbox::open(&site.outbox()).unwrap();
        o.snap_settings("Lobby")
            .unwrap()
            .is_some_and(|s| s.taken_at >= ack["at"].as_i64().unwrap())
    });
    kiosk.kill().unwrap();
    kiosk.wait().unwrap();
    pty.stop();
    let stored = site.server_events();
    assert_eq!(stored.len(), 1, "the tap is on the server once: {stored:?}");
    assert_eq!(stored[0].holder.as_deref(), Some("d000"));
    assert!(stored[0].offline);
    assert_eq!(stored[0].station.as_deref(), Some("k1"));
}

#[test]
fn no_snapshot_and_server_down_refuses_to_start_and_creates_nothing() {
    let site = Site::new();
    site.cluster.stop();
    let outbox = site.outbox().to_str().unwrap().to_string();
    let mut c = site.cmd(&site.key, &site.kiosk_args("Lobby", &outbox));
    c.args(["--reader", "rdm6300:/dev/null"]);
    let (ok, stdout, stderr) = finish(c);
    assert!(!ok, "refused: {stdout}{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    for part in [
        "does not answer",
        &outbox,
        "does not exist",
        "when the server answers",
    ] {
        assert!(lines[0].contains(part), "{part} in {}", lines[0]);
    }
    assert!(lines[0].contains("/ts"), "names the server: {}", lines[0]);
    assert!(!site.outbox().exists(), "no outbox was created");
    assert!(!site.outbox().parent().unwrap().exists());
}

#[test]
fn wrong_key_or_another_location_and_server_down_is_refused() {
    let site = Site::new();
    let (pty, _burst) = site.ran_once_then_server_down();
    let outbox = site.outbox().to_str().unwrap().to_string();
    let snap = |o: &Outbox| o.snap_settings("Lobby").unwrap().map(|s| s.taken_at);
    let before = snap(&Outbox::open(&site.outbox()).unwrap());
    assert!(before.is_some());

    // a key file of another store
    let other = site.dir.path().join("other.db");
    let (ok, _, e) = finish({
        let mut c = Command::new(env!("CARGO_BIN_EXE_tokenstation"));
        c.env_remove("TOKENSTATION_DB")
            .env_remove("TOKENSTATION_KEY_FILE")
            .args(["--db", other.to_str().unwrap(), "init"]);
        c
    });
    assert!(ok, "{e}");
    let wrong = site.dir.path().join("other.db.key");
    let (ok, stdout, stderr) = finish(site.cmd(&wrong, &site.kiosk_args("Lobby", &outbox)));
    assert!(!ok, "refused: {stdout}{stderr}");
    assert!(
        stderr.contains("does not match this store") && stderr.contains("other.db.key"),
        "{stderr}"
    );
    assert!(!stderr.contains("running from the snapshot"), "{stderr}");
    // with --json the refusal is also the one JSON object on stdout; no kiosk line
    assert!(
        stdout
            .lines()
            .all(|l| l.contains("\"error\"") && !l.contains("\"kind\"")),
        "nothing decided: {stdout}"
    );

    // the snapshot is of Lobby, not of Lab
    let (ok, _, stderr) = finish(site.cmd(&site.key, &site.kiosk_args("Lab", &outbox)));
    assert!(!ok);
    assert!(
        stderr.contains("holds no snapshot of location 'Lab'"),
        "{stderr}"
    );
    // the outbox is as it was: the snapshot still there for a later start
    let o = Outbox::open(&site.outbox()).unwrap();
    assert_eq!(snap(&o), before);
    assert_eq!(o.pending().unwrap(), 0);
    pty.stop();
}
