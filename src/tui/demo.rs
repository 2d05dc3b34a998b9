//! `tokenstation demo` on a terminal: a fresh temporary store seeded with sample
//! products (one per emulated token family), holders, locations, tokens (two of them
//! on deployed Molto2s whose clocks drift: [`deployed`]), presence history and a card
//! and a tag enrolled, plus emulated hardware
//! (`hardware`): a YubiKey, a Token2 NFC token, a Molto2 and a Nitrokey Pro to burn,
//! a badge card in a PC/SC reader, a PN532 (the Token2 token in its field) and an
//! RDM6300 (Alice's tag, the Lobby kiosk's reader) on pseudo-terminals — behind
//! pcscd/vpcd when it runs, else in process. Everything in the store is made through
//! station use cases.

use std::path::{Path, PathBuf};

use crate::devices::rdm6300::protocol::Tag;
use crate::devices::{Tap, TapKind, Uid};
use crate::model::{Family, Product};
use crate::otp::OtpParams;
use crate::station::presence::CredentialKey;
use crate::station::presence::kiosk::{Kiosk, KioskInput};
use crate::station::seed_input::SeedInput;
use crate::station::{Actor, KeySource, Station};

/// The demo store's passphrase (the kiosk's operator passphrase too).
pub const PASSPHRASE: &str = "demo-station";
/// The tag the emulated RDM6300 holds: Alice's.
pub const ALICE_TAG: Tag = Tag {
    version: 0x0A,
    id: 0x00B1_C2D3,
};
/// The product the wizard burns (a YubiKey's OATH applet).
pub const BURN_PRODUCT: &str = "YubiKey OATH";
/// The products of the other emulated token families (Token2 NFC, Molto2, Nitrokey
/// Pro), one each, bound to the family.
pub const DEVICE_PRODUCTS: [(&str, Family); 3] = [
    ("Token2 NFC", Family::Token2Nfc),
    ("Molto2", Family::Molto2),
    ("Nitrokey Pro", Family::Nitrokey),
];
/// The in-process YubiKey's reader name.
pub const YUBIKEY_READER: &str = "Virtual YubiKey (in process)";

pub mod bench;
pub mod deployed;
pub mod devices;
mod hardware;

pub use hardware::{DemoHardware, start_hardware};

fn product(name: &str, family: Family, programmable: bool) -> Product {
    Product {
        id: 0,
        name: name.into(),
        vendor: None,
        model: None,
        family,
        params: OtpParams::default(),
        programmable,
        drift_per_year: None,
        skew: 1,
    }
}

/// Creates the demo store at `db` with the key from `source`, its audit lines by
/// `actor`, seeded at `now` for the hardware `hw`: the kiosk of the Lobby listens to
/// its RDM6300 when it has one, and its deployed Molto2s carry the drifting tokens
/// ([`deployed`]).
pub fn seed(
    db: &Path,
    source: &KeySource,
    actor: Actor,
    now: i64,
    hw: &DemoHardware,
) -> crate::station::Result<Station> {
    let mut st = Station::init_as(db, source, now - 40 * 86_400, actor)?;
    let t0 = now - 30 * 86_400;
    st.product_add(&product("Demo TOTP", Family::Generic, false), t0)?;
    st.product_add(&product(BURN_PRODUCT, Family::Ykoath, true), t0)?;
    for (name, family) in DEVICE_PRODUCTS {
        st.product_add(&product(name, family, true), t0)?;
    }
    st.location_add("Lobby", "UTC", t0)?;
    st.location_add("Lab", "Europe/Berlin", t0)?;
    for (id, label) in [
        ("badge-0001", "Alice"),
        ("badge-0002", "Bob"),
        ("badge-0003", "Carol"),
    ] {
        st.holder_add(id, Some(label), t0)?;
    }
    if let Some(k) = CredentialKey::tag_bytes(&ALICE_TAG.bytes()) {
        st.holder_enrol("badge-0001", &k, t0)?;
    }
    st.holder_enrol(
        "badge-0002",
        &CredentialKey::card(&[0x04, 0xA1, 0xB2, 0xC3]),
        t0,
    )?;
    st.holder_enrol(
        "badge-0003",
        &CredentialKey::card(&[0x04, 0xC0, 0xFF, 0xEE]),
        t0,
    )?;
    if let Some(p) = &hw.rdm6300 {
        st.location_readers_set("Lobby", &[format!("rdm6300:{}", p.display())], &[], t0)?;
    }
    for n in (1..=12u32).filter(|n| !matches!(n, 4 | 5)) {
        let serial = format!("DEMO-{n:04}");
        st.token_add(&serial, "Demo TOTP", SeedInput::Generate, t0)?;
        let loc = if n % 2 == 0 { "Lab" } else { "Lobby" };
        st.token_assign_location(&serial, None, Some(loc), t0)?;
        if n <= 3 {
            let holder = format!("badge-000{n}");
            st.token_assign_holder(&serial, None, &holder, t0)?;
        }
        if n <= 9 {
            let code = st.token_code(&serial, None, t0)?;
            st.token_activate(&serial, None, &code.code, t0)?;
        }
    }
    deployed::deploy(&mut st, &hw.deployed, now)?;
    st.token_set_status("DEMO-0010", None, crate::model::TokenStatus::Disabled, t0)?;
    st.token_set_status("DEMO-0011", None, crate::model::TokenStatus::Lost, t0)?;
    // Presence history: Bob came and went, Carol is in (cards tapped at the Lobby).
    {
        let mut k = Kiosk::new(&mut st, "Lobby")?;
        let bob = [0x04, 0xA1, 0xB2, 0xC3];
        let carol = [0x04, 0xC0, 0xFF, 0xEE];
        for (seq, (uid, ago)) in [(bob, 3 * 3600), (carol, 2 * 3600), (bob, 3600)]
            .into_iter()
            .enumerate()
        {
            k.handle(KioskInput::Tap {
                tap: Tap {
                    reader: "demo".into(),
                    kind: TapKind::Card(Uid(uid.to_vec())),
                },
                seq: seq as u64,
                at_ms: (now - ago) * 1000,
                feedback: None,
            });
        }
    }
    Ok(st)
}

/// `tokenstation demo` on a terminal: seeds a store in `keep` (kept) or in a
/// temporary directory (removed when the TUI ends), starts the emulated hardware and
/// runs the TUI on it.
pub fn run(keep: Option<PathBuf>) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let tmp;
    let dir = match keep {
        Some(d) => {
            std::fs::create_dir_all(&d)
                .with_context(|| format!("cannot create {}", d.display()))?;
            d
        }
        None => {
            tmp = tempfile::Builder::new()
                .prefix("tokenstation-demo-")
                .tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let hw = start_hardware();
    let now = crate::station::presence::kiosk::now_ms() / 1000;
    let source = KeySource::Passphrase(zeroize::Zeroizing::new(PASSPHRASE.into()));
    let db = dir.join("station.db");
    let st = seed(&db, &source, Actor::current(), now, &hw)?;
    super::run(st, Some(hw), None)
}
