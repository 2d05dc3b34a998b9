//! Colours and emphasis, and `NO_COLOR` (<https://no-color.org>): with it set, every
//! style keeps bold, reverse and underline but drops its colours. The 16 basic ANSI
//! colours only, so 16-colour terminals show the same screens.

use ratatui::style::{Color, Modifier, Style};

/// The styles every screen draws with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Whether colours are used.
    pub color: bool,
}

impl Theme {
    /// Colours unless `NO_COLOR` is set to a non-empty value.
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// Plain text.
    pub fn text(&self) -> Style {
        Style::new()
    }

    /// Secondary text: labels, hints.
    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    /// Titles and the current tab.
    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// The selected row of a list.
    pub fn selected(&self) -> Style {
        if self.color {
            Style::new().bg(Color::Blue).fg(Color::White)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// Something good: accepted, active, connected.
    pub fn good(&self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }

    /// Something wrong: refused, failed, out of the window.
    pub fn bad(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// Something to watch: at risk, waiting.
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }

    /// A key in the key bar.
    pub fn key(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Black).bg(Color::Cyan)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// The large answer panel of a kiosk: green or red, reversed without colour.
    pub fn verdict(&self, ok: bool) -> Style {
        match (self.color, ok) {
            (true, true) => Style::new().bg(Color::Green).fg(Color::Black),
            (true, false) => Style::new().bg(Color::Red).fg(Color::White),
            (false, true) => Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            (false, false) => Style::new().add_modifier(Modifier::REVERSED | Modifier::UNDERLINED),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every colour is one of the 16 ANSI colours (no 256-colour index, no RGB), so a
    /// 16-colour terminal shows the same screens.
    #[test]
    fn only_the_16_ansi_colours() {
        let t = Theme { color: true };
        let styles = [
            t.text(),
            t.dim(),
            t.title(),
            t.selected(),
            t.good(),
            t.bad(),
            t.warn(),
            t.key(),
            t.verdict(true),
            t.verdict(false),
        ];
        for s in styles {
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(
                    !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                    "{c:?} is not one of the 16"
                );
            }
        }
    }

    #[test]
    fn without_colour_no_style_has_a_colour() {
        let t = Theme { color: false };
        for s in [
            t.dim(),
            t.title(),
            t.selected(),
            t.good(),
            t.bad(),
            t.warn(),
            t.key(),
        ] {
            assert_eq!((s.fg, s.bg), (None, None), "{s:?}");
        }
        let c = Theme { color: true };
        assert_eq!(c.good().fg, Some(Color::Green));
        assert_ne!(
            t.verdict(true),
            t.verdict(false),
            "ok and refused differ without colour"
        );
    }
}
