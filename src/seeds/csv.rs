//! CSV seed files (RFC 4180 quoting, through the `csv` crate):
//!
//! - [`CsvFormat::Token2`]: the seed file Token2 sends for its classic tokens, which is
//!   the Microsoft Entra ID (Azure MFA) OATH token upload format with a header row
//!   `upn,serial number,secret key,timeinterval,manufacturer,model` (Token2's guide
//!   "Classic hardware tokens for Office 365 / Azure"; Entra writes `time interval`).
//!   Token2's file leaves `upn` out or empty; the other columns are matched by name, so
//!   their order does not matter. A file without a header row is read positionally as
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
//! Every row yields its own result; errors name the line.

use std::str::FromStr;

use ::csv::{ReaderBuilder, StringRecord, Trim};

use super::pskc::Parsed;
use super::record::{ImportError, Place, SeedRecord};
use crate::otp::{Algorithm, Digits, Kind, OtpParams, Secret, params::check_period};

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

/// A field of a [`SeedRecord`] that a generic CSV column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// Device serial number.
    Serial,
    /// Key id.
    KeyId,
    /// Seed, base32 or `hex:`-prefixed hex.
    Secret,
    /// Seed in hex.
    SecretHex,
    /// Seed in base32.
    SecretBase32,
    /// `totp` or `hotp`.
    Kind,
    /// `sha1`, `sha256` or `sha512`.
    Algorithm,
    /// Code length.
    Digits,
    /// TOTP period in seconds.
    Period,
    /// HOTP counter.
    Counter,
    /// Issuer.
    Issuer,
    /// Account name.
    Account,
    /// Manufacturer.
    Manufacturer,
    /// Model.
    Model,
    /// A column to skip.
    Ignore,
}

impl FromStr for Field {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(
            match s
                .trim()
                .to_ascii_lowercase()
                .replace([' ', '-'], "_")
                .as_str()
            {
                "serial" => Field::Serial,
                "key_id" | "id" => Field::KeyId,
                "secret" => Field::Secret,
                "secret_hex" => Field::SecretHex,
                "secret_base32" => Field::SecretBase32,
                "type" | "kind" => Field::Kind,
                "algorithm" => Field::Algorithm,
                "digits" => Field::Digits,
                "period" => Field::Period,
                "counter" => Field::Counter,
                "issuer" => Field::Issuer,
                "account" => Field::Account,
                "manufacturer" => Field::Manufacturer,
                "model" => Field::Model,
                "ignore" | "" => Field::Ignore,
                other => {
                    return Err(format!(
                        "unknown field '{other}' (serial, key_id, secret, secret_hex, secret_base32, type, algorithm, digits, period, counter, issuer, account, manufacturer, model, ignore)"
                    ));
                }
            },
        )
    }
}

/// Maps column names (compared without case and surrounding spaces) to fields. A
/// column that is not mapped but is named like a field (`serial`, `secret_hex`, …) maps
/// to that field; any other column is ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeaderMap {
    columns: Vec<(String, Field)>,
}

impl HeaderMap {
    /// An empty map: columns named like fields map to them.
    pub fn new() -> Self {
        HeaderMap::default()
    }

    /// Adds `column → field`.
    pub fn map(mut self, column: &str, field: Field) -> Self {
        self.columns.push((column.trim().to_lowercase(), field));
        self
    }

    /// Parses `Column=field,Other column=field` (as a `--columns` option would give).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut map = HeaderMap::new();
        for pair in spec.split(',').filter(|p| !p.trim().is_empty()) {
            let (col, field) = pair
                .split_once('=')
                .ok_or_else(|| format!("'{pair}' is not COLUMN=FIELD"))?;
            map = map.map(col, field.parse()?);
        }
        Ok(map)
    }

    fn field_of(&self, header: &str) -> Field {
        let h = header.trim().to_lowercase();
        self.columns
            .iter()
            .find(|(c, _)| *c == h)
            .map(|(_, f)| *f)
            .or_else(|| h.parse().ok())
            .unwrap_or(Field::Ignore)
    }
}

/// The Token2 / Entra ID column names.
fn token2_map() -> HeaderMap {
    HeaderMap::new()
        .map("upn", Field::Account)
        .map("serial number", Field::Serial)
        .map("serialnumber", Field::Serial)
        .map("secret key", Field::Secret)
        .map("secretkey", Field::Secret)
        .map("time interval", Field::Period)
        .map("timeinterval", Field::Period)
        .map("hash", Field::Algorithm)
}

/// The values of one row, by field, before validation.
#[derive(Default)]
struct Row {
    values: Vec<(Field, String)>,
}

impl Row {
    fn get(&self, f: Field) -> Option<&str> {
        self.values
            .iter()
            .find(|(g, v)| *g == f && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a CSV seed file. A file-level problem (no header row where one is needed) is
/// the outer `Err`; every data row yields a result naming its line.
pub fn parse_csv(text: &str, format: &CsvFormat) -> Result<Parsed, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let version2 = matches!(format, CsvFormat::Oath) && oath_version(text) == Some(2);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(Trim::All)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut header: Option<Vec<Field>> = None;
    let mut record = StringRecord::new();
    let map = match format {
        CsvFormat::Generic(m) => m.clone(),
        _ => token2_map(),
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
                out.push(Err(ImportError::Csv {
                    place: Place::Line { line, serial: None },
                    reason: e.to_string(),
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
                        header = Some(vec![
                            Field::Serial,
                            Field::Secret,
                            Field::Period,
                            Field::Manufacturer,
                            Field::Model,
                        ]);
                    } else {
                        header = Some(header_fields(&map, &record, line)?);
                        continue;
                    }
                }
                match &header {
                    Some(fields) => mapped(fields, &record),
                    None => continue,
                }
            }
        };
        out.push(finish(row, line, format));
    }
    Ok(out)
}

/// `# version: N` on the first line (privacyIDEA OATH CSV).
fn oath_version(text: &str) -> Option<u32> {
    let first = text.lines().next()?.trim_start().strip_prefix('#')?;
    let rest = first.trim_start().strip_prefix("version:")?;
    rest.trim().parse().ok()
}

/// Fields of a header row; it must name a secret column.
fn header_fields(
    map: &HeaderMap,
    record: &StringRecord,
    line: usize,
) -> Result<Vec<Field>, ImportError> {
    let fields: Vec<Field> = record.iter().map(|h| map.field_of(h)).collect();
    if fields
        .iter()
        .any(|f| matches!(f, Field::Secret | Field::SecretHex | Field::SecretBase32))
    {
        Ok(fields)
    } else {
        Err(ImportError::Csv {
            place: Place::Line { line, serial: None },
            reason: "the header row has no secret column (map one to secret, secret_hex or secret_base32)".into(),
        })
    }
}

fn looks_like_header(record: &StringRecord) -> bool {
    record.iter().any(|f| {
        f.to_ascii_lowercase().contains("serial") || f.to_ascii_lowercase().contains("secret")
    })
}

fn mapped(fields: &[Field], record: &StringRecord) -> Row {
    Row {
        values: fields
            .iter()
            .zip(record.iter())
            .filter(|(f, _)| **f != Field::Ignore)
            .map(|(f, v)| (*f, v.to_string()))
            .collect(),
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
    }
}

/// Validates a row into a record.
fn finish(row: Row, line: usize, format: &CsvFormat) -> Result<SeedRecord, ImportError> {
    let place = Place::Line {
        line,
        serial: row.get(Field::Serial).map(str::to_string),
    };
    let otp = |e| ImportError::from_otp(&place, e);
    let mut warnings = Vec::new();
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
                    what: format!("token type '{other}' (TOTP and HOTP are supported)"),
                });
            }
        },
        (CsvFormat::Oath, None) => Kind::Hotp,
        _ => Kind::Totp,
    };
    let algorithm = match row.get(Field::Algorithm) {
        Some(a) => a.parse::<Algorithm>().map_err(otp)?,
        None if matches!(format, CsvFormat::Oath) => match secret.len() {
            32 => Algorithm::Sha256,
            64 => Algorithm::Sha512,
            _ => Algorithm::Sha1,
        },
        None => Algorithm::Sha1,
    };
    let number = |f: Field, name: &str| -> Result<Option<u64>, ImportError> {
        row.get(f)
            .map(|v| {
                v.parse::<u64>().map_err(|_| {
                    ImportError::invalid(&place, name, format!("'{v}' is not a whole number"))
                })
            })
            .transpose()
    };
    let digits = match number(Field::Digits, "digits")? {
        None => Digits::SIX,
        Some(n) => Digits::new(u8::try_from(n).unwrap_or(u8::MAX)).map_err(otp)?,
    };
    let period = match number(Field::Period, "period")? {
        None => 30,
        Some(n) => check_period(u32::try_from(n).unwrap_or(u32::MAX)).map_err(otp)?,
    };
    let counter = number(Field::Counter, "counter")?.unwrap_or(0);
    let text = |f: Field| row.get(f).map(str::to_string);
    Ok(SeedRecord {
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
    })
}

/// True for text that only hex explains: hex digits including one of `0 1 8 9`.
fn is_hex_not_base32(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_hexdigit())
        && s.chars().any(|c| matches!(c, '0' | '1' | '8' | '9'))
}
