//! Audit and attempts: the audit log and the verification attempts, newest first,
//! filtered by the station (`/`: lines whose subject contains the text), and the
//! result of the audit chain check (`v`).

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::station::views::{Attempt, AttemptFilter, AuditEntry, AuditFilter};
use crate::tui::app::Shared;
use crate::tui::input::{Edit, Field};
use crate::tui::lines;
use crate::tui::words;

/// How many lines of each are read.
const LIMIT: u32 = 200;

/// The audit screen.
#[derive(Default)]
pub struct AuditScreen {
    audit: Vec<AuditEntry>,
    attempts: Vec<Attempt>,
    filter: String,
    editing: Option<Field>,
    chain: Option<(String, bool)>,
}

impl AuditScreen {
    /// Reads both logs afresh with the filter.
    pub fn refresh(&mut self, sh: &mut Shared) {
        let Some(st) = sh.st.as_ref() else { return };
        let q = (!self.filter.is_empty()).then(|| self.filter.clone());
        let audit = st.audit(&AuditFilter {
            subject: q.clone(),
            limit: Some(LIMIT),
            ..AuditFilter::default()
        });
        let attempts = st.attempts(&AttemptFilter {
            serial: q,
            limit: Some(LIMIT),
            ..AttemptFilter::default()
        });
        match (audit, attempts) {
            (Ok(a), Ok(b)) => {
                self.audit = a;
                self.attempts = b;
            }
            (Err(e), _) | (_, Err(e)) => sh.say_err(&e),
        }
    }

    /// Whether keys go to the filter field.
    pub fn captures(&self) -> bool {
        self.editing.is_some()
    }

    /// The keys of this screen.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        if self.editing.is_some() {
            return vec![("Enter", "apply the filter"), ("Esc", "clear it")];
        }
        vec![
            ("/", "filter by subject or serial"),
            ("v", "verify the audit chain"),
        ]
    }

    /// Takes a key.
    pub fn key(&mut self, k: KeyEvent, sh: &mut Shared) {
        if let Some(f) = self.editing.as_mut() {
            match f.key(k) {
                Edit::Editing => return,
                Edit::Submit => self.filter = f.text().trim().to_string(),
                Edit::Cancel => self.filter.clear(),
            }
            self.editing = None;
            self.refresh(sh);
            return;
        }
        match k.code {
            KeyCode::Char('/') => self.editing = Some(Field::new(false)),
            KeyCode::Char('v') => {
                let Some(st) = sh.st.as_ref() else { return };
                self.chain = Some(match st.audit_verify_here() {
                    Ok(v) if v.ok() => (format!("chain intact: {} lines", v.lines), true),
                    Ok(v) => (
                        format!(
                            "chain BROKEN: {}",
                            v.problem
                                .map(|p| p.to_string())
                                .unwrap_or_else(|| v.triggers.join("; "))
                        ),
                        false,
                    ),
                    Err(e) => (words::error(&e), false),
                });
            }
            _ => {}
        }
    }

    /// Draws both logs.
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let [head, aud, att] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Percentage(55),
            Constraint::Min(3),
        ])
        .areas(area);
        let mut spans = vec![Span::styled("filter: ", t.dim())];
        match &self.editing {
            Some(fl) => spans.push(Span::raw(format!("{}▏", fl.shown()))),
            None => spans.push(Span::raw(if self.filter.is_empty() {
                "-".to_string()
            } else {
                self.filter.clone()
            })),
        }
        if let Some((c, ok)) = &self.chain {
            spans.push(Span::styled(
                format!("   {c}"),
                if *ok { t.good() } else { t.bad() },
            ));
        }
        f.render_widget(Line::from(spans), head);
        let lines: Vec<Line<'_>> = self
            .audit
            .iter()
            .map(|a| lines::audit(a, t, true))
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(Span::styled(
                format!(" Audit · {} lines ", self.audit.len()),
                t.title(),
            ))),
            aud,
        );
        let lines: Vec<Line<'_>> = self
            .attempts
            .iter()
            .map(|a| lines::attempt(a, t, true))
            .collect();
        f.render_widget(
            Paragraph::new(lines)
                .block(Block::bordered().title(format!(" Attempts · {} ", self.attempts.len()))),
            att,
        );
    }
}
