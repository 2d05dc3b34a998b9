//! Setting presence up: enrolling credentials, a location's kiosk mode, closing time
//! and readers, and binding presence tokens. Each change is one audited transaction.

use super::{CredKind, CredentialKey, Mode};
use crate::devices::session::ReaderSpec;
use crate::otp::Kind;
use crate::station::tokens::find_token;
use crate::station::views::KioskSettings;
use crate::station::{Result, Station, StationError};
use crate::store::presence::Credential;

/// The outcome of an enrolment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Enrolment {
    /// The credential, as stored.
    #[serde(flatten)]
    pub credential: Credential,
    /// It was already enrolled for this holder: nothing changed.
    pub already_enrolled: bool,
}

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
    /// another holder. Enrolling what the holder already has (the same tag in another
    /// notation) changes nothing and says so.
    pub fn holder_enrol(
        &mut self,
        holder: &str,
        cred: &CredentialKey,
        now: i64,
    ) -> Result<Enrolment> {
        self.holder_enrol_in(holder, cred, None, now)
    }

    /// [`Station::holder_enrol`], a token credential's serial looked up in `product`
    /// (needed when the serial exists in several products).
    pub fn holder_enrol_in(
        &mut self,
        holder: &str,
        cred: &CredentialKey,
        product: Option<&str>,
        now: i64,
    ) -> Result<Enrolment> {
        self.write(|tx| {
            let h = tx.holder_get(holder)?;
            if let Some(existing) = tx.credential_find(cred.kind.as_str(), &cred.value)? {
                if existing.holder_id == h.id {
                    return Ok(Enrolment {
                        credential: existing,
                        already_enrolled: true,
                    });
                }
                return Err(StationError::CredentialTaken {
                    credential: cred.to_string(),
                    holder: existing.holder,
                });
            }
            let token_id = if cred.kind == CredKind::Token {
                let t = find_token(tx, &cred.value, product)?;
                if let Some(other) = t.holder.as_deref().filter(|o| *o != holder) {
                    return Err(StationError::HeldByOther {
                        serial: t.serial.clone(),
                        other: other.to_string(),
                        holder: holder.to_string(),
                    });
                }
                Some(t.id)
            } else {
                None
            };
            let added = tx.credential_add(cred.kind.as_str(), &cred.value, h.id, token_id, now)?;
            tx.audit(
                now,
                "holder.enrol",
                &format!("holder {holder}"),
                None::<&()>,
                Some(&added),
            )?;
            Ok(Enrolment {
                credential: added,
                already_enrolled: false,
            })
        })
    }

    /// Changes a location's kiosk settings; returns them.
    pub fn location_presence_set(
        &mut self,
        location: &str,
        change: &SettingsChange,
        now: i64,
    ) -> Result<KioskSettings> {
        for v in [change.min_interval, change.fold].into_iter().flatten() {
            if !(0..=86_400 * 7).contains(&v) {
                return Err(StationError::IntervalOutOfRange(v));
            }
        }
        self.write(|tx| {
            let l = tx.location_get(location)?;
            let before = tx.presence_settings(l.id)?;
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
            tx.presence_settings_set(l.id, &after)?;
            tx.audit(
                now,
                "location.presence",
                &format!("location {location}"),
                Some(&before),
                Some(&after),
            )?;
            KioskSettings::try_from(&after)
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
        let add = add
            .iter()
            .map(|s| {
                let spec = s.parse::<ReaderSpec>()?.to_string();
                crate::station::names::checked(crate::model::NameKind::Reader, &spec)
            })
            .collect::<Result<Vec<_>>>()?;
        self.write(|tx| {
            let l = tx.location_get(location)?;
            let before = tx.location_readers(l.id)?;
            for s in &add {
                tx.location_reader_set(l.id, s, true)?;
            }
            for s in remove {
                let canonical = s.parse::<ReaderSpec>().map(|r| r.to_string());
                let spec = canonical.as_deref().unwrap_or(s);
                if !tx.location_reader_set(l.id, spec, false)? {
                    return Err(StationError::NoSuchReader {
                        location: location.to_string(),
                        spec: s.clone(),
                    });
                }
            }
            let after = tx.location_readers(l.id)?;
            if after != before {
                tx.audit(
                    now,
                    "location.readers",
                    &format!("location {location}"),
                    Some(&before),
                    Some(&after),
                )?;
            }
            Ok(after)
        })
    }

    /// Binds TOTP token `serial` to `location` as a presence token.
    pub fn location_add_presence_token(
        &mut self,
        location: &str,
        serial: &str,
        product: Option<&str>,
        now: i64,
    ) -> Result<()> {
        self.write(|tx| {
            let l = tx.location_get(location)?;
            let t = find_token(tx, serial, product)?;
            if tx.product_by_id(t.product_id)?.params.kind != Kind::Totp {
                return Err(StationError::PresenceTokenHotp(serial.to_string()));
            }
            tx.presence_token_add(t.id, l.id, now)?;
            tx.audit(
                now,
                "location.presence_token",
                &format!("location {location}"),
                None::<&()>,
                Some(&serde_json::json!({"token": serial, "product": t.product})),
            )
        })
    }
}
