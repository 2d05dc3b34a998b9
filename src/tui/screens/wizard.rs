//! The provisioning wizard: reader (and the family it holds, where the devices layer
//! recognises it), product, seed (generated, a batch of generated seeds, a token's
//! seed from the store, or a seed file), serial, then the burn as a station job whose
//! steps (open, detect, register, clock, write, prove, activate) show as they happen.
//! A failure is shown at the step where it happened (a card pulled mid-burn, a wrong
//! PIN) and Enter retries with the same choices. A batch shows a gauge, each token's
//! outcome and the summary. Readers are the demo's emulated tokens and the PC/SC
//! readers of the inventory. Jobs run on worker threads; this only renders.

mod events;
mod run;
mod view;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use crate::model::Family;
use crate::station::burn_job::BatchSummary;
use crate::station::jobs::CancelToken;
use crate::station::provision::BurnOutcome;
use crate::station::views::hardware;
use crate::tui::app::Shared;
use crate::tui::input::{Edit, Field};

/// The wizard's steps, as the left column lists them.
pub const STEPS: [&str; 8] = [
    "reader", "product", "seed", "serial", "burn", "clock", "proof", "register",
];

/// Where the wizard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Step {
    /// Choosing the reader.
    #[default]
    Reader,
    /// Choosing the product.
    Product,
    /// Choosing where the seed comes from.
    Seed,
    /// Typing the serial (or the batch's prefix and count, or the seed file).
    Details,
    /// The burn job runs.
    Burning,
    /// Done (or failed).
    Done,
}

/// Where the seed comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedChoice {
    /// A fresh seed drawn by the station.
    Generate,
    /// Token after token, each with a fresh seed and a numbered serial.
    Batch,
    /// The sealed seed of a token already in the store (imported).
    FromStore,
    /// A file holding a Key URI or a secret.
    File,
}

/// The seed choices, in the order listed.
pub const SEEDS: [(SeedChoice, &str); 4] = [
    (SeedChoice::Generate, "generate a fresh seed"),
    (SeedChoice::Batch, "batch: fresh seeds, numbered serials"),
    (
        SeedChoice::FromStore,
        "from the store (an imported token's seed)",
    ),
    (
        SeedChoice::File,
        "import a file (otpauth:// URI or base32 secret)",
    ),
];

/// A reader the wizard can burn on.
#[derive(Debug, Clone)]
pub struct ReaderChoice {
    /// Its name.
    pub name: String,
    /// What is in it.
    pub what: String,
    /// The family, when recognised before the burn.
    pub family: Option<Family>,
    /// How the family is known, in words.
    pub family_note: String,
}

/// A batch's progress.
#[derive(Debug, Default)]
pub struct BatchView {
    /// How many tokens are to be burned.
    pub total: u64,
    /// Per token: serial (or position) and outcome (good, text).
    pub outcomes: Vec<(String, bool, String)>,
    /// The summary, once the batch ended.
    pub summary: Option<BatchSummary>,
}

/// The wizard's state.
#[derive(Default)]
pub struct Wizard {
    step: Step,
    sel: usize,
    readers: Vec<ReaderChoice>,
    products: Vec<(String, Family)>,
    reader: Option<ReaderChoice>,
    product: Option<String>,
    seed: Option<SeedChoice>,
    serial: Field,
    count: Field,
    file: Field,
    slot: Field,
    focus: usize,
    reached: Vec<&'static str>,
    failed_at: Option<&'static str>,
    log: Vec<(String, bool)>,
    outcome: Option<std::result::Result<BurnOutcome, String>>,
    batch: Option<BatchView>,
    job: Option<CancelToken>,
}

impl Wizard {
    /// Reads the readers and products afresh.
    pub fn refresh(&mut self, sh: &mut Shared) {
        if self.step == Step::Burning {
            return;
        }
        self.readers.clear();
        if let Some(d) = &sh.demo {
            self.readers.extend(d.tokens.iter().map(|t| {
                let (family, family_note) = run::demo_family(t);
                ReaderChoice {
                    name: t.reader.clone(),
                    what: format!("{}, {}", t.kind.describe(), t.place.describe()),
                    family,
                    family_note,
                }
            }));
        }
        if sh.probe
            && let Ok(inv) = hardware::inventory(false, &[])
        {
            for r in inv.pcsc.items {
                if self.readers.iter().any(|c| c.name == r.name) {
                    continue;
                }
                let (what, family) = match &r.card {
                    Some(c) => (c.description.to_string(), c.family),
                    None => ("no card".to_string(), None),
                };
                self.readers.push(ReaderChoice {
                    name: r.name,
                    what,
                    family,
                    family_note: match family {
                        Some(f) => format!("{f} (ATR, OATH SELECT)"),
                        None => "detected at the burn".into(),
                    },
                });
            }
        }
        if let Some(st) = sh.st.as_ref()
            && let Ok(rows) = st.product_rows()
        {
            self.products = rows
                .into_iter()
                .filter(|r| r.product.programmable)
                .map(|r| (r.product.name, r.product.family))
                .collect();
        }
    }

    /// Opens the wizard on `reader` (the hardware screen's burn), at the product.
    pub fn preselect(&mut self, reader: &str, sh: &mut Shared) {
        *self = Wizard::default();
        self.refresh(sh);
        if let Some(c) = self.readers.iter().find(|c| c.name == reader).cloned() {
            self.choose_reader(c);
        }
    }

    fn choose_reader(&mut self, c: ReaderChoice) {
        // the products of the recognised family first in view: select the first one
        self.sel = c
            .family
            .as_ref()
            .and_then(|f| self.products.iter().position(|(_, pf)| pf == f))
            .unwrap_or(0);
        self.reader = Some(c);
        self.step = Step::Product;
    }

    /// Whether keys go to a field.
    pub fn captures(&self) -> bool {
        self.step == Step::Details
    }

    /// The keys of this screen.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        match self.step {
            Step::Details => vec![
                ("Enter", "burn (serial empty: the device's own)"),
                ("Tab", "next field (batch)"),
                ("Esc", "back"),
            ],
            Step::Burning => vec![("Esc", "stop the batch (after this token)")],
            Step::Done => vec![
                ("Enter", "retry (same reader, product and seed)"),
                ("n", "new burn"),
                ("x", "demo: pull the card mid-burn"),
            ],
            _ => vec![
                ("↑↓", "choose"),
                ("Enter", "next step"),
                ("Esc", "back"),
                ("x", "demo: pull the card mid-burn"),
            ],
        }
    }

    fn choices_len(&self) -> usize {
        match self.step {
            Step::Reader => self.readers.len(),
            Step::Product => self.products.len(),
            Step::Seed => SEEDS.len(),
            _ => 0,
        }
    }

    /// Takes a key.
    pub fn key(&mut self, k: KeyEvent, sh: &mut Shared) {
        if k.code == KeyCode::Char('x') && self.step != Step::Details {
            return self.arm_pull(sh);
        }
        match self.step {
            Step::Reader | Step::Product | Step::Seed => self.choose(k),
            Step::Details => self.details_key(k, sh),
            Step::Burning => {
                if k.code == KeyCode::Esc
                    && let Some(c) = &self.job
                {
                    c.cancel();
                }
            }
            Step::Done => match k.code {
                KeyCode::Enter => self.start(sh),
                KeyCode::Char('n') => {
                    *self = Wizard::default();
                    self.refresh(sh);
                }
                _ => {}
            },
        }
    }

    fn choose(&mut self, k: KeyEvent) {
        match k.code {
            KeyCode::Down => self.sel = (self.sel + 1).min(self.choices_len().saturating_sub(1)),
            KeyCode::Up => self.sel = self.sel.saturating_sub(1),
            KeyCode::Esc => {
                self.step = match self.step {
                    Step::Seed => Step::Product,
                    _ => Step::Reader,
                };
                self.sel = 0;
            }
            KeyCode::Enter => match self.step {
                Step::Reader => {
                    if let Some(c) = self.readers.get(self.sel).cloned() {
                        self.choose_reader(c);
                    }
                }
                Step::Product => {
                    if let Some((p, _)) = self.products.get(self.sel) {
                        self.product = Some(p.clone());
                        self.step = Step::Seed;
                        self.sel = 0;
                    }
                }
                _ => {
                    if let Some((s, _)) = SEEDS.get(self.sel) {
                        self.seed = Some(*s);
                        self.step = Step::Details;
                        self.focus = 0;
                    }
                }
            },
            _ => {}
        }
    }

    /// The fields of the details step, by seed choice.
    fn fields(&self) -> usize {
        match self.seed {
            Some(SeedChoice::Batch) | Some(SeedChoice::File) => 3,
            _ => 2,
        }
    }

    fn field(&mut self) -> &mut Field {
        let last = self.fields() - 1;
        match (self.seed, self.focus) {
            (_, f) if f == last => &mut self.slot,
            (Some(SeedChoice::Batch), 1) => &mut self.count,
            (Some(SeedChoice::File), 1) => &mut self.file,
            _ => &mut self.serial,
        }
    }

    fn details_key(&mut self, k: KeyEvent, sh: &mut Shared) {
        if k.code == KeyCode::Tab {
            self.focus = (self.focus + 1) % self.fields();
            return;
        }
        match self.field().key(k) {
            Edit::Editing => {}
            Edit::Cancel => self.step = Step::Seed,
            Edit::Submit => self.start(sh),
        }
    }

    fn arm_pull(&mut self, sh: &mut Shared) {
        let token = self
            .reader
            .as_ref()
            .and_then(|r| sh.demo.as_ref().and_then(|d| d.token(&r.name)));
        match token {
            Some(t) if !t.kind.is_hid() => {
                t.pull_mid_burn(run::PULL_AFTER);
                sh.say(
                    "demo: the card will be pulled in the middle of the next burn",
                    true,
                );
            }
            _ => sh.say("choose an emulated card's reader first (demo)", false),
        }
    }

    /// Draws the wizard.
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        view::draw(self, f, area, sh);
    }
}
