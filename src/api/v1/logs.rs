//! The attempt log and the audit log, newest first (read only).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{When, seconds};
use crate::api::Shared;
use crate::api::auth::Creds;
use crate::api::extract::Params;
use crate::api::render::{Format, answer, error};
use crate::station::access::{Action, ScopeKind};
use crate::station::views::{AttemptFilter, AuditFilter};

/// The most lines one answer gives.
const MAX_LINES: u32 = 1000;

fn limit(n: Option<u32>) -> u32 {
    n.unwrap_or(100).clamp(1, MAX_LINES)
}

/// Which attempts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttemptQuery {
    /// Only this serial.
    pub serial: Option<String>,
    /// Only this location (a key with one location may omit it).
    pub location: Option<String>,
    /// Only at or after this time (Unix seconds or RFC 3339).
    #[param(value_type = Option<String>)]
    pub from: Option<When>,
    /// Only before this time.
    #[param(value_type = Option<String>)]
    pub to: Option<When>,
    /// At most this many, newest first [default 100, at most 1000].
    pub limit: Option<u32>,
}

/// Verification attempts (codes are never stored).
#[utoipa::path(get, path = "/api/v1/attempts", tag = "logs", params(AttemptQuery),
    responses((status = 200, description = "Attempts, fields as `attempt list --json`")))]
pub async fn attempts(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Params(q): Params<AttemptQuery>,
) -> Response {
    let (from, to) = match (seconds(q.from.as_ref()), seconds(q.to.as_ref())) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return error(format, &e),
    };
    let r = app
        .pool
        .read(creds, move |st, caller| {
            caller.require_unscoped(Action::LogsRead, ScopeKind::Product)?;
            let f = AttemptFilter {
                serial: q.serial,
                location: caller.resolve(ScopeKind::Location, q.location.as_deref())?,
                from,
                to,
                limit: Some(limit(q.limit)),
                token_id: None,
            };
            st.attempts(&f)
        })
        .await;
    answer(format, StatusCode::OK, r)
}

/// Which audit lines.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only lines whose subject contains this text.
    pub subject: Option<String>,
    /// Only lines whose action starts with this text (e.g. `key.`).
    pub action: Option<String>,
    /// At most this many, newest first [default 100, at most 1000].
    pub limit: Option<u32>,
}

/// The audit log (needs a key without location or product limits).
#[utoipa::path(get, path = "/api/v1/audit", tag = "logs", params(AuditQuery),
    responses((status = 200, description = "Audit lines, fields as `audit list --json`")))]
pub async fn audit(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Params(q): Params<AuditQuery>,
) -> Response {
    let r = app
        .pool
        .read(creds, move |st, caller| {
            caller.require_unscoped(Action::LogsRead, ScopeKind::Product)?;
            caller.require_unscoped(Action::LogsRead, ScopeKind::Location)?;
            st.audit(&AuditFilter {
                subject: q.subject,
                action: q.action,
                limit: Some(limit(q.limit)),
                ..AuditFilter::default()
            })
        })
        .await;
    answer(format, StatusCode::OK, r)
}
