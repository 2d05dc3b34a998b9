//! The readers a drift fix can go through, as the fix form offers them: the demo's
//! emulated devices (its deployed Molto2s first), the PC/SC readers, the HID tokens and
//! the serial ports (as PN532s) the station's inventory sees — each as a reader spec a
//! person could type (`pcsc:NAME` or the demo's PC/SC names alone, `hid:/dev/hidrawN`,
//! `pn532:/dev/PATH`). A demo
//! device in process is opened on the fix's worker thread by its opener
//! ([`crate::station::drift::fix_job::fix_opened`]).

use crate::devices::session::ReaderSpec;
use crate::station::drift::fix_job::Opener;
use crate::station::views::hardware;
use crate::tui::app::Shared;
use crate::tui::demo::bench::{BurnTarget, Place};

/// The reader choices; `openable_only` leaves out the demo's in-process devices (a
/// tray waits for tokens in a reader the station opens itself).
pub(super) fn choices(sh: &Shared, openable_only: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    if let Some(d) = &sh.demo {
        let deployed = d.deployed.iter().map(|x| &x.token);
        for t in deployed.chain(d.tokens.iter()) {
            if !(openable_only && t.place == Place::InProcess) {
                add(typed(&t.spec()));
            }
        }
    }
    if sh.probe
        && let Ok(inv) = hardware::inventory(false, &[])
    {
        for r in inv.pcsc.items {
            add(ReaderSpec::Pcsc(r.name).to_string());
        }
        for h in inv.hid.items.into_iter().filter(|h| h.known.is_some()) {
            add(ReaderSpec::Hid(h.path).to_string());
        }
        for s in inv.serial.items {
            add(ReaderSpec::Pn532(s.port.path).to_string());
        }
    }
    out
}

/// A demo reader as a person would type it: a PC/SC reader by its name alone (the
/// form's field is narrow), others as their spec.
fn typed(spec: &ReaderSpec) -> String {
    match spec {
        ReaderSpec::Pcsc(name) => name.clone(),
        other => other.to_string(),
    }
}

/// The reader the demo's deployed device carrying `serial` sits in, as offered.
pub(super) fn holding(sh: &Shared, serial: &str) -> Option<String> {
    let t = sh.demo.as_ref()?.holding(serial)?;
    Some(typed(&t.spec()))
}

/// The demo device a choice names, when it is one the station cannot open itself:
/// its spec (the kind of reader it stands for) and its opener.
pub(super) fn demo_opener(sh: &Shared, choice: &str) -> Option<(ReaderSpec, Opener)> {
    let d = sh.demo.as_ref()?;
    let t = d
        .deployed
        .iter()
        .map(|x| &x.token)
        .chain(d.tokens.iter())
        .find(|t| choice.parse::<ReaderSpec>().is_ok_and(|c| c == t.spec()))?;
    match t.target() {
        BurnTarget::Opened { spec, open, .. } => Some((spec, open)),
        BurnTarget::Reader(_) => None,
    }
}
