//! Starting the wizard's jobs: the order the choices make (reader, product, seed,
//! serial), a single burn or a batch on a sibling station, on the reader the station
//! opens itself or on the demo's emulated token; events are forwarded to the UI thread.

use std::time::Duration;

use super::{BatchView, SeedChoice, Step, Wizard};
use crate::devices::session::ReaderSpec;
use crate::model::Family;
use crate::station::burn_job::{self, BatchOrder, BurnOrder, DeviceOptions};
use crate::station::provision::{BurnOptions, BurnSeed};
use crate::station::seed_input::SeedInput;
use crate::station::{Result, Station};
use crate::tui::app::Shared;
use crate::tui::demo::bench::{BurnTarget, DemoToken};
use crate::tui::msg::{self, Msg};
use crate::tui::words;

/// How many answers of the card pass before a demo pull takes it away (the SELECT and
/// the device information: on a YubiKey the card leaves as the seed is written).
pub const PULL_AFTER: usize = 2;

/// How long a burn waits for the token in a reader of the inventory.
const WAIT: Duration = Duration::from_secs(10);

/// The family of a demo token as the devices layer recognises a card before the burn
/// (its ATR, then an OATH SELECT: `devices::identify`, the rule `hw list` and the
/// hardware screen follow), a HID node by its kind.
pub fn demo_family(t: &DemoToken) -> (Option<Family>, String) {
    if t.kind.is_hid() {
        let f = t.kind.family();
        return (Some(f), format!("{f} (HID)"));
    }
    match t.identify().and_then(|id| id.family) {
        Some(f) => (Some(f), format!("{f} (ATR, OATH SELECT)")),
        None => (
            None,
            "not recognisable by its ATR or an OATH SELECT: the product's".to_string(),
        ),
    }
}

impl Wizard {
    fn seed_input(&self) -> Result<BurnSeed> {
        Ok(match self.seed {
            Some(SeedChoice::FromStore) => BurnSeed::FromStore,
            Some(SeedChoice::File) => BurnSeed::New(SeedInput::from_file(std::path::Path::new(
                self.file.text().trim(),
            ))?),
            _ => BurnSeed::New(SeedInput::Generate),
        })
    }

    /// The slot typed (`None`: the family's first, a Molto2's first free profile).
    fn slot_number(&self) -> std::result::Result<Option<u16>, String> {
        let t = self.slot.text().trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<u16>().map(Some).map_err(|_| {
            format!(
                "slot '{}': type a number (or nothing for the family's first, a Molto2's first free profile)",
                words::safe(t, 10)
            )
        })
    }

    /// Starts the burn (or the batch) with the wizard's choices; a retry starts the
    /// same again.
    pub(super) fn start(&mut self, sh: &mut Shared) {
        let (Some(reader), Some(st)) = (self.reader.clone(), sh.st.as_ref()) else {
            return;
        };
        let slot = match self.slot_number() {
            Ok(s) => s,
            Err(text) => return sh.say(text, false),
        };
        self.reached.clear();
        self.failed_at = None;
        self.outcome = None;
        self.log = vec![(format!("burning on {}…", reader.name), true)];
        let target = sh
            .demo
            .as_ref()
            .and_then(|d| d.token(&reader.name))
            .map(|t| (t.target(), t.tray()));
        let spec = match &target {
            Some((BurnTarget::Reader(s), _)) | Some((BurnTarget::Opened { spec: s, .. }, _)) => {
                s.clone()
            }
            None => ReaderSpec::Pcsc(reader.name.clone()),
        };
        let tx = sh.tx.clone();
        let started = (|| -> Result<crate::station::jobs::CancelToken> {
            let sib: Station = st.open_sibling()?;
            let device = DeviceOptions {
                wait: WAIT,
                ..DeviceOptions::default()
            };
            // no slot typed: the family's first, a Molto2's first free profile
            let options = BurnOptions {
                slot,
                free_slot: slot.is_none(),
                ..BurnOptions::default()
            };
            if self.seed == Some(SeedChoice::Batch) {
                let total = self.count.text().trim().parse::<u64>().unwrap_or(3).max(1);
                let prefix = self.serial.text().trim();
                let order = BatchOrder {
                    reader: spec,
                    device,
                    product: self.product.clone().unwrap_or_default(),
                    serial_prefix: (!prefix.is_empty()).then(|| prefix.to_string()),
                    start: 1,
                    count: Some(total),
                    options,
                };
                let job = match target {
                    Some((_, tray)) => burn_job::batch_in(sib, tray, order)?,
                    None => burn_job::batch(sib, order)?,
                };
                self.batch = Some(BatchView {
                    total,
                    ..BatchView::default()
                });
                let cancel = job.cancel_token();
                forward(msg::forward(job, tx, Msg::Burn, |r| {
                    r.ok().map(|d| Msg::BatchDone(Box::new(d)))
                }))?;
                return Ok(cancel);
            }
            let serial = self.serial.text().trim().to_string();
            let order = BurnOrder {
                reader: spec,
                device,
                product: self.product.clone(),
                serial: (!serial.is_empty()).then_some(serial),
                seed: self.seed_input()?,
                options,
            };
            self.batch = None;
            let job = match target {
                Some((BurnTarget::Opened { needs, open, .. }, _)) => {
                    burn_job::burn_opened(sib, reader.name.clone(), needs, open, order)?
                }
                _ => burn_job::burn(sib, order)?,
            };
            let cancel = job.cancel_token();
            forward(msg::forward(job, tx, Msg::Burn, |r| {
                r.ok().map(|d| Msg::BurnDone(Box::new(d)))
            }))?;
            Ok(cancel)
        })();
        match started {
            Ok(cancel) => {
                self.job = Some(cancel);
                self.step = Step::Burning;
            }
            Err(e) => {
                let text = words::error(&e);
                sh.say(text.clone(), false);
                self.outcome = Some(Err(text));
                self.step = Step::Done;
            }
        }
    }
}

fn forward(r: std::io::Result<()>) -> Result<()> {
    r.map_err(|e| crate::station::StationError::Internal(format!("starting a thread: {e}")))
}
