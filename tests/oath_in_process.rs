//! The OATH driver against the emulated YubiKey and Nitrokey 3 applets, in-process:
//! every operation and refusal, and the known-answer vectors of token-protocols.md §4.5
//! (RFC 6238 / RFC 4226 / RFC 4231) computed by the emulated token.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tokenstation::devices::ykoath::protocol::{self as p, CalcResult, PutCredential};
use tokenstation::devices::ykoath::{Oath, OathToken, Variant};
use tokenstation::devices::{
    DeviceError, DeviceManagement, ManagementRefusal, OtpToken, ProgramRequest, SlotRef,
};
use tokenstation::emulator::fault::Fault;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::ykoath::OathCard;
use tokenstation::otp::{Algorithm, Digits, Kind, OtpParams, Secret};
use tokenstation::transport::{LinkError, StatusWord};

const RFC_SHA1: &[u8] = b"12345678901234567890";
const RFC_SHA256: &[u8] = b"12345678901234567890123456789012";
const RFC_SHA512: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

fn session(card: &OathCard) -> Oath<InProcess<OathCard>> {
    Oath::select(InProcess::card("Virtual YubiKey", card.clone())).unwrap()
}

fn put(o: &mut Oath<InProcess<OathCard>>, name: &str, kind: Kind, alg: Algorithm, secret: &[u8]) {
    let key = p::prepare_key(alg, secret);
    o.put(&PutCredential {
        name,
        kind,
        algorithm: alg,
        digits: 8,
        key: &key,
        touch: false,
        counter: 0,
    })
    .unwrap();
}

#[test]
fn rfc6238_totp_vectors_through_the_emulated_yubikey() {
    let card = OathCard::yubikey();
    let mut o = session(&card);
    assert_eq!(o.variant(), Variant::YubiKey);
    put(&mut o, "sha1", Kind::Totp, Algorithm::Sha1, RFC_SHA1);
    put(&mut o, "sha256", Kind::Totp, Algorithm::Sha256, RFC_SHA256);
    put(&mut o, "sha512", Kind::Totp, Algorithm::Sha512, RFC_SHA512);
    for (name, t59, t1111111109) in [
        ("sha1", "94287082", "07081804"),
        ("sha256", "46119246", "68084774"),
        ("sha512", "90693936", "25091201"),
    ] {
        for (t, want) in [(59, t59), (1_111_111_109, t1111111109)] {
            let chal = p::totp_challenge(t, 30);
            assert_eq!(
                o.calculate(name, &chal, true).unwrap().code(),
                want,
                "{name}"
            );
            // full response (P2 = 00), truncated on the host
            assert_eq!(o.calculate(name, &chal, false).unwrap().code(), want);
        }
    }
    // CALCULATE ALL: one challenge, every TOTP credential
    let all = o.calculate_all(&p::totp_challenge(59, 30)).unwrap();
    let codes: Vec<String> = all
        .iter()
        .map(|(_, r)| match r {
            CalcResult::Code(c) => c.code(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(codes, ["94287082", "46119246", "90693936"]);
}

#[test]
fn rfc4226_hotp_counter_advances_on_the_token() {
    let card = OathCard::yubikey();
    let mut o = session(&card);
    put(&mut o, "hotp", Kind::Hotp, Algorithm::Sha1, RFC_SHA1);
    let want = [
        "84755224", "94287082", "37359152", "26969429", "40338314", "68254676", "18287922",
        "82162583", "73399871", "45520489",
    ];
    for w in want {
        assert_eq!(o.calculate("hotp", &[], true).unwrap().code(), w);
    }
    assert_eq!(card.applet().counter("hotp"), Some(10));
    // CALCULATE ALL does not compute HOTP
    let all = o.calculate_all(&[0; 8]).unwrap();
    assert_eq!(all[0].1, CalcResult::Hotp(Some(8)));
    // IMF: a credential starting at counter 5
    let key = p::prepare_key(Algorithm::Sha1, RFC_SHA1);
    o.put(&PutCredential {
        name: "imf",
        kind: Kind::Hotp,
        algorithm: Algorithm::Sha1,
        digits: 8,
        key: &key,
        touch: false,
        counter: 5,
    })
    .unwrap();
    assert_eq!(o.calculate("imf", &[], true).unwrap().code(), "68254676");
}

#[test]
fn rfc4231_full_hmac_through_calculate() {
    let card = OathCard::yubikey();
    let mut o = session(&card);
    put(&mut o, "s256", Kind::Totp, Algorithm::Sha256, b"Jefe");
    put(&mut o, "s512", Kind::Totp, Algorithm::Sha512, b"Jefe");
    let data = b"what do ya want for nothing?";
    let r = o
        .send(&p::calculate("s256", data, false), "CALCULATE")
        .unwrap();
    assert_eq!(
        data_encoding::HEXLOWER.encode(&r.data[3..]),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    let r = o
        .send(&p::calculate("s512", data, false), "CALCULATE")
        .unwrap();
    assert_eq!(
        data_encoding::HEXLOWER.encode(&r.data[3..]),
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
    );
}

#[test]
fn list_rename_delete_and_chained_answers() {
    let card = OathCard::yubikey();
    card.set_page_size(40);
    let mut o = session(&card);
    for i in 0..6 {
        put(
            &mut o,
            &format!("ACME:T-{i:04}"),
            Kind::Totp,
            Algorithm::Sha1,
            RFC_SHA1,
        );
    }
    let l = o.list().unwrap();
    assert_eq!(l.len(), 6, "LIST pages joined with SEND REMAINING");
    o.rename("ACME:T-0000", "ACME:T-9999").unwrap();
    let err = o.rename("ACME:T-0001", "ACME:T-9999").unwrap_err();
    assert!(matches!(
        err,
        DeviceError::Status {
            sw: StatusWord::WrongData,
            ..
        }
    ));
    o.delete("ACME:T-9999").unwrap();
    let err = o.delete("ACME:T-9999").unwrap_err();
    assert!(
        matches!(
            err,
            DeviceError::Status {
                sw: StatusWord::DataInvalid,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(o.list().unwrap().len(), 5);
    o.reset().unwrap();
    assert!(o.list().unwrap().is_empty());
}

#[test]
fn access_code_locks_validates_and_is_removed() {
    let card = OathCard::yubikey();
    let mut o = session(&card);
    put(&mut o, "x", Kind::Totp, Algorithm::Sha1, RFC_SHA1);
    o.set_password("s3cret").unwrap();
    o.reselect().unwrap();
    assert!(o.is_locked());
    let err = o.list().unwrap_err();
    assert!(matches!(err, DeviceError::AuthRequired { .. }), "{err}");
    let err = o.unlock("wrong").unwrap_err();
    assert!(matches!(err, DeviceError::AuthFailed { .. }), "{err}");
    o.unlock("s3cret").unwrap();
    assert_eq!(o.list().unwrap().len(), 1);
    // a token opened with the password unlocks by itself
    let mut t = OathToken::open(InProcess::card("r", card.clone()), Some("s3cret")).unwrap();
    assert_eq!(t.list_slots().unwrap().len(), 1);
    t.oath().unset_code().unwrap();
    o.reselect().unwrap();
    assert!(!o.is_locked());
}

#[test]
fn touch_credentials_refuse_without_a_touch() {
    let card = OathCard::yubikey();
    let mut o = session(&card);
    let key = p::prepare_key(Algorithm::Sha1, RFC_SHA1);
    o.put(&PutCredential {
        name: "touchy",
        kind: Kind::Totp,
        algorithm: Algorithm::Sha1,
        digits: 6,
        key: &key,
        touch: true,
        counter: 0,
    })
    .unwrap();
    card.set_touch(false);
    let err = o.calculate("touchy", &[0; 8], true).unwrap_err();
    assert!(matches!(err, DeviceError::TouchRequired { .. }), "{err}");
    let all = o.calculate_all(&[0; 8]).unwrap();
    assert_eq!(all[0].1, CalcResult::Touch(Some(6)));
    card.set_touch(true);
    assert_eq!(
        o.calculate("touchy", &p::totp_challenge(59, 30), true)
            .unwrap()
            .code(),
        "287082"
    );
}

fn request<'a>(name: &'a str, secret: &'a Secret, overwrite: bool) -> ProgramRequest<'a> {
    ProgramRequest {
        slot: None,
        name,
        secret,
        params: OtpParams {
            digits: Digits::new(8).unwrap(),
            ..OtpParams::default()
        },
        counter: 0,
        touch: false,
        overwrite,
    }
}

#[test]
fn otp_token_programs_reads_back_and_refuses_overwrite() {
    for card in [OathCard::yubikey(), OathCard::nitrokey3()] {
        let mut t = OathToken::open(InProcess::card("r", card.clone()), None).unwrap();
        let info = t.info().unwrap();
        let secret = Secret::from_slice(RFC_SHA1);
        t.program(&request("ACME:T-1", &secret, false)).unwrap();
        assert_eq!(t.read_code(None, 59).unwrap().as_deref(), Some("94287082"));
        assert_eq!(
            t.read_code(None, 1_111_111_109).unwrap().as_deref(),
            Some("07081804")
        );
        // a list position is no slot: only the credential just burned is addressed
        assert!(matches!(
            t.read_code(Some(0), 59),
            Err(DeviceError::CannotManage {
                why: ManagementRefusal::NamedNotNumbered,
                ..
            })
        ));
        let err = t.program(&request("ACME:T-1", &secret, false)).unwrap_err();
        assert!(matches!(err, DeviceError::Occupied { .. }), "{err}");
        // overwrite: YubiKey PUTs over it, the Nitrokey 3 driver deletes first
        let other = Secret::from_slice(RFC_SHA256);
        t.program(&request("ACME:T-1", &other, true)).unwrap();
        assert_eq!(card.applet().names(), ["ACME:T-1"]);
        assert_eq!(card.applet().key("ACME:T-1").unwrap(), RFC_SHA256);
        let slots = t.list_slots().unwrap();
        assert_eq!(slots[0].name.as_deref(), Some("ACME:T-1"));
        t.delete(&SlotRef::Name("ACME:T-1".into())).unwrap();
        assert!(t.list_slots().unwrap().is_empty());
        match info.family.as_str() {
            "ykoath" => assert!(info.serial.is_none()),
            "nitrokey3" => assert_eq!(info.serial.as_deref(), Some("1C0FFEE0")),
            f => panic!("{f}"),
        }
    }
}

#[test]
fn nitrokey3_differences_as_the_driver_sees_them() {
    let card = OathCard::nitrokey3();
    let mut o = session(&card);
    assert_eq!(o.variant(), Variant::Nitrokey3);
    put(&mut o, "x", Kind::Totp, Algorithm::Sha1, RFC_SHA1);
    // a full CALCULATE is turned into a truncated one for the NK3
    assert_eq!(
        o.calculate("x", &p::totp_challenge(59, 30), false)
            .unwrap()
            .code(),
        "94287082"
    );
    let err = o.calculate_all(&[0; 8]).unwrap_err();
    assert!(matches!(err, DeviceError::Unsupported { .. }), "{err}");
    let err = o.set_password("pw").unwrap_err();
    assert!(matches!(err, DeviceError::Unsupported { .. }), "{err}");
    let err = o.rename("x", "y").unwrap_err();
    assert!(matches!(err, DeviceError::Unsupported { .. }), "{err}");
    card.set_touch(false);
    let err = o.delete("x").unwrap_err();
    assert!(matches!(err, DeviceError::TouchRequired { .. }), "{err}");
    card.set_touch(true);
    o.delete("x").unwrap();
    let err = o.delete("x").unwrap_err();
    assert!(
        matches!(
            err,
            DeviceError::Status {
                sw: StatusWord::NotFound,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn card_pulled_mid_command_is_a_typed_link_error() {
    let card = OathCard::yubikey();
    let mut link = InProcess::card("r", card.clone());
    let faults = link.faults();
    let mut t = OathToken::open(&mut link, None).unwrap();
    faults.push(Fault::Pass); // LIST
    faults.push(Fault::RemoveCard); // PUT
    let secret = Secret::from_slice(RFC_SHA1);
    let err = t.program(&request("x", &secret, false)).unwrap_err();
    assert!(
        matches!(err, DeviceError::Link(LinkError::CardRemoved { .. })),
        "{err}"
    );
}
