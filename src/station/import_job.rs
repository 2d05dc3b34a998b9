//! Seed imports as jobs: read the file, parse it with the `seeds` parsers (asking for
//! the password of a protected PSKC file nobody gave), then import the records in one
//! transaction ([`Station::import_seeds`]) with progress events, stopping on
//! cancellation with nothing written. The rules about the file's secrets live here: a
//! pre-shared key is hex, and a key file holds either hex text (32 characters or more)
//! or the raw key bytes.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::error::Field;
use super::import::{Hooks, ImportOptions, ImportReport};
use super::input_file;
use super::jobs::{Ask, Job, JobCtx};
use super::{Result, Station, StationError};
use crate::seeds::{self, CsvFormat, ImportError, KeySource, MacCheck, Parsed, PskcKeys};

/// The secrets that may open a PSKC file.
#[derive(Default)]
pub struct PskcSecrets {
    /// Pre-shared AES key, hex.
    pub key_hex: Option<Zeroizing<String>>,
    /// A file holding the pre-shared key (hex text or raw bytes).
    pub key_file: Option<PathBuf>,
    /// Password of a PBKDF2-protected file (asked for when needed and absent).
    pub password: Option<Zeroizing<String>>,
}

/// A seed file and how to read it.
pub enum SeedFile {
    /// RFC 6030 PSKC.
    Pskc {
        /// The file.
        path: PathBuf,
        /// Its secrets.
        secrets: PskcSecrets,
        /// What a `ValueMAC` mismatch does.
        mac: MacCheck,
    },
    /// CSV in one of the known layouts.
    Csv {
        /// The file.
        path: PathBuf,
        /// The layout.
        format: CsvFormat,
    },
    /// One otpauth:// URI per line.
    Uri {
        /// The file.
        path: PathBuf,
    },
}

impl SeedFile {
    /// The file.
    pub fn path(&self) -> &Path {
        match self {
            SeedFile::Pskc { path, .. } | SeedFile::Csv { path, .. } | SeedFile::Uri { path } => {
                path
            }
        }
    }
}

/// What an import reports along the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportEvent {
    /// The file is parsed; sealing and writing begin.
    Parsed {
        /// Records found.
        records: usize,
    },
    /// Tokens sealed and written (`done` of `total` units of work).
    Progress {
        /// Done.
        done: u64,
        /// Total.
        total: u64,
    },
}

fn read_text(path: &Path) -> Result<Zeroizing<String>> {
    Ok(input_file::read_text(path, seeds::MAX_INPUT_BYTES)?)
}

fn hex_key(text: &str) -> Result<Zeroizing<Vec<u8>>> {
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(clean.as_bytes())
        .map(Zeroizing::new)
        .map_err(|_| StationError::NotHex(Field::PskcKey))
}

/// The most a PSKC transport key file may hold (a key is at most 64 hex characters).
const KEY_FILE_MAX_BYTES: u64 = 4096;

/// The pre-shared key: given in hex, or read from a key file holding hex text (32
/// characters or more) or the raw key bytes.
pub fn pskc_key(secrets: &PskcSecrets) -> Result<Option<Zeroizing<Vec<u8>>>> {
    if let Some(k) = &secrets.key_hex {
        return hex_key(k).map(Some);
    }
    let Some(f) = &secrets.key_file else {
        return Ok(None);
    };
    let raw = input_file::read_bytes(f, KEY_FILE_MAX_BYTES)?;
    Ok(Some(match std::str::from_utf8(&raw) {
        Ok(t) if t.trim().len() >= 32 => hex_key(t)?,
        _ => Zeroizing::new(raw.to_vec()),
    }))
}

/// Reads and parses `file`, asking `ctx` for a PSKC password the file needs.
fn parse(file: &SeedFile, ctx: &JobCtx<ImportEvent>) -> Result<Parsed> {
    let name = file.path().display().to_string();
    let bad = |source: ImportError| StationError::Import {
        file: name.clone(),
        source: Box::new(source),
    };
    match file {
        SeedFile::Pskc { path, secrets, mac } => {
            let xml = read_text(path)?;
            let mut keys = PskcKeys {
                psk: pskc_key(secrets)?,
                password: secrets.password.clone(),
            };
            match seeds::parse_pskc(&xml, &keys, *mac) {
                Err(ImportError::KeyNeeded {
                    key: KeySource::Password,
                    hint,
                }) => {
                    let asked = ctx.ask(Ask::FilePassword { file: name.clone() })?.text();
                    let Some(pw) = asked else {
                        return Err(bad(ImportError::KeyNeeded {
                            key: KeySource::Password,
                            hint,
                        }));
                    };
                    keys.password = Some(pw);
                    seeds::parse_pskc(&xml, &keys, *mac).map_err(bad)
                }
                other => other.map_err(bad),
            }
        }
        SeedFile::Csv { path, format } => seeds::parse_csv(&read_text(path)?, format).map_err(bad),
        SeedFile::Uri { path } => seeds::parse_uri_list(&read_text(path)?).map_err(bad),
    }
}

/// Starts an import of `file` on a worker thread; the job hands the station back with
/// the report. Cancelling it writes nothing.
pub fn import(
    mut st: Station,
    file: SeedFile,
    options: ImportOptions,
) -> Result<Job<ImportEvent, (Station, Result<ImportReport>)>> {
    Job::spawn("import", move |ctx: &JobCtx<ImportEvent>| {
        let out = (|| {
            let parsed = parse(&file, ctx)?;
            ctx.check()?;
            ctx.emit(ImportEvent::Parsed {
                records: parsed.len(),
            });
            let now = chrono::Utc::now().timestamp();
            let cancel = ctx.cancel_token().clone();
            st.import_seeds(
                &file.path().display().to_string(),
                parsed,
                &options,
                now,
                Hooks {
                    progress: &mut |done, total| ctx.emit(ImportEvent::Progress { done, total }),
                    cancelled: &|| cancel.is_cancelled(),
                },
            )
        })();
        (st, out)
    })
    .map_err(|e| StationError::Internal(format!("starting the import: {e}")))
}
