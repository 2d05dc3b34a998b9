//! Refusals of a kiosk whose PostgreSQL server does not answer, and of a token leased
//! to another station (issue 17; the rules are `station::presence::offline` and
//! `station::lease`).

/// What an offline kiosk or a lease refuses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OfflineError {
    /// The store's server does not answer and what was asked needs it: a typed code
    /// of a token not leased to this station (checking it offline could accept it
    /// twice, at two stations), or a tap at a location that needs a code.
    #[error(
        "server unreachable: {what} needs the store's server {store}; card and tag taps, and codes of tokens leased to this station, are recorded offline"
    )]
    ServerUnreachable {
        /// What needed the server (`a typed code`, `location 'Lab' (mode code)`).
        what: String,
        /// The store, without password.
        store: String,
    },
    /// The token verifies only at the station it is leased to.
    #[error(
        "token {serial} is leased to station '{station}': it verifies only there (release the lease to verify it elsewhere)"
    )]
    Leased {
        /// The token's serial.
        serial: String,
        /// The lease holder.
        station: String,
    },
    /// The kiosk's outbox cannot be used.
    #[error("kiosk outbox {path}: {why}")]
    Outbox {
        /// The outbox file.
        path: String,
        /// What is wrong and what to do.
        why: String,
    },
    /// The server did not answer at start and the outbox has no snapshot a kiosk may
    /// start from (`station::presence::offline_start`).
    #[error(
        "server {store} does not answer and outbox {outbox} {why}: the kiosk cannot start offline; start it again when the server answers (it then keeps a snapshot there for the next time), or pass --outbox with the outbox of an earlier run at this location"
    )]
    NoSnapshot {
        /// The store, without password.
        store: String,
        /// The outbox file.
        outbox: String,
        /// What the outbox lacks (`does not exist`, `holds no snapshot of location 'L'`).
        why: String,
    },
}
