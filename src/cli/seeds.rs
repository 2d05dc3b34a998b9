//! `import` commands: seeds into the station (PSKC, CSV, URI lists).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use zeroize::Zeroizing;

use super::output::{self, table};
use super::progress::{Progress, catch_interrupt, interrupted};
use super::time::now;
use super::{Ctx, EXIT_INPUT};
use crate::seeds::{
    self, CsvFormat, HeaderMap, ImportError, KeySource, MacCheck, Parsed, PskcKeys,
};
use crate::station::StationError;
use crate::station::import::{Hooks, ImportOptions, ImportReport, OnDuplicate, Outcome};
use crate::station::input_file;

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
        /// Pre-shared AES key in hex.
        #[arg(
            long,
            env = "TOKENSTATION_PSKC_KEY",
            hide_env_values = true,
            conflicts_with = "key_file"
        )]
        key: Option<String>,
        /// File holding the pre-shared key (hex text or raw bytes).
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// Password of a PBKDF2-protected file (asked when needed and not given).
        #[arg(long, env = "TOKENSTATION_PSKC_PASSWORD", hide_env_values = true)]
        password: Option<String>,
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

fn read_text(path: &Path) -> anyhow::Result<Zeroizing<String>> {
    Ok(input_file::read_text(path, seeds::MAX_INPUT_BYTES).map_err(StationError::from)?)
}

fn hex_key(text: &str, what: &str) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(clean.as_bytes())
        .map(Zeroizing::new)
        .map_err(|_| anyhow::Error::new(InputError(format!("{what} is not hex"))))
}

/// An input problem found in the CLI itself (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// Runs an `import` subcommand.
pub fn import(ctx: &Ctx, cmd: ImportCommand) -> anyhow::Result<ExitCode> {
    catch_interrupt();
    let (file, common, parsed) = match cmd {
        ImportCommand::Pskc {
            file,
            key,
            key_file,
            password,
            mac_check,
            common,
        } => {
            let xml = read_text(&file)?;
            let mut keys = PskcKeys::default();
            if let Some(k) = key {
                keys.psk = Some(hex_key(&k, "--key")?);
            }
            if let Some(f) = key_file {
                let raw = input_file::read_bytes(&f, 4096).map_err(StationError::from)?;
                keys.psk = Some(match std::str::from_utf8(&raw) {
                    Ok(t) if t.trim().len() >= 32 => {
                        hex_key(t, &format!("key file {}", f.display()))?
                    }
                    _ => Zeroizing::new(raw.to_vec()),
                });
            }
            keys.password = password.map(Zeroizing::new);
            let mac = match mac_check {
                MacArg::Strict => MacCheck::Strict,
                MacArg::Warn => MacCheck::Warn,
            };
            let parsed = match seeds::parse_pskc(&xml, &keys, mac) {
                Err(ImportError::KeyNeeded {
                    key: KeySource::Password,
                    ..
                }) if std::io::stdin().is_terminal() => {
                    let pw = Zeroizing::new(rpassword::prompt_password(format!(
                        "Password of {}: ",
                        file.display()
                    ))?);
                    keys.password = Some(pw);
                    seeds::parse_pskc(&xml, &keys, mac)
                }
                other => other,
            }
            .map_err(|e| anyhow::Error::new(InputError(format!("{}: {e}", file.display()))))?;
            (file, common, parsed)
        }
        ImportCommand::Csv {
            file,
            format,
            map,
            common,
        } => {
            let text = read_text(&file)?;
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
            let parsed = seeds::parse_csv(&text, &format)
                .map_err(|e| InputError(format!("{}: {e}", file.display())))?;
            (file, common, parsed)
        }
        ImportCommand::Uri { file, common } => {
            let text = read_text(&file)?;
            let parsed = seeds::parse_uri_list(&text)
                .map_err(|e| InputError(format!("{}: {e}", file.display())))?;
            (file, common, parsed)
        }
    };
    if interrupted() {
        return Err(crate::station::StationError::Interrupted.into());
    }
    run_import(ctx, &file, common, parsed)
}

fn run_import(
    ctx: &Ctx,
    file: &Path,
    common: CommonImport,
    parsed: Parsed,
) -> anyhow::Result<ExitCode> {
    let opts = ImportOptions {
        product: common.product,
        on_duplicate: match common.on_duplicate {
            DupArg::Skip => OnDuplicate::Skip,
            DupArg::Fail => OnDuplicate::Fail,
        },
        dry_run: common.dry_run,
    };
    let mut st = ctx.open_unlocked()?;
    let mut bar = Progress::new(&format!("importing {}", file.display()));
    let report = st.import_seeds(
        &file.display().to_string(),
        parsed,
        &opts,
        now(),
        Hooks {
            progress: &mut |d, t| bar.update(d, t),
            cancelled: &interrupted,
        },
    );
    bar.finish();
    let report = report?;
    print_report(ctx, &report)?;
    Ok(if report.errors > 0 {
        ExitCode::from(EXIT_INPUT)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_report(ctx: &Ctx, r: &ImportReport) -> anyhow::Result<()> {
    if ctx.json {
        output::json(r)?;
        return Ok(());
    }
    let interesting: Vec<Vec<String>> = r
        .rows
        .iter()
        .filter(|row| {
            row.outcome != Outcome::Imported || !row.warnings.is_empty() || r.rows.len() <= 20
        })
        .map(|row| {
            vec![
                row.line
                    .map(|l| l.to_string())
                    .unwrap_or_else(|| "-".into()),
                row.serial.clone().unwrap_or_else(|| "-".into()),
                row.product.clone().unwrap_or_else(|| "-".into()),
                format!("{:?}", row.outcome).to_lowercase(),
                row.reason
                    .clone()
                    .or_else(|| (!row.warnings.is_empty()).then(|| row.warnings.join("; ")))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    if !interesting.is_empty() {
        table(
            &["LINE", "SERIAL", "PRODUCT", "OUTCOME", "REASON"],
            &interesting,
        );
    }
    for note in &r.notes {
        eprintln!("note: {note}");
    }
    let verb = if r.written || r.imported == 0 {
        "imported"
    } else if r.dry_run {
        "dry run, would import"
    } else {
        "nothing written, would import"
    };
    println!(
        "{}: {verb} {}, {} duplicates, {} skipped, {} errors{}",
        r.source,
        r.imported,
        r.duplicates,
        r.skipped,
        r.errors,
        if r.new_products.is_empty() {
            String::new()
        } else {
            format!("; new products: {}", r.new_products.join(", "))
        }
    );
    if r.errors > 0 {
        eprintln!(
            "error: {} records cannot be imported; nothing was written (fix them or leave them out)",
            r.errors
        );
    }
    Ok(())
}
