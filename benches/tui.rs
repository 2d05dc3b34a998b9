//! The terminal UI over a 100,000-token store: one frame of the token list (the rows
//! on screen are built, the rest are not: a virtualised list), a key press to the next
//! frame (moving the selection; typing one character of an incremental search, which
//! filters all 100,000 rows), and reading the token view into the screen. Frames are
//! drawn on ratatui's TestBackend at 120×40 (the diff against the previous frame is
//! computed as on a terminal; writing the bytes to a terminal is not included).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokenstation::station::Station;
use tokenstation::tui::app::{App, Clock, Screen};
use tokenstation::tui::msg::Msg;
use tokenstation::tui::theme::Theme;

mod fixtures;

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn tui(c: &mut Criterion) {
    let db = fixtures::store(100_000);
    let st = Station::open(&db).unwrap();
    let (tx, _rx) = mpsc::channel();
    let mut app = App::new(st, Theme { color: true }, Clock::Fixed(1_764_000_000), tx);
    app.sh.probe = false;
    let start = Instant::now();
    app.show(Screen::Tokens);
    println!(
        "tui_tokens_load_100k: token view read into the screen in {:.2?} ({} rows)",
        start.elapsed(),
        app.tokens.shown_len()
    );
    assert_eq!(app.tokens.shown_len(), 100_000);
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut g = c.benchmark_group("tui");
    g.sample_size(30);
    g.bench_function("token_list_frame_100k", |b| {
        b.iter(|| {
            term.draw(|f| app.draw(f)).unwrap();
        });
    });
    g.bench_function("key_down_to_frame_100k", |b| {
        b.iter(|| {
            key(&mut app, KeyCode::Down);
            term.draw(|f| app.draw(f)).unwrap();
        });
    });
    key(&mut app, KeyCode::Char('/'));
    g.bench_function("search_key_to_frame_100k", |b| {
        // One character typed and erased: each filters all 100,000 rows and draws.
        b.iter(|| {
            key(&mut app, KeyCode::Char('9'));
            term.draw(|f| app.draw(f)).unwrap();
            key(&mut app, KeyCode::Backspace);
            term.draw(|f| app.draw(f)).unwrap();
        });
    });
    g.finish();
}

criterion_group!(benches, tui);
criterion_main!(benches);
