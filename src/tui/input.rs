//! A one-line text field for forms and prompts, on ratatui-textarea (issue 15: the
//! ratatui-org fork that follows ratatui 0.30): typed characters, cursor movement
//! (←→, Home, End; the usual Emacs keys in plain fields), Backspace and Delete, and a
//! masked mode that draws `•` for each character (typed codes and passphrases are not
//! echoed; a masked field keeps no undo history and no yank buffer). Enter submits,
//! Esc cancels, a newline is never inserted. The text is zeroized when the field is
//! dropped or taken.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui_textarea::{CursorMove, TextArea};
use zeroize::{Zeroize, Zeroizing};

/// Longest text a field takes (a code, a serial, a passphrase, a reader name).
const MAX_CHARS: usize = 128;

/// The character drawn for each typed character of a masked field.
pub const MASK: char = '•';

/// What a key did to a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text changed (or not), keep editing.
    Editing,
    /// Enter: take the text.
    Submit,
    /// Esc: drop the field.
    Cancel,
}

/// A one-line field.
pub struct Field {
    area: TextArea<'static>,
    /// Draw `•` instead of the text.
    pub masked: bool,
}

impl Default for Field {
    fn default() -> Field {
        Field::new(false)
    }
}

fn text_area(masked: bool) -> TextArea<'static> {
    let mut a = TextArea::default();
    a.set_cursor_line_style(Style::new());
    a.set_cursor_style(Style::new().add_modifier(Modifier::REVERSED));
    if masked {
        a.set_mask_char(MASK);
        a.set_max_histories(0);
    }
    a
}

impl Field {
    /// An empty field; `masked` hides what is typed.
    pub fn new(masked: bool) -> Field {
        Field {
            area: text_area(masked),
            masked,
        }
    }

    /// A plain field holding `text` (a default the person may change).
    pub fn with_text(text: &str) -> Field {
        let mut f = Field::new(false);
        f.set(text);
        f
    }

    /// Replaces the text (a choice picked from a list).
    pub fn set(&mut self, text: &str) {
        let old = std::mem::replace(&mut self.area, text_area(self.masked));
        wipe(old);
        let text: String = text
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_CHARS)
            .collect();
        self.area.insert_str(text);
    }

    /// Takes a key.
    pub fn key(&mut self, k: KeyEvent) -> Edit {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match k.code {
            KeyCode::Enter => return Edit::Submit,
            KeyCode::Char('m' | 'j') if ctrl => return Edit::Submit,
            KeyCode::Esc => return Edit::Cancel,
            KeyCode::Tab | KeyCode::BackTab => return Edit::Editing,
            KeyCode::Char(c) if c.is_control() => return Edit::Editing,
            KeyCode::Char(_) if !ctrl && self.text().chars().count() >= MAX_CHARS => {
                return Edit::Editing;
            }
            _ => {}
        }
        if self.masked {
            match k.code {
                KeyCode::Left => self.area.move_cursor(CursorMove::Back),
                KeyCode::Right => self.area.move_cursor(CursorMove::Forward),
                KeyCode::Home => self.area.move_cursor(CursorMove::Head),
                KeyCode::End => self.area.move_cursor(CursorMove::End),
                _ => {
                    self.area.input_without_shortcuts(k);
                }
            }
        } else {
            self.area.input(k);
        }
        Edit::Editing
    }

    /// The text typed.
    pub fn text(&self) -> &str {
        self.area.lines().first().map_or("", String::as_str)
    }

    /// The text, leaving the field empty.
    pub fn take(&mut self) -> Zeroizing<String> {
        let old = std::mem::replace(&mut self.area, text_area(self.masked));
        let mut lines = old.into_lines();
        let first = if lines.is_empty() {
            String::new()
        } else {
            lines.swap_remove(0)
        };
        for mut l in lines {
            l.zeroize();
        }
        Zeroizing::new(first)
    }

    /// What the screen shows: the text, or one `•` per character.
    pub fn shown(&self) -> String {
        if self.masked {
            MASK.to_string().repeat(self.text().chars().count())
        } else {
            self.text().to_string()
        }
    }

    /// Draws the field in `area`: with its cursor when `focused`, else its text.
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, focused: bool) {
        if focused {
            f.render_widget(&self.area, area);
        } else {
            f.render_widget(Line::raw(self.shown()), area);
        }
    }
}

fn wipe(area: TextArea<'static>) {
    for mut l in area.into_lines() {
        l.zeroize();
    }
}

impl Drop for Field {
    fn drop(&mut self) {
        wipe(std::mem::take(&mut self.area));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn types_erases_masks_and_submits() {
        let mut f = Field::new(true);
        for c in "1234".chars() {
            assert_eq!(f.key(k(KeyCode::Char(c))), Edit::Editing);
        }
        f.key(k(KeyCode::Backspace));
        assert_eq!((f.text(), f.shown().as_str()), ("123", "•••"));
        assert_eq!(f.key(k(KeyCode::Enter)), Edit::Submit);
        assert_eq!(f.take().as_str(), "123");
        assert_eq!(f.text(), "");
        assert_eq!(f.key(k(KeyCode::Esc)), Edit::Cancel);
    }

    #[test]
    fn moves_the_cursor_and_never_takes_a_newline_or_a_tab() {
        let mut f = Field::new(false);
        for c in "acd".chars() {
            f.key(k(KeyCode::Char(c)));
        }
        f.key(k(KeyCode::Left));
        f.key(k(KeyCode::Left));
        f.key(k(KeyCode::Char('b')));
        f.key(k(KeyCode::Tab));
        assert_eq!(
            f.key(KeyEvent::new(KeyCode::Char('m'), KeyModifiers::CONTROL)),
            Edit::Submit
        );
        assert_eq!(f.text(), "abcd");
        f.set("pcsc:Reader\n0");
        assert_eq!(f.text(), "pcsc:Reader0");
    }

    #[test]
    fn stops_at_the_longest_text() {
        let mut f = Field::new(true);
        for _ in 0..MAX_CHARS + 5 {
            f.key(k(KeyCode::Char('7')));
        }
        assert_eq!(f.text().len(), MAX_CHARS);
    }

    #[test]
    fn draws_dots_for_a_masked_field_with_its_cursor() {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        let mut f = Field::new(true);
        for c in "4711".chars() {
            f.key(k(KeyCode::Char(c)));
        }
        let mut term = Terminal::new(TestBackend::new(10, 1)).unwrap_or_else(|e| panic!("{e}"));
        term.draw(|fr| f.draw(fr, fr.area(), true))
            .unwrap_or_else(|e| panic!("{e}"));
        let row: String = (0..10)
            .map(|x| term.backend().buffer()[(x, 0)].symbol().to_string())
            .collect();
        assert_eq!(row.trim_end(), "••••");
        assert!(!row.contains('4'));
    }
}
