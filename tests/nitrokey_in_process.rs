//! The Nitrokey Pro driver against the emulated device through `HidLink` in-process:
//! authentication, slot writes, codes (libnitrokey's RFC test data, §6.5), time
//! handling, erase, refusals, CRC faults, the all-zero-secret quirk, and a full burn.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use tokenstation::devices::nitrokey::protocol::{self as p, status};
use tokenstation::devices::nitrokey::{Nitrokey, NitrokeyToken, Timing};
use tokenstation::devices::{DeviceError, OtpToken, ProgramRequest, TokenClock};
use tokenstation::emulator::fault::Fault;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::nitrokey::NitrokeyPro;
use tokenstation::model::{Product, TokenStatus};
use tokenstation::otp::{Algorithm, Digits, Kind, OtpParams, Secret};
use tokenstation::station::jobs::AskWith;
use tokenstation::station::provision::{BurnOptions, BurnRequest, BurnSeed, Proof, ProofMethod};
use tokenstation::station::tokens::SeedInput;
use tokenstation::station::{KeySource, Station, default_key_file};
use tokenstation::transport::{HidLink, Sensitivity};

const RFC: &[u8] = b"12345678901234567890";
const NAME: &str = "/dev/hidraw-virtual (20a0:4108)";

fn device(host: &Arc<AtomicI64>) -> InProcess<NitrokeyPro> {
    let h = Arc::clone(host);
    InProcess::hid(
        NAME,
        NitrokeyPro::with_host_clock(Arc::new(move || h.load(Ordering::SeqCst))),
    )
}

fn driver(link: &mut InProcess<NitrokeyPro>) -> Nitrokey<&mut InProcess<NitrokeyPro>> {
    Nitrokey::new(link)
        .with_timing(Timing::IMMEDIATE)
        .with_admin_pin("12345678")
}

#[test]
fn status_auth_and_wrong_pin() {
    let host = Arc::new(AtomicI64::new(0));
    let mut link = device(&host);
    let mut nk = driver(&mut link);
    let s = nk.status().unwrap();
    assert_eq!((s.major, s.minor, s.serial), (0, 15, 0x1C0F));
    let err = nk.authenticate_admin("00000000").unwrap_err();
    assert!(
        matches!(
            err,
            DeviceError::AuthFailed {
                tries_left: Some(2),
                ..
            }
        ),
        "{err}"
    );
    nk.authenticate_admin("12345678").unwrap();
    assert_eq!(nk.retry_count().unwrap(), 3);
}

#[test]
fn totp_codes_from_the_device_clock_after_set_time() {
    let host = Arc::new(AtomicI64::new(1_000));
    let mut link = device(&host);
    let mut nk = driver(&mut link);
    nk.write_slot(p::totp_slot(0), "RFC", RFC, 30, true)
        .unwrap();
    for (t, want) in [
        (59u64, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
    ] {
        nk.set_time(t, true).unwrap();
        assert_eq!(nk.get_code(p::totp_slot(0)).unwrap(), want, "t = {t}");
    }
    // check mode refuses going back in time (TIMESTAMP_WARNING)
    let err = nk.set_time(1_500_000_000, false).unwrap_err();
    assert!(
        matches!(
            err,
            DeviceError::CommandStatus {
                code: status::TIMESTAMP_WARNING,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("refused the time"));
    nk.set_time(2_000_000_100, false).unwrap();
}

#[test]
fn hotp_slots_count_erase_and_refusals() {
    let host = Arc::new(AtomicI64::new(0));
    let mut link = device(&host);
    let mut nk = driver(&mut link);
    nk.write_slot(p::hotp_slot(1), "H", RFC, 0, false).unwrap();
    for want in ["755224", "287082", "359152"] {
        assert_eq!(nk.get_code(p::hotp_slot(1)).unwrap(), want);
    }
    assert_eq!(nk.slot_name(p::hotp_slot(1)).unwrap().as_deref(), Some("H"));
    nk.erase_slot(p::hotp_slot(1)).unwrap();
    assert_eq!(nk.slot_name(p::hotp_slot(1)).unwrap(), None);
    let err = nk.get_code(p::hotp_slot(1)).unwrap_err();
    assert!(matches!(
        err,
        DeviceError::CommandStatus {
            code: status::SLOT_NOT_PROGRAMMED,
            ..
        }
    ));
    let err = nk.get_code(0x13).unwrap_err();
    assert!(matches!(
        err,
        DeviceError::CommandStatus {
            code: status::WRONG_SLOT,
            ..
        }
    ));
    let err = nk.write_slot(0x40, "X", RFC, 0, false).unwrap_err();
    assert!(matches!(
        err,
        DeviceError::CommandStatus {
            code: status::WRONG_SLOT,
            ..
        }
    ));
    let err = nk
        .write_slot(p::totp_slot(0), "X", &[1; 41], 30, false)
        .unwrap_err();
    assert!(matches!(err, DeviceError::Unsupported { .. }));
    let err = nk
        .write_slot(p::totp_slot(0), "X", &[0; 20], 30, false)
        .unwrap_err();
    assert!(
        matches!(err, DeviceError::Unsupported { .. }),
        "all-zero secret refused"
    );
    let err = nk
        .write_slot(p::totp_slot(0), "", RFC, 30, false)
        .unwrap_err();
    assert!(matches!(
        err,
        DeviceError::CommandStatus {
            code: status::NO_NAME_ERROR,
            ..
        }
    ));
}

#[test]
fn device_refuses_without_temporary_password_and_keeps_old_secret_on_zero() {
    let host = Arc::new(AtomicI64::new(0));
    let mut link = device(&host);
    let temp = [b'Q'; p::PW_LEN];
    let raw = |link: &mut InProcess<NitrokeyPro>, r: [u8; 64]| {
        let mut out = vec![0];
        out.extend_from_slice(&r);
        link.send_feature_report(&out, Sensitivity::Sensitive)
            .unwrap();
        let a = link
            .get_feature_report(0, 65, Sensitivity::Sensitive)
            .unwrap();
        p::parse_response(&a[1..]).unwrap()
    };
    // no authentication: NOT_AUTHORIZED
    let r = raw(&mut link, p::send_otp_data(&temp, b'N', 0, b"X"));
    assert_eq!(r.status, status::NOT_AUTHORIZED);
    // bad CRC: WRONG_CRC, not run
    let mut bad = p::first_authenticate("12345678", &temp).unwrap();
    bad[63] ^= 1;
    assert_eq!(raw(&mut link, bad).status, status::WRONG_CRC);
    assert_eq!(
        raw(&mut link, p::first_authenticate("12345678", &temp).unwrap()).status,
        status::OK
    );
    assert_eq!(
        raw(&mut link, p::send_otp_data(&temp, b'N', 0, b"A")).status,
        status::OK
    );
    let echo = raw(&mut link, p::send_otp_data(&temp, b'S', 0, RFC));
    assert_eq!(
        &echo.payload[..20],
        RFC,
        "the device echoes the staged secret in clear"
    );
    assert_eq!(
        raw(&mut link, p::write_to_slot(&temp, 0x10, 0, 0, b"")).status,
        status::OK
    );
    // rename with an all-zero secret: the old secret stays
    assert_eq!(
        raw(&mut link, p::send_otp_data(&temp, b'N', 0, b"B")).status,
        status::OK
    );
    assert_eq!(
        raw(&mut link, p::write_to_slot(&temp, 0x10, 0, 0, b"")).status,
        status::OK
    );
    assert_eq!(
        raw(&mut link, p::get_code(0x10, None)).payload[..4],
        755224u32.to_le_bytes()
    );
    // WRITE_TO_SLOT without staging
    assert_eq!(
        raw(&mut link, p::write_to_slot(&temp, 0x10, 0, 0, b"")).status,
        status::NOT_AUTHORIZED
    );
}

#[test]
fn an_answer_with_a_bad_crc_is_accepted_with_a_warning_as_libnitrokey_does() {
    // (until issue 13 the driver re-read such answers; libnitrokey accepts them, and a
    // Storage sends them: its status block is copied in after the CRC)
    let host = Arc::new(AtomicI64::new(0));
    let mut link = device(&host);
    let faults = link.faults();
    faults.push(Fault::Corrupt {
        from_end: 1,
        xor: 0xFF,
    });
    let mut nk = driver(&mut link);
    assert_eq!(nk.status().unwrap().minor, 15);
    assert_eq!(
        nk.warnings(),
        [tokenstation::devices::nitrokey::Warning::AnswerCrc {
            command: "GET_STATUS"
        }]
    );
}

fn request<'a>(secret: &'a Secret, slot: Option<u16>, overwrite: bool) -> ProgramRequest<'a> {
    ProgramRequest {
        slot,
        name: "NK-0001",
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
fn otp_token_and_clock_capabilities() {
    let host = Arc::new(AtomicI64::new(59_000));
    let mut link = device(&host);
    let nk = driver(&mut link);
    let mut tok = NitrokeyToken::new(nk);
    let mut clock = tok.clone();
    assert_eq!(tok.info().unwrap().serial.as_deref(), Some("00001C0F"));
    let s = Secret::from_slice(RFC);
    tok.program(&request(&s, Some(2), false)).unwrap();
    let err = tok.program(&request(&s, Some(2), false)).unwrap_err();
    assert!(matches!(err, DeviceError::Occupied { .. }), "{err}");
    // a fresh device's clock is at 0: the code is the one of step 0 until set
    assert_ne!(
        tok.read_code(Some(2), 59).unwrap().as_deref(),
        Some("94287082")
    );
    clock.set_clock(59).unwrap();
    assert_eq!(
        tok.read_code(Some(2), 59).unwrap().as_deref(),
        Some("94287082")
    );
    assert!(clock.read_clock().is_err());
    let mut sha256 = request(&s, None, true);
    sha256.params.algorithm = Algorithm::Sha256;
    assert!(matches!(
        tok.program(&sha256).unwrap_err(),
        DeviceError::Unsupported { .. }
    ));
    let slots = tok.list_slots().unwrap();
    assert_eq!(slots.iter().filter(|s| s.occupied).count(), 1);
    assert_eq!(slots[3 + 2].name.as_deref(), Some("NK-0001"));
    tok.erase(Some(5)).unwrap();
    assert!(tok.list_slots().unwrap().iter().all(|s| !s.occupied));
}

#[test]
fn burn_a_nitrokey_sets_its_clock_and_reads_back() {
    let t = 1_700_000_000i64;
    let host = Arc::new(AtomicI64::new(t * 1000));
    let mut link = device(&host);
    link.device_mut().set_drift_ppm(50.0);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let mut st = Station::init(&db, &KeySource::File(default_key_file(&db)), 0).unwrap();
    st.product_add(
        &Product {
            id: 0,
            name: "Nitrokey Pro TOTP".into(),
            vendor: Some("Nitrokey".into()),
            model: None,
            family: tokenstation::model::Family::Nitrokey,
            params: OtpParams {
                kind: Kind::Totp,
                ..OtpParams::default()
            },
            programmable: true,
            drift_per_year: None,
            skew: 1,
        },
        0,
    )
    .unwrap();
    let mut tok = NitrokeyToken::new(driver(&mut link));
    let mut clock = tok.clone();
    let now = move || t;
    let out = st
        .burn(
            &mut tok,
            Some(&mut clock),
            BurnRequest {
                product: Some("Nitrokey Pro TOTP".into()),
                serial: None,
                seed: BurnSeed::New(SeedInput::Generate),
                options: BurnOptions {
                    slot: Some(4),
                    proof: Proof::Auto,
                    ..BurnOptions::default()
                },
                reader: NAME.into(),
                now: &now,
            },
            &mut AskWith(|_| panic!("no prompt: the Nitrokey reads back")),
        )
        .unwrap();
    assert!(out.clock_set);
    assert_eq!(
        (out.serial.as_str(), out.proof, out.slot),
        ("00001C0F", ProofMethod::ReadBack, 4)
    );
    assert_eq!(
        st.token("00001C0F", None).unwrap().status,
        TokenStatus::Active
    );
    drop(tok);
    drop(clock);
    assert_eq!(link.device().totp_name(4).as_deref(), Some("00001C0F"));
    assert_eq!(link.device().device_time(), t);
}

proptest::proptest! {
    /// Any feature report gets an answer that parses (or a refusal of its length),
    /// never a panic; a report with a bad CRC is never run.
    #[test]
    fn emulator_answers_any_report(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..70)) {
        use tokenstation::emulator::hid::VirtualHidDevice;
        let mut d = NitrokeyPro::with_host_clock(Arc::new(|| 0));
        if d.set_feature(&bytes).is_ok() {
            let a = d.get_feature(0, 65).unwrap();
            let r = p::parse_response(&a[1..]).unwrap();
            proptest::prop_assert!(r.crc_ok);
            let body = &bytes[1..];
            if p::crc(&body[..60]) != u32::from_le_bytes([body[60], body[61], body[62], body[63]]) {
                proptest::prop_assert_eq!(r.status, status::WRONG_CRC);
            }
        }
    }
}
