//! Drift: the station's drift report, most urgent first, with each token's offset,
//! trend, predicted exit date and a sparkline of its history; the selected token's
//! history drawn larger below.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Row, Sparkline, Table};

use std::sync::Arc;

use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::station::Station;
use crate::station::burn_job::DeviceOptions;
use crate::station::drift::fix::{FixOptions, FixResult};
use crate::station::drift::fix_job::{self, FixEvent, FixOrder};
use crate::station::drift::report::DriftQuery;
use crate::station::host_clock::SystemClock;
use crate::station::views::{DriftReport, DriftRow};
use crate::tui::app::Shared;
use crate::tui::msg::{self, Msg};
use crate::tui::words;

/// The drift screen.
#[derive(Default)]
pub struct DriftScreen {
    report: Option<DriftReport>,
    sel: usize,
    error: Option<String>,
    /// The fix running, and what it said.
    fixing: Option<String>,
    log: Vec<(String, bool)>,
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

    /// The keys of this screen.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            ("↑↓", "choose a token"),
            ("f", "fix its clock (write it, or resync with two codes)"),
            ("r", "read the report again"),
        ]
    }

    /// Starts the station's fix job for the selected token: the clock is written when
    /// its family allows (a reader is needed: the CLI's `drift fix --reader`), else a
    /// resync asks for two codes.
    fn fix(&mut self, sh: &mut Shared) {
        let Some(row) = self.report.as_ref().and_then(|r| r.rows.get(self.sel)) else {
            return;
        };
        let Some(st) = sh.st.as_ref() else { return };
        if self.fixing.is_some() {
            return;
        }
        let order = FixOrder {
            serial: row.serial.clone(),
            product: Some(row.product.clone()),
            reader: None,
            device: DeviceOptions::default(),
            options: FixOptions::default(),
            clock: Arc::new(SystemClock),
        };
        let started = st.open_sibling().and_then(|sib| fix_job::fix(sib, order));
        match started {
            Ok(job) => {
                let sent = msg::forward(job, sh.tx.clone(), Msg::Fix, |r| {
                    r.ok().map(|d| Msg::FixDone(Box::new(d)))
                });
                if sent.is_ok() {
                    self.fixing = Some(row.serial.clone());
                    self.log = vec![(format!("fixing {}…", row.serial), true)];
                }
            }
            Err(e) => sh.say_err(&e),
        }
    }

    /// An event of the fix job.
    pub fn event(&mut self, e: FixEvent) {
        let line = match e {
            FixEvent::Present { reader, .. } => (format!("present the token to {reader}"), true),
            FixEvent::Done { result, .. } => (describe(&result), true),
            FixEvent::Failed { error, .. } => (error.message, false),
            FixEvent::Remove { reader } => (format!("take the token off {reader}"), true),
        };
        self.log.push(line);
    }

    /// The fix ended; the report is read again.
    pub fn done(&mut self, done: (Station, crate::station::Result<FixResult>), sh: &mut Shared) {
        self.fixing = None;
        match done.1 {
            Ok(r) => sh.say(describe(&r), true),
            Err(e) => {
                let text = words::error(&e);
                self.log.push((text.clone(), false));
                sh.say(text, false);
            }
        }
        self.refresh(sh);
    }

    /// Takes a key.
    pub fn key(&mut self, k: KeyEvent, sh: &mut Shared) {
        let n = self.report.as_ref().map_or(0, |r| r.rows.len());
        match k.code {
            KeyCode::Down => self.sel = (self.sel + 1).min(n.saturating_sub(1)),
            KeyCode::Up => self.sel = self.sel.saturating_sub(1),
            KeyCode::Char('r') => self.refresh(sh),
            KeyCode::Char('f') => self.fix(sh),
            _ => {}
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
        let [list, chart] =
            Layout::vertical([Constraint::Min(4), Constraint::Length(6)]).areas(area);
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
        if !self.log.is_empty() {
            let lines: Vec<Line<'_>> = self
                .log
                .iter()
                .map(|(l, good)| Line::styled(l.clone(), if *good { t.text() } else { t.bad() }))
                .collect();
            f.render_widget(
                Paragraph::new(lines).block(Block::bordered().title(" Fix ")),
                chart,
            );
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
    }
}

/// A fix's result in words.
fn describe(r: &FixResult) -> String {
    match r {
        FixResult::Fixed(o) => format!(
            "fixed {} ({:?}); drift before {:?} steps, now 0",
            o.serials.join(", "),
            o.method,
            o.drift_before_steps
        ),
        FixResult::Skipped { serials, why } => format!("skipped {}: {why}", serials.join(", ")),
    }
}
