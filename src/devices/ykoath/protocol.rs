//! YKOATH frame codec, pure (token-protocols.md §4.1–§4.3, §5.2; firmware-protocols/ykoath.md).
//!
//! Builds the C-APDUs of the OATH applet (SELECT, PUT, DELETE, RENAME, LIST, CALCULATE,
//! CALCULATE ALL, VALIDATE, SET CODE, RESET, SEND REMAINING) and parses their answers.
//! TLVs have a one-byte tag and a BER length (`L`, `81 L`, `82 L L`); the PROPERTY tag
//! `78` is the exception: a bare `78 pp` pair without length (§4.1 quirk).

use sha1::{Digest, Sha1};
use sha2::{Sha256, Sha512};
use zeroize::Zeroizing;

use crate::otp::{Algorithm, Kind};
use crate::transport::Apdu;

/// The OATH application id, shared by YubiKey and the Nitrokey 3 Secrets App (§4.1, §5.1).
pub const AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x05, 0x27, 0x21, 0x01];

/// Instruction bytes (§4.2).
pub mod ins {
    /// PUT a credential.
    pub const PUT: u8 = 0x01;
    /// DELETE a credential.
    pub const DELETE: u8 = 0x02;
    /// SET CODE (access code).
    pub const SET_CODE: u8 = 0x03;
    /// RESET the applet (P1 P2 = DE AD).
    pub const RESET: u8 = 0x04;
    /// RENAME a credential.
    pub const RENAME: u8 = 0x05;
    /// LIST credentials.
    pub const LIST: u8 = 0xA1;
    /// CALCULATE one code.
    pub const CALCULATE: u8 = 0xA2;
    /// VALIDATE (unlock with the access code).
    pub const VALIDATE: u8 = 0xA3;
    /// CALCULATE ALL (P1 = 00) and SELECT (P1 = 04).
    pub const CALCULATE_ALL: u8 = 0xA4;
    /// SELECT (with P1 = 04).
    pub const SELECT: u8 = 0xA4;
    /// SEND REMAINING after `61xx`.
    pub const SEND_REMAINING: u8 = 0xA5;
}

/// TLV tags (§4.2, §5.2).
pub mod tag {
    /// Credential name; the salt in SELECT.
    pub const NAME: u8 = 0x71;
    /// LIST entry.
    pub const NAME_LIST: u8 = 0x72;
    /// Key: type|alg, digits, secret (PUT); alg, key (SET CODE).
    pub const KEY: u8 = 0x73;
    /// Challenge.
    pub const CHALLENGE: u8 = 0x74;
    /// Full HMAC response.
    pub const RESPONSE: u8 = 0x75;
    /// Truncated response: digits + 4 bytes.
    pub const TRUNCATED: u8 = 0x76;
    /// CALCULATE ALL: HOTP, not computed.
    pub const HOTP: u8 = 0x77;
    /// Property (bare pair, no length).
    pub const PROPERTY: u8 = 0x78;
    /// Version (3 bytes).
    pub const VERSION: u8 = 0x79;
    /// Initial moving factor (HOTP counter, u32 BE).
    pub const IMF: u8 = 0x7A;
    /// Algorithm of the access code (SELECT).
    pub const ALGORITHM: u8 = 0x7B;
    /// CALCULATE ALL: needs touch, not computed.
    pub const TOUCH: u8 = 0x7C;
    /// Nitrokey 3: PIN attempts left (SELECT, when a PIN is set).
    pub const NK3_PIN_COUNTER: u8 = 0x82;
    /// Nitrokey 3: device serial (SELECT).
    pub const NK3_SERIAL: u8 = 0x8F;
}

/// Credential type nibble: HOTP.
pub const TYPE_HOTP: u8 = 0x10;
/// Credential type nibble: TOTP.
pub const TYPE_TOTP: u8 = 0x20;
/// Property: the TOTP challenge must only increase.
pub const PROP_INCREASING: u8 = 0x01;
/// Property: computing a code needs a touch.
pub const PROP_TOUCH: u8 = 0x02;
/// Smallest key the newer YubiKeys accept; shorter keys are zero-padded (§4.3).
pub const HMAC_MINIMUM_KEY_SIZE: usize = 14;
/// Longest credential name (§4.3).
pub const MAX_NAME_LEN: usize = 64;
/// Default TOTP period: not written into the name.
pub const DEFAULT_PERIOD: u32 = 30;

/// The algorithm nibble of an [`Algorithm`].
pub fn alg_nibble(a: Algorithm) -> u8 {
    match a {
        Algorithm::Sha1 => 0x01,
        Algorithm::Sha256 => 0x02,
        Algorithm::Sha512 => 0x03,
    }
}

/// The [`Algorithm`] of a type/alg byte's low nibble.
pub fn alg_of(byte: u8) -> Option<Algorithm> {
    match byte & 0x0F {
        0x01 => Some(Algorithm::Sha1),
        0x02 => Some(Algorithm::Sha256),
        0x03 => Some(Algorithm::Sha512),
        _ => None,
    }
}

/// The [`Kind`] of a type/alg byte's high nibble.
pub fn kind_of(byte: u8) -> Option<Kind> {
    match byte & 0xF0 {
        TYPE_HOTP => Some(Kind::Hotp),
        TYPE_TOTP => Some(Kind::Totp),
        _ => None,
    }
}

/// The type nibble of a [`Kind`].
pub fn kind_nibble(k: Kind) -> u8 {
    match k {
        Kind::Hotp => TYPE_HOTP,
        Kind::Totp => TYPE_TOTP,
    }
}

/// Appends `tag L value` with a BER length.
pub fn push_tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    let n = value.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n <= 0xFF {
        out.extend_from_slice(&[0x81, n as u8]);
    } else {
        out.push(0x82);
        out.extend_from_slice(&(n.min(0xFFFF) as u16).to_be_bytes());
    }
    out.extend_from_slice(value);
}

/// Splits `data` into `(tag, value)` pairs. With `bare_property`, tag `78` is read as the
/// bare pair `78 pp` (PUT bodies); elsewhere it is an ordinary TLV.
pub fn parse_tlvs(data: &[u8], bare_property: bool) -> Result<Vec<(u8, &[u8])>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let tag = data[i];
        i += 1;
        if bare_property && tag == tag::PROPERTY {
            let v = data
                .get(i..i + 1)
                .ok_or_else(|| "property tag 78 without its byte".to_string())?;
            out.push((tag, v));
            i += 1;
            continue;
        }
        let first = *data
            .get(i)
            .ok_or_else(|| format!("tag {tag:02X} without a length"))?;
        i += 1;
        let len = match first {
            n if n < 0x80 => usize::from(n),
            0x81 => {
                let n = *data.get(i).ok_or("truncated 81 length")?;
                i += 1;
                usize::from(n)
            }
            0x82 => {
                let b = data.get(i..i + 2).ok_or("truncated 82 length")?;
                i += 2;
                usize::from(u16::from_be_bytes([b[0], b[1]]))
            }
            other => return Err(format!("unsupported length byte {other:02X}")),
        };
        let v = data.get(i..i + len).ok_or_else(|| {
            format!(
                "tag {tag:02X} says {len} bytes, {} left",
                data.len().saturating_sub(i)
            )
        })?;
        out.push((tag, v));
        i += len;
    }
    Ok(out)
}

/// What SELECT says (§4.3 SELECT response, §5.2 SELECT).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SelectInfo {
    /// Firmware (YubiKey) or `4.minor.patch` (Nitrokey 3 Secrets App).
    pub version: [u8; 3],
    /// Salt for the access-code derivation (and the device id); absent on a NK3 with PIN.
    pub salt: Option<Vec<u8>>,
    /// Present when an access code is set: the applet is locked until VALIDATE.
    pub challenge: Option<Vec<u8>>,
    /// Access-code algorithm byte (`7B`), when a code is set.
    pub algorithm: Option<u8>,
    /// Nitrokey 3: PIN attempts left (`82`), when a PIN is set.
    pub pin_attempts: Option<u8>,
    /// Nitrokey 3: device serial (`8F`, 4 bytes).
    pub serial: Option<Vec<u8>>,
}

impl SelectInfo {
    /// Whether the answer has the Nitrokey 3 tags (`82` or `8F`).
    pub fn is_nitrokey3(&self) -> bool {
        self.serial.is_some() || self.pin_attempts.is_some()
    }

    /// `major.minor.patch`.
    pub fn version_string(&self) -> String {
        let [a, b, c] = self.version;
        format!("{a}.{b}.{c}")
    }

    /// ykman's device id: base64(SHA-256(salt)[0..16]) without `=` padding (§4.3).
    pub fn device_id(&self) -> Option<String> {
        let salt = self.salt.as_ref()?;
        let h = Sha256::digest(salt);
        Some(data_encoding::BASE64_NOPAD.encode(h.get(..16).unwrap_or_default()))
    }
}

/// `00 A4 04 00 07 A0 00 00 05 27 21 01`.
pub fn select() -> Apdu {
    Apdu::new(0x00, ins::SELECT, 0x04, 0x00).data(AID)
}

/// Parses the SELECT answer: `79 03 ver`, `71 salt`, [`74 chal` `7B alg`], [`82 n`], [`8F serial`].
pub fn parse_select(data: &[u8]) -> Result<SelectInfo, String> {
    let mut info = SelectInfo::default();
    let mut version = None;
    for (t, v) in parse_tlvs(data, false)? {
        match t {
            tag::VERSION => {
                version = Some(<[u8; 3]>::try_from(v).map_err(|_| "version is not 3 bytes")?)
            }
            tag::NAME => info.salt = Some(v.to_vec()),
            tag::CHALLENGE => info.challenge = Some(v.to_vec()),
            tag::ALGORITHM => info.algorithm = v.first().copied(),
            tag::NK3_PIN_COUNTER => info.pin_attempts = v.first().copied(),
            tag::NK3_SERIAL => info.serial = Some(v.to_vec()),
            _ => {}
        }
    }
    info.version = version.ok_or("no version tag 79")?;
    Ok(info)
}

/// A credential id split into its parts (§4.3 "Credential id format").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialId {
    /// TOTP period (30 when the name has none; HOTP: 30, unused).
    pub period: u32,
    /// Issuer, when the name has one.
    pub issuer: Option<String>,
    /// Account.
    pub account: String,
}

/// `[period/][issuer:]account`: the period is written only for TOTP with a period ≠ 30.
pub fn credential_id(kind: Kind, period: u32, issuer: Option<&str>, account: &str) -> String {
    let mut s = String::new();
    if kind == Kind::Totp && period != DEFAULT_PERIOD {
        s.push_str(&format!("{period}/"));
    }
    if let Some(i) = issuer.filter(|i| !i.is_empty()) {
        s.push_str(i);
        s.push(':');
    }
    s.push_str(account);
    s
}

/// Splits a credential id: TOTP by `^((\d+)/)?(([^:]+):)?(.+)$`, HOTP at the first `:`
/// unless it is at position 0.
pub fn parse_credential_id(name: &str, kind: Kind) -> CredentialId {
    let (period, rest) = match kind {
        Kind::Totp => match name.split_once('/') {
            Some((p, rest))
                if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty() =>
            {
                (p.parse().unwrap_or(DEFAULT_PERIOD), rest)
            }
            _ => (DEFAULT_PERIOD, name),
        },
        Kind::Hotp => (DEFAULT_PERIOD, name),
    };
    match rest.split_once(':') {
        Some((i, a)) if !i.is_empty() && !a.is_empty() => CredentialId {
            period,
            issuer: Some(i.to_string()),
            account: a.to_string(),
        },
        _ => CredentialId {
            period,
            issuer: None,
            account: rest.to_string(),
        },
    }
}

/// ykman's host-side key preparation (§4.3): a secret longer than the hash's block size
/// (64 bytes for SHA-1/SHA-256, 128 for SHA-512) is replaced by its hash, then the key
/// is right-padded with zeros to at least 14 bytes. Neither step changes the HMAC.
pub fn prepare_key(algorithm: Algorithm, secret: &[u8]) -> Zeroizing<Vec<u8>> {
    let block = match algorithm {
        Algorithm::Sha1 | Algorithm::Sha256 => 64,
        Algorithm::Sha512 => 128,
    };
    let mut key = Zeroizing::new(if secret.len() > block {
        match algorithm {
            Algorithm::Sha1 => Sha1::digest(secret).to_vec(),
            Algorithm::Sha256 => Sha256::digest(secret).to_vec(),
            Algorithm::Sha512 => Sha512::digest(secret).to_vec(),
        }
    } else {
        secret.to_vec()
    });
    if key.len() < HMAC_MINIMUM_KEY_SIZE {
        key.resize(HMAC_MINIMUM_KEY_SIZE, 0);
    }
    key
}

/// A credential to PUT.
pub struct PutCredential<'a> {
    /// Credential id (1–64 bytes of UTF-8).
    pub name: &'a str,
    /// HOTP or TOTP.
    pub kind: Kind,
    /// Hash.
    pub algorithm: Algorithm,
    /// 6, 7 or 8.
    pub digits: u8,
    /// The key as it goes on the wire (see [`prepare_key`]).
    pub key: &'a [u8],
    /// Require touch.
    pub touch: bool,
    /// Initial HOTP counter; sent only when > 0.
    pub counter: u32,
}

/// PUT, marked sensitive (the key is in it):
/// `00 01 00 00 Lc | 71 L name | 73 L (type|alg) digits key | [78 02] | [7A 04 counter]`.
pub fn put(c: &PutCredential<'_>) -> Apdu {
    let mut body = Vec::with_capacity(8 + c.name.len() + c.key.len());
    push_tlv(&mut body, tag::NAME, c.name.as_bytes());
    let mut key = Zeroizing::new(Vec::with_capacity(2 + c.key.len()));
    key.push(kind_nibble(c.kind) | alg_nibble(c.algorithm));
    key.push(c.digits);
    key.extend_from_slice(c.key);
    push_tlv(&mut body, tag::KEY, &key);
    if c.touch {
        body.extend_from_slice(&[tag::PROPERTY, PROP_TOUCH]);
    }
    if c.kind == Kind::Hotp && c.counter > 0 {
        push_tlv(&mut body, tag::IMF, &c.counter.to_be_bytes());
    }
    let apdu = Apdu::new(0x00, ins::PUT, 0x00, 0x00)
        .data(body.clone())
        .sensitive();
    zeroize::Zeroize::zeroize(&mut body);
    apdu
}

/// `00 02 00 00 Lc | 71 L name`.
pub fn delete(name: &str) -> Apdu {
    let mut body = Vec::new();
    push_tlv(&mut body, tag::NAME, name.as_bytes());
    Apdu::new(0x00, ins::DELETE, 0x00, 0x00).data(body)
}

/// `00 05 00 00 Lc | 71 L old | 71 L new`.
pub fn rename(old: &str, new: &str) -> Apdu {
    let mut body = Vec::new();
    push_tlv(&mut body, tag::NAME, old.as_bytes());
    push_tlv(&mut body, tag::NAME, new.as_bytes());
    Apdu::new(0x00, ins::RENAME, 0x00, 0x00).data(body)
}

/// RESET `00 04 DE AD`.
pub fn reset() -> Apdu {
    Apdu::new(0x00, ins::RESET, 0xDE, 0xAD)
}

/// SEND REMAINING `00 A5 00 00`.
pub fn send_remaining() -> Apdu {
    Apdu::new(0x00, ins::SEND_REMAINING, 0x00, 0x00)
}

mod access;
mod calculate;
mod list;
pub use access::{derive_key, hmac_sha1, parse_validate, set_code, unset_code, validate};
pub use calculate::{
    CalcResult, CodeValue, calculate, calculate_all, parse_calculate, parse_calculate_all,
    totp_challenge,
};
pub use list::{
    LIST_PROP_TOUCH, ListEntry, list, list_with_properties, parse_list, parse_list_with_properties,
};

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
