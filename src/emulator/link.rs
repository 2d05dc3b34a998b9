//! In-process adapters: [`InProcess`] implements the link trait that matches its
//! device ([`ApduLink`] over a [`VirtualCard`], [`HidLink`] over a
//! [`VirtualHidDevice`]) and applies queued [`Fault`]s. Serial devices are reached
//! in-process through [`super::serial::spawn_in_process`].

use std::time::Duration;

use super::fault::{Fault, Faults};
use super::hid::VirtualHidDevice;
use super::{Power, VirtualCard};
use crate::transport::{ApduLink, HidLink, LinkError};

/// A virtual device reached directly, in the same process.
pub struct InProcess<D> {
    device: D,
    name: String,
    faults: Faults,
    atr: Vec<u8>,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ready,
    CardGone,
    Unplugged,
}

impl<D> InProcess<D> {
    /// The queue of faults applied to this link's frames.
    pub fn faults(&self) -> Faults {
        self.faults.clone()
    }

    /// The device.
    pub fn device(&self) -> &D {
        &self.device
    }

    /// The device, mutably (to tap, type, set its clock…).
    pub fn device_mut(&mut self) -> &mut D {
        &mut self.device
    }

    fn check(&self) -> Result<(), LinkError> {
        match self.state {
            State::Ready => Ok(()),
            State::CardGone => Err(LinkError::CardRemoved {
                reader: self.name.clone(),
            }),
            State::Unplugged => Err(LinkError::Disconnected {
                reader: self.name.clone(),
            }),
        }
    }

    /// Applies the next fault to `frame`: `Ok(None)` when the frame is lost.
    fn shape(&mut self, frame: Vec<u8>, what: &str) -> Result<Vec<u8>, LinkError> {
        match self.faults.take() {
            None => Ok(frame),
            Some(Fault::RemoveCard) => {
                self.state = State::CardGone;
                Err(LinkError::CardRemoved {
                    reader: self.name.clone(),
                })
            }
            Some(Fault::Disconnect) => {
                self.state = State::Unplugged;
                Err(LinkError::Disconnected {
                    reader: self.name.clone(),
                })
            }
            Some(f) => f.apply(frame).ok_or_else(|| LinkError::Timeout {
                what: format!("{what} from {}", self.name),
            }),
        }
    }
}

impl<V: VirtualCard> InProcess<V> {
    /// A card in a virtual reader named `name`, powered on.
    pub fn card(name: &str, mut card: V) -> Self {
        card.power(Power::On);
        InProcess {
            atr: card.atr(),
            device: card,
            name: name.to_string(),
            faults: Faults::new(),
            state: State::Ready,
        }
    }

    /// Puts the card back after [`Fault::RemoveCard`] (a new tap: powered on, new ATR).
    pub fn reinsert(&mut self) {
        self.device.power(Power::On);
        self.atr = self.device.atr();
        self.state = State::Ready;
    }
}

impl<V: VirtualCard> ApduLink for InProcess<V> {
    fn reader(&self) -> &str {
        &self.name
    }
    fn atr(&self) -> &[u8] {
        &self.atr
    }
    fn exchange(&mut self, capdu: &[u8]) -> Result<Vec<u8>, LinkError> {
        self.check()?;
        let answer = self.device.handle(capdu);
        self.shape(answer, "R-APDU")
    }
}

impl<V: VirtualHidDevice> InProcess<V> {
    /// A HID device named `name` (e.g. `/dev/hidraw-virtual (20a0:4108)`).
    pub fn hid(name: &str, device: V) -> Self {
        InProcess {
            device,
            name: name.to_string(),
            faults: Faults::new(),
            atr: Vec::new(),
            state: State::Ready,
        }
    }
}

impl<V: VirtualHidDevice> HidLink for InProcess<V> {
    fn device(&self) -> &str {
        &self.name
    }
    fn write_raw(&mut self, report: &[u8]) -> Result<(), LinkError> {
        self.check()?;
        self.device.output_report(report);
        Ok(())
    }
    fn read_raw(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, LinkError> {
        self.check()?;
        match self.device.input_report() {
            Some(r) => match self.shape(r, "input report") {
                Ok(r) => Ok(Some(r)),
                Err(LinkError::Timeout { .. }) => Ok(None),
                Err(e) => Err(e),
            },
            None => {
                // Nothing to report: a real read waits out its timeout.
                std::thread::sleep(timeout.min(Duration::from_millis(10)));
                Ok(None)
            }
        }
    }
    fn set_feature_raw(&mut self, report: &[u8]) -> Result<(), LinkError> {
        self.check()?;
        self.device
            .set_feature(report)
            .map_err(|reason| LinkError::Protocol {
                link: self.name.clone(),
                reason,
            })
    }
    fn get_feature_raw(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, LinkError> {
        self.check()?;
        let r = self
            .device
            .get_feature(report_id, len)
            .map_err(|reason| LinkError::Protocol {
                link: self.name.clone(),
                reason,
            })?;
        self.shape(r, "feature report")
    }
}
