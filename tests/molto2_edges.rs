//! Molto2 edges (vendor-code-audit.md): the device refuses a seed written over an
//! occupied profile, so an overwriting burn deletes first; `63 Cx` and `63 NN` both
//! count tries; on-device management (list, delete, rename, factory reset with ▲).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::requests::program_request;

use tokenstation::devices::molto2::protocol as p;
use tokenstation::devices::molto2::{DEFAULT_CUSTOMER_KEY, Molto2};
use tokenstation::devices::{
    DeviceError, DeviceManagement, ManagementRefusal, OtpToken, ProgramRequest, ResetConfirmation,
    ResetOutcome, SlotRef,
};
use tokenstation::emulator::ApduHandler;
use tokenstation::emulator::clock::DeviceClock;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::molto2::{Molto2Card, Molto2Handle, SW_OCCUPIED};
use tokenstation::otp::{Algorithm, Kind, OtpParams, Secret, totp::totp};
use tokenstation::transport::ApduLink;

const HOST_MS: i64 = 1_750_000_000_000;
const HOST: i64 = HOST_MS / 1000;
const READER: &str = "TOKEN2 Molto2 [CCID Interface] 00 00";

fn molto2(card: Molto2Card) -> (Molto2<InProcess<Molto2Card>>, Molto2Handle) {
    let hook = card.hook();
    let m =
        Molto2::new(InProcess::card(READER, card), DEFAULT_CUSTOMER_KEY).with_host_clock(|| HOST);
    (m, hook)
}

fn card() -> Molto2Card {
    Molto2Card::new("M2V2000123", DeviceClock::synced(HOST_MS)).with_frozen_host_time(HOST_MS)
}

fn request<'a>(
    slot: u16,
    name: &'a str,
    secret: &'a Secret,
    overwrite: bool,
) -> ProgramRequest<'a> {
    let mut r = program_request(Some(slot), name, secret, OtpParams::default());
    r.overwrite = overwrite;
    r
}

#[test]
fn the_device_refuses_an_overwrite_so_the_burn_deletes_first() {
    let old = Secret::from_slice(b"old-old-old-old-old!");
    let new = Secret::from_slice(b"new-new-new-new-new!");
    let (mut m, hook) = molto2(card().with_seed(7, old.expose()));
    // the device itself: a seed written over an occupied profile is refused
    m.authenticate().unwrap();
    let mut link = m.into_inner();
    let write = p::write_seed(&p::derive_key(DEFAULT_CUSTOMER_KEY), 7, new.expose()).unwrap();
    assert_eq!(link.transmit(&write).unwrap().sw.code(), SW_OCCUPIED);
    let mut m = Molto2::new(link, DEFAULT_CUSTOMER_KEY).with_host_clock(|| HOST);
    // refused without overwrite, done with it: delete, config, seed, title
    let e = m.program(&request(7, "Mail", &new, false)).unwrap_err();
    assert!(matches!(e, DeviceError::Occupied { .. }), "{e}");
    m.program(&request(7, "Mail", &new, true)).unwrap();
    assert_eq!(
        hook.display_code(7).unwrap(),
        totp(&new, &OtpParams::default(), HOST).unwrap()
    );
}

#[test]
fn both_forms_of_tries_left_are_read() {
    for card in [card(), card().with_plain_tries_sw()] {
        let hook = card.hook();
        let mut m = Molto2::new(InProcess::card(READER, card), b"not the key");
        let e = m.authenticate().unwrap_err();
        assert!(
            matches!(
                e,
                DeviceError::AuthFailed {
                    tries_left: Some(4),
                    ..
                }
            ),
            "{e}"
        );
        assert_eq!(hook.tries_left(), 4);
    }
}

#[test]
fn management_lists_deletes_renames_and_resets_with_the_button() {
    let s = Secret::from_slice(b"12345678901234567890");
    let (mut m, hook) = molto2(card());
    let caps = m.management();
    assert!(caps.list && caps.delete_by_name && caps.delete_by_slot && caps.rename);
    assert_eq!(caps.factory_reset, Some(ResetConfirmation::ButtonPress));
    let mut sha256 = request(3, "Bank", &s, false);
    sha256.params.algorithm = Algorithm::Sha256;
    m.program(&sha256).unwrap();
    m.program(&request(4, "Mail", &s, false)).unwrap();
    let held = m.inventory().unwrap();
    assert_eq!(held.len(), 100);
    let bank = &held[3];
    assert_eq!(
        (
            bank.slot,
            bank.name.as_deref(),
            bank.kind,
            bank.occupied,
            bank.algorithm,
            bank.digits,
            bank.period
        ),
        (
            Some(3),
            Some("Bank"),
            Some(Kind::Totp),
            true,
            Some(Algorithm::Sha256),
            Some(6),
            Some(30)
        )
    );
    assert_eq!(held.iter().filter(|h| h.occupied).count(), 2);
    m.rename(&SlotRef::Name("Bank".into()), "Bank-2").unwrap();
    assert_eq!(
        m.read_profile(3).unwrap().title_text().as_deref(),
        Some("Bank-2")
    );
    let e = m.rename(&SlotRef::Slot(3), "thirteen-byte").unwrap_err();
    assert!(matches!(
        e,
        DeviceError::CannotManage {
            why: ManagementRefusal::NameDoesNotFit,
            ..
        }
    ));
    m.delete(&SlotRef::Slot(4)).unwrap();
    assert!(!hook.has_seed(4));
    // the title survives the delete; deleting an empty profile is "not found"
    assert_eq!(
        m.read_profile(4).unwrap().title_text().as_deref(),
        Some("Mail")
    );
    let e = m.delete(&SlotRef::Slot(4)).unwrap_err();
    assert!(matches!(
        e,
        DeviceError::CannotManage {
            why: ManagementRefusal::NotFound,
            ..
        }
    ));
    let e = m.delete(&SlotRef::Slot(100)).unwrap_err();
    assert!(matches!(
        e,
        DeviceError::CannotManage {
            why: ManagementRefusal::NotFound,
            ..
        }
    ));
    assert_eq!(
        DeviceManagement::factory_reset(&mut m).unwrap(),
        ResetOutcome::PressButton
    );
    assert!(hook.has_seed(3), "not before ▲");
    assert!(hook.press_button());
    assert!(!hook.has_seed(3));
    let info = m.device_info().unwrap();
    assert_eq!(
        (info.serial.as_deref(), info.clock),
        (Some("M2V2000123"), Some(HOST))
    );
}

#[test]
fn get_response_goes_out_with_class_00_to_a_t0_molto2() {
    let s = Secret::from_slice(b"12345678901234567890");
    let (mut m, hook) = molto2(card().with_t0());
    m.program(&request(2, "Google", &s, false)).unwrap();
    assert!(hook.has_seed(2));
    // the card's application refuses a GET RESPONSE with the command's class
    let mut raw = card().with_t0();
    assert_eq!(raw.handle(&[0x80, 0x41, 0x00, 0x00, 0x00]), [0x61, 0x14]);
    assert_eq!(raw.handle(&[0x80, 0xC0, 0x00, 0x00, 0x14]), [0x6D, 0x00]);
}
