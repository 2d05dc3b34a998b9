//! A token's detail over the tokens list, with its life-cycle actions: each opens a
//! form asking what it needs (a code, two codes, a holder, a confirmation), calls the
//! station, and shows its answer. New backup codes are shown here once.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use zeroize::Zeroizing;

use super::qr::QrView;
use crate::model::{Token, TokenStatus};
use crate::tui::app::Shared;
use crate::tui::chrome::centered;
use crate::tui::form::Form;
use crate::tui::input::{Edit, Field};
use crate::tui::words;

/// A life-cycle action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Activate with a code the token shows.
    Activate,
    /// Resynchronise from two consecutive codes.
    Resync,
    /// Assign to a holder.
    Assign,
    /// Lift a lockout after failed codes.
    Unlock,
    /// A new set of backup codes (shown once).
    BackupCodes,
    /// Set a status (disable, lost, retire, enable).
    Status(TokenStatus),
    /// Show the Key URI as a QR code (reveals the seed; audited).
    Qr,
}

impl Action {
    /// The action of a key of the detail.
    fn of(code: KeyCode) -> Option<Action> {
        Some(match code {
            KeyCode::Char('a') => Action::Activate,
            KeyCode::Char('y') => Action::Resync,
            KeyCode::Char('h') => Action::Assign,
            KeyCode::Char('u') => Action::Unlock,
            KeyCode::Char('b') => Action::BackupCodes,
            KeyCode::Char('d') => Action::Status(TokenStatus::Disabled),
            KeyCode::Char('e') => Action::Status(TokenStatus::Active),
            KeyCode::Char('l') => Action::Status(TokenStatus::Lost),
            KeyCode::Char('r') => Action::Status(TokenStatus::Retired),
            KeyCode::Char('c') => Action::Qr,
            _ => return None,
        })
    }
}

/// The form of `action` on `tok`: the fields it needs (a code; two codes; a holder,
/// chosen among the station's holders with ↑↓ or typed), or none for a confirmation.
fn form_for(action: Action, tok: &Token, sh: &Shared) -> Form {
    let serial = words::safe(&tok.serial, 24);
    let confirm = |title: String, note: &str| {
        let mut f = Form::new(title);
        f.note = format!("{note}\nEnter confirms · Esc cancels");
        f
    };
    match action {
        Action::Activate => {
            Form::new(format!("Activate {serial}")).field("code the token shows", Field::new(false))
        }
        Action::Resync => Form::new(format!("Resync {serial}"))
            .field("a code it shows", Field::new(false))
            .field("the next code", Field::new(false)),
        Action::Assign => {
            let holders = sh
                .st
                .as_ref()
                .and_then(|st| st.holders().ok())
                .unwrap_or_default()
                .into_iter()
                .map(|h| h.ext_id)
                .collect();
            Form::new(format!("Assign {serial} to a holder"))
                .field("holder id", Field::new(false))
                .choices(holders)
        }
        Action::Unlock => confirm(
            format!("Unlock {serial}"),
            "lifts a lockout after failed codes",
        ),
        Action::BackupCodes => confirm(
            format!("New backup codes for {serial}"),
            "any earlier set is void",
        ),
        Action::Status(st) => confirm(
            format!("{serial}: {} → {}", tok.status.as_str(), st.as_str()),
            "the station checks the change",
        ),
        Action::Qr => confirm(
            format!("Show the QR code of {serial}?"),
            "it reveals the seed: whoever sees it can copy the token (audited)",
        ),
    }
}

/// The keys of the detail.
pub const KEYS: [(&str, &str); 11] = [
    ("a", "activate with a code"),
    ("y", "resync with two codes"),
    ("h", "assign to a holder"),
    ("u", "unlock after failed codes"),
    ("b", "new backup codes (shown once)"),
    ("d", "disable"),
    ("e", "enable (active again)"),
    ("l", "report lost"),
    ("r", "retire"),
    ("c", "QR code of its seed (asks first; audited)"),
    ("Esc", "back to the list"),
];

/// The detail's state: an open form, or backup codes to show once.
#[derive(Default)]
pub struct Detail {
    form: Option<(Action, Form)>,
    codes: Vec<Zeroizing<String>>,
    /// The QR code shown after the confirmation, until a key hides it.
    pub qr: Option<QrView>,
}

/// What a key did to the detail.
pub enum Outcome {
    /// Still open.
    Open,
    /// Closed (Esc).
    Closed,
    /// The station changed the token: read it again.
    Changed,
}

impl Detail {
    /// Whether a form takes the keys.
    pub fn captures(&self) -> bool {
        self.form.is_some() || self.qr.is_some()
    }

    /// Takes a key for the token `tok`.
    pub fn key(&mut self, k: KeyEvent, tok: &Token, sh: &mut Shared) -> Outcome {
        if self.qr.take().is_some() {
            return Outcome::Open; // any key hides the QR code (and drops the URI)
        }
        if let Some((action, form)) = self.form.as_mut() {
            return match form.key(k) {
                Edit::Editing => Outcome::Open,
                Edit::Cancel => {
                    self.form = None;
                    Outcome::Open
                }
                Edit::Submit => {
                    let action = *action;
                    if let Some((_, form)) = self.form.take() {
                        self.act(action, form, tok, sh);
                    }
                    Outcome::Changed
                }
            };
        }
        if k.code == KeyCode::Esc {
            return Outcome::Closed;
        }
        if let Some(a) = Action::of(k.code) {
            self.codes.clear();
            self.form = Some((a, form_for(a, tok, sh)));
        }
        Outcome::Open
    }

    /// Runs `action` through the station and shows its answer.
    fn act(&mut self, action: Action, mut form: Form, tok: &Token, sh: &mut Shared) {
        let now = sh.now();
        let Some(st) = sh.st.as_mut() else { return };
        let (serial, product) = (tok.serial.as_str(), Some(tok.product.as_str()));
        let text = form.take(0);
        let text = text.trim();
        let answer = match action {
            Action::Activate => st
                .token_activate(serial, product, text, now)
                .map(|v| (format!("{serial}: {}", v.status.as_str()), v.is_ok())),
            Action::Resync => {
                let (c1, c2) = (text, form.value(1));
                st.token_resync(serial, product, c1, c2, now)
                    .map(|v| (format!("{serial} resync: {}", v.status.as_str()), v.is_ok()))
            }
            Action::Assign => st
                .token_assign_holder(serial, product, text, now)
                .map(|_| (format!("{serial} assigned to {text}"), true)),
            Action::Unlock => st.token_unlock(serial, product, now).map(|was| {
                let what = if was { "unlocked" } else { "was not locked" };
                (format!("{serial} {what}"), true)
            }),
            // The action is the operator's explicit choice of a new set: it replaces one
            // the holder may still have (said in the answer).
            Action::BackupCodes => st.token_backup_codes(serial, product, true, now).map(|c| {
                self.codes = c;
                (
                    format!("{serial}: new backup codes (any earlier set is void), shown once"),
                    true,
                )
            }),
            Action::Status(s) => st
                .token_set_status(serial, product, s, now)
                .map(|t| (format!("{} is now {}", t.serial, t.status.as_str()), true)),
            Action::Qr => st.token_qr(serial, product, None, now).map(|uri| {
                self.qr = QrView::new(serial, uri);
                match self.qr {
                    Some(_) => (format!("{serial}: QR code shown (audited)"), true),
                    None => (format!("{serial}: the URI does not fit a QR code"), false),
                }
            }),
        };
        match answer {
            Ok((text, good)) => sh.say(text, good),
            Err(e) => sh.say_err(&e),
        }
    }

    /// Draws the detail of `tok` over `area`.
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, tok: &Token, sh: &Shared) {
        let t = sh.theme;
        let r = centered(area, 60, 14);
        f.render_widget(Clear, r);
        let field = |k: &str, v: String| {
            Line::from(vec![Span::styled(format!("{k:<9}"), t.dim()), Span::raw(v)])
        };
        let mut lines = vec![
            field("serial", words::safe(&tok.serial, 40)),
            field("product", words::safe(&tok.product, 40)),
            Line::from(vec![
                Span::styled("status   ", t.dim()),
                Span::styled(tok.status.as_str(), t.title()),
            ]),
            field(
                "holder",
                words::safe(tok.holder.as_deref().unwrap_or("-"), 40),
            ),
            field(
                "drift",
                format!(
                    "{:+} {}",
                    tok.drift_steps,
                    if tok.drift_steps.abs() == 1 {
                        "step"
                    } else {
                        "steps"
                    }
                ),
            ),
            Line::raw(""),
        ];
        match &self.form {
            Some(_) => {}
            None if !self.codes.is_empty() => {
                let codes: Vec<&str> = self.codes.iter().map(|c| c.as_str()).collect();
                lines.push(Line::styled(
                    "backup codes (write them down now):",
                    t.warn(),
                ));
                for row in codes.chunks(5) {
                    lines.push(Line::raw(row.join("  ")));
                }
            }
            None => {
                lines.push(Line::styled(
                    "a activate  y resync  h holder  u unlock  b backup",
                    t.dim(),
                ));
                lines.push(Line::styled(
                    "d disable  e enable  l lost  r retire  c QR  Esc",
                    t.dim(),
                ));
            }
        }
        f.render_widget(
            Paragraph::new(lines)
                .block(Block::bordered().title(Span::styled(" Token ", t.title()))),
            r,
        );
        if let Some((_, form)) = &self.form {
            form.draw(f, area, sh);
        }
    }
}
