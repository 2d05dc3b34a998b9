//! Snapshots of every TUI screen and dialog on ratatui's TestBackend, at 80×24 and
//! 120×40, in colour and with NO_COLOR (the buffer's Debug form lists every styled
//! span, so a colour change fails the test as a text change does). The store is the
//! demo's, seeded at a fixed instant with a key file and a fixed actor; the clock is
//! fixed; the machine's hardware is not read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokenstation::station::jobs::Ask;
use tokenstation::station::presence::kiosk::{KioskLine, LineKind};
use tokenstation::station::presence::{Direction, EventStatus};
use tokenstation::station::views::hardware::WatchMsg;
use tokenstation::station::{Actor, KeySource, default_key_file};
use tokenstation::tui::app::{App, Clock, Screen};
use tokenstation::tui::demo::{self, DemoHardware};
use tokenstation::tui::msg::Msg;
use tokenstation::tui::theme::Theme;

/// 2026-11-30 10:13:20 UTC.
const NOW: i64 = 1_796_033_600;
const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

struct Fixture {
    app: App,
    _dir: tempfile::TempDir,
}

fn app(color: bool) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    let actor = Actor::ApiKey {
        key_id: "snap".into(),
        role: "admin".into(),
    };
    let hw = DemoHardware::in_process();
    let st = demo::seed(
        &db,
        &KeySource::File(default_key_file(&db)),
        actor,
        NOW,
        &hw,
    )
    .unwrap();
    let (tx, _rx) = mpsc::channel();
    std::mem::forget(_rx); // job forwarders may send; nobody reads in a snapshot
    let mut app = App::new(st, Theme { color }, Clock::Fixed(NOW), tx);
    app.sh.probe = false;
    app.sh.demo = Some(hw);
    app.show(Screen::Dashboard);
    Fixture { app, _dir: dir }
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// Snapshots the app at both sizes, in colour and without.
fn snap(name: &str, setup: impl Fn(&mut App)) {
    for color in [true, false] {
        let mut f = app(color);
        setup(&mut f.app);
        for (w, h) in SIZES {
            let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
            term.draw(|frame| f.app.draw(frame)).unwrap();
            let mode = if color { "color" } else { "nocolor" };
            insta::assert_debug_snapshot!(
                format!("{name}_{w}x{h}_{mode}"),
                term.backend().buffer()
            );
        }
    }
}

#[test]
fn dashboard() {
    snap("dashboard", |_| {});
}

#[test]
fn help() {
    snap("help", |a| typed(a, "?"));
}

#[test]
fn tokens_list_search_detail_and_form() {
    snap("tokens", |a| typed(a, "2"));
    snap("tokens_search", |a| {
        typed(a, "2/0004");
    });
    snap("tokens_sorted_by_status", |a| typed(a, "2ss"));
    snap("token_detail", |a| {
        typed(a, "2");
        key(a, KeyCode::Down);
        key(a, KeyCode::Enter);
    });
    snap("token_form_activate", |a| {
        typed(a, "2");
        key(a, KeyCode::End);
        key(a, KeyCode::Enter);
        typed(a, "a123");
    });
    snap("token_answer_disable", |a| {
        typed(a, "2");
        key(a, KeyCode::Enter);
        typed(a, "d");
        key(a, KeyCode::Enter);
    });
}

#[test]
fn burn_wizard() {
    snap("wizard_reader", |a| typed(a, "3"));
    snap("wizard_serial", |a| {
        typed(a, "3");
        key(a, KeyCode::Enter);
        key(a, KeyCode::Enter);
        key(a, KeyCode::Enter); // generate
        typed(a, "YK-1");
    });
}

fn line(kind: LineKind, ok: bool, dir: Direction) -> KioskLine {
    KioskLine {
        kind,
        id: Some(7),
        status: Some(if ok {
            EventStatus::Ok
        } else {
            EventStatus::Refused
        }),
        direction: Some(dir),
        holder: Some("badge-0001".into()),
        label: Some("Alice".into()),
        reason: None,
        at: Some(NOW),
        time: None,
        location: "Lobby".into(),
        reader: None,
        credential: Some("tag:0A00B1C2D3".into()),
        clock: Some("2026-11-30 10:13:20 UTC".into()),
        problem: None,
        offline: false,
        outbox_seq: None,
    }
}

#[test]
fn kiosk() {
    snap("kiosk_start", |a| {
        typed(a, "4");
        key(a, KeyCode::Right); // Lab -> Lobby
    });
    snap("kiosk_check_in", |a| {
        typed(a, "4");
        key(a, KeyCode::Right);
        key(a, KeyCode::Enter);
        a.update(Msg::Kiosk(line(LineKind::Event, true, Direction::In)));
        typed(a, "123");
    });
    snap("kiosk_refused", |a| {
        typed(a, "4");
        key(a, KeyCode::Right);
        key(a, KeyCode::Enter);
        a.update(Msg::Kiosk(line(LineKind::Event, true, Direction::In)));
        a.update(Msg::Kiosk(line(LineKind::Event, false, Direction::Out)));
    });
    snap("kiosk_leave", |a| {
        typed(a, "4");
        key(a, KeyCode::Right);
        key(a, KeyCode::Enter);
        key(a, KeyCode::Esc);
        typed(a, "secret");
    });
}

#[test]
fn drift_hardware_presence_audit() {
    snap("drift", |a| typed(a, "5"));
    snap("hardware", |a| {
        typed(a, "6");
        a.update(Msg::Hardware(WatchMsg::Problem(
            "pcsc: no reader service".into(),
        )));
    });
    snap("presence", |a| typed(a, "7"));
    snap("audit", |a| typed(a, "8"));
    snap("audit_filtered_and_chain", |a| {
        typed(a, "8/DEMO-0004");
        key(a, KeyCode::Enter);
        typed(a, "v");
    });
}

#[test]
fn a_job_question_over_a_screen() {
    snap("prompt_code", |a| {
        typed(a, "5");
        let (reply, answers) = mpsc::channel();
        std::mem::forget(answers);
        let ask = Ask::Code {
            serial: "DEMO-0005".into(),
            digits: 6,
        };
        a.update(Msg::Ask(ask, reply));
        typed(a, "1234");
    });
    snap("prompt_secret", |a| {
        typed(a, "3");
        let (reply, answers) = mpsc::channel();
        std::mem::forget(answers);
        let ask = Ask::FilePassword {
            file: "seeds.pskc".into(),
        };
        a.update(Msg::Ask(ask, reply));
        typed(a, "hunter2");
    });
}

#[test]
fn kiosk_screen_keeps_q_and_tab_as_code_characters() {
    let mut f = app(true);
    let a = &mut f.app;
    typed(a, "4");
    key(a, KeyCode::Right);
    key(a, KeyCode::Enter);
    typed(a, "q1");
    key(a, KeyCode::Tab);
    assert!(!a.quit, "q does not quit the kiosk");
    assert_eq!(a.screen, Screen::Kiosk);
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(!a.quit, "nor does Ctrl-C");
}
