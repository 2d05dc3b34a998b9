//! How `tokenstation device` prints its results: key-value lines for a token's info,
//! a table of what it holds, one line per change; `--json` prints the station's read
//! model or outcome as it is.

use std::process::ExitCode;

use super::Ctx;
use super::output::{self, opt, table};
use super::time::rfc3339;
use crate::devices::{ManagementCapabilities, ResetConfirmation, ResetOutcome};
use crate::station::device::{Deleted, RegisteredToken, Renamed, ResetDone};
use crate::station::views::device::{DeviceInfoView, HeldList};

fn tokens(t: &[RegisteredToken]) -> String {
    if t.is_empty() {
        return "-".into();
    }
    t.iter()
        .map(|t| format!("{} ({})", t.serial, t.status))
        .collect::<Vec<_>>()
        .join(", ")
}

fn retired(t: &[RegisteredToken]) -> String {
    match t.len() {
        0 => String::new(),
        _ => format!(
            "; retired token {}",
            t.iter()
                .map(|t| format!("{} ({})", t.serial, t.product))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn manages(m: &ManagementCapabilities) -> String {
    let mut can = Vec::new();
    if m.list {
        can.push("list".to_string());
    }
    match (m.delete_by_name, m.delete_by_slot) {
        (true, true) => can.push("delete by name or slot".into()),
        (true, false) => can.push("delete by name".into()),
        (false, true) => can.push("delete by slot".into()),
        (false, false) => {}
    }
    if m.rename {
        can.push("rename".into());
    }
    if let Some(c) = m.factory_reset {
        can.push(match c {
            ResetConfirmation::None => "factory reset".into(),
            ResetConfirmation::Touch => "factory reset (with a touch)".into(),
            ResetConfirmation::ButtonPress => "factory reset (with ▲ on the device)".into(),
            ResetConfirmation::AdminPin => "factory reset (with the admin PIN)".into(),
        });
    }
    match can.is_empty() {
        true => "nothing (it tells only its serial and clock)".into(),
        false => can.join(", "),
    }
}

/// `device info`.
pub fn info(ctx: &Ctx, v: &DeviceInfoView) -> anyhow::Result<ExitCode> {
    if ctx.json {
        return output::json(v);
    }
    let clock = match (v.info.clock, v.clock_offset) {
        (Some(c), Some(off)) => format!("{} ({off:+} s from this host)", rfc3339(c)),
        _ => "not readable".into(),
    };
    for (k, val) in [
        ("reader", v.reader.clone()),
        ("family", v.info.family.to_string()),
        ("model", opt(&v.info.model)),
        ("serial", opt(&v.info.serial)),
        ("firmware", opt(&v.info.firmware)),
        ("clock", clock),
        ("manages", manages(&v.management)),
    ] {
        outln!("{k:<9} {}", super::output::shown(&val))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `device list`: every entry that holds a seed (`all`: empty ones too).
pub fn list(ctx: &Ctx, v: &HeldList, all: bool) -> anyhow::Result<ExitCode> {
    if ctx.json {
        return output::json(v);
    }
    let numbered = v.entries.iter().any(|e| e.held.slot.is_some());
    let rows: Vec<Vec<String>> = v
        .entries
        .iter()
        .filter(|e| all || e.held.occupied)
        .map(|e| {
            let h = &e.held;
            let mut row = Vec::new();
            if numbered {
                row.push(opt(&h.slot));
            }
            row.extend([
                opt(&h.name),
                match h.occupied {
                    true => opt(&h.kind),
                    false => "(empty)".into(),
                },
                opt(&h.algorithm),
                opt(&h.digits),
                opt(&h.period),
                h.touch.map_or("-", |t| if t { "yes" } else { "no" }).into(),
                tokens(&e.tokens),
            ]);
            row
        })
        .collect();
    let mut header = vec!["NAME", "TYPE", "HASH", "DIGITS", "PERIOD", "TOUCH", "TOKEN"];
    if numbered {
        header.insert(0, "SLOT");
    }
    let occupied = v.occupied().count();
    outln!(
        "{} token{} in {}: {occupied} of {} {} hold a seed",
        v.family,
        v.serial
            .as_deref()
            .map(|s| format!(" {s}"))
            .unwrap_or_default(),
        v.reader,
        v.entries.len(),
        if numbered { "slots" } else { "credentials" },
    )?;
    table(&header, &rows)?;
    Ok(ExitCode::SUCCESS)
}

/// `device delete`.
pub fn deleted(ctx: &Ctx, d: &Deleted) -> anyhow::Result<ExitCode> {
    if ctx.json {
        return output::json(d);
    }
    let what = match (&d.name, d.slot) {
        (Some(n), Some(s)) => format!("slot {s} \"{n}\""),
        (Some(n), None) => format!("\"{n}\""),
        (None, Some(s)) => format!("slot {s}"),
        (None, None) => "it".into(),
    };
    outln!(
        "deleted {what} from the {} token in {}{}",
        d.family,
        d.reader,
        retired(&d.retired)
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `device rename`.
pub fn renamed(ctx: &Ctx, r: &Renamed) -> anyhow::Result<ExitCode> {
    if ctx.json {
        return output::json(r);
    }
    let from = match (&r.from, r.slot) {
        (Some(n), _) => format!("\"{n}\""),
        (None, Some(s)) => format!("slot {s}"),
        (None, None) => "it".into(),
    };
    let follows = match r.tokens.is_empty() {
        true => String::new(),
        false => format!(" (registered token {} follows)", tokens(&r.tokens)),
    };
    outln!(
        "renamed {from} to \"{}\" on the {} token in {}{follows}",
        r.to,
        r.family,
        r.reader
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `device reset`.
pub fn reset(ctx: &Ctx, r: &ResetDone) -> anyhow::Result<ExitCode> {
    if ctx.json {
        return output::json(r);
    }
    let how = match r.outcome {
        ResetOutcome::Done => "factory reset",
        ResetOutcome::PressButton => "factory reset accepted; it runs when ▲ is pressed on",
    };
    outln!(
        "{how} the {} token in {}{}",
        r.family,
        r.reader,
        retired(&r.retired)
    )?;
    Ok(ExitCode::SUCCESS)
}
