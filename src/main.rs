//! The `tokenstation` binary: parses the command line and hands it to the CLI face.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("TOKENSTATION_LOG"))
        .with_writer(std::io::stderr)
        .init();
    match tokenstation::cli::Cli::try_parse() {
        Ok(cli) => tokenstation::cli::run(cli),
        Err(e) => tokenstation::cli::usage_error(e),
    }
}
