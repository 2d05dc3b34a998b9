//! TUI flows through the app state and real station jobs, without a terminal: the
//! drift screen's fix of the most urgent demo token runs the station's fix job, whose
//! two questions (the code now, the next code) are answered in the TUI's prompt, and
//! ends with the token's drift learned again from zero.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokenstation::station::presence::kiosk::now_ms;
use tokenstation::station::{Actor, KeySource, Station, default_key_file};
use tokenstation::tui::app::{App, Clock, Screen};
use tokenstation::tui::demo;
use tokenstation::tui::msg::Msg;
use tokenstation::tui::theme::Theme;

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// The demo store seeded now (key file), a second station on it to compute codes and
/// read results, the app on it, and the app's channel.
fn seeded(screen: Screen) -> (tempfile::TempDir, Station, App, mpsc::Receiver<Msg>, i64) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    let source = KeySource::File(default_key_file(&db));
    let now = now_ms() / 1000;
    let st = demo::seed(&db, &source, Actor::current(), now, None).unwrap();
    let mut codes = Station::open(&db).unwrap();
    codes.unlock(&source).unwrap();
    let (tx, rx) = mpsc::channel();
    let mut app = App::new(st, Theme { color: false }, Clock::System, tx);
    app.sh.probe = false;
    app.show(screen);
    (dir, codes, app, rx, now)
}

#[test]
fn drift_fix_resyncs_the_most_urgent_token_with_two_typed_codes() {
    let (_dir, codes, mut app, rx, _) = seeded(Screen::Drift);
    let before = codes.token("DEMO-0005", None).unwrap().drift_steps;
    assert!(before >= 15, "the demo token drifts: {before}");
    key(&mut app, KeyCode::Char('f')); // the first row: DEMO-0005, most urgent
    // The form asks for the reader; none (empty): the station resyncs with two codes.
    key(&mut app, KeyCode::Enter);
    let mut asked = 0;
    let done = loop {
        let m = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the fix job answers");
        let is_ask = matches!(m, Msg::Ask(..));
        let is_done = matches!(m, Msg::FixDone(_));
        app.update(m);
        if is_ask {
            // The token runs 20 steps ahead: what it shows now, then its next code.
            let t = now_ms() / 1000 + 20 * 30 + asked * 30;
            let code = codes.token_code("DEMO-0005", None, t).unwrap().code;
            assert!(app.prompt.is_some(), "the question is shown");
            for c in code.chars() {
                key(&mut app, KeyCode::Char(c));
            }
            key(&mut app, KeyCode::Enter);
            assert!(app.prompt.is_none());
            asked += 1;
        }
        if is_done {
            break app.sh.status.clone();
        }
    };
    assert_eq!(asked, 2, "a resync asks for two codes");
    let (text, good) = done.expect("the station's answer is shown");
    assert!(good && text.starts_with("fixed DEMO-0005"), "{text}");
    let after = codes.token("DEMO-0005", None).unwrap();
    assert_eq!(
        after.drift_steps, after.drift_base_steps,
        "learning starts again from the fix"
    );
    assert!(
        after.drift_base_steps >= 19,
        "the resync found the clock: {}",
        after.drift_base_steps
    );
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

#[test]
fn token_detail_actions_answer_with_the_station() {
    let (_dir, codes, mut app, _rx, now) = seeded(Screen::Tokens);
    typed(&mut app, "/0012"); // DEMO-0012: unverified, no drift
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter); // the detail
    // A wrong activation code: the station refuses, the token stays unverified.
    typed(&mut app, "a000000");
    key(&mut app, KeyCode::Enter);
    let (text, good) = app.sh.status.clone().unwrap();
    assert!(!good && text.starts_with("DEMO-0012: "), "{text}");
    // Resync with two consecutive codes of the token: accepted.
    let c1 = codes.token_code("DEMO-0012", None, now).unwrap().code;
    let c2 = codes.token_code("DEMO-0012", None, now + 30).unwrap().code;
    typed(&mut app, &format!("y{c1}"));
    key(&mut app, KeyCode::Tab); // the resync form's second field
    typed(&mut app, &c2);
    key(&mut app, KeyCode::Enter);
    let (text, good) = app.sh.status.clone().unwrap();
    assert!(good, "{text}");
    // Backup codes: made by the station, stored hashed, shown in the detail once.
    typed(&mut app, "b");
    key(&mut app, KeyCode::Enter);
    let (text, good) = app.sh.status.clone().unwrap();
    assert!(good && text.contains("new backup codes"), "{text}");
    let detail = codes.token_detail("DEMO-0012", None).unwrap();
    assert!(detail.backup_codes_left > 0);
    // Retire: the list shows the new status.
    typed(&mut app, "r");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        codes.token("DEMO-0012", None).unwrap().status.as_str(),
        "retired"
    );
    let (text, _) = app.sh.status.clone().unwrap();
    assert_eq!(text, "DEMO-0012 is now retired");
}
