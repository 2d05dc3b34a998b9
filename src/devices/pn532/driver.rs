//! PN532 driver over any [`SerialLink`] (reader-protocols.md §2).
//!
//! Each command: flush stale input, send the frame, read the ACK, read the reply
//! (TFI `D5`, code + 1). A reply with a bad checksum is asked for again once with a NACK.
//! The chip powers up in LowVbat; as libnfc does (`pn532_uart.c` `pn532_uart_send`),
//! the first command (and the first after PowerDown) wakes it with `55 55` and 14 × `00`
//! and sends SAMConfiguration, which leaves LowVbat. [`Pn532::begin`] then reads the
//! firmware and sets a finite MaxRetries so InListPassiveTarget polls. An
//! InDataExchange answer with the MI bit continues: the driver asks for the rest.

use std::time::{Duration, Instant};

use super::protocol::{self, Decoded, Frame, FrameError, cmd};
use crate::devices::{DeviceError, Uid};
use crate::transport::{LinkError, Sensitivity, SerialLink};

/// What GetFirmwareVersion reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Firmware {
    /// IC (`32` for a PN532).
    pub ic: u8,
    /// Firmware version.
    pub version: u8,
    /// Firmware revision.
    pub revision: u8,
    /// Supported protocols bit field.
    pub support: u8,
}

/// A target found by InListPassiveTarget (106 kbps type A).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Logical target number (Tg) for later commands.
    pub tg: u8,
    /// SENS_RES / ATQA.
    pub atqa: [u8; 2],
    /// SEL_RES / SAK.
    pub sak: u8,
    /// NFCID1.
    pub uid: Uid,
    /// ATS (with its length byte TL first), for ISO 14443-4 cards.
    pub ats: Option<Vec<u8>>,
}

/// A PN532 on a serial link.
pub struct Pn532<L: SerialLink> {
    link: L,
    timeout: Duration,
    rx: Vec<u8>,
    /// The chip is (or may be) in a low-power state: wake it and send
    /// SAMConfiguration before the next command.
    low_power: bool,
}

/// MaxRetries for passive activation set by [`Pn532::begin`]: a finite count, so
/// InListPassiveTarget answers "no target" instead of waiting forever.
pub const DEFAULT_PASSIVE_RETRIES: u8 = 0x02;

impl<L: SerialLink> Pn532<L> {
    /// Wraps a link opened at 115200 baud 8N1.
    pub fn new(link: L) -> Self {
        Pn532 {
            link,
            timeout: Duration::from_millis(1000),
            rx: Vec::new(),
            low_power: true,
        }
    }

    /// How long to wait for an ACK and for a reply (default 1 s).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The link.
    pub fn link(&self) -> &L {
        &self.link
    }

    /// Gives the link back.
    pub fn into_inner(self) -> L {
        self.link
    }

    fn device(&self) -> String {
        format!("PN532 on {}", self.link.port())
    }

    /// Wakes the chip, leaves LowVbat (SAMConfiguration) and sets finite MaxRetries.
    pub fn begin(&mut self) -> Result<Firmware, DeviceError> {
        self.wake_up()?;
        let fw = self.get_firmware_version()?;
        self.set_max_retries(DEFAULT_PASSIVE_RETRIES)?;
        Ok(fw)
    }

    /// Sends the HSU wake-up preamble (`55 55` and 14 × `00`) and, when the chip was in
    /// a low-power state, SAMConfiguration, which takes it out of LowVbat (libnfc, after
    /// the PN532 application note). Commands call this themselves when needed.
    pub fn wake_up(&mut self) -> Result<(), DeviceError> {
        self.link.write(&protocol::WAKE_UP, Sensitivity::Normal)?;
        if self.low_power {
            self.low_power = false;
            if let Err(e) = self.sam_configuration() {
                self.low_power = true;
                return Err(e);
            }
        }
        Ok(())
    }

    /// Whether the next command first wakes the chip.
    pub fn is_low_power(&self) -> bool {
        self.low_power
    }

    /// PowerDown (wake-up on HSU and the other interfaces, `D4 16 F0`): the chip sleeps
    /// until the next command wakes it. libnfc treats the chip as in LowVbat afterwards,
    /// and so does this driver (wake-up, then SAMConfiguration).
    pub fn power_down(&mut self) -> Result<(), DeviceError> {
        let r = self.command(cmd::POWER_DOWN, &[0xF0], "PowerDown")?;
        match r.first() {
            Some(0) | None => {
                self.low_power = true;
                Ok(())
            }
            Some(status) => Err(DeviceError::ChipStatus {
                device: self.device(),
                command: "PowerDown",
                code: status & 0x3F,
                name: protocol::status_name(*status),
            }),
        }
    }

    /// GetFirmwareVersion: `D4 02` → `D5 03 IC Ver Rev Support`.
    pub fn get_firmware_version(&mut self) -> Result<Firmware, DeviceError> {
        let r = self.command(cmd::GET_FIRMWARE_VERSION, &[], "GetFirmwareVersion")?;
        match r.as_slice() {
            [ic, version, revision, support, ..] => Ok(Firmware {
                ic: *ic,
                version: *version,
                revision: *revision,
                support: *support,
            }),
            _ => Err(self.unexpected("GetFirmwareVersion", format!("{} data bytes", r.len()))),
        }
    }

    /// SAMConfiguration normal mode, timeout 0x14 (1 s), IRQ on: `D4 14 01 14 01`.
    pub fn sam_configuration(&mut self) -> Result<(), DeviceError> {
        self.command(
            cmd::SAM_CONFIGURATION,
            &[0x01, 0x14, 0x01],
            "SAMConfiguration",
        )?;
        Ok(())
    }

    /// RFConfiguration item 5 MaxRetries: ATR `FF`, PSL `01`, passive activation `passive`
    /// (`FF` = wait forever for a card).
    pub fn set_max_retries(&mut self, passive: u8) -> Result<(), DeviceError> {
        self.command(
            cmd::RF_CONFIGURATION,
            &[protocol::RF_ITEM_MAX_RETRIES, 0xFF, 0x01, passive],
            "RFConfiguration (MaxRetries)",
        )?;
        Ok(())
    }

    /// InListPassiveTarget, one target at 106 kbps type A. `Ok(None)` when no card
    /// answered within MaxRetries.
    pub fn in_list_passive_target(&mut self) -> Result<Option<Target>, DeviceError> {
        const WHAT: &str = "InListPassiveTarget";
        let r = self.command(
            cmd::IN_LIST_PASSIVE_TARGET,
            &[0x01, protocol::BRTY_106A],
            WHAT,
        )?;
        // NbTg [Tg SENS_RES(2) SEL_RES NFCIDLength NFCID1… (ATS…)]
        match r.as_slice() {
            [0] => Ok(None),
            [1, tg, a0, a1, sak, uid_len, rest @ ..] => {
                let n = usize::from(*uid_len);
                let uid = rest
                    .get(..n)
                    .ok_or_else(|| self.unexpected(WHAT, format!("UID length {n} past the end")))?;
                let tail = rest.get(n..).unwrap_or_default();
                let ats = (!tail.is_empty()).then(|| tail.to_vec());
                Ok(Some(Target {
                    tg: *tg,
                    atqa: [*a0, *a1],
                    sak: *sak,
                    uid: Uid(uid.to_vec()),
                    ats,
                }))
            }
            other => Err(self.unexpected(WHAT, format!("reply data {other:02X?}"))),
        }
    }

    /// Polls once for a card and returns its UID (`None`: no card in the field).
    pub fn read_uid(&mut self) -> Result<Option<Uid>, DeviceError> {
        Ok(self.in_list_passive_target()?.map(|t| t.uid))
    }

    /// InDataExchange with target `tg`: sends `data` to the card, returns its answer.
    /// A status byte other than `00` is [`DeviceError::ChipStatus`]; with the MI bit
    /// (`40`) the answer continues and InDataExchange with only `tg` fetches the rest
    /// (libnfc `pn53x_transceive`).
    pub fn in_data_exchange(
        &mut self,
        tg: u8,
        data: &[u8],
        s: Sensitivity,
    ) -> Result<Vec<u8>, DeviceError> {
        const WHAT: &str = "InDataExchange";
        let mut params = vec![tg];
        params.extend_from_slice(data);
        let mut answer = Vec::new();
        for _ in 0..crate::transport::MAX_RESPONSE_ROUNDS {
            let r = self.command_with(cmd::IN_DATA_EXCHANGE, &params, WHAT, s)?;
            match r.split_first() {
                Some((status, part)) if status & 0x3F == 0 => {
                    answer.extend_from_slice(part);
                    if status & protocol::STATUS_MI == 0 {
                        return Ok(answer);
                    }
                    params = vec![tg];
                }
                Some((status, _)) => {
                    return Err(DeviceError::ChipStatus {
                        device: self.device(),
                        command: WHAT,
                        code: status & 0x3F,
                        name: protocol::status_name(*status),
                    });
                }
                None => return Err(self.unexpected(WHAT, "no status byte".into())),
            }
        }
        Err(self.unexpected(WHAT, "the MI bit never cleared".into()))
    }

    /// InRelease of target `tg` (`0` = all).
    pub fn in_release(&mut self, tg: u8) -> Result<(), DeviceError> {
        self.command(cmd::IN_RELEASE, &[tg], "InRelease")?;
        Ok(())
    }

    fn unexpected(&self, command: &'static str, reason: String) -> DeviceError {
        DeviceError::Unexpected {
            device: self.device(),
            command,
            reason,
        }
    }

    fn command(
        &mut self,
        code: u8,
        params: &[u8],
        what: &'static str,
    ) -> Result<Vec<u8>, DeviceError> {
        self.command_with(code, params, what, Sensitivity::Normal)
    }

    /// Sends one command and returns the reply's data after the reply code.
    pub fn command_with(
        &mut self,
        code: u8,
        params: &[u8],
        what: &'static str,
        s: Sensitivity,
    ) -> Result<Vec<u8>, DeviceError> {
        if self.low_power {
            self.wake_up()?;
        }
        self.link.clear_input()?;
        self.rx.clear();
        self.link.write(&protocol::command(code, params), s)?;
        match self.next_frame(what, s)? {
            Ok(Frame::Ack) => {}
            Ok(Frame::Error) => return Err(self.error_frame(what)),
            Ok(other) => {
                return Err(self.unexpected(what, format!("expected ACK, got {other:?}")));
            }
            Err(e) => return Err(self.frame_error(e)),
        }
        let mut nacked = false;
        loop {
            match self.next_frame(what, s)? {
                Ok(Frame::Info { tfi, data }) => {
                    return match data.split_first() {
                        Some((reply, rest))
                            if tfi == protocol::TFI_PN532 && *reply == code.wrapping_add(1) =>
                        {
                            Ok(rest.to_vec())
                        }
                        _ => Err(self.unexpected(
                            what,
                            format!("reply TFI {tfi:02X} code {:02X?}", data.first()),
                        )),
                    };
                }
                Ok(Frame::Error) => return Err(self.error_frame(what)),
                Ok(Frame::Ack | Frame::Nack) => {
                    return Err(
                        self.unexpected(what, "a second ACK/NACK instead of the reply".into())
                    );
                }
                Err(e @ (FrameError::DataChecksum { .. } | FrameError::LengthChecksum { .. }))
                    if !nacked =>
                {
                    tracing::debug!(
                        "{}: {what} reply damaged ({e:?}), sending NACK",
                        self.device()
                    );
                    nacked = true;
                    self.rx.clear();
                    self.link.write(&protocol::NACK, Sensitivity::Normal)?;
                }
                Err(e) => return Err(self.frame_error(e)),
            }
        }
    }

    fn error_frame(&self, command: &'static str) -> DeviceError {
        DeviceError::ErrorFrame {
            device: self.device(),
            command,
        }
    }

    fn frame_error(&self, e: FrameError) -> DeviceError {
        let device = self.device();
        match e {
            FrameError::LengthChecksum { computed, found } => DeviceError::Checksum {
                device,
                what: "LCS",
                computed,
                found,
            },
            FrameError::DataChecksum { computed, found } => DeviceError::Checksum {
                device,
                what: "DCS",
                computed,
                found,
            },
            FrameError::Postamble(b) => DeviceError::Frame {
                device,
                reason: format!("postamble {b:02X}, expected 00"),
            },
            FrameError::Empty => DeviceError::Frame {
                device,
                reason: "information frame with LEN 0".into(),
            },
        }
    }

    /// Reads until one frame (or a broken one) is complete, within the timeout.
    fn next_frame(
        &mut self,
        what: &'static str,
        s: Sensitivity,
    ) -> Result<Result<Frame, FrameError>, DeviceError> {
        let deadline = Instant::now() + self.timeout;
        let mut buf = [0u8; 256];
        loop {
            match protocol::decode(&self.rx) {
                Decoded::Frame { consumed, frame } => {
                    self.rx.drain(..consumed.min(self.rx.len()));
                    return Ok(frame);
                }
                Decoded::NeedMore { skip } => {
                    self.rx.drain(..skip.min(self.rx.len()));
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(LinkError::Timeout {
                    what: format!("{what} reply from {}", self.device()),
                }
                .into());
            }
            let n = self.link.read(&mut buf, deadline - now, s)?;
            self.rx.extend_from_slice(buf.get(..n).unwrap_or_default());
        }
    }
}
