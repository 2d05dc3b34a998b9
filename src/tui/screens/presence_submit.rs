//! A presence-token code submitted from the presence screen: the form (location, the
//! code — masked, not echoed —, when it was read, who, which direction) and the
//! station's answer in words. The station parses the time and the direction, checks
//! the code at its stated time and records the event ([`Station::presence_submit`]).

use zeroize::Zeroizing;

use crate::station::presence::Reason;
use crate::station::presence::report::local;
use crate::station::presence::tokens::{Submission, SubmitOutcome, SubmitStatus};
use crate::station::time::{parse_time, rfc3339};
use crate::station::verdict::Status;
use crate::station::{Result, Station};
use crate::tui::app::Shared;
use crate::tui::form::Form;
use crate::tui::input::Field;
use crate::tui::words;

/// One answer of the station, as listed on the screen.
#[derive(Debug, Clone)]
pub struct SubmitLine {
    /// The answer in words.
    pub text: String,
    /// Whether the code proved the presence.
    pub good: bool,
}

/// The form, its location first among `locations`, the time read defaulting to `now`.
pub fn form(locations: Vec<String>, now: i64) -> Form {
    let mut f = Form::new("Presence-token code")
        .field("location", Field::new(false))
        .choices(locations)
        .field("code (not shown)", Field::new(true))
        .field("read at", Field::with_text(&rfc3339(now)))
        .field("holder (empty: anonymous)", Field::new(false))
        .field("direction", Field::new(false))
        .choices(vec![String::new(), "in".into(), "out".into()]);
    f.note = "RFC 3339 or Unix seconds · Enter submits · Esc cancels".into();
    f
}

/// Submits the form through the station; `None` when no station is at hand.
pub fn send(f: &mut Form, sh: &mut Shared) -> Option<SubmitLine> {
    let st = sh.st.as_mut()?;
    let code: Zeroizing<String> = f.take(1);
    Some(match submit(st, f, code.trim()) {
        Ok(line) => line,
        Err(e) => SubmitLine {
            text: words::error(&e),
            good: false,
        },
    })
}

fn submit(st: &mut Station, f: &Form, code: &str) -> Result<SubmitLine> {
    let location = f.value(0).to_string();
    let s = Submission {
        location: location.clone(),
        code: code.to_string(),
        at: parse_time(f.value(2))?,
        holder: (!f.value(3).is_empty()).then(|| f.value(3).to_string()),
        direction: match f.value(4) {
            "" => None,
            d => Some(d.parse()?),
        },
        idem: None,
    };
    let o = st.presence_submit(&s)?;
    let tz = st.location_detail(&location)?.tz;
    Ok(SubmitLine {
        text: describe(&tz, &s, &o),
        good: o.status == SubmitStatus::Ok,
    })
}

fn describe(tz: &str, s: &Submission, o: &SubmitOutcome) -> String {
    let who = words::safe(s.holder.as_deref().unwrap_or("anonymous"), 20);
    let dir = s.direction.map(|d| format!(" {d}")).unwrap_or_default();
    let at = words::safe(&s.location, 20);
    match o.status {
        SubmitStatus::Duplicate => format!("DUPLICATE {who}{dir} at {at}: event #{}", o.event_id),
        SubmitStatus::Ok => {
            let mut line = format!(
                "OK {who}{dir} at {at}: present {} – {} (event #{})",
                o.bound_from.map(|t| local(tz, t)).unwrap_or_default(),
                o.bound_to.map(|t| local(tz, t)).unwrap_or_default(),
                o.event_id
            );
            if let Some(v) = &o.visit {
                line.push_str(&format!(
                    "; visit of {}–{} min",
                    v.min_seconds / 60,
                    v.max_seconds / 60
                ));
            }
            line
        }
        SubmitStatus::Refused => {
            let why = match (o.reason, o.nearest) {
                (Some(Reason::TimeMismatch), Some(n)) => format!(
                    "the code does not match that time; it matches {}",
                    local(tz, n)
                ),
                (Some(Reason::Code(Status::Replayed)), _) => "this code was used already".into(),
                (Some(r), _) => {
                    format!("{r}: the code matches no presence token of {at} within a day")
                }
                (None, _) => "refused".into(),
            };
            format!("REFUSED {who}{dir} at {at}: {why} (event #{})", o.event_id)
        }
    }
}
