//! `POST /api/v1/verify`: the verdict of `tokenstation --json verify`, always 200 (a
//! wrong code, a replay and `LIMIT_REACHED` are verdicts, not errors).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{When, seconds};
use crate::api::Shared;
use crate::api::auth::Creds;
use crate::api::extract::Body;
use crate::api::pool::VerifyRequest;
use crate::api::render::{Format, answer, error};

/// A code to verify.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    /// Token serial.
    pub serial: String,
    /// The code the token shows (or a backup code `XXXX-XXXX`).
    pub code: String,
    /// Location it is presented at (a key with one location may omit it).
    pub location: Option<String>,
    /// Product, when the serial exists in several.
    pub product: Option<String>,
    /// The end user the application verifies for (e.g. their IP address): failures
    /// are slowed per end user; without it, per key.
    pub client: Option<String>,
    /// Check for this time instead of now (admin keys only).
    pub at: Option<When>,
    /// Record the attempt and update the token [default true]; false needs an admin key.
    pub record: Option<bool>,
}

/// Verifies a code.
#[utoipa::path(post, path = "/api/v1/verify", tag = "verify", request_body = VerifyBody,
    responses((status = 200, description = "The verdict, whatever it is", body = crate::api::openapi::Verdict)))]
pub async fn verify(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Body(b): Body<VerifyBody>,
) -> Response {
    let at = match seconds(b.at.as_ref()) {
        Ok(at) => at,
        Err(e) => return error(format, &e),
    };
    let request = VerifyRequest {
        serial: b.serial,
        user: false,
        product: b.product,
        code: b.code,
        location: b.location,
        client: b.client,
        at,
        record: b.record.unwrap_or(true),
    };
    answer(
        format,
        StatusCode::OK,
        app.pool.verify(creds, request).await,
    )
}
