//! OATH edges as ykman and the Nitrokey 3 Secrets App know them (vendor-code-audit.md),
//! driver × emulator in process: ykman's firmware guards (touch from 4.2.6, SHA-512 from
//! 4.3.1, the YubiKey 4 name-prefix bug), the capacity by firmware (32, 64 from 5.7.0),
//! the Nitrokey 3's list order, and on-device management by name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::requests::program_request;

use tokenstation::devices::ykoath::OathToken;
use tokenstation::devices::{
    DeviceError, DeviceManagement, ManagementRefusal, OtpToken, ProgramRequest, ResetConfirmation,
    ResetOutcome, SlotRef,
};
use tokenstation::emulator::ApduHandler;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::ykoath::{Flavour, OathApplet, OathCard};
use tokenstation::otp::{Algorithm, Digits, Kind, OtpParams, Secret};

const RFC: &[u8] = b"12345678901234567890";

fn card(flavour: Flavour, version: [u8; 3]) -> OathCard {
    let c = OathCard::from_applet(OathApplet::seeded(flavour, [3; 8]));
    c.applet().set_version(version);
    c
}

fn token(c: &OathCard) -> OathToken<InProcess<OathCard>> {
    OathToken::open(InProcess::card("r", c.clone()), None).unwrap()
}

fn request<'a>(
    name: &'a str,
    secret: &'a Secret,
    algorithm: Algorithm,
    touch: bool,
) -> ProgramRequest<'a> {
    let params = OtpParams {
        algorithm,
        digits: Digits::new(8).unwrap(),
        ..OtpParams::default()
    };
    let mut r = program_request(None, name, secret, params);
    r.touch = touch;
    r
}

fn refused_naming(e: DeviceError, what: &str) {
    assert!(
        matches!(&e, DeviceError::Unsupported { what: w, .. } if w.contains(what)),
        "{e}"
    );
}

#[test]
fn firmware_guards_refuse_before_anything_is_written() {
    let s = Secret::from_slice(RFC);
    // touch needs 4.2.6
    let c = card(Flavour::YubiKey, [4, 2, 0]);
    let e = token(&c)
        .program(&request("t", &s, Algorithm::Sha1, true))
        .unwrap_err();
    refused_naming(e, "4.2.6");
    assert!(c.applet().names().is_empty());
    token(&card(Flavour::YubiKey, [4, 2, 6]))
        .program(&request("t", &s, Algorithm::Sha1, true))
        .unwrap();
    // SHA-512 needs 4.3.1
    let c = card(Flavour::YubiKey, [4, 3, 0]);
    let e = token(&c)
        .program(&request("x", &s, Algorithm::Sha512, false))
        .unwrap_err();
    refused_naming(e, "4.3.1");
    assert!(c.applet().names().is_empty());
    token(&card(Flavour::YubiKey, [4, 3, 1]))
        .program(&request("x", &s, Algorithm::Sha512, false))
        .unwrap();
    // the YubiKey 4 prefix bug: 4.0.0 < v < 4.3.5
    for (version, refused) in [([4, 3, 4], true), ([4, 3, 5], false), ([5, 7, 4], false)] {
        let c = card(Flavour::YubiKey, version);
        let mut t = token(&c);
        t.program(&request("ACME:T-12", &s, Algorithm::Sha1, false))
            .unwrap();
        let r = t.program(&request("ACME:T-1", &s, Algorithm::Sha1, false));
        assert_eq!(r.is_err(), refused, "{version:?}");
        assert_eq!(c.applet().names().len(), if refused { 1 } else { 2 });
    }
    // the Nitrokey 3 answers version 4.x and has neither limit
    let c = card(Flavour::Nitrokey3, [4, 1, 0]);
    token(&c)
        .program(&request("t", &s, Algorithm::Sha512, true))
        .unwrap();
}

#[test]
fn capacity_follows_the_firmware() {
    let s = Secret::from_slice(RFC);
    for (version, cap) in [([5, 4, 3], 32), ([5, 7, 0], 64)] {
        let c = card(Flavour::YubiKey, version);
        let mut t = token(&c);
        assert_eq!(t.oath().capacity(), Some(cap));
        for i in 0..cap {
            t.program(&request(&format!("c{i:03}"), &s, Algorithm::Sha1, false))
                .unwrap();
        }
        let e = t
            .program(&request("one-too-many", &s, Algorithm::Sha1, false))
            .unwrap_err();
        refused_naming(e, &format!("at most {cap}"));
        assert_eq!(c.applet().names().len(), cap);
        // rewriting an existing name still works on a full applet
        let mut again = request("c000", &s, Algorithm::Sha1, false);
        again.overwrite = true;
        t.program(&again).unwrap();
        // the device itself answers a PUT past its capacity with 6A 84
        let mut raw = c.clone();
        let put = tokenstation::devices::ykoath::protocol::put(
            &tokenstation::devices::ykoath::protocol::PutCredential {
                name: "raw",
                kind: Kind::Totp,
                algorithm: Algorithm::Sha1,
                digits: 6,
                key: &[1; 14],
                touch: false,
                counter: 0,
            },
        );
        assert_eq!(raw.handle(&put.encode().unwrap()), [0x6A, 0x84]);
    }
}

#[test]
fn nitrokey3_lists_by_file_name_and_positions_are_no_slots() {
    let s = Secret::from_slice(RFC);
    let c = card(Flavour::Nitrokey3, [4, 14, 0]);
    let mut t = token(&c);
    for n in ["ACME:T-1", "ACME:T-2", "ACME:T-3"] {
        t.program(&request(n, &s, Algorithm::Sha1, false)).unwrap();
    }
    // SHA-256 of the labels: T-3 022C…, T-2 B6B0…, T-1 B7DD…
    assert_eq!(c.applet().names(), ["ACME:T-3", "ACME:T-2", "ACME:T-1"]);
    // the code of the credential just burned is still its own, not position 0's
    let code = t.read_code(None, 59).unwrap().unwrap();
    assert_eq!(code, t.code_for("ACME:T-3", 59).unwrap());
    assert!(t.read_code(Some(0), 59).is_err());
}

#[test]
fn management_by_name_on_a_yubikey() {
    let s = Secret::from_slice(RFC);
    let c = card(Flavour::YubiKey, [5, 7, 4]);
    let mut t = token(&c);
    let caps = t.management();
    assert!(caps.rename && caps.delete_by_name && !caps.delete_by_slot);
    assert_eq!(caps.factory_reset, Some(ResetConfirmation::None));
    let mut sixty = request("60/ACME:touch", &s, Algorithm::Sha256, true);
    sixty.params.period = 60;
    t.program(&sixty).unwrap();
    let mut hotp = request("ACME:hotp", &s, Algorithm::Sha1, false);
    hotp.params.kind = Kind::Hotp;
    t.program(&hotp).unwrap();
    let held = t.inventory().unwrap();
    let touch = held
        .iter()
        .find(|h| h.name.as_deref() == Some("60/ACME:touch"))
        .unwrap();
    assert_eq!(
        (
            touch.kind,
            touch.algorithm,
            touch.digits,
            touch.period,
            touch.touch,
            touch.slot
        ),
        (
            Some(Kind::Totp),
            Some(Algorithm::Sha256),
            Some(8),
            Some(60),
            Some(true),
            None
        )
    );
    let h = held
        .iter()
        .find(|h| h.name.as_deref() == Some("ACME:hotp"))
        .unwrap();
    assert_eq!(
        (h.kind, h.digits, h.period, h.touch),
        (Some(Kind::Hotp), Some(8), None, None)
    );
    // rename keeps the period the old name carries
    t.rename(&SlotRef::Name("60/ACME:touch".into()), "ACME:renamed")
        .unwrap();
    assert!(c.applet().names().contains(&"60/ACME:renamed".to_string()));
    let e = t.delete(&SlotRef::Slot(0)).unwrap_err();
    assert!(matches!(
        e,
        DeviceError::CannotManage {
            why: ManagementRefusal::NamedNotNumbered,
            ..
        }
    ));
    let e = t.delete(&SlotRef::Name("nope".into())).unwrap_err();
    assert!(
        matches!(
            e,
            DeviceError::CannotManage {
                why: ManagementRefusal::NotFound,
                ..
            }
        ),
        "{e}"
    );
    t.delete(&SlotRef::Name("ACME:hotp".into())).unwrap();
    assert_eq!(c.applet().names(), ["60/ACME:renamed"]);
    assert_eq!(t.factory_reset().unwrap(), ResetOutcome::Done);
    assert!(c.applet().names().is_empty());
    // RENAME needs 5.3.1
    let old = card(Flavour::YubiKey, [5, 2, 4]);
    let mut t = token(&old);
    t.program(&request("a", &s, Algorithm::Sha1, false))
        .unwrap();
    assert!(!t.management().rename);
    let e = t.rename(&SlotRef::Name("a".into()), "b").unwrap_err();
    assert!(matches!(
        e,
        DeviceError::CannotManage {
            why: ManagementRefusal::FirmwareTooOldForRename,
            ..
        }
    ));
}

#[test]
fn management_on_a_nitrokey3_wants_touch_and_cannot_rename() {
    let s = Secret::from_slice(RFC);
    let c = card(Flavour::Nitrokey3, [4, 14, 0]);
    let mut t = token(&c);
    assert_eq!(t.management().factory_reset, Some(ResetConfirmation::Touch));
    t.program(&request("ACME:touch", &s, Algorithm::Sha1, true))
        .unwrap();
    t.program(&request("ACME:plain", &s, Algorithm::Sha1, false))
        .unwrap();
    let held = t.inventory().unwrap();
    let touch: Vec<_> = held
        .iter()
        .map(|h| (h.name.clone().unwrap(), h.touch))
        .collect();
    assert!(touch.contains(&("ACME:touch".into(), Some(true))));
    assert!(touch.contains(&("ACME:plain".into(), Some(false))));
    let e = t
        .rename(&SlotRef::Name("ACME:plain".into()), "x")
        .unwrap_err();
    assert!(matches!(
        e,
        DeviceError::CannotManage {
            why: ManagementRefusal::NoRenameCommand,
            ..
        }
    ));
    // nobody touches: DELETE and RESET wait for a touch that does not come
    c.set_touch(false);
    assert!(matches!(
        t.delete(&SlotRef::Name("ACME:plain".into())),
        Err(DeviceError::TouchRequired { .. })
    ));
    assert!(matches!(
        t.factory_reset(),
        Err(DeviceError::TouchRequired { .. })
    ));
    c.set_touch(true);
    t.delete(&SlotRef::Name("ACME:plain".into())).unwrap();
    assert_eq!(t.factory_reset().unwrap(), ResetOutcome::Done);
    assert!(c.applet().names().is_empty());
}
