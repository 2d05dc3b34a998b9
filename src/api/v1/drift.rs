//! Clock drift (issue 14) over the API: the report by urgency and one token's history,
//! the same read models as `drift report --json` and `drift show --json`
//! (`station::drift`). Reading drift needs [`Action::DriftRead`] (operators and
//! admins); a key limited to products or locations sees only those.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{When, seconds_or_now};
use crate::api::Shared;
use crate::api::auth::Creds;
use crate::api::extract::Params;
use crate::api::render::{Format, answer, error};
use crate::station::access::{Action, ScopeKind};
use crate::station::drift::report::DriftQuery;
use crate::station::views::DriftFilter;

/// Which tokens the report covers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Only this product's tokens (a key limited to one product may omit it).
    pub product: Option<String>,
    /// Only tokens assigned to this location.
    pub location: Option<String>,
    /// Only tokens leaving their verification window within this many days.
    pub at_risk_days: Option<f64>,
    /// The report as of this time (Unix seconds or RFC 3339) [default: now].
    #[param(value_type = Option<String>)]
    pub at: Option<When>,
}

/// The drift report: each TOTP token's offset, trend and predicted window exit, most
/// urgent first.
#[utoipa::path(get, path = "/api/v1/drift", tag = "drift", params(ReportQuery),
    responses((status = 200, description = "The report, fields as `drift report --json`"),
        (status = 403, description = "The key may not read drift", body = crate::api::openapi::ErrorBody)))]
pub async fn report(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Params(q): Params<ReportQuery>,
) -> Response {
    let at = match seconds_or_now(q.at.as_ref()) {
        Ok(at) => at,
        Err(e) => return error(format, &e),
    };
    let r = app
        .pool
        .read(creds, move |st, caller| {
            caller.require(Action::DriftRead)?;
            let filter = DriftFilter {
                product: caller.resolve(ScopeKind::Product, q.product.as_deref())?,
                location: caller.resolve(ScopeKind::Location, q.location.as_deref())?,
                serial: None,
            };
            st.drift_report(
                &DriftQuery {
                    filter,
                    at_risk_days: q.at_risk_days,
                },
                at,
            )
        })
        .await;
    answer(format, StatusCode::OK, r)
}

/// Which token, and as of when.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShowQuery {
    /// Product, when the serial exists in several.
    pub product: Option<String>,
    /// As of this time [default: now].
    #[param(value_type = Option<String>)]
    pub at: Option<When>,
}

/// One token's drift: its offsets over time, the fit and the predicted exit.
#[utoipa::path(get, path = "/api/v1/tokens/{serial}/drift", tag = "drift",
    params(("serial" = String, Path, description = "Token serial"), ShowQuery),
    responses((status = 200, description = "The token's drift, fields as `drift show --json`"),
        (status = 404, description = "No such token", body = crate::api::openapi::ErrorBody)))]
pub async fn show(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Path(serial): Path<String>,
    Params(q): Params<ShowQuery>,
) -> Response {
    let at = match seconds_or_now(q.at.as_ref()) {
        Ok(at) => at,
        Err(e) => return error(format, &e),
    };
    let r = app
        .pool
        .read(creds, move |st, caller| {
            let p = q.product.as_deref();
            st.authorize_token(caller, Action::DriftRead, &serial, p)?;
            st.drift_show(&serial, p, at)
        })
        .await;
    answer(format, StatusCode::OK, r)
}
