//! privacyIDEA's validate endpoints (research api-and-stations.md §2; privacyIDEA
//! `api/validate.py`): `/validate/check` answers 200 with its JSON-RPC shape
//! (`result.status`, `result.value`, `result.authentication`, `detail.message`) for
//! every verdict, and `/validate/radiuscheck` answers 204 (accept) or 400 (reject) with
//! no body, which FreeRADIUS's rlm_rest reads directly. Parameters come as a form body
//! (POST) or a query (GET): `serial` or `user` (a holder with one active token; `realm`
//! is ignored) and `pass` (the code; tokenstation has no OTP PIN). The key is sent as
//! `X-API-Key` (privacyIDEA 3.14's API-client header) or `Authorization: Bearer`.
//! Refusals use privacyIDEA's error shape (`result.status` false, `result.error.code`
//! and `message`) with the native HTTP status.

use axum::body::Bytes;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::Shared;
use crate::api::auth::Creds;
use crate::api::error::ApiError;
use crate::api::pool::VerifyRequest;
use crate::api::render::with_retry_after;
use crate::station::{Status, Verdict};

/// `/validate/check` and `/validate/radiuscheck` parameters.
#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct CheckParams {
    /// Token serial.
    pub serial: Option<String>,
    /// User: a holder with one active token, or a token serial.
    pub user: Option<String>,
    /// Ignored (tokenstation has no realms).
    pub realm: Option<String>,
    /// The code (tokenstation has no OTP PIN: the code alone).
    pub pass: Option<String>,
    /// Location (a kiosk key with one location may omit it).
    pub location: Option<String>,
    /// The end user's address, as privacyIDEA's `client` (failures are slowed per end
    /// user behind the key).
    pub client: Option<String>,
}

fn envelope(result: serde_json::Value, detail: Option<serde_json::Value>) -> serde_json::Value {
    let mut v = serde_json::json!({
        "id": 1,
        "jsonrpc": "2.0",
        "result": result,
        "time": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0),
        "version": concat!("tokenstation ", env!("CARGO_PKG_VERSION")),
    });
    if let (Some(d), Some(obj)) = (detail, v.as_object_mut()) {
        obj.insert("detail".into(), d);
    }
    v
}

/// privacyIDEA's error codes for the native statuses (its `lib/error.py`).
fn pi_code(status: StatusCode) -> u32 {
    match status.as_u16() {
        401 => 4033,
        403 | 429 => 303,
        404 => 601,
        400 => 905,
        _ => 500,
    }
}

fn pi_error(e: &ApiError) -> Response {
    let body = envelope(
        serde_json::json!({"status": false, "error": {"code": pi_code(e.status), "message": e.message}}),
        None,
    );
    with_retry_after((e.status, axum::Json(body)).into_response(), e)
}

/// privacyIDEA's `detail.message` for a verdict.
fn message(v: &Verdict) -> &'static str {
    match v.status {
        Status::Ok => "matching 1 tokens",
        Status::InvalidCode => "wrong otp value",
        Status::Replayed => "wrong otp value. previous otp used again",
        Status::LimitReached => "Failcounter exceeded",
        Status::UnknownToken => "The user has no tokens assigned",
        Status::NotActivated => "Token is not activated",
        Status::Disabled => "Token is disabled",
        Status::WrongLocation => "Token is not allowed at this location",
        Status::CounterExhausted => "The counter of the token has reached its end",
    }
}

fn request(p: CheckParams) -> Result<VerifyRequest, ApiError> {
    let (serial, user) = match (p.serial, p.user) {
        (Some(s), _) => (s, false),
        (None, Some(u)) => (u, true),
        (None, None) => return Err(ApiError::bad_request("give serial or user")),
    };
    let code = p.pass.ok_or_else(|| ApiError::bad_request("give pass"))?;
    Ok(VerifyRequest {
        serial,
        user,
        code,
        location: p.location,
        client: p.client,
        record: true,
        ..VerifyRequest::default()
    })
}

/// The verdict on a request's parameters.
async fn verdict(app: &Shared, creds: Creds, p: CheckParams) -> Result<Verdict, ApiError> {
    app.pool.verify(creds, request(p)?).await
}

async fn check(app: Shared, creds: Creds, p: CheckParams) -> Response {
    match verdict(&app, creds, p).await {
        Ok(v) => {
            let ok = v.is_ok();
            let result = serde_json::json!({
                "status": true,
                "value": ok,
                "authentication": if ok { "ACCEPT" } else { "REJECT" },
            });
            let detail = serde_json::json!({
                "message": message(&v),
                "serial": v.serial,
                "threadid": 0,
            });
            (StatusCode::OK, axum::Json(envelope(result, Some(detail)))).into_response()
        }
        Err(e) => pi_error(&e),
    }
}

async fn radiuscheck(app: Shared, creds: Creds, p: CheckParams) -> Response {
    match verdict(&app, creds, p).await {
        Ok(v) if v.is_ok() => StatusCode::NO_CONTENT.into_response(),
        Ok(_) => StatusCode::BAD_REQUEST.into_response(),
        Err(e) => pi_error(&e),
    }
}

/// The parameters of a request: the query, overridden by a form body when there is one.
fn form_or_query(query: CheckParams, body: &[u8]) -> CheckParams {
    if body.iter().all(u8::is_ascii_whitespace) {
        return query;
    }
    let form: Vec<(String, String)> = form_urlencoded(body);
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    CheckParams {
        serial: get("serial").or(query.serial),
        user: get("user").or(query.user),
        realm: get("realm").or(query.realm),
        pass: get("pass").or(query.pass),
        location: get("location").or(query.location),
        client: get("client").or(query.client),
    }
}

/// Decodes `application/x-www-form-urlencoded` pairs (`+` is a space).
fn form_urlencoded(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    text.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// privacyIDEA's parameters from a query (GET) or a form body (POST), refused in its
/// error shape.
pub struct PiParams(CheckParams);

impl<S: Send + Sync> FromRequest<S> for PiParams {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let query = Query::<CheckParams>::try_from_uri(req.uri())
            .map(|Query(p)| p)
            .map_err(|e| pi_error(&ApiError::bad_request(format!("query: {}", e.body_text()))))?;
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|e| pi_error(&ApiError::bad_request(format!("body: {}", e.body_text()))))?;
        Ok(PiParams(form_or_query(query, &body)))
    }
}

/// privacyIDEA `GET /validate/check`.
#[utoipa::path(get, path = "/validate/check", tag = "compat", params(CheckParams),
    responses((status = 200, description = "privacyIDEA's JSON-RPC answer; result.value true only for an accepted code")))]
pub async fn check_get(State(app): State<Shared>, creds: Creds, PiParams(p): PiParams) -> Response {
    check(app, creds, p).await
}

/// privacyIDEA `POST /validate/check` (form body).
#[utoipa::path(post, path = "/validate/check", tag = "compat",
    request_body(content = CheckParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "privacyIDEA's JSON-RPC answer; result.value true only for an accepted code")))]
pub async fn check_post(
    State(app): State<Shared>,
    creds: Creds,
    PiParams(p): PiParams,
) -> Response {
    check(app, creds, p).await
}

/// privacyIDEA `GET /validate/radiuscheck`: 204 accept, 400 reject, no body.
#[utoipa::path(get, path = "/validate/radiuscheck", tag = "compat", params(CheckParams),
    responses((status = 204, description = "Accepted"), (status = 400, description = "Rejected")))]
pub async fn radiuscheck_get(
    State(app): State<Shared>,
    creds: Creds,
    PiParams(p): PiParams,
) -> Response {
    radiuscheck(app, creds, p).await
}

/// privacyIDEA `POST /validate/radiuscheck` (form body): 204 accept, 400 reject.
#[utoipa::path(post, path = "/validate/radiuscheck", tag = "compat",
    request_body(content = CheckParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 204, description = "Accepted"), (status = 400, description = "Rejected")))]
pub async fn radiuscheck_post(
    State(app): State<Shared>,
    creds: Creds,
    PiParams(p): PiParams,
) -> Response {
    radiuscheck(app, creds, p).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let f = form_urlencoded(b"user=alice+b&pass=123%20456&realm=");
        assert_eq!(
            f,
            vec![
                ("user".into(), "alice b".into()),
                ("pass".into(), "123 456".into()),
                ("realm".into(), String::new())
            ]
        );
        let p = form_or_query(CheckParams::default(), b"serial=S1&pass=000000");
        assert_eq!(
            (p.serial.as_deref(), p.pass.as_deref()),
            (Some("S1"), Some("000000"))
        );
        assert!(request(CheckParams::default()).is_err());
        let r = request(CheckParams {
            user: Some("alice".into()),
            pass: Some("1".into()),
            ..CheckParams::default()
        })
        .unwrap();
        assert!(r.user && r.record);
        assert_eq!(pi_code(StatusCode::UNAUTHORIZED), 4033);
    }
}
