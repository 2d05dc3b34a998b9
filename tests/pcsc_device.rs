//! `tokenstation device` through the binary, against emulated tokens behind the real
//! pcscd (vsmartcard-vpcd): info with the clock offset, list with the registered token
//! of each slot (`--json`), delete asking before it retires a registered token
//! (`--yes` for scripts), rename, factory reset with the touch or the ▲ button, and
//! the refusals of a family that cannot. One at a time (`--test-threads=1`; a
//! machine-wide lock guards the vpcd slots).
//!
//! Needs `make deps pcscd`: FAILS under `CI=true` without it, else skips loudly.
#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::Station;
use common::pcsc::{insert_card, remove_card};
use tokenstation::devices::token2_nfc::Model;
use tokenstation::emulator::clock::{DeviceClock, now_ms};
use tokenstation::emulator::molto2::Molto2Card;
use tokenstation::emulator::token2_nfc::Token2NfcCard;
use tokenstation::emulator::vpcd::VPCD_PORT_0;
use tokenstation::emulator::ykoath::OathCard;
use tokenstation::otp::{OtpParams, Secret, totp::totp};
use tokenstation::transport::pcsc::PcscContext;

const READER: &str = "Virtual PCD 00 00";

fn stack() -> Option<(common::pcsc::Slots, PcscContext)> {
    common::pcsc::stack(READER)
}

fn station(product: &str, family: &str) -> Station {
    let s = Station::new();
    s.ok(&[
        "product",
        "add",
        product,
        "--family",
        family,
        "--programmable",
        "true",
    ]);
    s
}

fn burn_oath(s: &Station, product: &str, serial: &str) {
    s.ok(&[
        "burn",
        "--reader",
        READER,
        "--product",
        product,
        "--serial",
        serial,
        "--generate",
        "--issuer",
        "ACME",
    ]);
}

fn status(s: &Station, serial: &str) -> String {
    s.json(&["token", "show", serial])["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Runs `args`, which must succeed; returns (stdout, stderr).
fn run(s: &Station, args: &[&str]) -> (String, String) {
    let out = s.cmd(args).output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "{args:?}: {stderr}");
    (stdout, stderr)
}

fn audit_count(s: &Station, action: &str) -> usize {
    s.json(&["audit", "list", "--action", action])
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == action)
        .count()
}

#[test]
fn yubikey_info_list_delete_with_confirmation_and_rename() {
    let Some((_g, ctx)) = stack() else { return };
    let s = station("YubiKey TOTP", "ykoath");
    let card = OathCard::yubikey();
    let (field, _faults, bridge) = insert_card(&ctx, VPCD_PORT_0, card.clone());
    burn_oath(&s, "YubiKey TOTP", "YK-0001");
    burn_oath(&s, "YubiKey TOTP", "YK-0002");

    let info = s.json(&["device", "info", "--reader", READER]);
    assert_eq!(info["family"], "ykoath");
    assert_eq!(info["firmware"], "5.7.4");
    assert!(info["clock"].is_null() && info["clock_offset"].is_null());
    assert_eq!(info["management"]["rename"], true);

    let list = s.json(&["device", "list", "--reader", READER]);
    let entries = list["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    let yk1 = entries
        .iter()
        .find(|e| e["name"] == "ACME:YK-0001")
        .unwrap();
    assert_eq!(
        (&yk1["kind"], &yk1["period"], &yk1["touch"]),
        (&"totp".into(), &30.into(), &false.into())
    );
    assert_eq!(yk1["tokens"][0]["serial"], "YK-0001");
    assert_eq!(yk1["tokens"][0]["status"], "active");
    let table = s.ok(&["device", "list", "--reader", READER]);
    assert!(
        table.contains("ACME:YK-0002") && table.contains("YK-0002 (active)"),
        "{table}"
    );

    // no one to ask (stdin closed): refused with the way out, nothing deleted
    let del = ["device", "delete", "--reader", READER, "ACME:YK-0001"];
    let (_, err) = s.fails(&del, 2);
    assert!(err.contains("YK-0001") && err.contains("--yes"), "{err}");
    let out = s.cmd(&del).write_stdin("n\n").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("declined"));
    assert_eq!(card.applet().names().len(), 2);
    assert_eq!(status(&s, "YK-0001"), "active");
    // answered yes on stdin: deleted and retired
    let out = s.cmd(&del).write_stdin("y\n").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("retired token YK-0001"), "{said}");
    assert_eq!(status(&s, "YK-0001"), "retired");
    assert_eq!(card.applet().names(), ["ACME:YK-0002"]);
    assert_eq!(audit_count(&s, "device.delete"), 1);
    assert_eq!(audit_count(&s, "token.retire"), 1);

    // rename: the store follows; then --yes deletes it under its new name
    let r = s.json(&[
        "device",
        "rename",
        "--reader",
        READER,
        "ACME:YK-0002",
        "--to",
        "ACME:desk-2",
    ]);
    assert_eq!(
        (&r["from"], &r["to"]),
        (&"ACME:YK-0002".into(), &"ACME:desk-2".into())
    );
    let d = s.json(&[
        "device",
        "delete",
        "--reader",
        READER,
        "ACME:desk-2",
        "--yes",
    ]);
    assert_eq!(d["retired"][0]["serial"], "YK-0002");
    assert_eq!(status(&s, "YK-0002"), "retired");

    // an OATH list position is no slot
    let (_, err) = s.fails(&["device", "delete", "--reader", READER, "--slot", "0"], 2);
    assert!(err.contains("addressed by name"), "{err}");
    remove_card(&ctx, &field, bridge);
}

#[test]
fn nitrokey3_delete_and_reset_say_touch_and_rename_is_refused() {
    let Some((_g, ctx)) = stack() else { return };
    let s = station("NK3 TOTP", "nitrokey3");
    let card = OathCard::nitrokey3();
    card.set_touch(true);
    let (field, _faults, bridge) = insert_card(&ctx, VPCD_PORT_0, card.clone());
    burn_oath(&s, "NK3 TOTP", "NK3-1");
    burn_oath(&s, "NK3 TOTP", "NK3-2");

    let (_, err) = s.fails(
        &[
            "device",
            "rename",
            "--reader",
            READER,
            "ACME:NK3-1",
            "--to",
            "x",
        ],
        2,
    );
    assert!(err.contains("cannot rename"), "{err}");
    assert_eq!(audit_count(&s, "device.rename.failed"), 1);

    let (_, err) = run(
        &s,
        &[
            "device",
            "delete",
            "--reader",
            READER,
            "ACME:NK3-1",
            "--yes",
        ],
    );
    assert!(err.contains("touch the token"), "{err}");
    assert_eq!(status(&s, "NK3-1"), "retired");

    // a reset asks even when nothing registered would be retired... here NK3-2 is
    let (_, err) = s.fails(&["device", "reset", "--reader", READER], 2);
    assert!(
        err.contains("every OATH credential") && err.contains("NK3-2"),
        "{err}"
    );
    let (out, err) = run(
        &s,
        &["--json", "device", "reset", "--reader", READER, "--yes"],
    );
    assert!(err.contains("touch the token"), "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (&r["outcome"], &r["wipes"]),
        (&"done".into(), &"oath-application".into())
    );
    assert_eq!(r["retired"][0]["serial"], "NK3-2");
    assert!(card.applet().names().is_empty());
    remove_card(&ctx, &field, bridge);
}

/// Burns the Molto2 in the reader as `serial` with a known seed, where `slot_args`
/// say (`--slot N` or `--free-slot`), proving it with the code typed on stdin; the
/// burn's JSON answer.
fn burn_molto2(s: &Station, slot_args: &[&str], serial: &str) -> serde_json::Value {
    let seed = b"molto2 over pcscd!!!";
    let code = totp(
        &Secret::from_slice(seed),
        &OtpParams::default(),
        now_ms() / 1000,
    )
    .unwrap();
    let mut args = vec!["--json", "burn", "--reader", READER, "--family", "molto2"];
    args.extend_from_slice(slot_args);
    args.extend([
        "--prove",
        "typed",
        "--product",
        "Molto2",
        "--serial",
        serial,
    ]);
    let out = s
        .cmd(&args)
        .env(
            "TOKENSTATION_SECRET",
            data_encoding::BASE32_NOPAD.encode(seed),
        )
        .write_stdin(format!("{code}\n"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn molto2_list_delete_by_slot_and_reset_with_the_button() {
    let Some((_g, ctx)) = stack() else { return };
    let s = station("Molto2", "molto2");
    let card = Molto2Card::new("M2V2000123", DeviceClock::synced(now_ms()));
    let hook = card.hook();
    let (field, _faults, bridge) = insert_card(&ctx, VPCD_PORT_0, card);
    for (slot, serial) in [("7", "M2-0007"), ("8", "M2-0008")] {
        burn_molto2(&s, &["--slot", slot], serial);
    }

    let table = s.ok(&["device", "list", "--reader", READER, "--family", "molto2"]);
    assert!(table.contains("2 of 100 slots hold a seed"), "{table}");
    assert!(table.contains("M2-0007 (active)"), "{table}");
    assert_eq!(table.lines().count(), 4, "occupied profiles only: {table}");
    let all = s.json(&["device", "list", "--reader", READER, "--family", "molto2"]);
    assert_eq!(all["entries"].as_array().unwrap().len(), 100);
    assert_eq!(all["serial"], "M2V2000123");
    // --free-slot: the first profile without a seed, read from the device (0 here)
    let burned = burn_molto2(&s, &["--free-slot"], "M2-FREE");
    assert_eq!(burned["slot"], 0, "{burned}");
    assert!(hook.has_seed(0));

    let d = s.json(&[
        "device", "delete", "--reader", READER, "--family", "molto2", "--slot", "7", "--yes",
    ]);
    assert_eq!((&d["slot"], &d["name"]), (&7.into(), &"M2-0007".into()));
    assert!(!hook.has_seed(7));
    assert_eq!(status(&s, "M2-0007"), "retired");

    // the reset waits for ▲: a person presses it a moment later
    let presser = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if hook.button_pending() {
                return hook.press_button();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    });
    let (out, err) = run(
        &s,
        &[
            "device", "reset", "--reader", READER, "--family", "molto2", "--yes", "--wait", "20",
        ],
    );
    assert!(presser.join().unwrap(), "the button was never asked for");
    assert!(err.contains("press the button (▲)"), "{err}");
    assert!(
        out.contains("retired token M2-FREE (Molto2), M2-0008 (Molto2)"),
        "{out}"
    );
    assert_eq!(status(&s, "M2-0008"), "retired");
    assert_eq!(audit_count(&s, "device.reset"), 1);
    remove_card(&ctx, &field, bridge);
}

#[test]
fn token2_nfc_info_tells_the_clock_offset_and_the_rest_is_refused() {
    let Some((_g, ctx)) = stack() else { return };
    let s = Station::new();
    let card = Token2NfcCard::new(
        Model::C302,
        5,
        DeviceClock::with_offset(now_ms(), 125_000, 0.0),
    );
    let (field, _faults, bridge) = insert_card(&ctx, VPCD_PORT_0, card);
    let info_args = [
        "device",
        "info",
        "--reader",
        READER,
        "--family",
        "token2-nfc",
    ];
    let info = s.json(&info_args);
    assert_eq!(info["model"], "C302-i");
    let off = info["clock_offset"].as_i64().unwrap();
    assert!((123..=127).contains(&off), "offset {off}");
    let text = s.ok(&info_args);
    assert!(
        text.contains("s from this host") && text.contains("nothing"),
        "{text}"
    );
    for (args, why) in [
        (vec!["list"], "reveals nothing but its serial and clock"),
        (
            vec!["delete", "--slot", "0", "--yes"],
            "no erase or reset command",
        ),
        (vec!["reset", "--yes"], "no erase or reset command"),
    ] {
        let mut a = vec!["device"];
        a.extend(&args);
        a.extend(["--reader", READER, "--family", "token2-nfc"]);
        let (_, err) = s.fails(&a, 2);
        assert!(err.contains(why), "{args:?}: {err}");
    }
    remove_card(&ctx, &field, bridge);
}
