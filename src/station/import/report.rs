//! The report of an import: one row per record with its outcome and, for anything
//! not imported, why (typed, with a hint where a person can act).

use serde::Serialize;

use crate::station::hint::Hint;

/// What happened to one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Became a token (or would, in a dry run).
    Imported,
    /// Not an OTP key; left out.
    Skipped,
    /// Serial already present; left out.
    Duplicate,
    /// Could not be imported; the import writes nothing.
    Error,
}

/// Why a record was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    /// The parser refused it (its message names the key package or line).
    Parse(String),
    /// Nothing to name the token by.
    NoSerial,
    /// Its parameters differ from the product everything goes under.
    ParamsDiffer {
        /// The record's parameters.
        record: String,
        /// The product.
        product: String,
        /// The product's parameters.
        wanted: String,
    },
    /// A product of its name exists with other parameters.
    ProductClash(String),
    /// The product name made from the record's maker and model breaks the name rule.
    ProductName(crate::model::NameError),
    /// The serial is already in the product, or twice in the file.
    Duplicate {
        /// The serial.
        serial: String,
        /// The product.
        product: String,
        /// Twice in the file (rather than already in the store).
        in_file: bool,
    },
}

impl RowProblem {
    /// What a person can do about it.
    pub fn hint(&self) -> Option<Hint> {
        match self {
            RowProblem::ProductClash(_) | RowProblem::ProductName(_) => Some(Hint::NameProduct),
            _ => None,
        }
    }
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowProblem::Parse(m) => f.write_str(m),
            RowProblem::NoSerial => {
                f.write_str("no serial, key id or account name to name the token by")
            }
            RowProblem::ParamsDiffer {
                record,
                product,
                wanted,
            } => write!(
                f,
                "the record is {record} but product '{product}' is {wanted}"
            ),
            RowProblem::ProductClash(name) => {
                write!(f, "product '{name}' exists with other parameters")
            }
            RowProblem::ProductName(e) => write!(f, "{e} (made from its maker and model)"),
            RowProblem::Duplicate {
                serial,
                product,
                in_file,
            } => write!(
                f,
                "serial {serial} {} in product '{product}'",
                if *in_file {
                    "appears twice in the file"
                } else {
                    "already exists"
                }
            ),
        }
    }
}

impl Serialize for RowProblem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One line of the per-token report.
#[derive(Debug, Clone, Serialize)]
pub struct ImportRow {
    /// Line of the key package or row in the source.
    pub line: Option<usize>,
    /// PSKC key id or row id.
    pub key_id: Option<String>,
    /// Serial the token gets.
    pub serial: Option<String>,
    /// Product it goes under.
    pub product: Option<String>,
    /// Outcome.
    pub outcome: Outcome,
    /// Why, for anything but `imported`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<RowProblem>,
    /// Warnings the parser raised (MAC mismatch under `warn`, guessed hash, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The report of an import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// The file.
    pub source: String,
    /// Whether the store was changed.
    pub written: bool,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Records imported (or importable, in a dry run).
    pub imported: usize,
    /// Records left out as duplicates.
    pub duplicates: usize,
    /// Records left out as not OTP keys.
    pub skipped: usize,
    /// Records in error.
    pub errors: usize,
    /// Products the import created (or would create).
    pub new_products: Vec<String>,
    /// Remarks about the file as a whole (columns that were not read, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// One row per record, in source order.
    pub rows: Vec<ImportRow>,
}

impl ImportReport {
    /// Sets the counts from the rows' outcomes.
    pub(crate) fn recount(&mut self) {
        let count = |o: Outcome| self.rows.iter().filter(|r| r.outcome == o).count();
        (self.imported, self.duplicates, self.skipped, self.errors) = (
            count(Outcome::Imported),
            count(Outcome::Duplicate),
            count(Outcome::Skipped),
            count(Outcome::Error),
        );
    }
}
