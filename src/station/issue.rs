//! Registering a token for an application that holds the seed itself (the API's
//! `POST /tokens`, Token2's `/createuser`): the seed and its otpauth:// URI are returned
//! once, after an audited export line (`seed.export`), like Twilio's factor binding;
//! and the one rule that maps a compatibility route's user name to a token.

use serde::Serialize;
use zeroize::Zeroizing;

use super::export::Selection;
use super::import::Hooks;
use super::tokens::{Registered, SeedInput};
use super::{Result, Station, StationError};
use crate::model::TokenStatus;
use crate::seeds;
use crate::store::tokens::TokenFilter;

/// A token just registered, with its seed shown once.
#[derive(Serialize)]
pub struct IssuedToken {
    /// The token and what deserves a word about its seed.
    #[serde(flatten)]
    pub registered: Registered,
    /// The seed in base32.
    #[serde(serialize_with = "expose")]
    pub secret: Zeroizing<String>,
    /// Its otpauth:// Key URI.
    #[serde(serialize_with = "expose")]
    pub otpauth_uri: Zeroizing<String>,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("registered", &self.registered)
            .field("secret", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

fn expose<S: serde::Serializer>(v: &Zeroizing<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_str())
}

/// A serial for a token registered without one (Token2's `/createuser` assigns the
/// user id): `U` and 12 random hex digits.
pub fn fresh_serial() -> Result<String> {
    let uid = super::tokens::new_uid()?;
    Ok(format!("U{}", uid[..12].to_ascii_uppercase()))
}

impl Station {
    /// Registers a token and returns its seed and Key URI once; the export is audited
    /// with `target` (who receives it, e.g. `api:<key_id>`).
    pub fn token_issue(
        &mut self,
        serial: &str,
        product: &str,
        seed: SeedInput,
        target: &str,
        now: i64,
    ) -> Result<IssuedToken> {
        let registered = self.token_add(serial, product, seed, now)?;
        let sel = Selection {
            serials: vec![registered.token.serial.clone()],
            product: Some(product.to_string()),
        };
        let record = self
            .export_seeds(&sel, "uri", target, now, Hooks::none())?
            .pop()
            .ok_or(StationError::NothingToExport)?;
        Ok(IssuedToken {
            secret: record.secret.to_base32(),
            otpauth_uri: seeds::to_uri(&record),
            registered,
        })
    }

    /// The product of a token registered without naming one (Token2's `/createuser`):
    /// the one named, else the store's only product.
    pub fn product_for_new_token(&self, named: Option<String>) -> Result<String> {
        if let Some(p) = named {
            return Ok(p);
        }
        match self.read().product_list()?.as_slice() {
            [only] => Ok(only.name.clone()),
            _ => Err(StationError::ProductNeeded),
        }
    }

    /// The token serial a compatibility route's user name stands for (Token2 `userid`,
    /// privacyIDEA `user`): a token serial as it is; else the holder with that id and
    /// their only active token (or only token); else the name itself, which verifies
    /// as `UNKNOWN_TOKEN`. A holder with several active tokens must be asked by serial.
    pub fn serial_for_user(&self, user: &str) -> Result<String> {
        let c = self.read();
        if !c.tokens_by_serial(user)?.is_empty() || c.holder_find(user)?.is_none() {
            return Ok(user.to_string());
        }
        let tokens = c.token_list(&TokenFilter {
            holder: Some(user.to_string()),
            ..TokenFilter::default()
        })?;
        let active: Vec<_> = tokens
            .iter()
            .filter(|t| t.status == TokenStatus::Active)
            .collect();
        match (active.as_slice(), tokens.as_slice()) {
            ([one], _) => Ok(one.serial.clone()),
            ([], [one]) => Ok(one.serial.clone()),
            ([], _) => Ok(user.to_string()),
            (many, _) => Err(StationError::HolderTokens {
                holder: user.to_string(),
                count: many.len(),
            }),
        }
    }
}
