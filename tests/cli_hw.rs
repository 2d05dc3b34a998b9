//! The `hw` and `emulate` commands as a person runs them (no pcscd needed here; the
//! PC/SC side of the CLI is tested in `pcsc_vpcd.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;

fn bin() -> Command {
    Command::cargo_bin("tokenstation").unwrap()
}

#[test]
fn hw_list_json_has_stable_sections() {
    let out = bin()
        .args(["hw", "list", "--json", "--serial", "/dev/ttyNOPE7=rdm6300"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for section in ["pcsc", "usb", "hid", "serial"] {
        assert!(v[section]["available"].is_boolean(), "{section}: {v}");
        assert!(v[section]["items"].is_array(), "{section}: {v}");
    }
    let configured = v["serial"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == "/dev/ttyNOPE7")
        .expect("configured port listed");
    assert_eq!(configured["family"], "rdm6300");
    assert_eq!(configured["kind"], "configured");
    assert!(configured["note"].as_str().unwrap().contains("cannot open"));
}

#[test]
fn help_teaches() {
    let out = bin().args(["hw", "list", "--help"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("--json") && text.contains("Examples"),
        "{text}"
    );
    let out = bin().args(["emulate", "--help"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Virtual PCD 00 00") && text.contains("Ctrl-C"),
        "{text}"
    );
}

#[test]
fn emulate_refuses_bad_input_with_exit_2() {
    bin().arg("emulate").assert().code(2);
    bin().args(["emulate", "--card", "XYZ"]).assert().code(2);
    bin().args(["emulate", "--card", "0102"]).assert().code(2);
    bin()
        .args(["emulate", "--rdm6300", "0A00"])
        .assert()
        .code(2);
}

#[cfg(all(feature = "serial", unix))]
#[test]
fn emulate_serves_ptys_until_ctrl_c() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command as Std, Stdio};
    use std::time::Duration;
    use tokenstation::devices::rdm6300::{Rdm6300, Tag};
    use tokenstation::transport::serial::SerialPortLink;

    let mut child = Std::new(assert_cmd::cargo::cargo_bin("tokenstation"))
        .args(["emulate", "--pn532", "--rdm6300", "0A00B1C2D3"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut rdm_path = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("RDM6300 on ") {
            rdm_path = rest.split_whitespace().next().map(str::to_string);
        }
        if line.starts_with("running") {
            break;
        }
    }
    let path = rdm_path.expect("RDM6300 path printed");
    let mut r = Rdm6300::new(SerialPortLink::open(&path, 9600).unwrap()).unwrap();
    assert_eq!(
        r.read_tag(Duration::from_secs(3)).unwrap(),
        Some(Tag {
            version: 0x0A,
            id: 0x00B1_C2D3
        })
    );
    // Ctrl-C: SIGINT ends it cleanly.
    let pid = child.id().to_string();
    assert!(
        Std::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(rest.iter().any(|l| l == "stopping"), "{rest:?}");
}
