//! Family `pn532`, device side: a PN532 module on its UART (HSU), written from
//! reader-protocols.md §2 and firmware-protocols/pn532.md.
//!
//! Behaviour:
//! - Powers up in LowVbat: frames are ignored until a wake-up (`55`…) arrives; after
//!   that, SAMConfiguration brings it to normal mode (other commands work once awake).
//! - Every well-formed command frame (TFI `D4`) is ACKed, then answered (TFI `D5`,
//!   code + 1). Unknown commands and bad parameters get the error frame after the ACK.
//!   Frames with a bad LCS/DCS are ignored (no ACK): the host times out.
//! - A host NACK makes it send its last reply again; a host ACK aborts a command that
//!   is still waiting (InListPassiveTarget with MaxRetries `FF` and no card).
//! - InListPassiveTarget (106 kbps type A) reports the card in the [`Field`] with its
//!   ATQA, SAK, UID and ATS; with finite MaxRetries and no card, `NbTg = 0`.
//! - InDataExchange forwards data to the card's APDU handler; status `01` (timeout)
//!   when the card has gone or cannot take APDUs, `27` when no target is listed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::ApduHandler;
use super::field::Field;
use super::picc::Picc;
use super::serial::VirtualSerialDevice;
use crate::devices::pn532::protocol::{self as p, Decoded, Frame, cmd};

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

/// An emulated PN532.
pub struct Pn532Emulator {
    field: PiccField,
    burst: PiccBurst,
    rx: Vec<u8>,
    awake: bool,
    sam_configured: bool,
    /// MaxRetries for passive activation (`FF` = forever).
    passive_retries: u8,
    /// The listed target's UID, while it stays selected.
    listed: Option<Vec<u8>>,
    last_reply: Option<Vec<u8>>,
    /// An InListPassiveTarget waiting for a card (MaxRetries `FF`).
    waiting: bool,
    firmware: [u8; 4],
}

impl Pn532Emulator {
    /// A PN532 (IC 32, firmware 1.6, support 07) whose field is `field`.
    pub fn new(field: PiccField) -> Self {
        Pn532Emulator {
            field,
            burst: PiccBurst::new(),
            rx: Vec::new(),
            awake: false,
            sam_configured: false,
            passive_retries: 0xFF,
            listed: None,
            last_reply: None,
            waiting: false,
            firmware: [0x32, 0x01, 0x06, 0x07],
        }
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

    fn reply(&mut self, code: u8, data: &[u8]) -> Vec<u8> {
        let f = p::reply(code.wrapping_add(1), data);
        self.last_reply = Some(f.clone());
        f
    }

    fn error(&mut self) -> Vec<u8> {
        let f = p::ERROR_FRAME.to_vec();
        self.last_reply = Some(f.clone());
        f
    }

    /// The InListPassiveTarget reply for what is in the field now, if anything.
    fn list_target(&mut self) -> Option<Vec<u8>> {
        if !self.field.is_occupied()
            && let Some(card) = self.burst.pop()
        {
            // In the field for this one poll only.
            self.field.place(card);
            let r = self.list_target_in_field();
            self.field.take();
            return r;
        }
        self.list_target_in_field()
    }

    fn list_target_in_field(&mut self) -> Option<Vec<u8>> {
        let target = self.field.with_occupant(|picc| {
            picc.map(|c| {
                // NbTg Tg SENS_RES(2) SEL_RES NFCIDLength NFCID1… (ATS…)
                let mut d = vec![0x01, 0x01, c.atqa[0], c.atqa[1], c.sak, c.uid.len() as u8];
                d.extend_from_slice(&c.uid);
                if let Some(ats) = &c.ats {
                    d.extend_from_slice(ats);
                }
                (c.uid.clone(), d)
            })
        });
        let (uid, data) = target?;
        self.listed = Some(uid);
        Some(self.reply(cmd::IN_LIST_PASSIVE_TARGET, &data))
    }

    fn command(&mut self, data: &[u8]) -> Vec<u8> {
        let Some((&code, params)) = data.split_first() else {
            return self.error();
        };
        match (code, params) {
            (cmd::GET_FIRMWARE_VERSION, []) => {
                let fw = self.firmware;
                self.reply(code, &fw)
            }
            // Mode 01..04, optional timeout and IRQ.
            (cmd::SAM_CONFIGURATION, [mode, ..]) if (1..=4).contains(mode) && params.len() <= 3 => {
                self.sam_configured = true;
                self.reply(code, &[])
            }
            (cmd::RF_CONFIGURATION, [p::RF_ITEM_MAX_RETRIES, _atr, _psl, passive]) => {
                self.passive_retries = *passive;
                self.reply(code, &[])
            }
            (cmd::RF_CONFIGURATION, [0x01 | 0x02 | 0x04 | 0x0A | 0x0B | 0x0C | 0x0D, ..]) => {
                self.reply(code, &[])
            }
            (cmd::IN_LIST_PASSIVE_TARGET, [max_tg, brty, ..]) if (1..=2).contains(max_tg) => {
                self.listed = None;
                if *brty != p::BRTY_106A {
                    // Only 106 kbps type A cards are emulated: none answer other baud rates.
                    return self.reply(code, &[0x00]);
                }
                if let Some(r) = self.list_target() {
                    return r;
                }
                if self.passive_retries == 0xFF {
                    self.waiting = true;
                    Vec::new()
                } else {
                    self.reply(code, &[0x00])
                }
            }
            (cmd::IN_DATA_EXCHANGE, [tg, payload @ ..]) => {
                let status_and_data = self.exchange(*tg, payload);
                self.reply(code, &status_and_data)
            }
            (cmd::IN_RELEASE, [tg]) => {
                if *tg == 0 || *tg == 1 {
                    self.listed = None;
                }
                self.reply(code, &[0x00])
            }
            _ => self.error(),
        }
    }

    /// Status byte + card answer for InDataExchange.
    fn exchange(&mut self, tg: u8, payload: &[u8]) -> Vec<u8> {
        let Some(uid) = self.listed.clone() else {
            return vec![0x27]; // command not acceptable: no target
        };
        if tg != 1 {
            return vec![0x27];
        }
        let answer = self.field.with_occupant(|picc| match picc {
            Some(c) if c.uid == uid && c.is_iso14443_4() => Some(c.handle(payload)),
            _ => None,
        });
        match answer {
            Some(mut a) => {
                a.insert(0, 0x00);
                a
            }
            None => {
                // The card left (or does not speak APDUs): it never answers.
                self.listed = None;
                vec![0x01]
            }
        }
    }
}

impl VirtualSerialDevice for Pn532Emulator {
    fn receive(&mut self, bytes: &[u8], _now: Instant) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for &b in bytes {
            // The wake-up preamble: 55 bytes outside a frame.
            if b == 0x55 && self.rx.iter().all(|x| *x == 0x00 || *x == 0x55) {
                if !self.awake {
                    self.awake = true;
                    self.sam_configured = false;
                }
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
                    if !self.awake {
                        continue; // LowVbat: the UART is not listening yet.
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
        let out = e.receive(&hex("55 55 00 00 00 00 00 FF 02 FE D4 02 2A 00"), now);
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
}
