//! YKOATH and the Nitrokey 3 Secrets App end to end through the real pcscd: emulated
//! tokens served by vsmartcard-vpcd, the driver on a [`PcscLink`]. Run one at a time
//! (`--test-threads=1`; a machine-wide lock guards the vpcd slots).
//!
//! Needs `make deps pcscd`. Without pcscd or the Virtual PCD readers the tests FAIL
//! under `CI=true` and are skipped with a loud message elsewhere.
#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use tokenstation::devices::ykoath::protocol as p;
use tokenstation::devices::ykoath::{OathToken, Variant};
use tokenstation::devices::{DeviceError, OtpToken, ProgramRequest};
use tokenstation::emulator::VirtualCard;
use tokenstation::emulator::fault::{Fault, Faults};
use tokenstation::emulator::vpcd::{CardField, VPCD_PORT_0, VpcdBridge};
use tokenstation::emulator::ykoath::OathCard;
use tokenstation::otp::{Digits, OtpParams, Secret};
use tokenstation::transport::LinkError;
use tokenstation::transport::pcsc::{CardWait, PcscContext};

const WAIT: Option<Duration> = Some(Duration::from_secs(10));

/// The pcscd context, or `None` (skip) outside CI when the stack is missing.
fn stack() -> Option<(common::pcsc::Slots, PcscContext)> {
    common::pcsc::stack("Virtual PCD 00 00")
}

fn insert(ctx: &PcscContext, card: OathCard) -> (CardField, Faults, VpcdBridge) {
    common::pcsc::insert_card(ctx, VPCD_PORT_0, card)
}

fn remove(ctx: &PcscContext, field: &CardField, bridge: VpcdBridge) {
    common::pcsc::remove_card(ctx, field, bridge);
}

fn request<'a>(name: &'a str, secret: &'a Secret) -> ProgramRequest<'a> {
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
        overwrite: false,
    }
}

#[test]
fn yubikey_and_nitrokey3_program_and_compute_through_pcscd() {
    let Some((_g, ctx)) = stack() else { return };
    for (card, variant) in [
        (OathCard::yubikey(), Variant::YubiKey),
        (OathCard::nitrokey3(), Variant::Nitrokey3),
    ] {
        // many credentials, small pages: LIST needs SEND REMAINING through pcscd
        card.set_page_size(64);
        let (field, _faults, bridge) = insert(&ctx, card.clone());
        let link = ctx.connect(&bridge.reader_name()).unwrap();
        assert_eq!(link_atr(&link), card.atr());
        let mut t = OathToken::open(link, None).unwrap();
        assert_eq!(t.oath().variant(), variant);
        let secret = Secret::from_slice(b"12345678901234567890");
        for i in 0..8 {
            t.program(&request(&format!("ACME:T-{i:04}"), &secret))
                .unwrap();
        }
        assert_eq!(t.read_code(None, 59).unwrap().as_deref(), Some("94287082"));
        assert_eq!(t.list_slots().unwrap().len(), 8);
        if variant == Variant::YubiKey {
            t.oath().set_password("pw").unwrap();
            t.oath().reselect().unwrap();
            assert!(matches!(
                t.oath().list().unwrap_err(),
                DeviceError::AuthRequired { .. }
            ));
            t.oath().unlock("pw").unwrap();
            assert_eq!(t.oath().list().unwrap().len(), 8);
            let all = t
                .oath()
                .calculate_all(&p::totp_challenge(1_111_111_109, 30))
                .unwrap();
            assert_eq!(all.len(), 8);
        }
        drop(t);
        remove(&ctx, &field, bridge);
    }
}

fn link_atr(link: &impl tokenstation::transport::ApduLink) -> Vec<u8> {
    link.atr().to_vec()
}

#[test]
fn card_pulled_during_put_is_card_removed() {
    let Some((_g, ctx)) = stack() else { return };
    let card = OathCard::yubikey();
    let (field, faults, bridge) = insert(&ctx, card.clone());
    let link = ctx.connect(&bridge.reader_name()).unwrap();
    let mut t = OathToken::open(link, None).unwrap();
    faults.push(Fault::Pass); // LIST
    faults.push(Fault::RemoveCard); // PUT
    let secret = Secret::from_slice(b"12345678901234567890");
    let err = t.program(&request("x", &secret)).unwrap_err();
    assert!(
        matches!(err, DeviceError::Link(LinkError::CardRemoved { .. })),
        "{err}"
    );
    drop(t);
    let reader = bridge.reader_name();
    assert_eq!(ctx.wait_for(&reader, false, WAIT).unwrap(), CardWait::Empty);
    // the same token comes back: the burn can simply be run again
    field.place(Box::new(card.clone()));
    assert!(matches!(
        ctx.wait_for(&reader, true, WAIT).unwrap(),
        CardWait::Present(_)
    ));
    let mut t = OathToken::open(ctx.connect(&reader).unwrap(), None).unwrap();
    let mut req = request("x", &secret);
    req.overwrite = true;
    t.program(&req).unwrap();
    assert_eq!(t.read_code(None, 59).unwrap().as_deref(), Some("94287082"));
    drop(t);
    remove(&ctx, &field, bridge);
}
