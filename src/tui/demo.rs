//! `tokenstation demo` on a terminal: a fresh temporary store seeded with sample
//! products, holders, locations, tokens (two of them drifting), presence history and
//! a card and a tag enrolled, plus emulated hardware — an RDM6300 on a
//! pseudo-terminal holding Alice's tag (the Lobby kiosk's reader) and a YubiKey in
//! process for the burn wizard. Everything is made through station use cases.

use std::path::{Path, PathBuf};

use crate::devices::rdm6300::protocol::Tag;
use crate::emulator::scene::{Scene, SceneEvent, SceneSpec};
use crate::emulator::ykoath::OathCard;
use crate::model::{Family, Product};
use crate::otp::OtpParams;
use crate::station::presence::CredentialKey;
use crate::station::presence::kiosk::{Kiosk, KioskInput};
use crate::station::seed_input::SeedInput;
use crate::station::{KeySource, Station};

/// The demo store's passphrase (the kiosk's operator passphrase too).
pub const PASSPHRASE: &str = "demo-station";
/// The tag the emulated RDM6300 holds: Alice's.
pub const ALICE_TAG: Tag = Tag {
    version: 0x0A,
    id: 0x00B1_C2D3,
};
/// The product the wizard burns (a YubiKey's OATH applet).
pub const BURN_PRODUCT: &str = "YubiKey OATH";
/// The in-process YubiKey's reader name.
pub const YUBIKEY_READER: &str = "Virtual YubiKey (in process)";

/// The demo's emulated hardware, kept running while the TUI runs.
pub struct DemoHardware {
    /// The YubiKey the wizard can burn (clones share its state).
    pub yubikey: OathCard,
    /// The RDM6300's pseudo-terminal, when the serial backend is built.
    pub rdm6300: Option<PathBuf>,
    _scene: Option<Scene>,
}

impl DemoHardware {
    /// Lines for the dashboard.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!("{YUBIKEY_READER}: burn it (3)")];
        match &self.rdm6300 {
            Some(p) => out.push(format!("RDM6300 {} (Alice's tag)", p.display())),
            None => out.push("RDM6300: not built (serial feature off)".into()),
        }
        out
    }
}

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

/// Starts the emulated hardware: the RDM6300 on a pseudo-terminal (when the serial
/// backend is built) and the in-process YubiKey.
pub fn start_hardware() -> DemoHardware {
    let spec = SceneSpec {
        rdm6300: Some(ALICE_TAG),
        ..SceneSpec::default()
    };
    let mut path = None;
    let scene = Scene::start(spec, |e| {
        if let SceneEvent::Rdm6300 { path: p, .. } = e {
            path = Some(p);
        }
    })
    .ok();
    DemoHardware {
        yubikey: OathCard::yubikey(),
        rdm6300: path,
        _scene: scene,
    }
}

/// Creates the demo store at `db` (passphrase [`PASSPHRASE`]) seeded at `now`, with
/// the kiosk of the Lobby listening to `rdm6300` when given.
pub fn seed(db: &Path, now: i64, rdm6300: Option<&Path>) -> crate::station::Result<Station> {
    let source = KeySource::Passphrase(zeroize::Zeroizing::new(PASSPHRASE.into()));
    let mut st = Station::init(db, &source, now - 40 * 86_400)?;
    let t0 = now - 30 * 86_400;
    st.product_add(&product("Demo TOTP", Family::Generic, false), t0)?;
    st.product_add(&product(BURN_PRODUCT, Family::Ykoath, true), t0)?;
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
    if let Some(p) = rdm6300 {
        st.location_readers_set("Lobby", &[format!("rdm6300:{}", p.display())], &[], t0)?;
    }
    for n in 1..=12u32 {
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
    // Two tokens whose clocks run fast: a step more every ten days.
    for serial in ["DEMO-0004", "DEMO-0005"] {
        for (day, steps) in [(25i64, 0i64), (15, 1), (5, 2), (1, 3)] {
            let at = now - day * 86_400;
            let code = st.token_code(serial, None, at + steps * 30)?;
            st.verify(serial, &code.code, Some("Lobby"), at, true)?;
        }
    }
    st.token_set_status("DEMO-0010", None, crate::model::TokenStatus::Disabled, t0)?;
    st.token_set_status("DEMO-0011", None, crate::model::TokenStatus::Lost, t0)?;
    // Presence history: Bob came and went, Carol is in (cards typed at the Lobby).
    {
        let mut k = Kiosk::new(&mut st, "Lobby")?;
        for (card, ago) in [
            ("04A1B2C3", 3 * 3600),
            ("04C0FFEE", 2 * 3600),
            ("04A1B2C3", 3600),
        ] {
            k.handle(KioskInput::Line {
                text: card.into(),
                source: "demo".into(),
                at_ms: (now - ago) * 1000,
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
    let mut st = seed(&dir.join("station.db"), now, hw.rdm6300.as_deref())?;
    st.set_actor(crate::station::Actor::current());
    super::run(st, Some(hw))
}
