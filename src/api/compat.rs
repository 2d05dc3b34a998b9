//! Drop-in routes for existing clients (research api-and-stations.md §1 and §2): Token2
//! TOTPRadius's web API ([`token2`]) and privacyIDEA's validate endpoints
//! ([`privacyidea`]), so FreeRADIUS with rlm_rest and privacyIDEA plug-ins work
//! unchanged but for the key. They call the same station use cases as `/api/v1`
//! (one verification path, [`super::pool::Pool::verify`]), with the same keys, roles,
//! scopes and limits; only the shapes of requests and answers differ.

pub mod php;
pub mod privacyidea;
pub mod token2;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Shared;

/// The compatibility routes.
pub fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(token2::validate))
        .routes(routes!(token2::createuser))
        .routes(routes!(token2::api_php))
        .routes(routes!(privacyidea::check_get, privacyidea::check_post))
        .routes(routes!(
            privacyidea::radiuscheck_get,
            privacyidea::radiuscheck_post
        ))
}
