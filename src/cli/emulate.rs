//! `tokenstation emulate`: virtual hardware for demos and manual tests. Cards go into
//! the real pcscd through vsmartcard-vpcd; PN532 and RDM6300 modules appear as
//! pseudo-terminals. The scene and its tap scheduler are [`crate::emulator::scene`];
//! this face parses the options, prints what happens and stops on Ctrl-C (or `--for`).

use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::devices::rdm6300::protocol::Tag;
use crate::devices::token2_nfc::protocol::Model;
use crate::emulator::scene::{Scene, SceneError, SceneEvent, SceneSpec, TokenKind};
use crate::transport::trace::parse_hex;

/// Options of `tokenstation emulate`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
  tokenstation emulate --card 04A1B2C3D4E580          # a card in \"Virtual PCD 00 00\"\n  \
  tokenstation emulate --card DEADBEEF --vpcd-slot 1   # ... in \"Virtual PCD 00 01\"\n  \
  tokenstation emulate --pn532 --pn532-card 04112233   # a PN532 on a /dev/pts/N\n  \
  tokenstation emulate --rdm6300 0A00B1C2D3 --tap-every 2\n  \
  tokenstation emulate --yubikey                       # a YubiKey OATH applet to burn\n  \
  tokenstation emulate --nitrokey3 --vpcd-slot 1       # a Nitrokey 3 in \"Virtual PCD 00 01\"\n  \
  tokenstation emulate --token2-nfc --model c302       # a Token2 NFC token (display code printed)\n  \
  tokenstation emulate --molto2                        # a Token2 Molto2 (100 profiles)\n  \
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
    /// The vpcd reader: 0 = "Virtual PCD 00 00" (port 35963), 1 = "Virtual PCD 00 01"
    /// (not a token's slot, which `burn --slot` names).
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=1))]
    pub vpcd_slot: u16,
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
    errln!("error: {msg}");
    Ok(ExitCode::from(super::EXIT_INPUT))
}

/// The scene the options describe, or what is wrong with them.
fn spec(args: &EmulateArgs) -> Result<SceneSpec, String> {
    let hex = |name: &str, v: &Option<String>| v.as_deref().map(|x| hex_arg(name, x)).transpose();
    let card_uid = hex("card", &args.card)?;
    if let Some(u) = &card_uid
        && !matches!(u.len(), 4 | 7 | 10)
    {
        return Err(format!(
            "--card: a UID has 4, 7 or 10 bytes, not {}",
            u.len()
        ));
    }
    let rdm6300 = match hex("rdm6300", &args.rdm6300)? {
        Some(b) => Some(Tag::from_bytes(<[u8; 5]>::try_from(b.as_slice()).map_err(
            |_| "--rdm6300: a tag is 5 bytes (10 hex digits)".to_string(),
        )?)),
        None => None,
    };
    let token = if args.yubikey {
        Some(TokenKind::YubiKey)
    } else if args.nitrokey3 {
        Some(TokenKind::Nitrokey3)
    } else if args.token2_nfc {
        let model = Model::from_name(&args.model)
            .ok_or_else(|| format!("--model: unknown Token2 NFC model '{}'", args.model))?;
        Some(TokenKind::Token2Nfc(model))
    } else if args.molto2 {
        Some(TokenKind::Molto2)
    } else {
        None
    };
    Ok(SceneSpec {
        card_uid,
        ats: hex("ats", &args.ats)?,
        vpcd_slot: args.vpcd_slot,
        token,
        pn532: args.pn532,
        pn532_uid: hex("pn532-card", &args.pn532_card)?,
        rdm6300,
        burst: args.burst,
        burst_after: Duration::from_secs_f64(args.burst_after.max(0.0)),
        tap_every: args.tap_every.map(|s| Duration::from_secs_f64(s.max(0.05))),
    })
}

/// The `burn` options a token needs besides its reader.
fn burn_flags(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::YubiKey | TokenKind::Nitrokey3 => "",
        TokenKind::Token2Nfc(_) => " --family token2-nfc --prove typed",
        TokenKind::Molto2 => " --family molto2 --slot 0 --prove typed",
    }
}

fn show(e: SceneEvent) -> Result<(), super::output::OutputError> {
    match e {
        SceneEvent::Token { reader, kind } => outln!(
            "{} in PC/SC reader \"{reader}\" (state kept until Ctrl-C)\n  burn it: tokenstation burn --reader \"{reader}\"{} --product PRODUCT --serial SERIAL --generate",
            kind.describe(),
            burn_flags(kind)
        )?,
        SceneEvent::Card { reader, uid } => outln!(
            "card {} in PC/SC reader \"{reader}\"",
            crate::transport::discovery::hex_compact(&uid)
        )?,
        SceneEvent::Pn532(p) => outln!("PN532 on {} (115200 baud 8N1)", p.display())?,
        SceneEvent::Rdm6300 { path, tag } => {
            outln!("RDM6300 on {} (9600 baud 8N1), tag {tag}", path.display())?
        }
        SceneEvent::Burst(n) => outln!("burst: {n} taps")?,
        SceneEvent::Display(code) => outln!("display: {code}")?,
        SceneEvent::Tap(true) => outln!("tap: present")?,
        SceneEvent::Tap(false) => outln!("tap: removed")?,
    }
    Ok(())
}

/// Runs `tokenstation emulate`.
pub fn run(args: EmulateArgs) -> anyhow::Result<ExitCode> {
    let spec = match spec(&args) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    if args.nitrokey {
        return super::emulate_nitrokey::demo_burn();
    }
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    // Output that cannot be written (the reader closed the pipe) stops the scene like
    // Ctrl-C; the final line then ends the process quietly (see `output`).
    let on_closed = stop_tx.clone();
    let show = |e: SceneEvent| {
        if show(e).is_err() {
            let _ = on_closed.send(());
        }
    };
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })
    .context("installing the Ctrl-C handler")?;
    let mut scene = match Scene::start(spec, show) {
        Ok(s) => s,
        Err(SceneError::Empty) => {
            return usage(
                "nothing to emulate: give --card, --yubikey, --nitrokey3, --token2-nfc, --molto2, --nitrokey, --pn532 and/or --rdm6300"
                    .into(),
            );
        }
        Err(e) => {
            errln!("error: {e}");
            return Ok(ExitCode::from(super::EXIT_HARDWARE));
        }
    };
    outln!("running; press Ctrl-C to stop")?;
    let end = args
        .run_for
        .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    scene.run(&stop_rx, end, show);
    scene.stop();
    outln!("stopping")?;
    Ok(ExitCode::SUCCESS)
}
