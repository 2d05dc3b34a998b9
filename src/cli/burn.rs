//! `tokenstation burn`: write a seed into a hardware token, prove it, register it as
//! active (issue 6). One token, or `--batch`: token after token until `--count` or
//! Ctrl-C, with a summary. The station does the work as a job
//! ([`crate::station::burn_job`]); this face parses the options, answers the job's
//! questions on the terminal and prints its events.

use std::process::ExitCode;

use clap::ArgGroup;

use super::Ctx;
use std::io::IsTerminal;

use super::ask::{Asking, drive, drive_with};
use super::countdown::Countdown;
use super::errors::{InputError, exit_code_of};
use super::reader_args::ReaderArgs;
use super::seed_args::{SEED_NEEDED, SeedArgs};
use crate::devices::presence::ReaderSpec;
use crate::station::StationError;
use crate::station::burn_job::{
    self, BatchOrder, BatchSummary, BurnEvent, BurnOrder, DeviceOptions,
};
use crate::station::provision::{BurnOptions, BurnOutcome, BurnSeed, Proof};

/// Options of `tokenstation burn`.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("seed").args(["secret", "secret_file", "uri", "uri_file", "generate", "from_store"])))]
#[command(after_help = "Examples:\n  \
  tokenstation burn --reader \"Virtual PCD 00 00\" --product \"YubiKey TOTP\" --serial YK-0001 --generate\n  \
  tokenstation burn --reader \"Yubico YubiKey OTP+FIDO+CCID 00 00\" --from-store T-0042\n  \
  tokenstation burn --reader \"Virtual PCD 00 00\" --product \"YubiKey TOTP\" --generate --batch --serial-prefix YK- --start 1 --count 50\n  \
  tokenstation burn --reader hid:/dev/hidraw3 --product \"Nitrokey Pro TOTP\" --serial NK-1 --generate\n\n\
  Exit codes: 0 burned and proven, 1 the proof failed, 2 input, 3 store or key, 4 hardware.")]
pub struct BurnArgs {
    /// The reader, the family, the device secrets, the wait.
    #[command(flatten)]
    pub token: ReaderArgs,
    /// Slot or profile number (Nitrokey slot; default: the first; a Molto2 profile
    /// must be named, or --free-slot).
    #[arg(long)]
    pub slot: Option<u16>,
    /// Molto2: burn into the first profile that holds no seed (read from the device).
    #[arg(long, conflicts_with = "slot")]
    pub free_slot: bool,
    /// Product to register the token under (its parameters are burned).
    #[arg(long)]
    pub product: Option<String>,
    /// Serial of the token; default: the serial the device reports.
    #[arg(long, conflicts_with = "from_store")]
    pub serial: Option<String>,
    /// Burn the seed of this token, already in the store (e.g. imported from PSKC).
    #[arg(long, value_name = "SERIAL", conflicts_with = "batch")]
    pub from_store: Option<String>,
    /// The seed (never in argv: --secret or --uri asks; TOKENSTATION_SECRET or
    /// TOKENSTATION_URI; --secret-file or --uri-file).
    #[command(flatten)]
    pub seed: SeedArgs,
    /// Issuer in OATH credential names `issuer:SERIAL` [default: the product name].
    #[arg(long)]
    pub issuer: Option<String>,
    /// Require a touch of the token's button for every code (OATH).
    #[arg(long)]
    pub touch: bool,
    /// Overwrite an occupied slot; burn a token that is already active again.
    #[arg(long)]
    pub force: bool,
    /// Send the Molto2 key even when the device has one try left (a wrong key locks
    /// it for good); without it the burn asks on a terminal and refuses elsewhere.
    #[arg(long)]
    pub yes: bool,
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
}

/// `--prove` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProveArg {
    /// Read back where possible, else ask.
    Auto,
    /// Always ask for the displayed code.
    Typed,
}

fn seed_of(args: &BurnArgs) -> anyhow::Result<BurnSeed> {
    if args.from_store.is_some() {
        return Ok(BurnSeed::FromStore);
    }
    match args.seed.seed()? {
        Some(s) => Ok(BurnSeed::New(s)),
        None => Err(InputError(format!("{SEED_NEEDED}, or --from-store SERIAL")).into()),
    }
}

fn options(args: &BurnArgs) -> BurnOptions {
    BurnOptions {
        issuer: args.issuer.clone(),
        slot: args.slot,
        free_slot: args.free_slot,
        touch: args.touch,
        force: args.force,
        yes: args.yes,
        proof: match args.prove {
            ProveArg::Auto => Proof::Auto,
            ProveArg::Typed => Proof::Typed,
        },
    }
}

/// Runs `tokenstation burn`.
pub fn run(ctx: &Ctx, args: BurnArgs) -> anyhow::Result<ExitCode> {
    if args.batch && (args.seed.names_secret() || args.seed.names_uri()) {
        return Err(InputError(
            "--batch burns a fresh seed into each token: use --generate".into(),
        )
        .into());
    }
    if args.from_store.is_none() && args.product.is_none() {
        return Err(StationError::ProductNeeded.into());
    }
    let reader = args.token.spec()?;
    let device = args.token.device_options()?;
    let st = ctx.open_unlocked()?;
    if args.batch {
        return batch(ctx, st, &args, reader, device);
    }
    let order = BurnOrder {
        reader,
        device,
        product: args.product.clone(),
        serial: args.from_store.clone().or_else(|| args.serial.clone()),
        seed: seed_of(&args)?,
        options: options(&args),
    };
    // On a terminal the wait counts down; off one, its one line stays.
    let countdown = std::cell::RefCell::new(None::<Countdown>);
    let stop = || {
        if let Some(mut c) = countdown.borrow_mut().take() {
            c.stop();
        }
    };
    let done = drive_with(
        burn_job::burn(st, order)?,
        Asking::Stdin,
        |e| {
            // a step reached says nothing on the command line and keeps the countdown
            if matches!(e, BurnEvent::Step { .. }) {
                return;
            }
            stop();
            match e {
                BurnEvent::Present {
                    reader,
                    wait: Some(w),
                    ..
                } if std::io::stderr().is_terminal() => {
                    let text = format!("present a token on {reader}…");
                    *countdown.borrow_mut() = Some(Countdown::start(text, w));
                }
                BurnEvent::Present {
                    reader,
                    wait: Some(w),
                    ..
                } => errln!(
                    "present a token on {reader}… (waiting up to {} s; Ctrl-C to stop)",
                    w.as_secs()
                ),
                BurnEvent::Opened { reader } if std::io::stderr().is_terminal() => {
                    errln!("present a token on {reader}… found")
                }
                _ => {}
            }
        },
        stop,
    );
    stop();
    let (_st, out) = done?;
    report(ctx, &out?)?;
    Ok(ExitCode::SUCCESS)
}

fn warn(out: &BurnOutcome) {
    for w in &out.warnings {
        super::token::print_warning(w);
    }
}

fn report(ctx: &Ctx, out: &BurnOutcome) -> Result<(), super::output::OutputError> {
    warn(out);
    if ctx.json {
        outln!("{}", serde_json::to_string(out).unwrap_or_default())?;
    } else {
        let mut details = vec![out.family.to_string()];
        if let Some(f) = &out.firmware {
            details.push(format!("firmware {f}"));
        }
        if out.clock_set {
            details.push("clock set".into());
        }
        outln!(
            "burned token {} ({}) as \"{}\", proven by {} code; registered active under {}",
            out.serial,
            details.join(", "),
            out.name,
            out.proof,
            out.product
        )?;
    }
    Ok(())
}

fn batch(
    ctx: &Ctx,
    st: crate::station::Station,
    args: &BurnArgs,
    reader: ReaderSpec,
    device: DeviceOptions,
) -> anyhow::Result<ExitCode> {
    let product = args.product.clone().ok_or(StationError::ProductNeeded)?;
    let product_name = product.clone();
    let order = BatchOrder {
        reader,
        device,
        product,
        serial_prefix: args.serial_prefix.clone(),
        start: args.start,
        count: args.count,
        options: options(args),
    };
    let (_st, summary) = drive(
        burn_job::batch(st, order)?,
        Asking::TerminalOnly,
        |e| match e {
            BurnEvent::Skipped { serial } => {
                errln!("skipped {serial}: it already exists in {product_name}")
            }
            BurnEvent::Present {
                n, serial, reader, ..
            } => errln!(
                "[{n}] present token {} to {reader} (Ctrl-C to stop)",
                serial.as_deref().unwrap_or("(device serial)")
            ),
            BurnEvent::Burned { n, outcome } => {
                warn(&outcome);
                errln!("[{n}] burned {} ({} proof)", outcome.serial, outcome.proof)
            }
            BurnEvent::Failed { n, serial, error } => errln!(
                "[{n}] FAILED {}: {}",
                serial.as_deref().unwrap_or(""),
                reason(&error)
            ),
            BurnEvent::Remove { .. } => errln!("remove the token"),
            BurnEvent::Opened { .. } => {}
            BurnEvent::Step { .. } => {}
        },
    )?;
    let summary = summary?;
    let exit = summary.failure_class().map(exit_code_of).unwrap_or(0);
    print_summary(ctx, &summary, exit)?;
    Ok(ExitCode::from(exit))
}

fn reason(e: &crate::station::error::ErrorReport) -> String {
    let mut s = e.message.clone();
    if let Some(h) = &e.hint {
        s.push_str(&super::errors::words(h));
    }
    s
}

fn print_summary(ctx: &Ctx, s: &BatchSummary, exit: u8) -> Result<(), super::output::OutputError> {
    if ctx.json {
        let failed: Vec<serde_json::Value> = s
            .failed
            .iter()
            .map(|f| serde_json::json!({"serial": f.serial, "reason": reason(&f.error)}))
            .collect();
        outln!(
            "{}",
            serde_json::json!({"burned": s.burned, "failed": failed, "skipped": s.skipped, "exit_code": exit})
        )?;
        return Ok(());
    }
    outln!(
        "batch: {} burned, {} failed, {} skipped",
        s.burned.len(),
        s.failed.len(),
        s.skipped.len()
    )?;
    for serial in &s.skipped {
        outln!("  skipped {serial}  (already exists)")?;
    }
    for b in &s.burned {
        outln!("  ok      {}  {}", b.serial, b.name)?;
    }
    for f in &s.failed {
        outln!(
            "  failed  {}  {}",
            f.serial.as_deref().unwrap_or("-"),
            reason(&f.error)
        )?;
    }
    Ok(())
}
