//! A one-line text field for forms and prompts: typed characters, Backspace, and a
//! masked mode that draws `•` for each character (typed codes and passphrases are
//! not echoed). The text is zeroized when the field is dropped or cleared.

use ratatui::crossterm::event::{KeyCode, KeyEvent};
use zeroize::Zeroizing;

/// Longest text a field takes (a code, a serial, a passphrase).
const MAX_CHARS: usize = 128;

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
#[derive(Default)]
pub struct Field {
    text: Zeroizing<String>,
    /// Draw `•` instead of the text.
    pub masked: bool,
}

impl Field {
    /// An empty field; `masked` hides what is typed.
    pub fn new(masked: bool) -> Field {
        Field {
            text: Zeroizing::new(String::new()),
            masked,
        }
    }

    /// Takes a key.
    pub fn key(&mut self, k: KeyEvent) -> Edit {
        match k.code {
            KeyCode::Enter => Edit::Submit,
            KeyCode::Esc => Edit::Cancel,
            KeyCode::Backspace => {
                self.text.pop();
                Edit::Editing
            }
            KeyCode::Char(c) if !c.is_control() && self.text.chars().count() < MAX_CHARS => {
                self.text.push(c);
                Edit::Editing
            }
            _ => Edit::Editing,
        }
    }

    /// The text typed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text, leaving the field empty.
    pub fn take(&mut self) -> Zeroizing<String> {
        std::mem::replace(&mut self.text, Zeroizing::new(String::new()))
    }

    /// What the screen shows: the text, or one `•` per character.
    pub fn shown(&self) -> String {
        if self.masked {
            "•".repeat(self.text.chars().count())
        } else {
            self.text.to_string()
        }
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
}
