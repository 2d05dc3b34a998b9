//! USB enumeration and hotplug through rusb/libusb (rust-style.md §16, reader-protocols.md
//! §9.4): always a private `rusb::Context` (never the global one, which panics where
//! there is no usbfs), hotplug through libusb callbacks on a thread that blocks in
//! `handle_events`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Duration;

use rusb::UsbContext;

use super::LinkError;
use super::discovery::{HwEvent, UsbDeviceInfo};

fn backend(what: &str, e: rusb::Error) -> LinkError {
    match e {
        rusb::Error::Access => LinkError::Permission {
            path: what.to_string(),
            hint: super::error::UDEV_HINT.to_string(),
        },
        other => LinkError::Backend {
            backend: "rusb",
            reader: what.to_string(),
            reason: format!("{other} (no USB host or no /dev/bus/usb here? libusb needs usbfs)"),
        },
    }
}

/// One libusb initialisation at a time: two threads initialising contexts at once
/// (an inventory poll beside the hotplug watch) made one of them fail, and rusb's
/// global context panics when its initialisation fails.
static INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn new_context() -> Result<rusb::Context, LinkError> {
    let _one = INIT.lock().unwrap_or_else(|p| p.into_inner());
    rusb::Context::new().map_err(|e| backend("libusb context", e))
}

/// Every USB device libusb sees, with strings where the device node can be opened.
pub fn list_devices() -> Result<Vec<UsbDeviceInfo>, LinkError> {
    let ctx = new_context()?;
    let devices = ctx.devices().map_err(|e| backend("USB enumeration", e))?;
    let mut out = Vec::new();
    for d in devices.iter() {
        let Ok(desc) = d.device_descriptor() else {
            continue;
        };
        let mut info = UsbDeviceInfo {
            bus: d.bus_number(),
            address: d.address(),
            vid: desc.vendor_id(),
            pid: desc.product_id(),
            manufacturer: None,
            product: None,
            serial: None,
            note: None,
        };
        match d.open() {
            Ok(h) => {
                info.manufacturer = h.read_manufacturer_string_ascii(&desc).ok();
                info.product = h.read_product_string_ascii(&desc).ok();
                info.serial = h.read_serial_number_string_ascii(&desc).ok();
            }
            Err(rusb::Error::Access) => {
                info.note = Some(format!(
                    "no permission on /dev/bus/usb/{:03}/{:03}: {}",
                    info.bus,
                    info.address,
                    super::error::UDEV_HINT
                ));
            }
            Err(e) => info.note = Some(format!("cannot open: {e}")),
        }
        out.push(info);
    }
    Ok(out)
}

struct Forward(Sender<HwEvent>);

impl<T: UsbContext> rusb::Hotplug<T> for Forward {
    fn device_arrived(&mut self, device: rusb::Device<T>) {
        if let Ok(d) = device.device_descriptor() {
            let _ = self.0.send(HwEvent::UsbArrived {
                vid: d.vendor_id(),
                pid: d.product_id(),
                bus: device.bus_number(),
                address: device.address(),
            });
        }
    }
    fn device_left(&mut self, device: rusb::Device<T>) {
        // The descriptor is cached by libusb and still readable on departure.
        let (vid, pid) = device
            .device_descriptor()
            .map(|d| (d.vendor_id(), d.product_id()))
            .unwrap_or((0, 0));
        let _ = self.0.send(HwEvent::UsbLeft {
            vid,
            pid,
            bus: device.bus_number(),
            address: device.address(),
        });
    }
}

/// A running USB hotplug watch; dropping it stops the event thread.
pub struct UsbWatch {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for UsbWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts forwarding USB arrivals and departures to `events`. Fails when libusb has no
/// hotplug support or no usable context (no USB host).
pub fn watch(events: Sender<HwEvent>) -> Result<UsbWatch, LinkError> {
    // a context first: without a usable libusb, has_hotplug's global context panics
    let ctx = new_context()?;
    let hotplug = {
        let _one = INIT.lock().unwrap_or_else(|p| p.into_inner());
        rusb::has_hotplug()
    };
    if !hotplug {
        return Err(LinkError::Unsupported {
            reader: "libusb".into(),
            what: "hotplug".into(),
        });
    }
    let registration = rusb::HotplugBuilder::new()
        .enumerate(false)
        .register::<rusb::Context, _>(&ctx, Box::new(Forward(events)))
        .map_err(|e| backend("USB hotplug", e))?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("usb-hotplug".into())
        .spawn(move || {
            let _keep = registration;
            // handle_events blocks until an event or the timeout; the timeout only bounds
            // how long a stop request waits.
            while !flag.load(Ordering::SeqCst) {
                if let Err(e) = ctx.handle_events(Some(Duration::from_millis(500))) {
                    tracing::warn!("libusb handle_events: {e}");
                    break;
                }
            }
        })
        .ok();
    Ok(UsbWatch { stop, thread })
}
