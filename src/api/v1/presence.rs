//! Presence: a kiosk's events (with its idempotency key: 201 the first time, 200 with
//! the stored event on a replay), presence-token submissions, who is in, reports.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{When, seconds_or_now};
use crate::api::Shared;
use crate::api::auth::Creds;
use crate::api::extract::{Body, Params};
use crate::api::render::{Format, answer, error, respond};
use crate::station::Result;
use crate::station::access::{Action, Caller, ScopeKind};
use crate::station::presence::tokens::{Submission, SubmitStatus};
use crate::station::presence::{CredentialKey, Outcome, Presentation, TypedCode};
use crate::station::views::PeriodEdge;

/// The location a request acts at: named, or the key's only one.
fn location_of(caller: &Caller, named: Option<&str>) -> Result<String> {
    caller
        .resolve(ScopeKind::Location, named)?
        .ok_or_else(|| crate::otp::OtpError::invalid("location", "give `location`").into())
}

/// What a kiosk saw: a card or tag, a typed code (with its token's serial), or both.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    /// Location (a key with one location may omit it).
    pub location: Option<String>,
    /// A card UID in hex (4, 7 or 10 bytes).
    pub card: Option<String>,
    /// A 125 kHz tag id (10 digits, W26 `177,49875` or 10 hex digits).
    pub tag: Option<String>,
    /// The serial of the token a code was typed from.
    pub serial: Option<String>,
    /// A typed code.
    pub code: Option<String>,
    /// in or out [default: the opposite of the holder's last event].
    pub direction: Option<String>,
    /// When it happened [default now] (a kiosk's queued taps).
    pub at: Option<When>,
    /// The kiosk's key for this tap: a replay answers the stored event with 200.
    pub idempotency_key: Option<String>,
    /// The reader it came from.
    pub reader: Option<String>,
}

fn presentation(b: EventBody, location: String, at: i64) -> Result<Presentation> {
    let credential = match (&b.card, &b.tag) {
        (Some(c), None) => Some(CredentialKey::parse_card(c)?),
        (None, Some(t)) => Some(CredentialKey::parse_tag(t)?),
        (None, None) => None,
        _ => {
            return Err(
                crate::otp::OtpError::invalid("credential", "give card or tag, not both").into(),
            );
        }
    };
    Ok(Presentation {
        location,
        reader: b.reader,
        at,
        idem: b.idempotency_key,
        direction: b.direction.as_deref().map(str::parse).transpose()?,
        credential,
        code: b.code.map(|code| TypedCode {
            serial: b.serial,
            code,
        }),
    })
}

/// Records what a kiosk saw (one decision, committed before the answer).
#[utoipa::path(post, path = "/api/v1/presence/events", tag = "presence", request_body = EventBody,
    responses((status = 201, description = "A new event (accepted or refused, with its reason)"),
        (status = 200, description = "A replayed idempotency key (the stored event), a folded tap, or `need_code`")))]
pub async fn events(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Body(b): Body<EventBody>,
) -> Response {
    let at = match seconds_or_now(b.at.as_ref()) {
        Ok(at) => at,
        Err(e) => return error(format, &e),
    };
    let r = app
        .pool
        .write(creds, move |st, caller| {
            caller.require(Action::PresenceWrite)?;
            let location = location_of(caller, b.location.as_deref())?;
            st.presence_record(&presentation(b, location, at)?)
        })
        .await;
    match r {
        Ok(o @ Outcome::Recorded(_)) => respond(format, StatusCode::CREATED, &o),
        Ok(o) => respond(format, StatusCode::OK, &o),
        Err(e) => error(format, &e),
    }
}

/// A code read from a location's presence token, with the time it was read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    /// Location (a key with one location may omit it).
    pub location: Option<String>,
    /// The code the presence token showed.
    pub code: String,
    /// When it was read.
    pub at: When,
    /// Who read it (anonymous without).
    pub holder: Option<String>,
    /// in or out.
    pub direction: Option<String>,
    /// A key for this submission: a replay answers the stored outcome with 200.
    pub idempotency_key: Option<String>,
}

/// Checks and records a presence-token code.
#[utoipa::path(post, path = "/api/v1/presence/submit", tag = "presence", request_body = SubmitBody,
    responses((status = 201, description = "Recorded: OK (presence proven) or REFUSED with a reason"),
        (status = 200, description = "A replayed idempotency key (DUPLICATE)")))]
pub async fn submit(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Body(b): Body<SubmitBody>,
) -> Response {
    let at = match b.at.seconds() {
        Ok(at) => at,
        Err(e) => return error(format, &e),
    };
    let r = app
        .pool
        .write(creds, move |st, caller| {
            caller.require(Action::PresenceWrite)?;
            let s = Submission {
                location: location_of(caller, b.location.as_deref())?,
                code: b.code,
                at,
                holder: b.holder,
                direction: b.direction.as_deref().map(str::parse).transpose()?,
                idem: b.idempotency_key,
            };
            st.presence_submit(&s)
        })
        .await;
    match r {
        Ok(o) if o.status == SubmitStatus::Duplicate => respond(format, StatusCode::OK, &o),
        Ok(o) => respond(format, StatusCode::CREATED, &o),
        Err(e) => error(format, &e),
    }
}

/// `?location=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AtLocation {
    /// Only this location (a key with one location may omit it).
    pub location: Option<String>,
}

/// Who is in now.
#[utoipa::path(get, path = "/api/v1/presence/now", tag = "presence", params(AtLocation),
    responses((status = 200, description = "Holders in, fields as `presence now --json`")))]
pub async fn now_in(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Params(q): Params<AtLocation>,
) -> Response {
    let r = app
        .pool
        .read(creds, move |st, caller| {
            caller.require(Action::PresenceRead)?;
            let l = caller.resolve(ScopeKind::Location, q.location.as_deref())?;
            st.presence_now(l.as_deref())
        })
        .await;
    answer(format, StatusCode::OK, r)
}

/// The period of a report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Location (a key with one location may omit it).
    pub location: Option<String>,
    /// First day (YYYY-MM-DD, local) or a time (RFC 3339, Unix seconds).
    pub from: String,
    /// Last day, inclusive, or an exclusive end time.
    pub to: String,
}

/// Per holder over a period: first in, last out, total time, sessions, refusals.
#[utoipa::path(get, path = "/api/v1/presence/report", tag = "presence", params(ReportQuery),
    responses((status = 200, description = "The report, fields as `presence report --json`")))]
pub async fn report(
    State(app): State<Shared>,
    creds: Creds,
    format: Format,
    Params(q): Params<ReportQuery>,
) -> Response {
    let r = app
        .pool
        .read(creds, move |st, caller| {
            caller.require(Action::PresenceRead)?;
            let l = location_of(caller, q.location.as_deref())?;
            let (from, to) = (q.from.parse::<PeriodEdge>()?, q.to.parse::<PeriodEdge>()?);
            st.presence_report_over(&l, from, to)
        })
        .await;
    answer(format, StatusCode::OK, r)
}
