//! The scriptable face: clap commands over the station. Errors become one line on
//! stderr (and a JSON object with `--json`) and a documented exit code:
//! 0 ok, 1 rejected code, 2 usage or input error, 3 store or key error, 4 hardware.

// First, so that its macros (`outln!`, `errln!`…) are in scope in every module below.
#[macro_use]
pub mod output;

mod argv_secret;
pub mod ask;
pub mod audit;
pub mod burn;
pub mod catalog;
pub mod countdown;
pub mod demo;
pub mod device;
pub mod device_args;
pub mod device_show;
pub mod drift;
pub mod drift_fix;
pub mod emulate;
pub mod emulate_nitrokey;
pub mod engine;
pub mod errors;
pub mod export;
pub mod holder;
pub mod hw;
pub mod import_report;
pub mod interrupt;
pub mod key;
pub mod kiosk;
pub mod location;
pub mod manage;
pub mod presence;
pub mod presence_admin;
pub mod progress;
pub mod reader_args;
pub mod secret_arg;
pub mod seed_args;
pub mod seeds;
pub mod serve;
pub mod store_cmd;
pub mod time;
pub mod token;
pub mod token_args;
pub mod token_show;
pub mod verify;

// Running as a service (issue 18): the configuration file and the effective settings,
// completions and man pages, systemd notification and the journal.
pub mod completions;
pub mod config;
pub mod config_file;
pub mod service;
pub mod settings;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use zeroize::Zeroizing;

use crate::station::{Actor, KeySource, Station, StationError, default_key_file};
use crate::vault::KeyKind;

pub use errors::exit_code_for;

/// Exit code: a code was rejected.
pub const EXIT_REJECTED: u8 = 1;
/// Exit code: usage or input error.
pub const EXIT_INPUT: u8 = 2;
/// Exit code: store or key error.
pub const EXIT_STORE: u8 = 3;
/// Exit code: hardware error.
pub const EXIT_HARDWARE: u8 = 4;
/// Exit code: interrupted by Ctrl-C (nothing written).
pub const EXIT_INTERRUPTED: u8 = 130;
/// Exit code: standard output was closed by its reader (`| head`); 128 + SIGPIPE, as a
/// shell reports a program that signal ended. Nothing is printed.
pub const EXIT_OUTPUT_CLOSED: u8 = 141;

/// The help heading of the options every command takes.
const GLOBAL: &str = "Global options";

/// Program hardware OTP tokens and run presence-token stations.
#[derive(Debug, Parser)]
#[command(
    name = "tokenstation",
    version,
    about,
    long_about = "Program hardware OTP tokens and run presence-token stations.\n\n\
        Technicians register and burn tokens, kiosks verify codes and log presence,\n\
        operators watch and fix clock drift. Everything works offline on one SQLite store.",
    after_help = "Exit codes: 0 ok, 1 rejected code, 2 usage or input error, 3 store or key error, 4 hardware error.\n\
        Start with: tokenstation init && tokenstation product add \"My TOTP\" && tokenstation token add T1 --product \"My TOTP\" --generate"
)]
pub struct Cli {
    /// The store file [default: `store.path` of the configuration file, else
    /// ~/.local/share/tokenstation/station.db].
    #[arg(
        long,
        global = true,
        env = "TOKENSTATION_DB",
        hide_env_values = true,
        value_name = "PATH",
        help_heading = GLOBAL
    )]
    pub db: Option<PathBuf>,
    /// The master key file [default: `store.key_file` of the configuration file, else
    /// the store's path with `.key` appended].
    #[arg(
        long,
        global = true,
        env = "TOKENSTATION_KEY_FILE",
        hide_env_values = true,
        value_name = "PATH",
        help_heading = GLOBAL
    )]
    pub key_file: Option<PathBuf>,
    /// Print results as JSON (stable field names) instead of tables.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub json: bool,
    /// The configuration file [default: /etc/tokenstation/station.toml, when it
    /// exists]. Command-line options override it; it overrides the defaults.
    #[arg(
        long,
        global = true,
        env = "TOKENSTATION_CONFIG",
        hide_env_values = true,
        value_name = "PATH",
        help_heading = GLOBAL
    )]
    pub config: Option<PathBuf>,
    /// The effective settings and where each came from (filled by `settings::parse`).
    #[arg(skip)]
    pub settings: settings::Settings,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new store and its master key.
    Init(catalog::InitArgs),
    /// Token models and their OTP parameters.
    #[command(subcommand)]
    Product(catalog::ProductCommand),
    /// Individual tokens: register, show codes, life cycle, assignment.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Sites, rooms and kiosks.
    #[command(subcommand)]
    Location(location::LocationCommand),
    /// People or things that hold tokens and cards.
    #[command(subcommand)]
    Holder(holder::HolderCommand),
    /// Import seeds: PSKC (RFC 6030), CSV, otpauth URI lists. One transaction.
    #[command(subcommand)]
    Import(seeds::ImportCommand),
    /// Export seeds (audited): encrypted PSKC, otpauth URIs.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Check a code typed from a token.
    Verify(verify::VerifyArgs),
    /// Which tokens produced a code, at which steps of a time range.
    Lookup(engine::LookupArgs),
    /// The verification attempt log.
    #[command(subcommand)]
    Attempt(engine::AttemptCommand),
    /// Rate limits, drift learning cap, resync and look-up bounds.
    #[command(subcommand)]
    Policy(engine::PolicyCommand),
    /// The append-only audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// API keys for applications and shared access (roles, scopes), shown once.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Serve the HTTP verification API (loopback by default; see the README).
    Serve(serve::ServeArgs),
    /// The store as a whole: copy it to another file or PostgreSQL database.
    #[command(subcommand)]
    Store(store_cmd::StoreCommand),
    /// Readers, tokens and serial ports attached to this machine.
    #[command(subcommand)]
    Hw(hw::HwCommand),
    /// Burn a seed into a hardware token, prove it, register it as active.
    Burn(burn::BurnArgs),
    /// Clock drift: the report by urgency, one token's history, clock fixes.
    #[command(subcommand)]
    Drift(drift::DriftCommand),
    /// What a token on the bench holds, and managing it: info, list, delete, rename, reset.
    #[command(subcommand)]
    Device(device::DeviceCommand),
    /// Run a location's presence kiosk: readers and typed codes to check-ins and check-outs.
    Kiosk(kiosk::KioskArgs),
    /// Presence: who is in, reports, presence-token codes.
    #[command(subcommand)]
    Presence(presence::PresenceCommand),
    /// Start virtual hardware (cards behind pcscd, PN532, RDM6300) for demos and tests.
    Emulate(emulate::EmulateArgs),
    /// Run a short scripted demo on a temporary store (on a terminal: the terminal UI
    /// on emulated hardware).
    Demo(demo::DemoArgs),
    /// The configuration file: the effective settings and where each came from.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
    /// Write the man pages into a directory (for packaging).
    #[command(hide = true)]
    Manpages(completions::ManpagesArgs),
    /// The terminal UI on the store (also `tokenstation` alone on a terminal).
    Tui,
}

/// Global options every command handler receives.
pub struct Ctx {
    /// The store file.
    pub db: PathBuf,
    /// The key file (for key-file stores).
    pub key_file: PathBuf,
    /// JSON output.
    pub json: bool,
}

impl Ctx {
    /// The global options: the store (`--db`, else the default), its key file
    /// (`--key-file`, else beside the store) and `--json`.
    pub fn new(db: Option<PathBuf>, key_file: Option<PathBuf>, json: bool) -> anyhow::Result<Ctx> {
        let db = match db {
            Some(p) => p,
            None => default_db()?,
        };
        // A PostgreSQL store has no file to put the key beside: --key-file is needed
        // (an empty path here, refused by `Ctx::key_file` when a key file is used).
        let shared = db.to_str().is_some_and(crate::station::is_shared_store);
        Ok(Ctx {
            key_file: key_file.unwrap_or_else(|| {
                if shared {
                    PathBuf::new()
                } else {
                    default_key_file(&db)
                }
            }),
            db,
            json,
        })
    }

    /// Opens the store for reading (listings): no key is needed, and nothing can be
    /// written through it (the station refuses writes while locked).
    pub fn open_read(&self) -> anyhow::Result<Station> {
        Ok(Station::open(&self.db)?)
    }

    /// Opens the store and unlocks the master key: every command that writes (the
    /// audit log records the operating-system user of the process).
    pub fn open_unlocked(&self) -> anyhow::Result<Station> {
        self.open_unlocked_as(Actor::current())
    }

    /// Opens the store and unlocks the master key, recording `actor` in the audit log.
    pub fn open_unlocked_as(&self, actor: Actor) -> anyhow::Result<Station> {
        let mut st = Station::open_as(&self.db, actor)?;
        let source = self.key_source(st.key_kind()?)?;
        st.unlock(&source)?;
        Ok(st)
    }

    /// The key file; a PostgreSQL store has no default one.
    pub fn key_file(&self) -> anyhow::Result<PathBuf> {
        if self.key_file.as_os_str().is_empty() {
            anyhow::bail!(
                "the store is on PostgreSQL: pass --key-file FILE (or set TOKENSTATION_KEY_FILE); every station of a shared store uses the same master key file"
            );
        }
        Ok(self.key_file.clone())
    }

    /// Where the key of a store of this kind comes from: the key file, or the
    /// passphrase (environment or prompt).
    pub fn key_source(&self, kind: KeyKind) -> anyhow::Result<KeySource> {
        Ok(match kind {
            KeyKind::KeyFile => KeySource::File(self.key_file()?),
            KeyKind::Passphrase => KeySource::Passphrase(read_passphrase(false)?),
        })
    }
}

/// The passphrase from `TOKENSTATION_PASSPHRASE`, else asked on the terminal.
pub fn read_passphrase(confirm: bool) -> anyhow::Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var("TOKENSTATION_PASSPHRASE") {
        return Ok(Zeroizing::new(p));
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(StationError::NeedsPassphrase.into());
    }
    let first = Zeroizing::new(rpassword::prompt_password("Station passphrase: ")?);
    if confirm {
        let again = Zeroizing::new(rpassword::prompt_password("Repeat passphrase: ")?);
        if *first != *again {
            return Err(StationError::PassphrasesDiffer.into());
        }
    }
    Ok(first)
}

fn default_db() -> anyhow::Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "tokenstation")
        .context("no home directory to keep the store in: pass --db PATH")?;
    Ok(dirs.data_dir().join("station.db"))
}

/// A command line clap refused: one line naming the argument on stderr, exit code 2.
/// Help and version requests print as clap writes them (exit 0).
pub fn usage_error(e: clap::Error) -> ExitCode {
    if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // No subcommand: the help, on stderr, as clap prints it.
        e.exit();
    }
    if !e.use_stderr() {
        // --help, --version: as clap prints them; a closed pipe is not an error here.
        // Styled for a terminal; plain text for a pipe or a file.
        let _ = if output::stdout_is_terminal() {
            out!("{}", e.render().ansi())
        } else {
            out!("{}", e.render())
        };
        return ExitCode::SUCCESS;
    }
    let text = e.render().to_string();
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let first = match argv_secret::given_a_value(&args, &text) {
        Some(flag) => argv_secret::refusal(flag),
        None => text
            .lines()
            .next()
            .unwrap_or("error: invalid command line")
            .to_string(),
    };
    let line = crate::model::display_safe(&first, errors::ERROR_MAX_CHARS);
    // Under --json a refused command line is the documented error object, too.
    let json = std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json");
    if json {
        let message = line.trim_start_matches("error: ");
        let _ = outln!(
            "{}",
            serde_json::json!({"error": message, "exit_code": EXIT_INPUT})
        );
    }
    errln!("{line} (see `tokenstation --help`)");
    ExitCode::from(EXIT_INPUT)
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let json = cli.json;
    match dispatch(cli) {
        Ok(code) => code,
        // The reader of our output went away (`token list | head -1`): stop quietly.
        Err(e) if output::is_closed(&e) => ExitCode::from(EXIT_OUTPUT_CLOSED),
        Err(e) => {
            let code = exit_code_for(&e);
            let line = errors::message(&e);
            if json {
                // Best effort: the error goes to stderr below in any case.
                let _ = outln!("{}", serde_json::json!({"error": line, "exit_code": code}));
            }
            errln!("error: {line}");
            ExitCode::from(code)
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    // Hardware commands need no store.
    let command = match cli.command {
        Command::Hw(c) => return hw::run(c),
        Command::Emulate(a) => return emulate::run(a),
        Command::Config(c) => return config::run(&cli.settings, cli.json, c),
        Command::Completions(a) => return completions::completions(&a),
        Command::Manpages(a) => return completions::manpages(&a),
        Command::Store(c) => return store_cmd::run(cli.key_file, cli.json, c),
        other => other,
    };
    let ctx = Ctx::new(cli.db, cli.key_file, cli.json)?;
    match command {
        Command::Hw(_)
        | Command::Emulate(_)
        | Command::Config(_)
        | Command::Completions(_)
        | Command::Manpages(_)
        | Command::Store(_) => unreachable_face(),
        Command::Init(a) => catalog::init(&ctx, a),
        Command::Product(c) => catalog::product(&ctx, c),
        Command::Token(c) => token::run(&ctx, c),
        Command::Location(c) => location::run(&ctx, c),
        Command::Holder(c) => holder::run(&ctx, c),
        Command::Import(c) => seeds::import(&ctx, c),
        Command::Export(c) => export::export(&ctx, c),
        Command::Verify(a) => verify::run(&ctx, a),
        Command::Lookup(a) => engine::lookup(&ctx, a),
        Command::Attempt(c) => engine::attempt(&ctx, c),
        Command::Policy(c) => engine::policy(&ctx, c),
        Command::Audit(c) => audit::run(&ctx, c),
        Command::Key(c) => key::run(&ctx, c),
        Command::Serve(_) => Err(anyhow::anyhow!(
            "internal: serve is run by the binary's API face, not the CLI dispatcher"
        )),
        Command::Kiosk(a) => kiosk::run(&ctx, a),
        Command::Presence(c) => presence::run(&ctx, c),
        Command::Demo(a) => demo::run(a),
        Command::Tui => Err(anyhow::anyhow!(
            "the terminal UI needs a terminal: run `tokenstation tui` in one (commands: tokenstation --help)"
        )),
        Command::Burn(a) => burn::run(&ctx, a),
        Command::Drift(c) => drift::run(&ctx, c),
        Command::Device(c) => device::run(&ctx, c),
    }
}

/// Hardware commands were dispatched above.
fn unreachable_face() -> anyhow::Result<ExitCode> {
    Err(anyhow::anyhow!(
        "internal: hardware command reached the store dispatcher"
    ))
}
