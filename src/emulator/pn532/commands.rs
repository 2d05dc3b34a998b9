//! The PN532 commands the emulator answers (reader-protocols.md §2; firmware-protocols/
//! pn532.md).

use super::{Pn532Emulator, PowerState};
use crate::devices::pn532::protocol::{self as p, Frame, FrameError, cmd};
use crate::emulator::ApduHandler;

impl Pn532Emulator {
    /// Whether the chip hears `frame` in its power state: nothing while asleep, only
    /// SAMConfiguration after a wake-up from LowVbat.
    pub(super) fn hears(&self, frame: &Result<Frame, FrameError>) -> bool {
        match self.power {
            PowerState::LowVbat | PowerState::PowerDown => false,
            PowerState::LowVbatAwake => matches!(
                frame,
                Ok(Frame::Info { tfi: p::TFI_HOST, data }) if data.first() == Some(&cmd::SAM_CONFIGURATION)
            ),
            PowerState::Normal => true,
        }
    }

    pub(super) fn reply(&mut self, code: u8, data: &[u8]) -> Vec<u8> {
        let f = p::reply(code.wrapping_add(1), data);
        self.last_reply = Some(f.clone());
        f
    }

    pub(super) fn error(&mut self) -> Vec<u8> {
        let f = p::ERROR_FRAME.to_vec();
        self.last_reply = Some(f.clone());
        f
    }

    /// The InListPassiveTarget reply for what is in the field now, if anything.
    pub(super) fn list_target(&mut self) -> Option<Vec<u8>> {
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

    pub(super) fn command(&mut self, data: &[u8]) -> Vec<u8> {
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
                self.power = PowerState::Normal;
                self.reply(code, &[])
            }
            // PowerDown: WakeUpEnable [, GenerateIRQ]; answers, then sleeps
            (cmd::POWER_DOWN, [_enable] | [_enable, _]) => {
                let r = self.reply(code, &[0x00]);
                self.power = PowerState::PowerDown;
                self.listed = None;
                r
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
                let status_and_data = if payload.is_empty() && !self.more.is_empty() {
                    self.next_part(Vec::new())
                } else {
                    self.more.clear();
                    self.exchange(*tg, payload)
                };
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
        let rf_timeout = self.rf_timeout;
        let answer = self.field.with_occupant(|picc| match picc {
            Some(c) if c.uid == uid && c.is_iso14443_4() => {
                let slow = c.processing_time(payload) > rf_timeout;
                // a slow card still runs the command; its late answer is lost
                let a = c.handle(payload);
                Some((!slow).then_some(a))
            }
            _ => None,
        });
        match answer {
            Some(Some(a)) => self.next_part(a),
            // too late: timeout, but the card is still there and stays selected
            Some(None) => vec![0x01],
            None => {
                // The card left, or does not speak APDUs: it never answers.
                self.listed = None;
                vec![0x01]
            }
        }
    }

    /// Status and the next part of a card answer (`answer` empty: of the one pending):
    /// MI set while more remains.
    fn next_part(&mut self, answer: Vec<u8>) -> Vec<u8> {
        let mut rest = if answer.is_empty() {
            std::mem::take(&mut self.more)
        } else {
            answer
        };
        let tail = rest.split_off(rest.len().min(self.chunk));
        let status = if tail.is_empty() { 0x00 } else { p::STATUS_MI };
        self.more = tail;
        rest.insert(0, status);
        rest
    }
}
