//! Answer formats of the native API: JSON by default, XML with `Accept:
//! application/xml` (or `?format=xml`), and with `Accept: text/plain` (or
//! `?format=text`) the status word alone: a verdict's `status` (`OK`,
//! `INVALID_CODE`…), a presence outcome, an error's code, else the HTTP status word.

use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use super::error::ApiError;
use super::xml::to_xml;

/// How an answer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json`.
    Json,
    /// `application/xml`.
    Xml,
    /// `text/plain`: the status word.
    Text,
}

impl Format {
    /// The format a `format` query value or an `Accept` header asks for.
    pub fn negotiate(query: Option<&str>, accept: Option<&str>) -> Format {
        match query.map(str::to_ascii_lowercase).as_deref() {
            Some("xml") => return Format::Xml,
            Some("text" | "plain") => return Format::Text,
            Some("json") => return Format::Json,
            _ => {}
        }
        let accept = accept.unwrap_or("").to_ascii_lowercase();
        let first = |needle: &str| accept.find(needle);
        let json = first("application/json");
        let xml = first("application/xml").or_else(|| first("text/xml"));
        let text = first("text/plain");
        // The type named first wins; JSON when none is named.
        [
            (json, Format::Json),
            (xml, Format::Xml),
            (text, Format::Text),
        ]
        .into_iter()
        .filter_map(|(at, f)| at.map(|i| (i, f)))
        .min_by_key(|(i, _)| *i)
        .map(|(_, f)| f)
        .unwrap_or(Format::Json)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Format {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Format, Self::Rejection> {
        let query = parts.uri.query().and_then(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == "format")
                .map(|(_, v)| v.to_string())
        });
        let accept = parts.headers.get(ACCEPT).and_then(|v| v.to_str().ok());
        Ok(Format::negotiate(query.as_deref(), accept))
    }
}

/// The status word of an answer (the `text/plain` rendering).
fn status_word(status: StatusCode, v: &Value) -> String {
    ["status", "outcome", "error"]
        .iter()
        .find_map(|k| v.get(k).and_then(Value::as_str))
        .map(str::to_string)
        .unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("OK")
                .to_ascii_uppercase()
                .replace(' ', "_")
        })
}

/// Writes `value` with `status` in `format` (JSON with the fields in the order the
/// CLI's `--json` prints them).
pub fn respond<T: Serialize>(format: Format, status: StatusCode, value: &T) -> Response {
    let text = match format {
        Format::Json => serde_json::to_string(value),
        Format::Xml | Format::Text => serde_json::to_value(value).map(|v| match format {
            Format::Xml => to_xml("response", &v),
            _ => status_word(status, &v) + "\n",
        }),
    };
    match text {
        Ok(text) => body(format, status, text),
        Err(e) => error(format, &ApiError::internal(format!("rendering: {e}"))),
    }
}

fn body(format: Format, status: StatusCode, text: String) -> Response {
    let ctype = match format {
        Format::Json => "application/json",
        Format::Xml => "application/xml; charset=utf-8",
        Format::Text => "text/plain; charset=utf-8",
    };
    let mut r = (status, text).into_response();
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(ctype));
    r
}

/// Writes an error as `{"error": code, "message": …}` in `format`, with `Retry-After`
/// on a 429.
pub fn error(format: Format, e: &ApiError) -> Response {
    let v = serde_json::json!({"error": e.code, "message": e.message});
    with_retry_after(respond(format, e.status, &v), e)
}

/// Adds `Retry-After` when the error has one.
pub fn with_retry_after(mut r: Response, e: &ApiError) -> Response {
    if let Some(s) = e.retry_after {
        r.headers_mut().insert(RETRY_AFTER, HeaderValue::from(s));
    }
    r
}

/// Renders a handler's outcome: `ok` with `status`, or the error.
pub fn answer<T: Serialize>(
    format: Format,
    status: StatusCode,
    r: Result<T, ApiError>,
) -> Response {
    match r {
        Ok(v) => respond(format, status, &v),
        Err(e) => error(format, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        use Format::*;
        assert_eq!(Format::negotiate(None, None), Json);
        assert_eq!(Format::negotiate(None, Some("application/xml")), Xml);
        assert_eq!(Format::negotiate(None, Some("text/xml;q=0.9")), Xml);
        assert_eq!(Format::negotiate(None, Some("text/plain")), Text);
        assert_eq!(Format::negotiate(None, Some("*/*")), Json);
        assert_eq!(
            Format::negotiate(None, Some("application/json, application/xml")),
            Json
        );
        assert_eq!(
            Format::negotiate(Some("xml"), Some("application/json")),
            Xml
        );
        assert_eq!(Format::negotiate(Some("TEXT"), None), Text);
        assert_eq!(
            status_word(StatusCode::OK, &serde_json::json!({"status": "REPLAYED"})),
            "REPLAYED"
        );
        assert_eq!(
            status_word(StatusCode::CREATED, &serde_json::json!({"items": []})),
            "CREATED"
        );
        assert_eq!(
            status_word(
                StatusCode::NOT_FOUND,
                &serde_json::json!({"error": "not_found"})
            ),
            "not_found"
        );
    }
}
