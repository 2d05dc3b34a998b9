//! The demo's deployed tokens, whose clocks drift: two Molto2s handed out a month
//! before the demo begins, each carrying one store token in profile 0 (titled after
//! its serial, as a burn names it) and each with a crystal that runs fast — DEMO-0004
//! (Lab) about a step every three days, DEMO-0005 (Lobby) about two steps every three
//! days, near the edge of its window by now. The store saw them through a month of
//! daily verifications of the codes their displays showed, so the drift screen
//! predicts them; fixing one there writes its device's clock through the real Molto2
//! driver in process (token-protocols.md §3.4–3.5, the time sync). The emulator is the device
//! ([`crate::emulator::molto2`]); this file only places it and tells the store.

use zeroize::Zeroizing;

use super::bench::DemoToken;
use super::devices::{Emulated, TokenKind};
use crate::emulator::clock::DeviceClock;
use crate::emulator::molto2::Molto2Card;
use crate::otp::Secret;
use crate::station::seed_input::SeedInput;
use crate::station::{Result, Station, StationError};

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

/// Deploys the drifting tokens a month before `now`: a fresh seed from the OS in
/// profile 0 of each device (its clock set then, drifting from there), the store token
/// registered with the same seed, assigned and activated with the code the display
/// showed, then verified once a day with the code its display showed that day.
pub(super) fn deploy(st: &mut Station, deployed: &[Deployed], now: i64) -> Result<()> {
    let t0 = now - 30 * 86_400;
    for d in deployed {
        let mut seed = Zeroizing::new([0u8; 20]);
        getrandom::fill(&mut seed[..])
            .map_err(|e| StationError::Internal(format!("drawing a demo seed: {e}")))?;
        let card = Molto2Card::new(d.device, DeviceClock::with_offset(t0 * 1000, 0, d.ppm))
            .with_burned(0, d.serial, &seed[..]);
        let display = card.hook();
        d.token.put(Emulated::Molto2(card));
        st.token_add(
            d.serial,
            PRODUCT,
            SeedInput::Secret(Secret::from_slice(&seed[..])),
            t0,
        )?;
        st.token_assign_location(d.serial, None, Some(d.location), t0)?;
        let shown = |at: i64| {
            display.display_code_at(0, at * 1000).ok_or_else(|| {
                StationError::Internal(format!("the demo Molto2 of {} shows no code", d.serial))
            })
        };
        st.token_activate(d.serial, None, &shown(t0)?, t0)?;
        for day in 1..30 {
            let at = t0 + day * 86_400 + 9 * 3600;
            st.verify(d.serial, &shown(at)?, Some(d.location), at, true)?;
        }
    }
    Ok(())
}
