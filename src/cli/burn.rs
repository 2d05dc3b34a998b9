//! `tokenstation burn`: write a seed into a hardware token, prove it, register it as
//! active (issue 6). One token, or `--batch`: token after token until `--count` or
//! Ctrl-C, with a summary. The station does the work ([`Station::burn`]); this face
//! opens the reader, picks the family and asks the technician.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::ArgGroup;
use zeroize::Zeroizing;

use super::{Ctx, EXIT_INPUT, exit_code_for, time::now};
use crate::otp::{KeyUri, Secret};
use crate::station::provision::{BurnOutcome, BurnRequest, BurnSeed, Proof};
use crate::station::tokens::SeedInput;
use crate::station::{Station, StationError};

/// Options of `tokenstation burn`.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("seed").args(["secret", "uri", "generate", "from_store"])))]
#[command(after_help = "Examples:\n  \
  tokenstation burn --reader \"Virtual PCD 00 00\" --product \"YubiKey TOTP\" --serial YK-0001 --generate\n  \
  tokenstation burn --reader \"Yubico YubiKey OTP+FIDO+CCID 00 00\" --from-store T-0042\n  \
  tokenstation burn --reader \"Virtual PCD 00 00\" --product \"YubiKey TOTP\" --generate --batch --serial-prefix YK- --start 1 --count 50\n  \
  tokenstation burn --reader hid:/dev/hidraw3 --product \"Nitrokey Pro TOTP\" --serial NK-1 --generate\n\n\
  Exit codes: 0 burned and proven, 1 the proof failed, 2 input, 3 store or key, 4 hardware.")]
pub struct BurnArgs {
    /// The reader: a PC/SC reader name (`pcsc:NAME` or just NAME) or `hid:/dev/hidrawN`
    /// (Nitrokey Pro / Storage / Librem Key).
    #[arg(long)]
    pub reader: String,
    /// Token family (ykoath, nitrokey3, nitrokey); default: detected from the card.
    #[arg(long)]
    pub family: Option<String>,
    /// Slot or profile number (Nitrokey slot; default: the first).
    #[arg(long)]
    pub slot: Option<u16>,
    /// Product to register the token under (its parameters are burned).
    #[arg(long)]
    pub product: Option<String>,
    /// Serial of the token; default: the serial the device reports.
    #[arg(long, conflicts_with = "from_store")]
    pub serial: Option<String>,
    /// Burn the seed of this token, already in the store (e.g. imported from PSKC).
    #[arg(long, value_name = "SERIAL", conflicts_with = "batch")]
    pub from_store: Option<String>,
    /// Seed in base32, or hex prefixed with `hex:` (prefer TOKENSTATION_SECRET).
    #[arg(long, env = "TOKENSTATION_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// An otpauth:// Key URI; its parameters must match the product.
    #[arg(long)]
    pub uri: Option<String>,
    /// Draw a fresh seed from the OS.
    #[arg(long)]
    pub generate: bool,
    /// Issuer in OATH credential names `issuer:SERIAL` [default: the product name].
    #[arg(long)]
    pub issuer: Option<String>,
    /// Require a touch of the token's button for every code (OATH).
    #[arg(long)]
    pub touch: bool,
    /// Overwrite an occupied slot; burn a token that is already active again.
    #[arg(long)]
    pub force: bool,
    /// Burn token after token: wait for each card, burn, prove, continue.
    #[arg(long)]
    pub batch: bool,
    /// Batch serials: this prefix and a running number (`--start`), 4 digits.
    #[arg(long, requires = "batch")]
    pub serial_prefix: Option<String>,
    /// First running number of batch serials.
    #[arg(long, default_value_t = 1, requires = "serial_prefix")]
    pub start: u64,
    /// Stop the batch after this many tokens were burned (default: until Ctrl-C).
    #[arg(long, requires = "batch")]
    pub count: Option<u64>,
    /// How to prove the burn: read a code back where the token can (auto), or have
    /// the technician type the code (typed).
    #[arg(long, value_enum, default_value = "auto")]
    pub prove: ProveArg,
    /// OATH access code of a locked YubiKey (prefer TOKENSTATION_OATH_PASSWORD).
    #[arg(long, env = "TOKENSTATION_OATH_PASSWORD", hide_env_values = true)]
    pub oath_password: Option<String>,
    /// Molto2 customer key in hex (prefer TOKENSTATION_MOLTO2_KEY) [default: the factory key].
    #[arg(long, env = "TOKENSTATION_MOLTO2_KEY", hide_env_values = true)]
    pub molto2_key: Option<String>,
    /// Nitrokey admin PIN (prefer TOKENSTATION_ADMIN_PIN; asked when absent).
    #[arg(long, env = "TOKENSTATION_ADMIN_PIN", hide_env_values = true)]
    pub admin_pin: Option<String>,
    /// Seconds to wait for a token in the reader.
    #[arg(long, default_value_t = 30.0)]
    pub wait: f64,
}

/// `--prove` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProveArg {
    /// Read back where possible, else ask.
    Auto,
    /// Always ask for the displayed code.
    Typed,
}

/// A reader argument, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderArg {
    /// A PC/SC reader name.
    Pcsc(String),
    /// A hidraw node.
    Hid(String),
}

impl ReaderArg {
    /// `pcsc:NAME`, `hid:/dev/hidrawN`, or a plain PC/SC reader name.
    pub fn parse(s: &str) -> ReaderArg {
        if let Some(p) = s.strip_prefix("hid:") {
            ReaderArg::Hid(p.to_string())
        } else {
            ReaderArg::Pcsc(s.strip_prefix("pcsc:").unwrap_or(s).to_string())
        }
    }

    /// The name for messages and the audit log.
    pub fn name(&self) -> &str {
        match self {
            ReaderArg::Pcsc(n) | ReaderArg::Hid(n) => n,
        }
    }
}

fn seed_of(args: &BurnArgs) -> anyhow::Result<BurnSeed> {
    Ok(
        match (&args.from_store, &args.secret, &args.uri, args.generate) {
            (Some(_), ..) => BurnSeed::FromStore,
            (_, Some(s), _, _) => {
                let s = Zeroizing::new(s.clone());
                BurnSeed::New(SeedInput::Secret(Secret::parse(&s)?))
            }
            (_, _, Some(u), _) => BurnSeed::New(SeedInput::Uri(Box::new(KeyUri::parse(u)?))),
            (_, _, _, true) => BurnSeed::New(SeedInput::Generate),
            _ => {
                return Err(StationError::Input(
                    "give the seed: --generate, --secret, --uri or --from-store SERIAL".into(),
                )
                .into());
            }
        },
    )
}

/// Asks on stderr, reads a line from stdin; `None` at end of input.
fn ask(question: &str) -> Option<String> {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim().to_string()),
    }
}

/// Runs `tokenstation burn`.
pub fn run(ctx: &Ctx, args: BurnArgs) -> anyhow::Result<ExitCode> {
    if args.batch && (args.secret.is_some() || args.uri.is_some()) {
        return Err(StationError::Input(
            "--batch burns a fresh seed into each token: use --generate".into(),
        )
        .into());
    }
    if args.from_store.is_none() && args.product.is_none() {
        return Err(StationError::Input("give --product (or --from-store SERIAL)".into()).into());
    }
    let mut st = ctx.open_unlocked()?;
    let reader = ReaderArg::parse(&args.reader);
    if args.batch {
        return batch(ctx, &mut st, &args, &reader);
    }
    let serial = args.from_store.clone().or_else(|| args.serial.clone());
    let out = burn_one(&mut st, &args, &reader, serial, &mut ask)?;
    report(ctx, &out);
    Ok(ExitCode::SUCCESS)
}

fn report(ctx: &Ctx, out: &BurnOutcome) {
    if ctx.json {
        println!("{}", serde_json::to_string(out).unwrap_or_default());
    } else {
        let mut details = vec![out.family.clone()];
        if let Some(f) = &out.firmware {
            details.push(format!("firmware {f}"));
        }
        if out.clock_set {
            details.push("clock set".into());
        }
        println!(
            "burned token {} ({}) as \"{}\", proven by {} code; registered active under {}",
            out.serial,
            details.join(", "),
            out.name,
            out.proof,
            out.product
        );
    }
}

/// Waits for a token, opens it with its family's driver and burns it.
fn burn_one(
    st: &mut Station,
    args: &BurnArgs,
    reader: &ReaderArg,
    serial: Option<String>,
    prompt: &mut dyn FnMut(&str) -> Option<String>,
) -> anyhow::Result<BurnOutcome> {
    let request = BurnRequest {
        product: args.product.clone(),
        serial,
        seed: seed_of(args)?,
        issuer: args.issuer.clone(),
        slot: args.slot,
        touch: args.touch,
        force: args.force,
        proof: match args.prove {
            ProveArg::Auto => Proof::Auto,
            ProveArg::Typed => Proof::Typed,
        },
        reader: reader.name().to_string(),
        now: &now,
    };
    match reader {
        ReaderArg::Pcsc(name) => burn_pcsc(st, args, name, request, prompt),
        ReaderArg::Hid(path) => super::burn_hid::burn_hid(st, args, path, request, prompt),
    }
}

#[cfg(feature = "pcsc")]
fn burn_pcsc(
    st: &mut Station,
    args: &BurnArgs,
    name: &str,
    request: BurnRequest<'_>,
    prompt: &mut dyn FnMut(&str) -> Option<String>,
) -> anyhow::Result<BurnOutcome> {
    use crate::devices::families::{OpenOptions, open_apdu_token};
    use crate::transport::LinkError;
    use crate::transport::pcsc::{CardWait, PcscContext};
    let ctx = PcscContext::establish()?;
    let wait = std::time::Duration::from_secs_f64(args.wait.max(0.0));
    match ctx.wait_for(name, true, Some(wait))? {
        CardWait::Present(_) => {}
        _ => {
            return Err(LinkError::NoCard {
                reader: name.to_string(),
            }
            .into());
        }
    }
    let link = ctx.connect(name)?;
    let molto2_key = args
        .molto2_key
        .as_deref()
        .map(|k| {
            data_encoding::HEXLOWER_PERMISSIVE
                .decode(k.as_bytes())
                .map_err(|_| super::seeds::InputError("--molto2-key is not hex".into()))
        })
        .transpose()?;
    let opts = OpenOptions {
        oath_password: args.oath_password.as_deref(),
        molto2_key: molto2_key.as_deref(),
    };
    let mut token = open_apdu_token(args.family.as_deref(), link, &opts)?;
    Ok(st.burn(token.as_mut(), None, request, prompt)?)
}

#[cfg(not(feature = "pcsc"))]
fn burn_pcsc(
    _: &mut Station,
    _: &BurnArgs,
    name: &str,
    _: BurnRequest<'_>,
    _: &mut dyn FnMut(&str) -> Option<String>,
) -> anyhow::Result<BurnOutcome> {
    Err(crate::transport::LinkError::Unsupported {
        reader: name.to_string(),
        what: "PC/SC (built without the `pcsc` feature)".into(),
    }
    .into())
}

/// One line of the batch summary.
#[derive(Debug, serde::Serialize)]
struct Failure {
    serial: Option<String>,
    reason: String,
}

fn batch(
    ctx: &Ctx,
    st: &mut Station,
    args: &BurnArgs,
    reader: &ReaderArg,
) -> anyhow::Result<ExitCode> {
    super::progress::catch_interrupt();
    let mut number = args.start;
    let mut burned: Vec<BurnOutcome> = Vec::new();
    let mut failed: Vec<Failure> = Vec::new();
    let mut exit = 0u8;
    let interactive = std::io::stdin().is_terminal();
    while args.count.is_none_or(|c| (burned.len() as u64) < c) && !super::progress::interrupted() {
        let serial = args
            .serial_prefix
            .as_ref()
            .map(|p| format!("{p}{number:04}"));
        eprintln!(
            "[{}] present token {} to {} (Ctrl-C to stop)",
            burned.len() + 1,
            serial.as_deref().unwrap_or("(device serial)"),
            reader.name()
        );
        if !wait_presence(reader, true)? {
            break;
        }
        let mut prompt = |q: &str| if interactive { ask(q) } else { None };
        match burn_one(st, args, reader, serial.clone(), &mut prompt) {
            Ok(out) => {
                eprintln!(
                    "[{}] burned {} ({} proof)",
                    burned.len() + 1,
                    out.serial,
                    out.proof
                );
                burned.push(out);
                number += 1;
            }
            Err(e) => {
                let code = exit_code_for(&e);
                if code == EXIT_INPUT || code == super::EXIT_STORE {
                    return Err(e); // the same mistake would repeat on every token
                }
                exit = code;
                eprintln!(
                    "[{}] FAILED {}: {e:#}",
                    burned.len() + 1,
                    serial.as_deref().unwrap_or("")
                );
                failed.push(Failure {
                    serial,
                    reason: format!("{e:#}"),
                });
            }
        }
        eprintln!("remove the token");
        if !wait_presence(reader, false)? {
            break;
        }
    }
    if ctx.json {
        println!(
            "{}",
            serde_json::json!({"burned": burned, "failed": failed, "exit_code": exit})
        );
    } else {
        println!("batch: {} burned, {} failed", burned.len(), failed.len());
        for b in &burned {
            println!("  ok      {}  {}", b.serial, b.name);
        }
        for f in &failed {
            println!(
                "  failed  {}  {}",
                f.serial.as_deref().unwrap_or("-"),
                f.reason
            );
        }
    }
    Ok(ExitCode::from(exit))
}

/// Waits until a card is present (or gone); `false` on Ctrl-C. HID tokens count as
/// present at once (unplugging is not watched).
fn wait_presence(reader: &ReaderArg, present: bool) -> anyhow::Result<bool> {
    let ReaderArg::Pcsc(name) = reader else {
        return Ok(!super::progress::interrupted());
    };
    #[cfg(feature = "pcsc")]
    {
        use crate::transport::pcsc::{CardWait, PcscContext};
        let ctx = PcscContext::establish()?;
        loop {
            if super::progress::interrupted() {
                return Ok(false);
            }
            match ctx.wait_for(name, present, Some(std::time::Duration::from_millis(500)))? {
                CardWait::NotYet => {}
                _ => return Ok(true),
            }
        }
    }
    #[cfg(not(feature = "pcsc"))]
    {
        let _ = present;
        Err(crate::transport::LinkError::Unsupported {
            reader: name.clone(),
            what: "PC/SC (built without the `pcsc` feature)".into(),
        }
        .into())
    }
}
