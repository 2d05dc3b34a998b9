//! Hardware: a live list of what is attached — the demo's emulated tokens and cards,
//! and the station's inventory (PC/SC readers and cards, USB tokens, serial ports),
//! read again by a station poll job as things come and go (hotplug), with the hardware
//! watch's events below. For the selected row: burn (opens the wizard on that reader),
//! enrol the card to a holder (the station's enrol use case), or list what the token
//! holds (the station's device list, as a job).

mod rows;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::devices::session::{ReaderSpec, TokenOptions};
use crate::station::burn_job::DeviceOptions;
use crate::station::device::job::{self, DeviceOrder};
use crate::station::jobs::CancelToken;
use crate::station::presence::CredentialKey;
use crate::station::views::device::HeldList;
use crate::station::views::hardware::{self, Inventory, WatchMsg};
use crate::station::{Result, Station};
use crate::tui::app::Shared;
use crate::tui::demo::bench::BurnTarget;
use crate::tui::input::{Edit, Field};
use crate::tui::msg::{self, Msg};
use crate::tui::words;
use rows::{Row, RowKind};

/// How many watch lines are kept.
const KEEP: usize = 50;
/// How often the inventory is read again.
const POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// The hardware screen.
#[derive(Default)]
pub struct HardwareScreen {
    rows: Vec<Row>,
    inventory: Vec<Row>,
    sel: usize,
    log: Vec<String>,
    watch: Option<CancelToken>,
    poll: Option<CancelToken>,
    enrol: Option<(String, CredentialKey, Field)>,
    held: Option<std::result::Result<HeldList, String>>,
    listing: bool,
    burn: Option<String>,
}

impl HardwareScreen {
    /// Lists the demo's devices and starts the inventory poll and the watch (once).
    pub fn refresh(&mut self, sh: &mut Shared) {
        self.rows = sh.demo.as_ref().map(rows::demo_rows).unwrap_or_default();
        if !sh.probe {
            let text = "(the machine's hardware is not read in this run)";
            self.inventory = vec![Row {
                text: text.into(),
                detail: text.into(),
                actions: "",
                kind: RowKind::Info,
            }];
        }
        self.rows.extend(self.inventory.iter().cloned());
        self.sel = self.sel.min(self.rows.len().saturating_sub(1));
        if !sh.probe {
            return;
        }
        if self.poll.is_none()
            && let Ok(job) = hardware::poll(POLL)
        {
            self.poll = Some(job.cancel_token());
            let _ = msg::forward(
                job,
                sh.tx.clone(),
                |i| Msg::Inventory(Box::new(i)),
                |_| None,
            );
        }
        if self.watch.is_none()
            && let Ok(job) = hardware::watch(false)
        {
            self.watch = Some(job.cancel_token());
            let _ = msg::forward(job, sh.tx.clone(), Msg::Hardware, |_| None);
        }
    }

    /// The poll read the inventory: the list follows.
    pub fn inventory(&mut self, inv: Inventory, sh: &Shared) {
        let demo_rows = self.rows.len().saturating_sub(self.inventory.len());
        self.rows.truncate(demo_rows);
        self.inventory = rows::inventory_rows(&inv, sh.demo.as_ref());
        self.rows.extend(self.inventory.iter().cloned());
        self.sel = self.sel.min(self.rows.len().saturating_sub(1));
    }

    /// A change the watch saw.
    pub fn watch_msg(&mut self, m: WatchMsg) {
        let line = match m {
            WatchMsg::Event(e) => e.to_string(),
            WatchMsg::Problem(p) => p,
        };
        self.note(line);
    }

    /// A line for the live log.
    pub fn note(&mut self, line: String) {
        self.log.push(words::safe(&line, 100));
        if self.log.len() > KEEP {
            self.log.remove(0);
        }
    }

    /// The reader the person chose to burn on (the app opens the wizard on it).
    pub fn take_burn(&mut self) -> Option<String> {
        self.burn.take()
    }

    /// Whether keys go to the enrol field.
    pub fn captures(&self) -> bool {
        self.enrol.is_some()
    }

    /// The keys of this screen.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        if self.enrol.is_some() {
            return vec![("Enter", "enrol to this holder"), ("Esc", "cancel")];
        }
        vec![
            ("↑↓", "choose"),
            ("b", "burn a token on this reader (the wizard)"),
            ("e", "enrol the card to a holder"),
            ("l", "list what the token holds"),
            ("r", "read the list again"),
        ]
    }

    /// Takes a key.
    pub fn key(&mut self, k: KeyEvent, sh: &mut Shared) {
        if let Some((_, _, field)) = self.enrol.as_mut() {
            match field.key(k) {
                Edit::Editing => {}
                Edit::Cancel => self.enrol = None,
                Edit::Submit => self.do_enrol(sh),
            }
            return;
        }
        let kind = self.rows.get(self.sel).map(|r| r.kind.clone());
        match (k.code, kind) {
            (KeyCode::Down, _) => self.sel = (self.sel + 1).min(self.rows.len().saturating_sub(1)),
            (KeyCode::Up, _) => self.sel = self.sel.saturating_sub(1),
            (KeyCode::Char('r'), _) => self.refresh(sh),
            (KeyCode::Char('b' | 'l'), Some(RowKind::Reader { card: false, .. })) => {
                sh.say("no card or token in this reader: present one first", false)
            }
            (KeyCode::Char('b'), Some(RowKind::Token { reader }))
            | (KeyCode::Char('b'), Some(RowKind::Reader { name: reader, .. })) => {
                self.burn = Some(reader)
            }
            (KeyCode::Char('e'), Some(RowKind::Card { label, key })) => {
                self.enrol = Some((label, key, Field::default()))
            }
            (
                KeyCode::Char('e'),
                Some(RowKind::Reader {
                    name,
                    key: Some(key),
                    ..
                }),
            ) => self.enrol = Some((format!("the card in {name}"), key, Field::default())),
            (KeyCode::Char('l'), Some(RowKind::Token { reader }))
            | (KeyCode::Char('l'), Some(RowKind::Deployed { reader, .. }))
            | (KeyCode::Char('l'), Some(RowKind::Reader { name: reader, .. })) => {
                self.list(&reader, sh)
            }
            (KeyCode::Char('b'), Some(RowKind::Deployed { serial, .. })) => sh.say(
                format!("this Molto2 is deployed with {serial}: fix its clock on the Drift screen (5, then f)"),
                false,
            ),
            (KeyCode::Char('b' | 'e' | 'l'), _) => sh.say(
                "nothing to do with this row: choose a reader, token or card",
                false,
            ),
            _ => {}
        }
    }

    fn do_enrol(&mut self, sh: &mut Shared) {
        let Some((label, key, field)) = self.enrol.take() else {
            return;
        };
        let holder = field.text().trim().to_string();
        let now = sh.now();
        let Some(st) = sh.st.as_mut() else {
            return;
        };
        match st.holder_enrol(&holder, &key, now) {
            Ok(e) if e.already_enrolled => sh.say(
                format!("holder {holder}: {label} was enrolled already"),
                true,
            ),
            Ok(e) => sh.say(
                format!(
                    "holder {holder}: enrolled {} {}",
                    e.credential.kind, e.credential.value
                ),
                true,
            ),
            Err(e) => sh.say_err(&e),
        }
    }

    /// Lists what the token in `reader` holds, as a station job.
    fn list(&mut self, reader: &str, sh: &mut Shared) {
        let Some(st) = sh.st.as_ref() else {
            return;
        };
        let demo = sh.demo.as_ref().and_then(|d| d.token(reader));
        let started = (|| -> Result<_> {
            let sib: Station = st.open_sibling()?;
            let family = demo.map(|t| t.kind.family());
            match demo.map(|t| t.target()) {
                Some(BurnTarget::Opened { open, .. }) => job::list_opened(sib, move || {
                    open(TokenOptions {
                        family,
                        ..TokenOptions::default()
                    })
                }),
                Some(BurnTarget::Reader(spec)) => job::list(sib, order(spec, family)),
                None => job::list(sib, order(ReaderSpec::Pcsc(reader.to_string()), None)),
            }
        })();
        match started.and_then(|job| {
            msg::forward(
                job,
                sh.tx.clone(),
                |e| Msg::DeviceNote(device_note(&e)),
                |r| r.ok().map(|d| Msg::DeviceList(Box::new(d))),
            )
            .map_err(|e| crate::station::StationError::Internal(e.to_string()))
        }) {
            Ok(()) => {
                self.listing = true;
                self.held = None;
            }
            Err(e) => sh.say_err(&e),
        }
    }

    /// The device list ended.
    pub fn listed(&mut self, done: (Station, Result<HeldList>), sh: &mut Shared) {
        self.listing = false;
        self.held = Some(match done.1 {
            Ok(l) => Ok(l),
            Err(e) => {
                sh.say_err(&e);
                Err(words::error(&e))
            }
        });
    }

    /// Draws the list, the selected row's detail and the live log.
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let [top, log] =
            Layout::vertical([Constraint::Percentage(65), Constraint::Percentage(35)]).areas(area);
        let [list, detail] =
            Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(top);
        let lines: Vec<Line<'_>> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let style = if i == self.sel {
                    t.selected()
                } else {
                    t.text()
                };
                Line::styled(r.text.clone(), style)
            })
            .collect();
        let skip = self
            .sel
            .saturating_sub(usize::from(list.height.saturating_sub(3)));
        f.render_widget(
            Paragraph::new(lines)
                .scroll((u16::try_from(skip).unwrap_or(0), 0))
                .block(Block::bordered().title(" Hardware ").title_style(t.title())),
            list,
        );
        f.render_widget(
            Paragraph::new(self.detail_lines(sh))
                .wrap(Wrap { trim: false })
                .block(Block::bordered().title(" Selected ")),
            detail,
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

    fn detail_lines(&self, sh: &Shared) -> Vec<Line<'static>> {
        let t = sh.theme;
        let mut lines = Vec::new();
        if let Some(r) = self.rows.get(self.sel) {
            lines.push(Line::raw(r.detail.clone()));
            if !r.actions.is_empty() {
                lines.push(Line::styled(r.actions, t.key()));
            }
        }
        if let Some((label, key, field)) = &self.enrol {
            lines.push(Line::styled(format!("enrol {label}"), t.title()));
            lines.push(Line::raw(format!("{} {}", key.kind.as_str(), key.value)));
            lines.push(Line::raw(format!("holder id: {}▏", field.shown())));
        }
        if self.listing {
            lines.push(Line::styled("reading what the token holds…", t.dim()));
        }
        match &self.held {
            Some(Ok(h)) => {
                lines.push(Line::styled(
                    format!(
                        "{} ({}), serial {}:",
                        words::safe(&h.reader, 30),
                        h.family,
                        h.serial.as_deref().unwrap_or("-")
                    ),
                    t.title(),
                ));
                if h.occupied().next().is_none() {
                    lines.push(Line::styled("  nothing burned yet", t.dim()));
                }
                for e in h.occupied() {
                    let name = e.held.name.clone().unwrap_or_default();
                    let reg = e.tokens.first().map(|r| format!(" → {}", r.serial));
                    lines.push(Line::raw(format!(
                        "  {}{}",
                        words::safe(&name, 30),
                        reg.unwrap_or_else(|| " (not registered)".into())
                    )));
                }
            }
            Some(Err(e)) => lines.push(Line::styled(e.clone(), t.bad())),
            None => {}
        }
        lines
    }
}

/// What a device waits for, in words.
fn device_note(e: &crate::station::device::DeviceEvent) -> String {
    use crate::station::device::DeviceEvent;
    match e {
        DeviceEvent::Touch { reader, .. } => format!("touch the token in {reader} now"),
        DeviceEvent::PressButton { reader, .. } => format!("press ▲ on the token in {reader}"),
    }
}

fn order(spec: ReaderSpec, family: Option<crate::model::Family>) -> DeviceOrder {
    DeviceOrder {
        reader: spec,
        device: DeviceOptions {
            family,
            wait: std::time::Duration::from_secs(5),
            ..DeviceOptions::default()
        },
    }
}

impl Drop for HardwareScreen {
    fn drop(&mut self) {
        for c in [&self.watch, &self.poll].into_iter().flatten() {
            c.cancel();
        }
    }
}
