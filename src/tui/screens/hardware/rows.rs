//! The hardware screen's rows: the demo's emulated tokens and cards, then what the
//! station's inventory lists (PC/SC readers and their cards, USB tokens, serial
//! ports), each with what it is and what can be done with it.

use crate::station::presence::CredentialKey;
use crate::station::views::hardware::Inventory;
use crate::tui::demo::DemoHardware;
use crate::tui::words;

/// What a row stands for, and so which keys act on it.
#[derive(Debug, Clone)]
pub enum RowKind {
    /// A heading or a line to read.
    Info,
    /// A demo token in `reader`: burn, device list.
    Token {
        /// Its reader.
        reader: String,
    },
    /// A demo device deployed to a holder, carrying store tokens: device list.
    Deployed {
        /// Its reader.
        reader: String,
        /// The store token it carries.
        serial: String,
    },
    /// A card or tag to enrol.
    Card {
        /// What it is, for messages.
        label: String,
        /// Its credential.
        key: CredentialKey,
    },
    /// A PC/SC reader of the inventory, with the card in it.
    Reader {
        /// Its name.
        name: String,
        /// The card's credential, when its UID was read.
        key: Option<CredentialKey>,
        /// Whether a card is in it.
        card: bool,
    },
}

/// One row.
#[derive(Debug, Clone)]
pub struct Row {
    /// What is shown.
    pub text: String,
    /// What it is, at length (the selected row's detail).
    pub detail: String,
    /// What can be done with it (keys).
    pub actions: &'static str,
    /// What it stands for.
    pub kind: RowKind,
}

fn info(text: String) -> Row {
    Row {
        detail: text.trim().to_string(),
        text,
        actions: "",
        kind: RowKind::Info,
    }
}

/// The demo's rows.
pub fn demo_rows(d: &DemoHardware) -> Vec<Row> {
    let mut rows = vec![info(format!(
        "emulated (demo){}:",
        if d.pcscd { ", partly behind pcscd" } else { "" }
    ))];
    for t in &d.tokens {
        let mut detail = format!("{}, {}", t.kind.describe(), t.place.describe());
        if let Some(n) = t.pin_tries() {
            detail.push_str(&format!(", {n} PIN tries left"));
        }
        rows.push(Row {
            text: format!("  {:<13}{}", t.kind.short(), words::safe(&t.reader, 48)),
            detail,
            actions: "b burn · l what it holds",
            kind: RowKind::Token {
                reader: t.reader.clone(),
            },
        });
    }
    for c in &d.cards {
        let key = if c.kind == "tag" {
            CredentialKey::tag_bytes(&c.id)
        } else {
            Some(CredentialKey::card(&c.id))
        };
        let text = format!("  {:<13}{}", c.kind, words::safe(&c.reader, 48));
        let detail = format!("{}, {}", c.what, c.place.describe());
        rows.push(match key {
            Some(key) => Row {
                text,
                detail,
                actions: "e enrol to a holder",
                kind: RowKind::Card {
                    label: c.what.to_string(),
                    key,
                },
            },
            None => info(text),
        });
    }
    for x in &d.deployed {
        let t = &x.token;
        rows.push(Row {
            text: format!("  {:<13}{}", t.kind.short(), words::safe(&t.reader, 48)),
            detail: format!(
                "{}, carries {} (its clock drifts: fix it on the Drift screen, key 5)",
                t.kind.describe(),
                x.serial
            ),
            actions: "l what it holds",
            kind: RowKind::Deployed {
                reader: t.reader.clone(),
                serial: x.serial.to_string(),
            },
        });
    }
    rows
}

/// The inventory's rows (the demo's own readers are listed above, not again).
pub fn inventory_rows(inv: &Inventory, demo: Option<&DemoHardware>) -> Vec<Row> {
    let ours = |name: &str| demo.is_some_and(|d| d.token(name).is_some() || d.card(name).is_some());
    let mut rows = vec![info(format!("PC/SC readers: {}", inv.pcsc.items.len()))];
    for r in &inv.pcsc.items {
        let (card, key, what) = match &r.card {
            Some(c) => (
                true,
                c.uid
                    .as_deref()
                    .and_then(|u| CredentialKey::parse_card(u).ok()),
                format!(
                    " — {}{}",
                    c.description,
                    c.family.map(|f| format!(" ({f})")).unwrap_or_default()
                ),
            ),
            None => (false, None, " — no card".to_string()),
        };
        let shown = if ours(&r.name) { " (demo, above)" } else { "" };
        let text = format!("  {}{what}{shown}", words::safe(&r.name, 48));
        rows.push(Row {
            detail: text.trim().to_string(),
            text,
            actions: if card {
                "b burn · e enrol the card · l what it holds"
            } else {
                "present a card or token"
            },
            kind: RowKind::Reader {
                name: r.name.clone(),
                key,
                card,
            },
        });
    }
    if let Some(e) = &inv.pcsc.error {
        rows.push(info(format!("  {}", words::safe(e, 70))));
    }
    rows.push(info(format!("USB tokens: {}", inv.usb.items.len())));
    for u in &inv.usb.items {
        let what = u
            .known
            .as_ref()
            .map(|k| format!("{} {}", k.vendor, k.model))
            .or_else(|| u.product.clone())
            .unwrap_or_default();
        rows.push(info(format!("  {} {}", u.id, words::safe(&what, 50))));
    }
    rows.push(info(format!("serial ports: {}", inv.serial.items.len())));
    rows
}
