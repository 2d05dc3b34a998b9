//! `tokenstation config show`: the effective settings and where each came from (the
//! command line, an environment variable, the configuration file and line, or the
//! default). See `settings.rs` for the order and `config_file.rs` for the file.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::Value;

use super::settings::{Origin, Settings};

/// `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// The effective settings and where each came from.
    Show,
}

/// Runs a `config` subcommand (no store is opened).
pub fn run(settings: &Settings, json: bool, c: ConfigCommand) -> anyhow::Result<ExitCode> {
    match c {
        ConfigCommand::Show => show(settings, json),
    }
}

fn show(s: &Settings, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        outln!("{}", serde_json::to_string_pretty(s)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    match (&s.config_file, &s.config_origin) {
        (Some(f), Some(o)) => outln!("configuration file: {} (from {})", f.display(), why(o))?,
        _ => outln!(
            "configuration file: none ({} does not exist)",
            super::config_file::DEFAULT_CONFIG
        )?,
    }
    let width = s.settings.iter().map(|x| x.key.len()).max().unwrap_or(0);
    for x in &s.settings {
        let value = match (&x.value, &x.note) {
            (Value::Null, Some(note)) => format!("({note})"),
            (v, Some(note)) => format!("{} ({note})", text(v)),
            (v, None) => text(v),
        };
        let value = crate::model::display_safe(&value, 200);
        outln!("{:<width$}  {value}  [{}]", x.key, x.origin)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn why(o: &Origin) -> String {
    match o {
        Origin::Default => "the default path".into(),
        Origin::CommandLine => "--config".into(),
        other => other.to_string(),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}
