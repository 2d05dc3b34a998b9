//! Where a token verifies (README "For kiosks", location policy): one rule for every
//! face, the CLI's `verify`, the kiosks and the HTTP API alike. A verification that
//! names no location does not get around a token's assignment.

use super::Result;
use crate::model::{Location, Token};
use crate::store::Reader;

/// Whether token `t` may verify at `loc` (`None`: no location named):
/// - a token for all locations verifies anywhere, and where none is named;
/// - a token assigned to locations verifies only at one of them; without a location
///   it is `WRONG_LOCATION` (an application that leaves the location out does not
///   get around the assignment);
/// - a token assigned nowhere verifies only where no location is named;
/// - at a location restricted to some products, only those products verify.
pub(crate) fn allowed_at(c: &Reader<'_>, t: &Token, loc: Option<&Location>) -> Result<bool> {
    Ok(match loc {
        Some(l) => {
            (t.all_locations || c.token_at_location(t.id, l.id)?)
                && c.location_allows_product(l.id, t.product_id)?
        }
        None => t.all_locations || c.token_location_names(t.id)?.is_empty(),
    })
}
