//! Pseudo-terminal bridge: an emulated serial device appears as `/dev/pts/N`, which
//! drivers open through serialport like a real port (reader-protocols.md §8).
//!
//! `TTYPort::pair()` gives a master (the device's end) and a raw slave. The bridge keeps
//! the slave open so reads on the master never fail with EIO while no application has
//! the port open (§8.4); the slave pair end takes no lock, so the driver can still open
//! the path exclusively. Dropping the bridge closes the master: the application's next
//! read fails at once (a disconnect).

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use serialport::{SerialPort, TTYPort};

use super::fault::Faults;
use super::serial::{ByteStream, RunningDevice, VirtualSerialDevice, pump};
use crate::transport::LinkError;

struct Master(TTYPort);

impl ByteStream for Master {
    fn read_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.0.set_timeout(timeout.max(Duration::from_millis(1)))?;
        match self.0.read(buf) {
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => Ok(0),
            Err(e) => Err(e),
        }
    }
    fn write_all_bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.set_timeout(Duration::from_millis(200))?;
        match self.0.write_all(bytes) {
            // Nobody reads and the buffer is full: the bytes are lost, like on a wire.
            Err(e) if e.kind() == io::ErrorKind::TimedOut => Ok(()),
            other => other,
        }
    }
}

/// A running emulated serial device behind a PTY.
pub struct PtyBridge {
    path: PathBuf,
    _slave: TTYPort,
    device: Option<RunningDevice>,
}

impl PtyBridge {
    /// Creates the PTY and runs `device` on its master end.
    pub fn spawn<D>(device: D, faults: Faults) -> Result<PtyBridge, LinkError>
    where
        D: VirtualSerialDevice + 'static,
    {
        let (master, slave) = TTYPort::pair().map_err(|e| LinkError::Backend {
            backend: "serialport",
            reader: "pty".into(),
            reason: e.to_string(),
        })?;
        let path = slave
            .name()
            .map(PathBuf::from)
            .ok_or_else(|| LinkError::Backend {
                backend: "serialport",
                reader: "pty".into(),
                reason: "the PTY slave has no name".into(),
            })?;
        let mut stream = Master(master);
        let mut device = device;
        let name = format!("pty {}", path.display());
        let running = RunningDevice::spawn(&name, move |stop| {
            if let Err(e) = pump(&mut device, &mut stream, &faults, &stop) {
                tracing::debug!("PTY device ended: {e}");
            }
        });
        Ok(PtyBridge {
            path,
            _slave: slave,
            device: Some(running),
        })
    }

    /// The slave path the application opens (`/dev/pts/N`).
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Whether the device thread has ended (after a disconnect fault).
    pub fn is_finished(&self) -> bool {
        self.device.as_ref().is_none_or(|d| d.is_finished())
    }

    /// Stops the device and closes the master (the port "unplugs").
    pub fn stop(mut self) {
        if let Some(d) = self.device.take() {
            d.stop();
        }
    }
}
