//! One-time backup codes: ten codes of the form `XXXX-XXXX` (31 unambiguous letters and
//! digits, about 40 bits each), shown once, stored only as HMAC-SHA256 under a key
//! derived from the master key and bound to the token.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::tokens::find_token;
use super::{Result, Station, StationError};
use crate::model::TokenStatus;
use crate::vault::{MasterKey, random_fill};

/// Characters of backup codes: no 0/O, 1/I/L, to survive being read aloud.
const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// How many codes a set holds.
pub const SET_SIZE: usize = 10;

/// Whether `text` has the shape of a backup code: `XXXX-XXXX` in any case, or the
/// eight characters without the hyphen when one of them is a letter (eight digits are
/// an OTP code).
pub fn looks_like_backup_code(text: &str) -> bool {
    backup_code_form(text).is_some()
}

/// The canonical form (`XXXX-XXXX`, upper case) of a backup code as typed, or `None`
/// when `text` does not have the shape of one (see [`looks_like_backup_code`]).
pub fn backup_code_form(text: &str) -> Option<String> {
    let t = text.trim().as_bytes();
    let (a, b) = match t.len() {
        9 if t[4] == b'-' => (&t[..4], &t[5..]),
        8 if t.iter().any(u8::is_ascii_alphabetic) => (&t[..4], &t[4..]),
        _ => return None,
    };
    if !a.iter().chain(b).all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let upper = |x: &[u8]| String::from_utf8_lossy(x).to_ascii_uppercase();
    Some(format!("{}-{}", upper(a), upper(b)))
}

/// The keyed hash of a backup code for a token.
pub(crate) fn hash(key: &MasterKey, token_uid: &str, code: &str) -> [u8; 32] {
    let subkey = key.derive(b"tokenstation backup codes v1");
    let mut out = [0u8; 32];
    if let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(subkey.as_ref()) {
        mac.update(token_uid.as_bytes());
        mac.update(b":");
        mac.update(code.trim().to_ascii_uppercase().as_bytes());
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

/// One fresh code, by rejection sampling of random bytes (no modulo bias).
fn fresh_code() -> Result<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::with_capacity(9));
    let mut buf = Zeroizing::new([0u8; 32]);
    while out.len() < 9 {
        random_fill(buf.as_mut())?;
        for &b in buf.iter() {
            if b as usize >= ALPHABET.len() * 8 {
                continue;
            }
            if out.len() == 4 {
                out.push('-');
            }
            out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            if out.len() == 9 {
                break;
            }
        }
    }
    Ok(out)
}

impl Station {
    /// Makes a new set of backup codes for a token. An old set with unused codes is
    /// replaced only with `replace`. The codes are returned once and only their keyed
    /// hashes are stored.
    pub fn token_backup_codes(
        &mut self,
        serial: &str,
        product: Option<&str>,
        replace: bool,
        now: i64,
    ) -> Result<Vec<Zeroizing<String>>> {
        let t = find_token(&self.read(), serial, product)?;
        // A holder may still carry the old set: voiding it is a decision, not a default.
        let unused = self.read().backup_codes_left(t.id)?;
        if unused > 0 && !replace {
            return Err(StationError::BackupCodesExist {
                serial: serial.to_string(),
                unused,
            });
        }
        if matches!(t.status, TokenStatus::Retired | TokenStatus::Lost) {
            return Err(StationError::NoBackupCodes {
                serial: serial.to_string(),
                status: t.status,
            });
        }
        let mut codes: Vec<Zeroizing<String>> = Vec::with_capacity(SET_SIZE);
        while codes.len() < SET_SIZE {
            let c = fresh_code()?;
            if !codes.iter().any(|o| **o == *c) {
                codes.push(c);
            }
        }
        let key = self.key()?;
        let hashes: Vec<[u8; 32]> = codes.iter().map(|c| hash(key, &t.uid, c)).collect();
        self.write(|tx| {
            let old = tx.backup_codes_left(t.id)?;
            tx.backup_codes_replace(t.id, &hashes)?;
            tx.audit(
                now,
                "token.backup_codes",
                &format!("token {serial}"),
                Some(&serde_json::json!({"unused": old})),
                Some(&serde_json::json!({"unused": SET_SIZE})),
            )
        })?;
        Ok(codes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_alphabet() {
        for _ in 0..200 {
            let c = fresh_code().unwrap();
            assert!(looks_like_backup_code(&c), "{}", c.as_str());
            assert!(
                c.chars()
                    .all(|ch| ch == '-' || ALPHABET.contains(&(ch as u8)))
            );
        }
        assert!(looks_like_backup_code(" abcd-2345 "));
        assert!(!looks_like_backup_code("123456"));
        // without the hyphen, in any case, when a letter tells it from an OTP code
        assert_eq!(backup_code_form("abcd2345").as_deref(), Some("ABCD-2345"));
        assert_eq!(backup_code_form(" jvxb-uhse").as_deref(), Some("JVXB-UHSE"));
        assert!(!looks_like_backup_code("23452345"));
        assert!(!looks_like_backup_code("ABCD-23456"));
        assert!(!looks_like_backup_code("ABC!-2345"));
    }

    #[test]
    fn hash_is_keyed_and_bound() {
        let k = MasterKey::generate().unwrap();
        let a = hash(&k, "uid1", "ABCD-2345");
        assert_eq!(a, hash(&k, "uid1", "abcd-2345"));
        assert_ne!(a, hash(&k, "uid2", "ABCD-2345"));
        assert_ne!(
            a,
            hash(&MasterKey::generate().unwrap(), "uid1", "ABCD-2345")
        );
    }
}
