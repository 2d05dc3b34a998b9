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
//!   as `api:<key_id> (role <role>)` ([`Caller::actor`]), so every audit line it writes names
//!   the key and its role.

pub mod authenticate;
pub mod keys;
pub mod roles;
pub mod scope;
pub mod secret;

use crate::model::access::Role;

pub use authenticate::{AuthFailure, Caller};
pub use keys::{IssuedKey, KeySpec, parse_duration};
pub use roles::{Action, role_allows};
pub use scope::ScopeKind;

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
    #[error("key name '{0}': use 1 to 64 letters, digits, '.', '_', '-' or '@' (e.g. web-shop)")]
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
