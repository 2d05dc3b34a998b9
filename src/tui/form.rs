//! A form over a screen: labelled one-line fields ([`Field`]), some with a list of
//! choices (readers, locations, directions) picked with ↑↓, Tab and Shift-Tab between
//! fields, Enter sends the whole form, Esc drops it. The form only collects text; the
//! screen hands it to a station use case, which parses and decides.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use zeroize::Zeroizing;

use super::app::Shared;
use super::chrome::centered;
use super::input::{Edit, Field};

/// One labelled field.
struct Entry {
    label: &'static str,
    field: Field,
    choices: Vec<String>,
    choice: usize,
}

/// A form: a title, fields, the focused one.
pub struct Form {
    title: String,
    entries: Vec<Entry>,
    focus: usize,
    /// Lines under the fields (what Enter does), `\n` between them.
    pub note: String,
}

impl Form {
    /// An empty form titled `title`.
    pub fn new(title: impl Into<String>) -> Form {
        Form {
            title: title.into(),
            entries: Vec::new(),
            focus: 0,
            note: "Enter sends · Tab next field · Esc cancels".into(),
        }
    }

    /// Adds a field labelled `label`.
    pub fn field(mut self, label: &'static str, field: Field) -> Form {
        self.entries.push(Entry {
            label,
            field,
            choices: Vec::new(),
            choice: 0,
        });
        self
    }

    /// Gives the last field its choices (↑↓ pick one); the first fills it when empty.
    pub fn choices(mut self, choices: Vec<String>) -> Form {
        if let Some(e) = self.entries.last_mut() {
            if e.field.text().is_empty()
                && let Some(c) = choices.first()
            {
                e.field.set(c);
            }
            e.choices = choices;
        }
        self
    }

    /// Takes a key: Enter sends the form, Esc drops it.
    pub fn key(&mut self, k: KeyEvent) -> Edit {
        let n = self.entries.len().max(1);
        match k.code {
            KeyCode::Tab => self.focus = (self.focus + 1) % n,
            KeyCode::BackTab => self.focus = (self.focus + n - 1) % n,
            KeyCode::Up | KeyCode::Down => {
                let down = k.code == KeyCode::Down;
                match self.entries.get_mut(self.focus) {
                    Some(e) if !e.choices.is_empty() => {
                        let m = e.choices.len();
                        e.choice = if down {
                            (e.choice + 1) % m
                        } else {
                            (e.choice + m - 1) % m
                        };
                        let c = e.choices[e.choice].clone();
                        e.field.set(&c);
                    }
                    _ if down => self.focus = (self.focus + 1) % n,
                    _ => self.focus = (self.focus + n - 1) % n,
                }
            }
            _ => {
                return match self.entries.get_mut(self.focus) {
                    Some(e) => e.field.key(k),
                    None => match k.code {
                        KeyCode::Enter => Edit::Submit,
                        KeyCode::Esc => Edit::Cancel,
                        _ => Edit::Editing,
                    },
                };
            }
        }
        Edit::Editing
    }

    /// The text of field `i` (trimmed).
    pub fn value(&self, i: usize) -> &str {
        self.entries.get(i).map_or("", |e| e.field.text().trim())
    }

    /// The text of field `i` (a secret), leaving it empty.
    pub fn take(&mut self, i: usize) -> Zeroizing<String> {
        self.entries
            .get_mut(i)
            .map_or_else(|| Zeroizing::new(String::new()), |e| e.field.take())
    }

    /// Draws the form in the middle of `area`.
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let notes: Vec<&str> = self.note.lines().collect();
        let h = u16::try_from(self.entries.len() + 3 + notes.len()).unwrap_or(u16::MAX);
        let r = centered(area, 70, h);
        f.render_widget(Clear, r);
        let block = Block::bordered().title(Span::styled(format!(" {} ", self.title), t.title()));
        let inner = block.inner(r);
        f.render_widget(block, r);
        let width = self
            .entries
            .iter()
            .map(|e| e.label.len())
            .max()
            .unwrap_or(0)
            + 2;
        let label_w = u16::try_from(width).unwrap_or(20).min(inner.width / 2);
        for (i, e) in self.entries.iter().enumerate() {
            let Some(y) = inner.y.checked_add(u16::try_from(i).unwrap_or(u16::MAX)) else {
                break;
            };
            if y >= inner.bottom() {
                break;
            }
            let style = if i == self.focus { t.title() } else { t.dim() };
            let row = Rect {
                y,
                height: 1,
                ..inner
            };
            f.render_widget(Span::styled(e.label, style), row);
            let mut field = Rect {
                x: row.x + label_w,
                width: row.width.saturating_sub(label_w),
                ..row
            };
            if !e.choices.is_empty() {
                f.render_widget(
                    Span::styled("↕", t.dim()),
                    Rect {
                        x: field.x,
                        width: 1,
                        ..field
                    },
                );
                field.x += 2;
                field.width = field.width.saturating_sub(2);
            }
            e.field.draw(f, field, i == self.focus);
        }
        let note_y = inner.y + u16::try_from(self.entries.len() + 1).unwrap_or(0);
        let lines: Vec<Line<'_>> = notes.iter().map(|n| Line::styled(*n, t.dim())).collect();
        let area = Rect {
            y: note_y,
            height: inner.bottom().saturating_sub(note_y),
            ..inner
        };
        f.render_widget(Paragraph::new(lines), area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyModifiers;

    fn k(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn tab_moves_arrows_pick_choices_enter_sends() {
        let mut f = Form::new("t")
            .field("where", Field::new(false))
            .choices(vec!["Lobby".into(), "Lab".into()])
            .field("code", Field::new(true));
        assert_eq!(f.value(0), "Lobby");
        f.key(k(KeyCode::Down));
        assert_eq!(f.value(0), "Lab");
        f.key(k(KeyCode::Tab));
        f.key(k(KeyCode::Char('1')));
        f.key(k(KeyCode::Char('2')));
        assert_eq!(f.key(k(KeyCode::Enter)), Edit::Submit);
        assert_eq!(f.take(1).as_str(), "12");
        assert_eq!(f.key(k(KeyCode::Esc)), Edit::Cancel);
    }
}
