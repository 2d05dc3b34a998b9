//! `hw list`: prints the station's hardware inventory as text or JSON (stable field
//! names).

use std::process::ExitCode;

use super::super::output::OutputError;
use crate::station::views::hardware::{self, Inventory, Section};

pub(super) fn list(json: bool, all_usb: bool, serial: &[String]) -> anyhow::Result<ExitCode> {
    let found = hardware::inventory(all_usb, serial)?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&found)?)?;
    } else {
        print_text(&found)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn section_header<T>(title: &str, s: &Section<T>) -> Result<(), OutputError> {
    match &s.error {
        Some(e) => outln!("{title}: unavailable: {e}")?,
        None if s.items.is_empty() => outln!("{title}: none")?,
        None => outln!("{title}:")?,
    }
    Ok(())
}

fn print_text(l: &Inventory) -> Result<(), OutputError> {
    section_header("PC/SC readers", &l.pcsc)?;
    for r in &l.pcsc.items {
        let kind = r.reader_kind.map(|k| format!(" ({k})")).unwrap_or_default();
        outln!("  {}{kind}", r.name)?;
        match &r.card {
            None => outln!("    no card")?,
            Some(c) => {
                outln!(
                    "    card: {} [{}]",
                    c.description,
                    c.family.map(|f| f.as_str()).unwrap_or("-")
                )?;
                outln!("    ATR:  {}", c.atr)?;
                if let Some(u) = &c.uid {
                    outln!("    UID:  {u}")?;
                }
                if let Some(n) = &c.note {
                    outln!("    note: {n}")?;
                }
            }
        }
    }
    section_header("USB devices", &l.usb)?;
    for u in &l.usb.items {
        let what = u
            .known
            .map(|k| {
                let family = k.family.map(|f| f.as_str()).unwrap_or("-");
                format!("{} {} [{family}]", k.vendor, k.model)
            })
            .unwrap_or_else(|| "unknown".into());
        outln!("  {} bus {} addr {}: {what}", u.id, u.bus, u.address)?;
        if let Some(s) = &u.serial {
            outln!("    serial: {s}")?;
        }
        if let Some(n) = &u.note {
            outln!("    note: {n}")?;
        }
    }
    section_header("HID interfaces of known tokens", &l.hid)?;
    for h in &l.hid.items {
        outln!("  {} {} usage page {:#06x}", h.path, h.id, h.usage_page)?;
        if let Some(n) = &h.note {
            outln!("    note: {n}")?;
        }
    }
    section_header("Serial ports", &l.serial)?;
    for s in &l.serial.items {
        let usb = match (s.port.vid, s.port.pid) {
            (Some(v), Some(p)) => format!(" usb {v:04x}:{p:04x}"),
            _ => String::new(),
        };
        let serial = s
            .port
            .serial
            .as_deref()
            .map(|x| format!(" serial {x}"))
            .unwrap_or_default();
        let family = s.family.map(|f| format!(" [{f}]")).unwrap_or_default();
        outln!("  {} ({}){usb}{serial}{family}", s.port.path, s.port.kind)?;
        if let Some(n) = &s.note {
            outln!("    note: {n}")?;
        }
    }
    Ok(())
}
