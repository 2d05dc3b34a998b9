//! Lines several screens show the same way: an attempt and an audit line. `wide`
//! adds the columns a full-width list has room for (location and offset; actor).

use ratatui::text::{Line, Span};

use super::theme::Theme;
use super::words;
use crate::station::views::{Attempt, AuditEntry};

/// One verification attempt: time, serial, status (green when `OK`).
pub fn attempt(a: &Attempt, t: Theme, wide: bool) -> Line<'static> {
    let style = if a.status == "OK" { t.good() } else { t.bad() };
    let mut spans = vec![
        Span::styled(format!("{} ", words::time(a.at)), t.dim()),
        Span::raw(format!("{:<12} ", words::safe(&a.serial, 12))),
        Span::styled(format!("{:<14}", a.status), style),
    ];
    if wide {
        spans.push(Span::raw(format!(
            "{} {}",
            words::safe(a.location.as_deref().unwrap_or("-"), 20),
            a.step_offset.map(|o| format!("{o:+}")).unwrap_or_default()
        )));
    }
    Line::from(spans)
}

/// One audit line: time, action, subject (and the actor when `wide`).
pub fn audit(a: &AuditEntry, t: Theme, wide: bool) -> Line<'static> {
    let mut spans = vec![
        Span::styled(format!("{} ", words::time(a.at)), t.dim()),
        Span::styled(format!("{} ", words::safe(&a.action, 22)), t.title()),
        Span::raw(format!("{} ", words::safe(&a.subject, 40))),
    ];
    if wide {
        spans.push(Span::styled(words::safe(&a.actor, 24), t.dim()));
    }
    Line::from(spans)
}
