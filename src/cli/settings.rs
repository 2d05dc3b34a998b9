//! The effective settings: the command line (and its environment variables) overrides
//! the configuration file, the file overrides the defaults. [`parse`] reads the command
//! line and the file, fills what the command line left out, and keeps where each value
//! came from for `tokenstation config show`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory as _, FromArgMatches as _, Parser};
use serde::Serialize;
use serde_json::{Value, json};
use toml::Spanned;

use super::config_file::{self, ConfigError, DEFAULT_CONFIG, Loaded};
use super::serve::ServeArgs;
use super::{Cli, Command, EXIT_INPUT};

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Origin {
    /// An option on the command line.
    CommandLine,
    /// An environment variable (an option's `env`).
    Environment {
        /// The variable.
        variable: String,
    },
    /// The configuration file.
    File {
        /// The file.
        file: PathBuf,
        /// The 1-based line of the value.
        line: usize,
    },
    /// The built-in default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::CommandLine => write!(f, "command line"),
            Origin::Environment { variable } => write!(f, "environment {variable}"),
            Origin::File { file, line } => write!(f, "{}:{line}", file.display()),
            Origin::Default => write!(f, "default"),
        }
    }
}

/// One effective setting.
#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    /// The key, as in the file (`serve.listen`).
    pub key: &'static str,
    /// The value (`null`: not set; what that means is in `note`).
    pub value: Value,
    /// Where it came from.
    #[serde(flatten)]
    pub origin: Origin,
    /// What an unset value means, or how a default is derived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The effective settings of this run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Settings {
    /// The configuration file read, if any.
    pub config_file: Option<PathBuf>,
    /// Why that file (or none) was read.
    pub config_origin: Option<Origin>,
    /// This station's name (`station.name`).
    #[serde(skip)]
    pub station_name: Option<String>,
    /// Every setting, in the file's order.
    pub settings: Vec<Setting>,
}

/// `serve`'s defaults, as clap has them (one place for them: `ServeArgs`).
#[derive(Parser)]
struct ServeDefaults {
    #[command(flatten)]
    args: ServeArgs,
}

/// Reads the command line, then the configuration file, and fills the command line's
/// gaps from the file. A refused command line or an unusable file: one line on
/// stderr, exit code 2.
pub fn parse() -> Result<Cli, ExitCode> {
    parse_from(std::env::args_os())
}

/// [`parse`] over given arguments.
pub fn parse_from<I, T>(args: I) -> Result<Cli, ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = Cli::command()
        .try_get_matches_from(args)
        .map_err(super::usage_error)?;
    let mut cli = Cli::from_arg_matches(&matches).map_err(super::usage_error)?;
    match resolve(&matches, &mut cli) {
        Ok(s) => {
            cli.settings = s;
            Ok(cli)
        }
        Err(e) => {
            if cli.json {
                let _ = outln!(
                    "{}",
                    json!({"error": e.to_string(), "exit_code": EXIT_INPUT})
                );
            }
            errln!("error: {e}");
            Err(ExitCode::from(EXIT_INPUT))
        }
    }
}

fn origin_of(source: Option<ValueSource>, env: &str) -> Option<Origin> {
    match source {
        Some(ValueSource::CommandLine) => Some(Origin::CommandLine),
        Some(ValueSource::EnvVariable) => Some(Origin::Environment {
            variable: env.to_string(),
        }),
        _ => None,
    }
}

/// The file to read: `--config` / `TOKENSTATION_CONFIG` (must exist), else the
/// default path when it exists.
fn find_file(matches: &ArgMatches, cli: &Cli) -> Result<Option<(Loaded, Origin)>, ConfigError> {
    if let Some(p) = &cli.config {
        let origin = origin_of(matches.value_source("config"), "TOKENSTATION_CONFIG")
            .unwrap_or(Origin::CommandLine);
        return Ok(Some((config_file::load(p)?, origin)));
    }
    let p = Path::new(DEFAULT_CONFIG);
    if p.exists() {
        return Ok(Some((config_file::load(p)?, Origin::Default)));
    }
    Ok(None)
}

/// Collects settings against one (optional) file.
struct Resolver<'a> {
    file: Option<&'a Loaded>,
    out: Vec<Setting>,
}

impl Resolver<'_> {
    fn file_value<T>(&self, v: &Option<Spanned<T>>) -> Option<(T, Origin)>
    where
        T: Clone,
    {
        let (l, v) = (self.file?, v.as_ref()?);
        let origin = Origin::File {
            file: l.path.clone(),
            line: l.line_of(&v.span()),
        };
        Some((v.get_ref().clone(), origin))
    }

    fn push(&mut self, key: &'static str, value: Value, origin: Origin, note: Option<String>) {
        self.out.push(Setting {
            key,
            value,
            origin,
            note,
        });
    }

    /// One value: the command line's (`given`) if any, else the file's (written into
    /// `slot`), else the default already in `slot`.
    fn pick<T: Clone + Serialize>(
        &mut self,
        key: &'static str,
        slot: &mut T,
        given: Option<Origin>,
        file: &Option<Spanned<T>>,
    ) {
        let origin = match (given, self.file_value(file)) {
            (Some(o), _) => o,
            (None, Some((v, o))) => {
                *slot = v;
                o
            }
            (None, None) => Origin::Default,
        };
        self.push(key, json!(slot), origin, None);
    }

    /// A path: absolute from the command line, relative ones from the file's directory;
    /// the default is shown as `default` (which the command derives itself) with `note`.
    fn pick_path(
        &mut self,
        key: &'static str,
        slot: &mut Option<PathBuf>,
        given: Option<Origin>,
        file: &Option<Spanned<PathBuf>>,
        default: (Option<PathBuf>, &str),
    ) {
        let (origin, shown, note) = match (given, self.file_value(file), self.file) {
            (Some(o), _, _) => (o, slot.clone(), None),
            (None, Some((v, o)), Some(l)) => {
                *slot = Some(l.resolve(&v));
                (o, slot.clone(), None)
            }
            _ => (Origin::Default, default.0, Some(default.1.to_string())),
        };
        self.push(key, json!(shown), origin, note);
    }
}

fn resolve(matches: &ArgMatches, cli: &mut Cli) -> Result<Settings, ConfigError> {
    let found = find_file(matches, cli)?;
    let (loaded, config_origin) = match found {
        Some((l, o)) => (Some(l), Some(o)),
        None => (None, None),
    };
    let empty = config_file::ConfigFile::default();
    let f = loaded.as_ref().map(|l| &l.file).unwrap_or(&empty);
    let mut r = Resolver {
        file: loaded.as_ref(),
        out: Vec::new(),
    };

    let db_given = origin_of(matches.value_source("db"), "TOKENSTATION_DB");
    let db_default = super::default_db().ok();
    let db_note = match db_default {
        Some(_) => "in the user's data directory",
        None => "none: no home directory",
    };
    let default = (db_default.clone(), db_note);
    r.pick_path("store.path", &mut cli.db, db_given, &f.store.path, default);
    let key_given = origin_of(matches.value_source("key_file"), "TOKENSTATION_KEY_FILE");
    let store = cli.db.clone().or(db_default);
    let key_default = store.as_deref().map(crate::station::default_key_file);
    let default = (key_default, "the store's path with `.key` appended");
    r.pick_path(
        "store.key_file",
        &mut cli.key_file,
        key_given,
        &f.store.key_file,
        default,
    );

    let mut name: Option<String> = None;
    let named = r.file_value(&f.station.name);
    let origin = match named {
        Some((v, o)) => {
            name = Some(v);
            o
        }
        None => Origin::Default,
    };
    let note = name.is_none().then(|| "not set".to_string());
    r.push("station.name", json!(name), origin, note);

    kiosk(&mut r, matches, cli, f);
    serve(&mut r, matches, cli, f);

    Ok(Settings {
        config_file: loaded.as_ref().map(|l| l.path.clone()),
        config_origin,
        station_name: name,
        settings: r.out,
    })
}

fn kiosk(r: &mut Resolver<'_>, matches: &ArgMatches, cli: &mut Cli, f: &config_file::ConfigFile) {
    let mut none_location = None;
    let mut none_readers = Vec::new();
    let (location, readers, sub) = match &mut cli.command {
        Command::Kiosk(a) => (
            &mut a.location,
            &mut a.readers,
            matches.subcommand_matches("kiosk"),
        ),
        _ => (&mut none_location, &mut none_readers, None),
    };
    let given = sub.and_then(|m| origin_of(m.value_source("location"), ""));
    let file_loc = f
        .kiosk
        .location
        .as_ref()
        .map(|s| Spanned::new(s.span(), Some(s.get_ref().clone())));
    r.pick("kiosk.location", location, given, &file_loc);
    if location.is_none()
        && let Some(s) = r.out.last_mut()
    {
        s.note = Some("not set: pass --location".into());
    }
    let given = sub.and_then(|m| origin_of(m.value_source("readers"), ""));
    r.pick("kiosk.readers", readers, given, &f.kiosk.readers);
    if readers.is_empty()
        && let Some(s) = r.out.last_mut()
    {
        s.value = Value::Null;
        s.note = Some("the location's readers in the store, `location readers`".into());
    }
}

fn serve(r: &mut Resolver<'_>, matches: &ArgMatches, cli: &mut Cli, f: &config_file::ConfigFile) {
    let mut defaults = ServeDefaults::try_parse_from(["serve"])
        .map(|d| d.args)
        .ok();
    let (a, sub) = match &mut cli.command {
        Command::Serve(a) => (Some(a), matches.subcommand_matches("serve")),
        _ => (defaults.as_mut(), None),
    };
    let Some(a) = a else { return };
    let given = |id: &str| sub.and_then(|m| origin_of(m.value_source(id), ""));
    let s = &f.serve;
    r.pick("serve.listen", &mut a.listen, given("listen"), &s.listen);
    r.pick(
        "serve.allow_remote",
        &mut a.allow_remote,
        given("allow_remote"),
        &s.allow_remote,
    );
    r.pick(
        "serve.key_rate",
        &mut a.key_rate,
        given("key_rate"),
        &s.key_rate,
    );
    r.pick(
        "serve.key_burst",
        &mut a.key_burst,
        given("key_burst"),
        &s.key_burst,
    );
    r.pick(
        "serve.auth_fail_rate",
        &mut a.auth_fail_rate,
        given("auth_fail_rate"),
        &s.auth_fail_rate,
    );
    r.pick(
        "serve.readers",
        &mut a.readers,
        given("readers"),
        &s.readers,
    );
    r.pick(
        "serve.group_commit",
        &mut a.group_commit,
        given("group_commit"),
        &s.group_commit,
    );
}
