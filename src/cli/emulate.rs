//! `tokenstation emulate`: virtual hardware for demos and manual tests. Cards go into
//! the real pcscd through vsmartcard-vpcd; PN532 and RDM6300 modules appear as
//! pseudo-terminals. Runs until Ctrl-C (or `--for`), then removes everything cleanly.

use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::devices::rdm6300::Tag;
use crate::devices::token2_nfc::protocol::Model;
use crate::emulator::VirtualCard;
use crate::emulator::clock::{DeviceClock, now_ms};
use crate::emulator::fault::Faults;
use crate::emulator::field::Field;
use crate::emulator::molto2::Molto2Card;
use crate::emulator::pcsc_uid::ContactlessCard;
use crate::emulator::picc::{DemoApplet, Picc};
use crate::emulator::token2_nfc::Token2NfcCard;
use crate::emulator::vpcd::{VPCD_PORT_0, VpcdBridge};
use crate::emulator::ykoath::{Flavour, OathCard};
use crate::transport::trace::parse_hex;

/// A token family's emulated card; clones share one device.
enum TokenCard {
    Oath(OathCard),
    Token2(Token2NfcCard),
    Molto2(Molto2Card),
}

impl TokenCard {
    fn boxed(&self) -> Box<dyn VirtualCard> {
        match self {
            TokenCard::Oath(c) => Box::new(c.clone()),
            TokenCard::Token2(c) => Box::new(c.clone()),
            TokenCard::Molto2(c) => Box::new(c.clone()),
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            TokenCard::Oath(c) => match c.applet().flavour() {
                Flavour::Nitrokey3 => "emulated Nitrokey 3",
                Flavour::YubiKey => "emulated YubiKey",
            },
            TokenCard::Token2(_) => "emulated Token2 NFC token",
            TokenCard::Molto2(_) => "emulated Token2 Molto2",
        }
    }

    fn family_flag(&self) -> &'static str {
        match self {
            TokenCard::Oath(_) => "",
            TokenCard::Token2(_) => " --family token2-nfc --prove typed",
            TokenCard::Molto2(_) => " --family molto2 --slot 0 --prove typed",
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

/// Options of `tokenstation emulate`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
  tokenstation emulate --card 04A1B2C3D4E580          # a card in \"Virtual PCD 00 00\"\n  \
  tokenstation emulate --card DEADBEEF --slot 1        # ... in \"Virtual PCD 00 01\"\n  \
  tokenstation emulate --pn532 --pn532-card 04112233   # a PN532 on a /dev/pts/N\n  \
  tokenstation emulate --rdm6300 0A00B1C2D3 --tap-every 2\n  \
  tokenstation emulate --yubikey                       # a YubiKey OATH applet to burn\n  \
  tokenstation emulate --nitrokey3 --slot 1            # a Nitrokey 3 in \"Virtual PCD 00 01\"\n  \
  tokenstation emulate --nitrokey                      # in-process Nitrokey Pro demo burn\n  \
  tokenstation emulate --rdm6300 0A00B1C2D3 --burst 1000   # 1,000 more tags back to back\n\n\
  Cards need pcscd running with vsmartcard-vpcd installed (`make deps pcscd`).\n\
  Open the printed /dev/pts paths with the serial drivers (115200 baud for the PN532,\n\
  9600 for the RDM6300). Press Ctrl-C to stop.")]
pub struct EmulateArgs {
    /// Put a contactless card with this UID (hex, 4/7/10 bytes) into a vpcd reader.
    #[arg(long, value_name = "UID")]
    pub card: Option<String>,
    /// Give the card this ATS (hex, from TL on): an ISO 14443-4 card with a demo applet.
    #[arg(long, value_name = "ATS", requires = "card")]
    pub ats: Option<String>,
    /// The vpcd slot: 0 = "Virtual PCD 00 00" (port 35963), 1 = "Virtual PCD 00 01".
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=1))]
    pub slot: u16,
    /// Put an emulated YubiKey (OATH applet) into a vpcd reader.
    #[arg(long, conflicts_with_all = ["card", "nitrokey3", "token2_nfc", "molto2"])]
    pub yubikey: bool,
    /// Put an emulated Nitrokey 3 (Secrets App over CCID) into a vpcd reader.
    #[arg(long, conflicts_with_all = ["card", "yubikey", "token2_nfc", "molto2"])]
    pub nitrokey3: bool,
    /// Put an emulated Token2 single-profile NFC token into a vpcd reader (its display
    /// code is printed as it changes, as a technician would read it).
    #[arg(long, conflicts_with_all = ["card", "yubikey", "nitrokey3", "molto2"])]
    pub token2_nfc: bool,
    /// Token2 NFC model (c301, c302, otpc-p1, otpc-p2, minotp-2, minotp-3…).
    #[arg(
        long,
        value_name = "M",
        requires = "token2_nfc",
        default_value = "c302"
    )]
    pub model: String,
    /// Put an emulated Token2 Molto2 (100 profiles, factory customer key) into a vpcd reader.
    #[arg(long, conflicts_with_all = ["card", "yubikey", "nitrokey3", "token2_nfc"])]
    pub molto2: bool,
    /// Nitrokey Pro: the kernel here offers no virtual HID, so run an in-process demo
    /// burn against the emulated device instead.
    #[arg(long)]
    pub nitrokey: bool,
    /// Start an emulated PN532 (HSU) on a pseudo-terminal.
    #[arg(long)]
    pub pn532: bool,
    /// The UID of the card in the PN532's field (hex); none: an empty field.
    #[arg(long, value_name = "UID", requires = "pn532")]
    pub pn532_card: Option<String>,
    /// Start an emulated RDM6300 on a pseudo-terminal holding this tag (10 hex digits:
    /// version byte + 32-bit id).
    #[arg(long, value_name = "TAG")]
    pub rdm6300: Option<String>,
    /// Tap N different tags (RDM6300: ids counting up from --rdm6300) and N different
    /// cards (PN532: 4-byte UIDs counting up) back to back, --burst-after seconds after
    /// start (time to start the kiosk: frames sent before a port is opened are dropped).
    #[arg(long, value_name = "N")]
    pub burst: Option<u32>,
    /// Seconds before the burst.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 5.0,
        requires = "burst"
    )]
    pub burst_after: f64,
    /// Take every card and tag away and put it back every SECONDS (repeated taps).
    #[arg(long, value_name = "SECONDS")]
    pub tap_every: Option<f64>,
    /// Stop by itself after SECONDS (for scripts); default: until Ctrl-C.
    #[arg(long = "for", value_name = "SECONDS")]
    pub run_for: Option<f64>,
}

fn hex_arg(name: &str, value: &str) -> Result<Vec<u8>, String> {
    parse_hex(value).map_err(|e| format!("--{name}: {e}"))
}

fn usage(msg: String) -> anyhow::Result<ExitCode> {
    eprintln!("error: {msg}");
    Ok(ExitCode::from(super::EXIT_INPUT))
}

/// Runs `tokenstation emulate`.
pub fn run(args: EmulateArgs) -> anyhow::Result<ExitCode> {
    let card_uid = match args.card.as_deref().map(|c| hex_arg("card", c)).transpose() {
        Ok(u) => u,
        Err(e) => return usage(e),
    };
    if let Some(u) = &card_uid
        && !matches!(u.len(), 4 | 7 | 10)
    {
        return usage(format!(
            "--card: a UID has 4, 7 or 10 bytes, not {}",
            u.len()
        ));
    }
    let ats = match args.ats.as_deref().map(|a| hex_arg("ats", a)).transpose() {
        Ok(a) => a,
        Err(e) => return usage(e),
    };
    let pn532_uid = match args
        .pn532_card
        .as_deref()
        .map(|c| hex_arg("pn532-card", c))
        .transpose()
    {
        Ok(u) => u,
        Err(e) => return usage(e),
    };
    let tag = match args
        .rdm6300
        .as_deref()
        .map(|t| hex_arg("rdm6300", t))
        .transpose()
    {
        Ok(Some(b)) => match <[u8; 5]>::try_from(b.as_slice()) {
            Ok(five) => Some(Tag::from_bytes(five)),
            Err(_) => return usage("--rdm6300: a tag is 5 bytes (10 hex digits)".into()),
        },
        Ok(None) => None,
        Err(e) => return usage(e),
    };
    if args.nitrokey {
        return super::emulate_nitrokey::demo_burn();
    }
    let token_card = if args.yubikey {
        Some(TokenCard::Oath(OathCard::yubikey()))
    } else if args.nitrokey3 {
        Some(TokenCard::Oath(OathCard::nitrokey3()))
    } else if args.token2_nfc {
        let Some(model) = Model::from_name(&args.model) else {
            return usage(format!(
                "--model: unknown Token2 NFC model '{}'",
                args.model
            ));
        };
        Some(TokenCard::Token2(Token2NfcCard::new(
            model,
            1234,
            DeviceClock::synced(now_ms()),
        )))
    } else if args.molto2 {
        Some(TokenCard::Molto2(Molto2Card::new(
            "M2-0001234",
            DeviceClock::synced(now_ms()),
        )))
    } else {
        None
    };
    if card_uid.is_none() && token_card.is_none() && !args.pn532 && tag.is_none() {
        return usage(
            "nothing to emulate: give --card, --yubikey, --nitrokey3, --nitrokey, --pn532 and/or --rdm6300"
                .into(),
        );
    }

    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })
    .context("installing the Ctrl-C handler")?;

    let make_card = |uid: &[u8]| -> Box<dyn VirtualCard> {
        if let Some(t) = &token_card {
            return t.boxed(); // clones share the token's state
        }
        match &ats {
            Some(a) => Box::new(ContactlessCard::new(Picc::iso14443_4(
                uid,
                a,
                Box::new(DemoApplet),
            ))),
            None => Box::new(ContactlessCard::with_uid(uid)),
        }
    };

    // PC/SC card through vpcd.
    let card_field = Field::empty();
    let mut bridge = None;
    let card_uid = card_uid.or_else(|| token_card.as_ref().map(|_| Vec::new()));
    if let Some(uid) = &card_uid {
        card_field.place(make_card(uid));
        let b = VpcdBridge::spawn(VPCD_PORT_0 + args.slot, card_field.clone(), Faults::new());
        let deadline = Instant::now() + Duration::from_secs(3);
        while !b.is_connected() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if !b.is_connected() {
            eprintln!(
                "error: the card could not reach vpcd: {}",
                b.last_error().unwrap_or_else(|| "no answer".into())
            );
            return Ok(ExitCode::from(super::EXIT_HARDWARE));
        }
        match &token_card {
            Some(t) => println!(
                "{} in PC/SC reader \"{}\" (state kept until Ctrl-C)\n  burn it: tokenstation burn --reader \"{}\"{} --product PRODUCT --serial SERIAL --generate",
                t.describe(),
                b.reader_name(),
                b.reader_name(),
                t.family_flag()
            ),
            None => println!(
                "card {} in PC/SC reader \"{}\"",
                crate::transport::discovery::hex_compact(uid),
                b.reader_name()
            ),
        }
        bridge = Some(b);
    }

    let pn532_field = Field::empty();
    let tag_field = Field::empty();
    let card_burst = crate::emulator::pn532::PiccBurst::new();
    let tag_burst = crate::emulator::rdm6300::TagBurst::new();
    let mut burst_at = args
        .burst
        .map(|_| Instant::now() + Duration::from_secs_f64(args.burst_after.max(0.0)));
    #[cfg(feature = "serial")]
    let _ptys = {
        use crate::emulator::pn532::Pn532Emulator;
        use crate::emulator::pty::PtyBridge;
        use crate::emulator::rdm6300::Rdm6300Emulator;
        let mut ptys = Vec::new();
        if args.pn532 {
            if let Some(uid) = &pn532_uid {
                pn532_field.place(match &ats {
                    Some(a) => Picc::iso14443_4(uid, a, Box::new(DemoApplet)),
                    None => Picc::storage(uid),
                });
            }
            let emu = Pn532Emulator::new(pn532_field.clone()).with_burst(card_burst.clone());
            let p = PtyBridge::spawn(emu, Faults::new())?;
            println!("PN532 on {} (115200 baud 8N1)", p.path().display());
            ptys.push(p);
        }
        if let Some(t) = tag {
            tag_field.place(t);
            let emu = Rdm6300Emulator::new(tag_field.clone())
                .with_burst(tag_burst.clone(), Duration::from_millis(5));
            let p = PtyBridge::spawn(emu, Faults::new())?;
            println!("RDM6300 on {} (9600 baud 8N1), tag {t}", p.path().display());
            ptys.push(p);
        }
        ptys
    };
    #[cfg(not(feature = "serial"))]
    if args.pn532 || tag.is_some() {
        eprintln!("error: built without the `serial` feature: no PN532/RDM6300 emulation");
        return Ok(ExitCode::from(super::EXIT_HARDWARE));
    }
    println!("running; press Ctrl-C to stop");

    let end = args
        .run_for
        .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    let tap = args.tap_every.map(|s| Duration::from_secs_f64(s.max(0.05)));
    let mut present = true;
    let mut shown: Option<String> = None;
    let mut next_tap = tap.map(|t| Instant::now() + t);
    loop {
        let now = Instant::now();
        if let (Some(at), Some(n)) = (burst_at, args.burst)
            && now >= at
        {
            burst_at = None;
            if args.pn532 {
                card_burst
                    .push_all((0..n).map(|k| Picc::storage(&(0x0800_0000 + k).to_be_bytes())));
            }
            if let Some(t) = tag {
                tag_burst.push_all((1..=n).map(|k| Tag {
                    version: t.version,
                    id: t.id.wrapping_add(k),
                }));
            }
            println!("burst: {n} taps");
        }
        // Tokens with a display are looked at every second, as a technician would.
        let looks = token_card
            .as_ref()
            .is_some_and(|t| !matches!(t, TokenCard::Oath(_)));
        let mut wait = if looks {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(3600)
        };
        if let Some(t) = next_tap {
            wait = wait.min(t.saturating_duration_since(now));
        }
        if let Some(at) = burst_at {
            wait = wait.min(at.saturating_duration_since(now));
        }
        if let Some(e) = end {
            wait = wait.min(e.saturating_duration_since(now));
        }
        match stop_rx.recv_timeout(wait) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if end.is_some_and(|e| Instant::now() >= e) {
            break;
        }
        let code = token_card.as_ref().and_then(TokenCard::display);
        if code.is_some() && code != shown {
            println!("display: {}", code.as_deref().unwrap_or_default());
            shown = code;
        }
        if let (Some(t), Some(due)) = (tap, next_tap)
            && Instant::now() >= due
        {
            next_tap = Some(Instant::now() + t);
            present = !present;
            if present {
                if let Some(uid) = &card_uid {
                    card_field.place(make_card(uid));
                }
                if let Some(uid) = &pn532_uid {
                    pn532_field.place(Picc::storage(uid));
                }
                if let Some(t) = tag {
                    tag_field.place(t);
                }
                println!("tap: present");
            } else {
                card_field.take();
                pn532_field.take();
                tag_field.take();
                println!("tap: removed");
            }
        }
    }
    println!("stopping");
    card_field.take();
    if let Some(b) = bridge {
        b.stop();
    }
    Ok(ExitCode::SUCCESS)
}
