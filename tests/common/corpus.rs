//! The harness of the bad-input corpus (`tests/bad_input_*.rs`): runs the binary with a
//! deadline and checks what every case must show (no exit 101, no `panicked at`, no raw
//! control character, a one-line error naming the thing, the store unchanged).

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{RFC_SEED_B32, Station, dump};

/// Longest a case may take; generous (debug build, loaded machine): it catches hangs,
/// it does not time anything.
pub const DEADLINE: Duration = Duration::from_secs(90);

/// 70,000 characters: beyond a 16-bit format width.
pub fn huge() -> String {
    "W".repeat(70_000)
}

pub const ESC: &str = "ev\u{1b}[2Jil";

pub fn file(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad_inputs")
        .join(name)
        .display()
        .to_string()
}

pub struct Ran {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `cmd`, killing it after [`DEADLINE`].
pub fn run(mut cmd: Command, what: &str) -> Ran {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        out.read_to_end(&mut s).unwrap();
        s
    });
    let ereader = std::thread::spawn(move || {
        let mut s = Vec::new();
        err.read_to_end(&mut s).unwrap();
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > DEADLINE {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{what}: no answer within {DEADLINE:?} (killed)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let ran = Ran {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&reader.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&ereader.join().unwrap()).into_owned(),
    };
    for text in [&ran.stdout, &ran.stderr] {
        assert!(!text.contains("panicked at"), "{what}: {text}");
        assert!(
            !text.chars().any(|c| matches!(c, '\u{1b}' | '\u{7}' | '\0')),
            "{what}: raw control characters in {text:?}"
        );
    }
    assert_ne!(ran.code, 101, "{what}: {}", ran.stderr);
    ran
}

/// A store with products P (TOTP) and H (HOTP), holder h1, location Lobby, token T.
pub fn station() -> Station {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    s.ok(&["product", "add", "H", "--kind", "hotp"]);
    s.ok(&["holder", "add", "h1"]);
    s.ok(&["location", "add", "Lobby"]);
    s.ok_secret(&["token", "add", "T", "--product", "P"], RFC_SEED_B32);
    s
}

/// Runs `args`: exit `code`, a one-line error naming `names`, the store unchanged.
/// A case's `--uri URI` pair is run as the secrets convention requires (a Key URI
/// holds the seed and never goes in argv): `--uri-file` is not used, the URI goes in
/// `TOKENSTATION_URI` and `--uri` is dropped from argv.
pub fn refused(s: &Station, args: &[&str], code: i32, names: &str) {
    let what = format!(
        "{:?}",
        args.iter()
            .map(|a| &a[..a.len().min(40)])
            .collect::<Vec<_>>()
    );
    let before = dump(&s.db());
    let (argv, uri) = match args.iter().position(|a| *a == "--uri") {
        Some(i) if i + 1 < args.len() => {
            let mut v = args.to_vec();
            let uri = v.remove(i + 1);
            v.remove(i);
            (v, Some(uri))
        }
        _ => (args.to_vec(), None),
    };
    let mut cmd = s.std_cmd(&argv);
    if let Some(u) = uri {
        cmd.env("TOKENSTATION_URI", u);
    }
    let r = run(cmd, &what);
    assert_eq!(r.code, code, "{what}: {}", r.stderr);
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{what}: one error line: {}", r.stderr);
    assert!(
        errors[0].chars().count() <= 1100,
        "{what}: {} characters",
        errors[0].len()
    );
    let said = format!("{}{}", r.stdout, r.stderr);
    assert!(
        said.contains(names),
        "{what}: should name {names:?}: {said}"
    );
    assert_eq!(dump(&s.db()), before, "{what}: the store changed");
}
