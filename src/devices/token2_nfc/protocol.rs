//! Token2 / ExcelSecu single-profile NFC tokens, frame codec (token-protocols.md §2,
//! firmware-protocols/token2-nfc.md): get info, challenge/answer, write config (the
//! 19-byte TLV of §2.8) and write seed (§2.7), and the model table of §2.1.
//!
//! Pure: builds C-APDUs and parses answers; the device side (emulator) uses the
//! decoders here too.

use zeroize::Zeroizing;

use super::crypto::{self, CLA_PLAIN, MAC_LEN, Sm4Key};
use crate::transport::Apdu;

/// INS get info (read public data).
pub const INS_GET_INFO: u8 = 0x41;
/// INS get challenge.
pub const INS_GET_CHALLENGE: u8 = 0x4B;
/// INS answer challenge.
pub const INS_ANSWER_CHALLENGE: u8 = 0xCE;
/// INS write seed.
pub const INS_WRITE_SEED: u8 = 0xC5;
/// INS write config.
pub const INS_WRITE_CONFIG: u8 = 0xD4;

/// Longest seed the tokens take (§2.7).
pub const MAX_SEED: usize = 63;
/// Length of the config TLV (§2.8).
pub const CONFIG_LEN: usize = 19;

/// A programmable single-profile model, from the 7-digit serial prefix (§2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Model {
    /// OTPC-P1-i (keeps the seed on a clock write).
    OtpcP1,
    /// OTPC-P2-i (restricted: a clock write wipes the seed).
    OtpcP2,
    /// OTPC-P2-i-NB (restricted).
    OtpcP2Nb,
    /// miniOTP-2-i (keeps the seed).
    MiniOtp2,
    /// miniOTP-3-i (restricted).
    MiniOtp3,
    /// miniOTP-3-i-NB (restricted).
    MiniOtp3Nb,
    /// C301-i (restricted).
    C301,
    /// C302-i (keeps the seed).
    C302,
}

/// Every model with its serial prefix.
pub const MODELS: &[(&str, Model)] = &[
    ("8659612", Model::OtpcP1),
    ("8659622", Model::OtpcP2),
    ("8659621", Model::OtpcP2Nb),
    ("8659600", Model::MiniOtp2),
    ("8659601", Model::MiniOtp3),
    ("8659609", Model::MiniOtp3Nb),
    ("8659610", Model::C301),
    ("8659632", Model::C302),
];

impl Model {
    /// The model whose prefix starts `serial`, if any (§2.1).
    pub fn from_serial(serial: &str) -> Option<Model> {
        MODELS
            .iter()
            .find(|(prefix, _)| serial.starts_with(prefix))
            .map(|(_, m)| *m)
    }

    /// The 7-digit serial prefix.
    pub fn prefix(self) -> &'static str {
        MODELS
            .iter()
            .find(|(_, m)| *m == self)
            .map(|(p, _)| *p)
            .unwrap_or_default()
    }

    /// Token2's model name.
    pub fn name(self) -> &'static str {
        match self {
            Model::OtpcP1 => "OTPC-P1-i",
            Model::OtpcP2 => "OTPC-P2-i",
            Model::OtpcP2Nb => "OTPC-P2-i-NB",
            Model::MiniOtp2 => "miniOTP-2-i",
            Model::MiniOtp3 => "miniOTP-3-i",
            Model::MiniOtp3Nb => "miniOTP-3-i-NB",
            Model::C301 => "C301-i",
            Model::C302 => "C302-i",
        }
    }

    /// Parses a model name (case-insensitive, with or without the `-i`).
    pub fn from_name(name: &str) -> Option<Model> {
        let n = name.to_ascii_lowercase();
        MODELS.iter().map(|(_, m)| *m).find(|m| {
            let full = m.name().to_ascii_lowercase();
            n == full || n == full.replace("-i", "")
        })
    }

    /// Whether a config write (which always sets the clock) wipes the seed (§2.8).
    pub fn clock_write_wipes_seed(self) -> bool {
        !matches!(self, Model::OtpcP1 | Model::MiniOtp2 | Model::C302)
    }
}

/// What get info reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// ASCII serial.
    pub serial: String,
    /// Device clock, Unix seconds (u32 big-endian on the wire).
    pub time: u32,
}

/// Get info: `80 41 00 00 02 02 11` (requested tags: serial 02, time 11; §2.5).
pub fn get_info() -> Apdu {
    // CLA INS P1 P2 Lc data
    Apdu::new(CLA_PLAIN, INS_GET_INFO, 0x00, 0x00).data([0x02, 0x11])
}

/// Encodes the info reply as `95 L 02 N <serial> 11 04 <time>` (§2.5, the TLV reading
/// that matches every host's fixed offsets). Serials over 120 bytes are cut.
pub fn encode_info(info: &Info) -> Vec<u8> {
    let serial = info.serial.as_bytes();
    let serial = serial.get(..serial.len().min(120)).unwrap_or_default();
    // 95 L | 02 N serial | 11 04 time
    let mut out = vec![0x95, (serial.len() + 8) as u8, 0x02, serial.len() as u8];
    out.extend_from_slice(serial);
    out.extend_from_slice(&[0x11, 0x04]);
    out.extend_from_slice(&info.time.to_be_bytes());
    out
}

/// Parses the info reply by the offsets every host uses: serial length at 3, the
/// serial from 4, two bytes, then the u32 big-endian time (§2.5).
pub fn parse_info(data: &[u8]) -> Result<Info, String> {
    let n = usize::from(*data.get(3).ok_or("info reply shorter than 4 bytes")?);
    let serial = data
        .get(4..4 + n)
        .ok_or_else(|| format!("info reply too short for a {n}-byte serial"))?;
    if serial.is_empty() || !serial.iter().all(|b| b.is_ascii_graphic()) {
        return Err("serial is empty or not printable ASCII".into());
    }
    let t = data
        .get(6 + n..10 + n)
        .ok_or("info reply ends before the time")?;
    let time = u32::from_be_bytes([t[0], t[1], t[2], t[3]]);
    Ok(Info {
        serial: String::from_utf8_lossy(serial).into_owned(),
        time,
    })
}

/// Get challenge: `80 4B 08 00 01 00` (the vendor app's framing; §2.4, §2.6).
pub fn get_challenge() -> Apdu {
    // CLA INS P1 P2 Lc data
    Apdu::new(CLA_PLAIN, INS_GET_CHALLENGE, 0x08, 0x00).data([0x00])
}

/// Answer challenge: `80 CE 00 00 10` ‖ SM4-ECB(key, challenge ‖ 8×00).
pub fn answer_challenge(key: &Sm4Key, challenge: &[u8; 8]) -> Apdu {
    // CLA INS P1 P2 Lc data(16)
    Apdu::new(CLA_PLAIN, INS_ANSWER_CHALLENGE, 0x00, 0x00)
        .data(crypto::challenge_response(key, challenge))
}

/// Display-off timeout (§2.8, wire 0..3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DisplayTimeout {
    /// 15 s.
    S15,
    /// 30 s (the factory default).
    #[default]
    S30,
    /// 60 s.
    S60,
    /// 120 s.
    S120,
}

impl DisplayTimeout {
    /// Wire value.
    pub fn code(self) -> u8 {
        self as u8
    }
    /// From the wire value.
    pub fn from_code(c: u8) -> Option<Self> {
        [Self::S15, Self::S30, Self::S60, Self::S120]
            .get(usize::from(c))
            .copied()
    }
    /// From seconds (15, 30, 60, 120).
    pub fn from_seconds(s: u32) -> Option<Self> {
        match s {
            15 => Some(Self::S15),
            30 => Some(Self::S30),
            60 => Some(Self::S60),
            120 => Some(Self::S120),
            _ => None,
        }
    }
}

/// HMAC hash codes (tag `0A`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hmac {
    /// `01`.
    Sha1 = 1,
    /// `02`.
    Sha256 = 2,
}

impl Hmac {
    /// From the wire value.
    pub fn from_code(c: u8) -> Option<Self> {
        match c {
            1 => Some(Hmac::Sha1),
            2 => Some(Hmac::Sha256),
            _ => None,
        }
    }
}

/// Time step codes (tag `0D`): 30 s or 60 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `1E`.
    S30 = 0x1E,
    /// `3C`.
    S60 = 0x3C,
}

impl Step {
    /// From the wire value.
    pub fn from_code(c: u8) -> Option<Self> {
        match c {
            0x1E => Some(Step::S30),
            0x3C => Some(Step::S60),
            _ => None,
        }
    }
    /// Seconds.
    pub fn seconds(self) -> u32 {
        self as u32
    }
}

/// The config written by INS D4 (§2.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Display-off timeout.
    pub display_timeout: DisplayTimeout,
    /// New clock value, Unix seconds.
    pub utc: u32,
    /// HMAC hash.
    pub hmac: Hmac,
    /// Time step.
    pub step: Step,
}

impl Config {
    /// The 19-byte TLV: `81 11 | 1F 01 tt | 0F 04 utc | 86 06 | 0A 01 alg | 0D 01 step`.
    pub fn encode(&self) -> [u8; CONFIG_LEN] {
        let u = self.utc.to_be_bytes();
        [
            0x81,
            0x11,
            0x1F,
            0x01,
            self.display_timeout.code(),
            0x0F,
            0x04,
            u[0],
            u[1],
            u[2],
            u[3],
            0x86,
            0x06,
            0x0A,
            0x01,
            self.hmac as u8,
            0x0D,
            0x01,
            self.step as u8,
        ]
    }

    /// Parses the TLV strictly (every tag and length checked, as the firmware does).
    pub fn decode(tlv: &[u8]) -> Result<Config, String> {
        let [
            0x81,
            0x11,
            0x1F,
            0x01,
            tt,
            0x0F,
            0x04,
            u0,
            u1,
            u2,
            u3,
            0x86,
            0x06,
            0x0A,
            0x01,
            alg,
            0x0D,
            0x01,
            step,
        ] = tlv
        else {
            return Err(format!(
                "config TLV of {} bytes does not match §2.8",
                tlv.len()
            ));
        };
        Ok(Config {
            display_timeout: DisplayTimeout::from_code(*tt)
                .ok_or_else(|| format!("display timeout {tt:#04x}"))?,
            utc: u32::from_be_bytes([*u0, *u1, *u2, *u3]),
            hmac: Hmac::from_code(*alg).ok_or_else(|| format!("HMAC {alg:#04x}"))?,
            step: Step::from_code(*step).ok_or_else(|| format!("step {step:#04x}"))?,
        })
    }
}

/// Write config: `84 D4 00 00 17` ‖ TLV(19) ‖ MAC(4), MAC header `80 D4 00 00 13`.
pub fn write_config(key: &Sm4Key, config: &Config) -> Apdu {
    crypto::secure_command(key, INS_WRITE_CONFIG, 0x00, 0x00, &config.encode())
}

/// Write seed: `84 C5 01 00 Lc` ‖ SM4-ECB(seed ‖ 80 00…) ‖ MAC, 1…63 seed bytes;
/// aligned seeds get the extra pad block (§2.7). The APDU is marked sensitive.
pub fn write_seed(key: &Sm4Key, seed: &[u8]) -> Result<Apdu, String> {
    if seed.is_empty() || seed.len() > MAX_SEED {
        return Err(format!(
            "a seed of {} bytes does not fit (1 to {MAX_SEED} bytes)",
            seed.len()
        ));
    }
    let ct = crypto::ecb_encrypt(key, &pad_seed(seed)).ok_or("padding is not aligned")?;
    Ok(crypto::secure_command(key, INS_WRITE_SEED, 0x01, 0x00, &ct).sensitive())
}

/// The seed padded with method 2 (always an `80` marker).
pub fn pad_seed(seed: &[u8]) -> Zeroizing<Vec<u8>> {
    crypto::pad_method2(seed)
}

/// Device side: the seed inside a write-seed body (ciphertext without MAC), or why not.
pub fn decode_seed(key: &Sm4Key, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
    if ciphertext.is_empty() || ciphertext.len() > 64 || !ciphertext.len().is_multiple_of(16) {
        return Err(format!("seed ciphertext of {} bytes", ciphertext.len()));
    }
    let plain = crypto::ecb_decrypt(key, ciphertext).ok_or("not whole blocks")?;
    let seed = crypto::unpad_method2(&plain).ok_or("no 80 padding marker")?;
    if seed.is_empty() {
        return Err("empty seed".into());
    }
    Ok(Zeroizing::new(seed.to_vec()))
}

/// Length of a write-seed data field for a seed of `n` bytes (ciphertext + MAC).
pub fn seed_data_len(n: usize) -> usize {
    (n / 16 + 1) * 16 + MAC_LEN
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::trace::parse_hex;
    use proptest::prelude::*;

    fn h(s: &str) -> Vec<u8> {
        parse_hex(s).unwrap()
    }

    #[test]
    fn config_vector_2_11() {
        let c = Config {
            display_timeout: DisplayTimeout::S30,
            utc: 1_700_000_000,
            hmac: Hmac::Sha1,
            step: Step::S30,
        };
        let apdu = write_config(&Sm4Key::device(), &c);
        assert_eq!(
            apdu.encode().unwrap(),
            h("84D4000017 81111F01010F046553F10086060A01010D011E 4FFDC288")
        );
        assert_eq!(Config::decode(&c.encode()), Ok(c));
    }

    #[test]
    fn seed_vectors_2_11() {
        let key = Sm4Key::device();
        let cases = [
            (
                b"12345678901234567890".to_vec(),
                "84C5010024 5E5856092FD3228D4D33EEE3DAAC4B55 CE37D18D332B7AC6A40E8661FA23042A F47B0153",
            ),
            (
                b"12345678901234567890123456789012".to_vec(),
                "84C5010034 5E5856092FD3228D4D33EEE3DAAC4B55 5DE80AA99074AB9727640C64FF67D124 D219EFC9972FED9191DF027FD36A80B0 F97FF0CA",
            ),
            (
                (0u8..16).collect(),
                "84C5010024 B766BFF098C4EB0D7F67AB23463F6F12 D219EFC9972FED9191DF027FD36A80B0 A31629E9",
            ),
        ];
        for (seed, want) in cases {
            let apdu = write_seed(&key, &seed).unwrap();
            assert_eq!(apdu.encode().unwrap(), h(want));
            assert_eq!(apdu.data.len(), seed_data_len(seed.len()));
            let body = crypto::verify_secure(&key, &apdu).unwrap();
            assert_eq!(decode_seed(&key, body).unwrap().as_slice(), seed.as_slice());
        }
        assert!(write_seed(&key, &[]).is_err());
        assert!(write_seed(&key, &[1; 64]).is_err());
        assert!(write_seed(&key, &[1; 63]).is_ok());
    }

    #[test]
    fn answer_challenge_vector_2_11() {
        let a = answer_challenge(
            &Sm4Key::device(),
            &[0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88],
        );
        assert_eq!(
            a.encode().unwrap(),
            h("80CE000010 8B7450F22721BC29985C2C460B65045D")
        );
        assert_eq!(get_info().encode().unwrap(), h("80 41 00 00 02 02 11"));
        assert_eq!(get_challenge().encode().unwrap(), h("80 4B 08 00 01 00"));
    }

    #[test]
    fn models_by_prefix() {
        assert_eq!(Model::from_serial("86596220000001"), Some(Model::OtpcP2));
        assert_eq!(Model::from_serial("86596320000001"), Some(Model::C302));
        assert_eq!(Model::from_serial("12345670000001"), None);
        assert!(Model::C301.clock_write_wipes_seed());
        assert!(!Model::C302.clock_write_wipes_seed());
        assert!(!Model::OtpcP1.clock_write_wipes_seed());
        assert!(!Model::MiniOtp2.clock_write_wipes_seed());
        for (p, m) in MODELS {
            assert_eq!(m.prefix(), *p);
            assert_eq!(Model::from_name(m.name()), Some(*m));
        }
        assert_eq!(Model::from_name("c302"), Some(Model::C302));
    }

    #[test]
    fn info_round_trip() {
        let i = Info {
            serial: "86596220000001".into(),
            time: 1_700_000_000,
        };
        let enc = encode_info(&i);
        assert_eq!(&enc[..4], &[0x95, 22, 0x02, 14]);
        assert_eq!(parse_info(&enc), Ok(i));
        assert!(parse_info(&[0x95, 1, 2]).is_err());
        assert!(parse_info(&[0x95, 1, 2, 1, b'1', 0x11, 0x04]).is_err());
    }

    proptest! {
        #[test]
        fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let _ = parse_info(&bytes);
            let _ = Config::decode(&bytes);
            let _ = decode_seed(&Sm4Key::device(), &bytes);
        }
    }
}
