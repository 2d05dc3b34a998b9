//! CSV seed files (RFC 4180 quoting, through the `csv` crate):
//!
//! - [`CsvFormat::Token2`]: the seed file Token2 sends for its classic tokens, which is
//!   the Microsoft Entra ID (Azure MFA) OATH token upload format with a header row
//!   `upn,serial number,secret key,timeinterval,manufacturer,model` (Token2's guide
//!   "Classic hardware tokens for Office 365 / Azure"; Entra writes `time interval`).
//!   Token2's file leaves `upn` out or empty; the other columns are matched by name in
//!   every known spelling (module `columns`), so their order does not matter; a column
//!   nothing reads becomes a note of the import report. A file without a header row is read positionally as
//!   `serial number,secret key,time interval,manufacturer,model`. Entra wants the
//!   secret in base32, Token2's example shows hex: a secret made only of base32 letters
//!   is read as base32, one with `0`, `1`, `8` or `9` as hex (a warning says so), and
//!   `hex:` forces hex. All keys are TOTP, 6 digits; the hash is SHA-1 unless an
//!   `algorithm` (or `hash`) column says otherwise, and digits may come in a `digits`
//!   column. These are assumptions from the vendor's published example, not from a
//!   specification.
//! - [`CsvFormat::Oath`]: the OATH CSV of privacyIDEA and LinOTP:
//!   `serial, seed (hex), [TOTP|HOTP], [otplen], [timestep|counter]`, HOTP by default,
//!   the hash guessed from the seed length (32 bytes SHA-256, 64 bytes SHA-512, else
//!   SHA-1) unless LinOTP's sixth column names it; a first line `# version: 2` puts
//!   `user, resolver, realm` in front, which are skipped; `#` lines are comments.
//! - [`CsvFormat::Generic`]: a header row and a [`HeaderMap`] from column names to
//!   fields.
//!
//! Every row yields its own result; errors name the line. Every record ends in
//! [`SeedRecord::checked`] (bounds, names, short seeds); a row with more fields than
//! the header names gets a warning.

mod columns;

use ::csv::{ReaderBuilder, StringRecord, Trim};

pub use columns::{Field, HeaderMap};

use super::parsed::Parsed;
use super::record::{ImportError, Place, SeedRecord, quoted, shown_name};
use crate::model::NameKind;
use crate::otp::bounds::{check_counter, check_period};
use crate::otp::{Algorithm, Digits, Kind, OtpParams, Secret};

/// Which CSV layout a file has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvFormat {
    /// Token2's seed file (Entra ID upload format), see the module documentation.
    Token2,
    /// OATH CSV of privacyIDEA / LinOTP, see the module documentation.
    Oath,
    /// A header row, mapped to fields by the given map.
    Generic(HeaderMap),
}

/// The values of one row, by field, before validation.
#[derive(Default)]
struct Row {
    values: Vec<(Field, String)>,
    /// Non-empty fields beyond the header's columns (not read).
    extra: usize,
    /// How many columns the header names.
    columns: usize,
}

impl Row {
    fn get(&self, f: Field) -> Option<&str> {
        self.values
            .iter()
            .find(|(g, v)| *g == f && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a CSV seed file. A file-level problem (no header row where one is needed, two
/// columns for one field) is the outer `Err`; every data row yields a result naming its
/// line, and columns nothing reads are listed in [`Parsed::notes`].
pub fn parse_csv(text: &str, format: &CsvFormat) -> Result<Parsed, ImportError> {
    super::check_size(text)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let version2 = matches!(format, CsvFormat::Oath) && oath_version(text) == Some(2);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(Trim::All)
        .from_reader(text.as_bytes());
    let mut out = Parsed::default();
    let mut header: Option<Vec<Option<Field>>> = None;
    let mut record = StringRecord::new();
    let (map, kind) = match format {
        CsvFormat::Generic(m) => (m.clone(), "mapped"),
        _ => (columns::token2_map(), "Token2"),
    };
    loop {
        let line = usize::try_from(reader.position().line()).unwrap_or(0);
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e
                    .position()
                    .and_then(|p| usize::try_from(p.line()).ok())
                    .unwrap_or(line);
                out.records.push(Err(ImportError::Csv {
                    place: Place::Line { line, serial: None },
                    reason: quoted(&e.to_string()),
                }));
                continue;
            }
        }
        let line = record
            .position()
            .and_then(|p| usize::try_from(p.line()).ok())
            .unwrap_or(line);
        // Blank lines and `#` comments (handled here: the csv crate's own comment
        // support loses count of lines).
        if record.iter().all(str::is_empty) || record.get(0).is_some_and(|f| f.starts_with('#')) {
            continue;
        }
        let row = match format {
            CsvFormat::Oath => oath_row(&record, version2),
            CsvFormat::Token2 | CsvFormat::Generic(_) => {
                if header.is_none() {
                    if matches!(format, CsvFormat::Token2) && !looks_like_header(&record) {
                        header = Some(
                            [
                                Field::Serial,
                                Field::Secret,
                                Field::Period,
                                Field::Manufacturer,
                                Field::Model,
                            ]
                            .map(Some)
                            .to_vec(),
                        );
                    } else {
                        let (fields, notes) = columns::header_fields(&map, kind, &record, line)?;
                        header = Some(fields);
                        out.notes.extend(notes);
                        continue;
                    }
                }
                match &header {
                    Some(fields) => mapped(fields, &record),
                    None => continue,
                }
            }
        };
        out.records.push(finish(row, line, format));
    }
    Ok(out)
}

/// `# version: N` on the first line (privacyIDEA OATH CSV).
fn oath_version(text: &str) -> Option<u32> {
    let first = text.lines().next()?.trim_start().strip_prefix('#')?;
    let rest = first.trim_start().strip_prefix("version:")?;
    rest.trim().parse().ok()
}

fn looks_like_header(record: &StringRecord) -> bool {
    record.iter().any(|f| {
        f.to_ascii_lowercase().contains("serial") || f.to_ascii_lowercase().contains("secret")
    })
}

fn mapped(fields: &[Option<Field>], record: &StringRecord) -> Row {
    Row {
        values: fields
            .iter()
            .zip(record.iter())
            .filter_map(|(f, v)| {
                f.filter(|f| *f != Field::Ignore)
                    .map(|f| (f, v.to_string()))
            })
            .collect(),
        extra: record
            .iter()
            .skip(fields.len())
            .filter(|v| !v.is_empty())
            .count(),
        columns: fields.len(),
    }
}

/// OATH CSV: `[user, resolver, realm,] serial, seed, [type], [otplen], [step|counter], [hash]`.
fn oath_row(record: &StringRecord, version2: bool) -> Row {
    let cols: Vec<&str> = record.iter().skip(if version2 { 3 } else { 0 }).collect();
    let at = |i: usize| cols.get(i).copied().unwrap_or("").to_string();
    let kind = match at(2) {
        k if k.is_empty() => "hotp".to_string(),
        k => k,
    };
    let fifth = if kind.eq_ignore_ascii_case("totp") {
        Field::Period
    } else {
        Field::Counter
    };
    Row {
        values: vec![
            (Field::Serial, at(0)),
            (Field::SecretHex, at(1)),
            (Field::Kind, kind),
            (Field::Digits, at(3)),
            (fifth, at(4)),
            (Field::Algorithm, at(5)),
        ],
        ..Row::default()
    }
}

/// Validates a row into a record.
fn finish(row: Row, line: usize, format: &CsvFormat) -> Result<SeedRecord, ImportError> {
    let place = Place::Line {
        line,
        serial: row
            .get(Field::Serial)
            .and_then(|s| shown_name(NameKind::Serial, s)),
    };
    let otp = |e| ImportError::from_otp(&place, e);
    let mut warnings = Vec::new();
    if row.extra > 0 {
        warnings.push(format!(
            "{place}: {} more fields than the {} header columns; they were not imported",
            row.extra, row.columns
        ));
    }
    let secret = if let Some(hex) = row.get(Field::SecretHex) {
        Secret::from_hex(hex).map_err(otp)?
    } else if let Some(b32) = row.get(Field::SecretBase32) {
        Secret::from_base32(b32).map_err(otp)?
    } else if let Some(s) = row.get(Field::Secret) {
        if matches!(format, CsvFormat::Token2) && !s.starts_with("hex:") && is_hex_not_base32(s) {
            warnings.push(format!(
                "{place}: secret key read as hex (it is not base32)"
            ));
            Secret::from_hex(s).map_err(otp)?
        } else {
            Secret::parse(s).map_err(otp)?
        }
    } else {
        return Err(ImportError::MissingSecret {
            place,
            why: String::new(),
        });
    };
    if secret.is_empty() {
        return Err(ImportError::MissingSecret {
            place,
            why: " (the secret is empty)".into(),
        });
    }

    let kind = match (format, row.get(Field::Kind)) {
        (_, Some(k)) => match k.to_ascii_lowercase().as_str() {
            "hotp" => Kind::Hotp,
            "totp" => Kind::Totp,
            other => {
                return Err(ImportError::UnknownAlgorithm {
                    place,
                    what: format!(
                        "token type '{}' (TOTP and HOTP are supported)",
                        quoted(other)
                    ),
                });
            }
        },
        (CsvFormat::Oath, None) => Kind::Hotp,
        _ => Kind::Totp,
    };
    let algorithm = match row.get(Field::Algorithm) {
        Some(a) => hash_name(a).parse::<Algorithm>().map_err(otp)?,
        None if matches!(format, CsvFormat::Oath) => match secret.len() {
            32 => Algorithm::Sha256,
            64 => Algorithm::Sha512,
            _ => Algorithm::Sha1,
        },
        None => Algorithm::Sha1,
    };
    let number = |f: Field, name: &str| -> Result<Option<i128>, ImportError> {
        row.get(f)
            .map(|v| {
                v.parse::<i128>().map_err(|_| {
                    ImportError::invalid(
                        &place,
                        name,
                        format!("'{}' is not a whole number", quoted(v)),
                    )
                })
            })
            .transpose()
    };
    let digits = match number(Field::Digits, "digits")? {
        None => Digits::SIX,
        Some(n) => match u8::try_from(n) {
            Ok(n) => Digits::new(n).map_err(otp)?,
            Err(_) => {
                return Err(ImportError::invalid(
                    &place,
                    "digits",
                    format!("{n} is not between 6 and 10"),
                ));
            }
        },
    };
    let period = check_period(number(Field::Period, "period")?.unwrap_or(30)).map_err(otp)?;
    let counter = check_counter(number(Field::Counter, "counter")?.unwrap_or(0)).map_err(otp)?;
    let text = |f: Field| row.get(f).map(str::to_string);
    SeedRecord {
        key_id: text(Field::KeyId),
        serial: text(Field::Serial),
        manufacturer: text(Field::Manufacturer),
        model: text(Field::Model),
        issuer: text(Field::Issuer),
        account: text(Field::Account),
        params: OtpParams {
            kind,
            algorithm,
            digits,
            period,
            t0: 0,
        },
        secret,
        counter,
        drift_steps: 0,
        line: Some(line),
        warnings,
    }
    .checked(&place)
}

/// `hmacsha256`, `HMAC-SHA-256`, `SHA256` → `sha256` (Token2's `hashFunction` values).
fn hash_name(text: &str) -> String {
    let t: String = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    t.strip_prefix("hmac").map(str::to_string).unwrap_or(t)
}

/// True for text that only hex explains: hex digits including one of `0 1 8 9`.
fn is_hex_not_base32(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_hexdigit())
        && s.chars().any(|c| matches!(c, '0' | '1' | '8' | '9'))
}
