//! The `token` subcommands and their options.

use clap::{ArgGroup, Args, Subcommand};

/// Selects a token by serial, and by product when serials repeat across products.
#[derive(Debug, Args)]
pub struct Which {
    /// Serial number.
    pub serial: String,
    /// Product, when the serial exists in several.
    #[arg(long)]
    pub product: Option<String>,
}

/// `token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Register a token under a product with its seed (sealed at rest).
    #[command(group(ArgGroup::new("seed").args(["secret", "secret_file", "uri", "uri_file", "generate"])))]
    #[command(
        after_help = "The seed never goes in argv, nor a Key URI (it holds the seed): --secret and --uri ask on the terminal; scripts set TOKENSTATION_SECRET or TOKENSTATION_URI, or pass --secret-file PATH or --uri-file PATH."
    )]
    Add {
        /// Serial number, unique within the product.
        serial: String,
        /// Product name.
        #[arg(long)]
        product: String,
        /// The seed.
        #[command(flatten)]
        seed: super::seed_args::SeedArgs,
    },
    /// List tokens.
    List {
        /// Only this product.
        #[arg(long)]
        product: Option<String>,
        /// Only this status (unverified, active, disabled, lost, retired).
        #[arg(long)]
        status: Option<String>,
        /// Only this holder.
        #[arg(long)]
        holder: Option<String>,
        /// Only tokens usable at this location.
        #[arg(long)]
        location: Option<String>,
    },
    /// Show one token.
    Show(Which),
    /// Print the code a token shows now, or at another time (for technicians). Only
    /// the code when standard output is not a terminal, like `oathtool`.
    Code {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// Unix seconds or RFC 3339 [default: now].
        #[arg(long, allow_negative_numbers = true)]
        at: Option<String>,
        /// Print only the code, also on a terminal.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Activate an unverified token with its first valid code.
    Activate {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// The code the token shows.
        code: String,
        /// Unix seconds or RFC 3339 [default: now].
        #[arg(long, allow_negative_numbers = true)]
        at: Option<String>,
    },
    /// Resynchronise a drifted token with two consecutive codes it shows.
    Resync {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// A code the token shows.
        code1: String,
        /// The next code it shows (press again, or wait one period).
        code2: String,
        /// Unix seconds or RFC 3339 [default: now].
        #[arg(long, allow_negative_numbers = true)]
        at: Option<String>,
    },
    /// Clear a token's failure count and cooldown after LIMIT_REACHED.
    Unlock(Which),
    /// Make 10 one-time backup codes (XXXX-XXXX), shown once. A set with unused codes
    /// is replaced only with --replace.
    BackupCodes {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// Void the old set's unused codes.
        #[arg(long)]
        replace: bool,
    },
    /// Show the token's otpauth:// URI as a QR code (terminal or PNG); audited.
    Qr {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// Write a PNG here instead of drawing in the terminal.
        #[arg(long)]
        png: Option<std::path::PathBuf>,
    },
    /// Refuse a token until it is enabled again.
    Disable(Which),
    /// Accept a disabled or lost token again.
    Enable(Which),
    /// Mark a token lost (refused).
    Lost(Which),
    /// Take a token out of service for good.
    Retire(Which),
    /// Assign a token to a location (or all locations) or to a holder.
    #[command(group(ArgGroup::new("to").required(true).args(["location", "all_locations", "holder"])))]
    Assign {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// Location name.
        #[arg(long)]
        location: Option<String>,
        /// Let the token verify at every location.
        #[arg(long)]
        all_locations: bool,
        /// Holder id.
        #[arg(long)]
        holder: Option<String>,
    },
    /// Lease a token to one station: it then verifies only there (every other station
    /// and the API refuse it, naming the lease holder); `--release` ends the lease.
    #[command(group(ArgGroup::new("lease").required(true).args(["station", "release"])))]
    Lease {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// The station's name (its TOKENSTATION_STATION, else its host name).
        #[arg(long)]
        station: Option<String>,
        /// End the lease: the token verifies at every station again.
        #[arg(long)]
        release: bool,
    },
    /// Undo an assignment: take a token off a location, off every location, or from
    /// its holder.
    Unassign(super::manage::UnassignArgs),
    /// Change a token's serial.
    Rename {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// New serial.
        new_serial: String,
    },
    /// Delete a token and its sealed seed (active tokens need --force).
    Rm {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// Delete even an active token.
        #[arg(long)]
        force: bool,
    },
}
