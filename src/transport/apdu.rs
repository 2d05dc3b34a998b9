//! ISO/IEC 7816-4 command and response APDUs (ISO 7816-4 §5.1, §5.6).
//!
//! [`Apdu`] builds and parses C-APDUs in the four cases, short and extended length;
//! [`Response`] splits an R-APDU into data and a typed [`StatusWord`].

pub mod status;

use std::fmt;

pub use status::StatusWord;

use super::{LinkError, Sensitivity, trace::Hex};

/// A command APDU.
#[derive(Clone, PartialEq, Eq)]
pub struct Apdu {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data (Lc is its length).
    pub data: Vec<u8>,
    /// Expected response length: `None` = no Le field, `Some(256)` short "all" (`00`),
    /// `Some(65536)` is not representable; use `Some(0)` only through [`Apdu::parse`].
    pub le: Option<u16>,
    sensitive: bool,
}

impl Apdu {
    /// A case-1 APDU `CLA INS P1 P2`.
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Apdu {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
            sensitive: false,
        }
    }

    /// Sets the command data.
    pub fn data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// Sets Le (`256` encodes as short `00`).
    pub fn le(mut self, le: u16) -> Self {
        self.le = Some(le);
        self
    }

    /// Marks the command as carrying secrets: its frames trace as `[REDACTED n bytes]`.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Whether frames of this command may be logged.
    pub fn sensitivity(&self) -> Sensitivity {
        if self.sensitive {
            Sensitivity::Sensitive
        } else {
            Sensitivity::Normal
        }
    }

    /// Encodes the APDU, short form when Lc ≤ 255 and Le ≤ 256, extended otherwise.
    pub fn encode(&self) -> Result<Vec<u8>, LinkError> {
        let lc = self.data.len();
        if lc > 65535 {
            return Err(LinkError::Encode(format!("{lc} data bytes (max 65535)")));
        }
        let extended = lc > 255 || self.le.is_some_and(|le| le > 256);
        // CLA INS P1 P2 [Lc data] [Le]
        let mut out = vec![self.cla, self.ins, self.p1, self.p2];
        if extended {
            // CLA INS P1 P2 00 Lc(2) data Le(2)   or   CLA INS P1 P2 00 Le(2)
            out.push(0x00);
            if lc > 0 {
                out.extend_from_slice(&(lc as u16).to_be_bytes());
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                out.extend_from_slice(&le.to_be_bytes());
            }
        } else {
            if lc > 0 {
                out.push(lc as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                out.push(if le >= 256 { 0 } else { le as u8 });
            }
        }
        Ok(out)
    }

    /// Parses a C-APDU (cases 1–4, short and extended). Used by emulators.
    /// Short Le `00` parses as 256; extended Le `00 00` as 0 (meaning 65536).
    pub fn parse(bytes: &[u8]) -> Result<Apdu, String> {
        let [cla, ins, p1, p2, body @ ..] = bytes else {
            return Err(format!("APDU of {} bytes, need at least 4", bytes.len()));
        };
        let mut apdu = Apdu::new(*cla, *ins, *p1, *p2);
        match body {
            [] => {}
            [le] => apdu.le = Some(if *le == 0 { 256 } else { u16::from(*le) }),
            [0, rest @ ..] if rest.len() >= 2 => {
                // extended: 00 Le(2) | 00 Lc(2) data [Le(2)]
                let n = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
                let tail = &rest[2..];
                if tail.is_empty() {
                    apdu.le = Some(n as u16);
                } else if tail.len() == n {
                    apdu.data = tail.to_vec();
                } else if tail.len() == n + 2 {
                    apdu.data = tail[..n].to_vec();
                    apdu.le = Some(u16::from_be_bytes([tail[n], tail[n + 1]]));
                } else {
                    return Err(format!(
                        "extended Lc {n} does not match {} bytes",
                        tail.len()
                    ));
                }
            }
            [lc, rest @ ..] => {
                let n = usize::from(*lc);
                if rest.len() == n {
                    apdu.data = rest.to_vec();
                } else if rest.len() == n + 1 {
                    apdu.data = rest[..n].to_vec();
                    let le = rest[n];
                    apdu.le = Some(if le == 0 { 256 } else { u16::from(le) });
                } else {
                    return Err(format!("Lc {n} does not match {} data bytes", rest.len()));
                }
            }
        }
        Ok(apdu)
    }
}

impl fmt::Debug for Apdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Apdu {{ {:02X} {:02X} {:02X} {:02X}",
            self.cla, self.ins, self.p1, self.p2
        )?;
        if self.sensitive {
            write!(f, " data: [REDACTED {} bytes]", self.data.len())?;
        } else if !self.data.is_empty() {
            write!(f, " data: {}", Hex(&self.data))?;
        }
        if let Some(le) = self.le {
            write!(f, " le: {le}")?;
        }
        f.write_str(" }")
    }
}

/// A response APDU: data and status word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Response data (without SW1 SW2).
    pub data: Vec<u8>,
    /// The status word.
    pub sw: StatusWord,
}

impl Response {
    /// Splits `data… SW1 SW2`; fewer than two bytes is a protocol error.
    pub fn parse(raw: &[u8]) -> Result<Response, String> {
        match raw {
            [data @ .., sw1, sw2] => Ok(Response {
                data: data.to_vec(),
                sw: StatusWord::from(u16::from_be_bytes([*sw1, *sw2])),
            }),
            _ => Err(format!(
                "R-APDU of {} bytes, need at least SW1 SW2",
                raw.len()
            )),
        }
    }

    /// A response with data and `90 00`.
    pub fn ok(data: impl Into<Vec<u8>>) -> Self {
        Response {
            data: data.into(),
            sw: StatusWord::Success,
        }
    }

    /// `data… SW1 SW2`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend_from_slice(&self.sw.code().to_be_bytes());
        out
    }

    /// Whether SW is `90 00`.
    pub fn is_ok(&self) -> bool {
        self.sw == StatusWord::Success
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_the_four_cases() {
        // case 2: GET DATA UID
        assert_eq!(
            Apdu::new(0xFF, 0xCA, 0, 0).le(256).encode().unwrap(),
            [0xFF, 0xCA, 0, 0, 0]
        );
        // case 3
        assert_eq!(
            Apdu::new(0, 0xA4, 4, 0).data([0xA0, 0]).encode().unwrap(),
            [0, 0xA4, 4, 0, 2, 0xA0, 0]
        );
        // case 4
        assert_eq!(
            Apdu::new(0, 0xA4, 4, 0).data([1]).le(256).encode().unwrap(),
            [0, 0xA4, 4, 0, 1, 1, 0]
        );
        // extended case 4
        let big = Apdu::new(0, 0xDA, 0, 0).data(vec![7; 300]).le(1000);
        let enc = big.encode().unwrap();
        assert_eq!(&enc[..7], &[0, 0xDA, 0, 0, 0, 0x01, 0x2C]);
        assert_eq!(&enc[enc.len() - 2..], &[0x03, 0xE8]);
        assert_eq!(Apdu::parse(&enc).unwrap(), big);
    }

    #[test]
    fn sensitive_data_is_not_in_debug() {
        let a = Apdu::new(0, 1, 0, 0).data([0x42; 20]).sensitive();
        let d = format!("{a:?}");
        assert!(d.contains("REDACTED 20 bytes") && !d.contains("42"));
    }

    #[test]
    fn response_parse() {
        let r = Response::parse(&[0x04, 0xA1, 0x90, 0x00]).unwrap();
        assert_eq!(r, Response::ok([0x04, 0xA1]));
        assert_eq!(r.encode(), [0x04, 0xA1, 0x90, 0x00]);
        assert!(Response::parse(&[0x90]).is_err());
        assert_eq!(
            Response::parse(&[0x61, 0x10]).unwrap().sw,
            StatusWord::BytesRemaining { len: 0x10 }
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = Apdu::parse(&bytes);
            let _ = Response::parse(&bytes);
        }

        #[test]
        fn encode_parse_roundtrip(
            cla in any::<u8>(), ins in any::<u8>(), p1 in any::<u8>(), p2 in any::<u8>(),
            data in proptest::collection::vec(any::<u8>(), 0..400),
            le in proptest::option::of(1u16..=1024),
        ) {
            let mut a = Apdu::new(cla, ins, p1, p2).data(data);
            a.le = le;
            let enc = a.encode().unwrap();
            prop_assert_eq!(Apdu::parse(&enc).unwrap(), a);
        }
    }
}
