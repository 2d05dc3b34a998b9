//! `serve`: the options of the HTTP API server, and the station it starts with (opened
//! and unlocked here, as every command does; the binary hands both to the API face).

use std::net::SocketAddr;

use clap::Args;

use super::{Cli, Command, Ctx};
use crate::station::Station;

/// `serve` options.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on; port 0 picks a free one (the bound address is
    /// printed).
    #[arg(long, default_value = "127.0.0.1:8700", value_name = "ADDR:PORT")]
    pub listen: SocketAddr,
    /// Listen on a non-loopback address (put a TLS proxy in front: see the README).
    #[arg(long)]
    pub allow_remote: bool,
    /// Requests per minute one API key may make (429 with Retry-After beyond).
    #[arg(long, default_value_t = 360, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub key_rate: u32,
    /// Requests one API key may make at once before the per-minute rate applies.
    #[arg(long, default_value_t = 20, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub key_burst: u32,
    /// Failed authentications per minute one client address may make (429 beyond).
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub auth_fail_rate: u32,
    /// Stations answering read requests in parallel (each its own store connection).
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub readers: usize,
    /// Most verifications committed in one durable transaction (1: one each).
    #[arg(long, default_value_t = 64, value_name = "N")]
    pub group_commit: usize,
}

/// The `serve` command line, split: its options and the global ones.
pub fn args(cli: &Cli) -> Option<&ServeArgs> {
    match &cli.command {
        Command::Serve(a) => Some(a),
        _ => None,
    }
}

/// Opens and unlocks the store for serving; commits are made durable (every answer
/// the API gives is on disk first).
pub fn open(cli: &Cli) -> anyhow::Result<Station> {
    let ctx = Ctx::new(cli.db.clone(), cli.key_file.clone(), cli.json)?;
    let mut st = ctx.open_unlocked()?;
    st.durable()?;
    Ok(st)
}
