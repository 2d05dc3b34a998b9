//! Replays `firmware-protocols/ykoath/*.transcript` and `firmware-protocols/nitrokey/*.transcript`
//! against the emulators (which must answer byte for byte) and against the drivers
//! (through scripted links that reject any byte the driver sends that the transcript
//! does not have). `! driver skip` marks exchanges a driver never provokes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::transcripts::load;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokenstation::devices::nitrokey::{Nitrokey, Timing};
use tokenstation::devices::ykoath::Oath;
use tokenstation::devices::ykoath::protocol::{self as p, PutCredential};
use tokenstation::emulator::ApduHandler;
use tokenstation::emulator::hid::VirtualHidDevice;
use tokenstation::emulator::nitrokey::NitrokeyPro;
use tokenstation::emulator::ykoath::{Flavour, OathApplet, OathCard};
use tokenstation::otp::{Algorithm, Kind};
use tokenstation::transport::scripted::ScriptedApduLink;
use tokenstation::transport::trace::{Hex, parse_hex};
use tokenstation::transport::transcript::{Exchange, Transcript, replay};
use tokenstation::transport::{HidLink, LinkError};

fn hex<const N: usize>(t: &Transcript, key: &str) -> Option<[u8; N]> {
    t.setup(key)
        .map(|h| parse_hex(h).unwrap().try_into().unwrap())
}

fn oath_card(t: &Transcript) -> OathCard {
    let flavour = match t.setup("flavour") {
        Some("nitrokey3") => Flavour::Nitrokey3,
        _ => Flavour::YubiKey,
    };
    let card = OathCard::from_applet(OathApplet::seeded(flavour, [0; 8]));
    {
        let mut a = card.applet();
        if let Some(v) = hex::<3>(t, "version") {
            a.set_version(v);
        }
        if let Some(s) = hex::<8>(t, "salt") {
            a.set_salt(s);
        }
        if let Some(s) = hex::<4>(t, "serial") {
            a.set_serial(s);
        }
    }
    if let Some(n) = t.setup("page") {
        card.set_page_size(n.parse().unwrap());
    }
    card
}

#[test]
fn ykoath_emulator_answers_as_recorded() {
    for t in load("ykoath") {
        let mut card = oath_card(&t);
        replay(&t, |req| Ok(card.handle(req.ok_or("unsolicited output")?))).unwrap();
    }
}

#[test]
fn ykoath_driver_sends_what_is_recorded() {
    let rfc = p::prepare_key(Algorithm::Sha1, b"12345678901234567890");
    for t in load("ykoath")
        .iter()
        .filter(|t| t.setup("driver") != Some("skip"))
    {
        let mut link = ScriptedApduLink::new("script", t);
        let name = t.name.rsplit('/').next().unwrap_or_default().to_string();
        {
            let mut o = Oath::select(&mut link).unwrap();
            if name.starts_with("yesdk-examples") {
                let key = p::prepare_key(Algorithm::Sha1, &[0x9C]);
                o.put(&PutCredential {
                    name: "Microsoft:test@outlook.com",
                    kind: Kind::Totp,
                    algorithm: Algorithm::Sha1,
                    digits: 6,
                    key: &key,
                    touch: true,
                    counter: 0,
                })
                .unwrap();
                assert_eq!(o.list().unwrap().len(), 1);
                let chal = parse_hex("F103DA8958E44085").unwrap();
                let full = o
                    .calculate("Microsoft:test@outlook.com", &chal, false)
                    .unwrap();
                let trunc = o
                    .calculate("Microsoft:test@outlook.com", &chal, true)
                    .unwrap();
                assert_eq!(full, trunc);
                assert_eq!(trunc.code(), "646378");
            } else if name.starts_with("rfc6238-and-paging") {
                for i in 1..=5 {
                    o.put(&PutCredential {
                        name: &format!("ACME:T-{i:04}"),
                        kind: Kind::Totp,
                        algorithm: Algorithm::Sha1,
                        digits: 8,
                        key: &rfc,
                        touch: false,
                        counter: 0,
                    })
                    .unwrap();
                }
                let c = o.calculate("ACME:T-0001", &p::totp_challenge(59, 30), true);
                assert_eq!(c.unwrap().code(), "94287082");
                assert_eq!(o.list().unwrap().len(), 5);
            } else {
                panic!("{name}: no driver script for this transcript");
            }
        }
        assert_eq!(link.remaining(), 0, "{}", t.name);
    }
}

fn nitrokey_device(t: &Transcript) -> NitrokeyPro {
    let mut d = NitrokeyPro::with_host_clock(Arc::new(|| 1_000_000));
    if t.setup("slot0") == Some("RFC") {
        d.preload_totp(0, "RFC", b"12345678901234567890", 1, 30);
    }
    if let Some(s) = t.setup("serial") {
        d.set_serial(u32::from_str_radix(s, 16).unwrap());
    }
    d
}

#[test]
fn nitrokey_emulator_answers_as_recorded() {
    for t in load("nitrokey") {
        let mut d = nitrokey_device(&t);
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

#[test]
fn nitrokey_driver_sends_what_is_recorded() {
    for t in load("nitrokey") {
        let name = t.name.rsplit('/').next().unwrap_or_default().to_string();
        let link = ScriptedHid {
            script: t.exchanges.iter().cloned().collect(),
            answer: None,
        };
        let mut nk = Nitrokey::new(link).with_timing(Timing::IMMEDIATE);
        if name.starts_with("get-status") {
            let s = nk.status().unwrap();
            assert_eq!((s.major, s.minor, s.serial), (0, 15, 0x1C0F));
            assert_eq!(nk.retry_count().unwrap(), 3);
        } else if name.starts_with("set-time-and-code") {
            nk.set_time(59, true).unwrap();
            assert_eq!(nk.get_code(0x20).unwrap(), "94287082");
        } else {
            assert_eq!(t.setup("driver"), Some("skip"), "{name}: no driver script");
        }
    }
}
