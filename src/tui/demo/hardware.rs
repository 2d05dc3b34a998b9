//! The demo's hardware as a whole: the bench's tokens and cards, the pseudo-terminals
//! of the PN532 and the RDM6300, and the vpcd bridges and lock when pcscd is used.
//! Kept alive while the TUI runs; dropping it takes every card away.

use std::path::PathBuf;

use super::YUBIKEY_READER;
use super::bench::{self, DemoCard, DemoToken};
use super::deployed::{self, Deployed};
use super::devices::TokenKind;
use crate::emulator::vpcd::{VpcdBridge, reader_name};

/// The demo's emulated hardware.
pub struct DemoHardware {
    /// Tokens to burn.
    pub tokens: Vec<DemoToken>,
    /// Badge cards and tags to enrol.
    pub cards: Vec<DemoCard>,
    /// Deployed tokens whose clocks drift, to fix.
    pub deployed: Vec<Deployed>,
    /// The RDM6300's pseudo-terminal, when the serial backend is built.
    pub rdm6300: Option<PathBuf>,
    /// The PN532's pseudo-terminal, when the serial backend is built.
    pub pn532: Option<PathBuf>,
    /// Whether pcscd/vpcd carries part of it.
    pub pcscd: bool,
    bridges: Vec<VpcdBridge>,
    #[cfg(feature = "serial")]
    _ptys: Vec<crate::emulator::pty::PtyBridge>,
    _lock: Option<std::fs::File>,
}

impl DemoHardware {
    /// Everything in process (no pseudo-terminal, no pcscd): tests and snapshots.
    pub fn in_process() -> DemoHardware {
        DemoHardware {
            tokens: TokenKind::ALL
                .iter()
                .map(|&k| DemoToken::in_process(k))
                .collect(),
            cards: vec![bench::badge_in_process()],
            deployed: deployed::in_process(),
            rdm6300: None,
            pn532: None,
            pcscd: false,
            bridges: Vec::new(),
            #[cfg(feature = "serial")]
            _ptys: Vec::new(),
            _lock: None,
        }
    }

    /// The token in `reader`, if the bench has one there (a token to burn or a
    /// deployed one).
    pub fn token(&self, reader: &str) -> Option<&DemoToken> {
        self.tokens
            .iter()
            .chain(self.deployed.iter().map(|d| &d.token))
            .find(|t| t.reader == reader)
    }

    /// The deployed device that carries the store token `serial`, if one does.
    pub fn holding(&self, serial: &str) -> Option<&DemoToken> {
        self.deployed
            .iter()
            .find(|d| d.serial == serial)
            .map(|d| &d.token)
    }

    /// The card or tag in `reader`, if the bench has one there.
    pub fn card(&self, reader: &str) -> Option<&DemoCard> {
        self.cards.iter().find(|c| c.reader == reader)
    }

    /// One line per device, for the dashboard.
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .tokens
            .iter()
            .map(|t| format!("{} · {}", t.kind.short(), t.place.describe()))
            .collect();
        out.extend(self.cards.iter().map(|c| {
            let reader = c.reader.split(':').next().unwrap_or_default();
            format!("{} {} · {}", c.kind, hex(&c.id), reader)
        }));
        out.extend(
            self.deployed
                .iter()
                .map(|d| format!("Molto2 with {} · clock drifting", d.serial)),
        );
        if self.rdm6300.is_none() {
            out.push("RDM6300: not started".into());
        }
        out
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

impl Drop for DemoHardware {
    fn drop(&mut self) {
        for b in self.bridges.drain(..) {
            b.stop();
        }
    }
}

/// The machine-wide lock on the vpcd slots (the PC/SC tests take it too), when free.
fn vpcd_lock() -> Option<std::fs::File> {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::env::temp_dir().join("tokenstation-vpcd.lock"))
        .ok()?;
    f.try_lock().ok()?;
    Some(f)
}

/// Whether pcscd lists both vpcd readers.
fn vpcd_readers() -> bool {
    crate::station::views::hardware::inventory(false, &[]).is_ok_and(|inv| {
        [0u16, 1].iter().all(|slot| {
            let name = reader_name(crate::emulator::vpcd::VPCD_PORT_0 + slot);
            inv.pcsc.items.iter().any(|r| r.name == name)
        })
    })
}

/// Starts the demo's hardware: behind pcscd/vpcd when it runs and its slots are free
/// (`TOKENSTATION_DEMO_PCSC=0` keeps everything in process), the PN532 and the
/// RDM6300 on pseudo-terminals when the serial backend is built.
pub fn start_hardware() -> DemoHardware {
    let mut hw = DemoHardware::in_process();
    let wanted = std::env::var("TOKENSTATION_DEMO_PCSC").map_or(true, |v| v != "0");
    let lock = wanted.then(vpcd_lock).flatten().filter(|_| vpcd_readers());
    if lock.is_some() {
        let mut bridges = Vec::new();
        hw.tokens = bench::tokens(true, &mut bridges);
        if let Some(c) = bench::badge_in_vpcd(bench::BADGE_PORT, &mut bridges) {
            hw.cards = vec![c];
        }
        hw.pcscd = !bridges.is_empty();
        hw.bridges = bridges;
        hw._lock = lock;
    }
    start_serial(&mut hw);
    debug_assert!(hw.token(YUBIKEY_READER).is_some());
    hw
}

#[cfg(feature = "serial")]
fn start_serial(hw: &mut DemoHardware) {
    use super::ALICE_TAG;
    use super::bench::Place;
    use crate::emulator::fault::Faults;
    use crate::emulator::field::Field;
    use crate::emulator::pty::PtyBridge;
    use crate::emulator::rdm6300::Rdm6300Emulator;
    if let Ok(p) = PtyBridge::spawn(Rdm6300Emulator::new(Field::with(ALICE_TAG)), Faults::new()) {
        let path = p.path().to_path_buf();
        hw.cards.push(DemoCard {
            reader: format!("rdm6300:{}", path.display()),
            what: "Alice's tag (enrolled)",
            kind: "tag",
            id: ALICE_TAG.bytes().to_vec(),
            place: Place::Pty(path.clone()),
        });
        hw.rdm6300 = Some(path);
        hw._ptys.push(p);
    }
    // the Token2 NFC token sits in the PN532's field, burned through the PN532 driver
    if let Some(t) = DemoToken::in_pn532(&mut hw._ptys)
        && let Some(slot) = hw.tokens.iter_mut().find(|x| x.kind == t.kind)
    {
        hw.pn532 = Some(PathBuf::from(t.reader.trim_start_matches("pn532:")));
        *slot = t;
    }
}

#[cfg(not(feature = "serial"))]
fn start_serial(_: &mut DemoHardware) {}
