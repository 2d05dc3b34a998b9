//! Presence-token codes imported from a CSV of visits (header row: `holder`,
//! `location`, `code`, `time`, optional `direction`; a few spellings of each are
//! read). Every row is checked before anything is recorded, then all rows are checked
//! and recorded in one transaction. Each row's idempotency key is made of its values,
//! so importing the same file again records nothing twice.

use serde::Serialize;

use super::Direction;
use super::tokens::{Submission, SubmitOutcome};
use crate::station::time::parse_time;
use crate::station::{Result, Station, StationError};

/// A presence import: every row recorded, or (when any is refused) none.
#[derive(Debug, Clone, Serialize)]
pub struct VisitImport {
    /// The rows were recorded (false: a row was refused and nothing was).
    pub written: bool,
    /// Each row and its verdict.
    pub rows: Vec<VisitResult>,
}

/// One imported row and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct VisitResult {
    /// 1-based line in the file.
    pub line: usize,
    /// Holder's external id.
    pub holder: Option<String>,
    /// Location name.
    pub location: String,
    /// The stated time, Unix seconds.
    pub at: i64,
    /// The verdict.
    pub result: SubmitOutcome,
    /// The direction given.
    #[serde(skip)]
    pub direction: Option<Direction>,
    /// The location's time zone.
    #[serde(skip)]
    pub tz: String,
}

/// The idempotency key of an imported row: its values.
pub fn row_key(holder: &str, location: &str, code: &str, at: i64, direction: &str) -> String {
    format!("import|{holder}|{location}|{code}|{at}|{direction}")
}

impl Station {
    /// Checks and records the visits of the CSV file `path`: one transaction, all rows
    /// or (when one is refused) none, with a verdict per row.
    pub fn presence_import_csv(&mut self, path: &std::path::Path) -> Result<VisitImport> {
        let name = path.display().to_string();
        let text = std::fs::read(path).map_err(|source| StationError::ReadFile {
            path: path.to_path_buf(),
            source,
        })?;
        let bad_file = |why: String| StationError::BadFile {
            file: name.clone(),
            why,
        };
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(text.as_slice());
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| bad_file(format!("no header row ({e})")))?
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
        let (Some(ch), Some(cl), Some(cc), Some(ct)) = (
            col(&["holder"]),
            col(&["location"]),
            col(&["code"]),
            col(&["time", "seen", "time_seen", "at"]),
        ) else {
            return Err(bad_file(
                "the header must name holder, location, code and time (and optionally direction)"
                    .into(),
            ));
        };
        let cd = col(&["direction", "in_out", "inout"]);
        let mut rows = Vec::new();
        let mut meta = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let line = i + 2;
            let at_line = |source: StationError| StationError::AtLine {
                file: name.clone(),
                line,
                source: Box::new(source),
            };
            let rec = rec.map_err(|e| bad_file(format!("line {line}: {e}")))?;
            let get = |c: usize| rec.get(c).unwrap_or("").to_string();
            let holder = get(ch);
            let location = get(cl);
            self.read()
                .holder_get(&holder)
                .map_err(|e| at_line(e.into()))?;
            let tz = self
                .read()
                .location_get(&location)
                .map_err(|e| at_line(e.into()))?
                .tz;
            let at = parse_time(&get(ct)).map_err(|e| at_line(e.into()))?;
            let dir_text = cd.map(get).unwrap_or_default();
            let direction = if dir_text.is_empty() {
                None
            } else {
                Some(dir_text.parse::<Direction>().map_err(at_line)?)
            };
            let code = get(cc);
            rows.push(Submission {
                idem: Some(row_key(&holder, &location, &code, at, &dir_text)),
                location,
                code,
                at,
                holder: Some(holder),
                direction,
            });
            meta.push((line, tz));
        }
        let (outcomes, written) = self.presence_import_all(&rows)?;
        let rows = rows
            .into_iter()
            .zip(outcomes)
            .zip(meta)
            .map(|((s, result), (line, tz))| VisitResult {
                line,
                holder: s.holder,
                location: s.location,
                at: s.at,
                result,
                direction: s.direction,
                tz,
            })
            .collect();
        Ok(VisitImport { written, rows })
    }
}
