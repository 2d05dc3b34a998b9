//! The `tokenstation` binary: parses the command line and hands it to a face: the CLI,
//! or for `serve` the HTTP API (with the station the CLI opened and unlocked).

use std::num::NonZeroU32;
use std::process::ExitCode;

use tokenstation::api::{self, limit::Rates};
use tokenstation::cli::{self, Cli, serve::ServeArgs};

fn main() -> ExitCode {
    // The command line, completed from the configuration file (cli::settings).
    let parsed = match cli::settings::parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // The journal under systemd, else stderr.
    cli::service::init_logging(parsed.settings.station_name.as_deref());
    match cli::serve::args(&parsed).cloned() {
        Some(args) => serve(&parsed, &args),
        None => cli::run(parsed),
    }
}

/// A rate from the command line (clap refuses 0).
fn rate(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// `tokenstation serve`: open and unlock the store (CLI), then serve (API face).
fn serve(parsed: &Cli, a: &ServeArgs) -> ExitCode {
    let station = match cli::serve::open(parsed) {
        Ok(st) => st,
        Err(e) => {
            eprintln!("error: {}", cli::errors::message(&e));
            return ExitCode::from(cli::exit_code_for(&e));
        }
    };
    let config = api::Config {
        listen: a.listen,
        allow_remote: a.allow_remote,
        rates: Rates {
            key_per_minute: rate(a.key_rate),
            key_burst: rate(a.key_burst),
            auth_failures_per_minute: rate(a.auth_fail_rate),
        },
        readers: a.readers,
        group_commit: a.group_commit,
    };
    match api::serve(station, &config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(api::ServeError::NotLoopback(addr)) => {
            eprintln!(
                "error: --listen {addr} is not a loopback address and the API has no TLS of its own: \
                 put a TLS proxy in front (see the README) and pass --allow-remote"
            );
            ExitCode::from(cli::EXIT_INPUT)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(cli::EXIT_STORE)
        }
    }
}
