//! `tokenstation kiosk`: a location's presence station. Reader threads and the
//! terminal feed one loop; each tap or typed line is decided and committed before its
//! line is printed (one line per event on stdout; `--json`: one JSON object per line).

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context as _;

use super::Ctx;
use crate::devices::presence::{ReaderSpec, open_reader};
use crate::station::StationError;
use crate::station::presence::Mode;
use crate::station::presence::kiosk::{Kiosk, KioskInput, now_ms, spawn_reader};

/// Options of `tokenstation kiosk`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Readers (SPEC): pcsc:READER-NAME, pn532:/dev/PATH, rdm6300:/dev/PATH, hid:/dev/hidrawN.\n\
Without --reader the location's configured readers are used (`location readers L --add SPEC`).\n\n\
Typed lines (from this terminal, or a keyboard-wedge reader), one per Enter:\n  \
  SERIAL CODE        a code from token SERIAL (names its holder)\n  \
  CODE               a code, after tapping a card or tag (within 30 s)\n  \
  in ... / out ...   force the direction, e.g. `out C302-0001 123456`\n\
CODE is 6 to 10 digits (or a backup code). A wedge reader's 10-digit line is first\n\
taken as a tag id (0011649747) when such a tag is enrolled.\n\n\
What a location requires (`location mode L MODE`): card (a tap), code (SERIAL CODE,\n\
or a tap then CODE), card+code (a tap, then CODE from the same holder's token).\n\
Taps toggle in/out. Refused: unknown credentials, an explicit `in` while in, any event\n\
sooner than the minimum interval; repeated taps within the fold interval are folded.\n\n\
Output: one line per committed event (`OK #id IN ...` / `NO #id refused: ...`), shown\n\
only after the event is in the store; prompts start with `?`, notes with `=`, `--`, `!!`.\n\
Example with an emulated reader:\n  \
  tokenstation emulate --rdm6300 0A00B1C2D3 --tap-every 5     # prints /dev/pts/N\n  \
  tokenstation kiosk --location Lobby --reader rdm6300:/dev/pts/N"
)]
pub struct KioskArgs {
    /// The location this kiosk stands at.
    #[arg(long)]
    pub location: String,
    /// A reader to listen to (repeat for more); default: the location's readers.
    #[arg(long = "reader", value_name = "SPEC")]
    pub readers: Vec<String>,
    /// Do not read typed lines from standard input.
    #[arg(long)]
    pub no_stdin: bool,
    /// Stop by itself after SECONDS (for scripts); default: until Ctrl-C.
    #[arg(long = "for", value_name = "SECONDS")]
    pub run_for: Option<f64>,
}

/// Runs `tokenstation kiosk`.
pub fn run(ctx: &Ctx, a: KioskArgs) -> anyhow::Result<ExitCode> {
    let mut st = ctx.open()?;
    let (configured, settings) = st.location_presence(&a.location)?;
    let mode: Mode = settings.mode.parse()?;
    if mode != Mode::Card {
        st = ctx.open_unlocked()?;
    }
    st.durable()?;
    let specs = if a.readers.is_empty() {
        configured
    } else {
        a.readers.clone()
    };
    let specs = specs
        .iter()
        .map(|s| s.parse::<ReaderSpec>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StationError::Input(e.to_string()))?;
    if specs.is_empty() && a.no_stdin {
        return Err(StationError::Input(format!(
            "nothing to listen to: give --reader SPEC, configure `location readers {} --add SPEC`, or drop --no-stdin",
            a.location
        ))
        .into());
    }

    let (tx, rx) = mpsc::channel::<KioskInput>();
    let stop = Arc::new(AtomicBool::new(false));
    {
        let tx = tx.clone();
        let stop = Arc::clone(&stop);
        ctrlc::set_handler(move || {
            stop.store(true, Ordering::SeqCst);
            let _ = tx.send(KioskInput::Stop);
        })
        .context("installing the Ctrl-C handler")?;
    }
    let mut threads = Vec::new();
    for spec in &specs {
        let s = spec.clone();
        threads.push(spawn_reader(
            spec.to_string(),
            move || open_reader(&s),
            tx.clone(),
            Arc::clone(&stop),
            Duration::from_secs(2),
        )?);
    }
    if !a.no_stdin {
        let tx = tx.clone();
        let alone = specs.is_empty();
        std::thread::Builder::new()
            .name("stdin".into())
            .spawn(move || {
                for line in std::io::stdin().lock().lines() {
                    let Ok(text) = line else { break };
                    let input = KioskInput::Line {
                        text,
                        source: "stdin".into(),
                        at_ms: now_ms(),
                    };
                    if tx.send(input).is_err() {
                        return;
                    }
                }
                if alone {
                    let _ = tx.send(KioskInput::Stop);
                }
            })?;
    }
    if let Some(secs) = a.run_for {
        let tx = tx.clone();
        let d = Duration::from_secs_f64(secs.max(0.0));
        std::thread::Builder::new()
            .name("timer".into())
            .spawn(move || {
                std::thread::sleep(d);
                let _ = tx.send(KioskInput::Stop);
            })?;
    }
    drop(tx);

    eprintln!(
        "kiosk {}: mode {}; readers: {}; type SERIAL CODE (or CODE after a tap) and Enter; Ctrl-C to stop",
        a.location,
        mode.as_str(),
        if specs.is_empty() {
            "none".to_string()
        } else {
            specs
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    let json = ctx.json;
    let mut kiosk = Kiosk::new(&mut st, &a.location)?;
    let stdout = std::io::stdout();
    kiosk.run(&rx, |line| {
        let mut out = stdout.lock();
        let text = if json {
            serde_json::to_string(line).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
        } else {
            line.message.clone()
        };
        // The event is committed already; a closed stdout must not stop the kiosk.
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    });
    stop.store(true, Ordering::SeqCst);
    for t in threads {
        let _ = t.join();
    }
    Ok(ExitCode::SUCCESS)
}
