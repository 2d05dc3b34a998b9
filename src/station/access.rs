//! Shared access (issue 16, research api-and-stations.md §5 "Roles and keys"): who may
//! do what through a key. One place for every face that takes keys: the CLI's `key`
//! commands manage them, the HTTP API authenticates each request here and asks here
//! whether the caller may act before it calls the use case.
//!
//! - A key is `tks_<key_id>_<secret>` ([`secret`]); only HMAC-SHA256 of the secret
//!   under a pepper derived from the master key is stored, and compared in constant
//!   time ([`authenticate`]).
//! - A role is a set of [`Action`]s ([`role_allows`], the one table); a key may be
//!   limited to locations, products and client networks ([`Caller`]'s scope checks).
//!   A kiosk key has at least one location; with exactly one, requests may omit it.
//! - Every key operation is one audited transaction ([`keys`]); the API's station acts
//!   as `api:<key_id>:<role>` ([`Caller::actor`]), so every audit line it writes names
//!   the key and its role.

pub mod authenticate;
pub mod keys;
pub mod secret;

use std::fmt;

use super::tokens::find_token;
use super::{Result, Station, StationError};
use crate::model::Token;
use crate::model::access::Role;

pub use authenticate::{AuthFailure, Caller};
pub use keys::{IssuedKey, KeySpec, parse_duration};

/// Something a key may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Verify a code (recorded, now).
    Verify,
    /// Verify at a chosen time, or without recording (a dry run counts no failure).
    VerifyOptions,
    /// Record presence events and presence-token submissions.
    PresenceWrite,
    /// Who is in, presence reports.
    PresenceRead,
    /// List and show products, holders and locations.
    CatalogRead,
    /// Create products and holders.
    CatalogWrite,
    /// List and show tokens.
    TokenRead,
    /// Register tokens (the seed is returned once).
    TokenCreate,
    /// Activate, assign, issue backup codes, enable, mark lost, retire.
    TokenLifecycle,
    /// Disable a token.
    TokenDisable,
    /// Resynchronise a drifted token, clear its failure count.
    TokenRepair,
    /// Read the attempt and audit logs.
    LogsRead,
    /// Read drift reports.
    DriftRead,
    /// Create locations and change the policy.
    Configure,
    /// Manage API keys.
    KeysManage,
    /// Export seeds.
    SeedExport,
}

impl Action {
    /// What the action is, for "may not …" messages.
    pub fn words(self) -> &'static str {
        match self {
            Action::Verify => "verify codes",
            Action::VerifyOptions => "choose the time of a verification or skip recording it",
            Action::PresenceWrite => "record presence",
            Action::PresenceRead => "read presence",
            Action::CatalogRead => "read products, holders and locations",
            Action::CatalogWrite => "create products and holders",
            Action::TokenRead => "read tokens",
            Action::TokenCreate => "create tokens",
            Action::TokenLifecycle => "change a token's life cycle",
            Action::TokenDisable => "disable tokens",
            Action::TokenRepair => "resync or unlock tokens",
            Action::LogsRead => "read the attempt and audit logs",
            Action::DriftRead => "read drift reports",
            Action::Configure => "create locations or change the policy",
            Action::KeysManage => "manage API keys",
            Action::SeedExport => "export seeds",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.words())
    }
}

/// The role table: which role may do what. Admin may do everything.
///
/// | action | kiosk | technician | operator | admin |
/// |---|---|---|---|---|
/// | verify | ✓ (its locations) | | ✓ | ✓ |
/// | verify at a chosen time / unrecorded | | | | ✓ |
/// | presence: record | ✓ (its locations) | | | ✓ |
/// | presence: who is in, reports | ✓ (its locations) | | ✓ | ✓ |
/// | products, holders, locations: read | | ✓ | ✓ | ✓ |
/// | products, holders: create | | ✓ | | ✓ |
/// | tokens: read | | ✓ | ✓ | ✓ |
/// | tokens: create, life cycle | | ✓ | | ✓ |
/// | tokens: disable | | ✓ | ✓ | ✓ |
/// | tokens: resync, unlock | | | ✓ | ✓ |
/// | attempts, audit, drift: read | | | ✓ | ✓ |
/// | locations, policy, keys, seed export | | | | ✓ |
pub fn role_allows(role: Role, a: Action) -> bool {
    use Action as A;
    match role {
        Role::Admin => true,
        Role::Kiosk => matches!(a, A::Verify | A::PresenceWrite | A::PresenceRead),
        Role::Technician => matches!(
            a,
            A::CatalogRead
                | A::CatalogWrite
                | A::TokenRead
                | A::TokenCreate
                | A::TokenLifecycle
                | A::TokenDisable
        ),
        Role::Operator => matches!(
            a,
            A::Verify
                | A::PresenceRead
                | A::CatalogRead
                | A::TokenRead
                | A::TokenDisable
                | A::TokenRepair
                | A::LogsRead
                | A::DriftRead
        ),
    }
}

/// A kind of scope a key can be limited by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    /// Locations.
    Location,
    /// Products.
    Product,
}

impl ScopeKind {
    fn plural(self) -> &'static str {
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

/// Why access is refused, or a key cannot be made as asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccessError {
    /// No key, or one that does not open this station (the reason is for the log only;
    /// every face answers every authentication failure alike).
    #[error("authentication failed ({0})")]
    Unauthenticated(AuthFailure),
    /// The key's role does not allow the action.
    #[error("API key {key_id} ({role}) may not {action}")]
    Forbidden {
        /// The key.
        key_id: String,
        /// Its role.
        role: Role,
        /// What was asked.
        action: Action,
    },
    /// The request names a location or product outside the key's scope.
    #[error("API key {key_id} is limited to {}: '{value}' is not one of them", .what.plural())]
    OutOfScope {
        /// The key.
        key_id: String,
        /// Locations or products.
        what: ScopeKind,
        /// What the request named.
        value: String,
    },
    /// The request must name a location or product: the key has several.
    #[error("API key {key_id} serves several {} ({}): name one", .what.plural(), .choices.join(", "))]
    ScopeNeeded {
        /// The key.
        key_id: String,
        /// Locations or products.
        what: ScopeKind,
        /// The key's choices.
        choices: Vec<String>,
    },
    /// A key limited to some resources asks for something only an unlimited key may.
    #[error("API key {key_id} is limited to some {}: {action} needs a key without that limit", .what.plural())]
    NeedsUnscoped {
        /// The key.
        key_id: String,
        /// The limit in the way.
        what: ScopeKind,
        /// What was asked.
        action: Action,
    },
    /// A kiosk key without a location.
    #[error("a kiosk key needs at least one location")]
    KioskNeedsLocation,
    /// A key name with characters other than letters, digits, `.`, `_`, `-`, `@`.
    #[error(
        "key name '{0}': use 1 to 64 letters, digits, '.', '_', '-' or '@' (e.g. web-shop)"
    )]
    BadKeyName(String),
    /// A client network that is not CIDR notation.
    #[error("'{0}' is not a network in CIDR notation (e.g. 10.0.0.0/8 or 2001:db8::/32)")]
    BadCidr(String),
    /// A duration that is not a number with a unit.
    #[error("'{0}' is not a duration: give a number and a unit, e.g. 90d, 12h, 30m or 2w")]
    BadDuration(String),
    /// A status change a key's life does not allow.
    #[error("API key {key_id} is {from}: it cannot become {to}")]
    StatusChange {
        /// The key.
        key_id: String,
        /// Its status.
        from: crate::model::access::KeyStatus,
        /// The status asked for.
        to: crate::model::access::KeyStatus,
    },
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
        if !self.products.is_empty() && !self.products.contains(&t.product) {
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
        if at.iter().any(|l| self.locations.contains(l)) {
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
                if !caller.products.contains(&t.product) {
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
    fn the_role_table() {
        use Action as A;
        let all = [
            A::Verify,
            A::VerifyOptions,
            A::PresenceWrite,
            A::PresenceRead,
            A::CatalogRead,
            A::CatalogWrite,
            A::TokenRead,
            A::TokenCreate,
            A::TokenLifecycle,
            A::TokenDisable,
            A::TokenRepair,
            A::LogsRead,
            A::DriftRead,
            A::Configure,
            A::KeysManage,
            A::SeedExport,
        ];
        let allowed = |r: Role| -> Vec<A> { all.into_iter().filter(|a| role_allows(r, *a)).collect() };
        assert_eq!(allowed(Role::Admin), all.to_vec());
        assert_eq!(
            allowed(Role::Kiosk),
            [A::Verify, A::PresenceWrite, A::PresenceRead]
        );
        assert_eq!(
            allowed(Role::Technician),
            [
                A::CatalogRead,
                A::CatalogWrite,
                A::TokenRead,
                A::TokenCreate,
                A::TokenLifecycle,
                A::TokenDisable
            ]
        );
        assert_eq!(
            allowed(Role::Operator),
            [
                A::Verify,
                A::PresenceRead,
                A::CatalogRead,
                A::TokenRead,
                A::TokenDisable,
                A::TokenRepair,
                A::LogsRead,
                A::DriftRead
            ]
        );
        for r in [Role::Kiosk, Role::Technician, Role::Operator] {
            for a in [A::KeysManage, A::Configure, A::SeedExport, A::VerifyOptions] {
                assert!(!role_allows(r, a), "{r} {a:?}");
            }
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
            one.resolve(ScopeKind::Location, Some("Lobby")).unwrap().as_deref(),
            Some("Lobby")
        );
        let e = one.resolve(ScopeKind::Location, Some("Dock")).unwrap_err();
        assert!(e.to_string().contains("limited to locations"), "{e}");
        let two = caller(Role::Kiosk, &["Dock", "Lobby"], &[]);
        let e = two.resolve(ScopeKind::Location, None).unwrap_err();
        assert!(e.to_string().contains("Dock, Lobby): name one"), "{e}");
        let free = caller(Role::Operator, &[], &[]);
        assert_eq!(free.resolve(ScopeKind::Location, None).unwrap(), None);
        assert_eq!(
            free.resolve(ScopeKind::Product, Some("P")).unwrap().as_deref(),
            Some("P")
        );
        let scoped = caller(Role::Technician, &[], &["P"]);
        assert!(scoped.require_unscoped(Action::CatalogWrite, ScopeKind::Product).is_err());
        assert!(free.require_unscoped(Action::TokenRead, ScopeKind::Product).is_ok());
        assert!(one.require(Action::TokenRead).is_err());
        assert_eq!(
            one.require(Action::TokenRead).unwrap_err().to_string(),
            "API key k1 (kiosk) may not read tokens"
        );
    }
}
