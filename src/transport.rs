//! Links to hardware: one trait per kind of link (design.md §3, rust-style.md §13).
//!
//! - [`ApduLink`]: ISO/IEC 7816-4 APDUs to a card or token (PC/SC contact or contactless,
//!   or a PN532 in front of a card). Its provided [`ApduLink::transmit`] handles `61xx`
//!   (GET RESPONSE) and `6Cxx` (re-send with the exact Le) and traces every frame.
//! - [`HidLink`]: HID input/output and feature reports.
//! - [`SerialLink`]: a byte stream with read timeouts (PN532 HSU, RDM6300).
//!
//! Backends live one per file, each behind its own cargo feature: `pcsc` (pcscd),
//! `hid` (hidapi, hidraw backend), `usb` (rusb enumeration and hotplug), `serial`
//! (serialport). Frames are traced at `trace` level as hex (`>>` host to device, `<<`
//! device to host), except frames marked [`Sensitivity::Sensitive`], which trace as
//! `[REDACTED n bytes]`.

pub mod apdu;
pub mod discovery;
pub mod error;
#[cfg(feature = "hidapi")]
pub mod hid;
#[cfg(feature = "pcsc")]
pub mod pcsc;
pub mod scripted;
#[cfg(feature = "serial")]
pub mod serial;
pub mod trace;
pub mod transcript;
#[cfg(feature = "usb")]
pub mod usb;

use std::time::{Duration, Instant};

pub use apdu::{Apdu, Response, StatusWord};
pub use error::LinkError;
pub use trace::{Direction, Sensitivity};

/// Most GET RESPONSE / re-send rounds [`ApduLink::transmit`] does for one command before
/// it gives up (a card that answers `61xx` forever is broken, not slow).
pub const MAX_RESPONSE_ROUNDS: usize = 64;

/// A link that carries ISO/IEC 7816-4 APDUs to one card or token.
pub trait ApduLink {
    /// The reader or device name, for messages (`Virtual PCD 00 00`, `/dev/ttyUSB0 (PN532)`).
    fn reader(&self) -> &str;

    /// The card's Answer To Reset (empty where the link has none, e.g. a PN532 target).
    fn atr(&self) -> &[u8];

    /// One raw exchange: a C-APDU out, the R-APDU (data + SW1 SW2) back. No tracing,
    /// no 61xx/6Cxx handling: use [`ApduLink::transmit`].
    fn exchange(&mut self, capdu: &[u8]) -> Result<Vec<u8>, LinkError>;

    /// Sends `cmd` and returns its response, following `61xx` with GET RESPONSE
    /// (`CLA C0 00 00 xx`, the class from [`get_response_class`]) and `6Cxx` by
    /// re-sending the command with `Le = xx`. Every frame is traced; frames of a
    /// sensitive command are redacted.
    fn transmit(&mut self, cmd: &Apdu) -> Result<Response, LinkError> {
        let sensitivity = cmd.sensitivity();
        let mut frame = cmd.encode()?;
        let mut data = Vec::new();
        for _ in 0..MAX_RESPONSE_ROUNDS {
            trace::frame(self.reader(), Direction::ToDevice, &frame, sensitivity);
            let raw = self.exchange(&frame)?;
            trace::frame(self.reader(), Direction::FromDevice, &raw, sensitivity);
            let response = Response::parse(&raw).map_err(|reason| LinkError::Protocol {
                link: self.reader().to_string(),
                reason,
            })?;
            match response.sw {
                StatusWord::BytesRemaining { len } => {
                    data.extend_from_slice(&response.data);
                    // CLA C0 00 00 Le   (GET RESPONSE, ISO 7816-4 §7.6.1)
                    frame = vec![get_response_class(cmd.cla), 0xC0, 0x00, 0x00, len];
                }
                StatusWord::WrongLength { exact } => {
                    let mut again = cmd.clone();
                    again.le = Some(if exact == 0 { 256 } else { u16::from(exact) });
                    frame = again.encode()?;
                }
                sw => {
                    data.extend_from_slice(&response.data);
                    return Ok(Response { data, sw });
                }
            }
        }
        Err(LinkError::Protocol {
            link: self.reader().to_string(),
            reason: format!(
                "no final status word after {MAX_RESPONSE_ROUNDS} GET RESPONSE/re-send rounds"
            ),
        })
    }
}

/// The class of the GET RESPONSE that follows `61xx` to a command of class `cla`: `FF`
/// stays `FF` (PC/SC reader pseudo-APDUs: ACR122 firmware hands out GET DATA on
/// `FF C0`); an interindustry class keeps its logical channel; a proprietary class
/// (Token2 and Molto2 send `80` and `84`) gets `00`, as the hardware-tested tools send
/// it (keyroost; vendor-code-audit.md) and as a T=0 card's runtime expects it.
pub fn get_response_class(cla: u8) -> u8 {
    match cla {
        0xFF => 0xFF,
        c if c & 0xC0 == 0x00 => c & 0x03,
        c if c & 0xC0 == 0x40 => c & 0x4F,
        _ => 0x00,
    }
}

/// A link to a HID device: output and input reports, feature reports.
///
/// The `*_raw` methods are the backend's; use the traced provided methods.
pub trait HidLink {
    /// The device name for messages (`/dev/hidraw3 (20a0:4108)`).
    fn device(&self) -> &str;
    /// Writes one output report (first byte: report id, 0 when the device has none).
    fn write_raw(&mut self, report: &[u8]) -> Result<(), LinkError>;
    /// Reads one input report, `Ok(None)` when none came within `timeout`.
    fn read_raw(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, LinkError>;
    /// Sends a feature report (first byte: report id).
    fn set_feature_raw(&mut self, report: &[u8]) -> Result<(), LinkError>;
    /// Gets feature report `report_id`, at most `len` bytes including the id byte.
    fn get_feature_raw(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, LinkError>;

    /// Traced [`HidLink::write_raw`].
    fn write_report(&mut self, report: &[u8], s: Sensitivity) -> Result<(), LinkError> {
        trace::frame(self.device(), Direction::ToDevice, report, s);
        self.write_raw(report)
    }
    /// Traced [`HidLink::read_raw`].
    fn read_report(
        &mut self,
        timeout: Duration,
        s: Sensitivity,
    ) -> Result<Option<Vec<u8>>, LinkError> {
        let report = self.read_raw(timeout)?;
        if let Some(r) = &report {
            trace::frame(self.device(), Direction::FromDevice, r, s);
        }
        Ok(report)
    }
    /// Traced [`HidLink::set_feature_raw`].
    fn send_feature_report(&mut self, report: &[u8], s: Sensitivity) -> Result<(), LinkError> {
        trace::frame(self.device(), Direction::ToDevice, report, s);
        self.set_feature_raw(report)
    }
    /// Traced [`HidLink::get_feature_raw`].
    fn get_feature_report(
        &mut self,
        report_id: u8,
        len: usize,
        s: Sensitivity,
    ) -> Result<Vec<u8>, LinkError> {
        let report = self.get_feature_raw(report_id, len)?;
        trace::frame(self.device(), Direction::FromDevice, &report, s);
        Ok(report)
    }
}

/// A serial byte stream with read timeouts.
///
/// The `*_raw` methods are the backend's; use the traced provided methods.
pub trait SerialLink {
    /// The port name for messages (`/dev/ttyUSB0`, `/dev/pts/3`).
    fn port(&self) -> &str;
    /// Reads what is available, waiting at most `timeout` for the first byte.
    /// `Ok(0)` means nothing came in time; a closed peer is [`LinkError::Disconnected`].
    fn read_raw(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError>;
    /// Writes all of `data`.
    fn write_raw(&mut self, data: &[u8]) -> Result<(), LinkError>;
    /// Drops whatever input is pending (stale bytes from before the command).
    fn clear_input(&mut self) -> Result<(), LinkError>;

    /// Traced [`SerialLink::write_raw`].
    fn write(&mut self, data: &[u8], s: Sensitivity) -> Result<(), LinkError> {
        trace::frame(self.port(), Direction::ToDevice, data, s);
        self.write_raw(data)
    }
    /// Traced [`SerialLink::read_raw`].
    fn read(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
        s: Sensitivity,
    ) -> Result<usize, LinkError> {
        let n = self.read_raw(buf, timeout)?;
        if n > 0 {
            trace::frame(
                self.port(),
                Direction::FromDevice,
                buf.get(..n).unwrap_or(&[]),
                s,
            );
        }
        Ok(n)
    }
    /// Reads exactly `n` bytes before `deadline`, or fails with [`LinkError::Timeout`]
    /// naming `what`.
    fn read_exact_until(
        &mut self,
        n: usize,
        deadline: Instant,
        what: &str,
    ) -> Result<Vec<u8>, LinkError> {
        let mut out = Vec::with_capacity(n);
        let mut buf = [0u8; 64];
        while out.len() < n {
            let now = Instant::now();
            if now >= deadline {
                return Err(LinkError::Timeout {
                    what: format!("{what} on {} ({} of {n} bytes)", self.port(), out.len()),
                });
            }
            let want = (n - out.len()).min(buf.len());
            let got = self.read(&mut buf[..want], deadline - now, Sensitivity::Normal)?;
            out.extend_from_slice(buf.get(..got.min(want)).unwrap_or_default());
        }
        Ok(out)
    }
}

impl<L: ApduLink + ?Sized> ApduLink for &mut L {
    fn reader(&self) -> &str {
        (**self).reader()
    }
    fn atr(&self) -> &[u8] {
        (**self).atr()
    }
    fn exchange(&mut self, capdu: &[u8]) -> Result<Vec<u8>, LinkError> {
        (**self).exchange(capdu)
    }
}

impl<L: SerialLink + ?Sized> SerialLink for &mut L {
    fn port(&self) -> &str {
        (**self).port()
    }
    fn read_raw(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        (**self).read_raw(buf, timeout)
    }
    fn write_raw(&mut self, data: &[u8]) -> Result<(), LinkError> {
        (**self).write_raw(data)
    }
    fn clear_input(&mut self) -> Result<(), LinkError> {
        (**self).clear_input()
    }
}

impl<L: ApduLink + ?Sized> ApduLink for Box<L> {
    fn reader(&self) -> &str {
        (**self).reader()
    }
    fn atr(&self) -> &[u8] {
        (**self).atr()
    }
    fn exchange(&mut self, capdu: &[u8]) -> Result<Vec<u8>, LinkError> {
        (**self).exchange(capdu)
    }
}

impl<L: SerialLink + ?Sized> SerialLink for Box<L> {
    fn port(&self) -> &str {
        (**self).port()
    }
    fn read_raw(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        (**self).read_raw(buf, timeout)
    }
    fn write_raw(&mut self, data: &[u8]) -> Result<(), LinkError> {
        (**self).write_raw(data)
    }
    fn clear_input(&mut self) -> Result<(), LinkError> {
        (**self).clear_input()
    }
}

impl<L: HidLink + ?Sized> HidLink for &mut L {
    fn device(&self) -> &str {
        (**self).device()
    }
    fn write_raw(&mut self, report: &[u8]) -> Result<(), LinkError> {
        (**self).write_raw(report)
    }
    fn read_raw(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, LinkError> {
        (**self).read_raw(timeout)
    }
    fn set_feature_raw(&mut self, report: &[u8]) -> Result<(), LinkError> {
        (**self).set_feature_raw(report)
    }
    fn get_feature_raw(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, LinkError> {
        (**self).get_feature_raw(report_id, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_response_class_follows_the_command_class() {
        // ACR122 pseudo-APDUs keep FF
        assert_eq!(get_response_class(0xFF), 0xFF);
        // Token2 / Molto2 proprietary classes: 00, as keyroost sends it
        assert_eq!(get_response_class(0x80), 0x00);
        assert_eq!(get_response_class(0x84), 0x00);
        // interindustry: the logical channel stays, secure messaging and chaining go
        assert_eq!(get_response_class(0x00), 0x00);
        assert_eq!(get_response_class(0x0D), 0x01);
        assert_eq!(get_response_class(0x13), 0x03);
        assert_eq!(get_response_class(0x65), 0x45);
    }
}
