//! An RDM6300 as a [`PresenceReader`] (reader-protocols.md §3): the module repeats the
//! frame of a held tag; frames of the same tag less than [`FOLD`] apart are one tap,
//! and the tag counts as gone after [`FOLD`] of silence (then it may tap again).
//! Bad frames are skipped (the driver resynchronises on `02`).

use std::time::{Duration, Instant};

use super::driver::Rdm6300;
use super::protocol::Tag;
use crate::devices::{DeviceError, PresenceReader, Tap, TapKind, Uid};
use crate::transport::SerialLink;

/// Frames of one tag closer than this are the same presentation (arduino12/rdm6300
/// uses 220 ms; the facts advise 250–500 ms for "tag gone").
pub const FOLD: Duration = Duration::from_millis(250);

/// An RDM6300 presence reader.
pub struct Rdm6300Presence<L: SerialLink> {
    rdm: Rdm6300<L>,
    name: String,
    held: Option<(Tag, Instant)>,
    fold: Duration,
}

impl<L: SerialLink> Rdm6300Presence<L> {
    /// Wraps a link opened at 9600 baud; `name` is the reader name in taps.
    pub fn new(link: L, name: &str) -> Result<Self, DeviceError> {
        Ok(Rdm6300Presence {
            rdm: Rdm6300::new(link)?,
            name: name.to_string(),
            held: None,
            fold: FOLD,
        })
    }

    /// The tag in the field now (seen less than the fold interval ago).
    pub fn held(&self) -> Option<Tag> {
        self.held
            .filter(|(_, last)| last.elapsed() <= self.fold)
            .map(|(t, _)| t)
    }
}

impl<L: SerialLink> PresenceReader for Rdm6300Presence<L> {
    fn wait_tap(&mut self, timeout: Duration) -> Result<Option<Tap>, DeviceError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = self.rdm.read_tag(left.min(self.fold))?;
            let now = Instant::now();
            match frame {
                Some(tag) => {
                    let repeat = self
                        .held
                        .is_some_and(|(t, last)| t == tag && now.duration_since(last) <= self.fold);
                    self.held = Some((tag, now));
                    if !repeat {
                        return Ok(Some(Tap {
                            reader: self.name.clone(),
                            kind: TapKind::Tag(Uid(tag.bytes().to_vec())),
                        }));
                    }
                }
                None => {
                    if let Some((tag, last)) = self.held
                        && now.duration_since(last) > self.fold
                    {
                        tracing::debug!("{}: tag {tag} gone", self.name);
                        self.held = None;
                    }
                }
            }
            if now >= deadline {
                return Ok(None);
            }
        }
    }
}
