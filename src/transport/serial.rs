//! Serial backend through the `serialport` crate (reader-protocols.md §8).
//!
//! [`SerialPortLink`] opens a port exclusively, drops stale input on open (a reader
//! that pushed frames before we listened), and turns a vanished peer (`BrokenPipe`,
//! EIO) into [`LinkError::Disconnected`] instead of spinning.

use std::io::{self, Read, Write};
use std::time::Duration;

use serialport::{ClearBuffer, SerialPort, SerialPortType, TTYPort};

use super::discovery::SerialPortInfo;
use super::error::SERIAL_HINT;
use super::{LinkError, SerialLink};

/// An open serial port.
pub struct SerialPortLink {
    port: TTYPort,
    name: String,
}

fn map_open_error(path: &str, e: serialport::Error) -> LinkError {
    match e.kind() {
        serialport::ErrorKind::Io(kind) => {
            LinkError::from_io(path, io::Error::new(kind, e.description), SERIAL_HINT)
        }
        serialport::ErrorKind::NoDevice if e.description.contains("lock") => LinkError::Busy {
            reader: path.to_string(),
        },
        serialport::ErrorKind::NoDevice => LinkError::ReaderNotFound(path.to_string()),
        _ => LinkError::Backend {
            backend: "serialport",
            reader: path.to_string(),
            reason: e.description,
        },
    }
}

/// Errors on an open port: a vanished device shows up as EIO or "no device".
fn map_runtime_error(path: &str, e: serialport::Error) -> LinkError {
    match e.kind() {
        serialport::ErrorKind::NoDevice => LinkError::Disconnected {
            reader: path.to_string(),
        },
        serialport::ErrorKind::Unknown if e.description.contains("I/O error") => {
            LinkError::Disconnected {
                reader: path.to_string(),
            }
        }
        _ => map_open_error(path, e),
    }
}

impl SerialPortLink {
    /// Opens `path` at `baud` 8N1, exclusively, and clears pending input.
    pub fn open(path: &str, baud: u32) -> Result<Self, LinkError> {
        if !std::path::Path::new(path).exists() {
            return Err(LinkError::ReaderNotFound(path.to_string()));
        }
        let port = serialport::new(path, baud)
            .timeout(Duration::from_millis(100))
            .open_native()
            .map_err(|e| map_open_error(path, e))?;
        let mut link = SerialPortLink {
            port,
            name: path.to_string(),
        };
        link.clear_input()?;
        Ok(link)
    }

    fn io_error(&self, e: io::Error) -> LinkError {
        // EIO on a tty whose other end is gone.
        if e.raw_os_error() == Some(5) {
            return LinkError::Disconnected {
                reader: self.name.clone(),
            };
        }
        LinkError::from_io(&self.name, e, SERIAL_HINT)
    }
}

impl SerialLink for SerialPortLink {
    fn port(&self) -> &str {
        &self.name
    }

    fn read_raw(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        self.port
            .set_timeout(timeout.max(Duration::from_millis(1)))
            .map_err(|e| map_runtime_error(&self.name, e))?;
        match self.port.read(buf) {
            Ok(0) => Err(LinkError::Disconnected {
                reader: self.name.clone(),
            }),
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => Ok(0),
            Err(e) => Err(self.io_error(e)),
        }
    }

    fn write_raw(&mut self, data: &[u8]) -> Result<(), LinkError> {
        self.port
            .set_timeout(Duration::from_millis(500))
            .map_err(|e| map_runtime_error(&self.name, e))?;
        self.port.write_all(data).map_err(|e| self.io_error(e))?;
        self.port.flush().map_err(|e| self.io_error(e))
    }

    fn clear_input(&mut self) -> Result<(), LinkError> {
        self.port
            .clear(ClearBuffer::Input)
            .map_err(|e| map_runtime_error(&self.name, e))
    }
}

/// The serial ports the system lists (USB adapters with VID/PID/serial). PTYs are
/// never listed: configure those by path.
pub fn list_ports() -> Result<Vec<SerialPortInfo>, LinkError> {
    let ports = serialport::available_ports().map_err(|e| LinkError::Backend {
        backend: "serialport",
        reader: "serial port enumeration".into(),
        reason: e.description,
    })?;
    Ok(ports
        .into_iter()
        .map(|p| {
            let (kind, usb) = match p.port_type {
                SerialPortType::UsbPort(u) => ("usb", Some(u)),
                SerialPortType::PciPort => ("pci", None),
                SerialPortType::BluetoothPort => ("bluetooth", None),
                SerialPortType::Unknown => ("unknown", None),
            };
            SerialPortInfo {
                path: p.port_name,
                kind: kind.to_string(),
                vid: usb.as_ref().map(|u| u.vid),
                pid: usb.as_ref().map(|u| u.pid),
                serial: usb.as_ref().and_then(|u| u.serial_number.clone()),
                manufacturer: usb.as_ref().and_then(|u| u.manufacturer.clone()),
                product: usb.as_ref().and_then(|u| u.product.clone()),
            }
        })
        .collect())
}
