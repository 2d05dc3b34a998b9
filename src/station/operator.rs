//! Who may leave a kiosk screen: the operator, proven by the station's passphrase (a
//! passphrase store) or by an API key of the operator or admin role (a key-file
//! store, where nobody types the key file). Faces ask this before they stop a kiosk
//! they run full screen; the check reads only.

use crate::model::access::Role;
use crate::station::access::AccessError;
use crate::station::{KeySource, Result, Station, StationError, keys};
use crate::vault::{KeyKind, VaultHeader};

impl Station {
    /// Whether `typed` is the operator's proof at `now`: `Ok(false)` for a wrong one,
    /// `Err` only when the check itself cannot run (the store, a broken header). On a
    /// passphrase store it derives the key (Argon2): run it off the UI thread.
    pub fn operator_proof(&self, typed: &str, now: i64) -> Result<bool> {
        if typed.is_empty() {
            return Ok(false);
        }
        match self.key_kind()? {
            KeyKind::Passphrase => {
                let text = self.read().meta_get(super::VAULT_META)?.unwrap_or_default();
                let header = VaultHeader::decode(&text)?;
                let source = KeySource::Passphrase(zeroize::Zeroizing::new(typed.to_string()));
                match keys::unlock(&source, &header) {
                    Ok(_) => Ok(true),
                    Err(StationError::WrongPassphrase) => Ok(false),
                    Err(e) => Err(e),
                }
            }
            KeyKind::KeyFile => match self.authenticate(Some(typed.trim()), None, now) {
                Ok(c) => Ok(matches!(c.role, Role::Operator | Role::Admin)),
                Err(StationError::Access(AccessError::Unauthenticated(_))) => Ok(false),
                Err(e) => Err(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::station::access::KeySpec;
    use crate::station::default_key_file;
    use zeroize::Zeroizing;

    #[test]
    fn passphrase_store_takes_its_passphrase_only() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let pw = KeySource::Passphrase(Zeroizing::new("open sesame".into()));
        let st = Station::init(&db, &pw, 1_000).unwrap();
        assert!(st.operator_proof("open sesame", 1_000).unwrap());
        assert!(!st.operator_proof("open sesame ", 1_000).unwrap());
        assert!(!st.operator_proof("", 1_000).unwrap());
    }

    #[test]
    fn key_file_store_takes_an_operator_or_admin_api_key() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let mut st = Station::init(&db, &KeySource::File(default_key_file(&db)), 1_000).unwrap();
        let mut issue = |name: &str, role: Role, locations: Vec<String>| {
            let spec = KeySpec {
                name: name.into(),
                role,
                locations,
                products: vec![],
                cidrs: vec![],
                expires_at: None,
            };
            st.key_add(&spec, 1_000).unwrap().key.to_string()
        };
        let admin = issue("boss", Role::Admin, vec![]);
        let tech = issue("bench", Role::Technician, vec![]);
        assert!(st.operator_proof(&admin, 1_001).unwrap());
        assert!(
            !st.operator_proof(&tech, 1_001).unwrap(),
            "a technician may not leave"
        );
        assert!(!st.operator_proof("ts_nope.nope", 1_001).unwrap());
        assert!(!st.operator_proof("", 1_001).unwrap());
    }
}
