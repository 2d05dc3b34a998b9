//! The station's read models (`station::views`), as every face gets them: products
//! with token counts, token, holder and location details, the logs, presence now and
//! reports over local days, and the hardware inventory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/backend.rs"]
mod backend;

use chrono::NaiveDate;
use tokenstation::model::Family;
use tokenstation::otp::{Kind, Secret};
use tokenstation::station::catalog::ProductChange;
use tokenstation::station::presence::admin::SettingsChange;
use tokenstation::station::presence::{CredKind, CredentialKey, Mode, Presentation};
use tokenstation::station::seed_input::SeedInput;
use tokenstation::station::views::{AttemptFilter, AuditFilter, PeriodEdge, TokenFilter};
use tokenstation::station::{KeySource, Station};

/// 2026-01-15 08:00:00 UTC (09:00 in Paris).
const T: i64 = 1_768_464_000;
const SEED: &[u8] = b"12345678901234567890";

fn station(dir: &tempfile::TempDir) -> Station {
    let db = backend::store_in(dir.path(), "s.db");
    let mut st = Station::init(&db, &KeySource::File(backend::key_for(&db)), 0).unwrap();
    st.product_add(&ProductChange::default().new_product("P"), 0)
        .unwrap();
    st.product_add(
        &ProductChange {
            kind: Some(Kind::Hotp),
            family: Some(Family::Software),
            ..ProductChange::default()
        }
        .new_product("H"),
        0,
    )
    .unwrap();
    for serial in ["T1", "T2"] {
        st.token_add(serial, "P", SeedInput::Secret(Secret::from_slice(SEED)), 0)
            .unwrap();
    }
    st.location_add("Lobby", "Europe/Paris", 0).unwrap();
    st.holder_add("h1", Some("Ada"), 0).unwrap();
    st
}

#[test]
fn products_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir);
    let rows = st.product_rows().unwrap();
    let counts: Vec<(&str, i64, u32)> = rows
        .iter()
        .map(|r| (r.product.name.as_str(), r.tokens, r.product.skew))
        .collect();
    // the HOTP product got the look-ahead default
    assert_eq!(counts, [("H", 0, 10), ("P", 2, 1)]);
    let json = serde_json::to_value(&rows[1]).unwrap();
    assert_eq!(
        (json["name"].as_str(), json["tokens"].as_i64()),
        (Some("P"), Some(2))
    );
    assert_eq!(json["family"], "generic");

    st.token_assign_location("T1", None, Some("Lobby"), 0)
        .unwrap();
    st.token_assign_holder("T1", None, "h1", 0).unwrap();
    let d = st.token_detail("T1", None).unwrap();
    assert_eq!(d.locations, ["Lobby"]);
    assert_eq!((d.backup_codes_left, d.failures), (0, 0));
    let d = serde_json::to_value(&d).unwrap();
    assert_eq!(
        (d["serial"].as_str(), d["holder"].as_str()),
        (Some("T1"), Some("h1"))
    );
    let held = st
        .tokens(&TokenFilter {
            holder: Some("h1".into()),
            ..TokenFilter::default()
        })
        .unwrap();
    assert_eq!(held.len(), 1);
}

#[test]
fn holder_and_location_details() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir);
    st.token_assign_holder("T1", None, "h1", 0).unwrap();
    st.token_assign_location("T1", None, Some("Lobby"), 0)
        .unwrap();
    st.holder_enrol("h1", &CredentialKey::parse_card("04A1B2C3").unwrap(), 0)
        .unwrap();
    st.holder_enrol(
        "h1",
        &CredentialKey {
            kind: CredKind::Token,
            value: "T1".into(),
        },
        0,
    )
    .unwrap();
    let h = st.holder_detail("h1").unwrap();
    assert_eq!(
        (h.label.as_deref(), h.tokens.as_slice()),
        (Some("Ada"), &["T1".to_string()][..])
    );
    let creds: Vec<(String, String)> = h
        .credentials
        .iter()
        .map(|c| (c.kind.clone(), c.value.clone()))
        .collect();
    assert_eq!(
        creds,
        [
            ("card".to_string(), "04A1B2C3".to_string()),
            ("token".to_string(), "T1".to_string())
        ]
    );

    st.location_restrict("Lobby", &["P".into()], 0).unwrap();
    st.location_presence_set(
        "Lobby",
        &SettingsChange {
            mode: Some(Mode::CardAndCode),
            close_minute: Some(Some(18 * 60 + 30)),
            ..SettingsChange::default()
        },
        0,
    )
    .unwrap();
    st.location_readers_set("Lobby", &["rdm6300:/dev/ttyUSB0".into()], &[], 0)
        .unwrap();
    st.location_add_presence_token("Lobby", "T2", None, 0)
        .unwrap();
    let l = st.location_detail("Lobby").unwrap();
    assert_eq!(l.tokens, ["T1"]);
    assert_eq!(l.products, ["P"]);
    assert_eq!(
        (l.settings.mode, l.settings.close_minute),
        (Mode::CardAndCode, Some(1110))
    );
    assert_eq!(l.readers, ["rdm6300:/dev/ttyUSB0"]);
    assert_eq!(l.presence_tokens, ["T2"]);
    let json = serde_json::to_value(&l).unwrap();
    assert_eq!(json["settings"]["mode"], "card+code");
    let rows = st.location_rows().unwrap();
    assert_eq!(
        (rows[0].location.name.as_str(), rows[0].tokens),
        ("Lobby", 1)
    );
}

#[test]
fn logs_presence_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir);
    st.holder_enrol("h1", &CredentialKey::parse_card("04A1B2C3").unwrap(), 0)
        .unwrap();
    let tap = |at: i64| Presentation {
        location: "Lobby".into(),
        at,
        credential: Some(CredentialKey::parse_card("04A1B2C3").unwrap()),
        ..Presentation::default()
    };
    st.presence_record(&tap(T)).unwrap();
    let now = st.presence_now(Some("Lobby")).unwrap();
    assert_eq!((now.len(), now[0].holder.as_str()), (1, "h1"));
    st.presence_record(&tap(T + 3600)).unwrap();
    // the whole local day of 2026-01-15, and the day before (nothing)
    let day = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
    let r = st
        .presence_report_over("Lobby", PeriodEdge::Day(day), PeriodEdge::Day(day))
        .unwrap();
    assert_eq!(
        (r.tz.as_str(), r.from.as_str()),
        ("Europe/Paris", "2026-01-15 00:00:00 CET")
    );
    assert_eq!(r.to, "2026-01-16 00:00:00 CET");
    assert_eq!((r.holders.len(), r.holders[0].total_seconds), (1, 3600));
    let before = day.pred_opt().unwrap();
    let r = st
        .presence_report_over("Lobby", PeriodEdge::Day(before), PeriodEdge::Day(before))
        .unwrap();
    assert!(r.holders.is_empty());
    let r = st
        .presence_report_over("Lobby", PeriodEdge::At(T), PeriodEdge::At(T + 1))
        .unwrap();
    assert_eq!(r.holders[0].open_sessions, 1);

    st.verify("T1", "000000", None, T, true).unwrap();
    let attempts = st
        .attempts(&AttemptFilter {
            serial: Some("T1".into()),
            ..AttemptFilter::default()
        })
        .unwrap();
    assert_eq!(
        (attempts.len(), attempts[0].status.as_str()),
        (1, "NOT_ACTIVATED")
    );
    let audit = st
        .audit(&AuditFilter {
            action: Some("token.add".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(audit.len(), 2);
}

#[test]
fn hardware_inventory_lists_configured_serial_readers() {
    use tokenstation::station::views::hardware;
    let inv = hardware::inventory(
        false,
        &["/dev/ttyNOPE9=pn532".into(), "rdm6300:/dev/ttyNOPE8".into()],
    )
    .unwrap();
    let configured: Vec<(String, Option<Family>)> = inv
        .serial
        .items
        .iter()
        .filter(|s| s.port.kind == "configured")
        .map(|s| (s.port.path.clone(), s.family))
        .collect();
    assert_eq!(
        configured,
        [
            ("/dev/ttyNOPE9".to_string(), Some(Family::Pn532)),
            ("/dev/ttyNOPE8".to_string(), Some(Family::Rdm6300))
        ]
    );
    let e = hardware::inventory(false, &["usb:/dev/x".into()]).unwrap_err();
    assert!(e.to_string().contains("invalid reader"), "{e}");
}
