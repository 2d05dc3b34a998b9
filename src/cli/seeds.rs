//! `import` commands: seeds into the station (PSKC, CSV, URI lists).

use std::path::PathBuf;
use std::process::ExitCode;

use super::ask::{Asking, drive};
use super::errors::InputError;
use super::progress::Progress;
use super::secret_arg::SecretSource;
use super::{Ctx, EXIT_INPUT};
use crate::seeds::{CsvFormat, HeaderMap, MacCheck};
use crate::station::import::{ImportOptions, OnDuplicate};
use crate::station::import_job::{self, ImportEvent, PskcSecrets, SeedFile};
use clap::{Args, Subcommand, ValueEnum};

/// Options every import shares.
#[derive(Debug, Args)]
pub struct CommonImport {
    /// Put every token under this product (its parameters must agree with the file).
    #[arg(long)]
    pub product: Option<String>,
    /// A serial already in its product: skip it (reported) or refuse the import.
    #[arg(long, value_enum, default_value_t = DupArg::Skip)]
    pub on_duplicate: DupArg,
    /// Show the report without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Import the good records and report the others (exit 0); without it any error
    /// writes nothing (exit 2).
    #[arg(long)]
    pub skip_errors: bool,
}

/// `--on-duplicate` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DupArg {
    /// Skip the record.
    Skip,
    /// Refuse the whole import.
    Fail,
}

/// `--mac-check` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MacArg {
    /// A ValueMAC mismatch refuses the key package.
    Strict,
    /// A ValueMAC mismatch is reported as a warning.
    Warn,
}

/// `--format` of CSV imports.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CsvArg {
    /// Token2's seed CSV (serial, secret, interval, manufacturer, model).
    Token2,
    /// OATH CSV as privacyIDEA reads it (serial, hex key, type, digits, step/counter).
    Oath,
    /// Any CSV with a header row, mapped with --map.
    Generic,
}

/// `import` subcommands.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// RFC 6030 PSKC key container (plain, pre-shared key or password protected).
    Pskc {
        /// The .pskcxml / .xml file.
        file: PathBuf,
        /// Ask for the pre-shared AES key (hex) on the terminal; scripts set
        /// TOKENSTATION_PSKC_KEY or pass --transport-key-file.
        #[arg(long, conflicts_with = "transport_key_file")]
        transport_key: bool,
        /// File holding the file's pre-shared transport key (hex text or raw bytes);
        /// not the store's master key (the global `--key-file`).
        #[arg(long, value_name = "PATH")]
        transport_key_file: Option<PathBuf>,
        /// Ask for the password of a PBKDF2-protected file on the terminal (asked anyway
        /// when needed); scripts set TOKENSTATION_PSKC_PASSWORD or pass --password-file.
        #[arg(long, conflicts_with = "password_file")]
        password: bool,
        /// File whose first line is the password of a PBKDF2-protected file.
        #[arg(long, value_name = "PATH")]
        password_file: Option<PathBuf>,
        /// How to treat a ValueMAC that does not match.
        #[arg(long, value_enum, default_value_t = MacArg::Strict)]
        mac_check: MacArg,
        /// Shared options.
        #[command(flatten)]
        common: CommonImport,
    },
    /// CSV seed file.
    Csv {
        /// The CSV file.
        file: PathBuf,
        /// Which CSV layout.
        #[arg(long, value_enum)]
        format: CsvArg,
        /// For --format generic: COLUMN=FIELD pairs, e.g. "Serial=serial,Key=secret_hex".
        /// Fields: serial, secret, secret_hex, secret_base32, type, algorithm, digits,
        /// period, counter, issuer, account, manufacturer, model.
        #[arg(long)]
        map: Option<String>,
        /// Shared options.
        #[command(flatten)]
        common: CommonImport,
    },
    /// One otpauth:// URI per line (blank lines and # comments skipped); the serial is
    /// the account name.
    Uri {
        /// The text file.
        file: PathBuf,
        /// Shared options.
        #[command(flatten)]
        common: CommonImport,
    },
}

/// The PSKC file's secrets, each by the one convention of [`SecretSource`].
fn pskc_secrets(
    transport_key: bool,
    transport_key_file: Option<PathBuf>,
    password: bool,
    password_file: Option<PathBuf>,
) -> anyhow::Result<PskcSecrets> {
    let key_hex = match &transport_key_file {
        Some(_) => None, // read by the station (hex text or raw bytes)
        None => SecretSource {
            flag: "--transport-key",
            asked: transport_key,
            file: None,
            env: "TOKENSTATION_PSKC_KEY",
            prompt: "Pre-shared transport key (hex): ",
            confirm: false,
        }
        .read()?,
    };
    let password = SecretSource {
        flag: "--password",
        asked: password,
        file: password_file.as_deref(),
        env: "TOKENSTATION_PSKC_PASSWORD",
        prompt: "Password of the PSKC file: ",
        confirm: false,
    }
    .read()?;
    Ok(PskcSecrets {
        key_hex,
        key_file: transport_key_file,
        password,
    })
}

/// Runs an `import` subcommand.
pub fn import(ctx: &Ctx, cmd: ImportCommand) -> anyhow::Result<ExitCode> {
    let (file, common) = match cmd {
        ImportCommand::Pskc {
            file,
            transport_key,
            transport_key_file,
            password,
            password_file,
            mac_check,
            common,
        } => (
            SeedFile::Pskc {
                path: file,
                secrets: pskc_secrets(transport_key, transport_key_file, password, password_file)?,
                mac: match mac_check {
                    MacArg::Strict => MacCheck::Strict,
                    MacArg::Warn => MacCheck::Warn,
                },
            },
            common,
        ),
        ImportCommand::Csv {
            file,
            format,
            map,
            common,
        } => {
            let format = match (format, map) {
                (CsvArg::Token2, _) => CsvFormat::Token2,
                (CsvArg::Oath, _) => CsvFormat::Oath,
                (CsvArg::Generic, Some(m)) => CsvFormat::Generic(
                    HeaderMap::parse(&m).map_err(|e| InputError(format!("--map: {e}")))?,
                ),
                (CsvArg::Generic, None) => {
                    return Err(
                        InputError("--format generic needs --map COLUMN=FIELD,…".into()).into(),
                    );
                }
            };
            (SeedFile::Csv { path: file, format }, common)
        }
        ImportCommand::Uri { file, common } => (SeedFile::Uri { path: file }, common),
    };
    let opts = ImportOptions {
        product: common.product,
        on_duplicate: match common.on_duplicate {
            DupArg::Skip => OnDuplicate::Skip,
            DupArg::Fail => OnDuplicate::Fail,
        },
        dry_run: common.dry_run,
        skip_errors: common.skip_errors,
    };
    let common_skip = opts.skip_errors;
    let st = ctx.open_unlocked()?;
    let mut bar = Progress::new(&format!("importing {}", file.path().display()));
    let job = import_job::import(st, file, opts)?;
    let done = drive(job, Asking::TerminalOnly, |e| {
        if let ImportEvent::Progress { done, total } = e {
            bar.update(done, total);
        }
    });
    bar.finish();
    let (_st, report) = done?;
    let report = report?;
    super::import_report::print(ctx, &report)?;
    Ok(if report.errors > 0 && !(common_skip && report.written) {
        ExitCode::from(EXIT_INPUT)
    } else {
        ExitCode::SUCCESS
    })
}
