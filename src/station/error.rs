//! `StationError`: what a use case refuses or fails with (design.md §4). Each variant
//! carries the thing it is about; [`StationError::hint`] says what a person can do
//! next as a typed [`Hint`](crate::station::hint::Hint) that each face words (a CLI option, a TUI key, an API
//! field), and [`StationError::class`] sorts it for exit codes and batch triage. No
//! message here names a CLI flag, command or environment variable.

use std::path::PathBuf;

use crate::devices::DeviceError;
use crate::devices::session::SpecError;
use crate::model::{Family, TokenStatus};
use crate::otp::OtpError;
use crate::seeds::ImportError;
use crate::store::StoreError;
use crate::vault::VaultError;

mod about;
mod class;
mod offline;

pub use about::{Field, PolicyProblem, ProofFailure, UriParam};
pub use class::{ErrorClass, ErrorReport, Refusal};
pub use offline::OfflineError;

/// Errors of the station layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StationError {
    /// The store failed or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An offline kiosk or a leased token refused (issue 17).
    #[error(transparent)]
    Offline(#[from] OfflineError),
    /// The key or a sealed value failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// Malformed input (seed, URI, parameter).
    #[error(transparent)]
    Otp(#[from] OtpError),
    /// A token or reader failed: the hardware's error, naming the device.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// A seed file (or one of its records) that cannot be imported.
    #[error("{file}: {source}")]
    Import {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: Box<ImportError>,
    },
    /// An input file refused before parsing (missing, not a regular file, too large,
    /// not UTF-8).
    #[error(transparent)]
    InputFile(#[from] crate::station::input_file::InputFileError),
    /// `store copy` refused (target not empty, same store, schemas differ).
    #[error(transparent)]
    StoreCopy(#[from] crate::station::store_copy::CopyError),
    /// A file that cannot be read.
    #[error("cannot read {path}: {source}")]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A file that would be replaced.
    #[error("{} exists: choose another file name", .0.display())]
    FileExists(PathBuf),
    /// A file that cannot be written.
    #[error("cannot write {}: {source}", path.display())]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A row of an input file, with what is wrong in it.
    #[error("{file} line {line}: {source}")]
    AtLine {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        #[source]
        source: Box<StationError>,
    },
    /// A file whose layout is not what the use case reads.
    #[error("{file}: {why}")]
    BadFile {
        /// The file.
        file: String,
        /// What is wrong.
        why: String,
    },

    /// No token with this serial (in this product).
    #[error("unknown token serial '{serial}'{}", product.as_ref().map(|p| format!(" in product '{p}'")).unwrap_or_default())]
    UnknownToken {
        /// The serial.
        serial: String,
        /// The product it was looked for in.
        product: Option<String>,
    },
    /// A serial registered under several products.
    #[error("serial '{serial}' exists in several products ({})", products.join(", "))]
    AmbiguousSerial {
        /// The serial.
        serial: String,
        /// The products that have it.
        products: Vec<String>,
    },
    /// A name (serial, product, holder, location, label…) the name rule refuses.
    #[error(transparent)]
    Name(crate::model::NameError),
    /// A value that is not hex.
    #[error("{0} is not hex")]
    NotHex(Field),
    /// A name that is not one of the choices.
    #[error("unknown {what} '{value}': use {choices}")]
    UnknownChoice {
        /// What was being named.
        what: Field,
        /// The text given.
        value: String,
        /// The choices.
        choices: &'static str,
    },
    /// A time zone name that is not in the IANA database.
    #[error("unknown time zone '{0}': use an IANA name such as Europe/Paris or UTC")]
    UnknownTimeZone(String),
    /// A family name that is not known, or not one a product can have.
    #[error("unknown family '{0}': use one of {families}", families = product_families())]
    UnknownFamily(String),
    /// A product with tokens cannot change its code parameters.
    #[error(
        "product '{0}' has tokens: its OTP parameters (kind, algorithm, digits, period, t0) cannot change; make a new product"
    )]
    ParamsLocked(String),
    /// A Key URI whose parameters differ from the product's.
    #[error(
        "the URI's {param} is {uri} but product '{product}' has {wanted}: pick the matching product"
    )]
    UriMismatch {
        /// The parameter that differs.
        param: UriParam,
        /// The URI's value.
        uri: String,
        /// The product.
        product: String,
        /// The product's value.
        wanted: String,
    },
    /// An empty seed.
    #[error("token {0}: the seed is empty")]
    EmptySeed(String),
    /// A time before the product's T0.
    #[error("time {at} is before the product's T0 ({t0})")]
    BeforeT0 {
        /// The time asked for.
        at: i64,
        /// The product's T0.
        t0: i64,
    },
    /// Text that is not a numeric code.
    #[error("'{0}' is not a numeric code")]
    NotACode(String),
    /// A period whose start is not before its end.
    #[error("the period is empty: {from} is not before {to}")]
    EmptyPeriod {
        /// Start, Unix seconds.
        from: i64,
        /// End, Unix seconds.
        to: i64,
    },
    /// A date out of the calendar's range.
    #[error("date {0} is out of range")]
    DateOutOfRange(chrono::NaiveDate),
    /// A look-up over more codes than the policy allows.
    #[error("this look-up would compute more than {0} codes (policy lookup.max_codes)")]
    LookupTooLarge(u64),
    /// A policy value that does not fit its key.
    #[error("policy {key}: {problem}")]
    Policy {
        /// The key.
        key: String,
        /// What is wrong.
        problem: PolicyProblem,
    },
    /// A policy key that does not exist.
    #[error("unknown policy key '{key}': use one of {}", super::policy::KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", "))]
    UnknownPolicyKey {
        /// The key.
        key: String,
    },

    /// A status change the life cycle does not allow.
    #[error("token {serial}: {}", status_why(*from, *to))]
    StatusChange {
        /// The token.
        serial: String,
        /// Its status.
        from: TokenStatus,
        /// The status asked for.
        to: TokenStatus,
    },
    /// Activation of a token that is not unverified.
    #[error("token {serial} is {status}, not unverified: nothing to activate")]
    NotUnverified {
        /// The token.
        serial: String,
        /// Its status.
        status: TokenStatus,
    },
    /// Backup codes for a lost or retired token.
    #[error("token {serial} is {status}: no backup codes for it")]
    NoBackupCodes {
        /// The token.
        serial: String,
        /// Its status.
        status: TokenStatus,
    },
    /// Removing an active token without forcing it.
    #[error("token {0} is active")]
    RemoveActive(String),
    /// An export that selects nothing.
    #[error("no tokens match: nothing to export")]
    NothingToExport,

    /// A token whose family cannot be programmed.
    #[error("the token in {0} cannot be programmed")]
    NotProgrammable(String),
    /// A device that reports no serial, when none was given.
    #[error("the {family} token in {reader} reports no serial")]
    NoDeviceSerial {
        /// Its family.
        family: Family,
        /// The reader.
        reader: String,
    },
    /// A burn under a product that is not marked programmable.
    #[error("product '{0}' is not programmable")]
    ProductNotProgrammable(String),
    /// A burn under a product of another family than the token's.
    #[error(
        "product '{product}' is for family {wanted} but the token in {reader} is {found}: pick the matching product"
    )]
    FamilyMismatch {
        /// The product.
        product: String,
        /// Its family.
        wanted: Family,
        /// The reader.
        reader: String,
        /// The token's family.
        found: Family,
    },
    /// A burn of a seed from the store into a token already active.
    #[error("token {0} is already active")]
    AlreadyActive(String),
    /// A burn of the seed of a lost or retired token.
    #[error("token {serial} is {status}: its seed is not burned again")]
    NotReburnable {
        /// The token.
        serial: String,
        /// Its status.
        status: TokenStatus,
    },
    /// A new seed without a product.
    #[error("a new seed needs a product")]
    ProductNeeded,
    /// A burn of a new seed under a serial that is already registered and in use.
    #[error("token {serial} already exists in '{product}' and is {status}")]
    TokenExists {
        /// The serial.
        serial: String,
        /// Its product.
        product: String,
        /// Its status.
        status: TokenStatus,
    },
    /// A burned token did not prove its seed.
    #[error("token {serial}: {}", match failure {
        ProofFailure::NoCode => "no code was typed; the token stays unverified (run the burn again)".to_string(),
        ProofFailure::Mismatch(how) => format!("the {how} code does not match the seed that was written; the token stays unverified: check the token and run the burn again"),
    })]
    ProofFailed {
        /// The token.
        serial: String,
        /// How it failed.
        failure: ProofFailure,
    },
    /// A device needs a secret nobody gave (and nobody can be asked for).
    #[error("{device} needs {credential}")]
    CredentialNeeded {
        /// The device.
        device: String,
        /// The secret.
        credential: crate::devices::session::Credential,
    },
    /// A time that is neither Unix seconds nor RFC 3339.
    #[error(transparent)]
    Time(#[from] super::time::TimeError),
    /// A reader spec that is not one of the forms.
    #[error(transparent)]
    BadReader(#[from] SpecError),
    /// A family that cannot be reached through this kind of reader.
    #[error("family {family} cannot be reached through {reader}")]
    FamilyNotOnReader {
        /// The family asked for.
        family: Family,
        /// The reader.
        reader: String,
    },

    /// A credential enrolled for another holder.
    #[error(
        "{credential} is already enrolled for holder '{holder}': a credential belongs to one holder"
    )]
    CredentialTaken {
        /// The credential (`card 04A1…`).
        credential: String,
        /// Its holder.
        holder: String,
    },
    /// A new set of backup codes would void a set with unused codes.
    #[error("token {serial} has {unused} unused backup {} that its holder may keep", if *unused == 1 { "code" } else { "codes" })]
    BackupCodesExist {
        /// The token.
        serial: String,
        /// Unused codes of the set.
        unused: u32,
    },
    /// A holder to remove still holds tokens.
    #[error("holder '{holder}' holds {}: {}", if tokens.len() == 1 { "a token" } else { "tokens" }, tokens.join(", "))]
    HolderHoldsTokens {
        /// The holder.
        holder: String,
        /// Their tokens.
        tokens: Vec<String>,
    },
    /// A location to remove has tokens assigned or presence history.
    #[error("location '{location}' has {tokens} assigned {} and {events} presence {}", if *tokens == 1 { "token" } else { "tokens" }, if *events == 1 { "event" } else { "events" })]
    LocationInUse {
        /// The location.
        location: String,
        /// Tokens assigned to it.
        tokens: usize,
        /// Presence events recorded there.
        events: i64,
    },
    /// A credential to remove that the holder does not have.
    #[error("{credential} is not enrolled for holder '{holder}'")]
    NotEnrolled {
        /// The credential.
        credential: String,
        /// The holder.
        holder: String,
    },
    /// An assignment to undo that is not there.
    #[error("token {serial} is not assigned to {what}")]
    NotAssigned {
        /// The token.
        serial: String,
        /// What it is not assigned to.
        what: String,
    },
    /// A token held by someone else than the holder it is enrolled for.
    #[error("token {serial} is held by '{other}', not '{holder}'")]
    HeldByOther {
        /// The token.
        serial: String,
        /// Its holder.
        other: String,
        /// The holder asked for.
        holder: String,
    },
    /// An interval outside what a kiosk accepts.
    #[error("interval {0} s is out of range (0 to 604800)")]
    IntervalOutOfRange(i64),
    /// Removing a reader a location does not have.
    #[error("location '{location}' has no reader '{spec}'")]
    NoSuchReader {
        /// The location.
        location: String,
        /// The reader spec.
        spec: String,
    },
    /// An HOTP token as a presence token.
    #[error("token {0} is HOTP: a presence token must be TOTP (its codes tell the time)")]
    PresenceTokenHotp(String),
    /// A presence code at a location without presence tokens.
    #[error("location '{0}' has no presence token")]
    NoPresenceToken(String),
    /// A closing time that is not `HH:MM`.
    #[error("closing time '{0}': use HH:MM, e.g. 18:30")]
    BadClosingTime(String),
    /// A card UID that is not hex.
    #[error("card UID '{0}' is not hex (e.g. 04A1B2C3D4E580)")]
    CardUidNotHex(String),
    /// A card UID of another length than 4, 7 or 10 bytes.
    #[error("card UID '{text}' has {len} bytes: a UID has 4, 7 or 10")]
    CardUidLength {
        /// The text given.
        text: String,
        /// Its length in bytes.
        len: usize,
    },
    /// A tag id in none of the accepted forms.
    #[error(
        "tag '{0}': give 10 decimal digits (0011649747), W26 (177,49875) or 10 hex digits (0A00B1C2D3)"
    )]
    BadTag(String),
    /// A kiosk with no reader and no terminal.
    #[error("nothing to listen to at location '{0}'")]
    NothingToListen(String),

    /// The master key is needed but the store is locked.
    #[error("the store is locked")]
    Locked,
    /// A passphrase that is too short.
    #[error("the passphrase is shorter than 8 characters: choose a longer one")]
    ShortPassphrase,
    /// Two passphrases typed differently.
    #[error("the two passphrases differ")]
    PassphrasesDiffer,
    /// A passphrase store opened with a key file.
    #[error("this store is protected by a passphrase")]
    NeedsPassphrase,
    /// A key-file store opened with a passphrase.
    #[error("this store uses a key file, not a passphrase")]
    NeedsKeyFile,
    /// The key file does not open this store.
    #[error("key file {} does not match this store", .0.display())]
    WrongKeyFile(PathBuf),
    /// The passphrase does not open this store.
    #[error("wrong passphrase for this store")]
    WrongPassphrase,
    /// The key file cannot be read (missing, not a regular file, too large).
    #[error("cannot read key file {source}")]
    KeyFileUnreadable {
        /// The key file.
        path: PathBuf,
        /// Why.
        #[source]
        source: crate::station::input_file::InputFileError,
    },
    /// The key file's contents are not a key.
    #[error("{}: {source}", path.display())]
    KeyFileInvalid {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: VaultError,
    },
    /// The key file cannot be created.
    #[error("cannot create key file {}: {source}", path.display())]
    KeyFileCreate {
        /// The key file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The audit log's MAC chain is broken: the store was changed outside tokenstation.
    #[error(transparent)]
    AuditTampered(super::audit_check::ChainProblem),
    /// A key file that group or others may read or write.
    #[error("key file {} is accessible by group or others (mode {mode:04o}): a master key must be private to its owner", path.display())]
    KeyFilePermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A store without the header that names its key.
    #[error("store {} is not usable: it has no vault header (was init interrupted?)", .0.display())]
    NoVaultHeader(PathBuf),

    /// A token without a clock drift to report (HOTP, retired or lost).
    #[error("token {serial} has no clock drift: only TOTP tokens in use have one")]
    NoDrift {
        /// The serial.
        serial: String,
    },
    /// The host clock is not synchronised: a token clock written from it would carry
    /// its error.
    #[error(
        "the host clock is not synchronised ({why}); a token clock set from it would carry its error"
    )]
    HostClockUnsynced {
        /// What the kernel says.
        why: String,
    },
    /// The token in the reader is not the one named.
    #[error("the token in {reader} is not {serial} (it reports {found})")]
    WrongTokenInReader {
        /// The serial named.
        serial: String,
        /// The reader.
        reader: String,
        /// What the token reports (serial, slot names).
        found: String,
    },
    /// The token in the reader is in no store row.
    #[error("the token in {reader} ({found}) is not in the store")]
    UnknownTokenInReader {
        /// The reader.
        reader: String,
        /// What the token reports (serial, slot names).
        found: String,
    },
    /// A clock write the token does not show when read back.
    #[error(
        "the clock of the token in {reader} reads {off_by:+} s from the host after it was set; present it again and retry"
    )]
    ClockNotSet {
        /// The reader.
        reader: String,
        /// Token minus host, seconds, after the write.
        off_by: i64,
    },
    /// Every profile of the device holds a seed (a burn looking for a free one).
    #[error(
        "{reader}: every one of its {slots} profiles holds a seed: delete one first (device delete), or name one with its number and overwrite it (--force)"
    )]
    NoFreeSlot {
        /// The reader.
        reader: String,
        /// How many profiles it has.
        slots: usize,
    },
    /// A token whose clock is written needs the reader it is in.
    #[error("token {serial} ({family}) has a clock to set, and no reader was named")]
    ReaderNeeded {
        /// The serial.
        serial: String,
        /// Its family.
        family: Family,
    },
    /// A change that needs a yes nobody could give (no one to ask).
    #[error("not done without a confirmation: {action}")]
    NotConfirmed {
        /// What would have been done.
        action: String,
    },
    /// A change the person declined.
    #[error("declined, nothing done: {action}")]
    Declined {
        /// What would have been done.
        action: String,
    },
    /// A device accepted a command that waits for its button, which was not pressed.
    #[error(
        "{device} accepted the {operation} but its button (▲) was not pressed in time: nothing was changed in the store; press ▲ and look again, or run it again"
    )]
    ButtonNotPressed {
        /// The device.
        device: String,
        /// The operation.
        operation: crate::devices::ManagementOp,
    },
    /// Shared access refused a key, a request or a key's settings.
    #[error(transparent)]
    Access(#[from] crate::station::access::AccessError),
    /// A user name (compatibility routes) that names a holder with several tokens.
    #[error("holder '{holder}' has {count} active tokens: give the token's serial")]
    HolderTokens {
        /// The holder.
        holder: String,
        /// How many active tokens they hold.
        count: usize,
    },

    /// A page outside the allowed range.
    #[error("page {page} of size {page_size}: pages start at 1 and hold 1 to 1000 items")]
    PageOutOfRange {
        /// The page asked for.
        page: u32,
        /// The page size asked for.
        page_size: u32,
    },

    /// The work was cancelled; nothing was written.
    #[error("interrupted: nothing was written")]
    Interrupted,
    /// A defect: a state the use case cannot reach.
    #[error("internal error: {0}")]
    Internal(String),
}

fn product_families() -> String {
    Family::PRODUCT
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a status change is refused, in words.
fn status_why(from: TokenStatus, to: TokenStatus) -> String {
    match (from, to) {
        (TokenStatus::Retired, _) => "a retired token stays retired".into(),
        (TokenStatus::Unverified, TokenStatus::Active) => "activate it with a code".into(),
        (from, to) if from == to => format!("it is already {to}"),
        (from, to) => format!("{from} → {to} is not a valid change"),
    }
}

/// Shorthand for station results.
pub type Result<T, E = StationError> = std::result::Result<T, E>;
