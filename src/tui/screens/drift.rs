//! Drift: the station's drift report, most urgent first, with each token's offset,
//! trend, predicted exit date and a sparkline of its history; the selected token's
//! history drawn larger below.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Row, Sparkline, Table};

use super::drift_fix::FixPanel;
use crate::station::Station;
use crate::station::drift::fix::FixResult;
use crate::station::drift::fix_job::{FixEvent, FixSummary};
use crate::station::drift::report::DriftQuery;
use crate::station::views::{DriftReport, DriftRow};
use crate::tui::app::Shared;
use crate::tui::input::Edit;
use crate::tui::words;

/// The drift screen.
#[derive(Default)]
pub struct DriftScreen {
    report: Option<DriftReport>,
    sel: usize,
    error: Option<String>,
    /// The fix: its form, then its progress and outcomes.
    fix: FixPanel,
}

/// A token's history as sparkline bars: offsets in milliseconds above the lowest.
pub fn spark(r: &DriftRow) -> Vec<u64> {
    let min = r
        .history
        .iter()
        .map(|p| p.offset_s)
        .fold(f64::INFINITY, f64::min);
    r.history
        .iter()
        .map(|p| ((p.offset_s - min) * 1000.0).round().max(0.0) as u64 + 1)
        .collect()
}

/// A short text sparkline (for table cells).
fn spark_text(r: &DriftRow) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let v = spark(r);
    let max = v.iter().copied().max().unwrap_or(1).max(1);
    v.iter()
        .rev()
        .take(10)
        .rev()
        .map(|x| BARS[((x * 7) / max) as usize])
        .collect()
}

impl DriftScreen {
    /// Reads the report afresh.
    pub fn refresh(&mut self, sh: &mut Shared) {
        let now = sh.now();
        let Some(st) = sh.st.as_ref() else { return };
        match st.drift_report(&DriftQuery::default(), now) {
            Ok(r) => self.report = Some(r),
            Err(e) => self.error = Some(words::error(&e)),
        }
    }

    /// Whether keys go to the fix form.
    pub fn captures(&self) -> bool {
        self.fix.form.is_some()
    }

    /// The keys of this screen.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        if self.fix.form.is_some() {
            return vec![
                ("Enter", "start the fix"),
                ("Tab", "next field (↑↓ choose)"),
                ("Esc", "cancel"),
            ];
        }
        if self.fix.running() {
            return vec![("x", "stop the tray after this token")];
        }
        vec![
            ("↑↓", "choose a token"),
            ("f", "fix its clock (through a reader, or two codes)"),
            (
                "b",
                "tray of tokens fixed one after another through a reader",
            ),
            ("r", "read the report again"),
        ]
    }

    /// An event of the fix job.
    pub fn event(&mut self, e: FixEvent) {
        self.fix.event(e);
    }

    /// One fix ended; the report is read again.
    pub fn done(&mut self, done: (Station, crate::station::Result<FixResult>), sh: &mut Shared) {
        self.fix.done_one(done.1, sh);
        self.refresh(sh);
    }

    /// A tray ended; the report is read again.
    pub fn batch_done(
        &mut self,
        done: (Station, crate::station::Result<FixSummary>),
        sh: &mut Shared,
    ) {
        self.fix.done_batch(done, sh);
        self.refresh(sh);
    }

    /// Takes a key.
    pub fn key(&mut self, k: KeyEvent, sh: &mut Shared) {
        if let Some((_, form, _)) = self.fix.form.as_mut() {
            match form.key(k) {
                Edit::Editing => {}
                Edit::Cancel => self.fix.form = None,
                Edit::Submit => self.fix.start(sh),
            }
            return;
        }
        let n = self.report.as_ref().map_or(0, |r| r.rows.len());
        match k.code {
            KeyCode::Down => self.sel = (self.sel + 1).min(n.saturating_sub(1)),
            KeyCode::Up => self.sel = self.sel.saturating_sub(1),
            KeyCode::Char('r') => self.refresh(sh),
            KeyCode::Char('x') => self.fix.stop(),
            _ if self.fix.running() => {}
            KeyCode::Char('f') => {
                if let Some(row) = self.report.as_ref().and_then(|r| r.rows.get(self.sel)) {
                    self.fix.ask_one(&row.serial, &row.product, sh);
                }
            }
            KeyCode::Char('b') => self.fix.ask_batch(sh),
            _ => {}
        }
    }

    /// Selects row `i` (a click).
    pub fn select(&mut self, i: usize) {
        let n = self.report.as_ref().map_or(0, |r| r.rows.len());
        if i < n {
            self.sel = i;
        }
    }

    /// Draws the report.
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let Some(rep) = &self.report else {
            let e = self.error.clone().unwrap_or_default();
            f.render_widget(Span::styled(e, t.bad()), area);
            return;
        };
        let chart_h = if self.fix.shown() { 10 } else { 6 };
        let [list, chart] =
            Layout::vertical([Constraint::Min(4), Constraint::Length(chart_h)]).areas(area);
        let rows = rep.rows.iter().enumerate().map(|(i, r)| {
            let exit = match (r.out_of_window, r.exit_at) {
                (true, _) => "out now".to_string(),
                (false, Some(at)) => words::date(at),
                (false, None) => "-".into(),
            };
            let style = if i == self.sel {
                t.selected()
            } else if r.out_of_window {
                t.bad()
            } else if r.exit_at.is_some() {
                t.warn()
            } else {
                t.text()
            };
            Row::new(vec![
                words::safe(&r.serial, 14),
                format!("{:+.1}", r.offset_s),
                r.trend_s_per_day
                    .map(|d| format!("{d:+.2}"))
                    .unwrap_or_else(|| "-".into()),
                exit,
                spark_text(r),
            ])
            .style(style)
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(14),
                Constraint::Length(9),
                Constraint::Length(8),
                Constraint::Length(11),
                Constraint::Min(10),
            ],
        )
        .header(Row::new(vec!["serial", "offset s", "s/day", "exit", "history"]).style(t.dim()))
        .block(Block::bordered().title(Span::styled(
            format!(" Drift · {} tokens ", rep.tokens),
            t.title(),
        )));
        f.render_widget(table, list);
        if self.fix.shown() {
            self.fix.draw(f, chart, sh);
        } else if let Some(r) = rep.rows.get(self.sel) {
            let data = spark(r);
            f.render_widget(
                Sparkline::default().data(&data).style(t.warn()).block(
                    Block::bordered()
                        .title(format!(" {} offset history ", words::safe(&r.serial, 20))),
                ),
                chart,
            );
        }
        if let Some((_, form, _)) = &self.fix.form {
            form.draw(f, area, sh);
        }
    }
}
