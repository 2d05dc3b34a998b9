//! HID backend through hidapi's hidraw backend (reader-protocols.md §9): enumerates HID
//! interfaces and implements [`HidLink`] on an opened `/dev/hidrawN`.

use std::time::Duration;

use super::discovery::HidDeviceInfo;
use super::error::UDEV_HINT;
use super::{HidLink, LinkError};

fn backend(reader: &str, e: hidapi::HidError) -> LinkError {
    let reason = e.to_string();
    if reason.contains("Permission denied") || reason.contains("EACCES") {
        return LinkError::Permission {
            path: reader.to_string(),
            hint: UDEV_HINT.to_string(),
        };
    }
    LinkError::Backend {
        backend: "hidapi",
        reader: reader.to_string(),
        reason,
    }
}

/// Every HID interface hidraw offers.
pub fn list_devices() -> Result<Vec<HidDeviceInfo>, LinkError> {
    let api = hidapi::HidApi::new().map_err(|e| backend("hidraw enumeration", e))?;
    Ok(api
        .device_list()
        .map(|d| HidDeviceInfo {
            path: d.path().to_string_lossy().into_owned(),
            vid: d.vendor_id(),
            pid: d.product_id(),
            usage_page: d.usage_page(),
            usage: d.usage(),
            interface: d.interface_number(),
            product: d.product_string().map(str::to_string),
            serial: d.serial_number().map(str::to_string),
        })
        .collect())
}

/// An opened hidraw device.
pub struct HidapiLink {
    device: hidapi::HidDevice,
    name: String,
}

impl HidapiLink {
    /// Opens the hidraw node `path` (from [`list_devices`]). Without permission the
    /// error says which udev rule to install.
    pub fn open(path: &str) -> Result<Self, LinkError> {
        let api = hidapi::HidApi::new().map_err(|e| backend(path, e))?;
        let cpath = std::ffi::CString::new(path)
            .map_err(|_| LinkError::ReaderNotFound(path.to_string()))?;
        let device = api.open_path(&cpath).map_err(|e| {
            // hidapi's message does not always carry errno: look at the node ourselves.
            match std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
            {
                Err(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
                    LinkError::Permission {
                        path: path.to_string(),
                        hint: UDEV_HINT.to_string(),
                    }
                }
                Err(io) if io.kind() == std::io::ErrorKind::NotFound => {
                    LinkError::ReaderNotFound(path.to_string())
                }
                _ => backend(path, e),
            }
        })?;
        Ok(HidapiLink {
            device,
            name: path.to_string(),
        })
    }

    /// The USB vendor and product id of the opened device, when hidraw tells them.
    pub fn usb_ids(&self) -> Option<(u16, u16)> {
        self.device
            .get_device_info()
            .ok()
            .map(|d| (d.vendor_id(), d.product_id()))
    }
}

impl HidLink for HidapiLink {
    fn device(&self) -> &str {
        &self.name
    }
    fn write_raw(&mut self, report: &[u8]) -> Result<(), LinkError> {
        self.device
            .write(report)
            .map_err(|e| backend(&self.name, e))?;
        Ok(())
    }
    fn read_raw(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, LinkError> {
        let mut buf = [0u8; 256];
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        let n = self
            .device
            .read_timeout(&mut buf, ms)
            .map_err(|e| backend(&self.name, e))?;
        Ok((n > 0).then(|| buf.get(..n).unwrap_or_default().to_vec()))
    }
    fn set_feature_raw(&mut self, report: &[u8]) -> Result<(), LinkError> {
        self.device
            .send_feature_report(report)
            .map_err(|e| backend(&self.name, e))
    }
    fn get_feature_raw(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, LinkError> {
        let mut buf = vec![0u8; len.max(1)];
        if let Some(first) = buf.first_mut() {
            *first = report_id;
        }
        let n = self
            .device
            .get_feature_report(&mut buf)
            .map_err(|e| backend(&self.name, e))?;
        buf.truncate(n);
        Ok(buf)
    }
}
