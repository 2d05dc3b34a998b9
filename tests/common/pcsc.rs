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

/// How long a card takes to appear in or leave a vpcd reader at most.
pub const WAIT: Option<std::time::Duration> = Some(std::time::Duration::from_secs(10));

/// Serves `card` on the vpcd `port` and waits until pcscd sees it; the faults queue
/// shapes the card's answers.
pub fn insert_card(
    ctx: &PcscContext,
    port: u16,
    card: impl tokenstation::emulator::VirtualCard + 'static,
) -> (
    tokenstation::emulator::vpcd::CardField,
    tokenstation::emulator::fault::Faults,
    tokenstation::emulator::vpcd::VpcdBridge,
) {
    use tokenstation::emulator::VirtualCard;
    use tokenstation::transport::pcsc::CardWait;
    let field = tokenstation::emulator::field::Field::with(Box::new(card) as Box<dyn VirtualCard>);
    let faults = tokenstation::emulator::fault::Faults::new();
    let bridge =
        tokenstation::emulator::vpcd::VpcdBridge::spawn(port, field.clone(), faults.clone());
    let reader = bridge.reader_name();
    match ctx.wait_for(&reader, true, WAIT) {
        Ok(CardWait::Present(_)) => {}
        other => panic!(
            "card did not appear in {reader}: {other:?}, bridge error {:?}",
            bridge.last_error()
        ),
    }
    (field, faults, bridge)
}

/// Takes the card out and waits until pcscd sees the reader empty.
pub fn remove_card(
    ctx: &PcscContext,
    field: &tokenstation::emulator::vpcd::CardField,
    bridge: tokenstation::emulator::vpcd::VpcdBridge,
) {
    let reader = bridge.reader_name();
    field.take();
    assert_eq!(
        ctx.wait_for(&reader, false, WAIT).unwrap(),
        tokenstation::transport::pcsc::CardWait::Empty
    );
    bridge.stop();
}
