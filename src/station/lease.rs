//! Token leases (issue 17): `token lease SERIAL --station S` makes station `S` the
//! only place the token verifies; every other station (and the API, which is a
//! station too) refuses it with [`OfflineError::Leased`], naming the lease holder.
//! A lease is what keeps a code exact when a station may have to decide without the
//! server: a code can only be accepted where the token is leased, so no second station
//! can accept it too. The lease is a column of the token (audited like every token
//! change); `check` is the one place verification consults it.
//!
//! At an offline kiosk of the station a leased token still verifies, exactly: its
//! sealed seed and replay guard are in the kiosk's outbox snapshot
//! (`station::presence::offline`, module `code`), and the drain moves the server's
//! replay guard forward when it is back.

use super::error::OfflineError;
use super::tokens::find_token;
use super::{Result, Station};
use crate::model::{NameKind, Token};
use crate::store::Reader;

/// Refuses a token leased to a station other than the one `c` records as.
pub(crate) fn check(c: &Reader<'_>, t: &Token) -> Result<()> {
    match &t.leased_to {
        Some(s) if c.station() != Some(s.as_str()) => Err(OfflineError::Leased {
            serial: t.serial.clone(),
            station: s.clone(),
        }
        .into()),
        _ => Ok(()),
    }
}

impl Station {
    /// Leases the token to `station` (`None`: releases it), with its audit line
    /// (`token.lease` / `token.release`).
    pub fn token_lease(
        &mut self,
        serial: &str,
        product: Option<&str>,
        station: Option<&str>,
        now: i64,
    ) -> Result<Token> {
        let station = super::names::checked_opt(NameKind::Location, station)?;
        self.write(|tx| {
            let before = find_token(tx, serial, product)?;
            tx.token_set_lease(before.id, station.as_deref(), now)?;
            let after = tx.token_by_id(before.id)?;
            let action = if station.is_some() {
                "token.lease"
            } else {
                "token.release"
            };
            tx.audit(
                now,
                action,
                &format!("token {serial}"),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }
}
