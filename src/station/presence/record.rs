//! One kiosk decision in one write transaction: who presented what, what the location
//! requires, which direction, the anti-passback rules, the code check by the
//! verification engine, and the event (accepted or refused, with its reason).
//!
//! Rules, in order:
//! 1. A known idempotency key returns the stored event (a replayed tap is not counted
//!    twice).
//! 2. The credential (card, tag, or token serial) names the holder; unknown →
//!    `UNKNOWN_CREDENTIAL`; a card and a token of different holders →
//!    `CREDENTIAL_MISMATCH`.
//! 3. The mode: `card` needs a card or tag (`CARD_REQUIRED`); `code` and `card+code`
//!    need a code — a tap alone answers [`Outcome::NeedCode`]; `card+code` also needs
//!    the tap (`CARD_REQUIRED`).
//! 4. A bare tap within the location's fold interval of the holder's last event is
//!    folded into it ([`Outcome::Folded`], nothing recorded).
//! 5. Direction: explicit, else the opposite of the holder's last event here (toggle).
//!    Soft anti-passback: an explicit `in` while in → `ALREADY_IN`, an explicit `out`
//!    while out → `NOT_IN`; any event sooner than the minimum interval after the last
//!    one → `TOO_SOON`.
//! 6. The code, checked at the location by the verification engine (its statuses,
//!    e.g. `INVALID_CODE`, `REPLAYED`, become the reason); `NO_TOKEN` when the holder
//!    has none.

use serde::Serialize;

use super::candidates::{holder_serials, token_holder, typed_candidate};
use super::passback::{Intervals, Last, Passback, decide};
use super::vocab::{EventSource, EventStatus, Reason};
use super::{CredentialKey, Direction, Mode};
use crate::station::limits::Source;
use crate::station::tx::Tx;
use crate::station::verify::{Status, VerifyRequest, verify_in};
use crate::station::{Result, Station, StationError};
use crate::store::presence::{Event, NewEvent};
use crate::vault::MasterKey;

/// A typed code, with the serial of its token when given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedCode {
    /// Token serial (`SERIAL CODE`).
    pub serial: Option<String>,
    /// The code.
    pub code: String,
}

/// What a holder presented at a kiosk.
#[derive(Debug, Clone, Default)]
pub struct Presentation {
    /// Location name.
    pub location: String,
    /// Reader spec or name (`stdin` for the terminal).
    pub reader: Option<String>,
    /// Unix seconds.
    pub at: i64,
    /// Idempotency key (reader + credential + tap time and sequence).
    pub idem: Option<String>,
    /// Explicit direction.
    pub direction: Option<Direction>,
    /// A card or tag tapped (or tapped just before the code).
    pub credential: Option<CredentialKey>,
    /// A typed code.
    pub code: Option<TypedCode>,
}

/// What became of a presentation.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A new event was committed (accepted or refused).
    Recorded(Event),
    /// The idempotency key was seen before: the event stored then.
    Duplicate(Event),
    /// A repeated tap inside the fold interval: the holder's last event.
    Folded(Event),
    /// The holder is identified; the location wants a code next.
    NeedCode {
        /// Holder's external id.
        holder: String,
        /// Holder's label.
        label: Option<String>,
        /// The credential tapped.
        credential: String,
    },
}

struct Refusal {
    holder_id: Option<i64>,
    reason: Reason,
}

fn refuse(
    c: &Tx<'_>,
    p: &Presentation,
    location_id: i64,
    credential: Option<&str>,
    r: Refusal,
) -> Result<Outcome> {
    let id = c.event_insert(&NewEvent {
        location_id,
        holder_id: r.holder_id,
        at: p.at,
        status: EventStatus::Refused.as_str(),
        reason: Some(r.reason.as_str()),
        source: EventSource::Kiosk.as_str(),
        credential,
        reader: p.reader.as_deref(),
        idem: p.idem.as_deref(),
        ..NewEvent::default()
    })?;
    Ok(Outcome::Recorded(c.event_by_id(id)?))
}

/// The decision inside the transaction.
pub(crate) fn record_in(c: &Tx<'_>, key: Option<&MasterKey>, p: &Presentation) -> Result<Outcome> {
    if let Some(idem) = &p.idem
        && let Some(e) = c.event_by_idem(idem)?
    {
        return Ok(Outcome::Duplicate(e));
    }
    let loc = c.location_get(&p.location)?;
    let settings = c.presence_settings(loc.id)?;
    let mode: Mode = settings.mode.parse()?;
    let serial = p.code.as_ref().and_then(|t| t.serial.clone());
    let cred_text = p
        .credential
        .as_ref()
        .map(|k| k.to_string())
        .or_else(|| serial.as_ref().map(|s| format!("token {s}")));
    let cred = cred_text.as_deref();
    let no_holder = |reason| Refusal {
        holder_id: None,
        reason,
    };

    let by_card = match &p.credential {
        Some(k) => match c.credential_find(k.kind.as_str(), &k.value)? {
            Some(cr) => Some(cr),
            None => return refuse(c, p, loc.id, cred, no_holder(Reason::UnknownCredential)),
        },
        None => None,
    };
    let by_token = match &serial {
        Some(s) => match token_holder(c, s)? {
            Some(h) => Some(h),
            None => return refuse(c, p, loc.id, cred, no_holder(Reason::UnknownCredential)),
        },
        None => None,
    };
    let holder_id = match (&by_card, by_token) {
        (Some(cr), Some(h)) if cr.holder_id != h => {
            let r = Refusal {
                holder_id: Some(cr.holder_id),
                reason: Reason::CredentialMismatch,
            };
            return refuse(c, p, loc.id, cred, r);
        }
        (Some(cr), _) => cr.holder_id,
        (None, Some(h)) => h,
        (None, None) => return refuse(c, p, loc.id, cred, no_holder(Reason::CardRequired)),
    };
    let refusal = |reason| Refusal {
        holder_id: Some(holder_id),
        reason,
    };

    let needs_code = mode != Mode::Card;
    if mode != Mode::Code && by_card.is_none() {
        return refuse(c, p, loc.id, cred, refusal(Reason::CardRequired));
    }
    if needs_code && p.code.is_none() {
        let cr = by_card.as_ref();
        return Ok(Outcome::NeedCode {
            holder: cr.map(|c| c.holder.clone()).unwrap_or_default(),
            label: cr.and_then(|c| c.label.clone()),
            credential: cred.unwrap_or_default().to_string(),
        });
    }

    let last = c.event_last_kiosk(holder_id, loc.id)?;
    let seen = last.as_ref().map(|l| Last {
        direction: l.direction.as_deref().and_then(|d| d.parse().ok()),
        at: l.at,
    });
    let iv = Intervals {
        fold: settings.fold,
        min_interval: settings.min_interval,
    };
    let direction = match decide(seen, p.direction, p.code.is_some(), p.at, iv) {
        Passback::Fold => match last {
            Some(l) => return Ok(Outcome::Folded(l)),
            None => return Err(StationError::Internal("folded without a last event".into())),
        },
        Passback::Refuse(reason) => return refuse(c, p, loc.id, cred, refusal(reason)),
        Passback::Go(d) => d,
    };

    if needs_code && let Some(tc) = &p.code {
        let key = key.ok_or(StationError::Locked)?;
        let candidates = match &serial {
            Some(s) => vec![typed_candidate(c, s)?],
            None => holder_serials(c, holder_id)?,
        };
        let Some((first, first_product)) = candidates.first() else {
            return refuse(c, p, loc.id, cred, refusal(Reason::NoToken));
        };
        // The kiosk's reader is the source its per-source delay counts (a reader name
        // the name rule refuses counts with the unnamed sources).
        let source = Source::reader(p.reader.as_deref().unwrap_or("kiosk")).ok();
        let first_request = VerifyRequest {
            serial: first,
            code: &tc.code,
            location: Some(&loc.name),
            product: first_product.as_deref(),
            source: source.as_ref(),
            at: p.at,
            record: true,
        };
        let mut verdict = None;
        for (s, product) in &candidates {
            let dry = VerifyRequest {
                serial: s,
                product: product.as_deref(),
                record: false,
                ..first_request
            };
            if verify_in(c, key, &dry)?.status == Status::Ok {
                verdict = Some(verify_in(
                    c,
                    key,
                    &VerifyRequest {
                        record: true,
                        ..dry
                    },
                )?);
                break;
            }
        }
        let v = match verdict {
            Some(v) => v,
            None => verify_in(c, key, &first_request)?,
        };
        if v.status != Status::Ok {
            return refuse(c, p, loc.id, cred, refusal(Reason::Code(v.status)));
        }
    }

    let id = c.event_insert(&NewEvent {
        location_id: loc.id,
        holder_id: Some(holder_id),
        at: p.at,
        direction: Some(direction.as_str()),
        status: EventStatus::Ok.as_str(),
        source: EventSource::Kiosk.as_str(),
        credential: cred,
        reader: p.reader.as_deref(),
        idem: p.idem.as_deref(),
        ..NewEvent::default()
    })?;
    Ok(Outcome::Recorded(c.event_by_id(id)?))
}

impl Station {
    /// Decides and records one presentation at a kiosk (one write transaction). The
    /// returned event is committed.
    pub fn presence_record(&mut self, p: &Presentation) -> Result<Outcome> {
        let coded = p.code.is_some();
        self.write(|tx| record_in(tx, Some(tx.key()).filter(|_| coded), p))
    }

    /// Who a credential names, without recording anything.
    pub fn presence_identify(
        &self,
        k: &CredentialKey,
    ) -> Result<Option<crate::store::presence::Credential>> {
        Ok(self.read().credential_find(k.kind.as_str(), &k.value)?)
    }

    /// Checks out everyone still in at `location` after its closing time: each open
    /// session started before the latest closing time at or before `now` gets an
    /// automatic `out` event at that closing time (idempotent).
    pub fn presence_auto_checkout(&mut self, location: &str, now: i64) -> Result<Vec<Event>> {
        // Read first: the kiosk asks every second, and most of the time there is
        // nothing to write (no closing time, or nobody in since before it).
        {
            let c = self.read();
            let loc = c.location_get(location)?;
            let Some(minute) = c.presence_settings(loc.id)?.close_minute else {
                return Ok(Vec::new());
            };
            let Some(close) = super::report::last_close(&loc.tz, minute, now) else {
                return Ok(Vec::new());
            };
            if !c.events_open(Some(loc.id))?.iter().any(|e| e.at < close) {
                return Ok(Vec::new());
            }
        }
        self.write(|c| {
            let loc = c.location_get(location)?;
            let settings = c.presence_settings(loc.id)?;
            let Some(minute) = settings.close_minute else {
                return Ok(Vec::new());
            };
            let Some(close) = super::report::last_close(&loc.tz, minute, now) else {
                return Ok(Vec::new());
            };
            let mut out = Vec::new();
            for open in c.events_open(Some(loc.id))? {
                if open.at >= close {
                    continue;
                }
                let idem = format!("auto|{}|{}|{close}", loc.id, open.holder_id.unwrap_or(0));
                if c.event_by_idem(&idem)?.is_some() {
                    continue;
                }
                let id = c.event_insert(&NewEvent {
                    location_id: loc.id,
                    holder_id: open.holder_id,
                    at: close,
                    direction: Some(Direction::Out.as_str()),
                    status: EventStatus::Ok.as_str(),
                    reason: Some(Reason::ClosingTime.as_str()),
                    source: EventSource::Auto.as_str(),
                    idem: Some(&idem),
                    ..NewEvent::default()
                })?;
                out.push(c.event_by_id(id)?);
            }
            Ok(out)
        })
    }
}
