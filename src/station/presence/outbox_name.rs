//! The file name of a kiosk's outbox (issue 17, offline kiosks): one rule for every
//! face that starts a kiosk on a shared store (the `kiosk` command, the TUI's kiosk
//! screen). Where the file goes (systemd's state directory, beside the default store) is
//! the face's business; its name is the station's.

use sha2::Digest;

/// `outbox-LOCATION-STORE.db` for a kiosk at `location` of the store named `store`:
/// LOCATION with every character but ASCII letters, digits and `-` made `_`, STORE the
/// first 8 hex digits of the SHA-256 of the store's name, so kiosks of two stores never
/// share one outbox.
pub fn outbox_file_name(location: &str, store: &str) -> String {
    let digest = sha2::Sha256::digest(store.as_bytes());
    let tag: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let place: String = location
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("outbox-{place}-{tag}.db")
}

#[cfg(test)]
mod tests {
    use super::outbox_file_name;

    #[test]
    fn names_differ_by_store_and_keep_only_safe_characters() {
        let a = outbox_file_name("Main door/1", "postgresql://a@/ts");
        let b = outbox_file_name("Main door/1", "postgresql://a@/other");
        assert!(
            a.starts_with("outbox-Main_door_1-") && a.ends_with(".db"),
            "{a}"
        );
        assert_eq!(a.len(), "outbox-Main_door_1-".len() + 8 + 3);
        assert_ne!(a, b);
    }
}
