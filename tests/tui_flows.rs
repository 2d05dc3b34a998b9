//! TUI flows through the app state and real station jobs, without a terminal: the
//! drift screen's fix of the most urgent demo token writes the clock of the demo's
//! Molto2 that carries it (the station's fix job through the real driver, in process)
//! and ends with the token's drift learned again from zero and its device's code
//! verifying; a generic token's fix asks for two codes in the TUI's prompt and
//! resynchronises it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokenstation::station::drift::report::DriftQuery;
use tokenstation::station::host_clock::{HostClock, SystemClock};
use tokenstation::station::presence::kiosk::now_ms;
use tokenstation::station::seed_input::SeedInput;
use tokenstation::station::{Actor, KeySource, Station, Status, default_key_file};
use tokenstation::tui::app::{App, Clock, Screen};
use tokenstation::tui::demo::{self, DemoHardware};
use tokenstation::tui::msg::Msg;
use tokenstation::tui::theme::Theme;

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// The demo store seeded now (key file) on the in-process demo hardware, a second
/// station on it to compute codes and read results, the app on it, and the app's
/// channel.
fn seeded(screen: Screen) -> (tempfile::TempDir, Station, App, mpsc::Receiver<Msg>, i64) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    let source = KeySource::File(default_key_file(&db));
    let now = now_ms() / 1000;
    let hw = DemoHardware::in_process();
    let st = demo::seed(&db, &source, Actor::current(), now, &hw).unwrap();
    let mut codes = Station::open(&db).unwrap();
    codes.unlock(&source).unwrap();
    let (tx, rx) = mpsc::channel();
    let mut app = App::new(st, Theme { color: false }, Clock::System, tx);
    app.sh.probe = false;
    app.sh.demo = Some(hw);
    app.show(screen);
    (dir, codes, app, rx, now)
}

/// The fix form's force field set to yes when this machine's clock is not
/// synchronised (the station refuses to write an unsynchronised time otherwise).
fn force_when_unsynced(app: &mut App) {
    if !SystemClock.sync().is_synchronised() {
        key(app, KeyCode::Tab);
        key(app, KeyCode::Down);
    }
}

/// Feeds the fix job's messages to the app until it ends, answering each question
/// with `answer(n)`; returns the key bar's answer and how many questions came.
fn run_fix(
    app: &mut App,
    rx: &mpsc::Receiver<Msg>,
    mut answer: impl FnMut(i64) -> String,
) -> ((String, bool), i64) {
    let mut asked = 0;
    loop {
        let m = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the fix job answers");
        let is_ask = matches!(m, Msg::Ask(..));
        let is_done = matches!(m, Msg::FixDone(_));
        app.update(m);
        if is_ask {
            assert!(app.prompt.is_some(), "the question is shown");
            for c in answer(asked).chars() {
                key(app, KeyCode::Char(c));
            }
            key(app, KeyCode::Enter);
            assert!(app.prompt.is_none());
            asked += 1;
        }
        if is_done {
            return (app.sh.status.clone().expect("the answer is shown"), asked);
        }
    }
}

#[test]
fn drift_fix_writes_the_clock_of_the_demo_molto2_that_carries_the_token() {
    let (_dir, mut codes, mut app, rx, _) = seeded(Screen::Drift);
    let before = codes.token("DEMO-0005", None).unwrap().drift_steps;
    assert!(before >= 15, "the demo token drifts: {before}");
    key(&mut app, KeyCode::Char('f')); // the first row: DEMO-0005, most urgent
    // The form offers the demo's Molto2 carrying it first: Enter writes its clock.
    force_when_unsynced(&mut app);
    key(&mut app, KeyCode::Enter);
    let ((text, good), asked) = run_fix(&mut app, &rx, |_| panic!("a clock write asks nothing"));
    assert_eq!(asked, 0);
    assert!(
        good && text.starts_with("fixed DEMO-0005: clock set (molto2), was +"),
        "{text}"
    );
    let after = codes.token("DEMO-0005", None).unwrap();
    assert_eq!((after.drift_steps, after.drift_base_steps), (0, 0));
    // The device now shows the code of host time: it verifies with no drift learned.
    let code = app_demo(&app)
        .holding("DEMO-0005")
        .unwrap()
        .display()
        .unwrap();
    let v = codes
        .verify("DEMO-0005", &code, Some("Lobby"), now_ms() / 1000, true)
        .unwrap();
    assert_eq!(v.status, Status::Ok, "{v:?}");
    assert!(v.offset.is_some_and(|o| o.abs() <= 1), "{v:?}");
}

fn app_demo(app: &App) -> &DemoHardware {
    app.sh.demo.as_ref().unwrap()
}

#[test]
fn drift_fix_resyncs_a_generic_token_with_two_typed_codes() {
    let (_dir, mut codes, mut app, rx, now) = seeded(Screen::Drift);
    // A generic token (no clock to write) 25 steps fast after a month.
    let t0 = now - 30 * 86_400;
    codes
        .token_add("FOB-1", "Demo TOTP", SeedInput::Generate, t0)
        .unwrap();
    let c = codes.token_code("FOB-1", None, t0).unwrap().code;
    codes.token_activate("FOB-1", None, &c, t0).unwrap();
    for day in 1..30i64 {
        let at = t0 + day * 86_400;
        let code = codes
            .token_code("FOB-1", None, at + (day * 25 / 29) * 30)
            .unwrap()
            .code;
        codes.verify("FOB-1", &code, None, at, true).unwrap();
    }
    key(&mut app, KeyCode::Char('r')); // read the report again
    let row = codes
        .drift_report(&DriftQuery::default(), now)
        .unwrap()
        .rows
        .iter()
        .position(|r| r.serial == "FOB-1")
        .expect("the fob drifts");
    for _ in 0..row {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Char('f'));
    // No reader (the first choice for a token no demo device carries): two codes.
    key(&mut app, KeyCode::Enter);
    let ((text, good), asked) = run_fix(&mut app, &rx, |n| {
        // what it shows now, then its next code
        let t = now_ms() / 1000 + 25 * 30 + n * 30;
        codes.token_code("FOB-1", None, t).unwrap().code
    });
    assert_eq!(asked, 2, "a resync asks for two codes");
    assert!(good && text.starts_with("fixed FOB-1"), "{text}");
    let after = codes.token("FOB-1", None).unwrap();
    assert_eq!(
        after.drift_steps, after.drift_base_steps,
        "learning starts again from the fix"
    );
    assert!(
        after.drift_base_steps >= 24,
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
