//! The station's side of the one name rule ([`crate::model::validate_name`]): every
//! use case that stores a name (a product, holder, location, token serial, issuer,
//! reader spec, verification source, audit actor) checks it here, whichever face or
//! file it came from. Surrounding white space is dropped first; what is left must
//! pass the rule.

use super::{Result, StationError};
use crate::model::{NameKind, validate_name};

/// `raw` without surrounding white space, checked as a name of `kind`.
pub fn checked(kind: NameKind, raw: &str) -> Result<String> {
    let name = raw.trim();
    validate_name(kind, name).map_err(StationError::Name)?;
    Ok(name.to_string())
}

/// Checks an optional name of `kind` (an absent one passes).
pub fn checked_opt(kind: NameKind, raw: Option<&str>) -> Result<Option<String>> {
    raw.map(|r| checked(kind, r)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_then_applies_the_rule() {
        assert_eq!(checked(NameKind::Serial, "  C302-1 ").unwrap(), "C302-1");
        for bad in ["", "  ", "a\u{1b}[2Jb", "x\ny", &"W".repeat(70_000)] {
            let e = checked(NameKind::Location, bad).unwrap_err();
            assert!(matches!(e, StationError::Name(_)), "{bad:?}: {e}");
            assert!(e.to_string().starts_with("invalid location name"), "{e}");
        }
        assert_eq!(checked_opt(NameKind::HolderLabel, None).unwrap(), None);
    }
}
