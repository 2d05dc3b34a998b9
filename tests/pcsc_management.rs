//! On-device management ([`DeviceManagement`]) of the APDU families through the real
//! pcscd, the emulated tokens served by vsmartcard-vpcd: YubiKey and Nitrokey 3 OATH
//! credentials by name, Molto2 profiles, and the Token2 NFC's refusals. Run one at a
//! time (`--test-threads=1`; a machine-wide lock guards the vpcd slots).
//!
//! Needs `make deps pcscd`. Without pcscd or the Virtual PCD readers the tests FAIL
//! under `CI=true` and are skipped with a loud message elsewhere.
#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::requests::program_request;

use common::pcsc::{insert_card, remove_card};

use tokenstation::devices::molto2::{DEFAULT_CUSTOMER_KEY, Molto2};
use tokenstation::devices::token2_nfc::{Model, Token2Nfc};
use tokenstation::devices::ykoath::OathToken;
use tokenstation::devices::{
    DeviceError, DeviceManagement, ManagementRefusal, OtpToken, ProgramRequest, ResetOutcome,
    SlotRef,
};
use tokenstation::emulator::clock::{DeviceClock, now_ms};
use tokenstation::emulator::molto2::Molto2Card;
use tokenstation::emulator::token2_nfc::Token2NfcCard;
use tokenstation::emulator::vpcd::VPCD_PORT_0;
use tokenstation::emulator::ykoath::OathCard;
use tokenstation::otp::{Digits, OtpParams, Secret};
use tokenstation::transport::pcsc::PcscContext;

fn stack() -> Option<(common::pcsc::Slots, PcscContext)> {
    common::pcsc::stack("Virtual PCD 00 00")
}

fn request<'a>(
    slot: Option<u16>,
    name: &'a str,
    secret: &'a Secret,
    digits: u8,
) -> ProgramRequest<'a> {
    let params = OtpParams {
        digits: Digits::new(digits).unwrap(),
        ..OtpParams::default()
    };
    program_request(slot, name, secret, params)
}

#[test]
fn oath_credentials_are_listed_renamed_and_deleted_by_name_through_pcscd() {
    let Some((_g, ctx)) = stack() else { return };
    let s = Secret::from_slice(b"12345678901234567890");
    for card in [OathCard::yubikey(), OathCard::nitrokey3()] {
        let (field, _faults, bridge) = insert_card(&ctx, VPCD_PORT_0, card.clone());
        let link = ctx.connect(&bridge.reader_name()).unwrap();
        let mut t = OathToken::open(link, None).unwrap();
        let yubikey = t.device_info().unwrap().family == tokenstation::model::Family::Ykoath;
        for n in ["ACME:a", "ACME:b", "ACME:c"] {
            t.program(&request(None, n, &s, 8)).unwrap();
        }
        let held = t.inventory().unwrap();
        let mut names: Vec<String> = held.iter().filter_map(|h| h.name.clone()).collect();
        assert_eq!(names, card.applet().names(), "the device's own order");
        names.sort();
        assert_eq!(names, ["ACME:a", "ACME:b", "ACME:c"]);
        assert!(
            held.iter()
                .all(|h| h.slot.is_none() && h.touch == Some(false))
        );
        if yubikey {
            assert!(held.iter().all(|h| h.digits == Some(8)));
            t.rename(&SlotRef::Name("ACME:b".into()), "ACME:bb")
                .unwrap();
        } else {
            let e = t
                .rename(&SlotRef::Name("ACME:b".into()), "ACME:bb")
                .unwrap_err();
            assert!(matches!(
                e,
                DeviceError::CannotManage {
                    why: ManagementRefusal::NoRenameCommand,
                    ..
                }
            ));
        }
        t.delete(&SlotRef::Name("ACME:a".into())).unwrap();
        assert_eq!(t.inventory().unwrap().len(), 2);
        assert_eq!(t.factory_reset().unwrap(), ResetOutcome::Done);
        assert!(t.inventory().unwrap().is_empty());
        drop(t);
        remove_card(&ctx, &field, bridge);
    }
}

#[test]
fn molto2_profiles_and_token2_refusals_through_pcscd() {
    let Some((_g, ctx)) = stack() else { return };
    let s = Secret::from_slice(b"12345678901234567890");
    let card = Molto2Card::new("M2V2000123", DeviceClock::synced(now_ms()));
    let hook = card.hook();
    let (field, _faults, bridge) = insert_card(&ctx, VPCD_PORT_0, card);
    let link = ctx.connect(&bridge.reader_name()).unwrap();
    let mut m = Molto2::new(link, DEFAULT_CUSTOMER_KEY);
    m.program(&request(Some(9), "VPN", &s, 6)).unwrap();
    let held = m.inventory().unwrap();
    assert_eq!(held.iter().filter(|h| h.occupied).count(), 1);
    assert_eq!(held[9].name.as_deref(), Some("VPN"));
    m.rename(&SlotRef::Slot(9), "VPN-2").unwrap();
    m.delete(&SlotRef::Name("VPN-2".into())).unwrap();
    assert!(!hook.has_seed(9));
    assert_eq!(
        DeviceManagement::factory_reset(&mut m).unwrap(),
        ResetOutcome::PressButton
    );
    assert!(hook.press_button());
    drop(m);
    remove_card(&ctx, &field, bridge);

    let card = Token2NfcCard::new(Model::C302, 5, DeviceClock::synced(now_ms()));
    let (field, _faults, bridge) = insert_card(&ctx, VPCD_PORT_0, card);
    let link = ctx.connect(&bridge.reader_name()).unwrap();
    let mut t = Token2Nfc::new(link);
    assert_eq!(t.device_info().unwrap().model.as_deref(), Some("C302-i"));
    let e = t.inventory().unwrap_err();
    assert!(
        matches!(
            e,
            DeviceError::CannotManage {
                why: ManagementRefusal::NothingReadable,
                ..
            }
        ),
        "{e}"
    );
    drop(t);
    remove_card(&ctx, &field, bridge);
}
