//! The configuration file (`/etc/tokenstation/station.toml`, or `TOKENSTATION_CONFIG`,
//! or `--config`): what a service cannot take from a terminal. TOML (v1.0) with four
//! tables; an unknown table or key, a wrong type or an impossible value is an error
//! naming the file and the line. Relative paths are taken from the file's directory.
//! The README's "Configuration file" section is the reference of every key.

use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

/// Where the configuration file is when neither `--config` nor `TOKENSTATION_CONFIG`
/// names one; a missing file there is no error (the defaults apply).
pub const DEFAULT_CONFIG: &str = "/etc/tokenstation/station.toml";

/// The file as written: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `[store]`: where the store and its key are.
    #[serde(default)]
    pub store: StoreTable,
    /// `[station]`: this station.
    #[serde(default)]
    pub station: StationTable,
    /// `[kiosk]`: what `tokenstation kiosk` runs with.
    #[serde(default)]
    pub kiosk: KioskTable,
    /// `[serve]`: what `tokenstation serve` runs with.
    #[serde(default)]
    pub serve: ServeTable,
}

/// `[store]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreTable {
    /// The store file (`--db`).
    pub path: Option<Spanned<PathBuf>>,
    /// The master key file (`--key-file`).
    pub key_file: Option<Spanned<PathBuf>>,
}

/// `[station]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationTable {
    /// This station's name: the `STATION` field of every journal record.
    pub name: Option<Spanned<String>>,
}

/// `[kiosk]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskTable {
    /// The location (`kiosk --location`).
    pub location: Option<Spanned<String>>,
    /// Readers (`kiosk --reader`), instead of the location's configured ones.
    pub readers: Option<Spanned<Vec<String>>>,
}

/// `[serve]`: the options of `tokenstation serve`, same names with `_` for `-`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeTable {
    /// `--listen`.
    pub listen: Option<Spanned<SocketAddr>>,
    /// `--allow-remote`.
    pub allow_remote: Option<Spanned<bool>>,
    /// `--key-rate`.
    pub key_rate: Option<Spanned<u32>>,
    /// `--key-burst`.
    pub key_burst: Option<Spanned<u32>>,
    /// `--auth-fail-rate`.
    pub auth_fail_rate: Option<Spanned<u32>>,
    /// `--readers`.
    pub readers: Option<Spanned<usize>>,
    /// `--group-commit`.
    pub group_commit: Option<Spanned<usize>>,
}

/// A configuration file that could not be used: one line naming the file and the line.
#[derive(Debug)]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// The 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match self.line {
            Some(l) => write!(f, "configuration file {path} line {l}: {}", self.message),
            None => write!(f, "configuration file {path}: {}", self.message),
        }?;
        write!(
            f,
            " (fix the file, or point --config / TOKENSTATION_CONFIG at another one)"
        )
    }
}

impl std::error::Error for ConfigError {}

/// A loaded file: its path, text (for line numbers) and contents.
#[derive(Debug)]
pub struct Loaded {
    /// The file.
    pub path: PathBuf,
    text: String,
    /// The contents.
    pub file: ConfigFile,
}

impl Loaded {
    /// The 1-based line of a byte span of the file.
    pub fn line_of(&self, span: &Range<usize>) -> usize {
        line_of(&self.text, span.start)
    }

    /// A path from the file: relative paths are taken from the file's directory; a
    /// shared store's URL (`postgresql://…`) is kept as it is.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        let url = p.to_str().is_some_and(crate::station::is_shared_store);
        match self.path.parent() {
            Some(dir) if p.is_relative() && !url => dir.join(p),
            _ => p.to_path_buf(),
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Reads and checks the file at `path`.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let err = |line, message: String| ConfigError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(None, format!("cannot read: {e}")))?;
    let file: ConfigFile = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| line_of(&text, s.start));
        // The parser's message is one line; the line number comes from its span.
        let msg = e.message().lines().next().unwrap_or("malformed").trim();
        err(line, msg.to_string())
    })?;
    let loaded = Loaded {
        path: path.to_path_buf(),
        text,
        file,
    };
    check(&loaded)?;
    Ok(loaded)
}

/// Values the types admit but the station does not: rates of zero, empty names.
fn check(l: &Loaded) -> Result<(), ConfigError> {
    let bad = |span: Range<usize>, message: &str| {
        Err(ConfigError {
            path: l.path.clone(),
            line: Some(l.line_of(&span)),
            message: message.to_string(),
        })
    };
    let s = &l.file.serve;
    for (v, key) in [
        (&s.key_rate, "serve.key_rate"),
        (&s.key_burst, "serve.key_burst"),
        (&s.auth_fail_rate, "serve.auth_fail_rate"),
    ] {
        if let Some(v) = v
            && *v.get_ref() == 0
        {
            return bad(v.span(), &format!("{key} must be 1 or more"));
        }
    }
    for (v, key) in [
        (&l.file.station.name, "station.name"),
        (&l.file.kiosk.location, "kiosk.location"),
    ] {
        if let Some(v) = v
            && v.get_ref().trim().is_empty()
        {
            return bad(v.span(), &format!("{key} is empty"));
        }
    }
    for (v, key) in [
        (&l.file.store.path, "store.path"),
        (&l.file.store.key_file, "store.key_file"),
    ] {
        if let Some(v) = v
            && v.get_ref().as_os_str().is_empty()
        {
            return bad(v.span(), &format!("{key} is empty"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Loaded, ConfigError> {
        let dir = tempfile::tempdir().map_err(|e| ConfigError {
            path: PathBuf::new(),
            line: None,
            message: e.to_string(),
        })?;
        let p = dir.path().join("station.toml");
        std::fs::write(&p, text).map_err(|e| ConfigError {
            path: p.clone(),
            line: None,
            message: e.to_string(),
        })?;
        load(&p)
    }

    #[test]
    fn unknown_key_names_its_line() {
        let e =
            parse("[store]\npath = \"/x.db\"\n\n[serve]\nlisten = \"127.0.0.1:1\"\nlisen = 3\n")
                .err();
        let e = e.map(|e| (e.line, e.message));
        assert_eq!(e.as_ref().map(|e| e.0), Some(Some(6)), "{e:?}");
        assert!(e.is_some_and(|e| e.1.contains("lisen")));
    }

    #[test]
    fn zero_rate_and_wrong_type_name_their_lines() {
        let e = parse("[serve]\n\nkey_rate = 0\n").err();
        assert_eq!(e.map(|e| e.line), Some(Some(3)));
        let e = parse("[serve]\nreaders = \"two\"\n").err();
        assert_eq!(e.map(|e| e.line), Some(Some(2)));
        let e = parse("[kiosk]\nlocation = \"\"\n").err();
        assert_eq!(e.map(|e| e.line), Some(Some(2)));
    }

    #[test]
    fn relative_paths_from_the_file() {
        let l = parse("[store]\npath = \"s.db\"\n");
        let l = l.as_ref().ok();
        let got = l.and_then(|l| l.file.store.path.as_ref().map(|p| l.resolve(p.get_ref())));
        let want = l.and_then(|l| l.path.parent().map(|d| d.join("s.db")));
        assert!(got.is_some());
        assert_eq!(got, want);
    }

    #[test]
    fn a_shared_store_url_is_kept_as_written() {
        let url = "postgresql:///ts?host=/run/postgresql";
        let l = parse(&format!("[store]\npath = \"{url}\"\n"));
        let l = l.as_ref().ok();
        let got = l.and_then(|l| l.file.store.path.as_ref().map(|p| l.resolve(p.get_ref())));
        assert_eq!(got, Some(PathBuf::from(url)));
    }
}
