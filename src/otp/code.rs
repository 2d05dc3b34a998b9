//! A code a person typed, and its constant-time comparison with computed codes.

use subtle::{Choice, ConstantTimeEq};

use super::{Digits, OtpKey};

/// A submitted numeric code: its value and how many digits were typed (leading zeros
/// count). The value is never logged.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Code {
    value: u64,
    len: u8,
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Code([{} digits])", self.len)
    }
}

impl Code {
    /// Parses 1 to 10 ASCII digits; spaces inside are ignored (`123 456`). Anything
    /// else is not a numeric code and gives `None`.
    pub fn parse(text: &str) -> Option<Code> {
        let mut value: u64 = 0;
        let mut len: u8 = 0;
        for c in text.trim().chars().filter(|c| *c != ' ') {
            let d = c.to_digit(10)?;
            len = len.checked_add(1)?;
            if len > 10 {
                return None;
            }
            value = value * 10 + u64::from(d);
        }
        (len > 0).then_some(Code { value, len })
    }

    /// Number of digits typed.
    pub fn digit_count(&self) -> u8 {
        self.len
    }

    /// Always `false`: a code has at least one digit.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether this code has the length a token of `digits` shows.
    pub fn fits(&self, digits: Digits) -> bool {
        self.len == digits.get()
    }

    /// Constant-time comparison with the code for `counter`.
    pub fn ct_matches(&self, key: &OtpKey, counter: u64, digits: Digits) -> Choice {
        let len_ok = self.len.ct_eq(&digits.get());
        len_ok & key.code(counter, digits).ct_eq(&self.value)
    }

    /// Constant-time comparison with a computed value (already reduced mod 10^digits).
    pub fn ct_eq_value(&self, value: u64, digits: Digits) -> Choice {
        self.len.ct_eq(&digits.get()) & value.ct_eq(&self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::{Algorithm, Secret};

    #[test]
    fn parse_forms() {
        assert_eq!(Code::parse("012345").unwrap().digit_count(), 6);
        assert_eq!(Code::parse(" 123 456 ").unwrap().digit_count(), 6);
        assert!(Code::parse("").is_none());
        assert!(Code::parse("12a456").is_none());
        assert!(Code::parse("12345678901").is_none());
        assert!(Code::parse("ABCD-EFGH").is_none());
    }

    #[test]
    fn leading_zero_matters() {
        let key = OtpKey::new(Algorithm::Sha1, &Secret::from_slice(&[0]));
        // counter 2 of the all-zero key is 073348
        assert!(bool::from(Code::parse("073348").unwrap().ct_matches(
            &key,
            2,
            Digits::SIX
        )));
        assert!(!bool::from(Code::parse("73348").unwrap().ct_matches(
            &key,
            2,
            Digits::SIX
        )));
        assert!(!bool::from(Code::parse("073349").unwrap().ct_matches(
            &key,
            2,
            Digits::SIX
        )));
    }
}
