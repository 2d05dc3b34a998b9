//! The `tokenstation` binary (minimal; the lead's CLI replaces it on merge).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Program hardware OTP tokens and run presence-token stations.
#[derive(Parser)]
#[command(name = "tokenstation", version)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Readers, tokens and serial ports attached to this machine.
    #[command(subcommand)]
    Hw(tokenstation::cli::hw::HwCommand),
    /// Start virtual hardware (cards, PN532, RDM6300) for demos and manual tests.
    Emulate(tokenstation::cli::emulate::EmulateArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let result = match args.command {
        Command::Hw(cmd) => tokenstation::cli::hw::run(cmd),
        Command::Emulate(a) => tokenstation::cli::emulate::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(tokenstation::cli::EXIT_HARDWARE)
        }
    }
}
