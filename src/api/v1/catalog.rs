//! Products, holders and locations: lists (paged), one of each, creation. A key
//! limited to products or locations sees only those.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use super::Paging;
use crate::api::Shared;
use crate::api::auth::Creds;
use crate::api::extract::{Body, Params};
use crate::api::render::{Format, answer};
use crate::otp::{Algorithm, Digits, Kind};
use crate::station::StationError;
use crate::station::access::{Action, ScopeKind};
use crate::station::catalog::{ProductChange, parse_family};
use crate::station::time::now;
use crate::station::views::{Page, PageRequest};

/// Lists products with their token counts.
#[utoipa::path(get, path = "/api/v1/products", tag = "catalog", params(Paging),
    responses((status = 200, description = "A page of products, fields as `product list --json`")))]
pub async fn products(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Params(p): Params<Paging>,
) -> Response {
    let r = app
        .pool
        .read(creds, move |st, caller| {
            caller.require(Action::CatalogRead)?;
            let page = PageRequest::new(p.page, p.page_size)?;
            let mut rows = st.product_rows()?;
            rows.retain(|r| caller.within(ScopeKind::Product, &r.product.name));
            Ok(Page::of(rows, page))
        })
        .await;
    answer(format, StatusCode::OK, r)
}

/// Shows one product.
#[utoipa::path(get, path = "/api/v1/products/{name}", tag = "catalog",
    params(("name" = String, Path, description = "Product name")),
    responses((status = 200, description = "The product with its token count"),
        (status = 404, description = "No such product", body = crate::api::openapi::ErrorBody)))]
pub async fn product(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Path(name): Path<String>,
) -> Response {
    let r = app
        .pool
        .read(creds, move |st, caller| {
            caller.require(Action::CatalogRead)?;
            caller.resolve(ScopeKind::Product, Some(&name))?;
            st.product_row(&name)
        })
        .await;
    answer(format, StatusCode::OK, r)
}

/// A product to add; unset parameters take the station's defaults (TOTP, SHA-1, 6
/// digits, 30 s).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductBody {
    /// Unique name.
    pub name: String,
    /// totp or hotp.
    pub kind: Option<String>,
    /// sha1, sha256 or sha512.
    pub algorithm: Option<String>,
    /// Code length, 6 to 10.
    pub digits: Option<u8>,
    /// TOTP step, seconds.
    pub period: Option<u32>,
    /// TOTP T0, Unix seconds.
    pub t0: Option<i64>,
    /// Hardware family (token2-nfc, molto2, ykoath, nitrokey3, nitrokey, software, generic).
    pub family: Option<String>,
    /// Maker.
    pub vendor: Option<String>,
    /// Model designation.
    pub model: Option<String>,
    /// Seeds can be burned into it.
    pub programmable: Option<bool>,
    /// Vendor's expected drift, seconds per year.
    pub drift_per_year: Option<f64>,
    /// Window: TOTP steps each side, or HOTP look-ahead.
    pub skew: Option<u32>,
}

impl ProductBody {
    fn change(&self) -> Result<ProductChange, StationError> {
        Ok(ProductChange {
            rename: None,
            kind: self.kind.as_deref().map(str::parse::<Kind>).transpose()?,
            algorithm: self
                .algorithm
                .as_deref()
                .map(str::parse::<Algorithm>)
                .transpose()?,
            digits: self.digits.map(Digits::new).transpose()?,
            period: self.period,
            t0: self.t0,
            family: self.family.as_deref().map(parse_family).transpose()?,
            vendor: self.vendor.clone(),
            model: self.model.clone(),
            programmable: self.programmable,
            drift_per_year: self.drift_per_year,
            skew: self.skew,
        })
    }
}

/// Adds a product (a key limited to products cannot).
#[utoipa::path(post, path = "/api/v1/products", tag = "catalog", request_body = ProductBody,
    responses((status = 201, description = "The product"),
        (status = 409, description = "The name is taken", body = crate::api::openapi::ErrorBody)))]
pub async fn product_create(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Body(b): Body<ProductBody>,
) -> Response {
    let r = app
        .pool
        .write(creds, move |st, caller| {
            caller.require_unscoped(Action::CatalogWrite, ScopeKind::Product)?;
            let p = b.change()?.new_product(&b.name);
            st.product_add(&p, now())
        })
        .await;
    answer(format, StatusCode::CREATED, r)
}

/// Lists holders.
#[utoipa::path(get, path = "/api/v1/holders", tag = "catalog", params(Paging),
    responses((status = 200, description = "A page of holders, fields as `holder list --json`")))]
pub async fn holders(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Params(p): Params<Paging>,
) -> Response {
    let r = app
        .pool
        .read(creds, move |st, caller| {
            caller.require(Action::CatalogRead)?;
            Ok(Page::of(
                st.holders()?,
                PageRequest::new(p.page, p.page_size)?,
            ))
        })
        .await;
    answer(format, StatusCode::OK, r)
}

/// Shows one holder with their tokens and credentials.
#[utoipa::path(get, path = "/api/v1/holders/{id}", tag = "catalog",
    params(("id" = String, Path, description = "Holder id")),
    responses((status = 200, description = "The holder, fields as `holder show --json`"),
        (status = 404, description = "No such holder", body = crate::api::openapi::ErrorBody)))]
pub async fn holder(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Path(id): Path<String>,
) -> Response {
    let r = app
        .pool
        .read(creds, move |st, caller| {
            caller.require(Action::CatalogRead)?;
            st.holder_detail(&id)
        })
        .await;
    answer(format, StatusCode::OK, r)
}

/// A holder to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolderBody {
    /// Opaque external id (badge number, employee id…).
    pub id: String,
    /// Display label.
    pub label: Option<String>,
}

/// Adds a holder.
#[utoipa::path(post, path = "/api/v1/holders", tag = "catalog", request_body = HolderBody,
    responses((status = 201, description = "The holder"),
        (status = 409, description = "The id is taken", body = crate::api::openapi::ErrorBody)))]
pub async fn holder_create(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Body(b): Body<HolderBody>,
) -> Response {
    let r = app
        .pool
        .write(creds, move |st, caller| {
            caller.require(Action::CatalogWrite)?;
            st.holder_add(&b.id, b.label.as_deref(), now())
        })
        .await;
    answer(format, StatusCode::CREATED, r)
}

/// Lists locations with their token counts.
#[utoipa::path(get, path = "/api/v1/locations", tag = "catalog", params(Paging),
    responses((status = 200, description = "A page of locations, fields as `location list --json`")))]
pub async fn locations(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Params(p): Params<Paging>,
) -> Response {
    let r = app
        .pool
        .read(creds, move |st, caller| {
            caller.require(Action::CatalogRead)?;
            let page = PageRequest::new(p.page, p.page_size)?;
            let mut rows = st.location_rows()?;
            rows.retain(|r| caller.within(ScopeKind::Location, &r.location.name));
            Ok(Page::of(rows, page))
        })
        .await;
    answer(format, StatusCode::OK, r)
}

/// Shows one location with its policy, kiosk settings, readers and presence tokens.
#[utoipa::path(get, path = "/api/v1/locations/{name}", tag = "catalog",
    params(("name" = String, Path, description = "Location name")),
    responses((status = 200, description = "The location, fields as `location show --json`"),
        (status = 404, description = "No such location", body = crate::api::openapi::ErrorBody)))]
pub async fn location(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Path(name): Path<String>,
) -> Response {
    let r = app
        .pool
        .read(creds, move |st, caller| {
            caller.require(Action::CatalogRead)?;
            caller.resolve(ScopeKind::Location, Some(&name))?;
            st.location_detail(&name)
        })
        .await;
    answer(format, StatusCode::OK, r)
}

/// A location to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationBody {
    /// Unique name.
    pub name: String,
    /// IANA time zone [default UTC].
    pub tz: Option<String>,
}

/// Adds a location (admin).
#[utoipa::path(post, path = "/api/v1/locations", tag = "catalog", request_body = LocationBody,
    responses((status = 201, description = "The location"),
        (status = 409, description = "The name is taken", body = crate::api::openapi::ErrorBody)))]
pub async fn location_create(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Body(b): Body<LocationBody>,
) -> Response {
    let r = app
        .pool
        .write(creds, move |st, caller| {
            caller.require(Action::Configure)?;
            st.location_add(&b.name, b.tz.as_deref().unwrap_or("UTC"), now())
        })
        .await;
    answer(format, StatusCode::CREATED, r)
}
