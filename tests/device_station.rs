//! On-device management of OATH tokens through the station (`station::device`), in
//! process: YubiKey and Nitrokey 3 credentials burned by the station, then listed,
//! deleted, renamed and reset through sessions over the emulated applets. The store
//! learns of it: a deleted credential that held a registered token retires the token
//! after a confirmation, audited with the delete; a rename follows; what the family
//! cannot do is refused with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::bench::audit;
use common::device::{HOST, READER, burn, operator, opts, quiet, refused, station, status};
use common::requests::program_request;

use std::sync::{Arc, Mutex};

use tokenstation::devices::session::TokenSession;
use tokenstation::devices::ykoath::OathToken;
use tokenstation::devices::{ManagementOp, ManagementRefusal, ResetOutcome, SlotRef};
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::ykoath::OathCard;
use tokenstation::model::{Family, TokenStatus};
use tokenstation::otp::{OtpParams, Secret};
use tokenstation::station::StationError;
use tokenstation::station::device::{DeviceEvent, Scripted};
use tokenstation::station::hint::Hint;
use tokenstation::station::jobs::{Answer, Ask};

fn oath(card: &OathCard) -> TokenSession {
    let t = OathToken::open(InProcess::card(READER, card.clone()), None).unwrap();
    TokenSession::from_parts(READER, Box::new(t), None)
}

#[test]
fn deleting_a_registered_credential_asks_then_retires_the_token_with_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Ykoath);
    let card = OathCard::yubikey();
    let mut s = oath(&card);
    burn(&mut st, &mut s, "YK-0001", None);
    let events = Arc::new(Mutex::new(Vec::new()));
    let now = || HOST + 5;

    // what it holds, with the registered token of each credential
    let seed = Secret::from_slice(b"12345678901234567890");
    let other = program_request(None, "other:x", &seed, OtpParams::default());
    s.manage()
        .program(&other)
        .expect("a credential nobody registered");
    let list = st.device_list(&mut s, &mut quiet()).unwrap();
    assert_eq!(list.family, Family::Ykoath);
    let mine = list
        .entries
        .iter()
        .find(|e| e.held.name.as_deref() == Some("ACME:YK-0001"))
        .unwrap();
    assert_eq!(mine.tokens.len(), 1);
    assert_eq!(
        (mine.tokens[0].serial.as_str(), mine.tokens[0].status),
        ("YK-0001", TokenStatus::Active)
    );
    assert_eq!(mine.held.period, Some(30));
    assert_eq!(mine.held.touch, Some(false));
    let json = serde_json::to_value(&list).unwrap();
    assert_eq!(json["entries"][0]["tokens"].as_array().unwrap().len(), 1);

    // a credential no token is registered for goes without a question
    let d = st
        .device_delete(
            &mut s,
            &SlotRef::Name("other:x".into()),
            opts(false),
            &mut quiet(),
            &now,
        )
        .unwrap();
    assert!(d.retired.is_empty());

    // nobody to ask: refused, nothing deleted, the token stays active
    let which = SlotRef::Name("ACME:YK-0001".into());
    let e = st
        .device_delete(
            &mut s,
            &which,
            opts(false),
            &mut operator(Answer::Unavailable, &events),
            &now,
        )
        .unwrap_err();
    assert!(matches!(e, StationError::NotConfirmed { .. }), "{e}");
    assert_eq!(e.hint(), Some(Hint::Confirm));
    assert!(e.to_string().contains("YK-0001"), "{e}");
    // declined: the same
    let e = st
        .device_delete(
            &mut s,
            &which,
            opts(false),
            &mut operator(Answer::Confirmed(false), &events),
            &now,
        )
        .unwrap_err();
    assert!(matches!(e, StationError::Declined { .. }), "{e}");
    assert_eq!(card.applet().names(), ["ACME:YK-0001"]);
    assert_eq!(status(&st, "YK-0001"), TokenStatus::Active);
    assert_eq!(audit(&st, "device.delete.failed").len(), 2);

    // confirmed: deleted on the device and retired in the store, audited together
    let d = st
        .device_delete(
            &mut s,
            &which,
            opts(false),
            &mut operator(Answer::Confirmed(true), &events),
            &now,
        )
        .unwrap();
    assert_eq!(d.retired.len(), 1);
    assert!(card.applet().names().is_empty());
    assert_eq!(status(&st, "YK-0001"), TokenStatus::Retired);
    let deletes = audit(&st, "device.delete");
    assert_eq!(deletes.len(), 2);
    assert!(
        deletes
            .iter()
            .any(|a| a.contains("\"retired\":[{\"serial\":\"YK-0001\"")),
        "{deletes:?}"
    );
    let retires = audit(&st, "token.retire");
    assert_eq!(retires.len(), 1);
    assert!(
        retires[0].starts_with("token.retire token YK-0001 ")
            && retires[0].contains("\"cause\":\"device.delete\"")
    );
    assert!(
        events.lock().unwrap().is_empty(),
        "a YubiKey wants no touch to delete"
    );

    // refusals with the reason: positions are no slots, unknown names are not found
    let e = st
        .device_delete(&mut s, &SlotRef::Slot(0), opts(true), &mut quiet(), &now)
        .unwrap_err();
    refused(&e, ManagementRefusal::NamedNotNumbered);
    let e = st
        .device_delete(&mut s, &which, opts(true), &mut quiet(), &now)
        .unwrap_err();
    refused(&e, ManagementRefusal::NotFound);
}

#[test]
fn a_rename_is_followed_by_the_registered_token_where_the_family_can_rename() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Ykoath);
    let card = OathCard::yubikey();
    let mut s = oath(&card);
    burn(&mut st, &mut s, "YK-0002", None);
    let now = || HOST;
    let r = st
        .device_rename(
            &mut s,
            &SlotRef::Name("ACME:YK-0002".into()),
            "ACME:desk-2",
            false,
            &mut quiet(),
            &now,
        )
        .unwrap();
    assert_eq!(
        (r.from.as_deref(), r.to.as_str()),
        (Some("ACME:YK-0002"), "ACME:desk-2")
    );
    assert_eq!(r.tokens[0].serial, "YK-0002");
    let list = st.device_list(&mut s, &mut quiet()).unwrap();
    assert_eq!(list.entries[0].held.name.as_deref(), Some("ACME:desk-2"));
    assert_eq!(
        list.entries[0].tokens[0].serial, "YK-0002",
        "the store followed"
    );
    assert_eq!(audit(&st, "device.rename").len(), 1);

    // the Nitrokey 3 Secrets App cannot rename: refused, audited as failed
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Nitrokey3);
    let card = OathCard::nitrokey3();
    card.set_touch(true);
    let mut s = oath(&card);
    burn(&mut st, &mut s, "NK3-1", None);
    let e = st
        .device_rename(
            &mut s,
            &SlotRef::Name("ACME:NK3-1".into()),
            "x",
            false,
            &mut quiet(),
            &now,
        )
        .unwrap_err();
    refused(&e, ManagementRefusal::NoRenameCommand);
    assert_eq!(audit(&st, "device.rename.failed").len(), 1);
}

#[test]
fn a_nitrokey3_wants_a_touch_to_delete_and_to_reset() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Nitrokey3);
    let card = OathCard::nitrokey3();
    card.set_touch(true);
    let mut s = oath(&card);
    burn(&mut st, &mut s, "NK3-1", None);
    burn(&mut st, &mut s, "NK3-2", None);
    let events = Arc::new(Mutex::new(Vec::new()));
    let now = || HOST;
    st.device_delete(
        &mut s,
        &SlotRef::Name("ACME:NK3-1".into()),
        opts(true),
        &mut operator(Answer::Unavailable, &events),
        &now,
    )
    .unwrap();
    assert_eq!(status(&st, "NK3-1"), TokenStatus::Retired);
    assert_eq!(
        events.lock().unwrap().as_slice(),
        [DeviceEvent::Touch {
            reader: READER.into(),
            operation: ManagementOp::Delete
        }]
    );
    events.lock().unwrap().clear();

    // a reset always asks, names what it wipes and which tokens it retires
    let asked = Arc::new(Mutex::new(String::new()));
    let a = Arc::clone(&asked);
    let ev = Arc::clone(&events);
    let mut op = Scripted {
        ask: move |q: Ask| match q {
            Ask::Confirm { action } => {
                *a.lock().unwrap() = action;
                Answer::Confirmed(true)
            }
            other => panic!("{other:?}"),
        },
        show: move |e| ev.lock().unwrap().push(e),
    };
    let r = st.device_reset(&mut s, opts(false), &mut op, &now).unwrap();
    assert_eq!(r.outcome, ResetOutcome::Done);
    let q = asked.lock().unwrap().clone();
    assert!(
        q.contains("every OATH credential") && q.contains("NK3-2"),
        "{q}"
    );
    assert_eq!(r.retired.len(), 1);
    assert_eq!(status(&st, "NK3-2"), TokenStatus::Retired);
    assert!(card.applet().names().is_empty());
    assert!(matches!(
        events.lock().unwrap().as_slice(),
        [DeviceEvent::Touch {
            operation: ManagementOp::FactoryReset,
            ..
        }]
    ));
}
