//! The drift screen's fixes through the real pcscd (issue 15: "fix one token or a tray
//! of them with progress"). One token: an emulated Molto2 behind vpcd is burned, its
//! clock wanders, the fix form is given the reader and the clock is written. A tray:
//! the same burn, then the TUI's tray
//! form is filled with keys (reader, family, no at-risk filter, one token, force when
//! this machine's clock is not synchronised), the station's batch job runs on its
//! worker thread and its events reach the app over the channel; the card is taken
//! away when the panel says so, and the tray ends with the token's clock written, its
//! outcome in the panel, the summary in the key bar and the fix in the audit log.
#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::pcsc::{insert_card, remove_card};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokenstation::devices::session::{self, ReaderSpec, TokenOptions};
use tokenstation::emulator::clock::{DeviceClock, now_ms};
use tokenstation::emulator::molto2::Molto2Card;
use tokenstation::emulator::vpcd::VPCD_PORT_1;
use tokenstation::model::{Family, Product};
use tokenstation::otp::OtpParams;
use tokenstation::station::drift::fix_job::FixEvent;
use tokenstation::station::host_clock::{HostClock, SystemClock};
use tokenstation::station::jobs::{Answer, AskWith};
use tokenstation::station::provision::{BurnOptions, BurnRequest, BurnSeed, Proof};
use tokenstation::station::seed_input::SeedInput;
use tokenstation::station::views::AuditFilter;
use tokenstation::station::{KeySource, Station, default_key_file};
use tokenstation::tui::app::{App, Clock, Screen};
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

fn screen(app: &mut App) -> String {
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    term.draw(|f| app.draw(f)).unwrap();
    let buf = term.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A station with a Molto2 product and the emulated Molto2 M2-TUI burned in vpcd slot
/// 1 behind the real pcscd, its clock `off_ms` away from host time after the burn.
struct Burned {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    st: Station,
    hook: tokenstation::emulator::molto2::Molto2Handle,
    field: tokenstation::emulator::vpcd::CardField,
    bridge: tokenstation::emulator::vpcd::VpcdBridge,
    reader: String,
}

fn burned(ctx: &tokenstation::transport::pcsc::PcscContext, off_ms: i64) -> Burned {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let mut st = Station::init(&db, &KeySource::File(default_key_file(&db)), 0).unwrap();
    st.product_add(
        &Product {
            id: 0,
            name: "Molto2".into(),
            vendor: Some("Token2".into()),
            model: None,
            family: Family::Molto2,
            params: OtpParams::default(),
            programmable: true,
            drift_per_year: None,
            skew: 1,
        },
        0,
    )
    .unwrap();
    // A Molto2 whose clock is 95 s slow; the burn writes it, then it wanders `off_ms`.
    let card = Molto2Card::new("M2TUI001", DeviceClock::with_offset(now_ms(), -95_000, 0.0));
    let hook = card.hook();
    let (field, _faults, bridge) = insert_card(ctx, VPCD_PORT_1, card);
    let reader = bridge.reader_name();
    {
        let mut s = session::open_token(
            &ReaderSpec::Pcsc(reader.clone()),
            &TokenOptions {
                family: Some(Family::Molto2),
                wait: Duration::from_secs(10),
                ..TokenOptions::default()
            },
        )
        .unwrap();
        let (tok, clk) = s.parts();
        let now = || SystemClock.now();
        let h = hook.clone();
        st.burn(
            tok,
            clk,
            BurnRequest {
                product: Some("Molto2".into()),
                serial: Some("M2-TUI".into()),
                seed: BurnSeed::New(SeedInput::Generate),
                options: BurnOptions {
                    slot: Some(0),
                    proof: Proof::Typed,
                    ..BurnOptions::default()
                },
                reader: reader.clone(),
                now: &now,
            },
            &mut AskWith(move |_| match h.display_code(0) {
                Some(c) => Answer::Text(zeroize::Zeroizing::new(c)),
                None => Answer::Unavailable,
            }),
        )
        .unwrap();
    }
    hook.set_clock(DeviceClock::with_offset(now_ms(), off_ms, 0.0));
    Burned {
        _dir: dir,
        db,
        st,
        hook,
        field,
        bridge,
        reader,
    }
}

#[test]
fn a_tray_of_one_molto2_has_its_clock_written_from_the_drift_screen() {
    let Some((_g, ctx)) = common::pcsc::stack("Virtual PCD 00 00") else {
        return;
    };
    let Burned {
        _dir,
        db,
        st,
        hook,
        field,
        bridge,
        reader,
    } = burned(&ctx, -95_000);
    let audit = Station::open(&db).unwrap();
    let (tx, rx) = mpsc::channel();
    let mut app = App::new(st, Theme { color: false }, Clock::System, tx);
    app.sh.probe = false;
    app.show(Screen::Drift);
    // The tray form: reader, family, at risk (cleared: every token), how many, force.
    typed(&mut app, "b");
    typed(&mut app, &format!("pcsc:{reader}"));
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "molto2");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "1");
    key(&mut app, KeyCode::Tab);
    if !SystemClock.sync().is_synchronised() {
        key(&mut app, KeyCode::Down); // force: yes
    }
    key(&mut app, KeyCode::Enter);
    assert!(
        screen(&mut app).contains("tray started"),
        "{}",
        screen(&mut app)
    );
    let (mut field, mut bridge) = (Some(field), Some(bridge));
    let mut events = Vec::new();
    loop {
        let m = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("the tray answers; events {events:?}"));
        let done = matches!(m, Msg::FixBatchDone(_));
        let remove = matches!(m, Msg::Fix(FixEvent::Remove { .. }));
        if let Msg::Fix(e) = &m {
            events.push(format!("{e:?}"));
        }
        app.update(m);
        if remove {
            // The panel says to take the token off: the operator does.
            assert!(screen(&mut app).contains("take the token off"));
            remove_card(&ctx, &field.take().unwrap(), bridge.take().unwrap());
        }
        if done {
            break;
        }
    }
    let shown = screen(&mut app);
    let (text, good) = app.sh.status.clone().unwrap();
    assert!(good, "{text}\n{shown}\n{events:?}");
    assert_eq!(text, "tray: 1 fixed, 0 skipped, 0 failed", "{shown}");
    assert!(
        shown.contains("[1] fixed M2-TUI: clock set (molto2)"),
        "{shown}"
    );
    assert!(
        shown.contains("Tray · 1 fixed · 0 skipped · 0 failed"),
        "{shown}"
    );
    assert!(shown.contains("1 of 1"), "the gauge: {shown}");
    let fixes = audit
        .audit(&AuditFilter {
            subject: Some("M2-TUI".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert!(
        fixes.iter().any(|l| l.action == "drift.fix.clock"),
        "{fixes:?}"
    );
    let off = hook.clock().offset_ms(now_ms());
    assert!(off.abs() < 2_000, "the clock was written: {off} ms off");
}

#[test]
fn one_molto2_has_its_clock_written_through_a_pcsc_reader_from_the_drift_screen() {
    let Some((_g, ctx)) = common::pcsc::stack("Virtual PCD 00 00") else {
        return;
    };
    let b = burned(&ctx, 130_000);
    let audit = Station::open(&b.db).unwrap();
    let (tx, rx) = mpsc::channel();
    let mut app = App::new(b.st, Theme { color: false }, Clock::System, tx);
    app.sh.probe = false;
    app.show(Screen::Drift);
    // f on the only row; the form: the reader typed, force when this clock is unsynced
    typed(&mut app, "f");
    assert!(
        screen(&mut app).contains("Fix M2-TUI"),
        "{}",
        screen(&mut app)
    );
    typed(&mut app, &format!("pcsc:{}", b.reader));
    if !SystemClock.sync().is_synchronised() {
        key(&mut app, KeyCode::Tab);
        key(&mut app, KeyCode::Down); // force: yes
    }
    key(&mut app, KeyCode::Enter);
    assert!(
        screen(&mut app).contains("fixing M2-TUI"),
        "{}",
        screen(&mut app)
    );
    loop {
        let m = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the fix answers");
        let done = matches!(m, Msg::FixDone(_));
        assert!(!matches!(m, Msg::Ask(..)), "a clock write asks nothing");
        app.update(m);
        if done {
            break;
        }
    }
    let shown = screen(&mut app);
    let (text, good) = app.sh.status.clone().unwrap();
    assert!(good, "{text}\n{shown}");
    assert!(
        text.starts_with("fixed M2-TUI: clock set (molto2), was +13"),
        "the clock read before the write, about 130 s fast: {text}"
    );
    let off = b.hook.clock().offset_ms(now_ms());
    assert!(off.abs() < 2_000, "the clock was written: {off} ms off");
    let fixes = audit
        .audit(&AuditFilter {
            subject: Some("M2-TUI".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    for action in ["drift.fix.read", "drift.fix.clock", "drift.fix"] {
        assert!(
            fixes.iter().any(|l| l.action == action),
            "{action}: {fixes:?}"
        );
    }
    remove_card(&ctx, &b.field, b.bridge);
}
