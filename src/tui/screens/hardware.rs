//! Hardware: what is attached (the station's inventory: PC/SC readers and cards, USB
//! tokens, serial ports), the demo's emulated devices, and a live log of what comes
//! and goes from the station's hardware watch job (hotplug).

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

use crate::station::jobs::CancelToken;
use crate::station::views::hardware::{self, WatchMsg};
use crate::tui::app::Shared;
use crate::tui::msg::{self, Msg};
use crate::tui::words;

/// How many watch lines are kept.
const KEEP: usize = 50;

/// The hardware screen.
#[derive(Default)]
pub struct HardwareScreen {
    lines: Vec<String>,
    log: Vec<String>,
    watch: Option<CancelToken>,
}

impl HardwareScreen {
    /// Reads the inventory and starts the watch (once).
    pub fn refresh(&mut self, sh: &mut Shared) {
        self.lines.clear();
        if let Some(d) = &sh.demo {
            self.lines.push("emulated (demo):".into());
            self.lines
                .extend(d.lines().into_iter().map(|l| format!("  {l}")));
        }
        if !sh.probe {
            self.lines
                .push("(the machine's hardware is not read in this run)".into());
            return;
        }
        match hardware::inventory(false, &[]) {
            Ok(inv) => {
                self.lines
                    .push(format!("PC/SC readers: {}", inv.pcsc.items.len()));
                for r in &inv.pcsc.items {
                    let card = r
                        .card
                        .as_ref()
                        .map(|_| " (card present: burn, enrol)")
                        .unwrap_or("");
                    self.lines
                        .push(format!("  {}{card}", words::safe(&r.name, 50)));
                }
                if let Some(e) = &inv.pcsc.error {
                    self.lines.push(format!("  {}", words::safe(e, 70)));
                }
                self.lines
                    .push(format!("USB tokens: {}", inv.usb.items.len()));
                self.lines
                    .push(format!("serial ports: {}", inv.serial.items.len()));
            }
            Err(e) => self.lines.push(words::error(&e)),
        }
        if self.watch.is_none()
            && let Ok(job) = hardware::watch(false)
        {
            self.watch = Some(job.cancel_token());
            let _ = msg::forward(job, sh.tx.clone(), Msg::Hardware, |_| None);
        }
    }

    /// A change the watch saw.
    pub fn watch_msg(&mut self, m: WatchMsg) {
        let line = match m {
            WatchMsg::Event(e) => e.to_string(),
            WatchMsg::Problem(p) => p,
        };
        self.log.push(words::safe(&line, 100));
        if self.log.len() > KEEP {
            self.log.remove(0);
        }
    }

    /// The keys of this screen.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        vec![("r", "read the inventory again")]
    }

    /// Takes a key.
    pub fn key(&mut self, k: KeyEvent, sh: &mut Shared) {
        if k.code == KeyCode::Char('r') {
            self.refresh(sh);
        }
    }

    /// Draws the inventory and the live log.
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let [inv, log] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
        let lines: Vec<Line<'_>> = self.lines.iter().map(|l| Line::raw(l.clone())).collect();
        f.render_widget(
            Paragraph::new(lines)
                .block(Block::bordered().title(" Hardware ").title_style(t.title())),
            inv,
        );
        let lines: Vec<Line<'_>> = self
            .log
            .iter()
            .rev()
            .map(|l| Line::raw(l.clone()))
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(" Hotplug (live) ")),
            log,
        );
    }
}

impl Drop for HardwareScreen {
    fn drop(&mut self) {
        if let Some(c) = &self.watch {
            c.cancel();
        }
    }
}
