//! The tokens a kiosk presentation may name (presence record, station::presence): the
//! holder a typed serial stands for, and the tokens (serial and product) a holder may
//! type codes from — an enrolled token credential names its token, so a serial that
//! exists in several products is checked against the enrolled one.

use super::CredKind;
use crate::station::tokens::find_token;
use crate::station::{Result, StationError};
use crate::store::Reader;
use crate::store::presence::Credential;
use crate::store::tokens::TokenFilter;

/// The holder a token serial stands for: its token credential, else its holder.
pub(super) fn token_holder(c: &Reader<'_>, serial: &str) -> Result<Option<i64>> {
    if let Some(cr) = c.credential_find(CredKind::Token.as_str(), serial)? {
        return Ok(Some(cr.holder_id));
    }
    match find_token(c, serial, None) {
        Ok(t) => match t.holder {
            Some(h) => Ok(Some(c.holder_get(&h)?.id)),
            None => Ok(None),
        },
        Err(StationError::UnknownToken { .. } | StationError::AmbiguousSerial { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A token a code may come from: its serial, and its product when known (a serial
/// may exist in several products; an enrolled token credential names its token).
pub(super) type Candidate = (String, Option<String>);

/// The product of an enrolled token credential's token.
fn credential_product(c: &Reader<'_>, cr: &Credential) -> Result<Option<String>> {
    Ok(match cr.token_id {
        Some(id) => Some(c.token_by_id(id)?.product),
        None => None,
    })
}

/// The token a typed serial names: its enrolled credential's token when there is one.
pub(super) fn typed_candidate(c: &Reader<'_>, serial: &str) -> Result<Candidate> {
    let product = match c.credential_find(CredKind::Token.as_str(), serial)? {
        Some(cr) => credential_product(c, &cr)?,
        None => None,
    };
    Ok((serial.to_string(), product))
}

/// The tokens a holder may type codes from.
pub(super) fn holder_serials(c: &Reader<'_>, holder_id: i64) -> Result<Vec<Candidate>> {
    let mut serials: Vec<Candidate> = Vec::new();
    for cr in c.credentials_of_holder(holder_id)? {
        if cr.kind == CredKind::Token.as_str() {
            let product = credential_product(c, &cr)?;
            serials.push((cr.value, product));
        }
    }
    let h = c
        .holder_list()?
        .into_iter()
        .find(|h| h.id == holder_id)
        .map(|h| h.ext_id);
    if let Some(ext) = h {
        for t in c.token_list(&TokenFilter {
            holder: Some(ext),
            ..Default::default()
        })? {
            if !serials
                .iter()
                .any(|(s, p)| *s == t.serial && p.as_ref().is_none_or(|p| *p == t.product))
            {
                serials.push((t.serial, Some(t.product)));
            }
        }
    }
    Ok(serials)
}
