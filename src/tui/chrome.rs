//! What every screen has around it: the tab line with the screen titles, the key bar
//! at the bottom (screen keys, then the shared ones, then the station's last answer),
//! and the `?` help that lists every key.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::app::{Screen, Shared};

/// The keys every screen but the running kiosk shares.
pub const GLOBAL_KEYS: [(&str, &str); 5] = [
    ("1-9", "go to a screen"),
    ("Tab", "next screen (Shift-Tab: previous)"),
    ("?", "this help"),
    ("q", "quit (not from the kiosk)"),
    ("Ctrl-C", "quit (not from the kiosk)"),
];

/// The tab line: every screen with its digit, the current one highlighted.
pub fn tabs(f: &mut Frame<'_>, area: Rect, current: Screen, sh: &Shared) {
    let t = sh.theme;
    let mut spans = vec![Span::styled(" tokenstation ", t.title())];
    for (i, s) in Screen::ALL.iter().enumerate() {
        let style = if *s == current { t.selected() } else { t.dim() };
        spans.push(Span::styled(format!(" {} {} ", i + 1, s.title()), style));
    }
    f.render_widget(Line::from(spans), area);
}

/// The key bar: the screen's keys, `?` and `q`, or the station's last answer.
pub fn key_bar(f: &mut Frame<'_>, area: Rect, keys: &[(&str, &str)], sh: &Shared) {
    let t = sh.theme;
    if let Some((text, good)) = &sh.status {
        let style = if *good { t.good() } else { t.bad() };
        let line = Line::from(vec![
            Span::styled(text.clone(), style),
            Span::styled("  ? keys", t.dim()),
        ]);
        f.render_widget(line, area);
        return;
    }
    let mut spans = Vec::new();
    for (k, what) in keys.iter().chain([("?", "help"), ("q", "quit")].iter()) {
        spans.push(Span::styled(format!(" {k} "), t.key()));
        spans.push(Span::raw(format!(" {} ", short(what))));
    }
    f.render_widget(Line::from(spans), area);
}

/// The first word of a key's description, for the bar.
fn short(what: &str) -> &str {
    what.split_whitespace().next().unwrap_or(what)
}

/// The help over the screen: the screen's keys, then the shared ones.
pub fn help(f: &mut Frame<'_>, area: Rect, screen: Screen, keys: &[(&str, &str)], sh: &Shared) {
    let t = sh.theme;
    let mut lines = vec![Line::styled(format!("{} keys", screen.title()), t.title())];
    for (k, what) in keys {
        lines.push(Line::from(vec![
            Span::styled(format!("{k:>9} "), t.good()),
            Span::raw(*what),
        ]));
    }
    lines.push(Line::styled("Every screen", t.title()));
    for (k, what) in GLOBAL_KEYS {
        lines.push(Line::from(vec![
            Span::styled(format!("{k:>9} "), t.good()),
            Span::raw(what),
        ]));
    }
    lines.push(Line::styled("any key closes this help", t.dim()));
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let box_area = centered(area, 60, h);
    f.render_widget(Clear, box_area);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" Help ")),
        box_area,
    );
}

/// A rectangle of at most `w`×`h` in the middle of `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [r] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    r
}
