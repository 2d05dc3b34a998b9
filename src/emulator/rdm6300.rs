//! Family `rdm6300`, device side: a 125 kHz reader that pushes a 14-byte frame again
//! and again while a tag is in its field (reader-protocols.md §3,
//! firmware-protocols/rdm6300.md). It never reads from the host.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::field::Field;
use super::serial::VirtualSerialDevice;
use crate::devices::rdm6300::protocol::{self, Tag};

/// The field of an emulated RDM6300.
pub type TagField = Field<Tag>;

/// Interval between repeated frames of a held tag. The research notes give no figure
/// for the module; hosts fold repeats closer than 220 ms into one tap, so the default
/// is well inside that.
pub const DEFAULT_REPEAT: Duration = Duration::from_millis(100);

/// A queue of scripted taps: each tag is presented briefly (a few frames back to
/// back) and then leaves, the next one right after. For bursts of many taps faster
/// than a test could place and take tags.
#[derive(Debug, Clone, Default)]
pub struct TagBurst(Arc<Mutex<VecDeque<Tag>>>);

impl TagBurst {
    /// An empty queue.
    pub fn new() -> Self {
        TagBurst::default()
    }

    /// Queues taps of these tags, in order.
    pub fn push_all(&self, tags: impl IntoIterator<Item = Tag>) {
        if let Ok(mut q) = self.0.lock() {
            q.extend(tags);
        }
    }

    /// Taps not presented yet.
    pub fn pending(&self) -> usize {
        self.0.lock().map(|q| q.len()).unwrap_or(0)
    }

    fn pop(&self) -> Option<Tag> {
        self.0.lock().ok().and_then(|mut q| q.pop_front())
    }

    fn is_empty(&self) -> bool {
        self.pending() == 0
    }
}

/// Frames sent for one scripted tap (the module repeats a held tag; the host folds).
pub const BURST_FRAMES: usize = 2;

/// An emulated RDM6300.
pub struct Rdm6300Emulator {
    field: TagField,
    repeat: Duration,
    next: Option<Instant>,
    seen_generation: u64,
    burst: TagBurst,
    burst_gap: Duration,
    next_burst: Option<Instant>,
    noise: VecDeque<Vec<u8>>,
    cut_next: Option<usize>,
}

impl Rdm6300Emulator {
    /// A reader whose field is `field`, repeating every [`DEFAULT_REPEAT`].
    pub fn new(field: TagField) -> Self {
        Rdm6300Emulator {
            field,
            repeat: DEFAULT_REPEAT,
            next: None,
            seen_generation: u64::MAX,
            burst: TagBurst::new(),
            burst_gap: Duration::from_millis(3),
            next_burst: None,
            noise: VecDeque::new(),
            cut_next: None,
        }
    }

    /// Line noise: `bytes` go out at the next poll, before anything else (the UART
    /// garbage of a module powering up; reader-protocols.md §3: hosts resynchronise by
    /// dropping bytes until `02`).
    pub fn line_noise(&mut self, bytes: &[u8]) {
        self.noise.push_back(bytes.to_vec());
    }

    /// The next frame stops after `n` bytes (a tag leaving the field mid-frame); the
    /// one after it is whole again.
    pub fn cut_next_frame(&mut self, n: usize) {
        self.cut_next = Some(n);
    }

    /// Presents the taps queued in `burst` (one every `gap`), besides the field.
    pub fn with_burst(mut self, burst: TagBurst, gap: Duration) -> Self {
        self.burst = burst;
        self.burst_gap = gap;
        self
    }

    /// Changes the repeat interval.
    pub fn repeat_every(mut self, repeat: Duration) -> Self {
        self.repeat = repeat;
        self
    }
}

impl VirtualSerialDevice for Rdm6300Emulator {
    fn receive(&mut self, _bytes: &[u8], _now: Instant) -> Vec<Vec<u8>> {
        // Transmit-only: whatever the host sends is lost.
        Vec::new()
    }

    fn poll(&mut self, now: Instant) -> Vec<Vec<u8>> {
        if let Some(noise) = self.noise.pop_front() {
            return vec![noise];
        }
        if self.next_burst.is_none_or(|t| t <= now)
            && let Some(tag) = self.burst.pop()
        {
            self.next_burst = Some(now + self.burst_gap);
            let frame = protocol::encode(&tag).to_vec();
            return vec![frame; BURST_FRAMES];
        }
        let generation = self.field.generation();
        if generation != self.seen_generation {
            // A new tap (or a removal): send at once, then repeat.
            self.seen_generation = generation;
            self.next = Some(now);
        }
        let Some(tag) = self.field.with_occupant(|t| t.copied()) else {
            self.next = None;
            return Vec::new();
        };
        match self.next {
            Some(due) if due <= now => {
                let mut frame = protocol::encode(&tag).to_vec();
                match self.cut_next.take() {
                    // cut short: the whole frame follows at once, not a repeat later
                    Some(n) => {
                        frame.truncate(n);
                        self.next = Some(now);
                    }
                    None => self.next = Some(now + self.repeat),
                }
                vec![frame]
            }
            _ => Vec::new(),
        }
    }

    fn next_wakeup(&self, now: Instant) -> Option<Instant> {
        if !self.burst.is_empty() || !self.noise.is_empty() {
            return Some(self.next_burst.unwrap_or(now));
        }
        self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_while_held_and_stops_when_taken() {
        let field = Field::empty();
        let mut e = Rdm6300Emulator::new(field.clone());
        let t0 = Instant::now();
        assert!(e.poll(t0).is_empty());
        let tag = Tag {
            version: 0x0A,
            id: 0x00B1_C2D3,
        };
        field.place(tag);
        assert_eq!(e.poll(t0), vec![protocol::encode(&tag).to_vec()]);
        assert!(e.poll(t0 + Duration::from_millis(50)).is_empty());
        assert_eq!(e.poll(t0 + Duration::from_millis(100)).len(), 1);
        field.take();
        assert!(e.poll(t0 + Duration::from_millis(300)).is_empty());
        assert!(e.receive(b"hello", t0).is_empty());
    }
}
