//! The question a station job asks (a typed code, the next code, a PIN, a file's
//! password, a confirmation), drawn over any screen; the answer goes back on the
//! job's reply channel. Secrets are masked. Esc answers nothing (the job is told
//! nobody can answer, and decides).

use std::sync::mpsc::Sender;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};

use super::app::Shared;
use super::chrome::centered;
use super::input::{Edit, Field};
use crate::station::jobs::{Answer, Ask, CodeProblem};

/// A question waiting for its answer.
pub struct Prompt {
    ask: Ask,
    reply: Sender<Answer>,
    field: Field,
}

impl Prompt {
    /// A prompt for `ask`, answered on `reply`.
    pub fn new(ask: Ask, reply: Sender<Answer>) -> Prompt {
        let masked = ask.is_secret();
        Prompt {
            ask,
            reply,
            field: Field::new(masked),
        }
    }

    /// Takes a key; `true` once the prompt is answered (or dropped).
    pub fn key(&mut self, k: KeyEvent) -> bool {
        if let Ask::Confirm { .. } | Ask::LastKeyTry { .. } = self.ask {
            let yes = match k.code {
                KeyCode::Char('y') => true,
                KeyCode::Char('n') | KeyCode::Esc => false,
                _ => return false,
            };
            let _ = self.reply.send(Answer::Confirmed(yes));
            return true;
        }
        match self.field.key(k) {
            Edit::Editing => false,
            Edit::Submit => {
                let _ = self.reply.send(Answer::Text(self.field.take()));
                true
            }
            Edit::Cancel => {
                let _ = self.reply.send(Answer::Unavailable);
                true
            }
        }
    }

    /// The question in words.
    fn question(&self) -> String {
        match &self.ask {
            Ask::Code { serial, digits } => format!("the {digits}-digit code {serial} shows now"),
            Ask::CodeAgain {
                serial,
                digits,
                problem,
                tries_left,
            } => {
                let why = match problem {
                    CodeProblem::NotDigits => format!("{digits} digits expected"),
                    CodeProblem::Mismatch => "not the token's code".to_string(),
                };
                format!("{why}: the code {serial} shows now ({tries_left} tries left)")
            }
            Ask::NextCode { serial, .. } => format!("wait for {serial}'s next code, then type it"),
            Ask::Secret { device, credential } => format!("{credential:?} of {device}"),
            Ask::FilePassword { file } => format!("the password of {file}"),
            Ask::Confirm { action } => format!("{action}? y / n"),
            Ask::LastKeyTry { device, tries_left } => format!(
                "{tries_left} try left on {device}: a wrong key locks it for good. Try this key? y / n"
            ),
        }
    }

    /// Draws the prompt in the middle of `area` (the field with its cursor).
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let r = centered(area, 60, 5);
        f.render_widget(Clear, r);
        let block = Block::bordered().title(" The station asks ");
        let inner = block.inner(r);
        let lines = vec![
            Line::styled(self.question(), t.warn()),
            Line::raw(""),
            Line::styled("Enter answers · Esc: no answer", t.dim()),
        ];
        f.render_widget(Paragraph::new(lines).block(block), r);
        if let Some(y) = inner.y.checked_add(1).filter(|y| *y < inner.bottom()) {
            self.field.draw(
                f,
                Rect {
                    y,
                    height: 1,
                    ..inner
                },
                true,
            );
        }
    }
}
