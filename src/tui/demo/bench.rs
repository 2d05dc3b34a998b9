//! The demo's bench of emulated hardware: the tokens of [`super::devices`], a badge card
//! in a PC/SC reader, a PN532 (with the Token2 NFC token in its field) and an RDM6300
//! (with Alice's tag) on pseudo-terminals. When pcscd runs with vsmartcard-vpcd and no other
//! program holds the vpcd slots (the machine-wide lock the PC/SC tests take too), the
//! badge card sits in "Virtual PCD 00 00" and the Molto2 in "Virtual PCD 00 01", behind
//! the real pcscd; otherwise both are in process. Screens list the bench, the wizard
//! burns its tokens through [`DemoToken::target`] and batches through
//! [`DemoToken::tray`].

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::devices::{Emulated, TokenKind};
use crate::devices::error::Credential;
use crate::devices::identify::CardIdentity;
use crate::devices::session::{self, ReaderSpec, TokenOptions, TokenSession};
use crate::emulator::fault::{Fault, Faults};
use crate::emulator::field::Field;
use crate::emulator::pcsc_uid::ContactlessCard;
use crate::emulator::picc::Picc;
use crate::emulator::token2_nfc::Token2NfcCard;
use crate::emulator::vpcd::{CardField, VPCD_PORT_0, VPCD_PORT_1, VpcdBridge};
use crate::emulator::{ApduHandler, VirtualCard};
use crate::station::Result;
use crate::station::burn_job::Tray;

/// Where an emulated device is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// In this process, behind the real driver.
    InProcess,
    /// In a vpcd reader of the real pcscd.
    Pcscd,
    /// On this pseudo-terminal.
    Pty(PathBuf),
}

impl Place {
    /// In words.
    pub fn describe(&self) -> String {
        match self {
            Place::InProcess => "in process".into(),
            Place::Pcscd => "behind pcscd (vpcd)".into(),
            Place::Pty(p) => format!("on {}", p.display()),
        }
    }
}

/// A badge card or tag the bench holds, to enrol to a holder.
#[derive(Debug, Clone)]
pub struct DemoCard {
    /// The reader it is in.
    pub reader: String,
    /// What it is.
    pub what: &'static str,
    /// `card` (a UID) or `tag` (an EM4100 tag's five bytes).
    pub kind: &'static str,
    /// Its UID or tag bytes.
    pub id: Vec<u8>,
    /// Where the reader is.
    pub place: Place,
}

/// A token of the bench.
pub struct DemoToken {
    /// Which token.
    pub kind: TokenKind,
    /// The reader (or HID node) it is in.
    pub reader: String,
    /// Where it is.
    pub place: Place,
    current: Arc<Mutex<Emulated>>,
    made: Arc<AtomicU32>,
    pull: Faults,
    field: Slot,
}

/// The reader slot a bench token sits in, when not in process.
#[derive(Clone)]
enum Slot {
    /// In process: no reader slot.
    None,
    /// A vpcd reader's slot.
    Vpcd(CardField),
    /// A PN532's RF field.
    #[cfg_attr(not(feature = "serial"), allow(dead_code))] // made only with ptys
    Pn532(Field<Picc>),
}

impl Slot {
    /// Puts `token` in the slot (a tap).
    fn place(&self, token: &Emulated, uid: &[u8]) {
        match self {
            Slot::None => {}
            Slot::Vpcd(f) => {
                if let Some(c) = token.card() {
                    f.place(c);
                }
            }
            Slot::Pn532(f) => {
                if let Some(c) = token.card() {
                    let applet: Box<dyn ApduHandler> = c;
                    f.place(Picc::iso14443_4(uid, &Token2NfcCard::ats(), applet));
                }
            }
        }
    }

    /// Takes the token away.
    fn take(&self) {
        match self {
            Slot::None => {}
            Slot::Vpcd(f) => drop(f.take()),
            Slot::Pn532(f) => drop(f.take()),
        }
    }
}

/// The UID the Token2 NFC token answers with in the PN532's field.
const TOKEN2_UID: [u8; 7] = [0x04, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76];

/// How the wizard burns a token of the bench.
pub enum BurnTarget {
    /// Through a reader the station opens itself (a vpcd reader of pcscd).
    Reader(ReaderSpec),
    /// Through an opener run on the burn's worker thread.
    Opened {
        /// The reader kind, for the family rule (PC/SC-like or hid).
        spec: ReaderSpec,
        /// The secret the device needs (asked for by the job).
        needs: Option<Credential>,
        /// Opens the token with the device secrets.
        open: Box<dyn FnOnce(TokenOptions) -> Result<TokenSession> + Send>,
    },
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl DemoToken {
    /// A token of `kind`, in process.
    pub fn in_process(kind: TokenKind) -> DemoToken {
        DemoToken {
            kind,
            reader: kind.reader().to_string(),
            place: Place::InProcess,
            current: Arc::new(Mutex::new(Emulated::fresh(kind, 1))),
            made: Arc::new(AtomicU32::new(2)),
            pull: Faults::new(),
            field: Slot::None,
        }
    }

    /// A token of `kind` in process in the reader `reader`, holding `device` (a token
    /// deployed before the demo began: [`super::deployed`]).
    pub(super) fn holding(kind: TokenKind, reader: String, device: Emulated) -> DemoToken {
        DemoToken {
            reader,
            current: Arc::new(Mutex::new(device)),
            ..DemoToken::in_process(kind)
        }
    }

    /// Replaces the device in the reader (the same reader, another token in it).
    pub(super) fn put(&self, device: Emulated) {
        *lock(&self.current) = device;
    }

    /// A Token2 NFC token in the field of a PN532 on a pseudo-terminal (`keep` holds
    /// the pseudo-terminal open).
    #[cfg(feature = "serial")]
    pub(super) fn in_pn532(keep: &mut Vec<crate::emulator::pty::PtyBridge>) -> Option<DemoToken> {
        use crate::emulator::pn532::Pn532Emulator;
        use crate::emulator::pty::PtyBridge;
        let mut t = DemoToken::in_process(TokenKind::Token2Nfc);
        let field = Field::empty();
        let slot = Slot::Pn532(field.clone());
        slot.place(&lock(&t.current), &TOKEN2_UID);
        let pty = PtyBridge::spawn(Pn532Emulator::new(field), t.pull.clone()).ok()?;
        let path = pty.path().to_path_buf();
        t.reader = format!("pn532:{}", path.display());
        t.place = Place::Pty(path);
        t.field = slot;
        keep.push(pty);
        Some(t)
    }

    /// A token of `kind` in the vpcd reader on `port`, when pcscd sees it in time.
    fn in_vpcd(kind: TokenKind, port: u16, keep: &mut Vec<VpcdBridge>) -> Option<DemoToken> {
        let mut t = DemoToken::in_process(kind);
        let card = lock(&t.current).card()?;
        let field: CardField = Field::with(card);
        let bridge = VpcdBridge::spawn(port, field.clone(), t.pull.clone());
        if !connected(&bridge) {
            bridge.stop();
            return None;
        }
        t.reader = bridge.reader_name();
        t.place = Place::Pcscd;
        t.field = Slot::Vpcd(field);
        keep.push(bridge);
        Some(t)
    }

    /// The reader spec a burn names.
    pub fn spec(&self) -> ReaderSpec {
        if let Place::Pty(p) = &self.place {
            return ReaderSpec::Pn532(p.display().to_string());
        }
        if self.kind.is_hid() {
            ReaderSpec::Hid(self.reader.clone())
        } else {
            ReaderSpec::Pcsc(self.reader.clone())
        }
    }

    /// The code its display shows now (Token2, Molto2 after a burn).
    pub fn display(&self) -> Option<String> {
        lock(&self.current).display()
    }

    /// What the card now in the reader is, as a reader's listing recognises it
    /// (`None` for HID tokens).
    pub fn identify(&self) -> Option<CardIdentity> {
        lock(&self.current).identify(&self.reader)
    }

    /// Admin PIN tries left (Nitrokey).
    pub fn pin_tries(&self) -> Option<u8> {
        lock(&self.current).pin_tries()
    }

    /// Arms a pull: the card leaves the reader in the middle of the next burn, after
    /// `answers` answers of the card.
    pub fn pull_mid_burn(&self, answers: usize) {
        for _ in 0..answers {
            self.pull.push(Fault::Pass);
        }
        self.pull.push(Fault::RemoveCard);
    }

    /// How the wizard burns the token now in the reader.
    pub fn target(&self) -> BurnTarget {
        if self.place != Place::InProcess {
            return BurnTarget::Reader(self.spec());
        }
        let (current, pull, name) = (
            Arc::clone(&self.current),
            self.pull.clone(),
            self.reader.clone(),
        );
        BurnTarget::Opened {
            spec: self.spec(),
            needs: self.kind.is_hid().then_some(Credential::AdminPin),
            open: Box::new(move |opts| {
                let token = lock(&current).clone();
                token.open(&name, &pull, &opts)
            }),
        }
    }

    /// A tray of fresh tokens of this kind for a batch: the demo takes each burned
    /// token away and presents the next factory-fresh one.
    pub fn tray(&self) -> Box<dyn Tray> {
        Box::new(DemoTray {
            kind: self.kind,
            reader: self.reader.clone(),
            spec: self.spec(),
            current: Arc::clone(&self.current),
            made: Arc::clone(&self.made),
            pull: self.pull.clone(),
            field: self.field.clone(),
            present: false,
        })
    }
}

fn connected(b: &VpcdBridge) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while !b.is_connected() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    b.is_connected()
}

/// The batch tray of a bench token.
struct DemoTray {
    kind: TokenKind,
    reader: String,
    spec: ReaderSpec,
    current: Arc<Mutex<Emulated>>,
    made: Arc<AtomicU32>,
    pull: Faults,
    field: Slot,
    present: bool,
}

impl Tray for DemoTray {
    fn name(&self) -> String {
        self.reader.clone()
    }

    fn wait(&mut self, present: bool, slice: Duration) -> Result<bool> {
        if present && !self.present {
            // the technician's hand: a moment, then the next fresh token
            std::thread::sleep(slice.min(Duration::from_millis(300)));
            let fresh = Emulated::fresh(self.kind, self.made.fetch_add(1, Ordering::SeqCst));
            self.field.place(&fresh, &TOKEN2_UID);
            *lock(&self.current) = fresh;
            self.present = true;
        } else if !present && self.present {
            self.field.take();
            self.present = false;
        }
        match &self.field {
            Slot::None => Ok(true),
            _ => Ok(session::wait_token(&self.spec, present, slice)?),
        }
    }

    fn open(&mut self, opts: &TokenOptions) -> Result<TokenSession> {
        match &self.field {
            Slot::None => {
                let token = lock(&self.current).clone();
                token.open(&self.reader, &self.pull, opts)
            }
            _ => Ok(session::open_token(&self.spec, opts)?),
        }
    }
}

/// The badge card the PC/SC reader holds: Dave's, not enrolled yet.
pub const DAVE_CARD: [u8; 4] = [0x04, 0xD0, 0x0D, 0x42];
/// The in-process badge reader's name.
pub const BADGE_READER: &str = "Virtual badge reader (in process)";

/// A badge card in the vpcd reader on `port`, when pcscd sees it in time.
pub(super) fn badge_in_vpcd(port: u16, keep: &mut Vec<VpcdBridge>) -> Option<DemoCard> {
    let card: Box<dyn VirtualCard> = Box::new(ContactlessCard::with_uid(&DAVE_CARD));
    let bridge = VpcdBridge::spawn(port, Field::with(card), Faults::new());
    if !connected(&bridge) {
        bridge.stop();
        return None;
    }
    let reader = bridge.reader_name();
    keep.push(bridge);
    Some(DemoCard {
        reader,
        what: "Dave's badge card (not enrolled)",
        kind: "card",
        id: DAVE_CARD.to_vec(),
        place: Place::Pcscd,
    })
}

/// The badge card when pcscd is not there: in process.
pub(super) fn badge_in_process() -> DemoCard {
    DemoCard {
        reader: BADGE_READER.into(),
        what: "Dave's badge card (not enrolled)",
        kind: "card",
        id: DAVE_CARD.to_vec(),
        place: Place::InProcess,
    }
}

/// The bench's tokens; the Molto2 goes into vpcd slot 1 when `vpcd` says so.
pub(super) fn tokens(vpcd: bool, keep: &mut Vec<VpcdBridge>) -> Vec<DemoToken> {
    TokenKind::ALL
        .iter()
        .map(|&k| {
            (k == TokenKind::Molto2 && vpcd)
                .then(|| DemoToken::in_vpcd(k, VPCD_PORT_1, keep))
                .flatten()
                .unwrap_or_else(|| DemoToken::in_process(k))
        })
        .collect()
}

/// vpcd slot 0's port (the badge card's).
pub(super) const BADGE_PORT: u16 = VPCD_PORT_0;
