//! Setting presence up: enrolling credentials, a location's kiosk mode, closing time
//! and readers, and binding presence tokens. Each change is one audited transaction.

use super::{CredKind, CredentialKey, Mode};
use crate::otp::Kind;
use crate::station::tokens::find_token;
use crate::station::{Result, Station, StationError};
use crate::store::presence::{Credential, PresenceSettings};

/// Changes to a location's kiosk settings (`None`: unchanged).
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    /// New mode.
    pub mode: Option<Mode>,
    /// New minimum interval, seconds.
    pub min_interval: Option<i64>,
    /// New fold interval, seconds.
    pub fold: Option<i64>,
    /// New closing time: `Some(None)` clears it.
    pub close_minute: Option<Option<i64>>,
}

impl Station {
    /// Enrols a credential for holder `holder`. A credential belongs to one holder.
    /// A token credential is the token's serial; the token must not be held by
    /// another holder.
    pub fn holder_enrol(
        &mut self,
        holder: &str,
        cred: &CredentialKey,
        now: i64,
    ) -> Result<Credential> {
        self.write(|c, audit| {
            let h = c.holder_get(holder)?;
            if let Some(existing) = c.credential_find(cred.kind.as_str(), &cred.value)? {
                return Err(StationError::Input(format!(
                    "{cred} is already enrolled for holder '{}': a credential belongs to one holder",
                    existing.holder
                )));
            }
            let token_id = if cred.kind == CredKind::Token {
                let t = find_token(c, &cred.value, None)?;
                if let Some(other) = t.holder.as_deref().filter(|o| *o != holder) {
                    return Err(StationError::Input(format!(
                        "token {} is held by '{other}', not '{holder}' (see `tokenstation token assign`)",
                        t.serial
                    )));
                }
                Some(t.id)
            } else {
                None
            };
            let added = c.credential_add(cred.kind.as_str(), &cred.value, h.id, token_id, now)?;
            audit.log(c, now, "holder.enrol", &format!("holder {holder}"), None::<&()>, Some(&added))?;
            Ok(added)
        })
    }

    /// Changes a location's kiosk settings; returns them.
    pub fn location_presence_set(
        &mut self,
        location: &str,
        change: &SettingsChange,
        now: i64,
    ) -> Result<PresenceSettings> {
        for v in [change.min_interval, change.fold].into_iter().flatten() {
            if !(0..=86_400 * 7).contains(&v) {
                return Err(StationError::Input(format!(
                    "interval {v} s is out of range (0 to 604800)"
                )));
            }
        }
        self.write(|c, audit| {
            let l = c.location_get(location)?;
            let before = c.presence_settings(l.id)?;
            let mut after = before.clone();
            if let Some(m) = change.mode {
                after.mode = m.as_str().to_string();
            }
            if let Some(v) = change.min_interval {
                after.min_interval = v;
            }
            if let Some(v) = change.fold {
                after.fold = v;
            }
            if let Some(v) = change.close_minute {
                after.close_minute = v;
            }
            c.presence_settings_set(l.id, &after)?;
            audit.log(
                c,
                now,
                "location.presence",
                &format!("location {location}"),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Adds and removes reader specs of a location; returns the readers now.
    pub fn location_readers_set(
        &mut self,
        location: &str,
        add: &[String],
        remove: &[String],
        now: i64,
    ) -> Result<Vec<String>> {
        self.write(|c, audit| {
            let l = c.location_get(location)?;
            let before = c.location_readers(l.id)?;
            for s in add {
                c.location_reader_set(l.id, s, true)?;
            }
            for s in remove {
                if !c.location_reader_set(l.id, s, false)? {
                    return Err(StationError::Input(format!(
                        "location '{location}' has no reader '{s}' (see `tokenstation location readers {location}`)"
                    )));
                }
            }
            let after = c.location_readers(l.id)?;
            if after != before {
                audit.log(c, now, "location.readers", &format!("location {location}"), Some(&before), Some(&after))?;
            }
            Ok(after)
        })
    }

    /// A location's readers and kiosk settings.
    pub fn location_presence(&self, location: &str) -> Result<(Vec<String>, PresenceSettings)> {
        let c = self.read();
        let l = c.location_get(location)?;
        Ok((c.location_readers(l.id)?, c.presence_settings(l.id)?))
    }

    /// Binds TOTP token `serial` to `location` as a presence token.
    pub fn location_add_presence_token(
        &mut self,
        location: &str,
        serial: &str,
        product: Option<&str>,
        now: i64,
    ) -> Result<()> {
        self.write(|c, audit| {
            let l = c.location_get(location)?;
            let t = find_token(c, serial, product)?;
            if c.product_by_id(t.product_id)?.params.kind != Kind::Totp {
                return Err(StationError::Input(format!(
                    "token {serial} is HOTP: a presence token must be TOTP (its codes tell the time)"
                )));
            }
            c.presence_token_add(t.id, l.id, now)?;
            audit.log(
                c,
                now,
                "location.presence_token",
                &format!("location {location}"),
                None::<&()>,
                Some(&serde_json::json!({"token": serial, "product": t.product})),
            )
        })
    }
}
