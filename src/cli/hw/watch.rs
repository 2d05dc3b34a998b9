//! `hw watch`: prints the station's hardware watch, reader, card and USB hotplug
//! events as they happen, until Ctrl-C, `--max-events` or `--timeout`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::station::jobs::{JobMsg, Polled};
use crate::station::views::hardware::{self, WatchMsg};

pub(super) fn watch(
    json: bool,
    initial: bool,
    max_events: Option<usize>,
    timeout: Option<Duration>,
) -> anyhow::Result<ExitCode> {
    let job = hardware::watch(initial)?;
    super::super::interrupt::cancel_on_ctrl_c(&job.cancel_token());
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut seen = 0usize;
    loop {
        let wait = deadline.map_or(Duration::from_millis(500), |d| {
            d.saturating_duration_since(Instant::now())
                .min(Duration::from_millis(500))
        });
        match job.next_timeout(wait) {
            Polled::Ended => break,
            Polled::Nothing => {}
            Polled::Msg(JobMsg::Event(WatchMsg::Event(e))) => {
                if json {
                    outln!("{}", serde_json::to_string(&e)?)?;
                } else {
                    outln!("{e}")?;
                }
                seen += 1;
                if max_events.is_some_and(|m| seen >= m) {
                    break;
                }
            }
            Polled::Msg(JobMsg::Event(WatchMsg::Problem(p))) => errln!("{p}"),
            Polled::Msg(JobMsg::Ask { .. }) => {}
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
    }
    job.cancel();
    if job.join()? == 0 {
        errln!("nothing to watch: neither pcscd nor USB hotplug is available");
        return Ok(ExitCode::from(crate::cli::EXIT_HARDWARE));
    }
    Ok(ExitCode::SUCCESS)
}
