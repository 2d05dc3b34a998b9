//! A scene of virtual hardware for demos and manual tests: a contactless card or an
//! emulated token in a vpcd reader behind the real pcscd, a PN532 and an RDM6300 on
//! pseudo-terminals, and a tap scheduler that takes every card and tag away and puts
//! it back, fires bursts of distinct tags or cards, and reads the display of tokens
//! that have one, as a technician would. Faces (the CLI's `emulate`, a TUI demo) start
//! a [`Scene`] from a [`SceneSpec`] and show its [`SceneEvent`]s.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::VirtualCard;
use super::clock::{DeviceClock, now_ms};
use super::fault::Faults;
use super::field::Field;
use super::molto2::Molto2Card;
use super::pcsc_uid::ContactlessCard;
use super::picc::{DemoApplet, Picc};
use super::token2_nfc::Token2NfcCard;
use super::vpcd::{VPCD_PORT_0, VpcdBridge};
use super::ykoath::OathCard;
use crate::devices::rdm6300::protocol::Tag;
use crate::devices::token2_nfc::protocol::Model;
use crate::model::Family;

/// An emulated token to put in the vpcd reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A YubiKey (OATH applet).
    YubiKey,
    /// A Nitrokey 3 (Secrets App over CCID).
    Nitrokey3,
    /// A Token2 single-profile NFC token of this model.
    Token2Nfc(Model),
    /// A Token2 Molto2 with the factory customer key.
    Molto2,
}

/// What to emulate.
#[derive(Debug, Clone, Default)]
pub struct SceneSpec {
    /// A contactless card with this UID in a vpcd reader.
    pub card_uid: Option<Vec<u8>>,
    /// The card's ATS: an ISO 14443-4 card with a demo applet.
    pub ats: Option<Vec<u8>>,
    /// The vpcd slot (0: "Virtual PCD 00 00", 1: "Virtual PCD 00 01").
    pub vpcd_slot: u16,
    /// An emulated token in the vpcd reader (instead of a card).
    pub token: Option<TokenKind>,
    /// A PN532 on a pseudo-terminal.
    pub pn532: bool,
    /// The UID of the card in the PN532's field.
    pub pn532_uid: Option<Vec<u8>>,
    /// An RDM6300 on a pseudo-terminal holding this tag.
    pub rdm6300: Option<Tag>,
    /// Tap this many distinct tags and cards back to back...
    pub burst: Option<u32>,
    /// ... this long after start.
    pub burst_after: Duration,
    /// Take every card and tag away and put it back this often.
    pub tap_every: Option<Duration>,
}

/// What happens in a scene.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SceneEvent {
    /// A card is in a PC/SC reader.
    Card {
        /// The reader's name.
        reader: String,
        /// Its UID.
        uid: Vec<u8>,
    },
    /// A token is in a PC/SC reader (state kept until the scene stops).
    Token {
        /// The reader's name.
        reader: String,
        /// Which token.
        kind: TokenKind,
    },
    /// A PN532 is on this pseudo-terminal.
    Pn532(PathBuf),
    /// An RDM6300 holding `tag` is on this pseudo-terminal.
    Rdm6300 {
        /// Its pseudo-terminal.
        path: PathBuf,
        /// The tag.
        tag: Tag,
    },
    /// A burst of this many taps started.
    Burst(u32),
    /// The token's display shows this code now.
    Display(String),
    /// Every card and tag was put back (`true`) or taken away.
    Tap(bool),
}

/// Why a scene did not start.
#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    /// The card could not reach vpcd (pcscd with vsmartcard-vpcd not running).
    #[error("the card could not reach vpcd: {0}")]
    Vpcd(String),
    /// A pseudo-terminal could not be opened.
    #[error("{0}")]
    Pty(#[from] crate::transport::LinkError),
    /// Serial emulation is not in this build.
    #[error("built without the `serial` feature: no PN532/RDM6300 emulation")]
    NoSerial,
    /// Nothing to emulate.
    #[error("nothing to emulate")]
    Empty,
}

/// A token's emulated card; clones share one device.
enum TokenCard {
    Oath(OathCard),
    Token2(Token2NfcCard),
    Molto2(Molto2Card),
}

impl TokenCard {
    fn new(kind: TokenKind) -> TokenCard {
        match kind {
            TokenKind::YubiKey => TokenCard::Oath(OathCard::yubikey()),
            TokenKind::Nitrokey3 => TokenCard::Oath(OathCard::nitrokey3()),
            TokenKind::Token2Nfc(model) => TokenCard::Token2(Token2NfcCard::new(
                model,
                1234,
                DeviceClock::synced(now_ms()),
            )),
            TokenKind::Molto2 => {
                TokenCard::Molto2(Molto2Card::new("M2-0001234", DeviceClock::synced(now_ms())))
            }
        }
    }

    fn boxed(&self) -> Box<dyn VirtualCard> {
        match self {
            TokenCard::Oath(c) => Box::new(c.clone()),
            TokenCard::Token2(c) => Box::new(c.clone()),
            TokenCard::Molto2(c) => Box::new(c.clone()),
        }
    }

    /// The code the token's display shows now, for tokens with a display.
    fn display(&self) -> Option<String> {
        match self {
            TokenCard::Oath(_) => None,
            TokenCard::Token2(c) => c.hook().display_code(),
            TokenCard::Molto2(c) => c.hook().display_code(0),
        }
    }
}

impl TokenKind {
    /// The family a burn names for this token (`None`: detected from the card).
    pub fn family(self) -> Option<Family> {
        match self {
            TokenKind::YubiKey | TokenKind::Nitrokey3 => None,
            TokenKind::Token2Nfc(_) => Some(Family::Token2Nfc),
            TokenKind::Molto2 => Some(Family::Molto2),
        }
    }

    /// Whether its proof is typed from a display.
    pub fn has_display(self) -> bool {
        self.family().is_some()
    }

    /// What it is, in words.
    pub fn describe(self) -> &'static str {
        match self {
            TokenKind::YubiKey => "emulated YubiKey",
            TokenKind::Nitrokey3 => "emulated Nitrokey 3",
            TokenKind::Token2Nfc(_) => "emulated Token2 NFC token",
            TokenKind::Molto2 => "emulated Token2 Molto2",
        }
    }
}

/// A running scene; dropping it (or [`Scene::stop`]) removes everything.
pub struct Scene {
    spec: SceneSpec,
    token: Option<TokenCard>,
    card_field: Field<Box<dyn VirtualCard>>,
    pn532_field: Field<Picc>,
    tag_field: Field<Tag>,
    card_burst: super::pn532::PiccBurst,
    tag_burst: super::rdm6300::TagBurst,
    bridge: Option<VpcdBridge>,
    /// The pseudo-terminals, kept open while the scene runs.
    #[cfg(feature = "serial")]
    ptys: Vec<super::pty::PtyBridge>,
}

impl Scene {
    /// Starts the scene; `on` hears where each device is.
    pub fn start(spec: SceneSpec, mut on: impl FnMut(SceneEvent)) -> Result<Scene, SceneError> {
        if spec.card_uid.is_none() && spec.token.is_none() && !spec.pn532 && spec.rdm6300.is_none()
        {
            return Err(SceneError::Empty);
        }
        let token = spec.token.map(TokenCard::new);
        let mut scene = Scene {
            token,
            card_field: Field::empty(),
            pn532_field: Field::empty(),
            tag_field: Field::empty(),
            card_burst: super::pn532::PiccBurst::new(),
            tag_burst: super::rdm6300::TagBurst::new(),
            bridge: None,
            #[cfg(feature = "serial")]
            ptys: Vec::new(),
            spec,
        };
        scene.start_card(&mut on)?;
        scene.start_serial(&mut on)?;
        Ok(scene)
    }

    fn make_card(&self, uid: &[u8]) -> Box<dyn VirtualCard> {
        if let Some(t) = &self.token {
            return t.boxed(); // clones share the token's state
        }
        match &self.spec.ats {
            Some(a) => Box::new(ContactlessCard::new(Picc::iso14443_4(
                uid,
                a,
                Box::new(DemoApplet),
            ))),
            None => Box::new(ContactlessCard::with_uid(uid)),
        }
    }

    fn card_uid(&self) -> Option<Vec<u8>> {
        self.spec
            .card_uid
            .clone()
            .or_else(|| self.token.as_ref().map(|_| Vec::new()))
    }

    fn start_card(&mut self, on: &mut impl FnMut(SceneEvent)) -> Result<(), SceneError> {
        let Some(uid) = self.card_uid() else {
            return Ok(());
        };
        self.card_field.place(self.make_card(&uid));
        let b = VpcdBridge::spawn(
            VPCD_PORT_0 + self.spec.vpcd_slot,
            self.card_field.clone(),
            Faults::new(),
        );
        let deadline = Instant::now() + Duration::from_secs(3);
        while !b.is_connected() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if !b.is_connected() {
            return Err(SceneError::Vpcd(
                b.last_error().unwrap_or_else(|| "no answer".into()),
            ));
        }
        let reader = b.reader_name();
        on(match self.spec.token {
            Some(kind) => SceneEvent::Token { reader, kind },
            None => SceneEvent::Card { reader, uid },
        });
        self.bridge = Some(b);
        Ok(())
    }

    #[cfg(feature = "serial")]
    fn start_serial(&mut self, on: &mut impl FnMut(SceneEvent)) -> Result<(), SceneError> {
        use super::pn532::Pn532Emulator;
        use super::pty::PtyBridge;
        use super::rdm6300::Rdm6300Emulator;
        if self.spec.pn532 {
            if let Some(uid) = &self.spec.pn532_uid {
                self.pn532_field.place(match &self.spec.ats {
                    Some(a) => Picc::iso14443_4(uid, a, Box::new(DemoApplet)),
                    None => Picc::storage(uid),
                });
            }
            let emu =
                Pn532Emulator::new(self.pn532_field.clone()).with_burst(self.card_burst.clone());
            let p = PtyBridge::spawn(emu, Faults::new())?;
            on(SceneEvent::Pn532(p.path().to_path_buf()));
            self.ptys.push(p);
        }
        if let Some(tag) = self.spec.rdm6300 {
            self.tag_field.place(tag);
            let emu = Rdm6300Emulator::new(self.tag_field.clone())
                .with_burst(self.tag_burst.clone(), Duration::from_millis(5));
            let p = PtyBridge::spawn(emu, Faults::new())?;
            on(SceneEvent::Rdm6300 {
                path: p.path().to_path_buf(),
                tag,
            });
            self.ptys.push(p);
        }
        Ok(())
    }

    #[cfg(not(feature = "serial"))]
    fn start_serial(&mut self, _: &mut impl FnMut(SceneEvent)) -> Result<(), SceneError> {
        if self.spec.pn532 || self.spec.rdm6300.is_some() {
            return Err(SceneError::NoSerial);
        }
        Ok(())
    }

    /// Runs the tap scheduler until `stop` receives (or its senders are gone) or `until`
    /// passes; `on` hears each tap, burst and display change.
    pub fn run(
        &mut self,
        stop: &Receiver<()>,
        until: Option<Instant>,
        mut on: impl FnMut(SceneEvent),
    ) {
        let start = Instant::now();
        let mut burst_at = self.spec.burst.map(|_| start + self.spec.burst_after);
        let mut present = true;
        let mut shown: Option<String> = None;
        let mut next_tap = self.spec.tap_every.map(|t| start + t);
        // Tokens with a display are looked at every second, as a technician would.
        let looks = self.spec.token.is_some_and(TokenKind::has_display);
        loop {
            let now = Instant::now();
            if let (Some(at), Some(n)) = (burst_at, self.spec.burst)
                && now >= at
            {
                burst_at = None;
                self.burst(n);
                on(SceneEvent::Burst(n));
            }
            let mut wait = if looks {
                Duration::from_secs(1)
            } else {
                Duration::from_secs(3600)
            };
            for t in [next_tap, burst_at, until].into_iter().flatten() {
                wait = wait.min(t.saturating_duration_since(now));
            }
            match stop.recv_timeout(wait) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {}
            }
            if until.is_some_and(|e| Instant::now() >= e) {
                break;
            }
            let code = self.token.as_ref().and_then(TokenCard::display);
            if code.is_some() && code != shown {
                on(SceneEvent::Display(code.clone().unwrap_or_default()));
                shown = code;
            }
            if let (Some(t), Some(due)) = (self.spec.tap_every, next_tap)
                && Instant::now() >= due
            {
                next_tap = Some(Instant::now() + t);
                present = !present;
                self.tap(present);
                on(SceneEvent::Tap(present));
            }
        }
    }

    fn burst(&self, n: u32) {
        if self.spec.pn532 {
            self.card_burst
                .push_all((0..n).map(|k| Picc::storage(&(0x0800_0000 + k).to_be_bytes())));
        }
        if let Some(t) = self.spec.rdm6300 {
            self.tag_burst.push_all((1..=n).map(|k| Tag {
                version: t.version,
                id: t.id.wrapping_add(k),
            }));
        }
    }

    fn tap(&self, present: bool) {
        if present {
            if let Some(uid) = self.card_uid() {
                self.card_field.place(self.make_card(&uid));
            }
            if let Some(uid) = &self.spec.pn532_uid {
                self.pn532_field.place(Picc::storage(uid));
            }
            if let Some(t) = self.spec.rdm6300 {
                self.tag_field.place(t);
            }
        } else {
            self.card_field.take();
            self.pn532_field.take();
            self.tag_field.take();
        }
    }

    /// Removes every card and stops the bridges.
    pub fn stop(mut self) {
        self.card_field.take();
        if let Some(b) = self.bridge.take() {
            b.stop();
        }
    }
}
