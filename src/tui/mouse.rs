//! The mouse (optional, issue 15): a left click on the tab line shows that screen, a
//! click on a row of the tokens, products or drift list selects it (a second click on
//! the selected token opens its detail), and the wheel moves the selection as ↑↓ do.
//! Nothing happens while a running kiosk, a prompt, a form or the help has the screen.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use super::app::{App, Screen};

/// Columns of the tab line before the first tab (" tokenstation ").
const TABS_START: u16 = 14;

/// Rows above the first list row: the tab line, the search line, the border, the
/// header (tokens and products); drift has no search line.
const LIST_TOP: u16 = 4;

/// The screen whose tab covers column `x` of the tab line.
pub fn tab_at(x: u16) -> Option<Screen> {
    let mut left = TABS_START;
    for (i, s) in Screen::ALL.iter().enumerate() {
        let w = u16::try_from(format!(" {} {} ", i + 1, s.title()).chars().count()).ok()?;
        if (left..left + w).contains(&x) {
            return Some(*s);
        }
        left += w;
    }
    None
}

impl App {
    /// Takes a mouse event.
    pub fn mouse(&mut self, m: MouseEvent) {
        let busy = self.help || self.prompt.is_some();
        if busy || (self.screen == Screen::Kiosk && self.kiosk.running()) {
            return;
        }
        let key = |code| KeyEvent::new(code, KeyModifiers::NONE);
        match m.kind {
            MouseEventKind::ScrollDown if !self.captures() => self.screen_key(key(KeyCode::Down)),
            MouseEventKind::ScrollUp if !self.captures() => self.screen_key(key(KeyCode::Up)),
            MouseEventKind::Down(_) if m.row == 0 => {
                if let Some(s) = tab_at(m.column) {
                    self.show(s);
                }
            }
            MouseEventKind::Down(_) if !self.captures() => self.click_row(m.row),
            _ => {}
        }
    }

    fn click_row(&mut self, row: u16) {
        match self.screen {
            Screen::Tokens => {
                let Some(n) = row.checked_sub(LIST_TOP) else {
                    return;
                };
                let before = self.tokens.selected_index();
                if self.tokens.click_row(usize::from(n)) && before == self.tokens.selected_index() {
                    let sh = &mut self.sh;
                    self.tokens
                        .key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), sh);
                }
            }
            Screen::Products => {
                if let Some(n) = row.checked_sub(LIST_TOP) {
                    self.products.select(usize::from(n));
                }
            }
            Screen::Drift => {
                if let Some(n) = row.checked_sub(LIST_TOP - 1) {
                    self.drift.select(usize::from(n));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_are_found_by_column() {
        assert_eq!(tab_at(0), None);
        assert_eq!(tab_at(TABS_START), Some(Screen::Dashboard));
        // " 1 Dashboard " is 13 columns; " 2 Tokens " follows.
        assert_eq!(tab_at(TABS_START + 13), Some(Screen::Tokens));
        assert_eq!(tab_at(500), None);
    }
}
