//! Presence: who is in at each location now, a location's report over a period (the
//! last seven days, or the period asked for with `p`: from and to as local days or
//! times, read by the station's presence report view), and presence-token codes
//! submitted with `s` (the location, the code — not echoed —, when it was read, who
//! and which direction), checked and recorded by the station's presence use case,
//! whose answers are listed.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table};

use super::presence_submit::{self, SubmitLine};
use crate::station::presence::report::InNow;
use crate::station::views::{PeriodEdge, PresenceReport};
use crate::station::{Result, Station};
use crate::tui::app::Shared;
use crate::tui::form::Form;
use crate::tui::input::{Edit, Field};
use crate::tui::words;

/// The report covers this many days back unless a period is asked for.
const DAYS: i64 = 7;

/// A form over the screen and what it is for.
enum Open {
    /// The report's period.
    Period(Form),
    /// A presence-token code.
    Submit(Form),
}

/// The presence screen.
#[derive(Default)]
pub struct PresenceScreen {
    locations: Vec<String>,
    sel: usize,
    in_now: Vec<InNow>,
    report: Option<PresenceReport>,
    /// The period asked for (from, to), as typed; `None`: the last seven days.
    period: Option<(String, String)>,
    form: Option<Open>,
    submitted: Vec<SubmitLine>,
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
        self.error = None;
        if let Some(loc) = self.locations.get(self.sel) {
            match self.read_report(st, loc, now) {
                Ok(r) => self.report = Some(r),
                Err(e) => self.error = Some(words::error(&e)),
            }
        }
    }

    fn read_report(&self, st: &Station, loc: &str, now: i64) -> Result<PresenceReport> {
        match &self.period {
            None => st.presence_report_over(
                loc,
                PeriodEdge::At(now - DAYS * 86_400),
                PeriodEdge::At(now + 1),
            ),
            Some((from, to)) => {
                let edge = |t: &str| (!t.is_empty()).then(|| t.parse::<PeriodEdge>()).transpose();
                st.presence_report_period(loc, edge(from)?, edge(to)?, now)
            }
        }
    }

    /// Whether keys go to a form.
    pub fn captures(&self) -> bool {
        self.form.is_some()
    }

    /// The keys of this screen.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        if self.form.is_some() {
            return vec![
                ("Enter", "send"),
                ("Tab", "next field (↑↓ choose)"),
                ("Esc", "cancel"),
            ];
        }
        vec![
            ("←→", "location of the report"),
            ("p", "period of the report (from, to)"),
            ("s", "submit a presence-token code"),
        ]
    }

    /// Takes a key.
    pub fn key(&mut self, k: KeyEvent, sh: &mut Shared) {
        if let Some(open) = self.form.as_mut() {
            let form = match open {
                Open::Period(f) | Open::Submit(f) => f,
            };
            match form.key(k) {
                Edit::Editing => return,
                Edit::Cancel => self.form = None,
                Edit::Submit => self.send(sh),
            }
            return;
        }
        match k.code {
            KeyCode::Right => self.sel = (self.sel + 1).min(self.locations.len().saturating_sub(1)),
            KeyCode::Left => self.sel = self.sel.saturating_sub(1),
            KeyCode::Char('p') => return self.ask_period(sh),
            KeyCode::Char('s') => {
                let loc = self.locations.get(self.sel).cloned().unwrap_or_default();
                let mut locs = self.locations.clone();
                locs.retain(|l| *l != loc);
                locs.insert(0, loc);
                self.form = Some(Open::Submit(presence_submit::form(locs, sh.now())));
                return;
            }
            _ => return,
        }
        self.refresh(sh);
    }

    fn ask_period(&mut self, sh: &Shared) {
        let (from, to) = self.period.clone().unwrap_or_else(|| {
            let now = sh.now();
            (words::date(now - DAYS * 86_400), words::date(now))
        });
        let loc = self.locations.get(self.sel).cloned().unwrap_or_default();
        let mut locs = self.locations.clone();
        locs.retain(|l| *l != loc);
        locs.insert(0, loc);
        let mut form = Form::new("Presence report")
            .field("location", Field::new(false))
            .choices(locs)
            .field("from (day or time)", Field::with_text(&from))
            .field("to (day, inclusive)", Field::with_text(&to));
        form.note = "YYYY-MM-DD (local), RFC 3339 or Unix seconds · Enter reads it".into();
        self.form = Some(Open::Period(form));
    }

    fn send(&mut self, sh: &mut Shared) {
        match self.form.take() {
            Some(Open::Period(f)) => {
                if let Some(i) = self.locations.iter().position(|l| l == f.value(0)) {
                    self.sel = i;
                }
                self.period = Some((f.value(1).to_string(), f.value(2).to_string()));
                self.refresh(sh);
                match &self.error {
                    Some(e) => sh.say(e.clone(), false),
                    None => sh.say("report read", true),
                }
            }
            Some(Open::Submit(mut f)) => {
                if let Some(line) = presence_submit::send(&mut f, sh) {
                    sh.say(line.text.clone(), line.good);
                    self.submitted.insert(0, line);
                    self.submitted.truncate(20);
                    self.refresh(sh);
                }
            }
            None => {}
        }
    }

    /// Draws who is in, the report and the submissions.
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let sub_h = if self.submitted.is_empty() { 0 } else { 5 };
        let [now, rep, subs] = Layout::vertical([
            Constraint::Percentage(35),
            Constraint::Min(4),
            Constraint::Length(sub_h),
        ])
        .areas(area);
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
        let title = match (self.locations.get(self.sel), &self.report, &self.period) {
            (Some(l), Some(r), Some(_)) => format!(
                " {} · {} → {} (←→, p) ",
                words::safe(l, 20),
                words::safe(&r.from, 26),
                words::safe(&r.to, 26)
            ),
            (Some(l), _, _) => format!(" {} · last {DAYS} days (←→, p) ", words::safe(l, 20)),
            (None, _, _) => " no location ".into(),
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
                words::safe(h.first_in.as_deref().unwrap_or("-"), 25),
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
                Constraint::Min(10),
            ],
        )
        .header(
            Row::new(vec![
                "holder", "sessions", "open", "inside", "refused", "first in",
            ])
            .style(t.dim()),
        )
        .block(Block::bordered().title(title));
        f.render_widget(table, rep);
        if let Some(e) = &self.error {
            f.render_widget(Line::styled(e.clone(), t.bad()), rep);
        }
        if !self.submitted.is_empty() {
            let lines: Vec<Line<'_>> = self
                .submitted
                .iter()
                .map(|l| Line::styled(l.text.clone(), if l.good { t.good() } else { t.bad() }))
                .collect();
            f.render_widget(
                Paragraph::new(lines).block(Block::bordered().title(" Presence-token codes ")),
                subs,
            );
        }
        match &self.form {
            Some(Open::Period(form) | Open::Submit(form)) => form.draw(f, area, sh),
            None => {}
        }
    }
}
