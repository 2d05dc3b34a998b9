//! Bridge to vsmartcard-vpcd: puts an emulated card into a "Virtual PCD" reader of the
//! real pcscd (reader-protocols.md §6, firmware-protocols/vpcd.md).
//!
//! Protocol, as vpcd speaks it: pcscd's vpcd driver listens on TCP 35963 ("Virtual PCD
//! 00 00") and 35964 ("Virtual PCD 00 01"); the virtual card connects as a client.
//! Every message either way is a 2-byte big-endian length and that many bytes. From
//! vpcd, a 1-byte message is a control code (`00` power off, `01` power on, `02` reset —
//! no reply — and `04` get ATR, answered with the ATR); a longer one is a C-APDU,
//! answered with exactly one R-APDU. Connecting inserts the card, closing removes it.
//! vpcd asks for the ATR on every presence poll (~0.4 s), powered or not, so the bridge
//! answers `04` at once in every state.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::fault::{Fault, Faults};
use super::field::Field;
use super::{Power, VirtualCard};

/// vpcd's port for reader "Virtual PCD 00 00".
pub const VPCD_PORT_0: u16 = 35963;
/// vpcd's port for reader "Virtual PCD 00 01".
pub const VPCD_PORT_1: u16 = 35964;

/// The PC/SC reader name vpcd gives the slot on `port` (`Virtual PCD 00 00` for 35963).
pub fn reader_name(port: u16) -> String {
    format!("Virtual PCD 00 {:02}", port.saturating_sub(VPCD_PORT_0))
}

/// A message from vpcd to the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VpcdMessage {
    /// `00`: power off.
    PowerOff,
    /// `01`: power on.
    PowerOn,
    /// `02`: reset.
    Reset,
    /// `04`: send the ATR.
    GetAtr,
    /// Any other 1-byte control code (ignored, no reply).
    UnknownControl(u8),
    /// A C-APDU (2 bytes or more).
    Apdu(Vec<u8>),
    /// An empty message: vpcd is closing.
    Empty,
}

impl VpcdMessage {
    /// Classifies a message body.
    pub fn parse(body: &[u8]) -> VpcdMessage {
        match body {
            [] => VpcdMessage::Empty,
            [0x00] => VpcdMessage::PowerOff,
            [0x01] => VpcdMessage::PowerOn,
            [0x02] => VpcdMessage::Reset,
            [0x04] => VpcdMessage::GetAtr,
            [c] => VpcdMessage::UnknownControl(*c),
            apdu => VpcdMessage::Apdu(apdu.to_vec()),
        }
    }
}

/// Frames `body`: `LEN(2, big-endian) body`. Bodies over 65535 bytes are cut (vpcd
/// cannot carry them).
pub fn encode_frame(body: &[u8]) -> Vec<u8> {
    let body = body.get(..body.len().min(0xFFFF)).unwrap_or_default();
    let mut out = (body.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

/// Splits complete frames off the front of `buf`, leaving a partial frame in place.
pub fn take_frames(buf: &mut Vec<u8>) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    while let (Some(&hi), Some(&lo)) = (buf.first(), buf.get(1)) {
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if buf.len() < 2 + len {
            break;
        }
        frames.push(buf[2..2 + len].to_vec());
        buf.drain(..2 + len);
    }
    frames
}

/// The card slot type the bridge serves.
pub type CardField = Field<Box<dyn VirtualCard>>;

/// A running bridge: a thread that keeps the card in `field` connected to vpcd on
/// `port` while the field holds one, and disconnects when it is taken away.
pub struct VpcdBridge {
    port: u16,
    stop: Arc<AtomicBool>,
    connected: Arc<AtomicBool>,
    last_error: Arc<Mutex<Option<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl VpcdBridge {
    /// Starts serving `field` to vpcd on 127.0.0.1:`port`; `faults` apply to R-APDUs.
    pub fn spawn(port: u16, field: CardField, faults: Faults) -> VpcdBridge {
        let stop = Arc::new(AtomicBool::new(false));
        let connected = Arc::new(AtomicBool::new(false));
        let last_error = Arc::new(Mutex::new(None));
        let worker = Worker {
            port,
            field,
            faults,
            stop: Arc::clone(&stop),
            connected: Arc::clone(&connected),
            last_error: Arc::clone(&last_error),
        };
        let thread = std::thread::Builder::new()
            .name(format!("vpcd-{port}"))
            .spawn(move || worker.run())
            .ok();
        VpcdBridge {
            port,
            stop,
            connected,
            last_error,
            thread,
        }
    }

    /// The reader the card appears in.
    pub fn reader_name(&self) -> String {
        reader_name(self.port)
    }

    /// Whether a connection to vpcd is open now (a card is "inserted").
    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::SeqCst)
    }

    /// The last connection error (e.g. pcscd not running, vpcd not installed).
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    /// Stops the bridge and closes its connection (the card is removed).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            tracing::warn!("vpcd bridge thread on port {} panicked", self.port);
        }
    }
}

impl Drop for VpcdBridge {
    fn drop(&mut self) {
        self.shutdown();
    }
}

struct Worker {
    port: u16,
    field: CardField,
    faults: Faults,
    stop: Arc<AtomicBool>,
    connected: Arc<AtomicBool>,
    last_error: Arc<Mutex<Option<String>>>,
}

const TICK: Duration = Duration::from_millis(100);

impl Worker {
    fn run(self) {
        while !self.stop.load(Ordering::SeqCst) {
            let generation = self.field.generation();
            if !self.field.is_occupied() {
                self.field.wait_change(generation, TICK);
                continue;
            }
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
            match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
                Ok(stream) => {
                    self.set_error(None);
                    self.connected.store(true, Ordering::SeqCst);
                    tracing::debug!("vpcd {}: card inserted", reader_name(self.port));
                    if let Err(e) = self.serve(stream, generation) {
                        tracing::debug!("vpcd {}: connection ended: {e}", reader_name(self.port));
                    }
                    self.connected.store(false, Ordering::SeqCst);
                    tracing::debug!("vpcd {}: card removed", reader_name(self.port));
                }
                Err(e) => {
                    self.set_error(Some(format!(
                        "cannot reach vpcd on 127.0.0.1:{}: {e} (is pcscd running with \
                         vsmartcard-vpcd installed? `make deps pcscd`)",
                        self.port
                    )));
                    // Back off before the next attempt, waking early if the field changes.
                    self.field
                        .wait_change(generation, Duration::from_millis(500));
                }
            }
        }
    }

    fn set_error(&self, e: Option<String>) {
        if let Ok(mut slot) = self.last_error.lock() {
            *slot = e;
        }
    }

    /// Serves one connection until the card leaves, vpcd closes, or the bridge stops.
    fn serve(&self, mut stream: TcpStream, generation: u64) -> io::Result<()> {
        stream.set_read_timeout(Some(TICK))?;
        stream.set_nodelay(true)?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            if self.stop.load(Ordering::SeqCst) || self.field.generation() != generation {
                return Ok(());
            }
            match stream.read(&mut chunk) {
                Ok(0) => return Ok(()),
                Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    continue;
                }
                Err(e) => return Err(e),
            }
            for body in take_frames(&mut buf) {
                match VpcdMessage::parse(&body) {
                    VpcdMessage::Empty => return Ok(()),
                    VpcdMessage::PowerOff => self.power(Power::Off),
                    VpcdMessage::PowerOn => self.power(Power::On),
                    VpcdMessage::Reset => self.power(Power::Reset),
                    VpcdMessage::UnknownControl(c) => {
                        tracing::debug!("vpcd: unknown control code {c:02X} ignored");
                    }
                    VpcdMessage::GetAtr => {
                        let Some(atr) = self.field.with_occupant(|c| c.map(|c| c.atr())) else {
                            return Ok(());
                        };
                        stream.write_all(&encode_frame(&atr))?;
                    }
                    VpcdMessage::Apdu(capdu) => {
                        let Some(rapdu) = self.field.with_occupant(|c| c.map(|c| c.handle(&capdu)))
                        else {
                            return Ok(());
                        };
                        match self.faults.take() {
                            None => stream.write_all(&encode_frame(&rapdu))?,
                            Some(Fault::RemoveCard | Fault::Disconnect | Fault::Silence) => {
                                // The card leaves mid-command: no answer, connection closed.
                                self.field.take();
                                return Ok(());
                            }
                            Some(f) => {
                                if let Some(shaped) = f.apply(rapdu) {
                                    stream.write_all(&encode_frame(&shaped))?;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn power(&self, event: Power) {
        self.field.with_occupant(|c| {
            if let Some(c) = c {
                c.power(event);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn framing_and_messages() {
        assert_eq!(encode_frame(&[0x3B, 0x00]), [0, 2, 0x3B, 0]);
        let mut buf = vec![0, 1, 4, 0, 5, 0xFF, 0xCA, 0, 0, 0, 0, 3];
        let frames = take_frames(&mut buf);
        assert_eq!(frames, vec![vec![4], vec![0xFF, 0xCA, 0, 0, 0]]);
        assert_eq!(buf, vec![0, 3]);
        assert_eq!(VpcdMessage::parse(&frames[0]), VpcdMessage::GetAtr);
        assert_eq!(VpcdMessage::parse(&[3]), VpcdMessage::UnknownControl(3));
        assert!(matches!(
            VpcdMessage::parse(&frames[1]),
            VpcdMessage::Apdu(_)
        ));
        assert_eq!(reader_name(VPCD_PORT_1), "Virtual PCD 00 01");
    }

    proptest! {
        #[test]
        fn take_frames_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut b = bytes;
            let _ = take_frames(&mut b);
        }
    }
}
