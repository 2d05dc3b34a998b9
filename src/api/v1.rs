//! The native API under `/api/v1` (research api-and-stations.md §5): verification,
//! tokens, products, holders, locations, presence, logs and keys. Names and fields are
//! the CLI's `--json`; every non-2xx answer is `{"error": code, "message": …}`. Each
//! handler names what it does to the station ([`crate::station::access::Action`] and
//! its target), the station decides whether the caller may.

pub mod catalog;
pub mod drift;
pub mod keys;
pub mod logs;
pub mod presence;
pub mod tokens;
pub mod verify;

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Shared;
use super::error::ApiError;
use crate::station::time::parse_time;
use crate::station::views::PageRequest;

/// The native API's routes.
pub fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(verify::verify))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::show))
        .routes(routes!(tokens::act))
        .routes(routes!(catalog::products, catalog::product_create))
        .routes(routes!(catalog::product))
        .routes(routes!(catalog::holders, catalog::holder_create))
        .routes(routes!(catalog::holder))
        .routes(routes!(catalog::locations, catalog::location_create))
        .routes(routes!(catalog::location))
        .routes(routes!(presence::events))
        .routes(routes!(presence::submit))
        .routes(routes!(presence::now_in))
        .routes(routes!(presence::report))
        .routes(routes!(logs::attempts))
        .routes(routes!(logs::audit))
        .routes(routes!(drift::report))
        .routes(routes!(drift::show))
        .routes(routes!(keys::list, keys::create))
        .routes(routes!(keys::show, keys::revoke))
        .routes(routes!(keys::act))
}

/// A time: Unix seconds, or RFC 3339 text.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum When {
    /// Unix seconds.
    Seconds(i64),
    /// RFC 3339, e.g. `2026-11-22T09:30:00Z` (or Unix seconds as text).
    Text(String),
}

impl When {
    /// Unix seconds.
    pub fn seconds(&self) -> Result<i64, ApiError> {
        match self {
            When::Seconds(s) => Ok(*s),
            When::Text(t) => parse_time(t).map_err(|e| ApiError::bad_request(e.to_string())),
        }
    }
}

/// Unix seconds of an optional time.
pub fn seconds(at: Option<&When>) -> Result<Option<i64>, ApiError> {
    at.map(When::seconds).transpose()
}

/// Unix seconds of an optional time, now when none is given.
pub fn seconds_or_now(at: Option<&When>) -> Result<i64, ApiError> {
    Ok(seconds(at)?.unwrap_or_else(crate::station::time::now))
}

/// `page` and `page_size` of a list.
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// 1-based page [default 1].
    pub page: Option<u32>,
    /// Items per page, 1 to 1000 [default 50].
    pub page_size: Option<u32>,
}

impl Paging {
    /// The checked page request.
    pub fn request(self) -> Result<PageRequest, ApiError> {
        PageRequest::new(self.page, self.page_size).map_err(ApiError::from)
    }
}
