//! Snapshots of the burn wizard's and the hardware screen's states on ratatui's
//! TestBackend, at 80×24 and 120×40, in colour and with NO_COLOR: each choice step,
//! the batch fields, a burn that ended registered, a card pulled mid-burn (failed at
//! its step, with the retry), a wrong Nitrokey PIN, a batch with its gauge and
//! summary, the PIN question, and the hardware list, its enrol form and a device list.
//! Burns are real station jobs on the demo's in-process emulated tokens; the demo
//! store is seeded at a fixed instant with a key file and a fixed actor, the screen
//! clock is fixed, the machine's hardware is not read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokenstation::station::burn_job::BurnEvent;
use tokenstation::station::{Actor, KeySource, default_key_file};
use tokenstation::tui::app::{App, Clock};
use tokenstation::tui::demo::{self, DemoHardware};
use tokenstation::tui::msg::Msg;
use tokenstation::tui::theme::Theme;

/// 2026-11-30 10:13:20 UTC.
const NOW: i64 = 1_796_033_600;
const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

struct Fixture {
    app: App,
    rx: mpsc::Receiver<Msg>,
    _dir: tempfile::TempDir,
}

fn app(color: bool) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    let actor = Actor::ApiKey {
        key_id: "snap".into(),
        role: "admin".into(),
    };
    let source = KeySource::File(default_key_file(&db));
    let hw = DemoHardware::in_process();
    let st = demo::seed(&db, &source, actor, NOW, &hw).unwrap();
    let (tx, rx) = mpsc::channel();
    let mut app = App::new(st, Theme { color }, Clock::Fixed(NOW), tx);
    app.sh.probe = false;
    app.sh.demo = Some(hw);
    Fixture { app, rx, _dir: dir }
}

fn key(f: &mut Fixture, code: KeyCode) {
    f.app
        .update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(f: &mut Fixture, text: &str) {
    for c in text.chars() {
        key(f, KeyCode::Char(c));
    }
}

/// Feeds job messages until `done` says the job ended (or, with `stop_at_ask`, until
/// a question is shown); answers questions with `answers` in turn.
fn pump(f: &mut Fixture, done: fn(&Msg) -> bool, answers: &[&str], stop_at_ask: bool) {
    let mut answers = answers.iter();
    loop {
        let m = f.rx.recv_timeout(Duration::from_secs(60)).expect("job");
        let (ask, end) = (matches!(m, Msg::Ask(..)), done(&m));
        f.app.update(m);
        if ask {
            if stop_at_ask {
                return;
            }
            typed(f, answers.next().expect("an answer"));
            key(f, KeyCode::Enter);
        }
        if end {
            return;
        }
    }
}

fn burned(m: &Msg) -> bool {
    matches!(m, Msg::BurnDone(_))
}

/// Snapshots the app at both sizes, in colour and without.
fn snap(name: &str, setup: impl Fn(&mut Fixture)) {
    for color in [true, false] {
        let mut f = app(color);
        setup(&mut f);
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

/// Wizard on reader `n`, its product chosen, at the seed step.
fn to_seed(f: &mut Fixture, n: usize) {
    typed(f, "3");
    for _ in 0..n {
        key(f, KeyCode::Down);
    }
    key(f, KeyCode::Enter);
    key(f, KeyCode::Enter);
}

#[test]
fn wizard_steps() {
    snap("hw_wizard_product", |f| {
        typed(f, "3");
        key(f, KeyCode::Down);
        key(f, KeyCode::Down);
        key(f, KeyCode::Down);
        key(f, KeyCode::Enter); // the Nitrokey Pro: its product selected
    });
    snap("hw_wizard_seed", |f| to_seed(f, 0));
    snap("hw_wizard_batch_fields", |f| {
        to_seed(f, 0);
        key(f, KeyCode::Down);
        key(f, KeyCode::Enter);
        typed(f, "YKB-");
        key(f, KeyCode::Tab);
        typed(f, "3");
    });
    snap("hw_wizard_file_fields", |f| {
        to_seed(f, 0);
        for _ in 0..3 {
            key(f, KeyCode::Down);
        }
        key(f, KeyCode::Enter);
        typed(f, "YK-9");
        key(f, KeyCode::Tab);
        typed(f, "/tmp/seed.txt");
    });
}

#[test]
fn wizard_burns() {
    snap("hw_wizard_registered", |f| {
        to_seed(f, 0);
        key(f, KeyCode::Enter);
        typed(f, "YK-1");
        key(f, KeyCode::Enter);
        pump(f, burned, &[], false);
    });
    snap("hw_wizard_burning", |f| {
        to_seed(f, 0);
        key(f, KeyCode::Enter);
        typed(f, "YK-1");
        key(f, KeyCode::Enter); // the job runs; nothing of it shown yet
    });
    snap("hw_wizard_batch_running", |f| {
        to_seed(f, 0);
        key(f, KeyCode::Down);
        key(f, KeyCode::Enter);
        typed(f, "YKB-");
        key(f, KeyCode::Tab);
        typed(f, "3");
        key(f, KeyCode::Enter);
        pump(
            f,
            |m| matches!(m, Msg::Burn(BurnEvent::Burned { .. })),
            &[],
            false,
        );
    });
    snap("hw_wizard_card_pulled", |f| {
        to_seed(f, 0);
        typed(f, "x");
        key(f, KeyCode::Enter);
        typed(f, "YK-1");
        key(f, KeyCode::Enter);
        pump(f, burned, &[], false);
    });
    snap("hw_wizard_pin_question", |f| {
        to_seed(f, 3);
        key(f, KeyCode::Enter);
        typed(f, "NK-1");
        key(f, KeyCode::Enter);
        pump(f, burned, &[], true);
        typed(f, "0000");
    });
    snap("hw_wizard_wrong_pin", |f| {
        to_seed(f, 3);
        key(f, KeyCode::Enter);
        typed(f, "NK-1");
        key(f, KeyCode::Enter);
        pump(f, burned, &["00000000"], false);
    });
    snap("hw_wizard_batch_summary", |f| {
        to_seed(f, 0);
        key(f, KeyCode::Down);
        key(f, KeyCode::Enter);
        typed(f, "YKB-");
        key(f, KeyCode::Tab);
        typed(f, "3");
        key(f, KeyCode::Enter);
        pump(f, |m| matches!(m, Msg::BatchDone(_)), &[], false);
    });
}

#[test]
fn hardware_screen() {
    snap("hw_hardware_list", |f| {
        typed(f, "6");
        key(f, KeyCode::Down);
    });
    snap("hw_hardware_enrol", |f| {
        typed(f, "6");
        for _ in 0..5 {
            key(f, KeyCode::Down);
        }
        typed(f, "ebadge-0003");
    });
    snap("hw_hardware_enrolled", |f| {
        typed(f, "6");
        for _ in 0..5 {
            key(f, KeyCode::Down);
        }
        typed(f, "ebadge-0003");
        key(f, KeyCode::Enter);
    });
    snap("hw_hardware_device_list", |f| {
        to_seed(f, 0);
        key(f, KeyCode::Enter);
        typed(f, "YK-1");
        key(f, KeyCode::Enter);
        pump(f, burned, &[], false);
        typed(f, "6");
        key(f, KeyCode::Down);
        typed(f, "l");
        pump(f, |m| matches!(m, Msg::DeviceList(_)), &[], false);
    });
}
