//! Family `pn532`, device side: a PN532 module on its UART (HSU), written from
//! reader-protocols.md §2 and firmware-protocols/pn532.md.
//!
//! Behaviour (firmware-protocols/pn532.md says which source each follows):
//! - Powers up in LowVbat: frames are ignored until a wake-up (`55`…) arrives, and
//!   after it every frame but SAMConfiguration still is, until SAMConfiguration brings
//!   it to normal mode (libnfc after the PN532 application note).
//! - PowerDown (`D4 16`) answers, then sleeps: frames are ignored until a wake-up, after
//!   which it is in normal mode at once.
//! - Every well-formed command frame (TFI `D4`) is ACKed, then answered (TFI `D5`,
//!   code + 1). Unknown commands and bad parameters get the error frame after the ACK.
//!   Frames with a bad LCS/DCS are ignored (no ACK): the host times out.
//! - A host NACK makes it send its last reply again; a host ACK aborts a command that
//!   is still waiting (InListPassiveTarget with MaxRetries `FF` and no card).
//! - InListPassiveTarget (106 kbps type A) reports the card in the [`Field`] with its
//!   ATQA, SAK, UID and ATS; with finite MaxRetries and no card, `NbTg = 0`.
//! - InDataExchange forwards data to the card's APDU handler; status `01` (timeout)
//!   when the card has gone, cannot take APDUs, or works longer than the RF timeout
//!   (the card still ran the command), `27` when no target is listed. An answer longer
//!   than the chunk size goes out in parts with the MI bit (`40`); InDataExchange with
//!   only Tg fetches the next part.

mod commands;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::field::Field;
use super::picc::Picc;
use super::serial::VirtualSerialDevice;
use crate::devices::pn532::protocol::{self as p, Decoded, Frame};

/// The RF field of the emulated PN532.
pub type PiccField = Field<Picc>;

/// Cards presented one after the other, one poll each, when the field is empty: a
/// burst of taps without a test placing and taking cards.
#[derive(Debug, Clone, Default)]
pub struct PiccBurst(Arc<Mutex<VecDeque<Picc>>>);

impl PiccBurst {
    /// An empty queue.
    pub fn new() -> Self {
        PiccBurst::default()
    }

    /// Queues these cards, in order.
    pub fn push_all(&self, cards: impl IntoIterator<Item = Picc>) {
        if let Ok(mut q) = self.0.lock() {
            q.extend(cards);
        }
    }

    /// Cards not presented yet.
    pub fn pending(&self) -> usize {
        self.0.lock().map(|q| q.len()).unwrap_or(0)
    }

    fn pop(&self) -> Option<Picc> {
        self.0.lock().ok().and_then(|mut q| q.pop_front())
    }
}

/// The chip's power state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerState {
    /// Power-up state, asleep: frames are ignored until a wake-up.
    LowVbat,
    /// Woken from LowVbat: only SAMConfiguration is heard.
    LowVbatAwake,
    /// After PowerDown, asleep until a wake-up.
    PowerDown,
    /// Normal mode.
    Normal,
}

/// Largest InDataExchange answer in one reply (DataIn of the PN532 user manual);
/// longer card answers go out in parts with the MI bit.
pub const EXCHANGE_CHUNK: usize = 262;

/// How long the emulated PN532 waits for a card's answer (emulator choice: the sources
/// give no default for the InDataExchange timeout).
pub const RF_TIMEOUT: Duration = Duration::from_millis(100);

/// An emulated PN532.
pub struct Pn532Emulator {
    field: PiccField,
    burst: PiccBurst,
    rx: Vec<u8>,
    power: PowerState,
    sam_configured: bool,
    /// MaxRetries for passive activation (`FF` = forever).
    passive_retries: u8,
    /// The listed target's UID, while it stays selected.
    listed: Option<Vec<u8>>,
    last_reply: Option<Vec<u8>>,
    /// An InListPassiveTarget waiting for a card (MaxRetries `FF`).
    waiting: bool,
    firmware: [u8; 4],
    chunk: usize,
    /// The rest of a card answer sent with MI.
    more: Vec<u8>,
    rf_timeout: Duration,
}

impl Pn532Emulator {
    /// A PN532 (IC 32, firmware 1.6, support 07) whose field is `field`.
    pub fn new(field: PiccField) -> Self {
        Pn532Emulator {
            field,
            burst: PiccBurst::new(),
            rx: Vec::new(),
            power: PowerState::LowVbat,
            sam_configured: false,
            passive_retries: 0xFF,
            listed: None,
            last_reply: None,
            waiting: false,
            firmware: [0x32, 0x01, 0x06, 0x07],
            chunk: EXCHANGE_CHUNK,
            more: Vec::new(),
            rf_timeout: RF_TIMEOUT,
        }
    }

    /// Sends InDataExchange answers in parts of `n` bytes (MI bit on all but the last).
    pub fn with_exchange_chunk(mut self, n: usize) -> Self {
        self.chunk = n.clamp(1, EXCHANGE_CHUNK);
        self
    }

    /// How long the chip waits for a card's answer.
    pub fn with_rf_timeout(mut self, timeout: Duration) -> Self {
        self.rf_timeout = timeout;
        self
    }

    /// The power state.
    pub fn power_state(&self) -> PowerState {
        self.power
    }

    /// Presents the cards queued in `burst`, one per InListPassiveTarget, while the
    /// field is empty.
    pub fn with_burst(mut self, burst: PiccBurst) -> Self {
        self.burst = burst;
        self
    }

    /// Whether SAMConfiguration has been received since wake-up.
    pub fn is_configured(&self) -> bool {
        self.sam_configured
    }
}

impl VirtualSerialDevice for Pn532Emulator {
    fn receive(&mut self, bytes: &[u8], _now: Instant) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for &b in bytes {
            // The wake-up preamble: 55 bytes outside a frame.
            if b == 0x55 && self.rx.iter().all(|x| *x == 0x00 || *x == 0x55) {
                self.power = match self.power {
                    PowerState::LowVbat => {
                        self.sam_configured = false;
                        PowerState::LowVbatAwake
                    }
                    PowerState::PowerDown => PowerState::Normal,
                    other => other,
                };
                self.rx.clear();
                continue;
            }
            self.rx.push(b);
        }
        loop {
            match p::decode(&self.rx) {
                Decoded::NeedMore { skip } => {
                    self.rx.drain(..skip.min(self.rx.len()));
                    break;
                }
                Decoded::Frame { consumed, frame } => {
                    self.rx.drain(..consumed.min(self.rx.len()));
                    if !self.hears(&frame) {
                        continue; // asleep, or LowVbat before SAMConfiguration
                    }
                    match frame {
                        Ok(Frame::Ack) => {
                            // Abort whatever is still pending.
                            self.waiting = false;
                        }
                        Ok(Frame::Nack) => {
                            if let Some(r) = self.last_reply.clone() {
                                out.push(r);
                            }
                        }
                        Ok(Frame::Info {
                            tfi: p::TFI_HOST,
                            data,
                        }) => {
                            out.push(p::ACK.to_vec());
                            let r = self.command(&data);
                            if !r.is_empty() {
                                out.push(r);
                            }
                        }
                        Ok(Frame::Info { .. } | Frame::Error) => {
                            out.push(p::ACK.to_vec());
                            out.push(self.error());
                        }
                        Err(_) => {} // bad checksum: ignored, the host times out
                    }
                }
            }
        }
        out
    }

    fn poll(&mut self, _now: Instant) -> Vec<Vec<u8>> {
        if self.waiting
            && let Some(r) = self.list_target()
        {
            self.waiting = false;
            return vec![r];
        }
        Vec::new()
    }

    fn next_wakeup(&self, _now: Instant) -> Option<Instant> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::pn532::protocol::cmd;
    use crate::emulator::ApduHandler;
    use crate::emulator::picc::Picc;
    use crate::transport::trace::parse_hex;

    fn hex(s: &str) -> Vec<u8> {
        parse_hex(s).unwrap()
    }

    #[test]
    fn asleep_until_woken() {
        let mut e = Pn532Emulator::new(Field::empty());
        let now = Instant::now();
        assert!(
            e.receive(&hex("00 00 FF 02 FE D4 02 2A 00"), now)
                .is_empty()
        );
        // woken from LowVbat: only SAMConfiguration is heard
        let out = e.receive(&hex("55 55 00 00 00 00 00 FF 02 FE D4 02 2A 00"), now);
        assert!(out.is_empty());
        assert_eq!(e.power_state(), PowerState::LowVbatAwake);
        let sam = e.receive(&p::command(cmd::SAM_CONFIGURATION, &[1, 0x14, 1]), now);
        assert_eq!(sam[1], hex("00 00 FF 02 FE D5 15 16 00"));
        assert_eq!(e.power_state(), PowerState::Normal);
        let out = e.receive(&hex("00 00 FF 02 FE D4 02 2A 00"), now);
        assert_eq!(
            out,
            vec![
                p::ACK.to_vec(),
                hex("00 00 FF 06 FA D5 03 32 01 06 07 E8 00")
            ]
        );
        // NACK: the last reply again.
        assert_eq!(
            e.receive(&p::NACK, now),
            vec![hex("00 00 FF 06 FA D5 03 32 01 06 07 E8 00")]
        );
    }

    #[test]
    fn waits_for_a_card_with_infinite_retries_and_aborts_on_ack() {
        let field = Field::empty();
        let mut e = Pn532Emulator::new(field.clone());
        let now = Instant::now();
        e.receive(&p::WAKE_UP, now);
        e.receive(&p::command(cmd::SAM_CONFIGURATION, &[1]), now);
        let out = e.receive(&p::command(cmd::IN_LIST_PASSIVE_TARGET, &[1, 0]), now);
        assert_eq!(out, vec![p::ACK.to_vec()]);
        assert!(e.poll(now).is_empty());
        field.place(Picc::storage(&[0xDE, 0xAD, 0xBE, 0xEF]));
        assert_eq!(
            e.poll(now),
            vec![hex(
                "00 00 FF 0C F4 D5 4B 01 01 00 04 08 04 DE AD BE EF 96 00"
            )]
        );
        field.take();
        e.receive(&p::command(cmd::IN_LIST_PASSIVE_TARGET, &[1, 0]), now);
        e.receive(&p::ACK, now);
        field.place(Picc::storage(&[1, 2, 3, 4]));
        assert!(e.poll(now).is_empty(), "aborted command must not answer");
    }

    #[test]
    fn power_down_sleeps_until_a_wake_up_without_sam() {
        let mut e = Pn532Emulator::new(Field::empty());
        let now = Instant::now();
        e.receive(&p::WAKE_UP, now);
        e.receive(&p::command(cmd::SAM_CONFIGURATION, &[1]), now);
        let out = e.receive(&p::command(cmd::POWER_DOWN, &[0xF0]), now);
        assert_eq!(out[1], p::reply(0x17, &[0x00]));
        assert_eq!(e.power_state(), PowerState::PowerDown);
        assert!(
            e.receive(&p::command(cmd::GET_FIRMWARE_VERSION, &[]), now)
                .is_empty()
        );
        e.receive(&[0x55, 0x55, 0, 0, 0], now);
        assert_eq!(e.power_state(), PowerState::Normal);
        assert_eq!(
            e.receive(&p::command(cmd::GET_FIRMWARE_VERSION, &[]), now)
                .len(),
            2
        );
    }

    #[test]
    fn long_answers_go_out_in_parts_with_the_mi_bit() {
        struct Long;
        impl ApduHandler for Long {
            fn handle(&mut self, _: &[u8]) -> Vec<u8> {
                let mut a: Vec<u8> = (0..10).collect();
                a.extend_from_slice(&[0x90, 0x00]);
                a
            }
        }
        let field = Field::with(Picc::iso14443_4(
            &[1, 2, 3, 4],
            &[5, 0x75, 0x77, 0x81, 2],
            Box::new(Long),
        ));
        let mut e = Pn532Emulator::new(field).with_exchange_chunk(5);
        let now = Instant::now();
        e.receive(&p::WAKE_UP, now);
        e.receive(&p::command(cmd::SAM_CONFIGURATION, &[1]), now);
        e.receive(&p::command(cmd::IN_LIST_PASSIVE_TARGET, &[1, 0]), now);
        let part = |e: &mut Pn532Emulator, params: &[u8]| {
            e.receive(&p::command(cmd::IN_DATA_EXCHANGE, params), now)[1].clone()
        };
        assert_eq!(
            part(&mut e, &[1, 0, 1, 0, 0]),
            p::reply(0x41, &[0x40, 0, 1, 2, 3, 4])
        );
        assert_eq!(part(&mut e, &[1]), p::reply(0x41, &[0x40, 5, 6, 7, 8, 9]));
        assert_eq!(part(&mut e, &[1]), p::reply(0x41, &[0x00, 0x90, 0x00]));
    }
}
