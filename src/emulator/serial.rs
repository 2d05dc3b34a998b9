//! Serial devices, device side: a state machine fed with host bytes, which answers
//! with frames and may push frames by itself, plus the pump that runs one over a byte
//! stream (a PTY master or an in-process channel) and applies [`Fault`]s per frame.

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::fault::{Fault, Faults};
use crate::transport::{LinkError, SerialLink};

/// The device side of a serial protocol.
pub trait VirtualSerialDevice: Send {
    /// Host bytes arrive (any split); returns the frames to send back, in order.
    fn receive(&mut self, bytes: &[u8], now: Instant) -> Vec<Vec<u8>>;
    /// Frames the device sends by itself at `now` (tag repeats, a delayed reply).
    fn poll(&mut self, now: Instant) -> Vec<Vec<u8>>;
    /// When [`VirtualSerialDevice::poll`] has something next, if it knows.
    fn next_wakeup(&self, now: Instant) -> Option<Instant>;
}

/// A byte stream as the pump sees it.
pub trait ByteStream: Send {
    /// Reads what is there, waiting at most `timeout`; `Ok(0)` when nothing came.
    fn read_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize>;
    /// Writes all of `bytes`.
    fn write_all_bytes(&mut self, bytes: &[u8]) -> io::Result<()>;
}

/// Longest the pump blocks before it checks for a stop request or a due poll.
pub const PUMP_TICK: Duration = Duration::from_millis(20);

/// Runs `device` over `stream` until `stop` is set, the stream fails, or a
/// [`Fault::Disconnect`] is taken.
pub fn pump<D, S>(
    device: &mut D,
    stream: &mut S,
    faults: &Faults,
    stop: &AtomicBool,
) -> io::Result<()>
where
    D: VirtualSerialDevice + ?Sized,
    S: ByteStream + ?Sized,
{
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::SeqCst) {
        if faults.disconnect_pending() {
            faults.take();
            return Ok(());
        }
        let now = Instant::now();
        for frame in device.poll(now) {
            if !send(stream, faults, frame)? {
                return Ok(());
            }
        }
        let wait = device
            .next_wakeup(now)
            .map(|t| t.saturating_duration_since(Instant::now()))
            .unwrap_or(PUMP_TICK)
            .min(PUMP_TICK);
        let n = stream.read_timeout(&mut buf, wait)?;
        if n > 0 {
            for frame in device.receive(buf.get(..n).unwrap_or_default(), Instant::now()) {
                if !send(stream, faults, frame)? {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

/// Sends one frame through the fault queue; `Ok(false)` means disconnect now.
fn send<S: ByteStream + ?Sized>(
    stream: &mut S,
    faults: &Faults,
    frame: Vec<u8>,
) -> io::Result<bool> {
    match faults.take() {
        None => stream.write_all_bytes(&frame)?,
        Some(Fault::Disconnect) => return Ok(false),
        Some(f) => {
            if let Some(shaped) = f.apply(frame) {
                stream.write_all_bytes(&shaped)?;
            }
        }
    }
    Ok(true)
}

/// The device end of an in-process serial line.
struct ChannelStream {
    rx: Receiver<Vec<u8>>,
    tx: Sender<Vec<u8>>,
    pending: VecDeque<u8>,
}

impl ByteStream for ChannelStream {
    fn read_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        if self.pending.is_empty() {
            match self.rx.recv_timeout(timeout) {
                Ok(bytes) => self.pending.extend(bytes),
                Err(RecvTimeoutError::Timeout) => return Ok(0),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(io::Error::from(io::ErrorKind::BrokenPipe));
                }
            }
        }
        let n = buf.len().min(self.pending.len());
        for (slot, b) in buf.iter_mut().zip(self.pending.drain(..n)) {
            *slot = b;
        }
        Ok(n)
    }

    fn write_all_bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.tx
            .send(bytes.to_vec())
            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

/// The host end of an in-process serial line: a [`SerialLink`].
pub struct ChannelSerialLink {
    name: String,
    rx: Receiver<Vec<u8>>,
    tx: Sender<Vec<u8>>,
    pending: VecDeque<u8>,
}

impl SerialLink for ChannelSerialLink {
    fn port(&self) -> &str {
        &self.name
    }

    fn read_raw(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        if self.pending.is_empty() {
            match self.rx.recv_timeout(timeout) {
                Ok(bytes) => self.pending.extend(bytes),
                Err(RecvTimeoutError::Timeout) => return Ok(0),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(LinkError::Disconnected {
                        reader: self.name.clone(),
                    });
                }
            }
        }
        // Take what else is already queued, like a UART FIFO would hand over.
        while let Ok(more) = self.rx.try_recv() {
            self.pending.extend(more);
        }
        let n = buf.len().min(self.pending.len());
        for (slot, b) in buf.iter_mut().zip(self.pending.drain(..n)) {
            *slot = b;
        }
        Ok(n)
    }

    fn write_raw(&mut self, data: &[u8]) -> Result<(), LinkError> {
        self.tx
            .send(data.to_vec())
            .map_err(|_| LinkError::Disconnected {
                reader: self.name.clone(),
            })
    }

    fn clear_input(&mut self) -> Result<(), LinkError> {
        self.pending.clear();
        while self.rx.try_recv().is_ok() {}
        Ok(())
    }
}

/// A device running on its own thread (in-process or behind a PTY); dropping it stops
/// the device and closes its end of the line.
pub struct RunningDevice {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RunningDevice {
    /// Starts `run` on a thread named `name`; `run` must return once `stop` is set.
    pub fn spawn<F>(name: &str, run: F) -> RunningDevice
    where
        F: FnOnce(Arc<AtomicBool>) + Send + 'static,
    {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || run(flag))
            .ok();
        RunningDevice { stop, thread }
    }

    /// Whether the device thread has ended (e.g. after a disconnect fault).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Stops the device and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            tracing::warn!("emulated serial device thread panicked");
        }
    }
}

impl Drop for RunningDevice {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Runs `device` on a thread behind an in-process serial line named `name`.
pub fn spawn_in_process<D>(
    name: &str,
    device: D,
    faults: Faults,
) -> (ChannelSerialLink, RunningDevice)
where
    D: VirtualSerialDevice + 'static,
{
    let (to_device, from_host) = mpsc::channel();
    let (to_host, from_device) = mpsc::channel();
    let link = ChannelSerialLink {
        name: name.to_string(),
        rx: from_device,
        tx: to_device,
        pending: VecDeque::new(),
    };
    let mut stream = ChannelStream {
        rx: from_host,
        tx: to_host,
        pending: VecDeque::new(),
    };
    let mut device = device;
    let running = RunningDevice::spawn(name, move |stop| {
        if let Err(e) = pump(&mut device, &mut stream, &faults, &stop) {
            tracing::debug!("in-process serial device ended: {e}");
        }
        // Dropping `stream` closes the line: the host sees Disconnected.
    });
    (link, running)
}
