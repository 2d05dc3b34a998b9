//! Replays `firmware-protocols/nitrokey/*.transcript` against the emulated Nitrokey
//! (which must answer byte for byte) and against the driver (through a scripted HID
//! link that rejects any report the driver sends that the transcript does not have).
//! Every transcript replays both ways: the driver's temporary passwords come from the
//! transcript's `! random` bytes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::transcripts::load;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokenstation::devices::DeviceError;
use tokenstation::devices::nitrokey::protocol::{self as p, status};
use tokenstation::devices::nitrokey::{Model, Nitrokey, Timing, Warning};
use tokenstation::devices::random::RandomSource;
use tokenstation::emulator::hid::VirtualHidDevice;
use tokenstation::emulator::nitrokey::NitrokeyPro;
use tokenstation::transport::trace::{Hex, parse_hex};
use tokenstation::transport::transcript::{Exchange, Transcript, replay};
use tokenstation::transport::{HidLink, LinkError};

fn device(t: &Transcript) -> NitrokeyPro {
    let mut d = NitrokeyPro::with_host_clock(Arc::new(|| 1_000_000));
    if t.setup("model") == Some("storage") {
        d = d.as_storage();
    }
    if t.setup("slot0") == Some("RFC") {
        d.preload_totp(0, "RFC", b"12345678901234567890", 1, 30);
    }
    if let Some(s) = t.setup("serial") {
        d.set_serial(u32::from_str_radix(s, 16).unwrap());
    }
    if let Some(pin) = t.setup("admin-pin") {
        d.set_admin_pin(pin);
    }
    if t.setup("user-password") == Some("on") {
        d.set_user_password_for_otp(true);
    }
    d
}

#[test]
fn nitrokey_emulator_answers_as_recorded() {
    for t in load("nitrokey") {
        let mut d = device(&t);
        replay(&t, |req| {
            d.set_feature(req.ok_or("unsolicited output")?)?;
            d.get_feature(0, 65)
        })
        .unwrap();
    }
}

/// A [`HidLink`] that checks each feature report set against the transcript's `>` line
/// and hands out its `<` line on the next get.
struct ScriptedHid {
    script: VecDeque<Exchange>,
    answer: Option<Vec<u8>>,
}

impl HidLink for ScriptedHid {
    fn device(&self) -> &str {
        "script"
    }
    fn write_raw(&mut self, _: &[u8]) -> Result<(), LinkError> {
        Ok(())
    }
    fn read_raw(&mut self, _: Duration) -> Result<Option<Vec<u8>>, LinkError> {
        Ok(None)
    }
    fn set_feature_raw(&mut self, report: &[u8]) -> Result<(), LinkError> {
        let ex = self.script.pop_front().ok_or_else(|| LinkError::Protocol {
            link: "script".into(),
            reason: format!("script ended, driver sent [{}]", Hex(report)),
        })?;
        if ex.request.as_deref() != Some(report) {
            return Err(LinkError::Protocol {
                link: "script".into(),
                reason: format!("line {}: driver sent [{}]", ex.line, Hex(report)),
            });
        }
        self.answer = Some(ex.response_bytes());
        Ok(())
    }
    fn get_feature_raw(&mut self, _: u8, _: usize) -> Result<Vec<u8>, LinkError> {
        self.answer.clone().ok_or_else(|| LinkError::Protocol {
            link: "script".into(),
            reason: "get before set".into(),
        })
    }
}

fn command_status(r: Result<impl std::fmt::Debug, DeviceError>) -> u8 {
    match r {
        Err(DeviceError::CommandStatus { code, .. }) => code,
        other => panic!("expected a command status, got {other:?}"),
    }
}

/// What the driver does for each transcript, by file name.
fn drive(name: &str, nk: &mut Nitrokey<&mut ScriptedHid>) {
    match name {
        "get-status" => {
            let s = nk.status().unwrap();
            assert_eq!((s.major, s.minor, s.serial), (0, 15, 0x1C0F));
            assert!(!s.config.user_password);
            assert_eq!(nk.retry_count().unwrap(), 3);
            let unknown = nk.transact(&p::request(0x42, &[]), Default::default());
            assert_eq!(command_status(unknown), status::UNKNOWN_COMMAND);
            let mut bad = p::request(0x00, &[]);
            bad[60..].copy_from_slice(&[0; 4]);
            assert_eq!(
                command_status(nk.transact(&bad, Default::default())),
                status::WRONG_CRC
            );
        }
        "set-time-and-code" => {
            nk.set_time(59, true).unwrap();
            assert_eq!(nk.get_code(0x20).unwrap(), "94287082");
        }
        "write-totp-and-code" => {
            let e = nk.authenticate_admin("00000000").unwrap_err();
            assert!(
                matches!(
                    e,
                    DeviceError::AuthFailed {
                        tries_left: Some(2),
                        ..
                    }
                ),
                "{e}"
            );
            nk.write_slot(p::totp_slot(0), "RFC", b"12345678901234567890", 30, true)
                .unwrap();
            nk.set_time(1_111_111_111, true).unwrap();
            assert_eq!(nk.get_code(p::totp_slot(0)).unwrap(), "14050471");
            let e = nk.set_time(1_000_000_000, false);
            assert_eq!(command_status(e), status::TIMESTAMP_WARNING);
            let e = nk.get_code(p::totp_slot(1));
            assert_eq!(command_status(e), status::SLOT_NOT_PROGRAMMED);
            assert_eq!(command_status(nk.get_code(0x13)), status::WRONG_SLOT);
        }
        "admin-pin-25" => {
            nk.authenticate_admin("Twenty-five-characters!!!").unwrap();
            assert_eq!(nk.retry_count().unwrap(), 3);
        }
        "user-password" => {
            let s = nk.status().unwrap();
            assert!(s.config.user_password);
            nk.set_time(59, true).unwrap();
            // NOT_AUTHORIZED, USER_AUTHENTICATE, GET_CODE again
            assert_eq!(nk.get_code(p::totp_slot(0)).unwrap(), "94287082");
        }
        "storage-status" => {
            let s = nk.status().unwrap();
            assert_eq!((s.major, s.minor, s.serial), (0, 1, 0));
            let d = nk.device_status().unwrap();
            assert_eq!((d.firmware(), d.card_serial), ("0.54".to_string(), 0x1C0F));
            assert_eq!(
                nk.warnings(),
                [Warning::AnswerCrc {
                    command: "GET_DEVICE_STATUS"
                }]
            );
        }
        other => panic!("{other}: no driver script for this transcript"),
    }
}

#[test]
fn nitrokey_driver_sends_what_is_recorded() {
    let mut played = 0;
    for t in load("nitrokey") {
        let name = t.name.rsplit('/').next().unwrap_or_default();
        let name = name.trim_end_matches(".transcript").to_string();
        let mut link = ScriptedHid {
            script: t.exchanges.iter().cloned().collect(),
            answer: None,
        };
        let random = parse_hex(t.setup("random").unwrap_or("")).unwrap();
        let mut nk = Nitrokey::new(&mut link)
            .with_model(match t.setup("model") {
                Some("storage") => Model::Storage,
                _ => Model::Pro,
            })
            .with_timing(Timing::IMMEDIATE)
            .with_random(RandomSource::repeating(random))
            .with_admin_pin("12345678")
            .with_user_pin("123456");
        drive(&name, &mut nk);
        drop(nk);
        assert!(
            link.script.is_empty(),
            "{name}: {} exchanges left",
            link.script.len()
        );
        played += 1;
    }
    assert!(played >= 6, "{played}");
}
