//! How the kiosk draws: the location and the readers' state, a large clock
//! (tui-big-text) in the location's zone, the prompt (typed codes as dots), the
//! answer large in green or red with the holder and direction, and the last events.
//! Lays out again at every size (the kiosk survives a resize).

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use tui_big_text::{BigText, PixelSize};

use super::{KioskScreen, LAST};
use crate::station::presence::kiosk::{KioskLine, LineKind};
use crate::station::presence::{Direction, EventStatus};
use crate::tui::app::Shared;
use crate::tui::words;

impl KioskScreen {
    /// Draws the kiosk (or, before it starts, what Enter will start).
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let loc = self.location.as_deref().unwrap_or("(no location)");
        if !self.running() {
            let text = vec![
                Line::styled(format!("Kiosk at {}", words::safe(loc, 40)), t.title()),
                Line::styled("←→ another location", t.dim()),
                Line::raw(""),
                Line::raw("Enter starts the kiosk full screen at this location."),
                Line::raw("It can only be left with the operator passphrase (or an"),
                Line::raw("operator API key on a key-file store)."),
            ];
            f.render_widget(Paragraph::new(text).block(Block::bordered()), area);
            return;
        }
        let [head, clock, prompt, answer, events] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(4),
            Constraint::Length(2),
            Constraint::Min(3),
            Constraint::Length(u16::try_from(LAST).unwrap_or(5) + 1),
        ])
        .areas(area);
        // Location and readers' state.
        let [name, state] =
            Layout::horizontal([Constraint::Min(10), Constraint::Length(40)]).areas(head);
        f.render_widget(
            Line::styled(format!(" {}", words::safe(loc, 40)), t.title()),
            name,
        );
        let mut spans = Vec::new();
        for (r, up) in &self.readers {
            let (mark, style) = if *up {
                ("● ", t.good())
            } else {
                ("○ ", t.warn())
            };
            spans.push(Span::styled(mark, style));
            spans.push(Span::raw(format!("{} ", words::safe(r, 18))));
        }
        if self.readers.is_empty() {
            spans.push(Span::styled("typed codes only", t.dim()));
        }
        f.render_widget(Line::from(spans).alignment(Alignment::Right), state);
        // The clock.
        let now = chrono::DateTime::from_timestamp(sh.now(), 0).unwrap_or_default();
        let time = match self.tz {
            Some(tz) => now.with_timezone(&tz).format("%H:%M:%S").to_string(),
            None => now.format("%H:%M:%S").to_string(),
        };
        let big = BigText::builder()
            .pixel_size(PixelSize::Quadrant)
            .style(t.title())
            .lines(vec![Line::raw(time)])
            .centered()
            .build();
        f.render_widget(big, clock);
        // The prompt, or the operator's.
        let lines = match &self.leaving {
            Some(field) => vec![
                Line::styled(
                    "operator passphrase or key (Esc: back to the kiosk)",
                    t.warn(),
                ),
                Line::raw(if self.checking {
                    "checking…".to_string()
                } else {
                    field.shown()
                }),
            ],
            None => vec![
                Line::styled("tap your card or type your code", t.title()),
                Line::raw(self.code.shown()),
            ],
        };
        let mut lines = lines;
        if let Some(n) = &self.note {
            lines[0] = Line::styled(n.clone(), t.bad());
        }
        f.render_widget(Paragraph::new(lines).alignment(Alignment::Center), prompt);
        self.draw_answer(f, answer, sh);
        // The last events.
        let lines: Vec<Line<'_>> = self
            .last
            .iter()
            .map(|l| {
                let ok = l.status == Some(EventStatus::Ok);
                Line::from(vec![
                    Span::styled(
                        format!(" {} ", l.clock.clone().unwrap_or_default()),
                        t.dim(),
                    ),
                    Span::styled(
                        if ok { "OK " } else { "NO " },
                        if ok { t.good() } else { t.bad() },
                    ),
                    Span::raw(format!(
                        "{} {}",
                        direction(l.direction),
                        words::safe(who(l), 30)
                    )),
                ])
            })
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(Block::new().title(" last events ").title_style(t.dim())),
            events,
        );
    }

    fn draw_answer(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let Some(l) = &self.answer else { return };
        let ok = match l.kind {
            LineKind::Event => l.status == Some(EventStatus::Ok),
            LineKind::Folded | LineKind::NeedCode => true,
            _ => false,
        };
        let head = match l.kind {
            LineKind::NeedCode => "now type your code".to_string(),
            LineKind::Expired => "no code in time".to_string(),
            LineKind::Error => "not recorded".to_string(),
            _ if ok => format!("{} — {}", words::safe(who(l), 40), direction(l.direction)),
            _ => format!("refused — {}", words::safe(who(l), 40)),
        };
        let head = if l.offline {
            format!("{head} (recorded offline)")
        } else {
            head
        };
        let why = l
            .reason
            .map(|r| r.as_str().replace('_', " "))
            .unwrap_or_default();
        let lines = vec![
            Line::raw(""),
            Line::styled(
                match (ok, l.direction) {
                    (true, Some(Direction::Out)) => "✔ GOODBYE",
                    (true, _) => "✔ WELCOME",
                    (false, _) => "✘ NO",
                },
                t.verdict(ok),
            ),
            Line::styled(head, t.verdict(ok)),
            Line::styled(why, t.verdict(ok)),
        ];
        f.render_widget(
            Paragraph::new(lines)
                .alignment(Alignment::Center)
                .style(t.verdict(ok)),
            area,
        );
    }
}

/// The holder's label, else its id, else what was presented.
fn who(l: &KioskLine) -> &str {
    l.label
        .as_deref()
        .or(l.holder.as_deref())
        .or(l.credential.as_deref())
        .unwrap_or("-")
}

fn direction(d: Option<Direction>) -> &'static str {
    match d {
        Some(Direction::In) => "IN",
        Some(Direction::Out) => "OUT",
        None => "",
    }
}
