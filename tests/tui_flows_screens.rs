//! Flows of issue 15's second part through the app state, without a terminal: the
//! mouse (a click on a tab shows it, a click on a token row selects it and a second
//! opens the detail, the wheel moves the selection, nothing reaches a running kiosk),
//! the products screen leading to a product's tokens, and the forms' answers coming
//! from the station (a presence report period the station cannot read is said in
//! words; a tray without a reader is refused before any job starts).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use tokenstation::station::{Actor, KeySource, default_key_file};
use tokenstation::tui::app::{App, Clock, Screen};
use tokenstation::tui::demo::{self, DemoHardware};
use tokenstation::tui::msg::Msg;
use tokenstation::tui::theme::Theme;

/// 2026-11-30 10:13:20 UTC.
const NOW: i64 = 1_796_033_600;

fn app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    let st = demo::seed(
        &db,
        &KeySource::File(default_key_file(&db)),
        Actor::current(),
        NOW,
        &DemoHardware::in_process(),
    )
    .unwrap();
    let (tx, rx) = mpsc::channel();
    std::mem::forget(rx);
    let mut app = App::new(st, Theme { color: false }, Clock::Fixed(NOW), tx);
    app.sh.probe = false;
    (dir, app)
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn mouse(app: &mut App, kind: MouseEventKind, column: u16, row: u16) {
    app.update(Msg::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }));
}

fn click(app: &mut App, column: u16, row: u16) {
    mouse(app, MouseEventKind::Down(MouseButton::Left), column, row);
}

#[test]
fn the_mouse_shows_tabs_selects_rows_and_scrolls() {
    let (_dir, mut a) = app();
    click(&mut a, 30, 0); // " 2 Tokens "
    assert_eq!(a.screen, Screen::Tokens);
    click(&mut a, 10, 4 + 2); // the third row: DEMO-0003
    assert_eq!(a.tokens.selected_index(), 2);
    assert!(!a.tokens.detail_open());
    mouse(&mut a, MouseEventKind::ScrollDown, 10, 8);
    mouse(&mut a, MouseEventKind::ScrollDown, 10, 8);
    assert_eq!(a.tokens.selected_index(), 4);
    mouse(&mut a, MouseEventKind::ScrollUp, 10, 8);
    click(&mut a, 10, 4 + 3); // the selected row again: its detail
    assert!(a.tokens.detail_open());
    key(&mut a, KeyCode::Esc);
    click(&mut a, 115, 0); // past the last tab: nothing
    assert_eq!(a.screen, Screen::Tokens);
    // A running kiosk takes no click.
    typed(&mut a, "4");
    key(&mut a, KeyCode::Enter);
    assert!(a.kiosk.running());
    click(&mut a, 30, 0);
    assert_eq!(a.screen, Screen::Kiosk);
}

#[test]
fn a_product_leads_to_its_tokens_and_esc_to_all() {
    let (_dir, mut a) = app();
    typed(&mut a, "9");
    assert_eq!(a.screen, Screen::Products);
    // Demo TOTP, YubiKey OATH and the three other emulated families' products
    assert_eq!(a.products.shown_len(), 5);
    typed(&mut a, "/oath");
    assert_eq!(a.products.shown_len(), 1);
    key(&mut a, KeyCode::Enter); // keep the search
    key(&mut a, KeyCode::Enter); // YubiKey OATH's tokens: none yet
    assert_eq!(a.screen, Screen::Tokens);
    assert_eq!(a.tokens.shown_len(), 0);
    key(&mut a, KeyCode::Esc); // every product again
    assert_eq!(a.tokens.shown_len(), 12);
    typed(&mut a, "p");
    assert_eq!(a.screen, Screen::Products);
}

#[test]
fn forms_say_what_is_wrong_in_words() {
    let (_dir, mut a) = app();
    // A period the station cannot read.
    typed(&mut a, "7p");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "x");
    key(&mut a, KeyCode::Enter);
    let (text, good) = a.sh.status.clone().unwrap();
    assert!(!good && text.contains("invalid time"), "{text}");
    // A tray without a reader: refused before any job starts.
    typed(&mut a, "5b");
    key(&mut a, KeyCode::Enter);
    let (text, good) = a.sh.status.clone().unwrap();
    assert!(!good && text.contains("a tray needs a reader"), "{text}");
    // A presence-token code at a location without a presence token: the station says so.
    typed(&mut a, "7s");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "123456");
    key(&mut a, KeyCode::Enter);
    let (text, good) = a.sh.status.clone().unwrap();
    assert!(!good && text.contains("no presence token"), "{text}");
}
