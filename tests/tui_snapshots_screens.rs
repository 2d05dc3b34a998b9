//! Snapshots of the screens and dialogs of issue 15's second part on ratatui's
//! TestBackend, at 80×24 and 120×40, in colour and with NO_COLOR, as
//! tests/tui_snapshots.rs does: the products list and its search, a product's
//! tokens, the token QR code's confirmation and the code drawn, the drift fix forms
//! (one token, a tray) and a tray's progress, the presence report's period form and
//! the report it reads, and a presence-token code's form (masked) and answer. The
//! store is the demo's, seeded at a fixed instant; the clock is fixed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokenstation::model::Family;
use tokenstation::otp::Secret;
use tokenstation::station::drift::fix::{FixOutcome, FixResult};
use tokenstation::station::drift::fix_job::FixEvent;
use tokenstation::station::error::{ErrorClass, ErrorReport};
use tokenstation::station::seed_input::SeedInput;
use tokenstation::station::views::{AuditFilter, FixMethod};
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
    let mut st = demo::seed(
        &db,
        &KeySource::File(default_key_file(&db)),
        actor,
        NOW,
        &hw,
    )
    .unwrap();
    // A presence token at the Lobby (the demo has none) for the submissions.
    st.location_add_presence_token("Lobby", "DEMO-0012", None, NOW)
        .unwrap();
    let (tx, rx) = mpsc::channel();
    std::mem::forget(rx); // job forwarders may send; nobody reads in a snapshot
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
fn products_list_search_and_tokens_of_a_product() {
    snap("products", |a| typed(a, "9"));
    snap("products_search", |a| typed(a, "9/ykoath"));
    snap("products_tokens_of_product", |a| {
        typed(a, "2p"); // from the tokens list, p opens the products
        key(a, KeyCode::Down); // YubiKey OATH (no tokens) → Demo TOTP is first
        key(a, KeyCode::Up);
        key(a, KeyCode::Enter);
    });
}

/// A token with a known seed (the demo's are random), its detail open.
fn known_token(a: &mut App) {
    let seed = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
    let st = a.sh.st.as_mut().unwrap();
    st.token_add("QR-0001", "Demo TOTP", SeedInput::Secret(seed), NOW)
        .unwrap();
    typed(a, "2/qr-0001");
    key(a, KeyCode::Enter);
    key(a, KeyCode::Enter);
}

#[test]
fn token_qr_code_asks_first_then_draws_it() {
    snap("token_qr_confirm", |a| {
        known_token(a);
        typed(a, "c");
    });
    snap("token_qr_shown", |a| {
        known_token(a);
        typed(a, "c");
        key(a, KeyCode::Enter);
    });
    // Any key hides it; the export is in the audit log.
    let mut f = app(false);
    known_token(&mut f.app);
    typed(&mut f.app, "c");
    key(&mut f.app, KeyCode::Enter);
    assert!(f.app.tokens.qr().is_some());
    typed(&mut f.app, "q");
    assert!(
        f.app.tokens.qr().is_none() && !f.app.quit,
        "q hides the code, not quit"
    );
    let audit = f
        .app
        .sh
        .st
        .as_ref()
        .unwrap()
        .audit(&AuditFilter {
            subject: Some("QR-0001".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert!(
        audit.iter().any(|l| l.action.contains("export")),
        "{audit:?}"
    );
}

#[test]
fn token_forms_ask_what_each_action_needs() {
    snap("token_form_resync", |a| {
        typed(a, "2");
        key(a, KeyCode::Enter);
        typed(a, "y123456");
        key(a, KeyCode::Tab);
        typed(a, "65");
    });
    snap("token_form_assign", |a| {
        typed(a, "2");
        key(a, KeyCode::End);
        key(a, KeyCode::Enter);
        typed(a, "h");
        key(a, KeyCode::Down); // the station's holders, chosen with ↑↓
    });
    snap("token_form_retire", |a| {
        typed(a, "2");
        key(a, KeyCode::Enter);
        typed(a, "r");
    });
}

#[test]
fn a_qr_code_too_large_for_the_terminal_says_the_size_it_needs() {
    let mut f = app(false);
    known_token(&mut f.app);
    typed(&mut f.app, "c");
    key(&mut f.app, KeyCode::Enter);
    let mut term = Terminal::new(TestBackend::new(40, 16)).unwrap();
    term.draw(|frame| f.app.draw(frame)).unwrap();
    let text: String = term
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        text.contains("too small for the QR") && text.contains("43×23") && !text.contains('▀'),
        "{text}"
    );
}

fn outcome(serial: &str, method: FixMethod) -> FixResult {
    FixResult::Fixed(FixOutcome {
        serials: vec![serial.into()],
        family: Family::Token2Nfc,
        method,
        host: None,
        clock_before: Some(NOW - 95),
        offset_before_s: Some(-95),
        clock_written: Some(NOW),
        offset_after_s: Some(0),
        reseeded: true,
        proof: None,
        drift_before_steps: vec![-3],
    })
}

#[test]
fn drift_fix_forms_and_a_trays_progress() {
    snap("drift_fix_form", |a| typed(a, "5f"));
    snap("drift_tray_form", |a| typed(a, "5b"));
    snap("drift_tray_progress", |a| {
        typed(a, "5b");
        typed(a, "pcsc:Demo PCD 00 00");
        for _ in 0..3 {
            key(a, KeyCode::Tab);
        }
        typed(a, "3");
        key(a, KeyCode::Enter); // the tray starts (the job's own messages are not read)
        let reader = "Demo PCD 00 00".to_string();
        a.update(Msg::Fix(FixEvent::Present {
            n: 1,
            reader: reader.clone(),
        }));
        a.update(Msg::Fix(FixEvent::Done {
            n: 1,
            result: outcome("C302-0001", FixMethod::Clock),
        }));
        a.update(Msg::Fix(FixEvent::Remove {
            reader: reader.clone(),
        }));
        a.update(Msg::Fix(FixEvent::Present { n: 2, reader }));
        a.update(Msg::Fix(FixEvent::Failed {
            n: 2,
            error: ErrorReport {
                message: "the token was taken away during the clock write".into(),
                hint: None,
                class: ErrorClass::Hardware,
            },
        }));
    });
}

/// A six-digit code the demo's presence token (seeded at random) gives at no step within
/// two days of `NOW` (the search looks one day either side), so the refusal is "matches no
/// presence token", never "matches another time" by chance (a fixed `000000` did once in
/// CI: the chance is a few in a thousand).
fn code_matching_nothing_within_a_day(a: &App, serial: &str) -> String {
    let st = a.sh.st.as_ref().unwrap();
    let near: std::collections::HashSet<String> = (-2 * 2880..=2 * 2880)
        .map(|i| st.token_code(serial, None, NOW + i * 30).unwrap().code)
        .collect();
    (0..)
        .map(|n| format!("{n:06}"))
        .find(|c| !near.contains(c))
        .unwrap()
}

#[test]
fn presence_period_report_and_token_codes() {
    snap("presence_period_form", |a| typed(a, "7p"));
    snap("presence_period_report", |a| {
        typed(a, "7p");
        key(a, KeyCode::Down); // Lab → Lobby
        key(a, KeyCode::Tab);
        for _ in 0..10 {
            key(a, KeyCode::Backspace);
        }
        typed(a, "2026-11-01");
        key(a, KeyCode::Enter);
    });
    snap("presence_submit_form", |a| {
        typed(a, "7s");
        key(a, KeyCode::Tab);
        typed(a, "123456");
    });
    snap("presence_submitted", |a| {
        let code =
            a.sh.st
                .as_ref()
                .unwrap()
                .token_code("DEMO-0012", None, NOW)
                .unwrap()
                .code;
        typed(a, "7");
        key(a, KeyCode::Right); // Lab → Lobby, the presence token's
        typed(a, "s");
        key(a, KeyCode::Tab);
        typed(a, &code);
        key(a, KeyCode::Tab);
        key(a, KeyCode::Tab);
        typed(a, "badge-0001");
        key(a, KeyCode::Tab);
        key(a, KeyCode::Down); // in
        key(a, KeyCode::Enter);
        typed(a, "s");
        key(a, KeyCode::Tab);
        typed(a, &code_matching_nothing_within_a_day(a, "DEMO-0012"));
        key(a, KeyCode::Enter); // refused
    });
}
