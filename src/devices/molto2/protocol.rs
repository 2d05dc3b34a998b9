//! Token2 Molto2 frame codec (token-protocols.md §3.2–§3.9): customer-key derivation,
//! challenge/answer, per-profile seed / title / config / time sync, public profile data,
//! delete, factory reset and customer-key change.
//!
//! Pure: builds C-APDUs and parses answers; the emulator decodes with the same code.

use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use crate::devices::token2_nfc::crypto::{self, CLA_PLAIN, Sm4Key};
pub use crate::devices::token2_nfc::protocol::{DisplayTimeout, Hmac, Info, Step, parse_info};
use crate::transport::Apdu;

/// The factory customer key, ASCII `TOKEN2MOLTO1-KEY` (§3.2).
pub const DEFAULT_CUSTOMER_KEY: &[u8; 16] = b"TOKEN2MOLTO1-KEY";
/// Profiles of a Molto2v2 (a first-generation Molto2 has 50).
pub const PROFILES: u16 = 100;
/// Longest title in bytes (§3.6).
pub const MAX_TITLE: usize = 12;
/// Longest seed (§3.10).
pub const MAX_SEED: usize = 63;

/// INS get info / public profile data.
pub const INS_GET_INFO: u8 = 0x41;
/// INS get challenge.
pub const INS_GET_CHALLENGE: u8 = 0x4B;
/// INS answer challenge.
pub const INS_ANSWER_CHALLENGE: u8 = 0xCE;
/// INS write seed.
pub const INS_WRITE_SEED: u8 = 0xC5;
/// INS write title.
pub const INS_WRITE_TITLE: u8 = 0xD5;
/// INS write config / time sync.
pub const INS_WRITE_CONFIG: u8 = 0xD4;
/// INS change customer key.
pub const INS_CHANGE_KEY: u8 = 0xD7;
/// INS delete one profile's seed.
pub const INS_DELETE_SEED: u8 = 0xE6;
/// INS factory reset.
pub const INS_FACTORY_RESET: u8 = 0x56;

/// `90 60`: accepted, waiting for the ▲ button (§3.9).
pub const SW_PRESS_BUTTON: u16 = 0x9060;
/// `6A 83`: delete on an empty profile.
pub const SW_EMPTY: u16 = 0x6A83;
/// `6F FB`: the per-profile read sent as case 4.
pub const SW_CASE4_READ: u16 = 0x6FFB;

/// The SM4 key for a customer key of any length: SHA-1(customer key)[0..16] (§3.2).
pub fn derive_key(customer_key: &[u8]) -> Sm4Key {
    let digest = Sha1::digest(customer_key);
    let mut k = Zeroizing::new([0u8; 16]);
    k.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
    Sm4Key::new(*k)
}

/// Attempts left in an answer-challenge failure: `63 Cx` (ISO form) or `63 NN` (S5).
pub fn tries_left(sw: u16) -> Option<u8> {
    let [sw1, sw2] = sw.to_be_bytes();
    match (sw1, sw2) {
        (0x63, x) if x & 0xF0 == 0xC0 => Some(x & 0x0F),
        (0x63, n) => Some(n),
        _ => None,
    }
}

/// Device info: `80 41 00 00 00` (§3.4).
pub fn get_info() -> Apdu {
    // CLA INS P1 P2 Le
    Apdu::new(CLA_PLAIN, INS_GET_INFO, 0x00, 0x00).le(256)
}

/// Public data of profile `pp`: `80 41 00 PP 01 70`, case 3 only (§3.7).
pub fn get_profile(pp: u8) -> Apdu {
    // CLA INS P1 P2 Lc data
    Apdu::new(CLA_PLAIN, INS_GET_INFO, 0x00, pp).data([0x70])
}

/// Get challenge: `80 4B 08 00 00`.
pub fn get_challenge() -> Apdu {
    // CLA INS P1 P2 Le
    Apdu::new(CLA_PLAIN, INS_GET_CHALLENGE, 0x08, 0x00).le(256)
}

/// Answer challenge: `80 CE 00 00 10` ‖ SM4-ECB(derived key, challenge ‖ 8×00).
pub fn answer_challenge(key: &Sm4Key, challenge: &[u8; 8]) -> Apdu {
    // CLA INS P1 P2 Lc data(16)
    Apdu::new(CLA_PLAIN, INS_ANSWER_CHALLENGE, 0x00, 0x00)
        .data(crypto::challenge_response(key, challenge))
}

/// Code length (tag `0B`): 4, 6, 8 or 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Molto2Digits {
    /// 4 digits (not representable as [`crate::otp::Digits`]).
    Four = 4,
    /// 6 digits.
    Six = 6,
    /// 8 digits.
    Eight = 8,
    /// 10 digits.
    Ten = 10,
}

impl Molto2Digits {
    /// From the wire value.
    pub fn from_code(c: u8) -> Option<Self> {
        match c {
            4 => Some(Self::Four),
            6 => Some(Self::Six),
            8 => Some(Self::Eight),
            10 => Some(Self::Ten),
            _ => None,
        }
    }
}

/// A profile's full config (§3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileConfig {
    /// Display-off timeout.
    pub display_timeout: DisplayTimeout,
    /// Clock value, Unix seconds.
    pub utc: u32,
    /// HMAC hash.
    pub hmac: Hmac,
    /// Code length.
    pub digits: Molto2Digits,
    /// Time step.
    pub step: Step,
}

/// A config TLV as the device reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigTlv {
    /// The full 22-byte config.
    Full(ProfileConfig),
    /// The 8-byte time-only sync `81 06 0F 04 t`.
    Time(u32),
}

impl ProfileConfig {
    /// `81 14 | 1F 01 tt | 0F 04 utc | 86 09 | 0A 01 alg | 0B 01 digits | 0D 01 step`.
    pub fn encode(&self) -> [u8; 22] {
        let u = self.utc.to_be_bytes();
        [
            0x81,
            0x14,
            0x1F,
            0x01,
            self.display_timeout.code(),
            0x0F,
            0x04,
            u[0],
            u[1],
            u[2],
            u[3],
            0x86,
            0x09,
            0x0A,
            0x01,
            self.hmac as u8,
            0x0B,
            0x01,
            self.digits as u8,
            0x0D,
            0x01,
            self.step as u8,
        ]
    }
}

/// Time-only sync TLV `81 06 0F 04 t` (§3.5).
pub fn sync_tlv(utc: u32) -> [u8; 8] {
    let u = utc.to_be_bytes();
    [0x81, 0x06, 0x0F, 0x04, u[0], u[1], u[2], u[3]]
}

/// Parses a config or sync TLV strictly.
pub fn decode_config(tlv: &[u8]) -> Result<ConfigTlv, String> {
    match tlv {
        [0x81, 0x06, 0x0F, 0x04, a, b, c, d] => {
            Ok(ConfigTlv::Time(u32::from_be_bytes([*a, *b, *c, *d])))
        }
        [
            0x81,
            0x14,
            0x1F,
            0x01,
            tt,
            0x0F,
            0x04,
            a,
            b,
            c,
            d,
            0x86,
            0x09,
            0x0A,
            0x01,
            alg,
            0x0B,
            0x01,
            digits,
            0x0D,
            0x01,
            step,
        ] => Ok(ConfigTlv::Full(ProfileConfig {
            display_timeout: DisplayTimeout::from_code(*tt)
                .ok_or_else(|| format!("display timeout {tt:#04x}"))?,
            utc: u32::from_be_bytes([*a, *b, *c, *d]),
            hmac: Hmac::from_code(*alg).ok_or_else(|| format!("HMAC {alg:#04x}"))?,
            digits: Molto2Digits::from_code(*digits)
                .ok_or_else(|| format!("digits {digits:#04x}"))?,
            step: Step::from_code(*step).ok_or_else(|| format!("step {step:#04x}"))?,
        })),
        _ => Err(format!(
            "config TLV of {} bytes does not match §3.5",
            tlv.len()
        )),
    }
}

/// Write config: `84 D4 01 PP 1A` ‖ TLV(22) ‖ MAC.
pub fn write_config(key: &Sm4Key, pp: u8, config: &ProfileConfig) -> Apdu {
    crypto::secure_command(key, INS_WRITE_CONFIG, 0x01, pp, &config.encode())
}

/// Time sync of one profile: `84 D4 01 PP 0C` ‖ `81 06 0F 04 t` ‖ MAC.
pub fn sync_time(key: &Sm4Key, pp: u8, utc: u32) -> Apdu {
    crypto::secure_command(key, INS_WRITE_CONFIG, 0x01, pp, &sync_tlv(utc))
}

/// Seed padding: `80 00…` to a 16-multiple, always (§3.6); the all-zero seed is the
/// "clear" sentinel and is zero-padded without the marker.
pub fn pad_seed(seed: &[u8]) -> Zeroizing<Vec<u8>> {
    if seed.iter().all(|&b| b == 0) {
        let mut out = Zeroizing::new(seed.to_vec());
        out.resize(seed.len().div_ceil(16).max(1) * 16, 0);
        out
    } else {
        crypto::pad_method2(seed)
    }
}

/// Write seed: `84 C5 01 PP Lc` ‖ SM4-ECB(padded seed) ‖ MAC; marked sensitive.
pub fn write_seed(key: &Sm4Key, pp: u8, seed: &[u8]) -> Result<Apdu, String> {
    if seed.is_empty() || seed.len() > MAX_SEED {
        return Err(format!(
            "a seed of {} bytes does not fit (1 to {MAX_SEED})",
            seed.len()
        ));
    }
    let ct = crypto::ecb_encrypt(key, &pad_seed(seed)).ok_or("padding is not aligned")?;
    Ok(crypto::secure_command(key, INS_WRITE_SEED, 0x01, pp, &ct).sensitive())
}

/// What a write-seed body carries, device side.
#[derive(Debug, PartialEq, Eq)]
pub enum SeedWrite {
    /// A seed to store.
    Seed(Zeroizing<Vec<u8>>),
    /// The all-zero sentinel: clear the profile.
    Clear,
}

/// Device side: decrypts and unpads a write-seed body (ciphertext without MAC).
pub fn decode_seed(key: &Sm4Key, ciphertext: &[u8]) -> Result<SeedWrite, String> {
    if ciphertext.is_empty() || ciphertext.len() > 64 || !ciphertext.len().is_multiple_of(16) {
        return Err(format!("seed ciphertext of {} bytes", ciphertext.len()));
    }
    let plain = crypto::ecb_decrypt(key, ciphertext).ok_or("not whole blocks")?;
    if plain.iter().all(|&b| b == 0) {
        return Ok(SeedWrite::Clear);
    }
    let seed = crypto::unpad_method2(&plain).ok_or("no 80 padding marker")?;
    if seed.is_empty() {
        return Err("empty seed".into());
    }
    Ok(SeedWrite::Seed(Zeroizing::new(seed.to_vec())))
}

/// Write title: `84 D5 00 PP 14` ‖ SM4-ECB(title ‖ 80 00…, 16 B) ‖ MAC; 1…12 bytes.
pub fn write_title(key: &Sm4Key, pp: u8, title: &str) -> Result<Apdu, String> {
    let t = title.as_bytes();
    if t.is_empty() || t.len() > MAX_TITLE {
        return Err(format!(
            "a title of {} bytes does not fit (1 to {MAX_TITLE} UTF-8 bytes)",
            t.len()
        ));
    }
    let ct = crypto::ecb_encrypt(key, &crypto::pad_method2(t)).ok_or("padding")?;
    Ok(crypto::secure_command(key, INS_WRITE_TITLE, 0x00, pp, &ct))
}

/// Device side: the title in a write-title body.
pub fn decode_title(key: &Sm4Key, ciphertext: &[u8]) -> Result<Vec<u8>, String> {
    if ciphertext.len() != 16 {
        return Err(format!("title ciphertext of {} bytes", ciphertext.len()));
    }
    let plain = crypto::ecb_decrypt(key, ciphertext).ok_or("not a block")?;
    let t = crypto::unpad_method2(&plain).ok_or("no 80 padding marker")?;
    if t.is_empty() || t.len() > MAX_TITLE {
        return Err(format!("title of {} bytes", t.len()));
    }
    Ok(t.to_vec())
}

/// Change customer key: `84 D7 00 00 24` ‖ SM4-ECB(00 ‖ new SM4 key ‖ 80 ‖ 14×00) ‖
/// MAC, under the current key (§3.6). Marked sensitive.
pub fn change_key(key: &Sm4Key, new_customer_key: &[u8]) -> Apdu {
    let new = derive_key(new_customer_key);
    let mut plain = Zeroizing::new(vec![0x00]);
    plain.extend_from_slice(new.expose());
    plain.push(0x80);
    plain.resize(32, 0x00);
    let ct = crypto::ecb_encrypt(key, &plain).unwrap_or_default();
    crypto::secure_command(key, INS_CHANGE_KEY, 0x00, 0x00, &ct).sensitive()
}

/// Device side: the new SM4 key in a change-key body.
pub fn decode_new_key(key: &Sm4Key, ciphertext: &[u8]) -> Result<Sm4Key, String> {
    if ciphertext.len() != 32 {
        return Err(format!("key ciphertext of {} bytes", ciphertext.len()));
    }
    let plain = crypto::ecb_decrypt(key, ciphertext).ok_or("not whole blocks")?;
    match plain.as_slice() {
        [0x00, k @ .., 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] if k.len() == 16 => {
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(k);
            Ok(Sm4Key::new(bytes))
        }
        _ => Err("not 00 ‖ key ‖ 80 00…".into()),
    }
}

/// Delete one profile's seed: `80 E6 00 PP 00` (§3.8).
pub fn delete_seed(pp: u8) -> Apdu {
    // CLA INS P1 P2 Le
    Apdu::new(CLA_PLAIN, INS_DELETE_SEED, 0x00, pp).le(256)
}

/// Factory reset: `80 56 00 00 00` (§3.8).
pub fn factory_reset() -> Apdu {
    // CLA INS P1 P2 Le
    Apdu::new(CLA_PLAIN, INS_FACTORY_RESET, 0x00, 0x00).le(256)
}

/// Public data of one profile (§3.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileData {
    /// Flag byte (`20` seen on written profiles).
    pub flag: u8,
    /// Title, plaintext, zero-padded.
    pub title: [u8; 16],
    /// Time field A.
    pub time_a: u32,
    /// Time field B.
    pub time_b: u32,
    /// HMAC code.
    pub hmac: u8,
    /// Step seconds.
    pub step: u8,
    /// Digits.
    pub digits: u8,
    /// Whether a seed is present (the only reliable occupancy byte).
    pub seed_present: bool,
}

impl ProfileData {
    /// The title as text, `None` when empty.
    pub fn title_text(&self) -> Option<String> {
        let end = self.title.iter().position(|&b| b == 0).unwrap_or(16);
        let t = self.title.get(..end).unwrap_or_default();
        (!t.is_empty()).then(|| String::from_utf8_lossy(t).into_owned())
    }

    /// `95 1F 70 1D` + the 29 bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![0x95, 0x1F, 0x70, 0x1D, self.flag];
        out.extend_from_slice(&self.title);
        out.extend_from_slice(&self.time_a.to_be_bytes());
        out.extend_from_slice(&self.time_b.to_be_bytes());
        out.extend_from_slice(&[
            self.hmac,
            self.step,
            self.digits,
            u8::from(self.seed_present),
        ]);
        out
    }

    /// Parses `95 1F 70 1D` + 29 bytes.
    pub fn parse(data: &[u8]) -> Result<ProfileData, String> {
        let [0x95, 0x1F, 0x70, 0x1D, rest @ ..] = data else {
            return Err("public data does not start 95 1F 70 1D".into());
        };
        let [
            flag,
            t @ ..,
            a0,
            a1,
            a2,
            a3,
            b0,
            b1,
            b2,
            b3,
            hmac,
            step,
            digits,
            present,
        ] = rest
        else {
            return Err(format!("public data of {} bytes, expected 33", data.len()));
        };
        let title: [u8; 16] = t
            .try_into()
            .map_err(|_| format!("public data of {} bytes, expected 33", data.len()))?;
        Ok(ProfileData {
            flag: *flag,
            title,
            time_a: u32::from_be_bytes([*a0, *a1, *a2, *a3]),
            time_b: u32::from_be_bytes([*b0, *b1, *b2, *b3]),
            hmac: *hmac,
            step: *step,
            digits: *digits,
            seed_present: *present != 0,
        })
    }
}

#[cfg(test)]
mod tests;
