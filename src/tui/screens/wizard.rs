//! The provisioning wizard: reader, product, serial and seed, then the burn as a
//! station job (burn, clock, proof, register) whose events and questions show here;
//! a failure is shown at the step it happened, and Enter retries. Readers are the
//! demo's in-process YubiKey and the PC/SC readers of the inventory.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::devices::session::{ReaderSpec, TokenSession};
use crate::devices::ykoath::OathToken;
use crate::emulator::link::InProcess;
use crate::station::Station;
use crate::station::burn_job::{self, BurnEvent, BurnOrder, DeviceOptions};
use crate::station::provision::{BurnOptions, BurnOutcome, BurnSeed};
use crate::station::seed_input::SeedInput;
use crate::station::views::hardware;
use crate::tui::app::Shared;
use crate::tui::demo::YUBIKEY_READER;
use crate::tui::input::{Edit, Field};
use crate::tui::msg::{self, Msg};
use crate::tui::words;

/// The wizard's steps, in order.
pub const STEPS: [&str; 6] = ["reader", "product", "serial", "seed", "burn", "register"];

/// Where the wizard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Step {
    /// Choosing the reader.
    #[default]
    Reader,
    /// Choosing the product.
    Product,
    /// Typing the serial.
    Serial,
    /// The burn job runs.
    Burning,
    /// Done (or failed).
    Done,
}

/// The wizard's state.
#[derive(Default)]
pub struct Wizard {
    step: Step,
    readers: Vec<String>,
    products: Vec<String>,
    sel: usize,
    reader: Option<String>,
    product: Option<String>,
    serial: Field,
    log: Vec<(String, bool)>,
    outcome: Option<Result<BurnOutcome, String>>,
}

impl Wizard {
    /// Reads the readers and products afresh.
    pub fn refresh(&mut self, sh: &mut Shared) {
        if self.step == Step::Burning {
            return;
        }
        self.readers.clear();
        if sh.demo.is_some() {
            self.readers.push(YUBIKEY_READER.to_string());
        }
        if sh.probe
            && let Ok(inv) = hardware::inventory(false, &[])
        {
            self.readers
                .extend(inv.pcsc.items.into_iter().map(|r| r.name));
        }
        if let Some(st) = sh.st.as_ref()
            && let Ok(rows) = st.product_rows()
        {
            self.products = rows
                .into_iter()
                .filter(|r| r.product.programmable)
                .map(|r| r.product.name)
                .collect();
        }
    }

    /// Whether keys go to a field.
    pub fn captures(&self) -> bool {
        self.step == Step::Serial
    }

    /// The keys of this screen.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        match self.step {
            Step::Serial => vec![
                ("Enter", "burn (empty: the device's serial)"),
                ("Esc", "back"),
            ],
            Step::Burning => vec![],
            Step::Done => vec![("Enter", "burn another (retry)")],
            _ => vec![("↑↓", "choose"), ("Enter", "next step"), ("Esc", "back")],
        }
    }

    fn choices(&self) -> &[String] {
        match self.step {
            Step::Reader => &self.readers,
            Step::Product => &self.products,
            _ => &[],
        }
    }

    /// Takes a key.
    pub fn key(&mut self, k: KeyEvent, sh: &mut Shared) {
        match self.step {
            Step::Reader | Step::Product => match k.code {
                KeyCode::Down => {
                    self.sel = (self.sel + 1).min(self.choices().len().saturating_sub(1))
                }
                KeyCode::Up => self.sel = self.sel.saturating_sub(1),
                KeyCode::Esc => {
                    self.step = Step::Reader;
                    self.sel = 0;
                }
                KeyCode::Enter => {
                    let Some(c) = self.choices().get(self.sel).cloned() else {
                        return;
                    };
                    if self.step == Step::Reader {
                        self.reader = Some(c);
                        self.step = Step::Product;
                    } else {
                        self.product = Some(c);
                        self.step = Step::Serial;
                    }
                    self.sel = 0;
                }
                _ => {}
            },
            Step::Serial => match self.serial.key(k) {
                Edit::Editing => {}
                Edit::Cancel => self.step = Step::Product,
                Edit::Submit => self.start(sh),
            },
            Step::Burning => {}
            Step::Done => {
                if k.code == KeyCode::Enter {
                    *self = Wizard::default();
                    self.refresh(sh);
                }
            }
        }
    }

    /// Starts the burn job on a sibling station.
    fn start(&mut self, sh: &mut Shared) {
        let (Some(reader), Some(st)) = (self.reader.clone(), sh.st.as_ref()) else {
            return;
        };
        let serial = self.serial.text().trim().to_string();
        let order = BurnOrder {
            reader: ReaderSpec::Pcsc(reader.clone()),
            device: DeviceOptions::default(),
            product: self.product.clone(),
            serial: (!serial.is_empty()).then_some(serial),
            seed: BurnSeed::New(SeedInput::Generate),
            options: BurnOptions::default(),
        };
        let job = (|| {
            let sib: Station = st.open_sibling()?;
            match (&sh.demo, reader == YUBIKEY_READER) {
                (Some(d), true) => {
                    let card = d.yubikey.clone();
                    let open = move || {
                        let link = InProcess::card(YUBIKEY_READER, card);
                        let token = OathToken::open(link, None)?;
                        Ok(TokenSession::from_parts(
                            YUBIKEY_READER,
                            Box::new(token),
                            None,
                        ))
                    };
                    burn_job::burn_session(sib, open, order)
                }
                _ => burn_job::burn(sib, order),
            }
        })();
        self.log = vec![(format!("burning on {reader}…"), true)];
        match job {
            Ok(job) => {
                let sent = msg::forward(job, sh.tx.clone(), Msg::Burn, |r| {
                    r.ok().map(|done| Msg::BurnDone(Box::new(done)))
                });
                self.step = if sent.is_ok() {
                    Step::Burning
                } else {
                    Step::Done
                };
            }
            Err(e) => {
                self.outcome = Some(Err(words::error(&e)));
                self.step = Step::Done;
            }
        }
    }

    /// A burn event.
    pub fn event(&mut self, e: BurnEvent, _sh: &mut Shared) {
        let line = match e {
            BurnEvent::Present { reader, .. } => (format!("present the token to {reader}"), true),
            BurnEvent::Burned { outcome, .. } => (
                format!(
                    "burned {} ({}), proof {:?}",
                    outcome.serial, outcome.name, outcome.proof
                ),
                true,
            ),
            BurnEvent::Failed { serial, error, .. } => (
                format!("{}: {}", serial.unwrap_or_default(), error.message),
                false,
            ),
            BurnEvent::Skipped { serial } => (format!("{serial} exists already: skipped"), false),
            BurnEvent::Remove { reader } => (format!("take the token off {reader}"), true),
            BurnEvent::Opened { reader } => (format!("token found on {reader}: burning"), true),
        };
        self.log.push(line);
    }

    /// The burn ended.
    pub fn done(&mut self, done: (Station, crate::station::Result<BurnOutcome>), sh: &mut Shared) {
        self.step = Step::Done;
        match done.1 {
            Ok(o) => {
                sh.say(format!("token {} registered active", o.serial), true);
                self.outcome = Some(Ok(o));
            }
            Err(e) => {
                let text = words::error(&e);
                sh.say(text.clone(), false);
                self.outcome = Some(Err(text));
            }
        }
    }

    /// Draws the wizard.
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        let [steps, body] =
            Layout::horizontal([Constraint::Length(14), Constraint::Min(20)]).areas(area);
        let at = match self.step {
            Step::Reader => 0,
            Step::Product => 1,
            Step::Serial => 2,
            Step::Burning => 4,
            Step::Done => 5,
        };
        let lines: Vec<Line<'_>> = STEPS
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let style = if i == at {
                    t.selected()
                } else if i < at {
                    t.good()
                } else {
                    t.dim()
                };
                Line::styled(format!(" {} {s}", i + 1), style)
            })
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(" Burn ")),
            steps,
        );
        let mut lines = Vec::new();
        let chosen = |l: &str, v: &Option<String>| {
            Line::from(vec![
                Span::styled(format!("{l:<8}"), t.dim()),
                Span::raw(v.clone().unwrap_or_else(|| "-".into())),
            ])
        };
        lines.push(chosen("reader", &self.reader));
        lines.push(chosen("product", &self.product));
        lines.push(Line::from(vec![
            Span::styled("serial  ", t.dim()),
            Span::raw(self.serial.shown()),
            Span::styled(if self.step == Step::Serial { "▏" } else { "" }, t.title()),
        ]));
        lines.push(Line::from(vec![
            Span::styled("seed    ", t.dim()),
            Span::raw("generated (20 bytes)"),
        ]));
        lines.push(Line::raw(""));
        match self.step {
            Step::Reader | Step::Product => {
                let what = if self.step == Step::Reader {
                    "reader"
                } else {
                    "product"
                };
                lines.push(Line::styled(format!("choose the {what}:"), t.title()));
                if self.choices().is_empty() {
                    lines.push(Line::styled(format!("no {what} found"), t.warn()));
                }
                for (i, c) in self.choices().iter().enumerate() {
                    let style = if i == self.sel {
                        t.selected()
                    } else {
                        t.text()
                    };
                    lines.push(Line::styled(format!("  {}", words::safe(c, 60)), style));
                }
            }
            Step::Serial => lines.push(Line::styled("type the serial, Enter burns", t.title())),
            _ => {}
        }
        for (l, good) in &self.log {
            lines.push(Line::styled(
                l.clone(),
                if *good { t.text() } else { t.bad() },
            ));
        }
        match &self.outcome {
            Some(Ok(o)) => lines.push(Line::styled(
                format!(
                    "✔ {} registered active ({}, slot {})",
                    o.serial, o.product, o.slot
                ),
                t.good(),
            )),
            Some(Err(e)) => {
                lines.push(Line::styled(format!("✘ {e}"), t.bad()));
                lines.push(Line::styled("Enter: start again", t.dim()));
            }
            None => {}
        }
        f.render_widget(Paragraph::new(lines).block(Block::bordered()), body);
    }
}
