//! CALCULATE and CALCULATE ALL (token-protocols.md §4.3): challenges, truncated and full
//! answers, the host's code formula.

use super::{ins, parse_tlvs, push_tlv, tag};
use crate::transport::Apdu;

/// The 8-byte TOTP challenge: `floor(unix / period)` big-endian (§4.3 CALCULATE).
pub fn totp_challenge(unix: i64, period: u32) -> [u8; 8] {
    let step = unix.max(0) as u64 / u64::from(period.max(1));
    step.to_be_bytes()
}

/// CALCULATE `00 A2 00 P2 | 71 L name | 74 L challenge`; P2 = 01 truncated, 00 full.
pub fn calculate(name: &str, challenge: &[u8], truncated: bool) -> Apdu {
    let mut body = Vec::new();
    push_tlv(&mut body, tag::NAME, name.as_bytes());
    push_tlv(&mut body, tag::CHALLENGE, challenge);
    Apdu::new(0x00, ins::CALCULATE, 0x00, u8::from(truncated)).data(body)
}

/// A computed code: digits and the 31-bit value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeValue {
    /// Number of digits.
    pub digits: u8,
    /// The 31-bit truncated value.
    pub value: u32,
}

impl CodeValue {
    /// `(value & 0x7FFFFFFF) mod 10^digits`, zero-padded (§4.3, ykman `_format_code`).
    pub fn code(&self) -> String {
        let m = 10u64.pow(u32::from(self.digits.clamp(1, 10)));
        let v = u64::from(self.value & 0x7FFF_FFFF) % m;
        format!("{v:0width$}", width = usize::from(self.digits))
    }
}

/// Reads a `76 05 digits u32` or `75 L digits hmac` value.
fn code_of(t: u8, v: &[u8]) -> Result<CodeValue, String> {
    let (&digits, rest) = v.split_first().ok_or("empty response value")?;
    let value = match t {
        tag::TRUNCATED => {
            let b: [u8; 4] = rest.try_into().map_err(|_| "truncated value not 4 bytes")?;
            u32::from_be_bytes(b) & 0x7FFF_FFFF
        }
        tag::RESPONSE => {
            if rest.len() < 20 {
                return Err(format!("full response of {} bytes", rest.len()));
            }
            crate::otp::hotp::dynamic_truncate(rest)
        }
        _ => return Err(format!("tag {t:02X} is not a response")),
    };
    Ok(CodeValue { digits, value })
}

/// Parses a CALCULATE answer (`76 05 …` or `75 L …`).
pub fn parse_calculate(data: &[u8]) -> Result<CodeValue, String> {
    let tlvs = parse_tlvs(data, false)?;
    let (t, v) = tlvs.first().ok_or("empty CALCULATE answer")?;
    code_of(*t, v)
}

/// CALCULATE ALL `00 A4 00 01 | 74 08 challenge` (truncated).
pub fn calculate_all(challenge: &[u8; 8]) -> Apdu {
    let mut body = Vec::new();
    push_tlv(&mut body, tag::CHALLENGE, challenge);
    Apdu::new(0x00, ins::CALCULATE_ALL, 0x00, 0x01).data(body)
}

/// One CALCULATE ALL result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalcResult {
    /// A TOTP code computed with the one challenge.
    Code(CodeValue),
    /// HOTP: not computed (`77`); digits when the device says them.
    Hotp(Option<u8>),
    /// Needs touch: not computed (`7C`).
    Touch(Option<u8>),
}

/// Parses CALCULATE ALL: pairs of `71 name` and a result TLV.
pub fn parse_calculate_all(data: &[u8]) -> Result<Vec<(String, CalcResult)>, String> {
    let tlvs = parse_tlvs(data, false)?;
    let mut out = Vec::new();
    let mut it = tlvs.into_iter();
    while let Some((t, name)) = it.next() {
        if t != tag::NAME {
            return Err(format!("expected name tag 71, got {t:02X}"));
        }
        let (rt, rv) = it.next().ok_or("name without result")?;
        let result = match rt {
            tag::HOTP => CalcResult::Hotp(rv.first().copied()),
            tag::TOUCH => CalcResult::Touch(rv.first().copied()),
            _ => CalcResult::Code(code_of(rt, rv)?),
        };
        out.push((String::from_utf8_lossy(name).into_owned(), result));
    }
    Ok(out)
}
