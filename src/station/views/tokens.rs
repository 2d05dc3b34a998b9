//! Tokens: the list (by product, status, holder, location) and one token in detail
//! with its locations, backup codes and failure count.

use serde::Serialize;

use crate::model::Token;
use crate::station::{Result, Station};
use crate::store::limits::Scope;

pub use crate::model::filters::TokenFilter;

/// One token in detail.
#[derive(Debug, Clone, Serialize)]
pub struct TokenDetail {
    /// The token.
    #[serde(flatten)]
    pub token: Token,
    /// Its product's kind (`totp`, `hotp`): whether drift and steps or a counter apply.
    pub kind: crate::otp::Kind,
    /// Locations it verifies at (`*`: every location).
    pub locations: Vec<String>,
    /// Unused backup codes.
    pub backup_codes_left: u32,
    /// Consecutive failures.
    pub failures: u32,
    /// Cooling down until this Unix time in milliseconds.
    pub locked_until_ms: Option<i64>,
}

impl Station {
    /// The tokens `f` selects, by product and serial.
    pub fn tokens(&self, f: &TokenFilter) -> Result<Vec<Token>> {
        Ok(self.read().token_list(f)?)
    }

    /// One token in detail, by serial (and product when serials repeat).
    pub fn token_detail(&self, serial: &str, product: Option<&str>) -> Result<TokenDetail> {
        let t = self.token(serial, product)?;
        self.token_detail_of(t)
    }

    /// The detail of a token just read or changed.
    pub fn token_detail_of(&self, token: Token) -> Result<TokenDetail> {
        let c = self.read();
        let locations = if token.all_locations {
            vec!["*".to_string()]
        } else {
            c.token_location_names(token.id)?
        };
        let fails = c.fail_counter(Scope::Token(token.id))?;
        let kind = c.product_by_id(token.product_id)?.params.kind;
        Ok(TokenDetail {
            kind,
            locations,
            backup_codes_left: c.backup_codes_left(token.id)?,
            failures: fails.failures,
            locked_until_ms: fails.locked_until_ms,
            token,
        })
    }
}
