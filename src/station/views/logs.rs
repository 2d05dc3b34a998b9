//! The attempt log and the audit log, newest first.

use crate::station::{Result, Station};

pub use crate::model::AuditEntry;
pub use crate::model::filters::AuditFilter;
pub use crate::model::filters::{Attempt, AttemptFilter};

impl Station {
    /// Verification attempts `f` selects, newest first (codes are never stored).
    pub fn attempts(&self, f: &AttemptFilter) -> Result<Vec<Attempt>> {
        Ok(self.read().attempt_list(f)?)
    }

    /// Audit lines `f` selects, newest first.
    pub fn audit(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        Ok(self.read().audit_list(f)?)
    }

    /// How many audit lines match `f` in all (to say "50 of N shown").
    pub fn audit_count(&self, f: &AuditFilter) -> Result<u64> {
        Ok(self.read().audit_count(f)?)
    }
}
