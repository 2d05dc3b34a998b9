//! PC/SC backend through pcscd (the `pcsc` crate; reader-protocols.md §4, §7).
//!
//! [`PcscContext`] lists readers with their cards, connects [`PcscLink`]s (an
//! [`ApduLink`]) and watches readers and cards with `SCardGetStatusChange`, including
//! the `\\?PnP?\Notification` pseudo-reader for reader arrival and removal. Waiting is
//! done by pcscd, never by sleeping; [`PcscCanceller`] ends a wait from another thread.

use std::ffi::CString;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::discovery::{HwEvent, PcscCardInfo, PcscReaderInfo};
use super::{ApduLink, LinkError};

/// An established PC/SC context (one connection to pcscd).
#[derive(Clone)]
pub struct PcscContext {
    ctx: pcsc::Context,
    cancelled: Arc<AtomicBool>,
}

/// Longest single `SCardGetStatusChange` wait in [`PcscContext::watch`]: a backstop so a
/// cancel that lands between two waits is still seen (waits end early on any change).
const WATCH_BACKSTOP: Duration = Duration::from_secs(1);

/// Ends a blocking [`PcscContext`] wait (`SCardCancel`) from another thread.
#[derive(Clone)]
pub struct PcscCanceller {
    ctx: pcsc::Context,
    cancelled: Arc<AtomicBool>,
}

impl PcscCanceller {
    /// Makes the pending `get_status_change` return; the waiting call then returns `Ok`.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        if let Err(e) = self.ctx.cancel() {
            tracing::debug!("SCardCancel: {e}");
        }
    }
}

/// What a wait for a card ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardWait {
    /// The card is there; its ATR.
    Present(Vec<u8>),
    /// The reader is empty.
    Empty,
    /// The wait timed out or was cancelled before the state was reached.
    NotYet,
}

/// Maps a pcsc error on `reader` to a [`LinkError`] a person can act on.
pub fn map_error(e: pcsc::Error, reader: &str) -> LinkError {
    use pcsc::Error as E;
    let reader = reader.to_string();
    match e {
        E::NoService | E::ServiceStopped => LinkError::NoService,
        E::UnknownReader => LinkError::ReaderNotFound(reader),
        E::ReaderUnavailable => LinkError::Disconnected { reader },
        E::NoSmartcard => LinkError::NoCard { reader },
        E::RemovedCard | E::ResetCard => LinkError::CardRemoved { reader },
        E::SharingViolation => LinkError::Busy { reader },
        E::Timeout => LinkError::Timeout {
            what: format!("PC/SC reader {reader}"),
        },
        E::UnsupportedFeature => LinkError::Unsupported {
            reader,
            what: "this PC/SC operation".to_string(),
        },
        E::NoAccess | E::SecurityViolation => LinkError::Permission {
            path: reader,
            hint: "pcscd refused access: check polkit rules for pcscd (org.debian.pcsc-lite)"
                .to_string(),
        },
        other => LinkError::Backend {
            backend: "pcsc",
            reader,
            reason: other.to_string(),
        },
    }
}

impl PcscContext {
    /// Connects to pcscd. A missing or stopped pcscd is [`LinkError::NoService`].
    pub fn establish() -> Result<Self, LinkError> {
        let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(|e| map_error(e, "pcscd"))?;
        Ok(PcscContext {
            ctx,
            cancelled: Arc::new(AtomicBool::new(false)),
        })
    }

    /// A handle that can cancel this context's waits from another thread.
    pub fn canceller(&self) -> PcscCanceller {
        PcscCanceller {
            ctx: self.ctx.clone(),
            cancelled: Arc::clone(&self.cancelled),
        }
    }

    /// Names of the readers pcscd knows (empty when there are none).
    pub fn reader_names(&self) -> Result<Vec<String>, LinkError> {
        match self.ctx.list_readers_owned() {
            Ok(names) => Ok(names
                .into_iter()
                .map(|n| n.to_string_lossy().into_owned())
                .collect()),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(map_error(e, "pcscd")),
        }
    }

    /// Every reader with the card in it (ATR), as pcscd sees them now.
    pub fn readers(&self) -> Result<Vec<PcscReaderInfo>, LinkError> {
        let names = self.reader_names()?;
        let mut states = reader_states(&names)?;
        if states.is_empty() {
            return Ok(Vec::new());
        }
        self.ctx
            .get_status_change(Duration::ZERO, &mut states)
            .map_err(|e| map_error(e, "pcscd"))?;
        Ok(states
            .iter()
            .map(|s| PcscReaderInfo {
                name: s.name().to_string_lossy().into_owned(),
                card: s
                    .event_state()
                    .contains(pcsc::State::PRESENT)
                    .then(|| PcscCardInfo {
                        atr: s.atr().to_vec(),
                    }),
            })
            .collect())
    }

    /// Connects (shared, T=0 or T=1) to the card in `reader`.
    pub fn connect(&self, reader: &str) -> Result<PcscLink, LinkError> {
        let name = cstring(reader)?;
        let card = self
            .ctx
            .connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
            .map_err(|e| map_error(e, reader))?;
        let atr = card
            .status2_owned()
            .map(|s| s.atr().to_vec())
            .map_err(|e| map_error(e, reader))?;
        Ok(PcscLink {
            ctx: self.clone(),
            card,
            reader: reader.to_string(),
            atr,
        })
    }

    /// Waits until `reader` holds a card (`want_present`) or is empty, at most `timeout`
    /// (`None`: until cancelled). Blocks inside pcscd, no polling here.
    pub fn wait_for(
        &self,
        reader: &str,
        want_present: bool,
        timeout: Option<Duration>,
    ) -> Result<CardWait, LinkError> {
        let mut states = vec![pcsc::ReaderState::new(
            cstring(reader)?,
            pcsc::State::UNAWARE,
        )];
        loop {
            match self.ctx.get_status_change(timeout, &mut states) {
                Ok(()) => {}
                Err(pcsc::Error::Timeout | pcsc::Error::Cancelled) => return Ok(CardWait::NotYet),
                Err(e) => return Err(map_error(e, reader)),
            }
            let Some(state) = states.first_mut() else {
                return Ok(CardWait::NotYet);
            };
            let ev = state.event_state();
            if ev.intersects(pcsc::State::UNKNOWN | pcsc::State::IGNORE) {
                return Err(LinkError::ReaderNotFound(reader.to_string()));
            }
            let present = ev.contains(pcsc::State::PRESENT) && !ev.contains(pcsc::State::MUTE);
            if present && want_present {
                return Ok(CardWait::Present(state.atr().to_vec()));
            }
            if ev.contains(pcsc::State::EMPTY) && !want_present {
                return Ok(CardWait::Empty);
            }
            state.sync_current_state();
        }
    }

    /// Watches every reader and the PnP pseudo-reader, calling `on_event` for each card
    /// or reader change until `on_event` returns `false` or the wait is cancelled
    /// ([`PcscContext::canceller`]). With `report_initial`, the readers and cards present
    /// at the start are reported as added/inserted.
    pub fn watch(
        &self,
        report_initial: bool,
        mut on_event: impl FnMut(HwEvent) -> bool,
    ) -> Result<(), LinkError> {
        let pnp = pcsc::PNP_NOTIFICATION().to_owned();
        let mut states = vec![pcsc::ReaderState::new(pnp.clone(), pcsc::State::UNAWARE)];
        let mut present: Vec<(String, bool)> = Vec::new();
        let mut first = true;
        loop {
            // Add readers pcscd knows and we do not watch yet; drop vanished ones.
            let names = self.reader_names()?;
            for name in &names {
                if !present.iter().any(|(n, _)| n == name) {
                    states.push(pcsc::ReaderState::new(cstring(name)?, pcsc::State::UNAWARE));
                    present.push((name.clone(), false));
                    if (!first || report_initial)
                        && !on_event(HwEvent::ReaderAdded {
                            reader: name.clone(),
                        })
                    {
                        return Ok(());
                    }
                }
            }
            let mut gone = Vec::new();
            present.retain(|(n, _)| {
                let keep = names.contains(n);
                if !keep {
                    gone.push(n.clone());
                }
                keep
            });
            states.retain(|s| {
                let n = s.name().to_string_lossy();
                s.name() == pnp.as_c_str() || present.iter().any(|(p, _)| *p == n)
            });
            for reader in gone {
                if !on_event(HwEvent::ReaderRemoved { reader }) {
                    return Ok(());
                }
            }

            if self.cancelled.load(Ordering::SeqCst) {
                return Ok(());
            }
            match self.ctx.get_status_change(WATCH_BACKSTOP, &mut states) {
                Ok(()) => {}
                Err(pcsc::Error::Cancelled) => return Ok(()),
                Err(pcsc::Error::Timeout) => continue,
                Err(e) => return Err(map_error(e, "pcscd")),
            }
            for state in states.iter_mut() {
                if state.name() == pnp.as_c_str() {
                    state.sync_current_state();
                    continue;
                }
                let name = state.name().to_string_lossy().into_owned();
                let ev = state.event_state();
                let now = ev.contains(pcsc::State::PRESENT) && !ev.contains(pcsc::State::MUTE);
                if let Some((_, was)) = present.iter_mut().find(|(n, _)| *n == name)
                    && now != *was
                {
                    {
                        *was = now;
                        let report = !first || report_initial;
                        let event = if now {
                            HwEvent::CardInserted {
                                reader: name.clone(),
                                atr: state.atr().to_vec(),
                            }
                        } else {
                            HwEvent::CardRemoved {
                                reader: name.clone(),
                            }
                        };
                        if report && !on_event(event) {
                            return Ok(());
                        }
                    }
                }
                state.sync_current_state();
            }
            first = false;
        }
    }
}

fn reader_states(names: &[String]) -> Result<Vec<pcsc::ReaderState>, LinkError> {
    names
        .iter()
        .map(|n| Ok(pcsc::ReaderState::new(cstring(n)?, pcsc::State::UNAWARE)))
        .collect()
}

fn cstring(name: &str) -> Result<CString, LinkError> {
    CString::new(name).map_err(|_| LinkError::ReaderNotFound(name.to_string()))
}

/// A connection to the card in one PC/SC reader.
pub struct PcscLink {
    ctx: PcscContext,
    card: pcsc::Card,
    reader: String,
    atr: Vec<u8>,
}

impl PcscLink {
    /// Whether the reader still holds a card (asked of pcscd without waiting).
    fn card_still_present(&self) -> bool {
        matches!(
            self.ctx.wait_for(&self.reader, true, Some(Duration::ZERO)),
            Ok(CardWait::Present(_))
        )
    }
}

impl ApduLink for PcscLink {
    fn reader(&self) -> &str {
        &self.reader
    }

    fn atr(&self) -> &[u8] {
        &self.atr
    }

    fn exchange(&mut self, capdu: &[u8]) -> Result<Vec<u8>, LinkError> {
        let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        match self.card.transmit(capdu, &mut buf) {
            Ok(r) if r.len() >= 2 => Ok(r.to_vec()),
            Ok(r) => {
                // vpcd (and some readers) complete a command whose card vanished with an
                // empty answer; pcscd notices the removal on its next poll.
                let gone = matches!(
                    self.ctx
                        .wait_for(&self.reader, false, Some(Duration::from_secs(2))),
                    Ok(CardWait::Empty)
                );
                if gone {
                    return Err(LinkError::CardRemoved {
                        reader: self.reader.clone(),
                    });
                }
                Err(LinkError::Protocol {
                    link: self.reader.clone(),
                    reason: format!("truncated R-APDU of {} bytes", r.len()),
                })
            }
            Err(e) => {
                let mapped = map_error(e, &self.reader);
                // A card that vanished mid-command shows up as a comms error; say so.
                if matches!(mapped, LinkError::Backend { .. }) && !self.card_still_present() {
                    return Err(LinkError::CardRemoved {
                        reader: self.reader.clone(),
                    });
                }
                Err(mapped)
            }
        }
    }
}
