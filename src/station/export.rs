//! Guarded, audited export of seeds: tokens are unsealed into `SeedRecord`s for the
//! `seeds` writers (PSKC, otpauth URIs, QR codes). The audit line for every token is
//! committed before any secret leaves this module. Files are created mode 0600,
//! atomically, and never replace an existing file; a PSKC file is encrypted under a
//! fresh AES-128 key (shown once) or a password, and clear seeds need an explicit
//! choice.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::import::Hooks;
use super::tokens::find_token;
use super::{Result, Station, StationError};
use crate::model::{Product, Token};
use crate::seeds::{self, Protection, SeedRecord};
use crate::store::tokens::TokenFilter;

/// Which tokens to export.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// These serials (all tokens of the filter when empty).
    pub serials: Vec<String>,
    /// Only this product.
    pub product: Option<String>,
}

/// The record of a token as exported: serial and device info from the product.
fn record(t: &Token, p: &Product, secret: crate::otp::Secret) -> SeedRecord {
    let mut r = SeedRecord::new(secret);
    r.serial = Some(t.serial.clone());
    r.key_id = Some(t.serial.clone());
    r.manufacturer = p.vendor.clone();
    r.model = p.model.clone();
    r.issuer = Some(
        t.issuer
            .clone()
            .unwrap_or_else(|| p.vendor.clone().unwrap_or_else(|| p.name.clone())),
    );
    r.account = Some(t.serial.clone());
    r.params = p.params;
    r.counter = t.counter;
    r.drift_steps = t.drift_steps;
    r
}

impl Station {
    /// Unseals the selected tokens for export as `format` to `target`, writing one
    /// audit line per token first. Refuses an empty selection.
    pub fn export_seeds(
        &mut self,
        sel: &Selection,
        format: &str,
        target: &str,
        now: i64,
        hooks: Hooks<'_>,
    ) -> Result<Vec<SeedRecord>> {
        let c = self.read();
        let tokens: Vec<Token> = if sel.serials.is_empty() {
            c.token_list(&TokenFilter {
                product: sel.product.clone(),
                ..Default::default()
            })?
        } else {
            sel.serials
                .iter()
                .map(|s| find_token(&c, s, sel.product.as_deref()))
                .collect::<Result<_>>()?
        };
        if tokens.is_empty() {
            return Err(StationError::NothingToExport);
        }
        let products = c.product_list()?;
        let mut out = Vec::with_capacity(tokens.len());
        let total = tokens.len() as u64;
        for (i, t) in tokens.iter().enumerate() {
            if i % 1024 == 0 {
                if (hooks.cancelled)() {
                    return Err(StationError::Interrupted);
                }
                (hooks.progress)(i as u64, total);
            }
            let p = products
                .iter()
                .find(|p| p.id == t.product_id)
                .ok_or_else(|| {
                    StationError::Internal(format!("token {} has no product", t.serial))
                })?;
            out.push(record(t, p, self.token_secret(t)?));
        }
        self.write(|tx| {
            for t in &tokens {
                tx.audit(
                    now,
                    "seed.export",
                    &format!("token {}", t.serial),
                    None::<&()>,
                    Some(&serde_json::json!({"format": format, "to": target})),
                )?;
            }
            Ok(())
        })?;
        Ok(out)
    }
}

/// How an exported PSKC file is protected.
pub enum PskcProtection {
    /// AES-128-CBC under a fresh pre-shared key, returned once.
    FreshKey,
    /// AES-128-CBC under PBKDF2-HMAC-SHA1 of this password.
    Password(Zeroizing<String>),
    /// Seeds in the clear (lab files).
    InsecurePlaintext,
}

/// PBKDF2 iterations of a password-protected export.
pub const EXPORT_PBKDF2_ITERATIONS: u32 = 100_000;
/// The shortest export password.
pub const MIN_EXPORT_PASSWORD: usize = 8;

/// A PSKC file written.
#[derive(Debug)]
pub struct PskcExport {
    /// The file.
    pub file: PathBuf,
    /// Tokens in it.
    pub tokens: usize,
    /// The fresh pre-shared key, hex, shown only now ([`PskcProtection::FreshKey`]).
    pub pre_shared_key: Option<Zeroizing<String>>,
}

/// Refuses a file that exists: exports never replace one.
pub fn check_new_file(path: &Path) -> Result<()> {
    if path.exists() {
        return Err(StationError::FileExists(path.to_path_buf()));
    }
    Ok(())
}

/// Writes `bytes` to a new file readable only by its owner, atomically (temporary file
/// then rename); refuses to replace an existing file.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    check_new_file(path)?;
    let fail = |source: std::io::Error| StationError::WriteFile {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tokenstation-export-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist_noclobber(path).map_err(|e| fail(e.error))?;
    Ok(())
}

fn random(buf: &mut [u8]) -> Result<()> {
    seeds::os_random(buf).map_err(|e| crate::vault::VaultError::Random(e.to_string()).into())
}

impl Station {
    /// Exports the selection to a new PSKC file under `protection` (audited).
    pub fn export_pskc(
        &mut self,
        sel: &Selection,
        protection: PskcProtection,
        file: &Path,
        now: i64,
        hooks: Hooks<'_>,
    ) -> Result<PskcExport> {
        check_new_file(file)?;
        if let PskcProtection::Password(p) = &protection
            && p.chars().count() < MIN_EXPORT_PASSWORD
        {
            return Err(StationError::ShortPassphrase);
        }
        let records = self.export_seeds(sel, "pskc", &file.display().to_string(), now, hooks)?;
        let mut psk = Zeroizing::new([0u8; 16]);
        random(psk.as_mut())?;
        let p = match &protection {
            PskcProtection::InsecurePlaintext => Protection::InsecurePlaintext,
            PskcProtection::Password(pw) => Protection::Password {
                password: pw,
                iterations: EXPORT_PBKDF2_ITERATIONS,
            },
            PskcProtection::FreshKey => Protection::PreSharedKey {
                key: psk.as_ref(),
                key_name: "Pre-shared-key",
            },
        };
        let mut rng_failed = false;
        let xml = seeds::write_pskc(&records, &p, &mut |b| {
            rng_failed |= seeds::os_random(b).is_err()
        })
        .map_err(|e| StationError::Internal(format!("writing PSKC: {e}")))?;
        if rng_failed {
            return Err(crate::vault::VaultError::Random("while writing PSKC".into()).into());
        }
        write_private(file, xml.as_bytes())?;
        Ok(PskcExport {
            file: file.to_path_buf(),
            tokens: records.len(),
            pre_shared_key: matches!(protection, PskcProtection::FreshKey)
                .then(|| Zeroizing::new(data_encoding::HEXLOWER.encode(psk.as_ref()))),
        })
    }

    /// The selection's otpauth:// URIs, one per line (audited); written to the new
    /// file `out` when given, else returned.
    pub fn export_uris(
        &mut self,
        sel: &Selection,
        out: Option<&Path>,
        now: i64,
        hooks: Hooks<'_>,
    ) -> Result<(usize, Zeroizing<String>)> {
        if let Some(p) = out {
            check_new_file(p)?;
        }
        let target = out
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "stdout".into());
        let records = self.export_seeds(sel, "uri", &target, now, hooks)?;
        let mut text = Zeroizing::new(String::new());
        for r in &records {
            text.push_str(&seeds::to_uri(r));
            text.push('\n');
        }
        if let Some(p) = out {
            write_private(p, text.as_bytes())?;
        }
        Ok((records.len(), text))
    }

    /// A token's otpauth:// URI for a QR code shown on `target` (audited as `qr`);
    /// with a `png` file, the QR code is written there.
    pub fn token_qr(
        &mut self,
        serial: &str,
        product: Option<&str>,
        png: Option<&Path>,
        now: i64,
    ) -> Result<Zeroizing<String>> {
        if let Some(p) = png {
            check_new_file(p)?;
        }
        let target = png
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "terminal".into());
        let sel = Selection {
            serials: vec![serial.to_string()],
            product: product.map(str::to_string),
        };
        let records = self.export_seeds(&sel, "qr", &target, now, Hooks::none())?;
        let uri = records
            .first()
            .map(seeds::to_uri)
            .ok_or(StationError::NothingToExport)?;
        if let Some(p) = png {
            let image = seeds::qr_png(&uri, 8)
                .map_err(|e| StationError::Internal(format!("drawing the QR code: {e}")))?;
            write_private(p, &image)?;
        }
        Ok(uri)
    }
}
