//! The udev rules cover every USB device of the registry, in both variants, with the
//! right permission form (token-protocols.md §8).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use tokenstation::devices::registry::{Interface, USB_DEVICES};

/// (vid, pid or "*") pairs a rules file grants access to, per subsystem.
fn parse(text: &str) -> (HashSet<(String, String, String)>, Vec<String>) {
    let mut grants = HashSet::new();
    let mut perms = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let get = |key: &str| {
            line.split(", ")
                .find_map(|kv| kv.strip_prefix(key))
                .map(|v| v.trim_matches('"').to_string())
        };
        let subsystem = get("SUBSYSTEM==").unwrap_or_default();
        let vid = get("ATTR{idVendor}==").or_else(|| get("ATTRS{idVendor}=="));
        let pid = get("ATTR{idProduct}==").or_else(|| get("ATTRS{idProduct}=="));
        if let Some(vid) = vid {
            grants.insert((subsystem, vid, pid.unwrap_or_else(|| "*".into())));
            perms.push(line.to_string());
        }
    }
    (grants, perms)
}

fn check(file: &str, perm: &str) {
    let path = format!("{}/udev/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let (grants, lines) = parse(&text);
    assert!(!grants.is_empty(), "{path}: no rules parsed");
    for k in USB_DEVICES {
        let vid = format!("{:04x}", k.vid);
        let pid = k.pid.map_or("*".to_string(), |p| format!("{p:04x}"));
        let subsystems: &[&str] = match k.interface {
            Interface::Serial => &["tty"],
            _ => &["usb", "hidraw"],
        };
        for s in subsystems {
            assert!(
                grants.contains(&(s.to_string(), vid.clone(), pid.clone())),
                "{path}: no {s} rule for {vid}:{pid} ({} {})",
                k.vendor,
                k.model
            );
        }
    }
    for l in &lines {
        assert!(l.contains(perm), "{path}: rule without {perm}: {l}");
    }
    assert!(
        text.contains("SYMLINK+=\"tokenstation/"),
        "{path}: no stable serial names"
    );
}

#[test]
fn seat_rules_cover_the_registry() {
    check("70-tokenstation.rules", "TAG+=\"uaccess\"");
}

#[test]
fn kiosk_rules_cover_the_registry() {
    check(
        "71-tokenstation-kiosk.rules",
        "GROUP=\"tokenstation\", MODE=\"0660\"",
    );
}

#[test]
fn issue_ids_are_in_the_registry() {
    for (vid, pid) in [
        (0x20a0, 0x4108),
        (0x20a0, 0x4109),
        (0x316d, 0x4c4b),
        (0x349e, 0x0300),
        (0x1050, 0x0407),
        (0x1d50, 0x60fc),
    ] {
        assert!(
            tokenstation::devices::registry::recognise_usb(vid, pid).is_some(),
            "{vid:04x}:{pid:04x}"
        );
    }
}
