//! The real-pcscd test stack, shared by every PC/SC test binary: the vpcd slots of the
//! machine's one pcscd are taken under a process lock and a machine-wide file lock
//! (other test binaries, other checkouts), and a missing stack FAILS under `CI=true`
//! and is skipped with a loud message elsewhere.

use std::io::Write;
use std::sync::{Mutex, MutexGuard};

use tokenstation::transport::pcsc::PcscContext;

static SLOTS: Mutex<()> = Mutex::new(());

/// Holds the vpcd slots while alive.
pub struct Slots {
    _thread: MutexGuard<'static, ()>,
    _machine: std::fs::File,
}

fn machine_lock() -> std::fs::File {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::env::temp_dir().join("tokenstation-vpcd.lock"))
        .unwrap();
    f.lock().unwrap();
    f
}

/// The pcscd context with `reader` present, or `None` (skip) outside CI when the stack
/// is missing.
pub fn stack(reader: &str) -> Option<(Slots, PcscContext)> {
    let slots = Slots {
        _thread: SLOTS.lock().unwrap_or_else(|p| p.into_inner()),
        _machine: machine_lock(),
    };
    let problem = match PcscContext::establish() {
        Err(e) => format!("{e}"),
        Ok(ctx) => match ctx.reader_names() {
            Ok(names) if names.iter().any(|n| n == reader) => return Some((slots, ctx)),
            Ok(names) => format!(
                "pcscd runs but has no \"{reader}\" reader (readers: {names:?}); install vsmartcard-vpcd and restart pcscd"
            ),
            Err(e) => format!("{e}"),
        },
    };
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and the PC/SC test stack is missing: {problem} (run `make deps pcscd`)");
    }
    // Written past libtest's output capture, so the skip is seen even when tests pass.
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!! SKIPPED: PC/SC stack missing: {problem}\n!!!! run `make deps pcscd` to test against the real pcscd\n"
    );
    None
}
