//! The layer rules of design.md §3 as data: which module may use which, which pure layers
//! may not touch the clock, the environment, files, processes or the network, and which
//! external crates live in one place only. The checker has no rule of its own outside
//! these tables.
//!
//! Pattern grammar (module paths inside our crate, or external paths starting with the
//! crate name):
//! - `store` matches the module `store` and everything inside it;
//! - `=devices` matches the module `devices` itself (its own items and re-exports, which
//!   the checker follows to where they are defined), not its submodules;
//! - `*` matches exactly one path segment, `**` any number (also none);
//! - in crate lists a trailing `*` matches any crate name with that prefix (`tower*`).
//!
//! Modules of the binary crate (`src/main.rs`) are named `main`.

/// One layer (a top-level module of `src/lib.rs`, or `main` for the binary) and the
/// modules of other layers it may use (its own modules it may always use).
pub struct Layer {
    /// The top-level module name.
    pub name: &'static str,
    /// Patterns of the modules of other layers it may use.
    pub may_use: &'static [&'static str],
    /// The rule, as printed when it is broken.
    pub rule: &'static str,
}

/// What a face (cli, tui, api) may use: station and every layer below it, except store.
const FACE: &[&str] = &[
    "station",
    "otp",
    "model",
    "seeds",
    "vault",
    "transport",
    "devices",
    "emulator",
];
const FACE_RULE: &str = "a face may use station and the layers below it, never store \
                         (faces get read models from station, never a connection) nor another face";

/// design.md §3, bottom up. An arrow means "may use"; nothing points up.
///
/// ```text
/// otp        pure                                  -> (nothing)
/// model      pure records                          -> otp
/// seeds      pure                                  -> otp, model
/// vault      pure                                  -> otp, model
/// store      every SQL statement                   -> otp, model, vault (types)
/// transport  link traits + backends                -> (nothing)
/// devices    codecs, drivers, traits, registry     -> transport, otp, model
/// emulator   the device side of each family        -> devices::*::protocol, transport
/// station    use cases                             -> otp, vault, store, devices (traits, sessions)
/// cli, tui, api  faces                             -> station and below
/// ```
pub const LAYERS: &[Layer] = &[
    Layer {
        name: "otp",
        may_use: &[],
        rule: "otp is the bottom layer and uses no other module",
    },
    Layer {
        name: "model",
        may_use: &["otp"],
        rule: "model (plain records) may use only otp",
    },
    Layer {
        name: "seeds",
        may_use: &["otp", "model"],
        rule: "seeds may use only otp and model",
    },
    Layer {
        name: "vault",
        may_use: &["otp", "model"],
        rule: "vault may use only otp and model",
    },
    Layer {
        name: "store",
        // vault's types: VaultError (root) and the stored header; not sealing, not keys.
        may_use: &["otp", "model", "=vault", "vault::header"],
        rule: "store may use only otp, model and vault's types (VaultError, vault::header)",
    },
    Layer {
        name: "transport",
        may_use: &[],
        rule: "transport uses no other module: links know nothing of devices",
    },
    Layer {
        name: "devices",
        may_use: &["transport", "otp", "model"],
        rule: "devices may use only transport, otp and model",
    },
    Layer {
        name: "emulator",
        // Emulators are devices, not mirrors: they share the frame codecs (and the
        // Token2 NFC wire crypto, `token2_nfc/crypto.rs`, a codec beside `protocol.rs`
        // used by both Token2 families), never a driver, the registry, sessions or the
        // capability traits (the host's view of a token). Today's code needs no devices
        // error or capability type, so none is allowed.
        may_use: &[
            "devices::*::protocol",
            "devices::token2_nfc::crypto",
            "transport",
            "otp",
            "model",
        ],
        rule: "emulator may use only devices' frame codecs (devices::*::protocol and the \
               Token2 SM4 crypto), transport, otp and model: emulators are devices, not \
               mirrors of our drivers",
    },
    Layer {
        name: "station",
        // Devices only through capability traits, errors, the family list, the registry
        // and sessions (`devices::session` is the session API of issue 10), never a
        // family's protocol or driver, a transport backend or an emulator.
        may_use: &[
            "otp",
            "model",
            "seeds",
            "vault",
            "store",
            "=devices",
            "devices::capability",
            "devices::error",
            "devices::families",
            "devices::registry",
            "devices::presence",
            "devices::session",
        ],
        rule: "station may use otp, model, seeds, vault, store, and devices only through its \
               capability traits, errors, families, registry, presence readers and sessions \
               (no family internals, no transport, no emulator)",
    },
    Layer {
        name: "cli",
        may_use: FACE,
        rule: FACE_RULE,
    },
    Layer {
        name: "tui",
        may_use: FACE,
        rule: FACE_RULE,
    },
    Layer {
        name: "api",
        may_use: FACE,
        rule: FACE_RULE,
    },
    Layer {
        name: "main",
        may_use: &["cli", "tui", "api"],
        rule: "main.rs may use only the faces cli, tui and api",
    },
    Layer {
        name: "crate",
        may_use: &[],
        rule: "lib.rs only declares the layers",
    },
];

/// Layers that do no I/O and read no clock (design.md §3: time comes in as an argument).
pub const PURE_LAYERS: &[&str] = &["otp", "model", "seeds", "vault"];

/// A path a pure layer may not reach.
pub struct Impure {
    /// External path pattern (crate name first).
    pub path: &'static str,
    /// What it touches, as printed.
    pub what: &'static str,
    /// Modules of pure layers where it is allowed anyway.
    pub except_in: &'static [&'static str],
}

/// Clock, environment, filesystem, process and network access. `tokio` is not listed:
/// the crate table below confines it to `api`, which excludes every pure layer.
///
/// OS randomness is allowed where it is drawn today, and nowhere else in a pure layer:
/// it reads no clock, environment, file or network state a caller could pass in, and
/// design.md §3 puts seed generation in `seeds`. The two places are `seeds::generate`
/// (new seeds; IVs, MAC keys and salts of PSKC export) and vault's root (`random_fill`:
/// nonces and salts of sealing).
pub const IMPURE: &[Impure] = &[
    never("std::fs", "filesystem access"),
    never("std::os", "operating-system handles"),
    never("std::net", "network access"),
    never("std::process", "process access"),
    never("std::env", "environment access"),
    never("std::io::stdin", "process I/O"),
    never("std::io::stdout", "process I/O"),
    never("std::io::stderr", "process I/O"),
    never("std::print", "process I/O"),
    never("std::println", "process I/O"),
    never("std::eprint", "process I/O"),
    never("std::eprintln", "process I/O"),
    never("std::thread::sleep", "clock (sleep)"),
    never("std::time::*::now", "clock read"),
    never("std::time::*::elapsed", "clock read"),
    never("chrono::**::now", "clock read"),
    never("chrono::**::today", "clock read"),
    never("directories", "environment access (home directories)"),
    never("tempfile", "filesystem access"),
    Impure {
        path: "getrandom",
        what: "OS randomness outside seeds::generate and vault's random_fill",
        except_in: &["seeds::generate", "=vault"],
    },
];

/// A path no pure module may reach.
const fn never(path: &'static str, what: &'static str) -> Impure {
    Impure {
        path,
        what,
        except_in: &[],
    }
}

/// Method names that read the clock whatever their receiver (`Instant::elapsed`,
/// `SystemTime::elapsed`, also on a value such as `UNIX_EPOCH.elapsed()`).
pub const IMPURE_METHODS: &[(&str, &str)] = &[("elapsed", "clock read")];

/// External crates that live in one place only.
pub struct Confined {
    /// Crate names (as in Cargo.toml, `-` written `_`); a trailing `*` is a prefix.
    pub crates: &'static [&'static str],
    /// Module patterns where they may be used.
    pub only_in: &'static [&'static str],
    /// The rule, as printed when it is broken.
    pub rule: &'static str,
}

/// design.md §3 and the house rules: each crate only where it belongs.
pub const CONFINED: &[Confined] = &[
    Confined {
        // ratatui and its widget crates (ratatui-textarea, tui-big-text, tui-qrcode…)
        // and the crossterm it re-exports: the terminal face only.
        crates: &["ratatui*", "crossterm", "tui_*"],
        only_in: &["tui"],
        rule: "ratatui, its widget crates (tui-*) and crossterm only in tui",
    },
    Confined {
        crates: &["axum*", "tokio*", "tower*", "utoipa*", "governor", "hyper*"],
        only_in: &["api"],
        rule: "axum, tokio, tower, utoipa, governor and hyper only in api",
    },
    Confined {
        // bytes: the buffer type of the PostgreSQL parameter encoding (store::pg).
        crates: &[
            "rusqlite",
            "rusqlite_migration",
            "postgres*",
            "r2d2*",
            "bytes",
        ],
        only_in: &["store"],
        rule: "rusqlite, postgres, r2d2 and bytes only in store",
    },
    Confined {
        crates: &["pcsc"],
        only_in: &["transport::pcsc"], // src/transport/pcsc.rs
        rule: "pcsc only in src/transport/pcsc.rs",
    },
    Confined {
        crates: &["hidapi"],
        only_in: &["transport::hid"], // src/transport/hid.rs
        rule: "hidapi only in src/transport/hid.rs",
    },
    Confined {
        crates: &["rusb"],
        only_in: &["transport::usb"], // src/transport/usb.rs
        rule: "rusb only in src/transport/usb.rs",
    },
    Confined {
        crates: &["serialport"],
        // src/transport/serial.rs, and the emulator's pseudo-terminal adapter
        // src/emulator/pty.rs (the device end of a pty, opened as a serial port).
        only_in: &["transport::serial", "emulator::pty"],
        rule: "serialport only in src/transport/serial.rs and src/emulator/pty.rs",
    },
    Confined {
        // The kernel's clock status (adjtimex) before a token clock is written: one
        // OS call, in the station's host-clock file, never in its pure drift analytics.
        crates: &["rtime_clock"],
        only_in: &["station::host_clock"], // src/station/host_clock.rs
        rule: "rtime_clock only in src/station/host_clock.rs",
    },
    Confined {
        crates: &["anyhow"],
        only_in: &["main", "cli", "tui"],
        rule: "anyhow only at the edges (main, cli, tui); typed thiserror errors below (design.md §4)",
    },
];

/// Does `pattern` (grammar above) match the path `path`?
pub fn matches(pattern: &str, path: &[String]) -> bool {
    let (exact, pattern) = match pattern.strip_prefix('=') {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    let pat: Vec<&str> = pattern.split("::").collect();
    match_from(&pat, path, exact)
}

fn match_from(pat: &[&str], path: &[String], exact: bool) -> bool {
    match pat.split_first() {
        None => !exact || path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| match_from(rest, &path[skip..], exact)),
        Some((&seg, rest)) => match path.split_first() {
            Some((first, tail)) => (seg == "*" || seg == first) && match_from(rest, tail, exact),
            None => false,
        },
    }
}

/// Does a crate-name pattern (`tower*` or `pcsc`) match `name`?
pub fn crate_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// The layer table entry of a layer name.
pub fn layer(name: &str) -> Option<&'static Layer> {
    LAYERS.iter().find(|l| l.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Vec<String> {
        s.split("::").map(str::to_string).collect()
    }

    #[test]
    fn patterns() {
        assert!(matches("store", &p("store::tokens")));
        assert!(matches("store", &p("store")));
        assert!(!matches("store", &p("station")));
        assert!(matches("=devices", &p("devices")));
        assert!(!matches("=devices", &p("devices::ykoath")));
        assert!(matches(
            "devices::*::protocol",
            &p("devices::ykoath::protocol::access")
        ));
        assert!(!matches(
            "devices::*::protocol",
            &p("devices::ykoath::driver")
        ));
        assert!(matches("chrono::**::now", &p("chrono::Utc::now")));
        assert!(matches("chrono::**::now", &p("chrono::offset::Local::now")));
        assert!(!matches("chrono::**::now", &p("chrono::Utc::nowhere")));
        assert!(matches("std::time::*::now", &p("std::time::Instant::now")));
        assert!(!matches("std::time::*::now", &p("std::time::Duration")));
        assert!(crate_matches("tower*", "tower_http"));
        assert!(!crate_matches("pcsc", "pcsc_uid"));
    }

    #[test]
    fn every_layer_once_and_every_pure_layer_known() {
        for l in LAYERS {
            assert_eq!(
                LAYERS.iter().filter(|m| m.name == l.name).count(),
                1,
                "{}",
                l.name
            );
        }
        for p in PURE_LAYERS {
            assert!(layer(p).is_some(), "{p}");
        }
    }
}
