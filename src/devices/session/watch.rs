//! Watching hardware change: PC/SC reader and card insert/remove (pcscd's
//! `SCardGetStatusChange` with the `\\?PnP?\Notification` reader) and USB hotplug
//! (libusb callbacks), each from its own thread, merged on one channel.

use std::sync::mpsc::Sender;

pub use crate::transport::discovery::HwEvent;

/// One message of a hardware watch.
#[derive(Debug)]
pub enum WatchMsg {
    /// A reader, card or USB device came or went.
    Event(HwEvent),
    /// A source stopped or could not start (what failed, in words).
    Problem(String),
}

/// A running watch; dropping it stops every source.
pub struct HardwareWatch {
    sources: usize,
    #[cfg(feature = "pcsc")]
    pcsc: Option<crate::transport::pcsc::PcscCanceller>,
    #[cfg(feature = "usb")]
    _usb: Option<crate::transport::usb::UsbWatch>,
}

impl HardwareWatch {
    /// Starts every source this build has, sending to `tx`. With `initial`, the
    /// readers and cards present at start are reported too. A source that cannot start
    /// is reported as a [`WatchMsg::Problem`].
    pub fn start(initial: bool, tx: &Sender<WatchMsg>) -> HardwareWatch {
        #[allow(unused_mut)]
        let mut w = HardwareWatch {
            sources: 0,
            #[cfg(feature = "pcsc")]
            pcsc: None,
            #[cfg(feature = "usb")]
            _usb: None,
        };
        let _ = (initial, tx);
        #[cfg(feature = "pcsc")]
        match crate::transport::pcsc::PcscContext::establish() {
            Ok(ctx) => {
                w.sources += 1;
                w.pcsc = Some(ctx.canceller());
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let r = ctx.watch(initial, |e| tx.send(WatchMsg::Event(e)).is_ok());
                    if let Err(e) = r {
                        let _ = tx.send(WatchMsg::Problem(format!("PC/SC watch ended: {e}")));
                    }
                });
            }
            Err(e) => {
                let _ = tx.send(WatchMsg::Problem(format!("PC/SC: {e}")));
            }
        }
        #[cfg(feature = "usb")]
        {
            let (etx, erx) = std::sync::mpsc::channel::<HwEvent>();
            let fwd = tx.clone();
            std::thread::spawn(move || {
                for e in erx {
                    if fwd.send(WatchMsg::Event(e)).is_err() {
                        break;
                    }
                }
            });
            match crate::transport::usb::watch(etx) {
                Ok(u) => {
                    w.sources += 1;
                    w._usb = Some(u);
                }
                Err(e) => {
                    let _ = tx.send(WatchMsg::Problem(format!("USB hotplug: {e}")));
                }
            }
        }
        w
    }

    /// How many sources are running.
    pub fn sources(&self) -> usize {
        self.sources
    }
}

impl Drop for HardwareWatch {
    fn drop(&mut self) {
        #[cfg(feature = "pcsc")]
        if let Some(c) = self.pcsc.take() {
            c.cancel();
        }
    }
}
