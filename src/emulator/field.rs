//! The RF field (or card slot) of an emulated reader: what card or tag is present now.
//!
//! Shared between the emulated reader (which talks to the occupant) and whoever taps:
//! a test, `tokenstation emulate`, a burst generator. Every change bumps a generation
//! number and wakes waiters, so adapters react without polling.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

struct State<T> {
    occupant: Option<T>,
    generation: u64,
}

/// A slot holding at most one `T` (a card, a tag).
pub struct Field<T> {
    inner: Arc<(Mutex<State<T>>, Condvar)>,
}

impl<T> Clone for Field<T> {
    fn clone(&self) -> Self {
        Field {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> Default for Field<T> {
    fn default() -> Self {
        Field::empty()
    }
}

impl<T> Field<T> {
    /// An empty field.
    pub fn empty() -> Self {
        Field {
            inner: Arc::new((
                Mutex::new(State {
                    occupant: None,
                    generation: 0,
                }),
                Condvar::new(),
            )),
        }
    }

    /// A field with `occupant` present.
    pub fn with(occupant: T) -> Self {
        let f = Field::empty();
        f.place(occupant);
        f
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A poisoned lock only means a panicking test thread; the state is still usable.
        self.inner.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Puts `occupant` in the field (replacing any), like a tap.
    pub fn place(&self, occupant: T) {
        let mut s = self.lock();
        s.occupant = Some(occupant);
        s.generation += 1;
        self.inner.1.notify_all();
    }

    /// Takes the occupant out, like lifting the card away.
    pub fn take(&self) -> Option<T> {
        let mut s = self.lock();
        let t = s.occupant.take();
        s.generation += 1;
        self.inner.1.notify_all();
        t
    }

    /// Whether something is present.
    pub fn is_occupied(&self) -> bool {
        self.lock().occupant.is_some()
    }

    /// The change counter (bumped by every place/take).
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Runs `f` on the occupant (or `None`), under the lock.
    pub fn with_occupant<R>(&self, f: impl FnOnce(Option<&mut T>) -> R) -> R {
        let mut s = self.lock();
        f(s.occupant.as_mut())
    }

    /// Waits until the generation differs from `seen` or `timeout` passes; returns the
    /// current generation.
    pub fn wait_change(&self, seen: u64, timeout: Duration) -> u64 {
        let deadline = Instant::now() + timeout;
        let mut s = self.lock();
        while s.generation == seen {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            s = match self.inner.1.wait_timeout(s, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
        s.generation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_take_and_wait() {
        let f: Field<u8> = Field::empty();
        let g0 = f.generation();
        let f2 = f.clone();
        let t = std::thread::spawn(move || f2.wait_change(g0, Duration::from_secs(5)));
        f.place(7);
        assert!(t.join().unwrap() > g0);
        assert_eq!(f.with_occupant(|o| o.copied()), Some(7));
        assert_eq!(f.take(), Some(7));
        assert!(!f.is_occupied());
    }
}
