//! Status words SW1 SW2 (ISO/IEC 7816-4 §5.6, and the PC/SC part 3 pseudo-APDU codes in
//! reader-protocols.md §4), typed with their data, in the style of yubikey.rs.

use std::fmt;

/// A status word, with the data some of them carry. `From<u16>` and [`StatusWord::code`]
/// round-trip for every value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusWord {
    /// `90 00`: success.
    Success,
    /// `61 xx`: success, `xx` more bytes to fetch with GET RESPONSE (`00` = 256).
    BytesRemaining {
        /// SW2 as sent.
        len: u8,
    },
    /// `62 82`: end of data reached before Le bytes (e.g. UID shorter than Le).
    EndOfData,
    /// `63 00`: failed, no information (PC/SC reader pseudo-APDU failure).
    Failed,
    /// `63 Cx`: verification failed, `x` tries left.
    VerifyFail {
        /// Tries left.
        tries: u8,
    },
    /// `65 81`: memory failure.
    MemoryFailure,
    /// `67 00`: wrong length (Lc or Le).
    LengthError,
    /// `69 82`: security status not satisfied.
    SecurityNotSatisfied,
    /// `69 83`: authentication method blocked.
    AuthBlocked,
    /// `69 84`: reference data not usable.
    DataInvalid,
    /// `69 85`: conditions of use not satisfied.
    ConditionsNotSatisfied,
    /// `69 86`: command not allowed.
    NotAllowed,
    /// `6A 80`: incorrect data field.
    WrongData,
    /// `6A 81`: function not supported.
    FuncNotSupported,
    /// `6A 82`: file or application not found.
    NotFound,
    /// `6A 84`: not enough memory.
    NoSpace,
    /// `6A 86`: incorrect P1-P2.
    IncorrectP1P2,
    /// `6B 00`: wrong parameters P1-P2.
    WrongP1P2,
    /// `6C xx`: wrong Le, `xx` is the exact length to ask for (`00` = 256).
    WrongLength {
        /// SW2 as sent.
        exact: u8,
    },
    /// `6D 00`: instruction not supported.
    InsNotSupported,
    /// `6E 00`: class not supported.
    ClaNotSupported,
    /// `6F 00`: no precise diagnosis.
    Unknown,
    /// Any other status word.
    Other(u16),
}

impl From<u16> for StatusWord {
    fn from(sw: u16) -> Self {
        let [sw1, sw2] = sw.to_be_bytes();
        match (sw1, sw2) {
            (0x90, 0x00) => StatusWord::Success,
            (0x61, len) => StatusWord::BytesRemaining { len },
            (0x62, 0x82) => StatusWord::EndOfData,
            (0x63, 0x00) => StatusWord::Failed,
            (0x63, x) if x & 0xF0 == 0xC0 => StatusWord::VerifyFail { tries: x & 0x0F },
            (0x65, 0x81) => StatusWord::MemoryFailure,
            (0x67, 0x00) => StatusWord::LengthError,
            (0x69, 0x82) => StatusWord::SecurityNotSatisfied,
            (0x69, 0x83) => StatusWord::AuthBlocked,
            (0x69, 0x84) => StatusWord::DataInvalid,
            (0x69, 0x85) => StatusWord::ConditionsNotSatisfied,
            (0x69, 0x86) => StatusWord::NotAllowed,
            (0x6A, 0x80) => StatusWord::WrongData,
            (0x6A, 0x81) => StatusWord::FuncNotSupported,
            (0x6A, 0x82) => StatusWord::NotFound,
            (0x6A, 0x84) => StatusWord::NoSpace,
            (0x6A, 0x86) => StatusWord::IncorrectP1P2,
            (0x6B, 0x00) => StatusWord::WrongP1P2,
            (0x6C, exact) => StatusWord::WrongLength { exact },
            (0x6D, 0x00) => StatusWord::InsNotSupported,
            (0x6E, 0x00) => StatusWord::ClaNotSupported,
            (0x6F, 0x00) => StatusWord::Unknown,
            _ => StatusWord::Other(sw),
        }
    }
}

impl StatusWord {
    /// The two bytes as a big-endian `u16`.
    pub fn code(self) -> u16 {
        match self {
            StatusWord::Success => 0x9000,
            StatusWord::BytesRemaining { len } => 0x6100 | u16::from(len),
            StatusWord::EndOfData => 0x6282,
            StatusWord::Failed => 0x6300,
            StatusWord::VerifyFail { tries } => 0x63C0 | u16::from(tries & 0x0F),
            StatusWord::MemoryFailure => 0x6581,
            StatusWord::LengthError => 0x6700,
            StatusWord::SecurityNotSatisfied => 0x6982,
            StatusWord::AuthBlocked => 0x6983,
            StatusWord::DataInvalid => 0x6984,
            StatusWord::ConditionsNotSatisfied => 0x6985,
            StatusWord::NotAllowed => 0x6986,
            StatusWord::WrongData => 0x6A80,
            StatusWord::FuncNotSupported => 0x6A81,
            StatusWord::NotFound => 0x6A82,
            StatusWord::NoSpace => 0x6A84,
            StatusWord::IncorrectP1P2 => 0x6A86,
            StatusWord::WrongP1P2 => 0x6B00,
            StatusWord::WrongLength { exact } => 0x6C00 | u16::from(exact),
            StatusWord::InsNotSupported => 0x6D00,
            StatusWord::ClaNotSupported => 0x6E00,
            StatusWord::Unknown => 0x6F00,
            StatusWord::Other(sw) => sw,
        }
    }

    /// SW1 SW2 as bytes.
    pub fn to_bytes(self) -> [u8; 2] {
        self.code().to_be_bytes()
    }

    /// Whether this is `90 00`.
    pub fn is_success(self) -> bool {
        self == StatusWord::Success
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b] = self.to_bytes();
        write!(f, "{a:02X}{b:02X} ({self:?})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn typed_words_carry_their_data() {
        assert_eq!(
            StatusWord::from(0x6110),
            StatusWord::BytesRemaining { len: 0x10 }
        );
        assert_eq!(
            StatusWord::from(0x6C07),
            StatusWord::WrongLength { exact: 7 }
        );
        assert_eq!(
            StatusWord::from(0x63C2),
            StatusWord::VerifyFail { tries: 2 }
        );
        assert_eq!(StatusWord::from(0x6D00), StatusWord::InsNotSupported);
        assert_eq!(StatusWord::from(0x1234), StatusWord::Other(0x1234));
        assert_eq!(StatusWord::Success.to_string(), "9000 (Success)");
    }

    proptest! {
        #[test]
        fn every_code_round_trips(sw in any::<u16>()) {
            prop_assert_eq!(StatusWord::from(sw).code(), sw);
        }
    }
}
