//! PSKC export (RFC 6030): a `KeyContainer` version 1.0 whose secrets are encrypted
//! with AES-CBC under a pre-shared key (§6.1) or a PBKDF2-derived key (§6.2), each with
//! an HMAC-SHA1 `ValueMAC` under a random MAC key carried in `MACMethod/MACKey`
//! (§6.1.1). Plaintext secrets (§5) only when asked for by name.
//!
//! Elements follow the schema order of RFC 6030 §11: `EncryptionKey`, `MACMethod`,
//! `KeyPackage`s; in a package `DeviceInfo` then `Key`; in a key `Issuer`,
//! `AlgorithmParameters`, `FriendlyName`, `Data`; in `Data` `Secret`, `Counter`, `Time`,
//! `TimeInterval`, `TimeDrift`.
//!
//! Randomness (IVs, MAC key, salt) comes from the caller, so output is reproducible in
//! tests and this module stays pure.

use std::fmt::Write as _;

use data_encoding::BASE64;
use zeroize::Zeroizing;

use super::pskc::{AES128_CBC, HMAC_SHA1, PBKDF2, WriterMac, cbc_encrypt};
use super::record::SeedRecord;
use crate::otp::{Algorithm, Kind};

/// How the secrets are protected.
pub enum Protection<'a> {
    /// AES-CBC under a pre-shared key of 16 (AES-128, the RFC default), 24 or 32 bytes,
    /// named by `EncryptionKey/ds:KeyName`.
    PreSharedKey {
        /// The transport key.
        key: &'a [u8],
        /// The name written in `ds:KeyName` (e.g. `Pre-shared-key`).
        key_name: &'a str,
    },
    /// AES-128-CBC under PBKDF2-HMAC-SHA1(password, random 16-byte salt, iterations).
    Password {
        /// The password.
        password: &'a str,
        /// PBKDF2 iteration count (at least 1; 100,000 or more is sensible).
        iterations: u32,
    },
    /// Secrets in the clear as `PlainValue`. Only for lab files and tests.
    InsecurePlaintext,
}

/// Why a container could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// A pre-shared key of a length AES does not take.
    #[error("the pre-shared key is {0} bytes; AES needs 16, 24 or 32")]
    KeyLength(usize),
    /// An empty password or zero iterations.
    #[error("password protection needs a non-empty password and at least one iteration")]
    WeakPassword,
    /// A record without seed bytes.
    #[error("record {0} has an empty secret")]
    EmptySecret(usize),
    /// A text field with a character XML 1.0 cannot carry (a control character).
    #[error("record {0}: {1} contains a control character that XML cannot carry")]
    BadText(usize, &'static str),
}

/// A source of random bytes (e.g. `|b| getrandom::fill(b)`); tests pass a fixed one.
pub type Random<'r> = &'r mut dyn FnMut(&mut [u8]);

const NS: &str = "urn:ietf:params:xml:ns:keyprov:pskc";
const HOTP_URI: &str = "urn:ietf:params:xml:ns:keyprov:pskc:hotp";
const TOTP_URI: &str = "urn:ietf:params:xml:ns:keyprov:pskc:totp";

/// Writes `records` as a PSKC document. The returned text is wiped on drop (it holds
/// seeds in the clear under [`Protection::InsecurePlaintext`]).
pub fn write_pskc(
    records: &[SeedRecord],
    protection: &Protection<'_>,
    random: Random<'_>,
) -> Result<Zeroizing<String>, ExportError> {
    for (i, r) in records.iter().enumerate() {
        if r.secret.is_empty() {
            return Err(ExportError::EmptySecret(i + 1));
        }
        for (name, v) in [
            ("key id", &r.key_id),
            ("serial", &r.serial),
            ("manufacturer", &r.manufacturer),
            ("model", &r.model),
            ("issuer", &r.issuer),
            ("account", &r.account),
        ] {
            if v.as_deref()
                .is_some_and(|t| t.chars().any(|c| c.is_control() && c != '\t'))
            {
                return Err(ExportError::BadText(i + 1, name));
            }
        }
    }
    let mut out = Zeroizing::new(String::with_capacity(512 + records.len() * 900));
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = write!(
        out,
        "<pskc:KeyContainer xmlns:pskc=\"{NS}\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\""
    );

    let transport: Option<(Zeroizing<Vec<u8>>, &'static str)> = match protection {
        Protection::InsecurePlaintext => {
            out.push_str(" Version=\"1.0\">\n");
            None
        }
        Protection::PreSharedKey { key, key_name } => {
            let uri = cbc_uri(key.len()).ok_or(ExportError::KeyLength(key.len()))?;
            out.push_str(" Version=\"1.0\">\n");
            let _ = write!(
                out,
                " <pskc:EncryptionKey>\n  <ds:KeyName>{}</ds:KeyName>\n </pskc:EncryptionKey>\n",
                escape(key_name)
            );
            Some((Zeroizing::new(key.to_vec()), uri))
        }
        Protection::Password {
            password,
            iterations,
        } => {
            if password.is_empty() || *iterations == 0 {
                return Err(ExportError::WeakPassword);
            }
            let mut salt = [0u8; 16];
            random(&mut salt);
            let mut key = Zeroizing::new(vec![0u8; 16]);
            WriterMac::Sha1.pbkdf2(password.as_bytes(), &salt, *iterations, &mut key);
            let _ = write!(
                out,
                " xmlns:xenc11=\"http://www.w3.org/2009/xmlenc11#\" xmlns:pkcs5=\"http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#\" Version=\"1.0\">\n <pskc:EncryptionKey>\n  <xenc11:DerivedKey>\n   <xenc11:KeyDerivationMethod Algorithm=\"{PBKDF2}\">\n    <pkcs5:PBKDF2-params>\n     <Salt><Specified>{}</Specified></Salt>\n     <IterationCount>{iterations}</IterationCount>\n     <KeyLength>16</KeyLength>\n    </pkcs5:PBKDF2-params>\n   </xenc11:KeyDerivationMethod>\n  </xenc11:DerivedKey>\n </pskc:EncryptionKey>\n",
                BASE64.encode(&salt)
            );
            Some((key, AES128_CBC))
        }
    };

    let mac_key = match &transport {
        None => None,
        Some((key, uri)) => {
            let mut mac_key = Zeroizing::new(vec![0u8; 20]);
            random(&mut mac_key);
            let enc = encrypt(key, &mac_key, random)?;
            let _ = write!(
                out,
                " <pskc:MACMethod Algorithm=\"{HMAC_SHA1}\">\n  <pskc:MACKey>\n   <xenc:EncryptionMethod Algorithm=\"{uri}\"/>\n   <xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData>\n  </pskc:MACKey>\n </pskc:MACMethod>\n",
                BASE64.encode(&enc)
            );
            Some(mac_key)
        }
    };

    for (i, r) in records.iter().enumerate() {
        key_package(
            &mut out,
            r,
            i + 1,
            transport.as_ref(),
            mac_key.as_ref().map(|k| k.as_slice()),
            random,
        )?;
    }
    out.push_str("</pskc:KeyContainer>\n");
    Ok(out)
}

fn cbc_uri(len: usize) -> Option<&'static str> {
    match len {
        16 => Some(AES128_CBC),
        24 => Some("http://www.w3.org/2001/04/xmlenc#aes192-cbc"),
        32 => Some("http://www.w3.org/2001/04/xmlenc#aes256-cbc"),
        _ => None,
    }
}

fn encrypt(key: &[u8], plain: &[u8], random: Random<'_>) -> Result<Vec<u8>, ExportError> {
    let mut iv = [0u8; 16];
    random(&mut iv);
    cbc_encrypt(key, &iv, plain).map_err(|_| ExportError::KeyLength(key.len()))
}

fn key_package(
    out: &mut String,
    r: &SeedRecord,
    n: usize,
    transport: Option<&(Zeroizing<Vec<u8>>, &'static str)>,
    mac_key: Option<&[u8]>,
    random: Random<'_>,
) -> Result<(), ExportError> {
    out.push_str(" <pskc:KeyPackage>\n");
    if r.manufacturer.is_some() || r.serial.is_some() || r.model.is_some() {
        out.push_str("  <pskc:DeviceInfo>\n");
        for (tag, v) in [
            ("Manufacturer", &r.manufacturer),
            ("SerialNo", &r.serial),
            ("Model", &r.model),
        ] {
            if let Some(v) = v {
                let _ = writeln!(out, "   <pskc:{tag}>{}</pskc:{tag}>", escape(v));
            }
        }
        out.push_str("  </pskc:DeviceInfo>\n");
    }
    let id = r
        .key_id
        .clone()
        .or_else(|| r.serial.clone())
        .unwrap_or_else(|| format!("key-{n}"));
    let uri = match r.params.kind {
        Kind::Hotp => HOTP_URI,
        Kind::Totp => TOTP_URI,
    };
    let _ = writeln!(
        out,
        "  <pskc:Key Id=\"{}\" Algorithm=\"{uri}\">",
        escape(&id)
    );
    if let Some(issuer) = &r.issuer {
        let _ = writeln!(out, "   <pskc:Issuer>{}</pskc:Issuer>", escape(issuer));
    }
    let suite = match r.params.algorithm {
        Algorithm::Sha1 => "HMAC-SHA1",
        Algorithm::Sha256 => "HMAC-SHA256",
        Algorithm::Sha512 => "HMAC-SHA512",
    };
    let _ = writeln!(
        out,
        "   <pskc:AlgorithmParameters>\n    <pskc:Suite>{suite}</pskc:Suite>\n    <pskc:ResponseFormat Length=\"{}\" Encoding=\"DECIMAL\"/>\n   </pskc:AlgorithmParameters>",
        r.params.digits
    );
    if let Some(account) = &r.account {
        let _ = writeln!(
            out,
            "   <pskc:FriendlyName>{}</pskc:FriendlyName>",
            escape(account)
        );
    }
    out.push_str("   <pskc:Data>\n    <pskc:Secret>\n");
    match (transport, mac_key) {
        (Some((key, uri)), Some(mac_key)) => {
            let enc = encrypt(key, r.secret.expose(), random)?;
            let mac = WriterMac::Sha1.mac(mac_key, &enc);
            let _ = write!(
                out,
                "     <pskc:EncryptedValue>\n      <xenc:EncryptionMethod Algorithm=\"{uri}\"/>\n      <xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData>\n     </pskc:EncryptedValue>\n     <pskc:ValueMAC>{}</pskc:ValueMAC>\n",
                BASE64.encode(&enc),
                BASE64.encode(&mac)
            );
        }
        _ => {
            let b64 = Zeroizing::new(BASE64.encode(r.secret.expose()));
            let _ = writeln!(out, "     <pskc:PlainValue>{}</pskc:PlainValue>", *b64);
        }
    }
    out.push_str("    </pskc:Secret>\n");
    let p = &r.params;
    let ints: [(&str, i128, bool); 4] = [
        (
            "Counter",
            i128::from(r.counter),
            p.kind == Kind::Hotp || r.counter != 0,
        ),
        ("Time", i128::from(p.t0), p.t0 != 0),
        (
            "TimeInterval",
            i128::from(p.period),
            p.kind == Kind::Totp || p.period != 30,
        ),
        ("TimeDrift", i128::from(r.drift_steps), r.drift_steps != 0),
    ];
    for (tag, v, write) in ints {
        if write {
            let _ = writeln!(
                out,
                "    <pskc:{tag}><pskc:PlainValue>{v}</pskc:PlainValue></pskc:{tag}>"
            );
        }
    }
    out.push_str("   </pskc:Data>\n  </pskc:Key>\n </pskc:KeyPackage>\n");
    Ok(())
}

/// Escapes the five XML special characters for text and attribute values.
fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    std::borrow::Cow::Owned(o)
}
