//! Token2 TOTPRadius's web API (research api-and-stations.md §1): `GET /validate`,
//! `GET /createuser` and `GET /api.php?action=listusers`. The key comes as `api_key`
//! or `api` (both spellings are in Token2's documents) or in the usual headers;
//! `userid` is a token serial, or a holder with one active token. `format`: `0`
//! serialized data (PHP `serialize`, an inference; the default), `1` JSON, `2` XML, `3`
//! plain `true`/`false`. HTTP statuses are not documented by Token2: answers are 200,
//! refusals carry the native status codes in the same shape.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::php;
use crate::api::Shared;
use crate::api::auth::Creds;
use crate::api::error::ApiError;
use crate::api::extract::Params;
use crate::api::pool::VerifyRequest;
use crate::api::render::{Format, answer, with_retry_after};
use crate::api::xml::to_xml;
use crate::seeds;
use crate::station::access::{Action, ScopeKind};
use crate::station::issue::fresh_serial;
use crate::station::seed_input::SeedInput;
use crate::station::time::{now, rfc3339};
use crate::station::views::TokenFilter;
use crate::station::{StationError, Status, Verdict};

/// Token2's answer formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum T2Format {
    Serialized,
    Json,
    Xml,
    Plain,
}

fn t2_format(f: Option<&str>) -> T2Format {
    match f.map(str::trim) {
        Some("1") => T2Format::Json,
        Some("2") => T2Format::Xml,
        Some("3") => T2Format::Plain,
        _ => T2Format::Serialized,
    }
}

/// Writes Token2's flat answer; `plain` is the `format=3` word.
fn t2(format: T2Format, status: StatusCode, fields: &[(&str, String)], plain: bool) -> Response {
    let object = || {
        serde_json::Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone())))
                .collect(),
        )
    };
    let (ctype, text) = match format {
        T2Format::Serialized => ("text/plain; charset=utf-8", php::serialize(fields)),
        T2Format::Json => ("application/json", object().to_string()),
        T2Format::Xml => (
            "application/xml; charset=utf-8",
            to_xml("result", &object()),
        ),
        T2Format::Plain => ("text/plain; charset=utf-8", plain.to_string()),
    };
    let mut r = (status, text).into_response();
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(ctype));
    r
}

/// A refusal in Token2's shape (`response` says why, the outcome is `false`).
fn t2_error(format: T2Format, e: &ApiError, outcome: &str) -> Response {
    let fields = [
        ("response", e.message.clone()),
        ("error", e.code.to_string()),
        (outcome, "false".into()),
    ];
    with_retry_after(t2(format, e.status, &fields, false), e)
}

/// What Token2's `response` says about a verdict.
fn describe(v: &Verdict) -> String {
    match v.status {
        Status::Ok => "token is valid".into(),
        Status::InvalidCode => "token is not valid".into(),
        Status::Replayed => "token was already used".into(),
        Status::LimitReached => format!(
            "too many failures: retry in {} s",
            v.retry_after_ms.unwrap_or(0).div_ceil(1000)
        ),
        Status::UnknownToken => "unknown user".into(),
        Status::NotActivated => "token is not activated".into(),
        Status::Disabled => "token is disabled".into(),
        Status::WrongLocation => "token is not accepted at this location".into(),
        Status::CounterExhausted => "token counter exhausted: replace the token".into(),
    }
}

/// `/validate` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValidateQuery {
    /// The API key (`api` is accepted too).
    pub api_key: Option<String>,
    /// The API key, Token2 Cloud's spelling.
    pub api: Option<String>,
    /// The code.
    pub token: String,
    /// Token serial, or a holder with one active token.
    pub userid: String,
    /// 0 serialized (default), 1 JSON, 2 XML, 3 plain true/false.
    pub format: Option<String>,
    /// Location (Token2 has none; a kiosk key with one location may omit it).
    pub location: Option<String>,
}

/// Token2 TOTPRadius `/validate`: `response`, `userid`, `validation` ("true"/"false").
#[utoipa::path(get, path = "/validate", tag = "compat", params(ValidateQuery),
    responses((status = 200, description = "response, userid, validation in the asked format")))]
pub async fn validate(
    State(app): State<Shared>,
    creds: Creds,
    Params(q): Params<ValidateQuery>,
) -> Response {
    let format = t2_format(q.format.as_deref());
    let creds = creds.or_key(q.api_key.as_deref().or(q.api.as_deref()));
    let request = VerifyRequest {
        serial: q.userid.clone(),
        user: true,
        code: q.token,
        location: q.location,
        record: true,
        ..VerifyRequest::default()
    };
    match app.pool.verify(creds, request).await {
        Ok(v) => {
            let ok = v.is_ok();
            let fields = [
                ("response", describe(&v)),
                ("userid", q.userid),
                ("validation", ok.to_string()),
            ];
            t2(format, StatusCode::OK, &fields, ok)
        }
        Err(e) => t2_error(format, &e, "validation"),
    }
}

/// `/createuser` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateQuery {
    /// The API key (`api` is accepted too).
    pub api_key: Option<String>,
    /// The API key, Token2 Cloud's spelling.
    pub api: Option<String>,
    /// 0 serialized (default), 1 JSON, 2 XML, 3 plain true/false.
    pub format: Option<String>,
    /// Product of the new token [default: the key's only product, else the store's].
    pub product: Option<String>,
    /// Accepted and ignored (Token2's contact fields and PIN).
    pub phone: Option<String>,
    /// Accepted and ignored.
    pub email: Option<String>,
    /// Accepted and ignored.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Accepted and ignored.
    pub pin: Option<String>,
}

/// Token2 TOTPRadius `/createuser`: a new token with a generated seed; answers
/// `response`, `userid` (the new serial), `success`, `hash` (the seed in base32, shown
/// once) and `hashqr` (its QR code as a `data:image/png;base64,` URL).
#[utoipa::path(get, path = "/createuser", tag = "compat", params(CreateQuery),
    responses((status = 200, description = "response, userid, success, hash, hashqr")))]
pub async fn createuser(
    State(app): State<Shared>,
    creds: Creds,
    Params(q): Params<CreateQuery>,
) -> Response {
    let format = t2_format(q.format.as_deref());
    let creds = creds.or_key(q.api_key.as_deref().or(q.api.as_deref()));
    let r = app
        .pool
        .write(creds, move |st, caller| {
            caller.require(Action::TokenCreate)?;
            let named = caller.resolve(ScopeKind::Product, q.product.as_deref())?;
            let product = st.product_for_new_token(named)?;
            let target = format!("api response to {}", caller.actor());
            st.token_issue(
                &fresh_serial()?,
                &product,
                SeedInput::Generate,
                &target,
                now(),
            )
        })
        .await;
    match r {
        Ok(issued) => {
            let png = seeds::qr_png(&issued.otpauth_uri, 4)
                .map_err(|e| StationError::Internal(format!("drawing the QR code: {e}")));
            let qr = match png {
                Ok(png) => format!(
                    "data:image/png;base64,{}",
                    data_encoding::BASE64.encode(&png)
                ),
                Err(e) => return t2_error(format, &ApiError::from(e), "success"),
            };
            let fields = [
                ("response", "user created".to_string()),
                ("userid", issued.registered.token.serial.clone()),
                ("success", "true".into()),
                ("hash", issued.secret.to_string()),
                ("hashqr", qr),
            ];
            t2(format, StatusCode::OK, &fields, true)
        }
        Err(e) => t2_error(format, &e, "success"),
    }
}

/// `/api.php` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiPhpQuery {
    /// The API key (`api` is accepted too).
    pub api_key: Option<String>,
    /// The API key, Token2 Cloud's spelling.
    pub api: Option<String>,
    /// `listusers` (the local-password actions of TOTPRadius have no counterpart).
    pub action: String,
}

/// Token2 TOTPRadius `/api.php?action=listusers` (JSON only): one object per token,
/// `userid` (serial), `username` (holder, else the serial), `registration` (RFC 3339).
#[utoipa::path(get, path = "/api.php", tag = "compat", params(ApiPhpQuery),
    responses((status = 200, description = "A JSON array of users")))]
pub async fn api_php(
    State(app): State<Shared>,
    creds: Creds,
    Params(q): Params<ApiPhpQuery>,
) -> Response {
    if q.action != "listusers" {
        let text = "Error: action not supported (only listusers)";
        return (StatusCode::BAD_REQUEST, text).into_response();
    }
    let creds = creds.or_key(q.api_key.as_deref().or(q.api.as_deref()));
    let r = app
        .pool
        .read(creds, move |st, caller| {
            caller.require(Action::TokenRead)?;
            let f = TokenFilter {
                product: caller.resolve(ScopeKind::Product, None)?,
                location: caller.resolve(ScopeKind::Location, None)?,
                ..TokenFilter::default()
            };
            Ok(st
                .tokens(&f)?
                .into_iter()
                .map(|t| {
                    serde_json::json!({
                        "userid": t.serial,
                        "username": t.holder.unwrap_or_else(|| t.serial.clone()),
                        "registration": rfc3339(t.created_at),
                    })
                })
                .collect::<Vec<_>>())
        })
        .await;
    answer(Format::Json, StatusCode::OK, r)
}
