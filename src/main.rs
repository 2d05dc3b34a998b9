//! The `tokenstation` binary: parses the command line and hands it to a face: the CLI,
//! or for `serve` the HTTP API (with the station the CLI opened and unlocked).

use std::num::NonZeroU32;
use std::process::ExitCode;

use tokenstation::api::{self, limit::Rates};
use tokenstation::cli::{self, Cli, Command, Ctx, serve::ServeArgs};
use tokenstation::tui;

fn main() -> ExitCode {
    // `tokenstation` alone on a terminal opens the terminal UI; elsewhere, the help.
    // The command line is completed from the configuration file (cli::settings).
    let alone = std::env::args_os().len() == 1 && tui::on_terminal();
    let parsed = if alone {
        cli::settings::parse_from(["tokenstation", "tui"])
    } else {
        cli::settings::parse()
    };
    let parsed = match parsed {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // The journal under systemd, else stderr.
    cli::service::init_logging(parsed.settings.station_name.as_deref());
    if let Some(code) = terminal_ui(&parsed) {
        return code;
    }
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

/// `tokenstation tui`, and `demo`, on a terminal: the terminal UI face. The store is
/// opened and unlocked (a passphrase is asked) before the screen is taken.
fn terminal_ui(parsed: &Cli) -> Option<ExitCode> {
    if !tui::on_terminal() {
        return None;
    }
    let run = match &parsed.command {
        Command::Tui => Ctx::new(parsed.db.clone(), parsed.key_file.clone(), false)
            .and_then(|ctx| ctx.open_unlocked())
            .and_then(|st| tui::run(st, None, cli::kiosk::outbox_dir().ok())),
        Command::Demo(a) => tui::demo::run(a.keep.clone()),
        _ => return None,
    };
    Some(match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", cli::errors::message(&e));
            ExitCode::from(cli::exit_code_for(&e))
        }
    })
}
