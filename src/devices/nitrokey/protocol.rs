//! Nitrokey Pro / Storage / Librem Key HID OTP frames, pure (token-protocols.md §6;
//! firmware-protocols/nitrokey.md).
//!
//! Request report, 64 bytes (a hidapi buffer adds report id 0 in front):
//! `[0]` command id, `[1..60)` payload, `[60..64)` CRC-32 little-endian.
//! Response report: `[0]` device status, `[1]` last command id, `[2..6)` CRC the device
//! computed over the request, `[6]` command status, `[7..60)` payload, `[60..64)` CRC.
//! The CRC is the STM32 hardware CRC: polynomial 0x04C11DB7, initial 0xFFFFFFFF, fed
//! 32-bit little-endian words MSB first, no reflection, no final XOR, over bytes 0..60.

/// Report size without the report id.
pub const REPORT_LEN: usize = 64;
/// Bytes covered by the CRC.
pub const CRC_SPAN: usize = 60;
/// Length of PIN and temporary-password fields.
pub const PW_LEN: usize = 25;
/// Longest secret (Pro ≥ v0.8, Storage ≥ v0.54).
pub const SECRET_LEN: usize = 40;
/// Slot name length.
pub const NAME_LEN: usize = 15;
/// Seconds from the Unix epoch to 2014-01-01, the base of the flash time (minutes).
pub const FLASH_EPOCH: i64 = 1_388_534_400;

/// Command ids (§6.1).
pub mod cmd {
    /// GET_STATUS.
    pub const GET_STATUS: u8 = 0x00;
    /// WRITE_TO_SLOT.
    pub const WRITE_TO_SLOT: u8 = 0x01;
    /// READ_SLOT_NAME.
    pub const READ_SLOT_NAME: u8 = 0x02;
    /// GET_CODE.
    pub const GET_CODE: u8 = 0x04;
    /// ERASE_SLOT.
    pub const ERASE_SLOT: u8 = 0x06;
    /// FIRST_AUTHENTICATE (admin PIN + temporary password).
    pub const FIRST_AUTHENTICATE: u8 = 0x07;
    /// AUTHORIZE (legacy ≤ v0.7).
    pub const AUTHORIZE: u8 = 0x08;
    /// GET_PASSWORD_RETRY_COUNT (admin).
    pub const GET_PASSWORD_RETRY_COUNT: u8 = 0x09;
    /// READ_SLOT (name, config, token id, counter or interval).
    pub const READ_SLOT: u8 = 0x03;
    /// WRITE_CONFIG (general config: lock-key HOTP slots, user password for OTP).
    pub const WRITE_CONFIG: u8 = 0x05;
    /// SET_TIME.
    pub const SET_TIME: u8 = 0x0B;
    /// USER_AUTHENTICATE (user PIN + user temporary password).
    pub const USER_AUTHENTICATE: u8 = 0x0E;
    /// GET_USER_PASSWORD_RETRY_COUNT.
    pub const GET_USER_PASSWORD_RETRY_COUNT: u8 = 0x0F;
    /// FACTORY_RESET (admin PIN): OTP slots and the OpenPGP card.
    pub const FACTORY_RESET: u8 = 0x13;
    /// SEND_OTP_DATA (name or secret chunk).
    pub const SEND_OTP_DATA: u8 = 0x17;
    /// GET_DEVICE_STATUS (Nitrokey Storage only): firmware, card serial, retry counters.
    pub const GET_DEVICE_STATUS: u8 = 0x2E;
    /// First Storage-only command id (libnitrokey `stick20::CMD_START_VALUE`).
    pub const STORAGE_FIRST: u8 = 0x20;
    /// Past the last Storage-only command id (`CMD_END_VALUE`).
    pub const STORAGE_END: u8 = 0x60;
}

/// Device status byte `[0]` of a response.
pub mod device_status {
    /// Ready / OK.
    pub const OK: u8 = 0;
    /// Busy: read again.
    pub const BUSY: u8 = 1;
    /// Error.
    pub const ERROR: u8 = 2;
    /// Report received.
    pub const RECEIVED: u8 = 3;
}

/// Command status codes `[6]` (§6.1).
pub mod status {
    /// OK.
    pub const OK: u8 = 0;
    /// CRC mismatch: the command was not run.
    pub const WRONG_CRC: u8 = 1;
    /// No such slot.
    pub const WRONG_SLOT: u8 = 2;
    /// Slot empty.
    pub const SLOT_NOT_PROGRAMMED: u8 = 3;
    /// Wrong PIN.
    pub const WRONG_PASSWORD: u8 = 4;
    /// Temporary password missing or wrong.
    pub const NOT_AUTHORIZED: u8 = 5;
    /// SET_TIME check failed (flash time 0 or later than the new time).
    pub const TIMESTAMP_WARNING: u8 = 6;
    /// WRITE_TO_SLOT with an empty name.
    pub const NO_NAME_ERROR: u8 = 7;
    /// Not supported.
    pub const NOT_SUPPORTED: u8 = 8;
    /// Unknown command.
    pub const UNKNOWN_COMMAND: u8 = 9;
}

/// What a command status means, with what to do.
pub fn status_meaning(code: u8) -> &'static str {
    match code {
        0 => "OK",
        1 => "the device saw a bad CRC (USB noise?): retry",
        2 => "no such slot (HOTP 0–2, TOTP 0–14)",
        3 => "the slot is not programmed",
        4 => "wrong PIN: check the admin PIN (the device locks after 3 wrong tries)",
        5 => "not authorised: the temporary password is missing or expired; authenticate again",
        6 => "the device refused the time (its stored time is zero or later): set it with force",
        7 => "the slot name is empty",
        8 => "not supported by this firmware",
        9 => "unknown command (firmware too old or too new for this tool)",
        10 => "AES decryption failed",
        11 => "AES key creation failed",
        12 => "changing the user PIN failed",
        13 => "changing the admin PIN failed",
        14 => "unblocking the PIN failed",
        _ => "unknown status",
    }
}

/// STM32 hardware CRC-32 over `data` as little-endian 32-bit words (a trailing partial
/// word is zero-padded).
pub fn crc(data: &[u8]) -> u32 {
    let mut crc: u32 = 0xFFFF_FFFF;
    for chunk in data.chunks(4) {
        let mut w = [0u8; 4];
        w[..chunk.len()].copy_from_slice(chunk);
        crc ^= u32::from_le_bytes(w);
        for _ in 0..32 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Writes the CRC of bytes `0..60` into `60..64`.
pub fn seal(report: &mut [u8; REPORT_LEN]) {
    let c = crc(&report[..CRC_SPAN]);
    report[CRC_SPAN..].copy_from_slice(&c.to_le_bytes());
}

/// A request: `[0]` command, payload at `[1..]`, CRC at `[60..64)`.
pub fn request(command: u8, payload: &[u8]) -> [u8; REPORT_LEN] {
    let mut r = [0u8; REPORT_LEN];
    r[0] = command;
    let n = payload.len().min(CRC_SPAN - 1);
    r[1..1 + n].copy_from_slice(&payload[..n]);
    seal(&mut r);
    r
}

/// Copies `s` into a `len`-byte field, zero-padded, cut at `len` (NUL-terminated when
/// `nul` and the text is as long as the field).
pub fn field(s: &[u8], len: usize, nul: bool) -> Vec<u8> {
    let mut f = vec![0u8; len];
    let n = s.len().min(if nul { len - 1 } else { len });
    f[..n].copy_from_slice(&s[..n]);
    f
}

/// A PIN longer than the firmware reads (25 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a PIN of {0} bytes: the firmware reads at most 25")]
pub struct PinTooLong(pub usize);

/// The 25-byte PIN field: the PIN's bytes, NUL-padded. The firmware copies all 25
/// bytes and terminates them itself (`report_protocol.c` `cmd_first_authenticate`),
/// so a 25-byte PIN fills the field; a longer one is refused, never cut (cutting
/// sends a wrong PIN and burns one of the three tries).
pub fn pin_field(pin: &str) -> Result<zeroize::Zeroizing<Vec<u8>>, PinTooLong> {
    let b = pin.as_bytes();
    if b.len() > PW_LEN {
        return Err(PinTooLong(b.len()));
    }
    Ok(zeroize::Zeroizing::new(field(b, PW_LEN, false)))
}

/// FIRST_AUTHENTICATE payload: admin PIN `[1..26)`, temporary password `[26..51)`.
pub fn first_authenticate(pin: &str, temp: &[u8; PW_LEN]) -> Result<[u8; REPORT_LEN], PinTooLong> {
    authenticate(cmd::FIRST_AUTHENTICATE, pin, temp)
}

/// USER_AUTHENTICATE payload: user PIN `[1..26)`, user temporary password `[26..51)`.
pub fn user_authenticate(pin: &str, temp: &[u8; PW_LEN]) -> Result<[u8; REPORT_LEN], PinTooLong> {
    authenticate(cmd::USER_AUTHENTICATE, pin, temp)
}

fn authenticate(
    command: u8,
    pin: &str,
    temp: &[u8; PW_LEN],
) -> Result<[u8; REPORT_LEN], PinTooLong> {
    let mut p = pin_field(pin)?;
    p.extend_from_slice(temp);
    Ok(request(command, &p))
}

/// FACTORY_RESET: admin PIN `[1..26)`.
pub fn factory_reset(pin: &str) -> Result<[u8; REPORT_LEN], PinTooLong> {
    Ok(request(cmd::FACTORY_RESET, &pin_field(pin)?))
}

/// SEND_OTP_DATA: temp pw `[1..26)`, kind `[26]` (`'N'` name / `'S'` secret), chunk id
/// `[27]`, data `[28..58)` (30 bytes).
pub fn send_otp_data(temp: &[u8; PW_LEN], kind: u8, id: u8, data: &[u8]) -> [u8; REPORT_LEN] {
    let mut p = temp.to_vec();
    p.push(kind);
    p.push(id);
    p.extend_from_slice(&field(data, 30, false));
    let r = request(cmd::SEND_OTP_DATA, &p);
    zeroize::Zeroize::zeroize(&mut p);
    r
}

/// WRITE_TO_SLOT: temp pw `[1..26)`, slot `[26]`, u64 LE interval (TOTP) or counter
/// (HOTP) `[27..35)`, config `[35]`, token id `[36..49)`.
pub fn write_to_slot(
    temp: &[u8; PW_LEN],
    slot: u8,
    interval_or_counter: u64,
    config: u8,
    token_id: &[u8],
) -> [u8; REPORT_LEN] {
    let mut p = temp.to_vec();
    p.push(slot);
    p.extend_from_slice(&interval_or_counter.to_le_bytes());
    p.push(config);
    p.extend_from_slice(&field(token_id, 13, false));
    request(cmd::WRITE_TO_SLOT, &p)
}

/// GET_CODE for `slot`: `[1]` slot, `[2..19)` challenge, last time and interval (zero:
/// v0.8+ firmware ignores them), `[19..44)` the user temporary password (zero unless
/// "user password for OTP" is on).
pub fn get_code(slot: u8, user_temp: Option<&[u8; PW_LEN]>) -> [u8; REPORT_LEN] {
    let mut p = vec![0u8; 1 + 8 + 8 + 1];
    p[0] = slot;
    if let Some(t) = user_temp {
        p.extend_from_slice(t);
    }
    let r = request(cmd::GET_CODE, &p);
    zeroize::Zeroize::zeroize(&mut p);
    r
}

/// READ_SLOT for `slot`: `[1]` slot.
pub fn read_slot(slot: u8) -> [u8; REPORT_LEN] {
    request(cmd::READ_SLOT, &[slot])
}

/// WRITE_CONFIG: `[1..6)` general config (numlock, capslock, scrolllock HOTP slot,
/// user password for OTP, delete user password), `[6..31)` admin temporary password.
pub fn write_config(config: &GeneralConfig, temp: &[u8; PW_LEN]) -> [u8; REPORT_LEN] {
    let mut p = config.encode().to_vec();
    p.extend_from_slice(temp);
    request(cmd::WRITE_CONFIG, &p)
}

/// ERASE_SLOT: `[1]` slot, `[2..27)` admin temp pw.
pub fn erase_slot(slot: u8, temp: &[u8; PW_LEN]) -> [u8; REPORT_LEN] {
    let mut p = vec![slot];
    p.extend_from_slice(temp);
    request(cmd::ERASE_SLOT, &p)
}

/// SET_TIME: `[1]` mode (0 check, 1 force), `[2..10)` u64 LE Unix seconds.
pub fn set_time(force: bool, unix: u64) -> [u8; REPORT_LEN] {
    let mut p = vec![u8::from(force)];
    p.extend_from_slice(&unix.to_le_bytes());
    request(cmd::SET_TIME, &p)
}

/// Wire slot number of HOTP slot `n` (0..=2) and TOTP slot `n` (0..=14).
pub fn hotp_slot(n: u8) -> u8 {
    0x10 + n
}

/// Wire slot number of TOTP slot `n`.
pub fn totp_slot(n: u8) -> u8 {
    0x20 + n
}

/// A parsed response report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// `[0]` device status.
    pub device_status: u8,
    /// `[1]` last command id.
    pub last_command: u8,
    /// `[2..6)` CRC the device computed over the request.
    pub request_crc: u32,
    /// `[6]` command status.
    pub status: u8,
    /// `[7..60)` payload.
    pub payload: Vec<u8>,
    /// Whether `[60..64)` matches the CRC of `[0..60)`.
    pub crc_ok: bool,
}

/// Parses a 64-byte response report.
pub fn parse_response(r: &[u8]) -> Result<Response, String> {
    if r.len() != REPORT_LEN {
        return Err(format!("response of {} bytes, expected 64", r.len()));
    }
    let word = |i: usize| u32::from_le_bytes([r[i], r[i + 1], r[i + 2], r[i + 3]]);
    Ok(Response {
        device_status: r[0],
        last_command: r[1],
        request_crc: word(2),
        status: r[6],
        payload: r[7..CRC_SPAN].to_vec(),
        crc_ok: word(CRC_SPAN) == crc(&r[..CRC_SPAN]),
    })
}

/// Builds a response report (device side).
pub fn response(command: u8, request_crc: u32, status: u8, payload: &[u8]) -> [u8; REPORT_LEN] {
    let mut r = [0u8; REPORT_LEN];
    r[0] = device_status::OK;
    r[1] = command;
    r[2..6].copy_from_slice(&request_crc.to_le_bytes());
    r[6] = status;
    let n = payload.len().min(CRC_SPAN - 7);
    r[7..7 + n].copy_from_slice(&payload[..n]);
    seal(&mut r);
    r
}

mod answers;
pub mod storage;
pub use answers::{GeneralConfig, SlotRecord, Status, parse_code, parse_slot, parse_status};

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
