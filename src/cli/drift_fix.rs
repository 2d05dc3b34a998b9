//! `tokenstation drift fix`: placeholder, filled below.
use super::Ctx;
use std::process::ExitCode;
/// `drift fix` options.
#[derive(Debug, clap::Args)]
pub struct FixArgs {
    /// The token's serial.
    pub serial: Option<String>,
}
/// Runs `drift fix`.
pub fn run(_ctx: &Ctx, _a: FixArgs) -> anyhow::Result<ExitCode> {
    Ok(ExitCode::SUCCESS)
}
