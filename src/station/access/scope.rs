//! Scopes: a key limited to locations, products (and client networks, checked when it
//! authenticates). Resolves the location or product a request acts on, and checks a
//! token or a verification against the caller's scope.

use std::fmt;

use super::{AccessError, Action, Caller, role_allows};
use crate::model::Token;
use crate::station::tokens::find_token;
use crate::station::{Result, Station, StationError};

/// A kind of scope a key can be limited by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    /// Locations.
    Location,
    /// Products.
    Product,
}

impl ScopeKind {
    pub(crate) fn plural(self) -> &'static str {
        match self {
            ScopeKind::Location => "locations",
            ScopeKind::Product => "products",
        }
    }
}

impl fmt::Display for ScopeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ScopeKind::Location => "location",
            ScopeKind::Product => "product",
        })
    }
}

impl Caller {
    /// Refuses an action the key's role does not allow.
    pub fn require(&self, a: Action) -> Result<()> {
        if role_allows(self.role, a) {
            return Ok(());
        }
        Err(AccessError::Forbidden {
            key_id: self.key_id.clone(),
            role: self.role,
            action: a,
        }
        .into())
    }

    /// Refuses an action for a key limited by `what`.
    pub fn require_unscoped(&self, a: Action, what: ScopeKind) -> Result<()> {
        self.require(a)?;
        if self.scope(what).is_empty() {
            return Ok(());
        }
        Err(AccessError::NeedsUnscoped {
            key_id: self.key_id.clone(),
            what,
            action: a,
        }
        .into())
    }

    /// The time a request acts at: now, or a time it chooses, which needs
    /// [`Action::VerifyOptions`] (codes are checked at that time).
    pub fn when(&self, at: Option<i64>, now: i64) -> Result<i64> {
        match at {
            Some(t) => self.require(Action::VerifyOptions).map(|()| t),
            None => Ok(now),
        }
    }

    fn scope(&self, what: ScopeKind) -> &[String] {
        match what {
            ScopeKind::Location => &self.locations,
            ScopeKind::Product => &self.products,
        }
    }

    /// Whether the location or product `name` lies in the key's scope (a list shows
    /// a limited key only those).
    pub fn within(&self, what: ScopeKind, name: &str) -> bool {
        let scope = self.scope(what);
        scope.is_empty() || scope.iter().any(|s| s == name)
    }

    /// The location or product a request acts on: the one it names, which must be in
    /// the key's scope; or, when it names none, the key's only one. A key limited to
    /// several must name one; an unlimited key may name any or none.
    pub fn resolve(&self, what: ScopeKind, requested: Option<&str>) -> Result<Option<String>> {
        let scope = self.scope(what);
        match (requested, scope) {
            (_, []) => Ok(requested.map(str::to_string)),
            (Some(r), s) if s.iter().any(|x| x == r) => Ok(Some(r.to_string())),
            (Some(r), _) => Err(AccessError::OutOfScope {
                key_id: self.key_id.clone(),
                what,
                value: r.to_string(),
            }
            .into()),
            (None, [only]) => Ok(Some(only.clone())),
            (None, many) => Err(AccessError::ScopeNeeded {
                key_id: self.key_id.clone(),
                what,
                choices: many.to_vec(),
            }
            .into()),
        }
    }

    /// Whether a token lies in the key's scope: its product among the key's products,
    /// and (for a key limited to locations) assigned to one of them or to all.
    fn token_in_scope(&self, st: &Station, t: &Token) -> Result<()> {
        if !self.within(ScopeKind::Product, &t.product) {
            return Err(AccessError::OutOfScope {
                key_id: self.key_id.clone(),
                what: ScopeKind::Product,
                value: t.product.clone(),
            }
            .into());
        }
        if self.locations.is_empty() || t.all_locations {
            return Ok(());
        }
        let at = st.read().token_location_names(t.id)?;
        if at.iter().any(|l| self.within(ScopeKind::Location, l)) {
            return Ok(());
        }
        Err(AccessError::OutOfScope {
            key_id: self.key_id.clone(),
            what: ScopeKind::Location,
            value: at.first().cloned().unwrap_or_else(|| "(none)".into()),
        }
        .into())
    }
}

impl Station {
    /// Checks that `caller` may do `a` to the token `serial` (in `product`): the role,
    /// then the token's product and locations against the key's scope. An unknown
    /// serial is the use case's to report.
    pub fn authorize_token(
        &self,
        caller: &Caller,
        a: Action,
        serial: &str,
        product: Option<&str>,
    ) -> Result<()> {
        caller.require(a)?;
        if let Some(p) = product {
            caller.resolve(ScopeKind::Product, Some(p))?;
        }
        match find_token(&self.read(), serial, product) {
            Ok(t) => caller.token_in_scope(self, &t),
            Err(StationError::UnknownToken { .. } | StationError::AmbiguousSerial { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Checks a verification for `caller` and returns the location it happens at: the
    /// role (and, for a chosen time or an unrecorded check, the right to choose them),
    /// the location (a key's only location when none is named), and the token's
    /// product. Whether the token may be used at the location stays the verdict's
    /// (`WRONG_LOCATION`).
    pub fn authorize_verify(
        &self,
        caller: &Caller,
        serial: &str,
        location: Option<&str>,
        options: bool,
    ) -> Result<Option<String>> {
        caller.require(Action::Verify)?;
        if options {
            caller.require(Action::VerifyOptions)?;
        }
        let location = caller.resolve(ScopeKind::Location, location)?;
        if !caller.products.is_empty() {
            for t in self.read().tokens_by_serial(serial)? {
                if !caller.within(ScopeKind::Product, &t.product) {
                    return Err(AccessError::OutOfScope {
                        key_id: caller.key_id.clone(),
                        what: ScopeKind::Product,
                        value: t.product,
                    }
                    .into());
                }
            }
        }
        Ok(location)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::access::Role;

    fn caller(role: Role, locations: &[&str], products: &[&str]) -> Caller {
        Caller {
            key_id: "k1".into(),
            name: "n".into(),
            role,
            locations: locations.iter().map(|s| s.to_string()).collect(),
            products: products.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn scopes_resolve() {
        let one = caller(Role::Kiosk, &["Lobby"], &[]);
        assert_eq!(
            one.resolve(ScopeKind::Location, None).unwrap().as_deref(),
            Some("Lobby")
        );
        assert_eq!(
            one.resolve(ScopeKind::Location, Some("Lobby"))
                .unwrap()
                .as_deref(),
            Some("Lobby")
        );
        let e = one.resolve(ScopeKind::Location, Some("Dock")).unwrap_err();
        assert!(e.to_string().contains("limited to locations"), "{e}");
        let two = caller(Role::Kiosk, &["Dock", "Lobby"], &[]);
        let e = two.resolve(ScopeKind::Location, None).unwrap_err();
        assert!(e.to_string().contains("Dock, Lobby): name one"), "{e}");
        assert!(one.within(ScopeKind::Location, "Lobby"));
        assert!(!one.within(ScopeKind::Location, "Lab"));
        let free = caller(Role::Operator, &[], &[]);
        assert!(free.within(ScopeKind::Product, "anything"));
        assert_eq!(free.resolve(ScopeKind::Location, None).unwrap(), None);
        assert_eq!(
            free.resolve(ScopeKind::Product, Some("P"))
                .unwrap()
                .as_deref(),
            Some("P")
        );
        let scoped = caller(Role::Technician, &[], &["P"]);
        assert!(
            scoped
                .require_unscoped(Action::CatalogWrite, ScopeKind::Product)
                .is_err()
        );
        assert!(
            free.require_unscoped(Action::TokenRead, ScopeKind::Product)
                .is_ok()
        );
        assert!(one.require(Action::TokenRead).is_err());
        assert_eq!(
            one.require(Action::TokenRead).unwrap_err().to_string(),
            "API key k1 (kiosk) may not read tokens"
        );
    }
}
