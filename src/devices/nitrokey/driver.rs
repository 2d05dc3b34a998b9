//! Nitrokey Pro / Storage / Librem Key OTP over any [`HidLink`] (token-protocols.md
//! §6.1–§6.5): one feature report out, then poll the answer while the device is busy.
//! The commands are in [`super::commands`]; this file is the model, the timing and the
//! exchange of one report.
//!
//! The exchange follows libnitrokey (`device_proto.h` `Transaction::run`, `device.cc`):
//! per-model timing (Pro and Librem Key 100 ms × 15, Storage 40 ms × 55), the first 10
//! busy answers in a row do not count against the reads, every 11th doubles the pause
//! up to 300 ms; an answer whose CRC does not match is accepted with a
//! [`Warning`] (the Storage patches its answer after computing the CRC, Storage
//! `report_protocol.c` `StartStick20Command`), as long as it answers the command sent.
//! Pauses go through an injectable sleeper, so tests need no real sleeps.

use std::time::Duration;

use zeroize::Zeroizing;

use super::protocol::storage::{StatusBlock, stick20};
use super::protocol::{self as p, PW_LEN, REPORT_LEN, Response, cmd, status};
use crate::devices::DeviceError;
use crate::devices::random::RandomSource;
use crate::transport::{HidLink, Sensitivity};

/// Which Nitrokey (by USB product id: Pro 4108, Storage 4109, Librem Key 316d:4c4b).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Model {
    /// Nitrokey Pro.
    #[default]
    Pro,
    /// Nitrokey Storage: other timing, GET_DEVICE_STATUS, TOTP slot 14 stores nothing.
    Storage,
    /// Purism Librem Key (the Pro's protocol and timing).
    LibremKey,
}

impl Model {
    /// The model behind a USB id (libnitrokey `device.cc`: Pro 20a0:4108, Storage
    /// 20a0:4109, Librem Key 316d:4c4b), so an opener can pick the timing.
    pub fn from_usb(vid: u16, pid: u16) -> Option<Model> {
        match (vid, pid) {
            (0x20a0, 0x4108) => Some(Model::Pro),
            (0x20a0, 0x4109) => Some(Model::Storage),
            (0x316d, 0x4c4b) => Some(Model::LibremKey),
            _ => None,
        }
    }

    /// libnitrokey's timing for this model (`device.cc` constructors).
    pub fn timing(self) -> Timing {
        match self {
            Model::Pro | Model::LibremKey => Timing::PRO,
            Model::Storage => Timing::STORAGE,
        }
    }

    /// TOTP slots a write can use: 15, but 14 on a Storage, whose firmware answers a
    /// write to TOTP slot 14 with OK and stores nothing (storage firmware issue #91).
    pub fn totp_slots(self) -> u8 {
        match self {
            Model::Storage => 14,
            Model::Pro | Model::LibremKey => 15,
        }
    }

    /// The model's name.
    pub fn name(self) -> &'static str {
        match self {
            Model::Pro => "Nitrokey Pro",
            Model::Storage => "Nitrokey Storage",
            Model::LibremKey => "Librem Key",
        }
    }
}

/// How long to wait for answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Pause between sending a report and the first read.
    pub first: Duration,
    /// Pause between reads while the device is not ready (doubles while busy).
    pub retry: Duration,
    /// Reads that count before giving up.
    pub retries: u32,
    /// Busy answers in a row that do not count (libnitrokey: 10).
    pub free_busy: u32,
    /// Longest pause the doubling reaches (libnitrokey: 300 ms).
    pub max_retry: Duration,
}

impl Timing {
    /// Nitrokey Pro and Librem Key: 100 ms, 15 reads 100 ms apart.
    pub const PRO: Timing = Timing {
        first: Duration::from_millis(100),
        retry: Duration::from_millis(100),
        retries: 15,
        free_busy: 10,
        max_retry: Duration::from_millis(300),
    };
    /// Nitrokey Storage: 40 ms, 55 reads 40 ms apart.
    pub const STORAGE: Timing = Timing {
        first: Duration::from_millis(40),
        retry: Duration::from_millis(40),
        retries: 55,
        free_busy: 10,
        max_retry: Duration::from_millis(300),
    };
    /// No pauses (in-process emulators).
    pub const IMMEDIATE: Timing = Timing {
        first: Duration::ZERO,
        retry: Duration::ZERO,
        retries: 3,
        free_busy: 10,
        max_retry: Duration::ZERO,
    };
}

/// Something the driver accepted that a strict host would not, as libnitrokey does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// The answer's own CRC does not match its bytes (the Storage patches its status
    /// block after computing it).
    AnswerCrc {
        /// The command answered.
        command: &'static str,
    },
    /// The device echoed another CRC of the request than the one sent.
    RequestCrcEcho {
        /// The command answered.
        command: &'static str,
    },
}

/// Pauses between reads.
pub type Sleeper = Box<dyn FnMut(Duration) + Send>;

/// A Nitrokey Pro / Storage / Librem Key.
pub struct Nitrokey<L: HidLink> {
    pub(super) link: L,
    pub(super) model: Model,
    pub(super) timing: Timing,
    pub(super) sleeper: Sleeper,
    pub(super) random: RandomSource,
    pub(super) admin_pin: Option<Zeroizing<String>>,
    pub(super) user_pin: Option<Zeroizing<String>>,
    pub(super) temp: Option<Zeroizing<[u8; PW_LEN]>>,
    pub(super) user_temp: Option<Zeroizing<[u8; PW_LEN]>>,
    pub(super) warnings: Vec<Warning>,
}

pub(super) fn name_of(command: u8) -> &'static str {
    match command {
        cmd::GET_STATUS => "GET_STATUS",
        cmd::WRITE_TO_SLOT => "WRITE_TO_SLOT",
        cmd::READ_SLOT_NAME => "READ_SLOT_NAME",
        cmd::READ_SLOT => "READ_SLOT",
        cmd::GET_CODE => "GET_CODE",
        cmd::WRITE_CONFIG => "WRITE_CONFIG",
        cmd::ERASE_SLOT => "ERASE_SLOT",
        cmd::FIRST_AUTHENTICATE => "FIRST_AUTHENTICATE",
        cmd::GET_PASSWORD_RETRY_COUNT => "GET_PASSWORD_RETRY_COUNT",
        cmd::SET_TIME => "SET_TIME",
        cmd::USER_AUTHENTICATE => "USER_AUTHENTICATE",
        cmd::GET_USER_PASSWORD_RETRY_COUNT => "GET_USER_PASSWORD_RETRY_COUNT",
        cmd::FACTORY_RESET => "FACTORY_RESET",
        cmd::SEND_OTP_DATA => "SEND_OTP_DATA",
        cmd::GET_DEVICE_STATUS => "GET_DEVICE_STATUS",
        _ => "command",
    }
}

impl<L: HidLink> Nitrokey<L> {
    /// Wraps an opened link to a Nitrokey Pro, with the OS's random bytes and real
    /// pauses.
    pub fn new(link: L) -> Self {
        Nitrokey {
            link,
            model: Model::Pro,
            timing: Timing::PRO,
            sleeper: Box::new(std::thread::sleep),
            random: RandomSource::os(),
            admin_pin: None,
            user_pin: None,
            temp: None,
            user_temp: None,
            warnings: Vec::new(),
        }
    }

    /// The model, with its timing.
    pub fn with_model(mut self, model: Model) -> Self {
        self.model = model;
        self.timing = model.timing();
        self
    }

    /// Changes the answer timing.
    pub fn with_timing(mut self, timing: Timing) -> Self {
        self.timing = timing;
        self
    }

    /// Where pauses go (tests record them instead of sleeping).
    pub fn with_sleeper(mut self, sleeper: impl FnMut(Duration) + Send + 'static) -> Self {
        self.sleeper = Box::new(sleeper);
        self
    }

    /// Where temporary passwords come from (the OS unless a test replays a transcript).
    pub fn with_random(mut self, random: RandomSource) -> Self {
        self.random = random;
        self
    }

    /// The admin PIN used when a write needs authentication.
    pub fn with_admin_pin(mut self, pin: &str) -> Self {
        self.admin_pin = Some(Zeroizing::new(pin.to_string()));
        self
    }

    /// The user PIN, for tokens with "user password for OTP" on.
    pub fn with_user_pin(mut self, pin: &str) -> Self {
        self.user_pin = Some(Zeroizing::new(pin.to_string()));
        self
    }

    /// Replaces the admin PIN (given after a command asked for it); the next write
    /// authenticates with it.
    pub fn set_admin_pin(&mut self, pin: &str) {
        self.admin_pin = Some(Zeroizing::new(pin.to_string()));
        self.temp = None;
    }

    /// Replaces the user PIN (given after GET_CODE asked for it).
    pub fn set_user_pin(&mut self, pin: &str) {
        self.user_pin = Some(Zeroizing::new(pin.to_string()));
        self.user_temp = None;
    }

    /// The model.
    pub fn model(&self) -> Model {
        self.model
    }

    /// The device name.
    pub fn device(&self) -> String {
        self.link.device().to_string()
    }

    /// What was accepted with a warning so far.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    pub(super) fn frame_error(&self, reason: String) -> DeviceError {
        DeviceError::Frame {
            device: self.device(),
            reason,
        }
    }

    /// Whether `r` is busy and its command status; Storage-only commands carry both in
    /// the Stick 2.0 status block (libnitrokey translates it the same way).
    fn readiness(&self, command: u8, r: &Response) -> (bool, u8) {
        let storage_command = (cmd::STORAGE_FIRST..cmd::STORAGE_END).contains(&command);
        if self.model == Model::Storage && storage_command {
            let block = StatusBlock::parse(&r.payload).unwrap_or_default();
            return match block.status {
                stick20::BUSY | stick20::BUSY_PROGRESSBAR => (true, status::OK),
                stick20::WRONG_PASSWORD => (false, status::WRONG_PASSWORD),
                stick20::NO_USER_PASSWORD_UNLOCK => (false, 10),
                _ => (false, r.status),
            };
        }
        (r.device_status == p::device_status::BUSY, r.status)
    }

    /// Sends one report and reads its answer; a command status other than OK becomes a
    /// [`DeviceError`] with its meaning.
    pub fn transact(
        &mut self,
        report: &[u8; REPORT_LEN],
        s: Sensitivity,
    ) -> Result<Response, DeviceError> {
        let command = report[0];
        let what = name_of(command);
        let sent_crc = p::crc(&report[..p::CRC_SPAN]);
        let mut out = Vec::with_capacity(REPORT_LEN + 1);
        out.push(0); // report id
        out.extend_from_slice(report);
        self.link.send_feature_report(&out, s)?;
        (self.sleeper)(self.timing.first);
        let (mut left, mut busy_run, mut pause, mut reads) =
            (self.timing.retries.max(1), 0u32, self.timing.retry, 0u32);
        while left > 0 {
            left -= 1;
            reads += 1;
            let raw = self.link.get_feature_report(0, REPORT_LEN + 1, s)?;
            let body = raw.get(1..).unwrap_or_default();
            let r = p::parse_response(body)
                .map_err(|reason| self.frame_error(format!("{what}: {reason}")))?;
            let (busy, code) = self.readiness(command, &r);
            let empty = body.iter().all(|b| *b == 0);
            if !busy
                && !empty
                && r.device_status == p::device_status::OK
                && r.last_command == command
            {
                self.accept_with_warnings(what, &r, sent_crc);
                return self.status_result(what, r, code);
            }
            if busy {
                busy_run += 1;
                if busy_run <= self.timing.free_busy {
                    left += 1;
                } else {
                    pause = (pause * 2).min(self.timing.max_retry);
                    busy_run = 0;
                }
            }
            (self.sleeper)(pause);
        }
        Err(self.frame_error(format!(
            "{what}: no answer after {reads} reads (the device stayed busy or answered \
             another command)"
        )))
    }

    fn accept_with_warnings(&mut self, what: &'static str, r: &Response, sent_crc: u32) {
        if !r.crc_ok {
            tracing::warn!(
                "{}: {what} answer accepted although its CRC does not match (as libnitrokey does)",
                self.device()
            );
            self.warnings.push(Warning::AnswerCrc { command: what });
        }
        if r.request_crc != sent_crc {
            tracing::warn!(
                "{}: {what} answer echoes another request CRC ({:#010x}, sent {sent_crc:#010x})",
                self.device(),
                r.request_crc
            );
            self.warnings
                .push(Warning::RequestCrcEcho { command: what });
        }
    }

    fn status_result(
        &mut self,
        what: &'static str,
        r: Response,
        code: u8,
    ) -> Result<Response, DeviceError> {
        match code {
            status::OK => Ok(r),
            status::WRONG_PASSWORD => {
                let counter = match r.last_command {
                    cmd::USER_AUTHENTICATE => cmd::GET_USER_PASSWORD_RETRY_COUNT,
                    _ => cmd::GET_PASSWORD_RETRY_COUNT,
                };
                Err(DeviceError::AuthFailed {
                    device: self.device(),
                    tries_left: self.tries_left(counter).ok(),
                })
            }
            code => Err(DeviceError::CommandStatus {
                device: self.device(),
                command: what,
                code,
                meaning: p::status_meaning(code),
            }),
        }
    }

    /// PIN tries left: `GET_PASSWORD_RETRY_COUNT` (admin) or
    /// `GET_USER_PASSWORD_RETRY_COUNT` (user).
    pub(super) fn tries_left(&mut self, counter: u8) -> Result<u8, DeviceError> {
        let r = self.transact(&p::request(counter, &[]), Sensitivity::Normal)?;
        Ok(r.payload.first().copied().unwrap_or(0))
    }
}
