//! Long work as jobs (design.md §3): a job runs on a worker thread, emits typed events
//! over a channel, stops when its [`CancelToken`] is cancelled, and asks for input (a
//! typed code, a PIN, a password, a confirmation) with a request on the same channel
//! that the face answers on a reply channel. Burns, batch burns, imports and kiosks
//! run this way; the CLI renders the events on a terminal, a TUI in widgets, tests
//! with no terminal at all.
//!
//! The face's side: [`Job::spawn`] starts the work, [`Job::next`] (or
//! [`Job::run`]) takes messages until the worker ends, [`Job::cancel`] stops it,
//! [`Job::join`] returns its result. The worker's side: a [`JobCtx`] to
//! [`emit`](JobCtx::emit), [`ask`](JobCtx::ask) and check for cancellation.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use zeroize::Zeroizing;

use super::{Result, StationError};
use crate::devices::session::Credential;

/// Stops a job (and its helper threads): cancelling is sticky and wakes whoever
/// registered with [`CancelToken::on_cancel`]. Clones share the token.
#[derive(Clone, Default)]
pub struct CancelToken(Arc<CancelInner>);

#[derive(Default)]
struct CancelInner {
    cancelled: AtomicBool,
    wakers: Mutex<Vec<Box<dyn Fn() + Send>>>,
}

impl CancelToken {
    /// A token not cancelled yet.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Cancels: the job stops at its next check, waiting threads are woken.
    pub fn cancel(&self) {
        if !self.0.cancelled.swap(true, Ordering::SeqCst)
            && let Ok(mut wakers) = self.0.wakers.lock()
        {
            for w in wakers.drain(..) {
                w();
            }
        }
    }

    /// Whether the token was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// `Err(Interrupted)` once cancelled.
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(StationError::Interrupted)
        } else {
            Ok(())
        }
    }

    /// Runs `wake` when the token is cancelled (at once if it already is), e.g. to
    /// send a stop message to a loop blocked on a channel.
    pub fn on_cancel(&self, wake: impl Fn() + Send + 'static) {
        let Ok(mut wakers) = self.0.wakers.lock() else {
            return;
        };
        // Checked under the lock `cancel` takes after setting the flag: either the
        // waker is registered before `cancel` runs them, or it runs here.
        if self.is_cancelled() {
            drop(wakers);
            wake();
        } else {
            wakers.push(Box::new(wake));
        }
    }
}

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CancelToken({})", self.is_cancelled())
    }
}

/// What a job asks the person in front of the face.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// The code a token shows (a typed proof).
    Code {
        /// The token.
        serial: String,
        /// Expected length.
        digits: u8,
    },
    /// The code a token shows, asked again after a typed code that was not it (a typed
    /// proof allows [`TYPED_PROOF_TRIES`] tries).
    CodeAgain {
        /// The token.
        serial: String,
        /// Expected length.
        digits: u8,
        /// What was wrong with the last entry.
        problem: CodeProblem,
        /// Tries left, this one included.
        tries_left: u8,
    },
    /// The code after the one just typed (a resync's second code): wait for the token
    /// to show the next one.
    NextCode {
        /// The token.
        serial: String,
        /// Expected length.
        digits: u8,
    },
    /// A secret a device needs (admin PIN, access code).
    Secret {
        /// The device.
        device: String,
        /// Which secret.
        credential: Credential,
    },
    /// The password of a protected seed file.
    FilePassword {
        /// The file.
        file: String,
    },
    /// A yes/no question before something that cannot be undone.
    Confirm {
        /// What would happen.
        action: String,
    },
    /// Yes or no before sending a key to a device that said it has `tries_left` tries
    /// left (a wrong key at 1 locks it for good). Asked only of a person at a
    /// terminal, never read from a pipe: scripts decide beforehand (`--yes`).
    LastKeyTry {
        /// The device, e.g. `Molto2 M2V2000777`.
        device: String,
        /// The tries it last reported.
        tries_left: u8,
    },
}

/// How many codes a technician may type to prove a burn.
pub const TYPED_PROOF_TRIES: u8 = 3;

/// What was wrong with a typed code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeProblem {
    /// Not `digits` decimal digits (a short entry, a letter).
    NotDigits,
    /// The right shape, but not the token's code.
    Mismatch,
}

impl Ask {
    /// Whether the answer is a secret (read without echo, never logged).
    pub fn is_secret(&self) -> bool {
        matches!(self, Ask::Secret { .. } | Ask::FilePassword { .. })
    }
}

/// The face's answer to an [`Ask`].
#[derive(Debug)]
pub enum Answer {
    /// Text typed (a code, a PIN, a password), zeroized on drop.
    Text(Zeroizing<String>),
    /// Yes or no.
    Confirmed(bool),
    /// Nobody can answer (no terminal, end of input): the job goes on without.
    Unavailable,
}

impl Answer {
    /// The text, if text was given.
    pub fn text(self) -> Option<Zeroizing<String>> {
        match self {
            Answer::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// One message from a job.
#[derive(Debug)]
pub enum JobMsg<E> {
    /// Progress or a result along the way.
    Event(E),
    /// A question; send the answer on `reply` (dropping it answers
    /// [`Answer::Unavailable`]).
    Ask {
        /// The question.
        ask: Ask,
        /// Where the answer goes.
        reply: Sender<Answer>,
    },
}

/// Something that can answer a job's questions: the job's channel, or a test's
/// script.
pub trait Asker {
    /// Asks and waits for the answer (`Err(Interrupted)` when cancelled meanwhile).
    fn ask(&mut self, ask: Ask) -> Result<Answer>;

    /// Hears that a use case starts `step` (a burn's `detect`, `register`, `clock`,
    /// `write`, `prove`, `activate`), so a face can show where a failure happened.
    /// Default: nothing.
    fn step(&mut self, _step: &'static str) {}
}

/// An [`Asker`] from a closure (tests, in-process demos).
pub struct AskWith<F>(pub F);

impl<F: FnMut(Ask) -> Answer> Asker for AskWith<F> {
    fn ask(&mut self, ask: Ask) -> Result<Answer> {
        Ok((self.0)(ask))
    }
}

/// The worker's side of a job.
pub struct JobCtx<E> {
    tx: Sender<JobMsg<E>>,
    cancel: CancelToken,
}

impl<E> JobCtx<E> {
    /// Sends an event to the face (dropped when the face stopped listening).
    pub fn emit(&self, e: E) {
        let _ = self.tx.send(JobMsg::Event(e));
    }

    /// The job's cancellation token.
    pub fn cancel_token(&self) -> &CancelToken {
        &self.cancel
    }

    /// `Err(Interrupted)` once the job is cancelled.
    pub fn check(&self) -> Result<()> {
        self.cancel.check()
    }

    /// Asks the face and waits for the answer, checking for cancellation meanwhile.
    pub fn ask(&self, ask: Ask) -> Result<Answer> {
        let (reply, answer) = mpsc::channel();
        if self.tx.send(JobMsg::Ask { ask, reply }).is_err() {
            return Ok(Answer::Unavailable);
        }
        loop {
            self.check()?;
            match answer.recv_timeout(Duration::from_millis(100)) {
                Ok(a) => return Ok(a),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(Answer::Unavailable),
            }
        }
    }
}

impl<E> Asker for &JobCtx<E> {
    fn ask(&mut self, ask: Ask) -> Result<Answer> {
        JobCtx::ask(self, ask)
    }
}

/// What [`Job::next_timeout`] found.
#[derive(Debug)]
pub enum Polled<E> {
    /// A message.
    Msg(JobMsg<E>),
    /// Nothing in time.
    Nothing,
    /// The worker has ended.
    Ended,
}

/// The face's side of a running job with events `E` and result `R`.
pub struct Job<E, R> {
    rx: Receiver<JobMsg<E>>,
    cancel: CancelToken,
    handle: JoinHandle<R>,
}

impl<E: Send + 'static, R: Send + 'static> Job<E, R> {
    /// Starts `work` on a worker thread named `name`.
    pub fn spawn(
        name: &str,
        work: impl FnOnce(&JobCtx<E>) -> R + Send + 'static,
    ) -> std::io::Result<Job<E, R>> {
        Job::spawn_with(name, CancelToken::new(), work)
    }

    /// Like [`Job::spawn`], with a token the caller already holds (to share it with
    /// helper threads).
    pub fn spawn_with(
        name: &str,
        cancel: CancelToken,
        work: impl FnOnce(&JobCtx<E>) -> R + Send + 'static,
    ) -> std::io::Result<Job<E, R>> {
        let (tx, rx) = mpsc::channel();
        let ctx = JobCtx {
            tx,
            cancel: cancel.clone(),
        };
        let handle = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || work(&ctx))?;
        Ok(Job { rx, cancel, handle })
    }
}

impl<E, R> Job<E, R> {
    /// The job's cancellation token (give it to a Ctrl-C handler).
    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// Cancels the job.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// The next message; `None` once the worker has ended.
    pub fn next(&self) -> Option<JobMsg<E>> {
        self.rx.recv().ok()
    }

    /// The next message within `timeout` (for faces that also keep time).
    pub fn next_timeout(&self, timeout: Duration) -> Polled<E> {
        match self.rx.recv_timeout(timeout) {
            Ok(m) => Polled::Msg(m),
            Err(RecvTimeoutError::Timeout) => Polled::Nothing,
            Err(RecvTimeoutError::Disconnected) => Polled::Ended,
        }
    }

    /// Waits for the worker and returns its result (a panic in the worker is
    /// [`StationError::Internal`]).
    pub fn join(self) -> Result<R> {
        drop(self.rx);
        self.handle
            .join()
            .map_err(|_| StationError::Internal("a job's worker thread panicked".into()))
    }

    /// Hands every message to `on` until the worker ends, then returns its result.
    pub fn run(self, mut on: impl FnMut(JobMsg<E>)) -> Result<R> {
        while let Some(m) = self.next() {
            on(m);
        }
        self.join()
    }
}

/// A station moves to a job's worker thread: it must stay `Send`.
#[allow(dead_code)]
fn station_is_send() {
    fn send<T: Send>() {}
    send::<super::Station>();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_questions_and_results() {
        let job = Job::spawn("t", |ctx: &JobCtx<u32>| -> Result<String> {
            ctx.emit(1);
            let a = ctx.ask(Ask::Code {
                serial: "T1".into(),
                digits: 6,
            })?;
            ctx.emit(2);
            Ok(a.text().map(|t| t.to_string()).unwrap_or_default())
        })
        .unwrap();
        let mut events = Vec::new();
        let out = job
            .run(|m| match m {
                JobMsg::Event(e) => events.push(e),
                JobMsg::Ask { reply, .. } => {
                    let _ = reply.send(Answer::Text(Zeroizing::new("123456".into())));
                }
            })
            .unwrap();
        assert_eq!((events, out.unwrap()), (vec![1, 2], "123456".to_string()));
    }

    #[test]
    fn cancel_interrupts_a_question_nobody_answers() {
        let job = Job::spawn("t", |ctx: &JobCtx<()>| {
            ctx.ask(Ask::Confirm { action: "x".into() }).map(|_| ())
        })
        .unwrap();
        let first = job.next();
        assert!(matches!(first, Some(JobMsg::Ask { .. })));
        job.cancel();
        // the question is still unanswered (its reply sender is alive here)
        let r = job.join().unwrap();
        assert!(matches!(r, Err(StationError::Interrupted)), "{r:?}");
        drop(first);
    }

    #[test]
    fn on_cancel_wakes_once_and_late_registrations_run_at_once() {
        let t = CancelToken::new();
        let hits = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let h = Arc::clone(&hits);
        t.on_cancel(move || {
            h.fetch_add(1, Ordering::SeqCst);
        });
        t.cancel();
        t.cancel();
        let h = Arc::clone(&hits);
        t.on_cancel(move || {
            h.fetch_add(10, Ordering::SeqCst);
        });
        assert_eq!(hits.load(Ordering::SeqCst), 11);
        assert!(t.check().is_err());
    }
}
