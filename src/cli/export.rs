//! `export` commands and `token qr`: seeds out of the station, audited, in files
//! created mode 0600 that are never overwritten (the station's rules); this face reads
//! the export password, shows progress and draws the QR code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use zeroize::Zeroizing;

use super::Ctx;
use super::errors::InputError;
use super::output;
use super::progress::Progress;
use super::secret_arg::SecretSource;
use super::time::now;
use crate::station::StationError;
use crate::station::export::{EXPORT_PBKDF2_ITERATIONS, PskcProtection, Selection};
use crate::station::import::Hooks;

/// `export` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// PSKC file, encrypted under a fresh pre-shared key printed once, or a password.
    Pskc {
        /// Output file (created mode 0600; refuses to overwrite).
        file: PathBuf,
        /// Protect with a password (PBKDF2) instead of a fresh pre-shared key, asked
        /// twice on the terminal; scripts set TOKENSTATION_EXPORT_PASSWORD or pass
        /// --password-file.
        #[arg(long, conflicts_with = "insecure_plaintext")]
        password: bool,
        /// File whose first line is the export password (implies --password).
        #[arg(long, value_name = "PATH", conflicts_with = "insecure_plaintext")]
        password_file: Option<PathBuf>,
        /// Write the seeds in the clear. For lab use only.
        #[arg(long)]
        insecure_plaintext: bool,
        /// Which tokens.
        #[command(flatten)]
        sel: SelArgs,
    },
    /// otpauth:// URIs, one per line: the seeds in the clear. To standard output only
    /// with --insecure-plaintext (or a yes on the terminal).
    Uri {
        /// Output file (created mode 0600) instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the clear seeds to standard output without asking.
        #[arg(long)]
        insecure_plaintext: bool,
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

fn export_password(file: Option<&Path>) -> anyhow::Result<Zeroizing<String>> {
    // The station refuses a password shorter than its minimum.
    Ok(SecretSource {
        flag: "--password",
        asked: true,
        file,
        env: "TOKENSTATION_EXPORT_PASSWORD",
        prompt: "Export password: ",
        confirm: true,
    }
    .read()?
    .unwrap_or_default())
}

/// Clear seeds to standard output: only after a yes on the terminal (or with
/// `--insecure-plaintext`, which the caller checked).
fn confirm_clear_output() -> anyhow::Result<()> {
    let refused = || {
        InputError(
            "export uri prints the seeds in the clear: pass --insecure-plaintext, or --out FILE"
                .into(),
        )
    };
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(refused().into());
    }
    let ask = crate::station::jobs::Ask::Confirm {
        action: "Print the seeds in the clear to standard output".into(),
    };
    match super::ask::answer(&ask, super::ask::Asking::Stdin) {
        crate::station::jobs::Answer::Confirmed(true) => Ok(()),
        _ => Err(refused().into()),
    }
}

/// Runs `work` with a progress bar and Ctrl-C stopping it.
fn with_progress<T>(
    target: &str,
    work: impl FnOnce(Hooks<'_>) -> crate::station::Result<T>,
) -> anyhow::Result<T> {
    let cancel = super::interrupt::token();
    let mut bar = Progress::new(&format!("exporting to {target}"));
    let out = work(Hooks {
        progress: &mut |d, t| bar.update(d, t),
        cancelled: &|| cancel.is_cancelled(),
    });
    bar.finish();
    if cancel.is_cancelled() {
        return Err(StationError::Interrupted.into());
    }
    Ok(out?)
}

/// Runs an `export` subcommand.
pub fn export(ctx: &Ctx, cmd: ExportCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ExportCommand::Pskc {
            file,
            password,
            password_file,
            insecure_plaintext,
            sel,
        } => {
            crate::station::export::check_new_file(&file)?;
            let password = password || password_file.is_some();
            let protection = match (password, insecure_plaintext) {
                (_, true) => PskcProtection::InsecurePlaintext,
                (true, _) => PskcProtection::Password(export_password(password_file.as_deref())?),
                _ => PskcProtection::FreshKey,
            };
            let (kind_password, kind_plain) = (
                matches!(protection, PskcProtection::Password(_)),
                matches!(protection, PskcProtection::InsecurePlaintext),
            );
            let mut st = ctx.open_unlocked()?;
            let sel = Selection {
                serials: sel.serials,
                product: sel.product,
            };
            let done = with_progress(&file.display().to_string(), |hooks| {
                st.export_pskc(&sel, protection, &file, now(), hooks)
            })?;
            if ctx.json {
                let mut v =
                    serde_json::json!({"file": file.display().to_string(), "tokens": done.tokens});
                if let Some(k) = &done.pre_shared_key {
                    v["pre_shared_key"] = serde_json::Value::String(k.to_string());
                }
                return output::json(&v);
            }
            outln!(
                "wrote {} to {}",
                output::count(done.tokens as u64, "token", "tokens"),
                file.display()
            )?;
            if let Some(k) = &done.pre_shared_key {
                outln!(
                    "pre-shared key (AES-128, hex), shown only now: {}",
                    k.as_str()
                )?;
            } else if kind_password {
                outln!(
                    "protected with your password (PBKDF2-HMAC-SHA1, {EXPORT_PBKDF2_ITERATIONS} iterations)"
                )?;
            } else if kind_plain {
                errln!("warning: the seeds in {} are NOT encrypted", file.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        ExportCommand::Uri {
            out,
            insecure_plaintext,
            sel,
        } => {
            if out.is_none() && !insecure_plaintext {
                confirm_clear_output()?;
            }
            let mut st = ctx.open_unlocked()?;
            let target = out
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "stdout".into());
            let sel = Selection {
                serials: sel.serials,
                product: sel.product,
            };
            let (n, text) = with_progress(&target, |hooks| {
                st.export_uris(&sel, out.as_deref(), now(), hooks)
            })?;
            if ctx.json {
                let v = match &out {
                    Some(p) => serde_json::json!({"file": p.display().to_string(), "tokens": n}),
                    None => {
                        let uris: Vec<&str> = text.lines().collect();
                        serde_json::json!({"tokens": n, "uris": uris})
                    }
                };
                return output::json(&v);
            }
            match out {
                Some(p) => errln!(
                    "wrote {n} {} to {}",
                    if n == 1 { "URI" } else { "URIs" },
                    p.display()
                ),
                None => out!("{}", text.as_str())?,
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
    if let Some(p) = png {
        crate::station::export::check_new_file(p)?;
    }
    let mut st = ctx.open_unlocked()?;
    let uri = st.token_qr(serial, product, png, now())?;
    if ctx.json {
        let v = match png {
            Some(p) => serde_json::json!({"serial": serial, "png": p.display().to_string()}),
            None => serde_json::json!({"serial": serial, "uri": uri.as_str()}),
        };
        return output::json(&v);
    }
    match png {
        Some(p) => outln!("wrote the QR code of token {serial} to {}", p.display())?,
        None => out!("{}", crate::seeds::qr_terminal(&uri)?)?,
    }
    Ok(ExitCode::SUCCESS)
}
