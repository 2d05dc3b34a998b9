//! Presence through the binary on a temporary store: enrolment and location set-up,
//! the kiosk on typed codes (stdin), presence-token codes submitted and imported
//! (edited times, replays, re-imports), `presence now` and `report` in the location's
//! time zone, and the durability test: kill -9 during a burst of emulated RDM6300 taps,
//! restart, replay every tap; every acknowledged event is in the store, none twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{RFC_SEED_B32, Station};
use tokenstation::otp::{Algorithm, Digits, OtpKey, Secret};

const SEED: &[u8] = b"12345678901234567890";

fn code(t: i64) -> String {
    OtpKey::new(Algorithm::Sha1, &Secret::from_slice(SEED))
        .code_string((t / 30) as u64, Digits::SIX)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn setup() -> Station {
    let s = Station::new();
    s.ok(&["product", "add", "P", "--skew", "1"]);
    s.ok(&["location", "add", "Lobby", "--tz", "Europe/Paris"]);
    s.ok(&["holder", "add", "h1", "--label", "Ada"]);
    s.ok(&["holder", "add", "h2", "--label", "Bob"]);
    s
}

fn token(s: &Station, serial: &str) {
    let mut c = s.cmd(&["token", "add", serial, "--product", "P"]);
    c.env("TOKENSTATION_SECRET", RFC_SEED_B32);
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn enrol_and_location_settings() {
    let s = setup();
    s.ok(&["holder", "enrol", "h1", "--card", "04:A1:B2:C3"]);
    let e = s.json(&["holder", "enrol", "h2", "--tag", "0A00B1C2D3"]);
    assert_eq!(e["value"], "0011649747");
    // One holder per credential.
    let (_, err) = s.fails(&["holder", "enrol", "h2", "--card", "04A1B2C3"], 2);
    assert!(err.contains("already enrolled for holder 'h1'"), "{err}");
    let (_, err) = s.fails(&["holder", "enrol", "h2", "--tag", "hello"], 2);
    assert!(err.contains("10 decimal digits"), "{err}");
    let r = s.json(&[
        "location",
        "readers",
        "Lobby",
        "--add",
        "rdm6300:/dev/ttyUSB0",
        "--add",
        "pcsc:ACS ACR122U 00 00",
    ]);
    assert_eq!(r["readers"].as_array().unwrap().len(), 2);
    let (_, err) = s.fails(&["location", "readers", "Lobby", "--add", "usb:/x"], 2);
    assert!(err.contains("invalid reader"), "{err}");
    let r = s.json(&[
        "location",
        "readers",
        "Lobby",
        "--remove",
        "rdm6300:/dev/ttyUSB0",
    ]);
    assert_eq!(r["readers"], serde_json::json!(["pcsc:ACS ACR122U 00 00"]));
    let m = s.json(&[
        "location",
        "mode",
        "Lobby",
        "card+code",
        "--min-interval",
        "30",
    ]);
    assert_eq!(m["settings"]["mode"], "card+code");
    assert_eq!(m["settings"]["min_interval"], 30);
    s.fails(&["location", "mode", "Lobby", "sometimes"], 2);
    let h = s.json(&["location", "hours", "Lobby", "--close", "18:30"]);
    assert_eq!(h["settings"]["close_minute"], 18 * 60 + 30);
    s.fails(&["location", "hours", "Lobby", "--close", "25:00"], 2);
    let audit = s.ok(&["audit", "list"]);
    assert!(
        audit.contains("holder.enrol") && audit.contains("location.presence"),
        "{audit}"
    );
    let help = s.ok(&["kiosk", "--help"]);
    assert!(
        help.contains("SERIAL CODE") && help.contains("card+code"),
        "{help}"
    );
}

#[test]
fn kiosk_on_typed_codes_then_now_and_report() {
    let s = setup();
    token(&s, "T1");
    s.ok(&["token", "assign", "T1", "--holder", "h1"]);
    s.ok(&["token", "assign", "T1", "--all-locations"]);
    let t = now();
    s.ok(&[
        "token",
        "activate",
        "T1",
        &code(t - 90),
        "--at",
        &(t - 90).to_string(),
    ]);
    s.ok(&["holder", "enrol", "h1", "--token", "T1"]);
    s.ok(&["location", "mode", "Lobby", "code", "--min-interval", "0"]);
    let input = format!(
        "T1 {}\nT1 000000\nnonsense here\nNOPE 123456\n",
        code(now())
    );
    let out = s
        .cmd(&["--json", "kiosk", "--location", "Lobby"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let events: Vec<&serde_json::Value> = lines.iter().filter(|l| l["kind"] == "event").collect();
    assert_eq!(events.len(), 3, "{lines:?}");
    assert_eq!(
        (
            events[0]["status"].as_str(),
            events[0]["direction"].as_str()
        ),
        (Some("ok"), Some("in"))
    );
    assert_eq!(events[0]["label"], "Ada");
    assert!(
        events[0]["time"].as_str().unwrap().contains("+0"),
        "{}",
        events[0]
    );
    assert_eq!(events[1]["reason"], "INVALID_CODE");
    assert_eq!(events[2]["reason"], "UNKNOWN_CREDENTIAL");
    assert!(
        lines
            .iter()
            .any(|l| l["kind"] == "error" && !l["message"].as_str().unwrap().contains("123456"))
    );

    let now_in = s.json(&["presence", "now", "--location", "Lobby"]);
    assert_eq!(now_in[0]["holder"], "h1");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let r = s.json(&[
        "presence",
        "report",
        "--location",
        "Lobby",
        "--from",
        &today,
        "--to",
        &today,
    ]);
    assert_eq!(r["tz"], "Europe/Paris");
    let h1 = r["holders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["holder"] == "h1")
        .unwrap();
    assert_eq!(
        (h1["open_sessions"].as_u64(), h1["refused"].as_u64()),
        (Some(1), Some(1))
    );
    let csv = s.ok(&[
        "presence",
        "report",
        "--location",
        "Lobby",
        "--from",
        &today,
        "--to",
        &today,
        "--csv",
    ]);
    assert!(
        csv.starts_with("HOLDER,LABEL,FIRST_IN,LAST_OUT,TOTAL,SESSIONS,OPEN,REFUSED"),
        "{csv}"
    );
}

#[test]
fn presence_tokens_submit_and_import() {
    let s = setup();
    token(&s, "PT");
    s.ok(&["location", "add-presence-token", "Lobby", "--serial", "PT"]);
    // 2026-01-15 09:00:05 Paris.
    let t = 1_768_464_005;
    let at = "2026-01-15T09:00:05+01:00";
    let ok = s.json(&[
        "presence",
        "submit",
        "--location",
        "Lobby",
        "--code",
        &code(t),
        "--at",
        at,
        "--holder",
        "h1",
        "--direction",
        "in",
    ]);
    assert_eq!(ok["status"], "OK");
    assert_eq!(ok["bound_from"], t - 5);
    // The same code by the same holder: replay (exit 1); by another holder: fine.
    let (out, _) = s.fails(
        &[
            "presence",
            "submit",
            "--location",
            "Lobby",
            "--code",
            &code(t),
            "--at",
            at,
            "--holder",
            "h1",
        ],
        1,
    );
    assert!(out.contains("already used"), "{out}");
    s.ok(&[
        "presence",
        "submit",
        "--location",
        "Lobby",
        "--code",
        &code(t),
        "--at",
        at,
        "--holder",
        "h2",
    ]);
    // An edited time: the code was read at 09:00, claimed for 10:30.
    let (out, _) = s.fails(
        &[
            "presence",
            "submit",
            "--location",
            "Lobby",
            "--code",
            &code(t),
            "--at",
            "2026-01-15T10:30:05+01:00",
            "--holder",
            "h2",
        ],
        1,
    );
    assert!(
        out.contains("it matches 2026-01-15 09:00:00 CET") && out.contains("was the time edited"),
        "{out}"
    );

    let csv = s.dir.path().join("visits.csv");
    std::fs::write(
        &csv,
        format!(
            "holder,location,code,time,direction\n\
             h2,Lobby,{},2026-01-15T11:00:10+01:00,in\n\
             h2,Lobby,{},2026-01-15T13:00:10+01:00,out\n\
             h1,Lobby,{},2026-01-15T14:00:10+01:00,out\n",
            code(t + 7205),
            code(t + 14_405),
            code(t + 3600)
        ),
    )
    .unwrap();
    // One refused row: nothing is recorded, each row says why (issue 12).
    let (out, _) = s.fails(&["presence", "import", csv.to_str().unwrap()], 1);
    assert!(
        out.contains("line 3: OK h2 out") && out.contains("verified visit"),
        "{out}"
    );
    assert!(
        out.contains("line 4: REFUSED") && out.contains("was the time edited"),
        "{out}"
    );
    assert!(
        out.contains("3 rows: 1 refused; nothing was recorded"),
        "{out}"
    );
    // Without the refused row: both recorded.
    let text = std::fs::read_to_string(&csv).unwrap();
    let good: Vec<&str> = text.lines().take(3).collect();
    std::fs::write(&csv, good.join("\n") + "\n").unwrap();
    let out = s.ok(&["presence", "import", csv.to_str().unwrap()]);
    assert!(
        out.contains("2 rows: 2 confirmed, 0 already imported"),
        "{out}"
    );
    // Re-import: nothing twice.
    let out = s.ok(&["presence", "import", csv.to_str().unwrap()]);
    assert!(
        out.contains("2 rows: 0 confirmed, 2 already imported"),
        "{out}"
    );
    let r = s.json(&[
        "presence",
        "report",
        "--location",
        "Lobby",
        "--from",
        "2026-01-15",
        "--to",
        "2026-01-15",
    ]);
    let h2 = r["holders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["holder"] == "h2")
        .unwrap();
    assert_eq!(h2["total_seconds"], 7200);
    // The visit confirmed at 09:00 without a direction is the first sign of h2 (issue 12).
    assert_eq!(h2["first_in"], "2026-01-15T09:00:05+01:00");
    let bad = s.dir.path().join("bad.csv");
    std::fs::write(&bad, "holder,location,code,time\nzed,Lobby,123456,0\n").unwrap();
    let (_, err) = s.fails(&["presence", "import", bad.to_str().unwrap()], 2);
    assert!(
        err.contains("line 2") && err.contains("holder 'zed'"),
        "{err}"
    );
}

#[cfg(feature = "serial")]
mod durability {
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Stdio};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use super::Station;
    use tokenstation::devices::rdm6300::Tag;
    use tokenstation::emulator::fault::Faults;
    use tokenstation::emulator::field::Field;
    use tokenstation::emulator::pty::PtyBridge;
    use tokenstation::emulator::rdm6300::{Rdm6300Emulator, TagBurst};
    use tokenstation::station::KeySource;
    use tokenstation::station::presence::CredentialKey;

    const N: u32 = 300;

    fn tags() -> Vec<Tag> {
        (0..N)
            .map(|i| Tag {
                version: 7,
                id: 50_000 + i,
            })
            .collect()
    }

    fn kiosk(
        s: &Station,
        port: &str,
        acks: Arc<Mutex<Vec<(i64, String)>>>,
    ) -> (Child, Arc<Mutex<bool>>) {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tokenstation"))
            .args([
                "--db",
                s.db().to_str().unwrap(),
                "--key-file",
                s.key().to_str().unwrap(),
                "--json",
                "kiosk",
                "--location",
                "Lobby",
                "--no-stdin",
            ])
            .args(["--reader", &format!("rdm6300:{port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let ready = Arc::new(Mutex::new(false));
        let out = child.stdout.take().unwrap();
        let r = Arc::clone(&ready);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(l) = line else { break };
                let v: serde_json::Value = serde_json::from_str(&l).unwrap();
                match v["kind"].as_str() {
                    Some("reader") => *r.lock().unwrap() = true,
                    Some("event") => acks.lock().unwrap().push((
                        v["id"].as_i64().unwrap(),
                        v["holder"].as_str().unwrap_or("").to_string(),
                    )),
                    _ => {}
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        while !*ready.lock().unwrap() {
            assert!(Instant::now() < deadline, "kiosk did not open its reader");
            std::thread::sleep(Duration::from_millis(20));
        }
        (child, ready)
    }

    #[test]
    fn kill_9_during_a_burst_loses_no_acknowledged_event_and_counts_none_twice() {
        let s = Station::new();
        {
            let db = s.db();
            let mut st = tokenstation::station::Station::open(&db).unwrap();
            st.unlock(&KeySource::File(s.key())).unwrap();
            st.location_add("Lobby", "UTC", 0).unwrap();
            for (i, t) in tags().iter().enumerate() {
                let h = format!("d{i:03}");
                st.holder_add(&h, None, 0).unwrap();
                st.holder_enrol(&h, &CredentialKey::tag_bytes(&t.bytes()).unwrap(), 0)
                    .unwrap();
            }
        }
        // Repeated taps of a holder are folded for an hour: a replay must not count twice.
        s.ok(&[
            "location",
            "mode",
            "Lobby",
            "card",
            "--fold",
            "3600",
            "--min-interval",
            "3600",
        ]);
        let burst = TagBurst::new();
        let emu = Rdm6300Emulator::new(Field::empty())
            .with_burst(burst.clone(), Duration::from_millis(4));
        let pty = PtyBridge::spawn(emu, Faults::new()).unwrap();
        let port = pty.path().to_string_lossy().into_owned();

        let acks = Arc::new(Mutex::new(Vec::new()));
        let (mut child, _) = kiosk(&s, &port, Arc::clone(&acks));
        burst.push_all(tags());
        let deadline = Instant::now() + Duration::from_secs(60);
        while acks.lock().unwrap().len() < (N / 3) as usize {
            assert!(Instant::now() < deadline, "no acknowledgements");
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let first_run = acks.lock().unwrap().len();
        assert!(first_run < N as usize, "the kill came after the burst");

        // Restart and replay every tap: the missed ones are recorded, the rest fold.
        let (mut child, _) = kiosk(&s, &port, Arc::clone(&acks));
        burst.push_all(tags());
        let deadline = Instant::now() + Duration::from_secs(60);
        while burst.pending() > 0 {
            assert!(Instant::now() < deadline, "burst did not drain");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(1500));
        child.kill().unwrap();
        child.wait().unwrap();
        pty.stop();

        let st = tokenstation::station::Station::open(&s.db()).unwrap();
        let c = st.read();
        let acked = acks.lock().unwrap().clone();
        for (id, holder) in &acked {
            let e = c.event_by_id(*id).unwrap();
            assert_eq!(e.holder.as_deref(), Some(holder.as_str()), "event {id}");
            assert_eq!(e.status, "ok");
        }
        let loc = c.location_get("Lobby").unwrap();
        let events = c.events_between(loc.id, 0, i64::MAX).unwrap();
        let mut holders: Vec<String> = events.iter().map(|e| e.holder.clone().unwrap()).collect();
        holders.sort();
        let before = holders.len();
        holders.dedup();
        assert_eq!(before, holders.len(), "a holder was counted twice");
        assert_eq!(
            holders.len(),
            N as usize,
            "every tapped holder has its one event"
        );
        // Acknowledged events are unique too.
        let mut ids: Vec<i64> = acked.iter().map(|(i, _)| *i).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), acked.len());
        eprintln!(
            "first run acknowledged {first_run} of {N} before SIGKILL; store has {}",
            events.len()
        );
    }
}
