//! Errors as the API answers them (research api-and-stations.md §5 "Errors"): an HTTP
//! status, a snake_case code and a message naming the thing, with the station's typed
//! hint worded as this face's routes and fields. Every authentication failure gets the
//! same answer, whatever its reason; the reason goes to the server's log only.

use axum::http::StatusCode;

use crate::station::access::AccessError;
use crate::station::hint::{Hint, Listing};
use crate::station::{ErrorClass, Refusal, StationError};

/// A refusal or failure, before it is rendered in a route family's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Stable snake_case code (`invalid_request`, `unauthorized`…).
    pub code: &'static str,
    /// One line naming the thing and what to do.
    pub message: String,
    /// For 429: seconds until a retry can succeed (`Retry-After`).
    pub retry_after: Option<u64>,
}

/// The one message of every authentication failure.
pub const UNAUTHORIZED: &str =
    "a valid API key is required: send it as `Authorization: Bearer KEY` or `X-API-Key: KEY`";

impl ApiError {
    /// An error with no `Retry-After`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 `invalid_request`.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    /// 401 `unauthorized`, the same for every authentication failure.
    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", UNAUTHORIZED)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 429 `rate_limited` with its `Retry-After` (at least one second).
    pub fn rate_limited(what: &str, retry_after: u64) -> ApiError {
        let secs = retry_after.max(1);
        ApiError {
            retry_after: Some(secs),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests {what}: retry in {secs} s"),
            )
        }
    }

    /// 503 `store_unavailable`.
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            message,
        )
    }

    /// 500 `internal_error` (a defect).
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", message)
    }

    /// The answer to a station error.
    pub fn from_station(e: &StationError) -> ApiError {
        let (status, code) = status_of(e);
        if status == StatusCode::UNAUTHORIZED {
            return ApiError::unauthorized();
        }
        let mut message = e.to_string();
        if let Some(h) = e.hint() {
            message.push_str(&words(&h));
        }
        ApiError::new(status, code, message)
    }
}

impl From<StationError> for ApiError {
    fn from(e: StationError) -> ApiError {
        ApiError::from_station(&e)
    }
}

/// The status and code of a station error.
fn status_of(e: &StationError) -> (StatusCode, &'static str) {
    if let StationError::Access(a) = e {
        match a {
            AccessError::Unauthenticated(_) => return (StatusCode::UNAUTHORIZED, "unauthorized"),
            AccessError::Forbidden { .. }
            | AccessError::OutOfScope { .. }
            | AccessError::NeedsUnscoped { .. } => return (StatusCode::FORBIDDEN, "forbidden"),
            _ => {}
        }
    }
    match e.refusal() {
        Some(Refusal::NotFound) => return (StatusCode::NOT_FOUND, "not_found"),
        Some(Refusal::Exists) => return (StatusCode::CONFLICT, "already_exists"),
        Some(Refusal::Conflict) => return (StatusCode::CONFLICT, "conflict"),
        None => {}
    }
    match e.class() {
        _ if matches!(e, StationError::Internal(_)) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
        }
        ErrorClass::Input | ErrorClass::Rejected => (StatusCode::BAD_REQUEST, "invalid_request"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "store_unavailable"),
    }
}

/// This face's words for a hint: the route or field to use.
pub fn words(h: &Hint) -> String {
    use Hint as H;
    match h {
        H::See(l) => format!(
            " (see GET /api/v1/{})",
            match l {
                Listing::Tokens => "tokens",
                Listing::Products => "products",
                Listing::Holders => "holders",
                Listing::Locations => "locations",
                Listing::ApiKeys => "keys",
            }
        ),
        H::NameProduct | H::GiveProduct => ": give `product`".into(),
        H::ActivateWithCode { serial } => {
            format!(": POST /api/v1/tokens/{serial}/activate with its first code")
        }
        H::RetireOrForce => ": retire it first".into(),
        H::AssignToken => " (see POST /api/v1/tokens/{serial}/assign)".into(),
        H::Unlock => ": the server's station is locked; restart it with its key".into(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::access::Role;
    use crate::station::access::{Action, AuthFailure};

    #[test]
    fn statuses() {
        let unauth = StationError::from(AccessError::Unauthenticated(AuthFailure::WrongSecret));
        assert_eq!(ApiError::from_station(&unauth), ApiError::unauthorized());
        let other = StationError::from(AccessError::Unauthenticated(AuthFailure::UnknownKey));
        assert_eq!(
            ApiError::from_station(&other),
            ApiError::from_station(&unauth)
        );
        let forbidden = StationError::from(AccessError::Forbidden {
            key_id: "k".into(),
            role: Role::Kiosk,
            action: Action::TokenRead,
        });
        assert_eq!(
            ApiError::from_station(&forbidden).status,
            StatusCode::FORBIDDEN
        );
        let unknown = StationError::UnknownToken {
            serial: "X".into(),
            product: None,
        };
        let e = ApiError::from_station(&unknown);
        assert_eq!((e.status, e.code), (StatusCode::NOT_FOUND, "not_found"));
        assert!(
            e.message.ends_with("(see GET /api/v1/tokens)"),
            "{}",
            e.message
        );
        let gone = StationError::NotUnverified {
            serial: "S".into(),
            status: crate::model::TokenStatus::Active,
        };
        assert_eq!(ApiError::from_station(&gone).code, "conflict");
        assert_eq!(
            ApiError::from_station(&StationError::EmptyPeriod { from: 1, to: 1 }).status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            ApiError::from_station(&StationError::Locked).status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            ApiError::rate_limited("for this key", 0).retry_after,
            Some(1)
        );
    }
}
