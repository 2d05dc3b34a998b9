//! Scripted links: play a [`Transcript`] to a driver as if a device answered, and fail
//! when the driver sends anything the transcript does not expect (authenticator-rs
//! style mock, rust-style.md §6).

use std::collections::VecDeque;
use std::time::Duration;

use super::transcript::{Exchange, Transcript};
use super::{ApduLink, LinkError, SerialLink, trace::Hex};

/// An [`ApduLink`] that answers from a transcript of C-APDU / R-APDU pairs.
pub struct ScriptedApduLink {
    name: String,
    atr: Vec<u8>,
    script: VecDeque<Exchange>,
}

impl ScriptedApduLink {
    /// A link named `name` answering with `transcript`; its ATR is the `! atr` setup value.
    pub fn new(name: &str, transcript: &Transcript) -> Self {
        let atr = transcript
            .setup("atr")
            .and_then(|h| super::trace::parse_hex(h).ok())
            .unwrap_or_default();
        ScriptedApduLink {
            name: name.to_string(),
            atr,
            script: transcript.exchanges.iter().cloned().collect(),
        }
    }

    /// Exchanges not yet played; a test ends by checking this is zero.
    pub fn remaining(&self) -> usize {
        self.script.len()
    }

    /// The C-APDU the script expects next, if any (to drive a replay).
    pub fn next_request(&self) -> Option<&[u8]> {
        self.script.front().and_then(|e| e.request.as_deref())
    }
}

impl ApduLink for ScriptedApduLink {
    fn reader(&self) -> &str {
        &self.name
    }
    fn atr(&self) -> &[u8] {
        &self.atr
    }
    fn exchange(&mut self, capdu: &[u8]) -> Result<Vec<u8>, LinkError> {
        let Some(ex) = self.script.pop_front() else {
            return Err(LinkError::Protocol {
                link: self.name.clone(),
                reason: format!("script ended, driver sent [{}]", Hex(capdu)),
            });
        };
        if ex.request.as_deref() != Some(capdu) {
            return Err(LinkError::Protocol {
                link: self.name.clone(),
                reason: format!(
                    "script line {} expects [{}], driver sent [{}]",
                    ex.line,
                    Hex(ex.request.as_deref().unwrap_or_default()),
                    Hex(capdu)
                ),
            });
        }
        Ok(ex.response_bytes())
    }
}

/// A [`SerialLink`] that checks written bytes against the transcript's `>` lines and
/// makes the following `<` bytes readable. Unsolicited `<` lines are readable at once.
pub struct ScriptedSerialLink {
    name: String,
    script: VecDeque<Exchange>,
    /// Bytes written towards the current request so far.
    pending_write: Vec<u8>,
    readable: VecDeque<u8>,
}

impl ScriptedSerialLink {
    /// A port named `name` playing `transcript`.
    pub fn new(name: &str, transcript: &Transcript) -> Self {
        let mut link = ScriptedSerialLink {
            name: name.to_string(),
            script: transcript.exchanges.iter().cloned().collect(),
            pending_write: Vec::new(),
            readable: VecDeque::new(),
        };
        link.release_unsolicited();
        link
    }

    fn release_unsolicited(&mut self) {
        while self.script.front().is_some_and(|e| e.request.is_none()) {
            if let Some(ex) = self.script.pop_front() {
                self.readable.extend(ex.response_bytes());
            }
        }
    }

    /// Exchanges not yet played plus bytes not yet read; zero at a clean end.
    pub fn remaining(&self) -> usize {
        self.script.len() + self.readable.len()
    }
}

impl SerialLink for ScriptedSerialLink {
    fn port(&self) -> &str {
        &self.name
    }

    fn read_raw(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        if self.readable.is_empty() {
            // Like a real port: nothing comes, the timeout passes.
            std::thread::sleep(timeout.min(Duration::from_millis(20)));
            return Ok(0);
        }
        let n = buf.len().min(self.readable.len());
        for (slot, b) in buf.iter_mut().zip(self.readable.drain(..n)) {
            *slot = b;
        }
        Ok(n)
    }

    fn write_raw(&mut self, data: &[u8]) -> Result<(), LinkError> {
        self.pending_write.extend_from_slice(data);
        loop {
            let Some(ex) = self.script.front() else {
                if self.pending_write.is_empty() {
                    return Ok(());
                }
                return Err(LinkError::Protocol {
                    link: self.name.clone(),
                    reason: format!("script ended, driver wrote [{}]", Hex(&self.pending_write)),
                });
            };
            let want = ex.request.clone().unwrap_or_default();
            let have = &self.pending_write;
            let common = have.len().min(want.len());
            if have[..common] != want[..common] {
                return Err(LinkError::Protocol {
                    link: self.name.clone(),
                    reason: format!(
                        "script line {} expects [{}], driver wrote [{}]",
                        ex.line,
                        Hex(&want),
                        Hex(have)
                    ),
                });
            }
            if have.len() < want.len() {
                return Ok(());
            }
            self.pending_write.drain(..want.len());
            if let Some(ex) = self.script.pop_front() {
                self.readable.extend(ex.response_bytes());
            }
            self.release_unsolicited();
        }
    }

    fn clear_input(&mut self) -> Result<(), LinkError> {
        // A scripted device has no stale bytes: what is readable was scripted to be read.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{Apdu, StatusWord};

    #[test]
    fn apdu_link_follows_61xx_and_6cxx() {
        let t = Transcript::parse(
            "t",
            "> FF CA 00 00 00\n< 6C 04\n> FF CA 00 00 04\n< 61 02\n> FF C0 00 00 02\n< AA BB 90 00\n",
        )
        .unwrap();
        let mut link = ScriptedApduLink::new("scripted", &t);
        let r = link.transmit(&Apdu::new(0xFF, 0xCA, 0, 0).le(256)).unwrap();
        assert_eq!(r.data, vec![0xAA, 0xBB]);
        assert_eq!(r.sw, StatusWord::Success);
        assert_eq!(link.remaining(), 0);
    }

    #[test]
    fn apdu_link_refuses_unexpected_commands() {
        let t = Transcript::parse("t", "> 00 A4 04 00 00\n< 90 00\n").unwrap();
        let mut link = ScriptedApduLink::new("scripted", &t);
        let e = link
            .transmit(&Apdu::new(0xFF, 0xCA, 0, 0).le(256))
            .unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }

    #[test]
    fn serial_link_accepts_split_writes() {
        let t = Transcript::parse("t", "< 01\n> 10 11 12\n< 20 21\n").unwrap();
        let mut link = ScriptedSerialLink::new("pty", &t);
        let mut buf = [0u8; 8];
        assert_eq!(link.read_raw(&mut buf, Duration::ZERO).unwrap(), 1);
        link.write_raw(&[0x10]).unwrap();
        assert_eq!(link.read_raw(&mut buf, Duration::ZERO).unwrap(), 0);
        link.write_raw(&[0x11, 0x12]).unwrap();
        assert_eq!(link.read_raw(&mut buf, Duration::ZERO).unwrap(), 2);
        assert_eq!(&buf[..2], &[0x20, 0x21]);
        assert!(link.write_raw(&[0x99]).is_err());
        assert_eq!(link.remaining(), 0);
    }
}
