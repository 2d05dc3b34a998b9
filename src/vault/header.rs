//! The vault header kept in the store: how the master key is obtained (key file or
//! Argon2id passphrase with its salt and costs) and a key check value that tells a
//! wrong key from a right one before any seed is touched.

use super::{MasterKey, VaultError, random_fill, seal};

/// Associated data of the key check value.
const CHECK_AAD: &[u8] = b"tokenstation key check v1";

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
}

impl VaultHeader {
    /// Builds the header for a new key.
    pub fn new(
        kind: KeyKind,
        argon2: Option<Argon2Params>,
        key: &MasterKey,
    ) -> Result<Self, VaultError> {
        Ok(VaultHeader {
            kind,
            argon2,
            check: seal::seal_bytes(key, CHECK_AAD, b"")?,
        })
    }

    /// Succeeds only for the key this header was made with.
    pub fn verify(&self, key: &MasterKey) -> Result<(), VaultError> {
        let what = match self.kind {
            KeyKind::KeyFile => "key file",
            KeyKind::Passphrase => "passphrase",
        };
        seal::open_bytes(key, CHECK_AAD, &self.check, what)
            .map(|_| ())
            .map_err(|_| VaultError::WrongKey(what))
    }

    /// Serialises to a compact text form for the store's meta table.
    pub fn encode(&self) -> String {
        let hex = |b: &[u8]| data_encoding::HEXLOWER.encode(b);
        match &self.argon2 {
            None => format!("{};check={}", self.kind.as_str(), hex(&self.check)),
            Some(p) => format!(
                "{};m={};t={};p={};salt={};check={}",
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
        assert!(VaultHeader::decode("other").is_err());
    }
}
