//! The vault header kept in the store: how the master key is obtained (key file or
//! Argon2id passphrase with its salt and costs) and a key check value that tells a
//! wrong key from a right one before any seed is touched.
//!
//! The header also says whether the store's audit log is MAC-chained (`;audit=chained`).
//! The mark is bound to the key: the check value is sealed with another associated
//! data when it is set, so removing the mark (to pass a stripped log off as one from
//! before the chain) breaks the key check instead of going unnoticed.

use super::{MasterKey, VaultError, random_fill, seal};

/// Associated data of the key check value.
const CHECK_AAD: &[u8] = b"tokenstation key check v1";
/// Associated data of the key check value of a store whose audit log is chained.
const CHECK_AAD_CHAINED: &[u8] = b"tokenstation key check v1; audit chained";

/// How the master key is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A random key in a key file (mode 0600).
    KeyFile,
    /// Argon2id over a passphrase.
    Passphrase,
}

impl KeyKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::KeyFile => "keyfile",
            KeyKind::Passphrase => "passphrase",
        }
    }
}

/// Argon2id costs and salt (RFC 9106 §3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
    /// Random salt.
    pub salt: [u8; 16],
}

impl Argon2Params {
    /// RFC 9106 §4 second recommended option (64 MiB, 3 passes, 4 lanes) with one
    /// lane, as the station derives on one thread; a fresh salt.
    pub fn recommended() -> Result<Self, VaultError> {
        let mut salt = [0u8; 16];
        random_fill(&mut salt)?;
        Ok(Argon2Params {
            m_cost_kib: 64 * 1024,
            t_cost: 3,
            p_cost: 1,
            salt,
        })
    }
}

/// What the store keeps about its master key.
#[derive(Debug, Clone)]
pub struct VaultHeader {
    /// Key file or passphrase.
    pub kind: KeyKind,
    /// Argon2id parameters, for passphrases.
    pub argon2: Option<Argon2Params>,
    /// A sealed empty value: opens only under the right key.
    pub check: Vec<u8>,
    /// The audit log carries a MAC chain (the check value is sealed to say so).
    pub audit_chained: bool,
}

impl VaultHeader {
    /// Builds the header for a new key (of a new store, whose audit log is chained
    /// from its first line).
    pub fn new(
        kind: KeyKind,
        argon2: Option<Argon2Params>,
        key: &MasterKey,
    ) -> Result<Self, VaultError> {
        VaultHeader {
            kind,
            argon2,
            check: Vec::new(),
            audit_chained: false,
        }
        .chained(key)
    }

    /// The same header marked as having a chained audit log, its check value sealed
    /// anew under `key`.
    pub fn chained(&self, key: &MasterKey) -> Result<Self, VaultError> {
        Ok(VaultHeader {
            check: seal::seal_bytes(key, CHECK_AAD_CHAINED, b"")?,
            audit_chained: true,
            ..self.clone()
        })
    }

    fn aad(&self) -> &'static [u8] {
        if self.audit_chained {
            CHECK_AAD_CHAINED
        } else {
            CHECK_AAD
        }
    }

    /// Succeeds only for the key this header was made with, and only if its audit mark
    /// is the one the check value was sealed with.
    pub fn verify(&self, key: &MasterKey) -> Result<(), VaultError> {
        let what = match self.kind {
            KeyKind::KeyFile => "key file",
            KeyKind::Passphrase => "passphrase",
        };
        seal::open_bytes(key, self.aad(), &self.check, what)
            .map(|_| ())
            .map_err(|_| VaultError::WrongKey(what))
    }

    /// Whether `key` is right but the audit mark was changed after sealing (the key
    /// check passes with the mark flipped): the header was edited.
    pub fn audit_mark_edited(&self, key: &MasterKey) -> bool {
        let flipped = VaultHeader {
            audit_chained: !self.audit_chained,
            ..self.clone()
        };
        self.verify(key).is_err() && flipped.verify(key).is_ok()
    }

    /// Serialises to a compact text form for the store's meta table.
    pub fn encode(&self) -> String {
        let hex = |b: &[u8]| data_encoding::HEXLOWER.encode(b);
        let mark = if self.audit_chained {
            ";audit=chained"
        } else {
            ""
        };
        match &self.argon2 {
            None => format!("{};check={}{mark}", self.kind.as_str(), hex(&self.check)),
            Some(p) => format!(
                "{};m={};t={};p={};salt={};check={}{mark}",
                self.kind.as_str(),
                p.m_cost_kib,
                p.t_cost,
                p.p_cost,
                hex(&p.salt),
                hex(&self.check)
            ),
        }
    }

    /// Parses [`VaultHeader::encode`]'s form.
    pub fn decode(text: &str) -> Result<Self, VaultError> {
        let bad = |why: &str| VaultError::BadHeader(why.to_string());
        let mut parts = text.split(';');
        let kind = match parts.next() {
            Some("keyfile") => KeyKind::KeyFile,
            Some("passphrase") => KeyKind::Passphrase,
            _ => return Err(bad("unknown key kind")),
        };
        let (mut m, mut t, mut p, mut salt, mut check) = (None, None, None, None, None);
        let mut audit_chained = false;
        for part in parts {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| bad("field without '='"))?;
            let num = || v.parse::<u32>().map_err(|_| bad("cost is not a number"));
            let hex = || {
                data_encoding::HEXLOWER
                    .decode(v.as_bytes())
                    .map_err(|_| bad("value is not hex"))
            };
            match k {
                "m" => m = Some(num()?),
                "t" => t = Some(num()?),
                "p" => p = Some(num()?),
                "salt" => salt = Some(hex()?),
                "check" => check = Some(hex()?),
                "audit" if v == "chained" => audit_chained = true,
                _ => return Err(bad("unknown field")),
            }
        }
        let argon2 = match kind {
            KeyKind::KeyFile => None,
            KeyKind::Passphrase => Some(Argon2Params {
                m_cost_kib: m.ok_or_else(|| bad("m missing"))?,
                t_cost: t.ok_or_else(|| bad("t missing"))?,
                p_cost: p.ok_or_else(|| bad("p missing"))?,
                salt: salt
                    .ok_or_else(|| bad("salt missing"))?
                    .try_into()
                    .map_err(|_| bad("salt is not 16 bytes"))?,
            }),
        };
        Ok(VaultHeader {
            kind,
            argon2,
            check: check.ok_or_else(|| bad("check missing"))?,
            audit_chained,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_and_key_check() {
        let k = MasterKey::generate().unwrap();
        let h = VaultHeader::new(KeyKind::KeyFile, None, &k).unwrap();
        let back = VaultHeader::decode(&h.encode()).unwrap();
        back.verify(&k).unwrap();
        let wrong = MasterKey::generate().unwrap();
        assert!(matches!(
            back.verify(&wrong),
            Err(VaultError::WrongKey("key file"))
        ));

        let p = Argon2Params {
            m_cost_kib: 64,
            t_cost: 1,
            p_cost: 1,
            salt: [7; 16],
        };
        let k = MasterKey::from_passphrase(b"pw", &p).unwrap();
        let h = VaultHeader::new(KeyKind::Passphrase, Some(p.clone()), &k).unwrap();
        let back = VaultHeader::decode(&h.encode()).unwrap();
        assert_eq!(back.argon2, Some(p));
        back.verify(&k).unwrap();
        assert!(VaultHeader::decode("keyfile;check=zz").is_err());
        assert!(back.audit_chained);
        // A header from before the chain: no mark, the old associated data.
        let old = VaultHeader {
            audit_chained: false,
            check: seal::seal_bytes(&k, CHECK_AAD, b"").unwrap(),
            ..back.clone()
        };
        let old = VaultHeader::decode(&old.encode()).unwrap();
        assert!(!old.audit_chained);
        old.verify(&k).unwrap();
        assert!(!old.audit_mark_edited(&k));
        // Marking it reseals the check; removing the mark again is seen.
        let marked = old.chained(&k).unwrap();
        marked.verify(&k).unwrap();
        let stripped = VaultHeader::decode(&marked.encode().replace(";audit=chained", "")).unwrap();
        assert!(stripped.verify(&k).is_err());
        assert!(stripped.audit_mark_edited(&k));
        assert!(VaultHeader::decode("other").is_err());
    }
}
