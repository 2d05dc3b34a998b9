//! The demo's emulated tokens: a YubiKey (OATH), a Token2 NFC token, a Molto2 and a
//! Nitrokey Pro, each the emulator of `src/emulator` reached through the real driver
//! in process ([`InProcess`] links), or — the Molto2, when pcscd runs with vpcd — in a
//! vpcd reader of the real pcscd, or — the Token2 NFC token, with the serial backend —
//! in the field of an emulated PN532 ([`super::bench`]). Nothing here is device logic: it wires emulators to
//! drivers and hands the station what it opens (design.md §5).

use std::sync::{Arc, Mutex, MutexGuard};

use crate::devices::families::{self, OpenOptions};
use crate::devices::identify::{CardIdentity, identify_card};
use crate::devices::nitrokey::{Model as NkModel, Nitrokey, NitrokeyToken, Timing};
use crate::devices::session::{TokenOptions, TokenSession};
use crate::devices::token2_nfc::protocol::Model as Token2Model;
use crate::emulator::VirtualCard;
use crate::emulator::clock::{DeviceClock, now_ms};
use crate::emulator::fault::Faults;
use crate::emulator::hid::VirtualHidDevice;
use crate::emulator::link::InProcess;
use crate::emulator::molto2::Molto2Card;
use crate::emulator::nitrokey::NitrokeyPro;
use crate::emulator::token2_nfc::Token2NfcCard;
use crate::emulator::ykoath::OathCard;
use crate::model::Family;
use crate::station::Result;

/// Which emulated token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A YubiKey's OATH applet (recognised by its ATR and OATH SELECT).
    YubiKey,
    /// A Token2 NFC token (OTPC-P1-i): typed proof from its display.
    Token2Nfc,
    /// A Token2 Molto2 with the factory customer key: typed proof from its display.
    Molto2,
    /// A Nitrokey Pro over HID: admin PIN, clock set by the burn.
    NitrokeyPro,
}

impl TokenKind {
    /// Every kind, in the order screens list them.
    pub const ALL: [TokenKind; 4] = [
        TokenKind::YubiKey,
        TokenKind::Token2Nfc,
        TokenKind::Molto2,
        TokenKind::NitrokeyPro,
    ];

    /// The family its products are bound to.
    pub fn family(self) -> Family {
        match self {
            TokenKind::YubiKey => Family::Ykoath,
            TokenKind::Token2Nfc => Family::Token2Nfc,
            TokenKind::Molto2 => Family::Molto2,
            TokenKind::NitrokeyPro => Family::Nitrokey,
        }
    }

    /// The in-process reader (or HID node) name.
    pub fn reader(self) -> &'static str {
        match self {
            TokenKind::YubiKey => super::YUBIKEY_READER,
            TokenKind::Token2Nfc => "Virtual NFC reader: Token2 (in process)",
            TokenKind::Molto2 => "Virtual NFC reader: Molto2 (in process)",
            TokenKind::NitrokeyPro => "/dev/hidraw-virtual Nitrokey Pro (in process)",
        }
    }

    /// What it is, in words.
    pub fn describe(self) -> &'static str {
        match self {
            TokenKind::YubiKey => "YubiKey 5 (OATH applet)",
            TokenKind::Token2Nfc => "Token2 NFC token OTPC-P1-i (display)",
            TokenKind::Molto2 => "Token2 Molto2 (display, factory key)",
            TokenKind::NitrokeyPro => "Nitrokey Pro (HID, admin PIN 12345678)",
        }
    }

    /// Its short name.
    pub fn short(self) -> &'static str {
        match self {
            TokenKind::YubiKey => "YubiKey",
            TokenKind::Token2Nfc => "Token2 NFC",
            TokenKind::Molto2 => "Molto2",
            TokenKind::NitrokeyPro => "Nitrokey Pro",
        }
    }

    /// Whether it is reached over HID (else over APDUs).
    pub fn is_hid(self) -> bool {
        self == TokenKind::NitrokeyPro
    }
}

/// A Nitrokey Pro shared between the links opened on it (one device, many sessions).
#[derive(Clone)]
pub struct SharedNitrokey(Arc<Mutex<NitrokeyPro>>);

impl SharedNitrokey {
    fn lock(&self) -> MutexGuard<'_, NitrokeyPro> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admin PIN tries left.
    pub fn tries(&self) -> u8 {
        self.lock().tries()
    }
}

impl VirtualHidDevice for SharedNitrokey {
    fn output_report(&mut self, report: &[u8]) {
        self.lock().output_report(report)
    }
    fn input_report(&mut self) -> Option<Vec<u8>> {
        self.lock().input_report()
    }
    fn set_feature(&mut self, report: &[u8]) -> std::result::Result<(), String> {
        self.lock().set_feature(report)
    }
    fn get_feature(&mut self, id: u8, len: usize) -> std::result::Result<Vec<u8>, String> {
        self.lock().get_feature(id, len)
    }
}

/// One emulated token; clones share its state.
#[derive(Clone)]
pub enum Emulated {
    /// An OATH card.
    Oath(OathCard),
    /// A Token2 NFC card.
    Token2(Token2NfcCard),
    /// A Molto2 card.
    Molto2(Molto2Card),
    /// A Nitrokey Pro.
    Nitrokey(SharedNitrokey),
}

impl Emulated {
    /// A factory-fresh token of `kind`; `n` numbers the serials of those that carry one.
    pub fn fresh(kind: TokenKind, n: u32) -> Emulated {
        let clock = DeviceClock::synced(now_ms());
        match kind {
            TokenKind::YubiKey => Emulated::Oath(OathCard::yubikey()),
            TokenKind::Token2Nfc => {
                Emulated::Token2(Token2NfcCard::new(Token2Model::OtpcP1, 4000 + n, clock))
            }
            TokenKind::Molto2 => Emulated::Molto2(Molto2Card::new(&format!("M2-{n:07}"), clock)),
            TokenKind::NitrokeyPro => {
                let mut nk = NitrokeyPro::new();
                nk.set_serial(0x1C00 + n);
                Emulated::Nitrokey(SharedNitrokey(Arc::new(Mutex::new(nk))))
            }
        }
    }

    /// The card as a PC/SC reader presents it (`None` for HID tokens).
    pub fn card(&self) -> Option<Box<dyn VirtualCard>> {
        match self {
            Emulated::Oath(c) => Some(Box::new(c.clone())),
            Emulated::Token2(c) => Some(Box::new(c.clone())),
            Emulated::Molto2(c) => Some(Box::new(c.clone())),
            Emulated::Nitrokey(_) => None,
        }
    }

    /// The code its display shows now, for tokens with a display and a seed (a
    /// Molto2 shows the profile chosen with its buttons: here the highest one holding
    /// a seed, the one burned last when profiles are filled in order).
    pub fn display(&self) -> Option<String> {
        match self {
            Emulated::Token2(c) => c.hook().display_code(),
            Emulated::Molto2(c) => {
                let h = c.hook();
                let shown = (0..crate::devices::molto2::protocol::PROFILES)
                    .rev()
                    .find(|&p| h.has_seed(p))?;
                h.display_code(shown)
            }
            _ => None,
        }
    }

    /// What the card is, as the devices layer recognises a card in a reader (its ATR,
    /// then an OATH SELECT: [`identify_card`]); `None` for HID tokens.
    pub fn identify(&self, name: &str) -> Option<CardIdentity> {
        Some(match self {
            Emulated::Oath(c) => identify_card(InProcess::card(name, c.clone())),
            Emulated::Token2(c) => identify_card(InProcess::card(name, c.clone())),
            Emulated::Molto2(c) => identify_card(InProcess::card(name, c.clone())),
            Emulated::Nitrokey(_) => return None,
        })
    }

    /// Admin PIN tries left, for tokens with one.
    pub fn pin_tries(&self) -> Option<u8> {
        match self {
            Emulated::Nitrokey(n) => Some(n.tries()),
            _ => None,
        }
    }

    /// Opens the token with the real driver over an in-process link named `name`;
    /// the faults queued in `pull` (a card pulled mid-burn) move to the link.
    pub fn open(&self, name: &str, pull: &Faults, opts: &TokenOptions) -> Result<TokenSession> {
        let fresh = |faults: Faults| {
            while let Some(f) = pull.take() {
                faults.push(f);
            }
        };
        let apdu = OpenOptions::default();
        let token = match self {
            Emulated::Nitrokey(nk) => {
                let link = InProcess::hid(name, nk.clone());
                fresh(link.faults());
                let mut drv = Nitrokey::new(link)
                    .with_model(NkModel::Pro)
                    .with_timing(Timing::IMMEDIATE);
                if let Some(pin) = &opts.admin_pin {
                    drv = drv.with_admin_pin(pin);
                }
                let token = NitrokeyToken::new(drv);
                let clock = token.clone();
                return Ok(TokenSession::from_parts(
                    name,
                    Box::new(token),
                    Some(Box::new(clock)),
                ));
            }
            Emulated::Oath(c) => open_card(name, c.clone(), opts.family, &apdu, fresh)?,
            Emulated::Token2(c) => open_card(name, c.clone(), opts.family, &apdu, fresh)?,
            Emulated::Molto2(c) => open_card(name, c.clone(), opts.family, &apdu, fresh)?,
        };
        Ok(TokenSession::from_parts(name, token, None))
    }
}

/// Opens `card` in a virtual reader `name` as `family` (detected when `None`: the ATR,
/// then the OATH SELECT — the devices layer's rule).
fn open_card<C: VirtualCard + 'static>(
    name: &str,
    card: C,
    family: Option<Family>,
    apdu: &OpenOptions<'_>,
    faults: impl FnOnce(Faults),
) -> Result<Box<dyn crate::devices::DeviceManagement>> {
    let link = InProcess::card(name, card);
    faults(link.faults());
    Ok(families::open_apdu_token(family, link, apdu)?)
}
