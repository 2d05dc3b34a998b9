//! Presence: who is in at each location now, and the selected location's report over
//! the last seven days (the station's presence views).

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table};

use crate::station::presence::report::InNow;
use crate::station::views::{PeriodEdge, PresenceReport};
use crate::tui::app::Shared;
use crate::tui::words;

/// The report covers this many days back.
const DAYS: i64 = 7;

/// The presence screen.
#[derive(Default)]
pub struct PresenceScreen {
    locations: Vec<String>,
    sel: usize,
    in_now: Vec<InNow>,
    report: Option<PresenceReport>,
    error: Option<String>,
}

impl PresenceScreen {
    /// Reads the views afresh.
    pub fn refresh(&mut self, sh: &mut Shared) {
        let now = sh.now();
        let Some(st) = sh.st.as_ref() else { return };
        self.locations = st
            .location_rows()
            .map(|r| r.into_iter().map(|l| l.location.name).collect())
            .unwrap_or_default();
        self.sel = self.sel.min(self.locations.len().saturating_sub(1));
        self.in_now = st.presence_now(None).unwrap_or_default();
        self.report = None;
        if let Some(loc) = self.locations.get(self.sel) {
            match st.presence_report_over(
                loc,
                PeriodEdge::At(now - DAYS * 86_400),
                PeriodEdge::At(now + 1),
            ) {
                Ok(r) => self.report = Some(r),
                Err(e) => self.error = Some(words::error(&e)),
            }
        }
    }

    /// The keys of this screen.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        vec![("←→", "location of the report")]
    }

    /// Takes a key.
    pub fn key(&mut self, k: KeyEvent, sh: &mut Shared) {
        match k.code {
            KeyCode::Right => self.sel = (self.sel + 1).min(self.locations.len().saturating_sub(1)),
            KeyCode::Left => self.sel = self.sel.saturating_sub(1),
            _ => return,
        }
        self.refresh(sh);
    }

    /// Draws who is in and the report.
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let [now, rep] =
            Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(area);
        let lines: Vec<Line<'_>> = if self.in_now.is_empty() {
            vec![Line::styled("nobody is in", t.dim())]
        } else {
            self.in_now
                .iter()
                .map(|i| {
                    Line::from(vec![
                        Span::styled(format!("{:<12}", words::safe(&i.location, 12)), t.title()),
                        Span::styled(
                            format!(
                                "{:<16}",
                                words::safe(i.label.as_deref().unwrap_or(&i.holder), 16)
                            ),
                            t.good(),
                        ),
                        Span::styled(format!(" since {}", words::time(i.since)), t.dim()),
                    ])
                })
                .collect()
        };
        f.render_widget(
            Paragraph::new(lines)
                .block(Block::bordered().title(Span::styled(" Presence · who is in ", t.title()))),
            now,
        );
        let title = match self.locations.get(self.sel) {
            Some(l) => format!(" {} · last {DAYS} days (←→) ", words::safe(l, 20)),
            None => " no location ".into(),
        };
        let rows = self.report.iter().flat_map(|r| r.holders.iter()).map(|h| {
            Row::new(vec![
                words::safe(
                    h.label.as_deref().or(h.holder.as_deref()).unwrap_or("-"),
                    16,
                ),
                h.sessions.to_string(),
                h.open_sessions.to_string(),
                format!(
                    "{}h{:02}",
                    h.total_seconds / 3600,
                    (h.total_seconds % 3600) / 60
                ),
                h.refused.to_string(),
            ])
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(17),
                Constraint::Length(9),
                Constraint::Length(5),
                Constraint::Length(8),
                Constraint::Length(8),
            ],
        )
        .header(Row::new(vec!["holder", "sessions", "open", "inside", "refused"]).style(t.dim()))
        .block(Block::bordered().title(title));
        f.render_widget(table, rep);
        if let Some(e) = &self.error {
            f.render_widget(Line::styled(e.clone(), t.bad()), rep);
        }
    }
}
