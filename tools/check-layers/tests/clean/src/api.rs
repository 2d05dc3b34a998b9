//! The HTTP face.
use axum::Router;

use crate::station::Station;

/// Serves.
#[tokio::main]
pub async fn serve(_: Station) {
    let _: Router = axum::Router::new().layer(tower_http::cors::CorsLayer::permissive());
}
