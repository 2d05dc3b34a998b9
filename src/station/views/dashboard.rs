//! The dashboard read model: what an operator sees first — who is in where, how many
//! tokens are in each life-cycle status, the tokens whose clock leaves the window
//! within [`AT_RISK_DAYS`], and the latest attempts and audit lines. One read model so
//! every face that shows a dashboard shows the same numbers.

use serde::Serialize;

use crate::model::filters::{Attempt, AttemptFilter, AuditFilter, TokenFilter};
use crate::model::{AuditEntry, TokenStatus};
use crate::station::drift::report::DriftQuery;
use crate::station::presence::report::InNow;
use crate::station::views::{DriftRow, LocationRow};
use crate::station::{Result, Station};

/// Drift alerts cover tokens leaving their window within this many days.
pub const AT_RISK_DAYS: f64 = 30.0;

/// Every life-cycle status, in the order a dashboard lists them.
pub const STATUSES: [TokenStatus; 5] = [
    TokenStatus::Active,
    TokenStatus::Unverified,
    TokenStatus::Disabled,
    TokenStatus::Lost,
    TokenStatus::Retired,
];

/// The dashboard at one instant.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardView {
    /// Locations with their token counts.
    pub locations: Vec<LocationRow>,
    /// Holders in now, by location.
    pub in_now: Vec<InNow>,
    /// Tokens per status, in [`STATUSES`] order.
    pub counts: Vec<(TokenStatus, u64)>,
    /// Tokens out of their window or leaving it within [`AT_RISK_DAYS`], most urgent first.
    pub at_risk: Vec<DriftRow>,
    /// The latest attempts, newest first.
    pub attempts: Vec<Attempt>,
    /// The latest audit lines, newest first.
    pub audit: Vec<AuditEntry>,
}

impl Station {
    /// The dashboard at `now`, with at most `recent` attempts and audit lines.
    pub fn dashboard(&self, now: i64, recent: u32) -> Result<DashboardView> {
        let c = self.read();
        let mut counts = Vec::with_capacity(STATUSES.len());
        for s in STATUSES {
            let f = TokenFilter {
                status: Some(s),
                ..TokenFilter::default()
            };
            counts.push((s, c.token_count_where(&f)?));
        }
        let q = DriftQuery {
            at_risk_days: Some(AT_RISK_DAYS),
            ..DriftQuery::default()
        };
        Ok(DashboardView {
            locations: self.location_rows()?,
            in_now: self.presence_now(None)?,
            counts,
            at_risk: self.drift_report(&q, now)?.rows,
            attempts: self.attempts(&AttemptFilter {
                limit: Some(recent),
                ..AttemptFilter::default()
            })?,
            audit: self.audit(&AuditFilter {
                limit: Some(recent),
                ..AuditFilter::default()
            })?,
        })
    }
}
