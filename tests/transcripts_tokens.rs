//! Replays `firmware-protocols/ykoath/*.transcript` against the emulated applets
//! (which must answer byte for byte) and against the driver (through a scripted link
//! that rejects any byte the driver sends that the transcript does not have). Every
//! transcript replays both ways: host challenges come from `! random`.
//! (`firmware-protocols/nitrokey/` is replayed by `tests/transcripts_nitrokey.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::requests::program_request;

use common::transcripts::load;

use tokenstation::devices::random::RandomSource;
use tokenstation::devices::ykoath::protocol::{self as p, PutCredential};
use tokenstation::devices::ykoath::{Oath, OathToken};
use tokenstation::devices::{DeviceError, OtpToken, ProgramRequest};
use tokenstation::emulator::ApduHandler;
use tokenstation::emulator::ykoath::{Flavour, OathApplet, OathCard};
use tokenstation::otp::{Algorithm, Digits, Kind, OtpParams, Secret};
use tokenstation::transport::StatusWord;
use tokenstation::transport::scripted::ScriptedApduLink;
use tokenstation::transport::trace::parse_hex;
use tokenstation::transport::transcript::{Transcript, replay};

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
    if t.setup("touch") == Some("none") {
        card.set_touch(false);
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

const RFC: &[u8] = b"12345678901234567890";

fn rfc_request<'a>(name: &'a str, secret: &'a Secret, algorithm: Algorithm) -> ProgramRequest<'a> {
    let params = OtpParams {
        algorithm,
        digits: Digits::new(8).unwrap(),
        ..OtpParams::default()
    };
    program_request(None, name, secret, params)
}

fn status_of(r: Result<impl std::fmt::Debug, DeviceError>) -> StatusWord {
    match r {
        Err(DeviceError::Status { sw, .. }) => sw,
        other => panic!("expected a status word, got {other:?}"),
    }
}

/// What the driver does for each transcript, by file name.
fn drive(name: &str, link: &mut ScriptedApduLink, random: RandomSource) {
    let rfc = p::prepare_key(Algorithm::Sha1, RFC);
    let step1 = [0, 0, 0, 0, 0, 0, 0, 1];
    if matches!(name, "nitrokey3-list-order" | "yubikey4-guards") {
        return drive_token(name, link);
    }
    let mut o = Oath::select(link).unwrap().with_random(random);
    match name {
        "yesdk-examples" => {
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
        }
        "rfc6238-and-paging" => {
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
        }
        "set-code" => {
            let key: [u8; 16] = parse_hex("780E45A00652CCB08C4BDACDDACA5134")
                .unwrap()
                .try_into()
                .unwrap();
            o.set_code(&key).unwrap();
            o.reselect().unwrap();
            assert!(o.is_locked());
            o.unlock_with_key(&key).unwrap();
            assert!(!o.is_locked());
            o.unset_code().unwrap();
        }
        "refusals" => {
            let short = o.put(&PutCredential {
                name: "x",
                kind: Kind::Totp,
                algorithm: Algorithm::Sha1,
                digits: 6,
                key: &[0; 13],
                touch: false,
                counter: 0,
            });
            assert_eq!(status_of(short), StatusWord::WrongData);
            assert_eq!(status_of(o.delete("y")), StatusWord::DataInvalid);
            assert_eq!(
                status_of(o.calculate("y", &step1, true)),
                StatusWord::DataInvalid
            );
        }
        "nitrokey3-differences" => {
            let c = PutCredential {
                name: "ACME:T-1",
                kind: Kind::Totp,
                algorithm: Algorithm::Sha1,
                digits: 8,
                key: RFC,
                touch: false,
                counter: 0,
            };
            o.put(&c).unwrap();
            assert!(matches!(o.put(&c), Err(DeviceError::Occupied { .. })));
            assert_eq!(
                o.calculate("ACME:T-1", &step1, false).unwrap().code(),
                "94287082"
            );
            assert!(matches!(
                o.calculate_all(&step1),
                Err(DeviceError::Unsupported { .. })
            ));
            assert_eq!(status_of(o.delete("y")), StatusWord::NotFound);
        }
        "nitrokey3-delete-touch" => {
            assert!(matches!(
                o.delete("nope"),
                Err(DeviceError::TouchRequired { .. })
            ));
        }
        other => panic!("{other}: no driver script for this transcript"),
    }
}

/// Transcripts played through [`OathToken`] (burn-level checks before each PUT).
fn drive_token(name: &str, link: &mut ScriptedApduLink) {
    let secret = Secret::from_slice(RFC);
    let mut t = OathToken::open(link, None).unwrap();
    match name {
        "nitrokey3-list-order" => {
            for n in ["ACME:T-1", "ACME:T-2", "ACME:T-3"] {
                t.program(&rfc_request(n, &secret, Algorithm::Sha1))
                    .unwrap();
            }
            let names: Vec<String> = t
                .oath()
                .list()
                .unwrap()
                .into_iter()
                .map(|e| e.name)
                .collect();
            assert_eq!(names, ["ACME:T-3", "ACME:T-2", "ACME:T-1"]);
        }
        _ => {
            t.program(&rfc_request("ACME:T-12", &secret, Algorithm::Sha1))
                .unwrap();
            let e = t
                .program(&rfc_request("x", &secret, Algorithm::Sha512))
                .unwrap_err();
            assert!(e.to_string().contains("4.3.1"), "{e}");
            let e = t
                .program(&rfc_request("ACME:T-1", &secret, Algorithm::Sha1))
                .unwrap_err();
            assert!(e.to_string().contains("ACME:T-1"), "{e}");
        }
    }
}

#[test]
fn ykoath_driver_sends_what_is_recorded() {
    let mut played = 0;
    for t in load("ykoath") {
        let mut link = ScriptedApduLink::new("script", &t);
        let name = t.name.rsplit('/').next().unwrap_or_default();
        let name = name.trim_end_matches(".transcript").to_string();
        let random = RandomSource::repeating(parse_hex(t.setup("random").unwrap_or("")).unwrap());
        drive(&name, &mut link, random);
        assert_eq!(link.remaining(), 0, "{}", t.name);
        played += 1;
    }
    assert!(played >= 8, "{played}");
}
