//! `LinkError`: what can go wrong below the protocol (design.md §4).
//!
//! Every variant names the reader, device, port or path it is about, and where the fix
//! is on the operator's side (install, start, plug, udev), the message says what to do.

use std::io;

/// An error of a link or of link discovery. `Display` is the message a person sees.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The PC/SC daemon is not reachable.
    #[error(
        "pcscd is not running: install pcscd and start it (systemctl start pcscd, or `make pcscd`)"
    )]
    NoService,
    /// The named reader does not exist (never plugged in, or unplugged).
    #[error("reader not found: {0}")]
    ReaderNotFound(String),
    /// The reader exists but holds no card.
    #[error("no card in reader {reader}: present a card or token")]
    NoCard {
        /// Reader name.
        reader: String,
    },
    /// The card left the reader, or was reset by someone else, during or between commands.
    #[error("card removed from reader {reader}: present it again and retry")]
    CardRemoved {
        /// Reader name.
        reader: String,
    },
    /// The reader or device went away (unplugged, port closed by the peer).
    #[error("{reader} disconnected: check the cable, then retry")]
    Disconnected {
        /// Reader, device or port name.
        reader: String,
    },
    /// Another program holds the reader exclusively.
    #[error("reader {reader} is busy: another program holds it exclusively; close it and retry")]
    Busy {
        /// Reader name.
        reader: String,
    },
    /// Nothing (or not enough) came back in time.
    #[error("timeout waiting for {what}")]
    Timeout {
        /// What was awaited, with the reader name.
        what: String,
    },
    /// The device node exists but this user may not open it.
    #[error("permission denied on {path}: {hint}")]
    Permission {
        /// Device node (`/dev/hidraw3`, `/dev/ttyUSB0`, `/dev/bus/usb/001/004`).
        path: String,
        /// What to do (udev rule, group membership).
        hint: String,
    },
    /// A malformed or unexpected frame on the link itself.
    #[error("protocol error on {link}: {reason}")]
    Protocol {
        /// Link name.
        link: String,
        /// What was wrong with the frame.
        reason: String,
    },
    /// An operation the link cannot do (e.g. `SCardControl` through vpcd).
    #[error("{reader} does not support {what}")]
    Unsupported {
        /// Reader name.
        reader: String,
        /// The operation.
        what: String,
    },
    /// A backend library error without a better mapping.
    #[error("{backend} error on {reader}: {reason}")]
    Backend {
        /// `pcsc`, `hidapi`, `rusb`, `serialport`.
        backend: &'static str,
        /// Reader or device name.
        reader: String,
        /// The backend's own message.
        reason: String,
    },
    /// An operating-system I/O error.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// File, port or socket.
        path: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// An APDU that cannot be encoded (e.g. data over 65535 bytes).
    #[error("cannot encode APDU: {0}")]
    Encode(String),
}

impl LinkError {
    /// Maps an I/O error on `path` to the variant a person can act on: permission
    /// problems get `hint`, broken pipes become [`LinkError::Disconnected`], timeouts
    /// [`LinkError::Timeout`].
    pub fn from_io(path: &str, source: io::Error, hint: &str) -> Self {
        match source.kind() {
            io::ErrorKind::PermissionDenied => LinkError::Permission {
                path: path.to_string(),
                hint: hint.to_string(),
            },
            io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::UnexpectedEof => LinkError::Disconnected {
                reader: path.to_string(),
            },
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => LinkError::Timeout {
                what: format!("I/O on {path}"),
            },
            _ => LinkError::Io {
                path: path.to_string(),
                source,
            },
        }
    }
}

/// The udev hint for device nodes this user may not open.
pub const UDEV_HINT: &str = "install udev/70-tokenstation.rules (see udev/README.md), \
     then `udevadm control --reload && udevadm trigger`, and re-plug the device";

/// The hint for serial ports this user may not open.
pub const SERIAL_HINT: &str = "add your user to the dialout group (`usermod -aG dialout $USER`, \
     then log in again) or install udev/70-tokenstation.rules (see udev/README.md)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_map_to_actionable_variants() {
        let e = LinkError::from_io(
            "/dev/hidraw0",
            io::Error::from(io::ErrorKind::PermissionDenied),
            UDEV_HINT,
        );
        assert!(matches!(e, LinkError::Permission { .. }));
        assert!(e.to_string().contains("/dev/hidraw0"));
        assert!(e.to_string().contains("udev"));
        let e = LinkError::from_io("/dev/pts/3", io::Error::from(io::ErrorKind::BrokenPipe), "");
        assert!(matches!(e, LinkError::Disconnected { ref reader } if reader == "/dev/pts/3"));
        assert!(LinkError::NoService.to_string().contains("install pcscd"));
    }
}
