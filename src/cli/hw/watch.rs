//! `hw watch`: reader, card and USB hotplug events as they happen, until Ctrl-C.

use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::transport::discovery::HwEvent;

#[allow(dead_code)] // Event/Problem come only from backend features
enum Msg {
    Event(HwEvent),
    Problem(String),
    Stop,
}

pub(super) fn watch(
    json: bool,
    initial: bool,
    max_events: Option<usize>,
    timeout: Option<Duration>,
) -> anyhow::Result<ExitCode> {
    let (tx, rx) = mpsc::channel::<Msg>();
    #[allow(unused_mut)]
    let mut sources = 0;

    #[cfg(feature = "pcsc")]
    let pcsc_cancel = match crate::transport::pcsc::PcscContext::establish() {
        Ok(ctx) => {
            sources += 1;
            let cancel = ctx.canceller();
            let tx = tx.clone();
            std::thread::spawn(move || {
                let r = ctx.watch(initial, |e| tx.send(Msg::Event(e)).is_ok());
                if let Err(e) = r {
                    let _ = tx.send(Msg::Problem(format!("PC/SC watch ended: {e}")));
                }
            });
            Some(cancel)
        }
        Err(e) => {
            eprintln!("PC/SC: {e}");
            None
        }
    };

    #[cfg(feature = "usb")]
    let _usb = {
        let (etx, erx) = mpsc::channel::<HwEvent>();
        let fwd = tx.clone();
        std::thread::spawn(move || {
            for e in erx {
                if fwd.send(Msg::Event(e)).is_err() {
                    break;
                }
            }
        });
        match crate::transport::usb::watch(etx) {
            Ok(w) => {
                sources += 1;
                Some(w)
            }
            Err(e) => {
                eprintln!("USB hotplug: {e}");
                None
            }
        }
    };

    if sources == 0 {
        eprintln!("nothing to watch: neither pcscd nor USB hotplug is available");
        return Ok(ExitCode::from(crate::cli::EXIT_HARDWARE));
    }
    let stop = tx.clone();
    ctrlc::set_handler(move || {
        let _ = stop.send(Msg::Stop);
    })?;
    let _ = initial;

    let deadline = timeout.map(|t| Instant::now() + t);
    let mut seen = 0usize;
    loop {
        let msg = match deadline {
            Some(d) => match rx.recv_timeout(d.saturating_duration_since(Instant::now())) {
                Ok(m) => m,
                Err(_) => break,
            },
            None => match rx.recv() {
                Ok(m) => m,
                Err(_) => break,
            },
        };
        match msg {
            Msg::Event(e) => {
                if json {
                    println!("{}", serde_json::to_string(&e)?);
                } else {
                    println!("{e}");
                }
                seen += 1;
                if max_events.is_some_and(|m| seen >= m) {
                    break;
                }
            }
            Msg::Problem(p) => eprintln!("{p}"),
            Msg::Stop => break,
        }
    }
    #[cfg(feature = "pcsc")]
    if let Some(c) = pcsc_cancel {
        c.cancel();
    }
    Ok(ExitCode::SUCCESS)
}
