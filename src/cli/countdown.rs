//! A countdown on the terminal while a burn waits for a token (issue 12): one line on
//! standard error, rewritten each second — "present a token on READER… 27 s (Ctrl-C to
//! stop)" — until the token is found, a question is asked, or the job ends. Off a
//! terminal the caller prints its one line instead.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the line is redrawn (the seconds shown change once a second).
const REDRAW: Duration = Duration::from_millis(200);

/// A running countdown; it stops (and clears its line) on [`Countdown::stop`] or drop.
pub struct Countdown {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Countdown {
    /// Starts counting `wait` down after `text`, on standard error.
    pub fn start(text: String, wait: Duration) -> Countdown {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let start = Instant::now();
        let thread = std::thread::Builder::new()
            .name("countdown".into())
            .spawn(move || {
                let mut err = std::io::stderr();
                let mut shown = None;
                while !flag.load(Ordering::Acquire) {
                    let left = wait.saturating_sub(start.elapsed());
                    if left.is_zero() {
                        break;
                    }
                    // Whole seconds left, rounded up: 30 s first, 1 s last.
                    let secs = left.as_millis().div_ceil(1000);
                    if shown != Some(secs) {
                        shown = Some(secs);
                        let _ = write!(err, "\r\x1b[2K{text} {secs} s (Ctrl-C to stop)");
                        let _ = err.flush();
                    }
                    std::thread::sleep(REDRAW.min(left));
                }
            })
            .ok();
        Countdown { stop, thread }
    }

    /// Stops the countdown and clears its line (idempotent).
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
            let mut err = std::io::stderr();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

impl Drop for Countdown {
    fn drop(&mut self) {
        self.stop();
    }
}
