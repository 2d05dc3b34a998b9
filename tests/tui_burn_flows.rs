//! The burn wizard and the hardware screen driven through the app state with real
//! station jobs on the demo's emulated hardware (in process), without a terminal: a
//! card pulled mid-burn is shown at the step where it happened and the retry
//! registers the token; a wrong Nitrokey admin PIN is shown, costs a try, and the
//! retry with the right one registers the token; a batch of three ends with a summary;
//! the hardware screen enrols a badge card and lists what a burned token holds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokenstation::model::TokenStatus;
use tokenstation::station::presence::kiosk::now_ms;
use tokenstation::station::{Actor, KeySource, Station, default_key_file};
use tokenstation::tui::app::{App, Clock, Screen};
use tokenstation::tui::demo::{self, DemoHardware};
use tokenstation::tui::msg::Msg;
use tokenstation::tui::theme::Theme;

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    codes: Station,
    app: App,
    rx: mpsc::Receiver<Msg>,
}

/// The demo store, a second station on it to read results, the app on the in-process
/// demo hardware.
fn seeded() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    let source = KeySource::File(default_key_file(&db));
    let hw = DemoHardware::in_process();
    let st = demo::seed(&db, &source, Actor::current(), now_ms() / 1000, &hw).unwrap();
    let mut codes = Station::open(&db).unwrap();
    codes.unlock(&source).unwrap();
    let (tx, rx) = mpsc::channel();
    let mut app = App::new(st, Theme { color: false }, Clock::System, tx);
    app.sh.probe = false;
    app.sh.demo = Some(hw);
    Fixture {
        _dir: dir,
        codes,
        app,
        rx,
    }
}

impl Fixture {
    /// Feeds the job's messages to the app until one `done` says it ended; answers
    /// each question with the next of `answers`.
    fn pump(&mut self, done: fn(&Msg) -> bool, answers: &mut Vec<&str>) {
        loop {
            let m = self
                .rx
                .recv_timeout(Duration::from_secs(60))
                .expect("the job answers");
            let (is_ask, is_done) = (matches!(m, Msg::Ask(..)), done(&m));
            self.app.update(m);
            if is_ask {
                assert!(self.app.prompt.is_some(), "the question is shown");
                let a = answers.remove(0);
                typed(&mut self.app, a);
                key(&mut self.app, KeyCode::Enter);
            }
            if is_done {
                return;
            }
        }
    }

    /// The app drawn at 120×40, as the buffer's debug text.
    fn screen(&mut self) -> String {
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
        term.draw(|fr| self.app.draw(fr)).unwrap();
        format!("{:?}", term.backend().buffer())
    }

    fn status(&self) -> (String, bool) {
        self.app.sh.status.clone().expect("the station's answer")
    }

    fn token_status(&self, serial: &str) -> TokenStatus {
        self.codes.token(serial, None).unwrap().status
    }
}

fn burn_done(m: &Msg) -> bool {
    matches!(m, Msg::BurnDone(_))
}

/// Wizard: the `n`-th reader, the product the family selects (or the `product`-th),
/// a fresh seed, then `serial` typed.
fn to_serial(app: &mut App, reader: usize, product: Option<usize>) {
    typed(app, "3");
    for _ in 0..reader {
        key(app, KeyCode::Down);
    }
    key(app, KeyCode::Enter);
    if let Some(p) = product {
        for _ in 0..10 {
            key(app, KeyCode::Up);
        }
        for _ in 0..p {
            key(app, KeyCode::Down);
        }
    }
    key(app, KeyCode::Enter); // product
}

#[test]
fn a_card_pulled_mid_burn_is_shown_at_its_step_and_the_retry_registers_it() {
    let mut f = seeded();
    to_serial(&mut f.app, 0, None); // the YubiKey, recognised: its product selected
    typed(&mut f.app, "x"); // demo: the card leaves in the middle of the next burn
    key(&mut f.app, KeyCode::Enter); // generate
    typed(&mut f.app, "YK-0100");
    key(&mut f.app, KeyCode::Enter);
    f.pump(burn_done, &mut vec![]);
    let (text, good) = f.status();
    assert!(!good, "{text}");
    assert!(
        text.starts_with("burn failed at write: card removed"),
        "shown where it happened: {text}"
    );
    assert_eq!(f.token_status("YK-0100"), TokenStatus::Unverified);
    // Enter retries with the same choices; the card is back.
    key(&mut f.app, KeyCode::Enter);
    f.pump(burn_done, &mut vec![]);
    let (text, good) = f.status();
    assert!(good && text == "token YK-0100 registered active", "{text}");
    assert_eq!(f.token_status("YK-0100"), TokenStatus::Active);
}

#[test]
fn a_wrong_nitrokey_pin_is_shown_and_the_retry_with_the_right_one_registers() {
    let mut f = seeded();
    // the Nitrokey Pro is the fourth reader; its product is selected by its family
    to_serial(&mut f.app, 3, None);
    key(&mut f.app, KeyCode::Enter); // generate
    typed(&mut f.app, "NK-0001");
    key(&mut f.app, KeyCode::Enter);
    f.pump(burn_done, &mut vec!["00000000"]);
    let (text, good) = f.status();
    assert!(!good && text.contains("PIN"), "{text}");
    let tries = f.app.sh.demo.as_ref().unwrap().tokens[3].pin_tries();
    assert_eq!(tries, Some(2), "the wrong PIN cost a try");
    key(&mut f.app, KeyCode::Enter); // retry: asked again
    f.pump(burn_done, &mut vec!["12345678"]);
    let (text, good) = f.status();
    assert!(good && text == "token NK-0001 registered active", "{text}");
    assert_eq!(f.token_status("NK-0001"), TokenStatus::Active);
}

#[test]
fn a_batch_burns_three_fresh_tokens_and_sums_up() {
    let mut f = seeded();
    to_serial(&mut f.app, 0, None);
    key(&mut f.app, KeyCode::Down); // batch
    key(&mut f.app, KeyCode::Enter);
    typed(&mut f.app, "YKB-");
    key(&mut f.app, KeyCode::Tab);
    typed(&mut f.app, "3");
    key(&mut f.app, KeyCode::Enter);
    f.pump(|m| matches!(m, Msg::BatchDone(_)), &mut vec![]);
    let (text, good) = f.status();
    assert!(
        good && text == "batch: 3 burned, 0 failed, 0 skipped",
        "{text}"
    );
    for s in ["YKB-0001", "YKB-0002", "YKB-0003"] {
        assert_eq!(f.token_status(s), TokenStatus::Active, "{s}");
    }
}

#[test]
fn a_batch_goes_on_after_a_token_pulled_mid_burn_and_counts_it_failed() {
    let mut f = seeded();
    to_serial(&mut f.app, 0, None);
    typed(&mut f.app, "x"); // the first token of the batch leaves mid-burn
    key(&mut f.app, KeyCode::Down); // batch
    key(&mut f.app, KeyCode::Enter);
    typed(&mut f.app, "YKC-");
    key(&mut f.app, KeyCode::Tab);
    typed(&mut f.app, "2");
    key(&mut f.app, KeyCode::Enter);
    f.pump(|m| matches!(m, Msg::BatchDone(_)), &mut vec![]);
    let (text, good) = f.status();
    assert!(
        !good && text == "batch: 2 burned, 1 failed, 0 skipped",
        "{text}"
    );
    // the failed token's row is burned again by the next one (same number)
    assert_eq!(f.token_status("YKC-0001"), TokenStatus::Active);
    assert_eq!(f.token_status("YKC-0002"), TokenStatus::Active);
}

#[test]
fn seeds_from_a_file_and_from_the_store() {
    let mut f = seeded();
    // a file holding a base32 secret
    let file = f._dir.path().join("seed.txt");
    std::fs::write(&file, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n").unwrap();
    to_serial(&mut f.app, 0, None);
    for _ in 0..3 {
        key(&mut f.app, KeyCode::Down);
    }
    key(&mut f.app, KeyCode::Enter); // import a file
    typed(&mut f.app, "YK-0400");
    key(&mut f.app, KeyCode::Tab);
    typed(&mut f.app, &file.display().to_string());
    key(&mut f.app, KeyCode::Enter);
    f.pump(burn_done, &mut vec![]);
    let (text, good) = f.status();
    assert!(good && text == "token YK-0400 registered active", "{text}");
    // a missing file: refused before anything is burned, named
    key(&mut f.app, KeyCode::Char('n'));
    to_serial(&mut f.app, 0, None);
    for _ in 0..3 {
        key(&mut f.app, KeyCode::Down);
    }
    key(&mut f.app, KeyCode::Enter);
    typed(&mut f.app, "YK-0401");
    key(&mut f.app, KeyCode::Tab);
    typed(&mut f.app, "/nonexistent/seed.txt");
    key(&mut f.app, KeyCode::Enter);
    let (text, good) = f.status();
    assert!(!good && text.contains("/nonexistent/seed.txt"), "{text}");
    assert!(
        f.codes.token("YK-0401", None).is_err(),
        "nothing registered"
    );
    // a burn cut short leaves its sealed seed: "from the store" burns that one
    key(&mut f.app, KeyCode::Char('n'));
    to_serial(&mut f.app, 0, None);
    typed(&mut f.app, "x");
    key(&mut f.app, KeyCode::Enter);
    typed(&mut f.app, "YK-0402");
    key(&mut f.app, KeyCode::Enter);
    f.pump(burn_done, &mut vec![]);
    assert_eq!(f.token_status("YK-0402"), TokenStatus::Unverified);
    key(&mut f.app, KeyCode::Char('n'));
    to_serial(&mut f.app, 0, None);
    key(&mut f.app, KeyCode::Down);
    key(&mut f.app, KeyCode::Down);
    key(&mut f.app, KeyCode::Enter); // from the store
    typed(&mut f.app, "YK-0402");
    key(&mut f.app, KeyCode::Enter);
    f.pump(burn_done, &mut vec![]);
    let (text, good) = f.status();
    assert!(good && text == "token YK-0402 registered active", "{text}");
}

#[test]
fn hardware_screen_enrols_a_badge_and_lists_a_burned_token() {
    let mut f = seeded();
    typed(&mut f.app, "6");
    // rows: heading, four tokens, Dave's badge
    for _ in 0..5 {
        key(&mut f.app, KeyCode::Down);
    }
    typed(&mut f.app, "e");
    typed(&mut f.app, "badge-0003");
    key(&mut f.app, KeyCode::Enter);
    let (text, good) = f.status();
    assert!(
        good && text == "holder badge-0003: enrolled card 04D00D42",
        "{text}"
    );
    // b on the YubiKey opens the wizard on it
    for _ in 0..4 {
        key(&mut f.app, KeyCode::Up);
    }
    typed(&mut f.app, "b");
    assert_eq!(f.app.screen, Screen::Wizard);
    key(&mut f.app, KeyCode::Enter); // product
    key(&mut f.app, KeyCode::Enter); // generate
    typed(&mut f.app, "YK-0200");
    key(&mut f.app, KeyCode::Enter);
    f.pump(burn_done, &mut vec![]);
    assert_eq!(f.token_status("YK-0200"), TokenStatus::Active);
    // l lists what it holds: the credential, registered to YK-0200
    typed(&mut f.app, "6"); // the YubiKey's row is still selected
    typed(&mut f.app, "l");
    f.pump(|m| matches!(m, Msg::DeviceList(_)), &mut vec![]);
    let screen = f.screen();
    assert!(screen.contains("→ YK-0200"), "{screen}");
}

#[test]
fn hardware_lists_what_a_deployed_molto2_holds_and_sends_b_to_the_drift_screen() {
    let mut f = seeded();
    typed(&mut f.app, "6");
    // rows: heading, four tokens, Dave's badge, then the deployed Molto2s
    for _ in 0..6 {
        key(&mut f.app, KeyCode::Down);
    }
    typed(&mut f.app, "b");
    let (text, good) = f.status();
    assert!(
        !good && text.contains("deployed with DEMO-0004") && text.contains("Drift screen"),
        "{text}"
    );
    assert_eq!(f.app.screen, Screen::Hardware);
    // l lists its profiles: profile 0 titled DEMO-0004, the store token it belongs to
    typed(&mut f.app, "l");
    f.pump(|m| matches!(m, Msg::DeviceList(_)), &mut vec![]);
    let screen = f.screen();
    assert!(screen.contains("→ DEMO-0004"), "{screen}");
}

#[test]
fn a_molto2_burned_without_a_slot_takes_its_first_free_profile() {
    let mut f = seeded();
    for (serial, profile) in [("M2-0101", 0), ("M2-0102", 1)] {
        typed(&mut f.app, "n"); // a new burn (nothing to start over the first time)
        // the Molto2 (third reader): not recognisable, products by name, Molto2 first
        to_serial(&mut f.app, 2, Some(0));
        key(&mut f.app, KeyCode::Enter); // generate
        typed(&mut f.app, serial);
        key(&mut f.app, KeyCode::Enter); // no slot typed
        loop {
            let m =
                f.rx.recv_timeout(Duration::from_secs(60))
                    .expect("the burn answers");
            let (is_ask, done) = (matches!(m, Msg::Ask(..)), burn_done(&m));
            f.app.update(m);
            if is_ask {
                // the typed proof: what the emulated display shows now
                let shown = f.app.sh.demo.as_ref().unwrap().tokens[2].display().unwrap();
                typed(&mut f.app, &shown);
                key(&mut f.app, KeyCode::Enter);
            }
            if done {
                break;
            }
        }
        let (text, good) = f.status();
        assert!(
            good && text == format!("token {serial} registered active"),
            "{text}"
        );
        let screen = f.screen();
        assert!(
            screen.contains(&format!("slot {profile}, typed proof")),
            "{screen}"
        );
    }
}
