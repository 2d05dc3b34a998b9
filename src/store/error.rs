//! The store layer's errors: what failed (the database, a migration, a missing or
//! foreign store, a broken audit log…), each message naming the thing and what to do,
//! and the things a unique constraint protects ([`Thing`]).

use super::sql::DbError;

/// Errors of the store layer. Messages name the thing and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database (SQLite or PostgreSQL) failed.
    #[error("store {path}: {source}")]
    Database {
        /// The database file or URL (without its password).
        path: String,
        /// The backend's error.
        source: DbError,
    },
    /// A row that was asked for does not exist.
    #[error("{0} not found")]
    NotFound(Thing),
    /// A uniqueness rule was broken.
    #[error("{0} already exists")]
    Duplicate(Thing),
    /// A product still has tokens.
    #[error("{what} is still in use ({tokens} tokens; remove or move them first)")]
    InUse {
        /// The row.
        what: Thing,
        /// How many tokens still reference it.
        tokens: i64,
    },
    /// The file was written by a newer tokenstation.
    #[error(
        "store {path} has schema version {found}, newer than this tokenstation knows ({known}): upgrade tokenstation or use the matching version"
    )]
    TooNew {
        /// The database file.
        path: String,
        /// Version in the file.
        found: i64,
        /// Highest version this build knows.
        known: i64,
    },
    /// No store at the path.
    #[error("no store at {0}")]
    Missing(String),
    /// A store already exists where one should be created.
    #[error("a store already exists at {0}")]
    Exists(String),
    /// A write transaction changed rows without writing a journal line (audit,
    /// attempt or presence event); it was rolled back. A defect of the caller.
    #[error("store {path}: a change without its audit line was refused and rolled back")]
    Unjournaled {
        /// The database file.
        path: String,
    },
    /// The audit log's append-only triggers are missing, altered or joined by another
    /// trigger: the file was changed outside tokenstation. The store is not opened
    /// (only for `audit verify`, see [`Store::open_for_audit`](super::Store::open_for_audit)); the triggers are never
    /// silently recreated.
    #[error(
        "store {path}: {}: the file was changed outside tokenstation and its audit log may have been edited",
        problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ")
    )]
    AuditTriggers {
        /// The database file.
        path: String,
        /// What is wrong.
        problems: Vec<super::audit::TriggerProblem>,
    },
    /// The file is not a tokenstation store or is damaged.
    #[error("store {path} is not usable: {why}")]
    Corrupt {
        /// The database file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// A number the store's signed 64-bit integers cannot hold (2^63 or more).
    #[error("{what} {value} is beyond the largest value the store keeps (2^63 - 1)")]
    OutOfRange {
        /// What the number is (`counter`, `step`).
        what: &'static str,
        /// The value.
        value: u64,
    },
    /// File system error around the store.
    #[error("store {path}: {source}")]
    Io {
        /// The path involved.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// The row a [`StoreError`] is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Thing {
    /// A product, by name.
    Product(String),
    /// A product, by row id.
    ProductId(i64),
    /// A holder, by external id.
    Holder(String),
    /// A location, by name.
    Location(String),
    /// A token, by row id.
    TokenId(i64),
    /// A token serial within its product.
    TokenSerial(String),
    /// A credential, by kind and value.
    Credential {
        /// `card`, `tag` or `token`.
        kind: String,
        /// Its canonical value.
        value: String,
    },
    /// A token bound as a presence token.
    PresenceToken,
    /// A presence event, by row id or idempotency key.
    PresenceEvent(String),
    /// An API key, by key id or name.
    ApiKey(String),
}

impl std::fmt::Display for Thing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Thing::Product(n) => write!(f, "product '{n}'"),
            Thing::ProductId(id) => write!(f, "product #{id}"),
            Thing::Holder(h) => write!(f, "holder '{h}'"),
            Thing::Location(l) => write!(f, "location '{l}'"),
            Thing::TokenId(id) => write!(f, "token #{id}"),
            Thing::TokenSerial(s) => write!(f, "token serial '{s}' in this product"),
            Thing::Credential { kind, value } => write!(f, "{kind} credential '{value}'"),
            Thing::PresenceToken => f.write_str("this presence token"),
            Thing::PresenceEvent(e) => write!(f, "presence event {e}"),
            Thing::ApiKey(k) => write!(f, "API key '{k}'"),
        }
    }
}
