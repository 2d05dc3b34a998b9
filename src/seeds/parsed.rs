//! [`Parsed`]: what a parser yields for a whole file (PSKC, CSV or URI list).

use super::record::{ImportError, SeedRecord};

/// What a parser yields for a whole file: one result per key package or row, in
/// source order, and notes about the file itself (columns that were not read, …).
/// Derefs to the results.
#[derive(Debug, Default)]
pub struct Parsed {
    /// One result per key package or row.
    pub records: Vec<Result<SeedRecord, ImportError>>,
    /// File-level remarks for the import report; never secret.
    pub notes: Vec<String>,
}

impl std::ops::Deref for Parsed {
    type Target = [Result<SeedRecord, ImportError>];
    fn deref(&self) -> &Self::Target {
        &self.records
    }
}

impl IntoIterator for Parsed {
    type Item = Result<SeedRecord, ImportError>;
    type IntoIter = std::vec::IntoIter<Self::Item>;
    fn into_iter(self) -> Self::IntoIter {
        self.records.into_iter()
    }
}

impl FromIterator<Result<SeedRecord, ImportError>> for Parsed {
    fn from_iter<I: IntoIterator<Item = Result<SeedRecord, ImportError>>>(iter: I) -> Self {
        Parsed {
            records: iter.into_iter().collect(),
            notes: Vec::new(),
        }
    }
}
