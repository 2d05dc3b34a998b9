//! `import` and `export` commands and `token qr`: seeds in and out of the station.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use zeroize::Zeroizing;

use super::output::{self, table};
use super::progress::{Progress, catch_interrupt, interrupted};
use super::time::now;
use super::{Ctx, EXIT_INPUT};
use crate::seeds::{
    self, CsvFormat, HeaderMap, ImportError, KeySource, MacCheck, Parsed, Protection, PskcKeys,
};
use crate::station::export::Selection;
use crate::station::import::{Hooks, ImportOptions, ImportReport, OnDuplicate, Outcome};

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

/// `export` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// PSKC file, encrypted under a fresh pre-shared key printed once, or a password.
    Pskc {
        /// Output file (created mode 0600; refuses to overwrite).
        file: PathBuf,
        /// Protect with a password (PBKDF2) instead of a fresh pre-shared key; read from
        /// TOKENSTATION_EXPORT_PASSWORD or asked twice.
        #[arg(long, conflicts_with = "insecure_plaintext")]
        password: bool,
        /// Write the seeds in the clear. For lab use only.
        #[arg(long)]
        insecure_plaintext: bool,
        /// Which tokens.
        #[command(flatten)]
        sel: SelArgs,
    },
    /// otpauth:// URIs, one per line.
    Uri {
        /// Output file (created mode 0600) instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Which tokens.
        #[command(flatten)]
        sel: SelArgs,
    },
}

/// Token selection for exports.
#[derive(Debug, Args)]
pub struct SelArgs {
    /// Serials to export [default: every token of --product, or every token].
    pub serials: Vec<String>,
    /// Only tokens of this product.
    #[arg(long)]
    pub product: Option<String>,
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
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
                let raw = Zeroizing::new(
                    std::fs::read(&f)
                        .with_context(|| format!("cannot read key file {}", f.display()))?,
                );
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
            (file.clone(), common, seeds::parse_uri_list(&text))
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

/// Writes `text` to a new file readable only by its owner, atomically (temporary file
/// then rename); refuses to replace an existing file.
pub fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    if path.exists() {
        return Err(InputError(format!(
            "{} exists: choose another file name",
            path.display()
        ))
        .into());
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tokenstation-export-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {}", path.display(), e.error))?;
    Ok(())
}

fn export_password() -> anyhow::Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var("TOKENSTATION_EXPORT_PASSWORD") {
        return Ok(Zeroizing::new(p));
    }
    if !std::io::stdin().is_terminal() {
        return Err(InputError(
            "set TOKENSTATION_EXPORT_PASSWORD (no terminal to ask the export password on)".into(),
        )
        .into());
    }
    let a = Zeroizing::new(rpassword::prompt_password("Export password: ")?);
    let b = Zeroizing::new(rpassword::prompt_password("Repeat export password: ")?);
    if *a != *b || a.len() < 8 {
        return Err(
            InputError("the passwords differ or are shorter than 8 characters".into()).into(),
        );
    }
    Ok(a)
}

/// Unseals the selection for export with a progress bar and Ctrl-C handling.
fn export_with_progress(
    st: &mut crate::station::Station,
    sel: Selection,
    format: &str,
    target: &str,
) -> anyhow::Result<Vec<seeds::SeedRecord>> {
    catch_interrupt();
    let mut bar = Progress::new(&format!("exporting to {target}"));
    let out = st.export_seeds(
        &sel,
        format,
        target,
        now(),
        Hooks {
            progress: &mut |d, t| bar.update(d, t),
            cancelled: &interrupted,
        },
    );
    bar.finish();
    if interrupted() {
        return Err(crate::station::StationError::Interrupted.into());
    }
    Ok(out?)
}

/// Runs an `export` subcommand.
pub fn export(ctx: &Ctx, cmd: ExportCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ExportCommand::Pskc {
            file,
            password,
            insecure_plaintext,
            sel,
        } => {
            if file.exists() {
                return Err(InputError(format!(
                    "{} exists: choose another file name",
                    file.display()
                ))
                .into());
            }
            let pw = password.then(export_password).transpose()?;
            let mut st = ctx.open_unlocked()?;
            let records = export_with_progress(
                &mut st,
                Selection {
                    serials: sel.serials,
                    product: sel.product,
                },
                "pskc",
                &file.display().to_string(),
            )?;
            let mut psk = Zeroizing::new([0u8; 16]);
            seeds::os_random(psk.as_mut())?;
            let protection = match (&pw, insecure_plaintext) {
                (_, true) => Protection::InsecurePlaintext,
                (Some(p), _) => Protection::Password {
                    password: p,
                    iterations: 100_000,
                },
                (None, _) => Protection::PreSharedKey {
                    key: psk.as_ref(),
                    key_name: "Pre-shared-key",
                },
            };
            let mut rng_failed = false;
            let xml = seeds::write_pskc(&records, &protection, &mut |b| {
                rng_failed |= seeds::os_random(b).is_err()
            })?;
            if rng_failed {
                anyhow::bail!("the OS random generator failed; nothing was written");
            }
            write_private(&file, xml.as_bytes())?;
            let key_hex = Zeroizing::new(data_encoding::HEXLOWER.encode(psk.as_ref()));
            if ctx.json {
                let mut v = serde_json::json!({"file": file.display().to_string(), "tokens": records.len()});
                if matches!(protection, Protection::PreSharedKey { .. }) {
                    v["pre_shared_key"] = serde_json::Value::String(key_hex.to_string());
                }
                return output::json(&v);
            }
            println!("wrote {} tokens to {}", records.len(), file.display());
            match protection {
                Protection::PreSharedKey { .. } => {
                    println!(
                        "pre-shared key (AES-128, hex), shown only now: {}",
                        key_hex.as_str()
                    )
                }
                Protection::Password { .. } => {
                    println!("protected with your password (PBKDF2-HMAC-SHA1, 100000 iterations)")
                }
                Protection::InsecurePlaintext => {
                    eprintln!("warning: the seeds in {} are NOT encrypted", file.display())
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ExportCommand::Uri { out, sel } => {
            let mut st = ctx.open_unlocked()?;
            let target = out
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "stdout".into());
            if let Some(p) = &out
                && p.exists()
            {
                return Err(InputError(format!(
                    "{} exists: choose another file name",
                    p.display()
                ))
                .into());
            }
            let records = export_with_progress(
                &mut st,
                Selection {
                    serials: sel.serials,
                    product: sel.product,
                },
                "uri",
                &target,
            )?;
            let mut text = Zeroizing::new(String::new());
            for r in &records {
                text.push_str(&seeds::to_uri(r));
                text.push('\n');
            }
            match out {
                Some(p) => {
                    write_private(&p, text.as_bytes())?;
                    eprintln!("wrote {} URIs to {}", records.len(), p.display());
                }
                None => print!("{}", text.as_str()),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `token qr SERIAL [--png FILE]`: the token's Key URI as a QR code (audited).
pub fn qr(
    ctx: &Ctx,
    serial: &str,
    product: Option<&str>,
    png: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    if let Some(p) = png
        && p.exists()
    {
        return Err(InputError(format!("{} exists: choose another file name", p.display())).into());
    }
    let mut st = ctx.open_unlocked()?;
    let target = png
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "terminal".into());
    let sel = Selection {
        serials: vec![serial.to_string()],
        product: product.map(str::to_string),
    };
    let records = export_with_progress(&mut st, sel, "qr", &target)?;
    let uri = seeds::to_uri(&records[0]);
    match png {
        Some(p) => {
            write_private(p, &seeds::qr_png(&uri, 8)?)?;
            println!("wrote the QR code of token {serial} to {}", p.display());
        }
        None => print!("{}", seeds::qr_terminal(&uri)?),
    }
    Ok(ExitCode::SUCCESS)
}
