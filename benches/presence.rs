//! Presence kiosk latency and bursts: from a tap arriving on the reader link to its
//! committed event, through the reader driver, the reader thread, the channel, the
//! kiosk loop and one durable (`synchronous=FULL`) SQLite transaction, as `kiosk` runs.
//!
//! - RDM6300: frames written into an in-process serial link (the bench stands where
//!   the module's UART would be), timed from the write.
//! - PN532: a card placed in an emulated PN532's field, timed from the placement
//!   (includes the driver's polling interval).
//! - Keyboard wedge: boot reports typed into an in-process HID link.
//! - A burst of 1,000 RDM6300 taps written at once: time to commit all, none lost.
//!
//! p50/p99 over 1,000 taps are printed before criterion's own statistics.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use tokenstation::devices::DeviceError;
use tokenstation::devices::hid_wedge::WedgeReader;
use tokenstation::devices::pn532::presence::Pn532Presence;
use tokenstation::devices::presence::BoxedReader;
use tokenstation::devices::rdm6300::presence::Rdm6300Presence;
use tokenstation::devices::rdm6300::{Tag, protocol};
use tokenstation::emulator::fault::Faults;
use tokenstation::emulator::field::Field;
use tokenstation::emulator::hid::{KeyboardWedge, VirtualHidDevice};
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::picc::Picc;
use tokenstation::emulator::pn532::Pn532Emulator;
use tokenstation::emulator::serial::spawn_in_process;
use tokenstation::station::jobs::CancelToken;
use tokenstation::station::presence::CredentialKey;
use tokenstation::station::presence::admin::SettingsChange;
use tokenstation::station::presence::kiosk::{Kiosk, KioskInput, LineKind, spawn_reader};
use tokenstation::station::{KeySource, Station, default_key_file};
use tokenstation::transport::{LinkError, SerialLink};

const HOLDERS: u32 = 2_000;

fn tag(i: u32) -> Tag {
    Tag {
        version: 0x01,
        id: 0x0200_0000 + i,
    }
}

fn card(i: u32) -> Vec<u8> {
    (0x0400_0000 + i).to_be_bytes().to_vec()
}

/// A fresh durable store with HOLDERS holders, each with a tag and a card; taps
/// toggle with no minimum interval and no folding (every tap is one event).
fn station(dir: &std::path::Path) -> Station {
    let db = dir.join("s.db");
    let mut st = Station::init(&db, &KeySource::File(default_key_file(&db)), 0).unwrap();
    st.location_add("Lobby", "Europe/Paris", 0).unwrap();
    for i in 0..HOLDERS {
        let h = format!("h{i:05}");
        st.holder_add(&h, None, 0).unwrap();
        st.holder_enrol(&h, &CredentialKey::tag_bytes(&tag(i).bytes()).unwrap(), 0)
            .unwrap();
        st.holder_enrol(&h, &CredentialKey::card(&card(i)), 0)
            .unwrap();
    }
    let change = SettingsChange {
        min_interval: Some(0),
        fold: Some(0),
        ..SettingsChange::default()
    };
    st.location_presence_set("Lobby", &change, 0).unwrap();
    st.durable().unwrap();
    st
}

/// The host end of a wire the bench writes into, as a [`SerialLink`].
struct Pipe {
    rx: Receiver<Vec<u8>>,
    pending: VecDeque<u8>,
}

impl SerialLink for Pipe {
    fn port(&self) -> &str {
        "bench-pipe"
    }
    fn read_raw(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        if self.pending.is_empty() {
            match self.rx.recv_timeout(timeout) {
                Ok(b) => self.pending.extend(b),
                Err(RecvTimeoutError::Timeout) => return Ok(0),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(LinkError::Disconnected {
                        reader: "bench-pipe".into(),
                    });
                }
            }
        }
        while let Ok(more) = self.rx.try_recv() {
            self.pending.extend(more);
        }
        let n = buf.len().min(self.pending.len());
        for (s, b) in buf.iter_mut().zip(self.pending.drain(..n)) {
            *s = b;
        }
        Ok(n)
    }
    fn write_raw(&mut self, _data: &[u8]) -> Result<(), LinkError> {
        Ok(())
    }
    fn clear_input(&mut self) -> Result<(), LinkError> {
        Ok(())
    }
}

/// A wedge whose keystrokes come from the bench.
struct RemoteWedge(Receiver<u32>, KeyboardWedge);

impl VirtualHidDevice for RemoteWedge {
    fn output_report(&mut self, r: &[u8]) {
        self.1.output_report(r);
    }
    fn input_report(&mut self) -> Option<Vec<u8>> {
        while let Ok(id) = self.0.try_recv() {
            self.1.tap_em4100(id);
        }
        self.1.input_report()
    }
    fn set_feature(&mut self, r: &[u8]) -> Result<(), String> {
        self.1.set_feature(r)
    }
    fn get_feature(&mut self, id: u8, len: usize) -> Result<Vec<u8>, String> {
        self.1.get_feature(id, len)
    }
}

type Opener = Box<dyn FnMut() -> Result<BoxedReader, DeviceError> + Send>;

/// Runs a kiosk on `open`'s reader; `events` receives the commit instant of each
/// acknowledged event. Returns a stop function.
fn kiosk(dir: std::path::PathBuf, open: Opener) -> (Receiver<Instant>, impl FnOnce()) {
    let (ev_tx, ev_rx) = mpsc::channel();
    let (tx, rx) = mpsc::channel::<KioskInput>();
    let stop = CancelToken::new();
    let reader = spawn_reader(
        "bench".into(),
        open,
        tx.clone(),
        stop.clone(),
        Duration::from_millis(10),
    )
    .unwrap();
    let ready = Arc::new(Mutex::new(false));
    let r2 = Arc::clone(&ready);
    let loop_thread = std::thread::spawn(move || {
        let mut st = station(&dir);
        *r2.lock().unwrap() = true;
        let mut k = Kiosk::new(&mut st, "Lobby").unwrap();
        k.run(&rx, |l| {
            if l.kind == LineKind::Event {
                let _ = ev_tx.send(Instant::now());
            }
        });
    });
    while !*ready.lock().unwrap() {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(200));
    let stopper = move || {
        stop.cancel();
        let _ = tx.send(KioskInput::Stop);
        let _ = loop_thread.join();
        let _ = reader.join();
    };
    (ev_rx, stopper)
}

fn percentiles(name: &str, mut v: Vec<Duration>) {
    v.sort();
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p) as usize];
    println!(
        "presence latency {name}: n={} p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        v.len(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3
    );
}

/// Taps one at a time; `tap(i)` presents tap i and returns its start instant.
fn measure(
    events: &Receiver<Instant>,
    n: u32,
    mut tap: impl FnMut(u32) -> Instant,
) -> Vec<Duration> {
    (0..n)
        .map(|i| {
            let t0 = tap(i % HOLDERS);
            let t1 = events
                .recv_timeout(Duration::from_secs(5))
                .expect("tap lost");
            t1 - t0
        })
        .collect()
}

fn rdm6300_pipe() -> (Sender<Vec<u8>>, Opener) {
    let (tx, rx) = mpsc::channel();
    let mut pipe = Some(Pipe {
        rx,
        pending: VecDeque::new(),
    });
    let open: Opener = Box::new(move || {
        let p = pipe.take().ok_or(LinkError::Disconnected {
            reader: "pipe".into(),
        })?;
        Ok(Box::new(Rdm6300Presence::new(p, "rdm6300:bench")?) as BoxedReader)
    });
    (tx, open)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();

    // RDM6300: frame on the wire → committed event.
    let (wire, open) = rdm6300_pipe();
    let (events, stop) = kiosk(dir.path().join("rdm"), open);
    let mut next = 0u32;
    let mut tap = |i: u32| {
        let t0 = Instant::now();
        wire.send(protocol::encode(&tag(i)).to_vec()).unwrap();
        t0
    };
    percentiles(
        "rdm6300 (frame written → event committed)",
        measure(&events, 1000, &mut tap),
    );
    c.bench_function("presence/rdm6300 tap to committed event", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                next = (next + 1) % HOLDERS;
                let t0 = tap(next);
                total += events.recv_timeout(Duration::from_secs(5)).unwrap() - t0;
            }
            total
        })
    });
    // Burst: 1,000 frames written at once.
    let t0 = Instant::now();
    let mut burst = Vec::new();
    for i in 0..1000 {
        burst.extend_from_slice(&protocol::encode(&tag(i)));
    }
    wire.send(burst).unwrap();
    for k in 0..1000 {
        events
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("burst lost taps: {k} of 1000 committed"));
    }
    let took = t0.elapsed();
    println!(
        "presence burst: 1000 RDM6300 taps committed in {:.0} ms ({:.0} taps/s), none lost",
        took.as_secs_f64() * 1e3,
        1000.0 / took.as_secs_f64()
    );
    stop();

    // PN532: card placed in the field → committed event (includes polling).
    let field = Field::empty();
    let (link, dev) = spawn_in_process(
        "pn532:bench",
        Pn532Emulator::new(field.clone()),
        Faults::new(),
    );
    let mut link = Some(link);
    let open: Opener = Box::new(move || {
        let l = link.take().ok_or(LinkError::Disconnected {
            reader: "pn532".into(),
        })?;
        Ok(Box::new(Pn532Presence::new(l, "pn532:bench")) as BoxedReader)
    });
    let (events, stop) = kiosk(dir.path().join("pn532"), open);
    let lat = measure(&events, 300, |i| {
        field.take();
        std::thread::sleep(Duration::from_millis(30)); // an empty poll between cards
        let t0 = Instant::now();
        field.place(Picc::storage(&card(i)));
        t0
    });
    percentiles(
        "pn532 (card placed → event committed, polling every 20 ms)",
        lat,
    );
    stop();
    dev.stop();

    // Keyboard wedge: keystrokes → committed event.
    let (keys, krx) = mpsc::channel();
    let mut wedge = Some(RemoteWedge(krx, KeyboardWedge::new()));
    let open: Opener = Box::new(move || {
        let w = wedge.take().ok_or(LinkError::Disconnected {
            reader: "wedge".into(),
        })?;
        Ok(Box::new(WedgeReader::new(InProcess::hid("hid:bench", w))) as BoxedReader)
    });
    let (events, stop) = kiosk(dir.path().join("hid"), open);
    let lat = measure(&events, 1000, |i| {
        let t0 = Instant::now();
        keys.send(tag(i).id).unwrap();
        t0
    });
    percentiles("hid wedge (keys typed → event committed)", lat);
    stop();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
