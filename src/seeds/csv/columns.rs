//! CSV columns: the [`Field`]s a column can fill, the [`HeaderMap`] from column names to
//! fields, every known spelling of the Token2 / Entra ID columns, and the reading of a
//! header row (unknown columns become notes for the import report, never silently
//! dropped; two columns for one field are refused).
//!
//! Known Token2 / Entra spellings, compared without case, spaces, `-` and `_`:
//! - Microsoft Entra ID upload format: `upn, serial number, secret key, time interval,
//!   manufacturer, model` (Microsoft Learn, "Upload hardware OATH tokens in CSV format");
//! - Token2's and Deepnet's guides for Entra: `timeinterval`;
//! - Token2's seed request JSON for the Graph API: `serialNumber`, `secretKey`,
//!   `timeIntervalInSeconds`, `hashFunction`;
//! - this project's README until 0.1: `interval`; privacyIDEA OATH CSV: `timestep`;
//!   Key URI parameter names: `period`, `digits`, `algorithm`, `issuer`; also `step`.

use std::str::FromStr;

use crate::seeds::record::{ImportError, Place, quoted};

/// A field of a [`SeedRecord`](crate::seeds::SeedRecord) that a CSV column can fill.
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
                        "unknown field '{}' (serial, key_id, secret, secret_hex, secret_base32, type, algorithm, digits, period, counter, issuer, account, manufacturer, model, ignore)",
                        quoted(other)
                    ));
                }
            },
        )
    }
}

/// A column name as compared: lower case, letters and digits only.
fn normal(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Maps column names (compared without case, spaces, `-` and `_`) to fields. A column
/// that is not mapped but is named like a field (`serial`, `secret_hex`, …) maps to
/// that field; any other column is reported as not read.
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
        self.columns.push((normal(column), field));
        self
    }

    /// Parses `Column=field,Other column=field` (as a `--columns` option would give).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut map = HeaderMap::new();
        for pair in spec.split(',').filter(|p| !p.trim().is_empty()) {
            let (col, field) = pair
                .split_once('=')
                .ok_or_else(|| format!("'{}' is not COLUMN=FIELD", quoted(pair)))?;
            map = map.map(col, field.parse()?);
        }
        Ok(map)
    }

    /// The field of a column, or `None` for a column nothing reads.
    fn field_of(&self, header: &str) -> Option<Field> {
        let h = normal(header);
        self.columns
            .iter()
            .find(|(c, _)| *c == h)
            .map(|(_, f)| *f)
            .or_else(|| header.parse().ok().filter(|_| !header.trim().is_empty()))
    }
}

/// Every known Token2 / Entra ID column spelling (see the module documentation).
pub(super) fn token2_map() -> HeaderMap {
    let spellings: &[(&[&str], Field)] = &[
        (&["upn", "user principal name", "account"], Field::Account),
        (&["serial number", "serial", "serial no"], Field::Serial),
        (&["secret key", "secret", "seed"], Field::Secret),
        (
            &[
                "time interval",
                "interval",
                "time interval in seconds",
                "period",
                "step",
                "time step",
            ],
            Field::Period,
        ),
        (&["manufacturer", "vendor"], Field::Manufacturer),
        (&["model"], Field::Model),
        (
            &["hash", "hash function", "hash algorithm", "algorithm"],
            Field::Algorithm,
        ),
        (&["digits"], Field::Digits),
        (&["issuer"], Field::Issuer),
    ];
    spellings
        .iter()
        .flat_map(|(names, f)| names.iter().map(move |n| (*n, *f)))
        .fold(HeaderMap::new(), |m, (n, f)| m.map(n, f))
}

/// The columns of a header row: the field each fills (`None`: not read), plus a note
/// per column nothing reads. It must name a secret column and name each field once.
pub(super) fn header_fields(
    map: &HeaderMap,
    format: &str,
    record: &csv::StringRecord,
    line: usize,
) -> Result<(Vec<Option<Field>>, Vec<String>), ImportError> {
    let place = || Place::Line { line, serial: None };
    let fields: Vec<Option<Field>> = record.iter().map(|h| map.field_of(h)).collect();
    for (i, f) in fields.iter().enumerate() {
        if let Some(f) = f.filter(|f| *f != Field::Ignore)
            && let Some(j) = fields[..i].iter().position(|g| *g == Some(f))
        {
            return Err(ImportError::Csv {
                place: place(),
                reason: format!(
                    "columns '{}' and '{}' both give the {} field; keep one",
                    quoted(record.get(j).unwrap_or("")),
                    quoted(record.get(i).unwrap_or("")),
                    format!("{f:?}").to_lowercase()
                ),
            });
        }
    }
    if !fields.iter().any(|f| {
        matches!(
            f,
            Some(Field::Secret | Field::SecretHex | Field::SecretBase32)
        )
    }) {
        return Err(ImportError::Csv {
            place: place(),
            reason: "the header row has no secret column (map one to secret, secret_hex or secret_base32)".into(),
        });
    }
    let notes = fields
        .iter()
        .zip(record.iter())
        .enumerate()
        .filter(|(_, (f, _))| f.is_none())
        .map(|(i, (_, h))| {
            format!(
                "line {line}: column {} '{}' is not a {format} column; its values were not imported",
                i + 1,
                quoted(h)
            )
        })
        .collect();
    Ok((fields, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_period_spelling_is_read() {
        let map = token2_map();
        for h in [
            "time interval",
            "timeinterval",
            "Time Interval",
            "interval",
            "Interval",
            "timeIntervalInSeconds",
            "time_interval",
            "period",
            "step",
            "Time-Step",
        ] {
            assert_eq!(map.field_of(h), Some(Field::Period), "{h}");
        }
        assert_eq!(map.field_of("hashFunction"), Some(Field::Algorithm));
        assert_eq!(map.field_of("serialNumber"), Some(Field::Serial));
        assert_eq!(map.field_of("SecretKey"), Some(Field::Secret));
        assert_eq!(map.field_of("UPN"), Some(Field::Account));
        assert_eq!(map.field_of("notes"), None);
        assert_eq!(map.field_of(""), None);
    }
}
