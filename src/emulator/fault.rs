//! Fault injection: what a misbehaving device, cable or card does to the next frame.
//!
//! A [`Faults`] queue is shared between the test (which pushes) and an adapter (which
//! takes one fault per frame it delivers).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// One fault, applied to the next frame the device would send.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The frame goes out unchanged (to aim the next fault at a later frame).
    Pass,
    /// The card leaves the field while the command runs: no answer, card gone.
    RemoveCard,
    /// The frame is replaced by these bytes.
    Garbage(Vec<u8>),
    /// Only the first `n` bytes of the frame are sent.
    Truncate(usize),
    /// The byte `from_end` positions before the end (1 = last) is XORed with `xor`
    /// (e.g. a checksum byte).
    Corrupt {
        /// Position counted from the end, 1-based.
        from_end: usize,
        /// XOR mask.
        xor: u8,
    },
    /// The frame is not sent at all (the host times out).
    Silence,
    /// The device goes away (unplugged): the link closes.
    Disconnect,
}

impl Fault {
    /// Applies a frame-shaping fault to `frame`. `None` means nothing is sent;
    /// [`Fault::RemoveCard`] and [`Fault::Disconnect`] are the adapter's to handle and
    /// leave the frame unsent here.
    pub fn apply(&self, frame: Vec<u8>) -> Option<Vec<u8>> {
        match self {
            Fault::Pass => Some(frame),
            Fault::Garbage(g) => Some(g.clone()),
            Fault::Truncate(n) => Some(frame.into_iter().take(*n).collect()),
            Fault::Corrupt { from_end, xor } => {
                let mut f = frame;
                let len = f.len();
                if *from_end >= 1
                    && *from_end <= len
                    && let Some(b) = f.get_mut(len - from_end)
                {
                    *b ^= xor;
                }
                Some(f)
            }
            Fault::Silence | Fault::RemoveCard | Fault::Disconnect => None,
        }
    }
}

/// A shared queue of faults.
#[derive(Debug, Clone, Default)]
pub struct Faults(Arc<Mutex<VecDeque<Fault>>>);

impl Faults {
    /// An empty queue.
    pub fn new() -> Self {
        Faults::default()
    }

    /// Queues a fault for a coming frame.
    pub fn push(&self, fault: Fault) {
        if let Ok(mut q) = self.0.lock() {
            q.push_back(fault);
        }
    }

    /// Takes the fault for the frame about to be sent, if any.
    pub fn take(&self) -> Option<Fault> {
        self.0.lock().ok().and_then(|mut q| q.pop_front())
    }

    /// Whether a [`Fault::Disconnect`] is queued next (adapters check this between frames).
    pub fn disconnect_pending(&self) -> bool {
        self.0
            .lock()
            .map(|q| q.front() == Some(&Fault::Disconnect))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_shape_frames() {
        assert_eq!(Fault::Truncate(2).apply(vec![1, 2, 3]), Some(vec![1, 2]));
        assert_eq!(
            Fault::Corrupt {
                from_end: 2,
                xor: 0xFF
            }
            .apply(vec![1, 2, 3]),
            Some(vec![1, 0xFD, 3])
        );
        assert_eq!(
            Fault::Corrupt {
                from_end: 9,
                xor: 1
            }
            .apply(vec![1]),
            Some(vec![1])
        );
        assert_eq!(Fault::Silence.apply(vec![1]), None);
        let q = Faults::new();
        q.push(Fault::Disconnect);
        assert!(q.disconnect_pending());
        assert_eq!(q.take(), Some(Fault::Disconnect));
        assert_eq!(q.take(), None);
    }
}
