//! The demo's deployed tokens, whose clocks drift: two Molto2s handed out a month
//! before the demo begins, each carrying one store token in profile 0 (titled after
//! its serial, as a burn names it) and each with a crystal that runs fast — DEMO-0004
//! (Lab) about a step every three days, DEMO-0005 (Lobby) about two steps every three
//! days, near the edge of its window by now. They were burned through the real Molto2
//! driver then, and the store saw a month of daily verifications of the codes their
//! displays showed, so the drift screen predicts them; fixing one there writes its
//! device's clock through the same driver (token-protocols.md §3.4–3.5, the time
//! sync). The emulator is the device ([`crate::emulator::molto2`]); this file only
//! places it, burns it and shows its codes to the store.

use zeroize::Zeroizing;

use super::bench::DemoToken;
use super::devices::{Emulated, TokenKind};
use crate::devices::molto2::{DEFAULT_CUSTOMER_KEY, Molto2};
use crate::emulator::clock::DeviceClock;
use crate::emulator::link::InProcess;
use crate::emulator::molto2::Molto2Card;
use crate::station::jobs::{Answer, AskWith};
use crate::station::provision::{BurnOptions, BurnRequest, BurnSeed, Proof};
use crate::station::seed_input::SeedInput;
use crate::station::{Result, Station, StationError, Status};

/// The product the deployed tokens belong to (bound to the Molto2 family).
pub const PRODUCT: &str = "Molto2";

/// A deployed token and the device that carries it.
pub struct Deployed {
    /// The store token's serial (the profile's title).
    pub serial: &'static str,
    /// The location it is assigned to.
    pub location: &'static str,
    /// The device's own serial.
    device: &'static str,
    /// How fast its crystal runs, parts per million.
    ppm: f64,
    /// The device, in its in-process reader.
    pub token: DemoToken,
}

/// Serial, location, device serial, drift in ppm (232 ppm: 20 s a day, two steps every
/// three days).
const DRIFTING: [(&str, &str, &str, f64); 2] = [
    ("DEMO-0004", "Lab", "M2-0900004", 116.0),
    ("DEMO-0005", "Lobby", "M2-0900005", 232.0),
];

/// The in-process reader a deployed token's device sits in.
pub fn reader(serial: &str) -> String {
    format!("Molto2 of {serial} (in process)")
}

/// The deployed devices, factory-fresh until [`deploy`] burns them.
pub(super) fn in_process() -> Vec<Deployed> {
    DRIFTING
        .iter()
        .map(|&(serial, location, device, ppm)| Deployed {
            serial,
            location,
            device,
            ppm,
            token: DemoToken::holding(
                TokenKind::Molto2,
                reader(serial),
                Emulated::fresh(TokenKind::Molto2, 900),
            ),
        })
        .collect()
}

/// Deploys the drifting tokens a month before `now`: each is burned then into profile
/// 0 of its device through the real Molto2 driver (the station's burn: register, clock,
/// seed, title, the code the display showed typed as proof, active), its crystal
/// drifting from there; then it is assigned and verified once a day with the code its
/// display showed that day.
pub(super) fn deploy(st: &mut Station, deployed: &[Deployed], now: i64) -> Result<()> {
    let t0 = now - 30 * 86_400;
    for d in deployed {
        // the device's world stands at t0 for the burn
        let card = Molto2Card::new(d.device, DeviceClock::synced(t0 * 1000))
            .with_frozen_host_time(t0 * 1000);
        let display = card.hook();
        d.token.put(Emulated::Molto2(card.clone()));
        let link = InProcess::card(&d.token.reader, card);
        let mut driver = Molto2::new(link, DEFAULT_CUSTOMER_KEY).with_host_clock(move || t0);
        let shown = display.clone();
        st.burn(
            &mut driver,
            None,
            BurnRequest {
                product: Some(PRODUCT.into()),
                serial: Some(d.serial.into()),
                seed: BurnSeed::New(SeedInput::Generate),
                options: BurnOptions {
                    slot: Some(0),
                    proof: Proof::Typed,
                    ..BurnOptions::default()
                },
                reader: d.token.reader.clone(),
                now: &|| t0,
            },
            &mut AskWith(move |_| match shown.display_code(0) {
                Some(c) => Answer::Text(Zeroizing::new(c)),
                None => Answer::Unavailable,
            }),
        )?;
        // from then on: real time, and a crystal that runs fast
        display.set_clock(DeviceClock::with_offset(t0 * 1000, 0, d.ppm));
        display.shift_host_time(0);
        st.token_assign_location(d.serial, None, Some(d.location), t0)?;
        for day in 1..30 {
            let at = t0 + day * 86_400 + 9 * 3600;
            let code = display.display_code_at(0, at * 1000).ok_or_else(|| {
                StationError::Internal(format!("the demo Molto2 of {} shows no code", d.serial))
            })?;
            let v = st.verify(d.serial, &code, Some(d.location), at, true)?;
            // a history the store refused would leave the drift unlearned, silently
            if v.status != Status::Ok {
                return Err(StationError::Internal(format!(
                    "the demo code of {} on day {day} was {:?}",
                    d.serial, v.status
                )));
            }
        }
    }
    Ok(())
}
