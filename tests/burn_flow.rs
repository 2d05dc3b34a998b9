//! The burn workflow (`Station::burn`) against emulated tokens in-process: success with
//! read-back proof, typed proof, every failure path (audit entry, no active token,
//! rerun succeeds), `--from-store`, and the trace log searched for the seed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::bench::audit;

use std::io::Write;
use std::sync::{Arc, Mutex};

use tokenstation::devices::ykoath::OathToken;
use tokenstation::devices::{
    Capabilities, DeviceError, DeviceInfo, OtpToken, ProgramRequest, SlotInfo,
};
use tokenstation::emulator::fault::Fault;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::ykoath::OathCard;
use tokenstation::model::Family;
use tokenstation::model::TokenStatus;
use tokenstation::otp::{Digits, OtpKey, OtpParams, Secret, totp};
use tokenstation::station::jobs::{Answer, Ask, AskWith};
use tokenstation::station::provision::{BurnOptions, BurnRequest, BurnSeed, Proof, ProofMethod};
use tokenstation::station::seed_input::SeedInput;
use tokenstation::station::{ErrorClass, Station, StationError};

const T: i64 = 1_700_000_000;

fn station(dir: &tempfile::TempDir, family: Family) -> Station {
    common::bench::station_with_product(dir, "Burnable", family)
}

fn req<'a>(
    serial: &str,
    seed: BurnSeed,
    proof: Proof,
    now: &'a dyn Fn() -> i64,
) -> BurnRequest<'a> {
    BurnRequest {
        product: Some("Burnable".into()),
        serial: Some(serial.into()),
        seed,
        options: BurnOptions {
            issuer: Some("ACME".into()),
            proof,
            ..BurnOptions::default()
        },
        reader: "Virtual PCD 00 00".into(),
        now,
    }
}

fn no_prompt() -> AskWith<impl FnMut(Ask) -> Answer> {
    AskWith(|_| panic!("read-back families are not prompted"))
}

/// An asker that types `code` (or nothing) when asked for a token's code, and again
/// when asked again after a wrong one (a typed proof allows three tries).
fn typing(code: Option<&str>) -> AskWith<impl FnMut(Ask) -> Answer + '_> {
    AskWith(move |ask| {
        assert!(
            matches!(ask, Ask::Code { .. } | Ask::CodeAgain { .. }),
            "{ask:?}"
        );
        match code {
            Some(c) => Answer::Text(zeroize::Zeroizing::new(c.to_string())),
            None => Answer::Unavailable,
        }
    })
}

fn status(st: &Station, serial: &str) -> TokenStatus {
    st.token(serial, None).unwrap().status
}

#[test]
fn burn_yubikey_with_read_back_proof() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Ykoath);
    let card = OathCard::yubikey();
    let mut tok =
        OathToken::open(InProcess::card("Virtual PCD 00 00", card.clone()), None).unwrap();
    let now = || T;
    let out = st
        .burn(
            &mut tok,
            None,
            req(
                "YK-0001",
                BurnSeed::New(SeedInput::Generate),
                Proof::Auto,
                &now,
            ),
            &mut no_prompt(),
        )
        .unwrap();
    assert_eq!(
        (out.proof, out.offset, out.name.as_str()),
        (ProofMethod::ReadBack, 0, "ACME:YK-0001")
    );
    assert_eq!(status(&st, "YK-0001"), TokenStatus::Active);
    assert_eq!(card.applet().names(), ["ACME:YK-0001"]);
    // the station's code for the token is the token's code
    let code = st.token_code("YK-0001", None, T).unwrap().code;
    assert_eq!(tok.read_code(None, T).unwrap().unwrap(), code);
    assert_eq!(audit(&st, "token.burn.failed").len(), 0);
    let burn = audit(&st, "token.burn");
    assert!(
        burn.iter()
            .any(|a| a.starts_with("token.burn token YK-0001") && a.contains("read-back"))
    );
    // burning the same serial again is refused without --force
    let err = st
        .burn(
            &mut tok,
            None,
            req(
                "YK-0001",
                BurnSeed::New(SeedInput::Generate),
                Proof::Auto,
                &now,
            ),
            &mut no_prompt(),
        )
        .unwrap_err();
    assert_eq!(err.class(), ErrorClass::Input, "{err}");
}

#[test]
fn card_pulled_mid_burn_then_rerun_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Ykoath);
    let card = OathCard::yubikey();
    let mut link = InProcess::card("Virtual PCD 00 00", card.clone());
    let faults = link.faults();
    let now = || T;
    {
        let mut tok = OathToken::open(&mut link, None).unwrap();
        faults.push(Fault::Pass); // LIST
        faults.push(Fault::RemoveCard); // PUT
        let err = st
            .burn(
                &mut tok,
                None,
                req(
                    "YK-2",
                    BurnSeed::New(SeedInput::Generate),
                    Proof::Auto,
                    &now,
                ),
                &mut no_prompt(),
            )
            .unwrap_err();
        assert!(
            matches!(err, StationError::Device(DeviceError::Link(_))),
            "{err}"
        );
    }
    assert_eq!(status(&st, "YK-2"), TokenStatus::Unverified);
    let failed = audit(&st, "token.burn.failed");
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0].contains("\"step\":\"write\"") && failed[0].contains("card removed"),
        "{failed:?}"
    );
    // the card comes back; the same command runs again and reuses the row
    link.reinsert();
    let mut tok = OathToken::open(&mut link, None).unwrap();
    let out = st
        .burn(
            &mut tok,
            None,
            req(
                "YK-2",
                BurnSeed::New(SeedInput::Generate),
                Proof::Auto,
                &now,
            ),
            &mut no_prompt(),
        )
        .unwrap();
    assert_eq!(out.serial, "YK-2");
    assert_eq!(status(&st, "YK-2"), TokenStatus::Active);
    assert_eq!(st.read().token_count().unwrap(), 1);
}

/// A token with a display and no way to read codes (as the Token2 NFC cards are):
/// computes TOTP from its own clock like the real thing.
struct DisplayToken {
    secret: Option<Secret>,
    params: Option<OtpParams>,
    clock: i64,
}

impl OtpToken for DisplayToken {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            program: true,
            ..Capabilities::default()
        }
    }
    fn info(&mut self) -> Result<DeviceInfo, DeviceError> {
        Ok(DeviceInfo {
            family: Family::Token2Nfc,
            serial: Some("D-77".into()),
            clock: Some(self.clock),
            ..DeviceInfo::default()
        })
    }
    fn program(&mut self, req: &ProgramRequest<'_>) -> Result<(), DeviceError> {
        self.secret = Some(req.secret.clone());
        self.params = Some(req.params);
        Ok(())
    }
    fn list_slots(&mut self) -> Result<Vec<SlotInfo>, DeviceError> {
        Ok(Vec::new())
    }
    fn erase(&mut self, _: Option<u16>) -> Result<(), DeviceError> {
        Ok(())
    }
    fn read_code(&mut self, _: Option<u16>, _: i64) -> Result<Option<String>, DeviceError> {
        Ok(None)
    }
}

impl DisplayToken {
    fn shown(&self) -> String {
        let p = self.params.unwrap();
        let step = totp::time_step(self.clock, p.period, p.t0).unwrap();
        OtpKey::new(p.algorithm, self.secret.as_ref().unwrap()).code_string(step, p.digits)
    }
}

#[test]
fn typed_code_proves_a_display_token_and_a_wrong_one_leaves_it_unverified() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Generic);
    let now = || T;
    let display = |clock| DisplayToken {
        secret: None,
        params: None,
        clock,
    };
    // a wrong code: proof fails, audit entry, no active token
    let mut tok = display(T - 30);
    let r = req(
        "D-77",
        BurnSeed::New(SeedInput::Generate),
        Proof::Auto,
        &now,
    );
    let err = st.burn(&mut tok, None, r, &mut typing(Some("000000")));
    if tok.shown() != "000000" {
        assert!(matches!(err.unwrap_err(), StationError::ProofFailed { .. }));
        assert_eq!(status(&st, "D-77"), TokenStatus::Unverified);
        let failed = audit(&st, "token.burn.failed");
        assert!(failed[0].contains("\"step\":\"prove\""), "{failed:?}");
    }
    // nothing typed: also a failed proof
    let mut tok = display(T - 30);
    let r = req(
        "D-77",
        BurnSeed::New(SeedInput::Generate),
        Proof::Typed,
        &now,
    );
    let err = st.burn(&mut tok, None, r, &mut typing(None)).unwrap_err();
    assert!(matches!(err, StationError::ProofFailed { .. }), "{err}");
    assert_eq!(status(&st, "D-77"), TokenStatus::Unverified);
    // the code the display shows, compared at the token's own clock (30 s behind the
    // host); the device reports its serial, so none is given
    let mut tok = display(T - 30);
    let mut r = req(
        "D-77",
        BurnSeed::New(SeedInput::Generate),
        Proof::Typed,
        &now,
    );
    r.serial = None;
    let out = burn_typing_shown(&mut st, &mut tok, r);
    assert_eq!((out.proof, out.offset), (ProofMethod::Typed, 0));
    assert_eq!(status(&st, "D-77"), TokenStatus::Active);
    assert_eq!(
        st.read().token_count().unwrap(),
        1,
        "the failed burns' row was reused"
    );
}

/// Burns `tok`, typing whatever the display shows when asked.
fn burn_typing_shown(
    st: &mut Station,
    tok: &mut DisplayToken,
    r: BurnRequest<'_>,
) -> tokenstation::station::provision::BurnOutcome {
    // The prompt cannot borrow the token while burn holds it mutably: the token writes
    // what it shows into a shared cell when programmed.
    let cell: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    struct Showing<'t> {
        inner: &'t mut DisplayToken,
        cell: Arc<Mutex<Option<String>>>,
    }
    impl OtpToken for Showing<'_> {
        fn capabilities(&self) -> Capabilities {
            self.inner.capabilities()
        }
        fn info(&mut self) -> Result<DeviceInfo, DeviceError> {
            self.inner.info()
        }
        fn program(&mut self, req: &ProgramRequest<'_>) -> Result<(), DeviceError> {
            self.inner.program(req)?;
            *self.cell.lock().unwrap() = Some(self.inner.shown());
            Ok(())
        }
        fn list_slots(&mut self) -> Result<Vec<SlotInfo>, DeviceError> {
            self.inner.list_slots()
        }
        fn erase(&mut self, s: Option<u16>) -> Result<(), DeviceError> {
            self.inner.erase(s)
        }
        fn read_code(&mut self, s: Option<u16>, at: i64) -> Result<Option<String>, DeviceError> {
            self.inner.read_code(s, at)
        }
    }
    let mut showing = Showing {
        inner: tok,
        cell: Arc::clone(&cell),
    };
    st.burn(
        &mut showing,
        None,
        r,
        &mut AskWith(|_| match cell.lock().unwrap().clone() {
            Some(c) => Answer::Text(zeroize::Zeroizing::new(c)),
            None => Answer::Unavailable,
        }),
    )
    .unwrap()
}

#[test]
fn from_store_burns_an_imported_seed() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Ykoath);
    let seed = Secret::from_slice(b"12345678901234567890");
    st.token_add("IMP-1", "Burnable", SeedInput::Secret(seed), 0)
        .unwrap();
    let card = OathCard::nitrokey3();
    let mut tok = OathToken::open(InProcess::card("r", card.clone()), None).unwrap();
    let now = || 59;
    // family nitrokey3 does not match a ykoath product
    let err = st
        .burn(
            &mut tok,
            None,
            req("IMP-1", BurnSeed::FromStore, Proof::Auto, &now),
            &mut no_prompt(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("family ykoath"), "{err}");
    let card = OathCard::yubikey();
    let mut tok = OathToken::open(InProcess::card("r", card.clone()), None).unwrap();
    let mut r = req("IMP-1", BurnSeed::FromStore, Proof::Auto, &now);
    r.product = None;
    st.burn(&mut tok, None, r, &mut no_prompt()).unwrap();
    assert_eq!(status(&st, "IMP-1"), TokenStatus::Active);
    assert_eq!(card.applet().key("ACME:IMP-1").unwrap(), {
        let mut k = b"12345678901234567890".to_vec();
        k.truncate(20);
        k
    });
}

/// A tracing writer into a shared buffer.
#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_burn_at_trace_level_never_logs_the_seed() {
    // A global subscriber: a thread-local one can miss events when tests in parallel
    // threads cache the callsites' interest first (tracing's interest cache).
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Ykoath);
    let seed = b"\x3a\x91\xc4\x07\xee\x52\x19\x88\x6d\x01\xf3\x2b\x47\x90\xaa\x5c\x0e\x71\xd8\x36";
    let secret = Secret::from_slice(seed);
    let card = OathCard::yubikey();
    {
        let mut tok = OathToken::open(InProcess::card("r", card.clone()), None).unwrap();
        let now = || T;
        st.burn(
            &mut tok,
            None,
            req(
                "S-1",
                BurnSeed::New(SeedInput::Secret(secret.clone())),
                Proof::Auto,
                &now,
            ),
            &mut no_prompt(),
        )
        .unwrap();
    }
    let log = String::from_utf8_lossy(&buf.0.lock().unwrap()).into_owned();
    assert!(
        log.contains(">>") && log.contains("REDACTED"),
        "frames were traced: {log}"
    );
    let hex_spaced: Vec<String> = seed.iter().map(|b| format!("{b:02X}")).collect();
    for needle in [
        hex_spaced.join(" "),
        hex_spaced.join(""),
        data_encoding::HEXLOWER.encode(seed),
        data_encoding::BASE32_NOPAD.encode(seed),
        String::from_utf8_lossy(seed).into_owned(),
    ] {
        assert!(
            !log.contains(&needle),
            "the seed appears in the trace log as {needle}"
        );
    }
    // raw bytes: the log is text; check the seed's bytes do not occur in it at all
    let raw = buf.0.lock().unwrap().clone();
    assert!(!raw.windows(seed.len()).any(|w| w == seed));
}

/// A token that reads codes back, but whose last write no read-back confirmed (what a
/// Token2 over a slow reader reports): only the code on its display proves the burn.
struct Unconfirmed<T>(T);

impl<T: OtpToken> OtpToken for Unconfirmed<T> {
    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }
    fn info(&mut self) -> Result<DeviceInfo, DeviceError> {
        self.0.info()
    }
    fn program(&mut self, req: &ProgramRequest<'_>) -> Result<(), DeviceError> {
        self.0.program(req)
    }
    fn list_slots(&mut self) -> Result<Vec<SlotInfo>, DeviceError> {
        self.0.list_slots()
    }
    fn erase(&mut self, slot: Option<u16>) -> Result<(), DeviceError> {
        self.0.erase(slot)
    }
    fn read_code(&mut self, slot: Option<u16>, at: i64) -> Result<Option<String>, DeviceError> {
        self.0.read_code(slot, at)
    }
    fn write_unconfirmed(&self) -> bool {
        true
    }
}

#[test]
fn an_unconfirmed_write_is_proven_by_a_typed_code_even_where_codes_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Ykoath);
    let card = OathCard::yubikey();
    let tok = OathToken::open(InProcess::card("Virtual PCD 00 00", card), None).unwrap();
    let mut tok = Unconfirmed(tok);
    let secret = Secret::from_slice(b"12345678901234567890");
    let params = OtpParams {
        digits: Digits::new(6).unwrap(),
        ..OtpParams::default()
    };
    let code = totp::totp(&secret, &params, T).unwrap();
    let now = || T;
    let out = st
        .burn(
            &mut tok,
            None,
            req(
                "YK-9",
                BurnSeed::New(SeedInput::Secret(secret)),
                Proof::Auto,
                &now,
            ),
            &mut typing(Some(&code)),
        )
        .unwrap();
    assert_eq!(out.proof, ProofMethod::Typed);
    assert_eq!(status(&st, "YK-9"), TokenStatus::Active);
}

#[test]
fn a_molto2_whose_every_profile_holds_a_seed_has_no_free_one_and_nothing_is_registered() {
    use tokenstation::devices::molto2::{DEFAULT_CUSTOMER_KEY, Molto2};
    use tokenstation::emulator::clock::DeviceClock;
    use tokenstation::emulator::molto2::Molto2Card;
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Molto2);
    // a first-generation Molto2 with two profiles, both burned before
    let card = Molto2Card::new("M2FULL", DeviceClock::synced(T * 1000))
        .with_frozen_host_time(T * 1000)
        .with_profiles(2)
        .with_seed(0, b"an earlier seed 0...")
        .with_seed(1, b"an earlier seed 1...");
    let mut tok = Molto2::new(
        InProcess::card("Virtual PCD 00 00", card),
        DEFAULT_CUSTOMER_KEY,
    )
    .with_profiles(2)
    .with_host_clock(|| T);
    let now = || T;
    let mut r = req(
        "M2-9",
        BurnSeed::New(SeedInput::Generate),
        Proof::Typed,
        &now,
    );
    r.options.issuer = None;
    r.options.free_slot = true;
    let err = st
        .burn(&mut tok, None, r, &mut AskWith(|_| Answer::Unavailable))
        .unwrap_err();
    assert!(
        matches!(err, StationError::NoFreeSlot { slots: 2, .. }),
        "{err:?}"
    );
    assert_eq!(err.class(), ErrorClass::Input);
    assert!(
        err.to_string()
            .contains("every one of its 2 profiles holds a seed")
    );
    assert!(st.token("M2-9", None).is_err(), "nothing registered");
    let failed = audit(&st, "token.burn.failed");
    assert!(failed[0].contains("\"step\":\"check\""), "{failed:?}");
}
