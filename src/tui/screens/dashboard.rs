//! The Dashboard (first screen): locations with who is in, token counts by status,
//! drift alerts within 30 days, attached hardware (demo scene or inventory), and the
//! latest attempts and audit lines — the station's [`DashboardView`].

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::station::views::DashboardView;
use crate::station::views::dashboard::AT_RISK_DAYS;
use crate::tui::app::Shared;
use crate::tui::{lines, words};

/// How many attempts and audit lines are shown.
const RECENT: u32 = 8;

/// The dashboard's state: the last view read.
#[derive(Default)]
pub struct Dashboard {
    view: Option<DashboardView>,
    error: Option<String>,
}

impl Dashboard {
    /// Reads the view afresh.
    pub fn refresh(&mut self, sh: &mut Shared) {
        let now = sh.now();
        let Some(st) = sh.st.as_ref() else { return };
        match st.dashboard(now, RECENT) {
            Ok(v) => {
                self.view = Some(v);
                self.error = None;
            }
            Err(e) => self.error = Some(words::error(&e)),
        }
    }

    /// Draws the dashboard.
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let block = Block::bordered().title(Span::styled(" Dashboard ", t.title()));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let Some(v) = &self.view else {
            let msg = self.error.clone().unwrap_or_else(|| "reading…".into());
            f.render_widget(Paragraph::new(msg).style(t.bad()), inner);
            return;
        };
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
        let [left, mid, right] = Layout::horizontal([
            Constraint::Percentage(36),
            Constraint::Percentage(28),
            Constraint::Percentage(36),
        ])
        .areas(top);
        // Locations and who is in.
        let mut lines = Vec::new();
        for l in &v.locations {
            let here: Vec<&str> = v
                .in_now
                .iter()
                .filter(|i| i.location == l.location.name)
                .map(|i| i.label.as_deref().unwrap_or(&i.holder))
                .collect();
            lines.push(Line::from(vec![
                Span::styled(words::safe(&l.location.name, 20), t.title()),
                Span::styled(format!(" {} in", here.len()), t.dim()),
            ]));
            for h in here.iter().take(3) {
                lines.push(Line::styled(format!("  {}", words::safe(h, 30)), t.good()));
            }
        }
        if v.locations.is_empty() {
            lines.push(Line::styled("no location yet", t.dim()));
        }
        f.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(" Locations ")),
            left,
        );
        // Token counts.
        let lines: Vec<Line<'_>> = v
            .counts
            .iter()
            .map(|(s, n)| {
                Line::from(vec![
                    Span::raw(format!("{:<11}", s.as_str())),
                    Span::styled(format!("{n:>8}"), t.title()),
                ])
            })
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(" Tokens ")),
            mid,
        );
        // Drift alerts and hardware.
        let mut lines = Vec::new();
        for r in v.at_risk.iter().take(4) {
            let when = match (r.out_of_window, r.exit_at) {
                (true, _) => Span::styled("out now", t.bad()),
                (false, Some(at)) => Span::styled(words::date(at), t.warn()),
                (false, None) => Span::raw("-"),
            };
            lines.push(Line::from(vec![
                Span::raw(format!("{:<12} ", words::safe(&r.serial, 12))),
                when,
            ]));
        }
        if v.at_risk.is_empty() {
            lines.push(Line::styled(
                format!("none within {AT_RISK_DAYS} days"),
                t.good(),
            ));
        }
        lines.push(Line::styled("Hardware", t.title()));
        match &sh.demo {
            Some(d) => lines.extend(d.lines().into_iter().map(Line::raw)),
            None => lines.push(Line::styled("see screen 6", t.dim())),
        }
        f.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(" Drift alerts (30 days) ")),
            right,
        );
        // Recent attempts and audit.
        let [att, aud] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(bottom);
        let lines: Vec<Line<'_>> = v
            .attempts
            .iter()
            .map(|a| lines::attempt(a, t, false))
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(" Recent attempts ")),
            att,
        );
        let lines: Vec<Line<'_>> = v.audit.iter().map(|a| lines::audit(a, t, false)).collect();
        f.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(" Audit ")),
            aud,
        );
    }
}
