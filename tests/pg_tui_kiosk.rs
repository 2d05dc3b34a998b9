//! The TUI's kiosk screen on a PostgreSQL store that loses its server (issue 17,
//! offline kiosks; issue 15, the kiosk screen): the screen's kiosk keeps its outbox
//! where the `kiosk` command would (the station's file name in the directory the TUI
//! is given), a tag tapped while the server is stopped is answered "recorded offline"
//! with the server shown down beside the readers, and once the server is back the
//! outbox is sent: the tap is on the server exactly once, marked offline. The tag comes
//! from an emulated RDM6300 behind a real pseudo-terminal; the server is a cluster of
//! the test's own, stopped and started with `pg_ctl`. Needs `tools/with-test-postgres.sh`
//! (make test); without it the test fails, it is never skipped.
#![cfg(feature = "serial")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "common/pg_cluster.rs"]
mod pg_cluster;

use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pg_cluster::Cluster;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokenstation::devices::rdm6300::Tag;
use tokenstation::emulator::fault::Faults;
use tokenstation::emulator::field::Field;
use tokenstation::emulator::pty::PtyBridge;
use tokenstation::emulator::rdm6300::{Rdm6300Emulator, TagBurst};
use tokenstation::station::presence::CredentialKey;
use tokenstation::station::presence::outbox_name::outbox_file_name;
use tokenstation::station::{KeySource, Station};
use tokenstation::store::outbox::Outbox;
use tokenstation::tui::app::{App, Clock, Screen};
use tokenstation::tui::msg::Msg;
use tokenstation::tui::theme::Theme;

const TAG: Tag = Tag {
    version: 7,
    id: 71_234,
};

fn cli(url: &str, key: &Path, args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_tokenstation"))
        .env_remove("TOKENSTATION_DB")
        .env_remove("TOKENSTATION_KEY_FILE")
        .env("TOKENSTATION_CONFIG", "/dev/null")
        .args(["--db", url, "--key-file", key.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn station(url: &str, key: &Path) -> Station {
    let mut st = Station::open(Path::new(url)).unwrap();
    st.unlock(&KeySource::File(key.to_path_buf())).unwrap();
    st
}

/// Feeds the app every message until `done` holds (or fails after `secs`).
fn pump(
    app: &mut App,
    rx: &mpsc::Receiver<Msg>,
    what: &str,
    secs: u64,
    done: impl Fn(&App) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done(app) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        if let Ok(m) = rx.recv_timeout(Duration::from_millis(50)) {
            app.update(m);
        }
    }
}

fn screen_text(app: &mut App) -> String {
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    term.draw(|f| app.draw(f)).unwrap();
    let buf = term.backend().buffer();
    let mut text = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            text.push_str(buf[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

#[test]
fn the_tui_kiosk_records_a_tap_offline_and_sends_it_once_when_the_server_is_back() {
    let cluster = Cluster::new();
    let url = cluster.database("ts");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("master.key");
    cli(&url, &key, &["init"]);

    let burst = TagBurst::new();
    let emu =
        Rdm6300Emulator::new(Field::empty()).with_burst(burst.clone(), Duration::from_millis(40));
    let pty = PtyBridge::spawn(emu, Faults::new()).unwrap();
    let port = pty.path().to_string_lossy().into_owned();
    {
        let mut st = station(&url, &key);
        st.location_add("Lobby", "UTC", 0).unwrap();
        st.holder_add("d001", Some("Dana"), 0).unwrap();
        st.holder_enrol("d001", &CredentialKey::tag_bytes(&TAG.bytes()).unwrap(), 0)
            .unwrap();
        st.location_readers_set("Lobby", &[format!("rdm6300:{port}")], &[], 0)
            .unwrap();
    }
    cli(&url, &key, &["location", "mode", "Lobby", "card"]);

    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let st = station(&url, &key);
    let outbox = state.join(outbox_file_name("Lobby", st.store_name()));
    let (tx, rx) = mpsc::channel();
    let mut app = App::new(st, Theme { color: false }, Clock::System, tx);
    app.sh.probe = false;
    app.sh.outbox_dir = Some(state.clone());
    app.show(Screen::Kiosk);
    app.kiosk.location = Some("Lobby".into());
    app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    assert!(
        app.kiosk.running(),
        "the kiosk started: {:?}",
        app.sh.status
    );
    let reader = format!("rdm6300:{port}");
    pump(&mut app, &rx, "the reader to open", 20, |a| {
        a.kiosk.state_of(&reader) == Some(true)
    });

    cluster.stop();
    burst.push_all(vec![TAG]);
    pump(
        &mut app,
        &rx,
        "the offline answer, the server shown down",
        60,
        |a| {
            a.kiosk.answer().is_some_and(|l| l.offline) && a.kiosk.state_of("server") == Some(false)
        },
    );
    let text = screen_text(&mut app);
    assert!(text.contains("recorded offline"), "{text}");
    assert!(text.contains("server"), "{text}");
    assert_eq!(Outbox::open(&outbox).unwrap().pending().unwrap(), 1);

    cluster.start();
    pump(&mut app, &rx, "the outbox to be sent", 60, |_| {
        Outbox::open(&outbox).unwrap().pending().unwrap() == 0
    });
    pump(&mut app, &rx, "the server shown back", 30, |a| {
        a.kiosk.state_of("server") == Some(true)
    });
    let st = station(&url, &key);
    let c = st.read();
    let loc = c.location_get("Lobby").unwrap();
    let events = c.events_between(loc.id, 0, i64::MAX).unwrap();
    assert_eq!(events.len(), 1, "the tap is on the server once: {events:?}");
    assert_eq!(events[0].holder.as_deref(), Some("d001"));
    assert!(events[0].offline, "marked as decided offline");
    pty.stop();
}
