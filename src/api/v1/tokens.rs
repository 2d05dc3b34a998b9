//! Tokens: the list (paged), one token, registration (the seed and its otpauth:// URI
//! returned once), and the life-cycle actions.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use zeroize::Zeroizing;

use super::{When, seconds};
use crate::api::Shared;
use crate::api::auth::Creds;
use crate::api::error::ApiError;
use crate::api::extract::{Body, Params};
use crate::api::render::{Format, answer, error};
use crate::model::TokenStatus;
use crate::otp::{KeyUri, Secret};
use crate::station::access::{Action, ScopeKind};
use crate::station::seed_input::SeedInput;
use crate::station::time::now;
use crate::station::views::{PageRequest, TokenFilter};
use crate::station::{Station, StationError};

/// Filters and page of the token list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this product.
    pub product: Option<String>,
    /// Only this status (unverified, active, disabled, lost, retired).
    pub status: Option<String>,
    /// Only this holder.
    pub holder: Option<String>,
    /// Only tokens usable at this location.
    pub location: Option<String>,
    /// 1-based page [default 1].
    pub page: Option<u32>,
    /// Items per page, 1 to 1000 [default 50].
    pub page_size: Option<u32>,
}

/// Lists tokens, one page at a time (`{items, page, page_size, total}`).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", params(ListQuery),
    responses((status = 200, description = "A page of tokens, fields as `token list --json`")))]
pub async fn list(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Params(q): Params<ListQuery>,
) -> Response {
    let r = app
        .pool
        .read(creds, move |st, caller| {
            caller.require(Action::TokenRead)?;
            let page = PageRequest::new(q.page, q.page_size)?;
            let status = q.status.map(|s| s.parse::<TokenStatus>()).transpose()?;
            let f = TokenFilter {
                product: caller.resolve(ScopeKind::Product, q.product.as_deref())?,
                status,
                holder: q.holder,
                location: caller.resolve(ScopeKind::Location, q.location.as_deref())?,
            };
            st.token_page(&f, page)
        })
        .await;
    answer(format, StatusCode::OK, r)
}

/// `?product=` when a serial exists in several products.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Which {
    /// Product, when the serial exists in several.
    pub product: Option<String>,
}

/// Shows one token with its locations, backup codes left and failure count.
#[utoipa::path(get, path = "/api/v1/tokens/{serial}", tag = "tokens",
    params(("serial" = String, Path, description = "Token serial"), Which),
    responses((status = 200, description = "The token, fields as `token show --json`"),
        (status = 404, description = "No such token", body = crate::api::openapi::ErrorBody)))]
pub async fn show(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Path(serial): Path<String>,
    Params(w): Params<Which>,
) -> Response {
    let r = app
        .pool
        .read(creds, move |st, caller| {
            let p = w.product.as_deref();
            st.authorize_token(caller, Action::TokenRead, &serial, p)?;
            st.token_detail(&serial, p)
        })
        .await;
    answer(format, StatusCode::OK, r)
}

/// A token to register. Give `secret` or `uri`; without either a seed is generated.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    /// Serial number, unique within the product.
    pub serial: String,
    /// Product name.
    pub product: String,
    /// Seed in base32, or hex prefixed with `hex:`.
    pub secret: Option<String>,
    /// An otpauth:// Key URI; its parameters must match the product.
    pub uri: Option<String>,
}

fn seed_of(b: &CreateBody) -> Result<SeedInput, StationError> {
    Ok(match (&b.secret, &b.uri) {
        (Some(_), Some(_)) => {
            return Err(
                crate::otp::OtpError::invalid("seed", "give secret or uri, not both").into(),
            );
        }
        (Some(s), None) => SeedInput::Secret(Secret::parse(&Zeroizing::new(s.clone()))?),
        (None, Some(u)) => SeedInput::Uri(Box::new(KeyUri::parse(u)?)),
        (None, None) => SeedInput::Generate,
    })
}

/// Registers a token (unverified until its first code); answers its seed and otpauth://
/// URI once (the export is audited).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = CreateBody,
    responses((status = 201, description = "The token with `secret` and `otpauth_uri`, shown only now"),
        (status = 409, description = "The serial exists in this product", body = crate::api::openapi::ErrorBody)))]
pub async fn create(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Body(b): Body<CreateBody>,
) -> Response {
    let r = app
        .pool
        .write(creds, move |st, caller| {
            caller.require(Action::TokenCreate)?;
            caller.resolve(ScopeKind::Product, Some(&b.product))?;
            let seed = seed_of(&b)?;
            let target = format!("api response to {}", caller.actor());
            st.token_issue(&b.serial, &b.product, seed, &target, now())
        })
        .await;
    answer(format, StatusCode::CREATED, r)
}

/// The body of a life-cycle action (each takes the fields it needs).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// `activate`: the first code.
    pub code: Option<String>,
    /// `resync`: a code the token shows.
    pub code1: Option<String>,
    /// `resync`: the next code it shows.
    pub code2: Option<String>,
    /// `activate`, `resync`: check for this time instead of now (admin keys only).
    pub at: Option<When>,
    /// `assign`: the holder.
    pub holder: Option<String>,
    /// `assign`: the location.
    pub location: Option<String>,
    /// `assign`: every location.
    pub all_locations: Option<bool>,
    /// `backup-codes`: void a set that still has unused codes.
    pub replace: Option<bool>,
}

fn need(v: Option<String>, what: &'static str) -> Result<String, StationError> {
    v.ok_or_else(|| crate::otp::OtpError::invalid(what, format!("give `{what}`")).into())
}

/// One life-cycle action on the station, for `caller`.
fn act_on(
    st: &mut Station,
    caller: &crate::station::access::Caller,
    serial: &str,
    product: Option<&str>,
    action: &str,
    b: ActionBody,
    at: Option<i64>,
) -> Result<serde_json::Value, StationError> {
    let allowed = match action {
        "disable" => Action::TokenDisable,
        "resync" | "unlock" => Action::TokenRepair,
        _ => Action::TokenLifecycle,
    };
    st.authorize_token(caller, allowed, serial, product)?;
    let t = now();
    let status = |st: &mut Station, to| -> Result<serde_json::Value, StationError> {
        let tok = st.token_set_status(serial, product, to, t)?;
        value(&st.token_detail_of(tok)?)
    };
    match action {
        "activate" => {
            let when = caller.when(at, t)?;
            value(&st.token_activate(serial, product, &need(b.code, "code")?, when)?)
        }
        "resync" => {
            let when = caller.when(at, t)?;
            let (c1, c2) = (need(b.code1, "code1")?, need(b.code2, "code2")?);
            value(&st.token_resync(serial, product, &c1, &c2, when)?)
        }
        "disable" => status(st, TokenStatus::Disabled),
        "enable" => status(st, TokenStatus::Active),
        "lost" => status(st, TokenStatus::Lost),
        "retire" => status(st, TokenStatus::Retired),
        "unlock" => {
            let cleared = st.token_unlock(serial, product, t)?;
            Ok(serde_json::json!({"serial": serial, "cleared": cleared}))
        }
        "backup-codes" => {
            let codes = st.token_backup_codes(serial, product, b.replace.unwrap_or(false), t)?;
            let list: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
            Ok(serde_json::json!({"serial": serial, "codes": list}))
        }
        "assign" => {
            let tok = match (b.holder, b.location, b.all_locations.unwrap_or(false)) {
                (Some(h), None, false) => st.token_assign_holder(serial, product, &h, t)?,
                (None, Some(l), false) => {
                    let l = caller.resolve(ScopeKind::Location, Some(&l))?;
                    st.token_assign_location(serial, product, l.as_deref(), t)?
                }
                (None, None, true) => {
                    caller.require_unscoped(Action::TokenLifecycle, ScopeKind::Location)?;
                    st.token_assign_location(serial, product, None, t)?
                }
                _ => {
                    return Err(crate::otp::OtpError::invalid(
                        "assign",
                        "give one of holder, location or all_locations",
                    )
                    .into());
                }
            };
            value(&st.token_detail_of(tok)?)
        }
        _ => Err(StationError::Internal("unknown action".into())),
    }
}

/// An answer as a JSON value (the actions answer different types).
fn value<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, StationError> {
    serde_json::to_value(v).map_err(|e| StationError::Internal(e.to_string()))
}

/// The life-cycle actions of a token.
const ACTIONS: &[&str] = &[
    "activate",
    "resync",
    "disable",
    "enable",
    "lost",
    "retire",
    "unlock",
    "assign",
    "backup-codes",
];

/// A life-cycle action: `activate` (`code`) and `resync` (`code1`, `code2`) answer a
/// verdict; `disable`, `enable`, `lost`, `retire` and `assign` (`holder`, `location`
/// or `all_locations`) the token; `unlock` whether a limit was cleared;
/// `backup-codes` ten codes, shown only now.
#[utoipa::path(post, path = "/api/v1/tokens/{serial}/{action}", tag = "tokens",
    params(("serial" = String, Path, description = "Token serial"),
        ("action" = String, Path, description = "activate, resync, disable, enable, lost, retire, unlock, assign or backup-codes"),
        Which),
    request_body(content = ActionBody, description = "The action's fields (none for disable, enable, lost, retire, unlock, backup-codes)"),
    responses((status = 200, description = "A verdict (activate, resync) or the token"),
        (status = 404, description = "No such token or action", body = crate::api::openapi::ErrorBody),
        (status = 409, description = "The life cycle does not allow it", body = crate::api::openapi::ErrorBody)))]
pub async fn act(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Path((serial, action)): Path<(String, String)>,
    Params(w): Params<Which>,
    body: Bytes,
) -> Response {
    if !ACTIONS.contains(&action.as_str()) {
        let e = ApiError::not_found(format!(
            "no token action '{}': use {}",
            crate::model::display_safe(&action, 40),
            ACTIONS.join(", ")
        ));
        return error(format, &e);
    }
    let b: ActionBody = if body.iter().all(u8::is_ascii_whitespace) {
        ActionBody::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(b) => b,
            Err(e) => return error(format, &ApiError::bad_request(format!("request body: {e}"))),
        }
    };
    let at = match seconds(b.at.as_ref()) {
        Ok(at) => at,
        Err(e) => return error(format, &e),
    };
    let r = app
        .pool
        .write(creds, move |st, caller| {
            act_on(st, caller, &serial, w.product.as_deref(), &action, b, at)
        })
        .await;
    answer(format, StatusCode::OK, r)
}
