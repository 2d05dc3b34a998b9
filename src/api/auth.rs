//! What a request brings to authenticate with: the key, from `Authorization: Bearer`
//! or `X-API-Key` (Token2's routes also take it from the query, see `compat`), and
//! the client's address. The check itself is the station's
//! ([`crate::station::Station::authenticate`]).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use zeroize::Zeroizing;

/// A request's key (if any) and client address (if known).
#[derive(Clone, Default)]
pub struct Creds {
    /// The presented key text.
    pub key: Option<Zeroizing<String>>,
    /// The peer's address.
    pub client: Option<IpAddr>,
}

impl std::fmt::Debug for Creds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Creds")
            .field("key", &self.key.as_ref().map(|_| "[REDACTED]"))
            .field("client", &self.client)
            .finish()
    }
}

/// The key in `Authorization: Bearer KEY` or `X-API-Key: KEY`.
fn header_key(parts: &Parts) -> Option<Zeroizing<String>> {
    let bearer = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        });
    let header = parts
        .headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    bearer
        .or(header)
        .filter(|k| !k.is_empty())
        .map(|k| Zeroizing::new(k.to_string()))
}

impl<S: Send + Sync> FromRequestParts<S> for Creds {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Creds, Self::Rejection> {
        let client = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .ok()
            .map(|c| c.0.ip().to_canonical());
        Ok(Creds {
            key: header_key(parts),
            client,
        })
    }
}

impl Creds {
    /// These credentials with `key` when no header carried one.
    pub fn or_key(mut self, key: Option<&str>) -> Creds {
        if self.key.is_none() {
            self.key = key
                .filter(|k| !k.is_empty())
                .map(|k| Zeroizing::new(k.to_string()));
        }
        self
    }
}
