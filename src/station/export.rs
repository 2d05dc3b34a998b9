//! Guarded, audited export of seeds: tokens are unsealed into `SeedRecord`s for the
//! `seeds` writers (PSKC, otpauth URIs, QR codes). The audit line for every token is
//! committed before any secret leaves this function.

use super::import::Hooks;
use super::tokens::find_token;
use super::{Result, Station, StationError};
use crate::model::{Product, Token};
use crate::seeds::SeedRecord;
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
            return Err(StationError::Input(
                "no tokens match: nothing to export".into(),
            ));
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
                .ok_or_else(|| StationError::Input(format!("token {} has no product", t.serial)))?;
            out.push(record(t, p, self.token_secret(t)?));
        }
        self.write(|c, audit| {
            for t in &tokens {
                audit.log(
                    c,
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
