//! `export` commands and `token qr`: seeds out of the station, audited, in files
//! created mode 0600 that are never overwritten.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use zeroize::Zeroizing;

use super::Ctx;
use super::output;
use super::progress::{Progress, catch_interrupt, interrupted};
use super::seeds::InputError;
use super::time::now;
use crate::seeds::{self, Protection};
use crate::station::export::Selection;
use crate::station::import::Hooks;

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
