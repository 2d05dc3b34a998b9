//! The `tokenstation` binary: parses the command line and hands it to the CLI face.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("TOKENSTATION_LOG"))
        .with_writer(std::io::stderr)
        .init();
    tokenstation::cli::run(tokenstation::cli::Cli::parse())
}
