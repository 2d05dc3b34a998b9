//! API keys through the API (admin keys without location or product limits): list,
//! show, create, rotate, suspend, resume, revoke. A key's text is answered once.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::Shared;
use crate::api::auth::Creds;
use crate::api::error::ApiError;
use crate::api::extract::Body;
use crate::api::render::{Format, answer, error};
use crate::model::access::Role;
use crate::station::access::{Action, Caller, KeySpec, ScopeKind, parse_duration};
use crate::station::time::now;
use crate::station::{Result, StationError};

fn manager(caller: &Caller) -> Result<()> {
    caller.require_unscoped(Action::KeysManage, ScopeKind::Location)?;
    caller.require_unscoped(Action::KeysManage, ScopeKind::Product)
}

/// Every key (never their secrets).
#[utoipa::path(get, path = "/api/v1/keys", tag = "keys",
    responses((status = 200, description = "Keys, fields as `key list --json`")))]
pub async fn list(State(app): State<Shared>, creds: Creds, format: Format) -> Response {
    let r = app
        .pool
        .read(creds, move |st, caller| {
            manager(caller)?;
            st.keys()
        })
        .await;
    answer(format, StatusCode::OK, r)
}

/// One key.
#[utoipa::path(get, path = "/api/v1/keys/{key}", tag = "keys",
    params(("key" = String, Path, description = "Key id or name")),
    responses((status = 200, description = "The key"),
        (status = 404, description = "No such key", body = crate::api::openapi::ErrorBody)))]
pub async fn show(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Path(key): Path<String>,
) -> Response {
    let r = app
        .pool
        .read(creds, move |st, caller| {
            manager(caller)?;
            st.key_show(&key)
        })
        .await;
    answer(format, StatusCode::OK, r)
}

/// A key to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyBody {
    /// Name (letters, digits, . _ - @).
    pub name: String,
    /// kiosk, technician, operator or admin.
    pub role: String,
    /// Locations it is limited to (a kiosk needs one).
    #[serde(default)]
    pub locations: Vec<String>,
    /// Products it is limited to.
    #[serde(default)]
    pub products: Vec<String>,
    /// Client networks it is accepted from (CIDR).
    #[serde(default)]
    pub cidrs: Vec<String>,
    /// Refused after this long: 90d, 12h, 30m, 2w.
    pub expires: Option<String>,
}

/// Creates a key; its text (`key`) is answered only now.
#[utoipa::path(post, path = "/api/v1/keys", tag = "keys", request_body = KeyBody,
    responses((status = 201, description = "The key with its text in `key`, shown only now")))]
pub async fn create(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Body(b): Body<KeyBody>,
) -> Response {
    let role = match b.role.parse::<Role>() {
        Ok(r) => r,
        Err(e) => return error(format, &ApiError::bad_request(e.to_string())),
    };
    let r = app
        .pool
        .write(creds, move |st, caller| {
            manager(caller)?;
            let t = now();
            let expires_at = b
                .expires
                .as_deref()
                .map(parse_duration)
                .transpose()?
                .map(|d| t.saturating_add(d));
            let spec = KeySpec {
                name: b.name,
                role,
                locations: b.locations,
                products: b.products,
                cidrs: b.cidrs,
                expires_at,
            };
            st.key_add(&spec, t)
        })
        .await;
    answer(format, StatusCode::CREATED, r)
}

/// Revokes a key for good.
#[utoipa::path(delete, path = "/api/v1/keys/{key}", tag = "keys",
    params(("key" = String, Path, description = "Key id or name")),
    responses((status = 200, description = "The revoked key")))]
pub async fn revoke(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Path(key): Path<String>,
) -> Response {
    act_on(app, creds, format, key, "revoke".into()).await
}

/// `rotate` (a new text, answered once; the old one stops working), `suspend`,
/// `resume` or `revoke`.
#[utoipa::path(post, path = "/api/v1/keys/{key}/{action}", tag = "keys",
    params(("key" = String, Path, description = "Key id or name"),
        ("action" = String, Path, description = "rotate, suspend, resume or revoke")),
    responses((status = 200, description = "The key (with its new text in `key` after rotate)"),
        (status = 409, description = "The key's status does not allow it", body = crate::api::openapi::ErrorBody)))]
pub async fn act(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Path((key, action)): Path<(String, String)>,
) -> Response {
    act_on(app, creds, format, key, action).await
}

async fn act_on(
    app: Shared,
    creds: Creds,
    format: Format,
    key: String,
    action: String,
) -> Response {
    if !["rotate", "suspend", "resume", "revoke"].contains(&action.as_str()) {
        let e = ApiError::not_found("no such key action: use rotate, suspend, resume or revoke");
        return error(format, &e);
    }
    let r = app
        .pool
        .write(creds, move |st, caller| -> Result<serde_json::Value> {
            manager(caller)?;
            let t = now();
            let v = match action.as_str() {
                "rotate" => serde_json::to_value(st.key_rotate(&key, t)?),
                "suspend" => serde_json::to_value(st.key_suspend(&key, t)?),
                "resume" => serde_json::to_value(st.key_resume(&key, t)?),
                _ => serde_json::to_value(st.key_revoke(&key, t)?),
            };
            v.map_err(|e| StationError::Internal(e.to_string()))
        })
        .await;
    answer(format, StatusCode::OK, r)
}
