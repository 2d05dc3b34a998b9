//! The Nitrokey answers a host reads (token-protocols.md §6.4; Pro firmware
//! `cmd_get_status`, `cmd_read_slot`, `cmd_get_code`): GET_STATUS with the general
//! config, READ_SLOT, GET_CODE.

use super::NAME_LEN;

/// The five general-config bytes GET_STATUS reports at `[6..11)` of its payload
/// (Pro firmware `cmd_get_status`, `is_user_PIN_protection_enabled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GeneralConfig {
    /// HOTP slot typed on NumLock (any other value: off).
    pub numlock: u8,
    /// HOTP slot typed on CapsLock.
    pub capslock: u8,
    /// HOTP slot typed on ScrollLock.
    pub scrolllock: u8,
    /// GET_CODE needs the user temporary password (byte value 1).
    pub user_password: bool,
    /// Forget the user password after use.
    pub delete_user_password: bool,
}

impl GeneralConfig {
    /// The factory state: no lock-key slots (`FF`), no user password.
    pub const FACTORY: GeneralConfig = GeneralConfig {
        numlock: 0xFF,
        capslock: 0xFF,
        scrolllock: 0xFF,
        user_password: false,
        delete_user_password: false,
    };

    /// The five bytes.
    pub fn encode(&self) -> [u8; 5] {
        [
            self.numlock,
            self.capslock,
            self.scrolllock,
            u8::from(self.user_password),
            u8::from(self.delete_user_password),
        ]
    }

    /// From the five bytes (`user_password` only for the value 1, as the firmware tests).
    pub fn decode(b: [u8; 5]) -> Self {
        GeneralConfig {
            numlock: b[0],
            capslock: b[1],
            scrolllock: b[2],
            user_password: b[3] == 1,
            delete_user_password: b[4] == 1,
        }
    }
}

/// GET_STATUS payload: firmware (minor, major), card serial u32 LE, general config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// Firmware major.
    pub major: u8,
    /// Firmware minor.
    pub minor: u8,
    /// Smart card serial (0 on a Storage, whose GET_STATUS leaves it out).
    pub serial: u32,
    /// General config (`[6..11)`).
    pub config: GeneralConfig,
}

/// Parses a GET_STATUS payload.
pub fn parse_status(payload: &[u8]) -> Result<Status, String> {
    match payload {
        [minor, major, s0, s1, s2, s3, c0, c1, c2, c3, c4, ..] => Ok(Status {
            major: *major,
            minor: *minor,
            serial: u32::from_le_bytes([*s0, *s1, *s2, *s3]),
            config: GeneralConfig::decode([*c0, *c1, *c2, *c3, *c4]),
        }),
        _ => Err("GET_STATUS payload too short".into()),
    }
}

/// A READ_SLOT answer: name, config, token id, HOTP counter or TOTP interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotRecord {
    /// Name (up to 15 bytes, NUL-padded on the wire).
    pub name: String,
    /// Config byte (bit 0: 8 digits).
    pub config: u8,
    /// Token id, 13 bytes.
    pub token_id: [u8; 13],
    /// HOTP counter or TOTP interval (u64 LE).
    pub interval_or_counter: u64,
}

/// Parses a READ_SLOT payload: `name[15]`, config, `token id[13]`, u64 LE (Pro firmware
/// `cmd_read_slot`).
pub fn parse_slot(payload: &[u8]) -> Result<SlotRecord, String> {
    let b = payload.get(..37).ok_or("READ_SLOT payload too short")?;
    let name = &b[..NAME_LEN];
    let end = name.iter().position(|c| *c == 0).unwrap_or(NAME_LEN);
    let mut token_id = [0u8; 13];
    token_id.copy_from_slice(&b[16..29]);
    let mut n = [0u8; 8];
    n.copy_from_slice(&b[29..37]);
    Ok(SlotRecord {
        name: String::from_utf8_lossy(&name[..end]).into_owned(),
        config: b[15],
        token_id,
        interval_or_counter: u64::from_le_bytes(n),
    })
}

/// A GET_CODE answer: the code (already reduced), config byte.
pub fn parse_code(payload: &[u8]) -> Result<(u32, u8), String> {
    match payload {
        [a, b, c, d, config, ..] => Ok((u32::from_le_bytes([*a, *b, *c, *d]), *config)),
        _ => Err("GET_CODE payload too short".into()),
    }
}
