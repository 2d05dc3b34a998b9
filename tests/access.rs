//! Shared access through the library: keys (add, rotate, suspend, resume, revoke, each
//! audited), authentication (every failure), scopes, grouped verifications, the user
//! names of the compatibility routes, tokens issued with their seed, paged lists.

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::net::IpAddr;

use common::api::{code_at, now, store, wrong_code};
use tokenstation::model::access::{KeyStatus, Role};
use tokenstation::otp::{Algorithm, Digits, OtpKey, Secret};
use tokenstation::station::access::{AccessError, Action, AuthFailure, KeySpec};
use tokenstation::station::tokens::SeedInput;
use tokenstation::station::verify::Check;
use tokenstation::station::views::{AuditFilter, PageRequest, TokenFilter};
use tokenstation::station::{StationError, Status};

fn spec(name: &str, role: Role) -> KeySpec {
    KeySpec {
        name: name.into(),
        role,
        locations: Vec::new(),
        products: Vec::new(),
        cidrs: Vec::new(),
        expires_at: None,
    }
}

fn failure(r: Result<tokenstation::station::access::Caller, StationError>) -> AuthFailure {
    match r {
        Err(StationError::Access(AccessError::Unauthenticated(why))) => why,
        other => panic!("expected an authentication failure, got {other:?}"),
    }
}

fn local() -> Option<IpAddr> {
    Some("127.0.0.1".parse().unwrap())
}

#[test]
fn key_life_cycle_is_audited_and_authenticates() {
    let dir = tempfile::tempdir().unwrap();
    let (mut st, _) = store(&dir);
    let t = now();
    let issued = st.key_add(&spec("web-shop", Role::Operator), t).unwrap();
    let text = issued.key.to_string();
    assert!(text.starts_with(&format!("tks_{}_", issued.record.key_id)));
    // Only the keyed hash is stored: the secret's text is nowhere in the file.
    let secret = text.rsplit('_').next().unwrap();
    let bytes = std::fs::read(dir.path().join("s.db")).unwrap();
    assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()));

    let c = st.authenticate(Some(&text), local(), t).unwrap();
    assert_eq!((c.role, c.name.as_str()), (Role::Operator, "web-shop"));
    assert_eq!(
        c.actor().to_string(),
        format!("api:{} (role operator)", issued.record.key_id)
    );

    // Rotation: the old text stops working at once, the new one works.
    let rotated = st.key_rotate("web-shop", t).unwrap();
    assert_eq!(rotated.record.key_id, issued.record.key_id);
    assert_eq!(
        failure(st.authenticate(Some(&text), local(), t)),
        AuthFailure::WrongSecret
    );
    let new = rotated.key.to_string();
    st.authenticate(Some(&new), local(), t).unwrap();

    st.key_suspend(&issued.record.key_id, t).unwrap();
    assert_eq!(
        failure(st.authenticate(Some(&new), local(), t)),
        AuthFailure::Suspended
    );
    assert!(matches!(
        st.key_suspend("web-shop", t),
        Err(StationError::Access(AccessError::StatusChange { .. }))
    ));
    st.key_resume("web-shop", t).unwrap();
    st.authenticate(Some(&new), local(), t).unwrap();
    let revoked = st.key_revoke("web-shop", t).unwrap();
    assert_eq!(revoked.status, KeyStatus::Revoked);
    assert_eq!(
        failure(st.authenticate(Some(&new), local(), t)),
        AuthFailure::Revoked
    );
    assert!(st.key_resume(&issued.record.key_id, t).is_err());
    assert!(st.key_rotate(&issued.record.key_id, t).is_err());
    // A live key's name is taken; a revoked key's name can be given to a new key.
    let e = st.key_add(&spec("ops", Role::Admin), t).unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    st.key_add(&spec("web-shop", Role::Admin), t).unwrap();

    let audit = st
        .audit(&AuditFilter {
            action: Some("key.".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    let actions: Vec<&str> = audit.iter().rev().map(|a| a.action.as_str()).collect();
    // The fixture's six keys, then this test's.
    assert_eq!(
        &actions[6..],
        [
            "key.add",
            "key.rotate",
            "key.suspend",
            "key.resume",
            "key.revoke",
            "key.add"
        ]
    );
    assert!(
        audit
            .iter()
            .all(|a| !a.after.as_deref().unwrap_or("").contains(secret))
    );
    assert!(
        audit[1].subject.contains(&issued.record.key_id),
        "{}",
        audit[1].subject
    );
}

#[test]
fn every_authentication_failure() {
    let dir = tempfile::tempdir().unwrap();
    let (mut st, keys) = store(&dir);
    let t = now();
    assert_eq!(
        failure(st.authenticate(None, local(), t)),
        AuthFailure::Missing
    );
    assert_eq!(
        failure(st.authenticate(Some("hello"), local(), t)),
        AuthFailure::Malformed
    );
    let (_, rest) = keys.admin.split_at(4);
    let secret = rest.split_once('_').unwrap().1;
    let unknown = format!("tks_aaaaaaaaaaaaa_{secret}");
    assert_eq!(
        failure(st.authenticate(Some(&unknown), local(), t)),
        AuthFailure::UnknownKey
    );
    let mut wrong = keys.admin.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == 'a' { 'b' } else { 'a' });
    assert_eq!(
        failure(st.authenticate(Some(&wrong), local(), t)),
        AuthFailure::WrongSecret
    );

    let mut expiring = spec("soon", Role::Operator);
    expiring.expires_at = Some(t + 10);
    let k = st.key_add(&expiring, t).unwrap().key.to_string();
    st.authenticate(Some(&k), local(), t + 9).unwrap();
    assert_eq!(
        failure(st.authenticate(Some(&k), local(), t + 10)),
        AuthFailure::Expired
    );

    let mut netted = spec("lan", Role::Operator);
    netted.cidrs = vec!["10.1.2.3/8".into()];
    let issued = st.key_add(&netted, t).unwrap();
    assert_eq!(issued.record.cidrs, ["10.0.0.0/8"]);
    let k = issued.key.to_string();
    st.authenticate(Some(&k), Some("10.9.9.9".parse().unwrap()), t)
        .unwrap();
    assert_eq!(
        failure(st.authenticate(Some(&k), local(), t)),
        AuthFailure::AddressNotAllowed
    );
    assert_eq!(
        failure(st.authenticate(Some(&k), None, t)),
        AuthFailure::AddressNotAllowed
    );
}

#[test]
fn key_settings_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let (mut st, _) = store(&dir);
    let t = now();
    let e = st.key_add(&spec("k", Role::Kiosk), t).unwrap_err();
    assert!(
        matches!(e, StationError::Access(AccessError::KioskNeedsLocation)),
        "{e}"
    );
    let mut bad = spec("k", Role::Kiosk);
    bad.locations = vec!["Nowhere".into()];
    assert!(
        st.key_add(&bad, t)
            .unwrap_err()
            .to_string()
            .contains("Nowhere")
    );
    let mut bad = spec("k", Role::Technician);
    bad.products = vec!["Nothing".into()];
    assert!(
        st.key_add(&bad, t)
            .unwrap_err()
            .to_string()
            .contains("Nothing")
    );
    let mut bad = spec("k", Role::Operator);
    bad.cidrs = vec!["10.0.0.0/40".into()];
    assert!(
        st.key_add(&bad, t)
            .unwrap_err()
            .to_string()
            .contains("CIDR")
    );
    assert!(st.key_add(&spec("a b", Role::Admin), t).is_err());
    // Nothing was stored by the refusals.
    assert_eq!(st.keys().unwrap().len(), 6);
    assert!(st.key_show("k").is_err());
}

#[test]
fn scopes_of_a_verification() {
    let dir = tempfile::tempdir().unwrap();
    let (mut st, keys) = store(&dir);
    let t = now();
    let kiosk = st.authenticate(Some(&keys.kiosk), local(), t).unwrap();
    assert_eq!(
        st.authorize_verify(&kiosk, "T1", None, false)
            .unwrap()
            .as_deref(),
        Some("Lobby")
    );
    assert!(
        st.authorize_verify(&kiosk, "T1", Some("Lab"), false)
            .is_err()
    );
    assert!(st.authorize_verify(&kiosk, "T1", None, true).is_err());
    let kiosk2 = st.authenticate(Some(&keys.kiosk2), local(), t).unwrap();
    assert!(st.authorize_verify(&kiosk2, "T1", None, false).is_err());
    let tech = st.authenticate(Some(&keys.technician), local(), t).unwrap();
    assert!(st.authorize_verify(&tech, "T1", None, false).is_err());
    let mut ops_q = spec("ops-q", Role::Operator);
    ops_q.products = vec!["Q".into()];
    let k = st.key_add(&ops_q, t).unwrap().key.to_string();
    let ops_q = st.authenticate(Some(&k), local(), t).unwrap();
    assert!(st.authorize_verify(&ops_q, "Q1", None, false).is_ok());
    assert!(st.authorize_verify(&ops_q, "T1", None, false).is_err());
    // An unknown serial is the verdict's to report.
    assert!(st.authorize_verify(&ops_q, "NOPE", None, false).is_ok());
    assert!(
        st.authorize_token(&ops_q, Action::TokenRead, "Q1", None)
            .is_ok()
    );
    assert!(
        st.authorize_token(&ops_q, Action::TokenRead, "T1", None)
            .is_err()
    );
    // A technician limited to P acts on P's tokens only.
    let tech_p = st.authenticate(Some(&keys.tech_p), local(), t).unwrap();
    assert!(
        st.authorize_token(&tech_p, Action::TokenLifecycle, "T2", None)
            .is_ok()
    );
    assert!(
        st.authorize_token(&tech_p, Action::TokenLifecycle, "Q1", None)
            .is_err()
    );
    assert!(
        st.authorize_token(&tech_p, Action::TokenRepair, "T2", None)
            .is_err()
    );
}

fn check(serial: &str, code: &str, at: i64) -> Check {
    Check {
        serial: serial.into(),
        product: None,
        code: code.into(),
        location: None,
        source: None,
        at,
        record: true,
    }
}

#[test]
fn grouped_verifications_decide_in_order_and_isolate_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let (mut st, _) = store(&dir);
    let t = now();
    let good = code_at(t);
    let wrong = wrong_code(t, 3);
    let mut unknown_place = check("T1", &good, t);
    unknown_place.location = Some("Nowhere".into());
    // Q1 verifies only at Lab (without a location it would be WRONG_LOCATION).
    let mut at_lab = check("Q1", &wrong, t);
    at_lab.location = Some("Lab".into());
    let batch = vec![
        check("T1", &good, t),
        check("T1", &good, t),
        unknown_place,
        at_lab,
        check("NOPE", &wrong, t),
    ];
    let before = st.attempts(&Default::default()).unwrap().len();
    let out = st.verify_many(&batch).unwrap();
    let statuses: Vec<Option<Status>> = out
        .iter()
        .map(|r| r.as_ref().ok().map(|v| v.status))
        .collect();
    assert_eq!(
        statuses,
        [
            Some(Status::Ok),
            Some(Status::Replayed),
            None,
            Some(Status::InvalidCode),
            Some(Status::UnknownToken)
        ]
    );
    assert!(out[2].as_ref().unwrap_err().to_string().contains("Nowhere"));
    // Four attempts recorded (the refused request wrote nothing), one failure counted.
    assert_eq!(st.attempts(&Default::default()).unwrap().len(), before + 4);
    assert_eq!(st.token_detail("Q1", None).unwrap().failures, 1);
    // The same requests one by one give the same verdicts on a copy of the state.
    let v = st.verify_check(&check("T1", &good, t)).unwrap();
    assert_eq!(v.status, Status::Replayed);
}

#[test]
fn user_names_tokens_issued_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let (mut st, _) = store(&dir);
    let t = now();
    assert_eq!(st.serial_for_user("T1").unwrap(), "T1");
    assert_eq!(st.serial_for_user("alice").unwrap(), "T1");
    assert_eq!(st.serial_for_user("nobody").unwrap(), "nobody");
    st.holder_add("bob", None, t).unwrap();
    assert_eq!(st.serial_for_user("bob").unwrap(), "bob");
    st.token_assign_holder("Q1", None, "bob", t).unwrap();
    assert_eq!(st.serial_for_user("bob").unwrap(), "Q1");
    st.token_assign_holder("T1", None, "bob", t).unwrap();
    let e = st.serial_for_user("bob").unwrap_err();
    assert!(
        matches!(e, StationError::HolderTokens { count: 2, .. }),
        "{e}"
    );

    let issued = st
        .token_issue("N1", "P", SeedInput::Generate, "api response to test", t)
        .unwrap();
    let secret = Secret::from_base32(&issued.secret).unwrap();
    assert_eq!(secret.len(), 20);
    assert!(issued.otpauth_uri.starts_with("otpauth://totp/"));
    assert!(issued.otpauth_uri.contains(issued.secret.as_str()));
    let code = OtpKey::new(Algorithm::Sha1, &secret).code_string((t / 30) as u64, Digits::SIX);
    assert!(st.token_activate("N1", None, &code, t).unwrap().is_ok());
    let export = st
        .audit(&AuditFilter {
            action: Some("seed.export".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(export.len(), 1);
    assert!(
        export[0]
            .after
            .as_deref()
            .unwrap()
            .contains("api response to test")
    );
    let json = serde_json::to_value(&issued).unwrap();
    assert_eq!(json["serial"], "N1");
    assert_eq!(json["secret"], issued.secret.as_str());

    let all = TokenFilter::default();
    let p1 = st
        .token_page(&all, PageRequest::new(Some(1), Some(3)).unwrap())
        .unwrap();
    let p2 = st
        .token_page(&all, PageRequest::new(Some(2), Some(3)).unwrap())
        .unwrap();
    assert_eq!((p1.total, p1.items.len(), p2.items.len()), (4, 3, 1));
    let serials: Vec<String> = p1
        .items
        .iter()
        .chain(&p2.items)
        .map(|t| t.serial.clone())
        .collect();
    let listed: Vec<String> = st
        .tokens(&all)
        .unwrap()
        .into_iter()
        .map(|t| t.serial)
        .collect();
    assert_eq!(serials, listed);
    let only_p = TokenFilter {
        product: Some("P".into()),
        ..TokenFilter::default()
    };
    assert_eq!(
        st.token_page(&only_p, PageRequest::new(None, None).unwrap())
            .unwrap()
            .total,
        3
    );
}
