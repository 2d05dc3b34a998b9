//! The configuration file through the binary: the command line overrides the file, the
//! file overrides the defaults, `config show` says where each value came from, and a
//! bad file is one line naming the file and the line (exit 2). Also completions and
//! man pages.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// `tokenstation ARGS` with no store or config from the environment.
fn bin(args: &[&str]) -> Command {
    let mut c = Command::cargo_bin("tokenstation").unwrap();
    for v in [
        "TOKENSTATION_DB",
        "TOKENSTATION_KEY_FILE",
        "TOKENSTATION_CONFIG",
        "TOKENSTATION_PASSPHRASE",
    ] {
        c.env_remove(v);
    }
    c.args(args);
    c
}

fn write(dir: &Path, text: &str) -> String {
    let p = dir.join("station.toml");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn show(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--json", "config", "show"]);
    let out = bin(&a).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn setting<'a>(v: &'a Value, key: &str) -> &'a Value {
    v["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {v}"))
}

const FILE: &str = "# a kiosk\n[store]\npath = \"data/station.db\"\n\n[station]\nname = \"bench-1\"\n\n[kiosk]\nlocation = \"Lobby\"\n\n[serve]\nlisten = \"10.9.8.7:8700\"\nkey_rate = 7\n";

#[test]
fn the_file_fills_what_the_command_line_leaves_out() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), FILE);
    let v = show(&["--config", &cfg]);
    assert_eq!(v["config_file"], cfg.as_str());
    let store = dir.path().join("data/station.db");
    let p = setting(&v, "store.path");
    assert_eq!(p["value"], store.to_str().unwrap(), "relative to the file");
    assert_eq!(
        (p["source"].as_str(), p["line"].as_u64()),
        (Some("file"), Some(3))
    );
    let k = setting(&v, "store.key_file");
    assert_eq!(k["source"], "default");
    assert_eq!(k["value"], format!("{}.key", store.display()));
    assert_eq!(setting(&v, "station.name")["value"], "bench-1");
    assert_eq!(setting(&v, "serve.key_rate")["value"], 7);
    assert_eq!(setting(&v, "serve.key_rate")["line"], 13);
    assert_eq!(setting(&v, "serve.key_burst")["source"], "default");
    assert_eq!(setting(&v, "serve.key_burst")["value"], 20);

    // The store really is where the file says: init and use it without --db.
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    bin(&["--config", &cfg, "init"]).assert().success();
    assert!(store.exists() && dir.path().join("data/station.db.key").exists());
    bin(&["--config", &cfg, "location", "add", "Lobby", "--tz", "UTC"])
        .assert()
        .success();
    // The command line wins: another store has no location Lobby.
    let other = dir.path().join("other.db");
    let out = bin(&[
        "--config",
        &cfg,
        "--db",
        other.to_str().unwrap(),
        "location",
        "list",
    ])
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Lobby"));

    // The kiosk takes its location from the file: with no reader and no typed input
    // it has nothing to listen to at Lobby.
    let out = bin(&["--config", &cfg, "kiosk", "--no-stdin"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("Lobby"), "{err}");

    // serve takes its address from the file (not loopback, no --allow-remote: refused
    // before anything binds), and --listen on the command line wins.
    let out = bin(&["--config", &cfg, "serve"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("10.9.8.7:8700"), "{err}");
    let mut serve = std::process::Command::new(env!("CARGO_BIN_EXE_tokenstation"))
        .args(["--config", &cfg, "serve", "--listen", "127.0.0.1:0"])
        .env_remove("TOKENSTATION_DB")
        .env_remove("TOKENSTATION_KEY_FILE")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let stdout = serve.stdout.take().unwrap();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first).unwrap();
    let _ = serve.kill();
    let _ = serve.wait();
    assert!(
        first.starts_with("listening on http://127.0.0.1:"),
        "{first}"
    );
    // And --location beats kiosk.location.
    let out = bin(&[
        "--config",
        &cfg,
        "kiosk",
        "--no-stdin",
        "--location",
        "Elsewhere",
    ])
    .output()
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Elsewhere") && !err.contains("Lobby"), "{err}");
}

#[test]
fn command_line_and_environment_beat_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), FILE);
    let v = show(&["--config", &cfg, "--db", "/srv/x.db"]);
    let p = setting(&v, "store.path");
    assert_eq!(
        (p["value"].as_str(), p["source"].as_str()),
        (Some("/srv/x.db"), Some("command_line"))
    );
    let mut c = bin(&["--json", "config", "show"]);
    c.env("TOKENSTATION_CONFIG", &cfg)
        .env("TOKENSTATION_DB", "/srv/y.db");
    let v: Value = serde_json::from_slice(&c.output().unwrap().stdout).unwrap();
    let p = setting(&v, "store.path");
    assert_eq!(p["source"], "environment");
    assert_eq!(p["variable"], "TOKENSTATION_DB");
    assert_eq!(v["config_origin"]["variable"], "TOKENSTATION_CONFIG");
    // The table names the file and line of each value.
    let out = bin(&["--config", &cfg, "config", "show"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("station.name"))
        .unwrap();
    assert!(
        line.contains("bench-1") && line.contains(&format!("[{cfg}:6]")),
        "{line}"
    );
}

fn refused(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), text);
    let out = bin(&["--config", &cfg, "config", "show"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&cfg), "{err}");
    err
}

#[test]
fn a_bad_file_is_one_line_naming_file_and_line() {
    let err = refused("[serve]\nlisten = \"127.0.0.1:1\"\n\nlisen = 3\n");
    assert!(err.contains("line 4") && err.contains("lisen"), "{err}");
    let err = refused("[store]\npath = \"a\"\n[storage]\n");
    assert!(err.contains("line 3") && err.contains("storage"), "{err}");
    let err = refused("[kiosk]\nreaders = [\"pcsc:A\",\n");
    assert!(err.contains("line 2") || err.contains("line 3"), "{err}");
    let err = refused("[serve]\nkey_rate = 0\n");
    assert!(
        err.contains("line 2") && err.contains("serve.key_rate"),
        "{err}"
    );
    let err = refused("[serve]\nlisten = \"localhost\"\n");
    assert!(err.contains("line 2"), "{err}");
    // A named file that does not exist is an error too (the default path is optional).
    let out = bin(&["--config", "/nonexistent/station.toml", "config", "show"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/station.toml"));
}

#[test]
fn completions_for_each_shell() {
    for (shell, mark, option) in [
        ("bash", "_tokenstation()", "--config"),
        ("zsh", "#compdef tokenstation", "--config"),
        ("fish", "complete -c tokenstation", "-l config"),
    ] {
        let out = bin(&["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(mark), "{shell}");
        assert!(text.contains("kiosk") && text.contains(option), "{shell}");
    }
}

#[test]
fn a_man_page_per_command_and_none_for_hidden_ones() {
    let dir = tempfile::tempdir().unwrap();
    bin(&["manpages", dir.path().to_str().unwrap()])
        .assert()
        .success();
    for page in [
        "tokenstation.1",
        "tokenstation-kiosk.1",
        "tokenstation-serve.1",
        "tokenstation-config-show.1",
        "tokenstation-token-add.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(
            text.contains(".TH") && text.contains(".SH SYNOPSIS"),
            "{page}"
        );
    }
    assert!(!dir.path().join("tokenstation-manpages.1").exists());
    let kiosk = std::fs::read_to_string(dir.path().join("tokenstation-kiosk.1")).unwrap();
    assert!(
        kiosk.contains("tokenstation kiosk"),
        "the synopsis names the full command"
    );
}
