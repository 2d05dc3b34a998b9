//! PSKC import (RFC 6030): key containers with plaintext secrets (§5), secrets
//! encrypted under a pre-shared AES key (§6.1) or a PBKDF2-derived key (§6.2), and the
//! HMAC `ValueMAC` of §6.1.1, which is checked before anything is decrypted.
//!
//! Algorithm profiles: HOTP of RFC 6030 §10.1 (`urn:ietf:params:xml:ns:keyprov:pskc:hotp`)
//! and TOTP of draft-hoyer-keyprov-pskc-algorithm-profiles (`…pskc#totp`, and `…pskc:totp`
//! as seen in the wild). Asymmetric key transport (§6.3) is refused with a clear message.
//!
//! The file is read as a stream, one `KeyPackage` at a time (module `xml`), so 100,000 keys
//! cost little more memory than the file itself.

mod crypto;
mod kdf;
mod package;
mod xml;

pub use crypto::{AES128_CBC, HMAC_SHA1, PBKDF2};
pub use kdf::PBKDF2_MAX_ITERATIONS;

use data_encoding::BASE64;
use zeroize::Zeroizing;

use super::parsed::Parsed;
use super::record::{ImportError, KeySource, Place};
use crypto::{Cipher, CipherRefusal, DecryptError, MacAlgorithm};
use xml::{Element, Stream};

pub(crate) use crypto::{MacAlgorithm as WriterMac, cbc_encrypt};

/// The secrets a caller can give to open an encrypted PSKC file.
#[derive(Default)]
pub struct PskcKeys {
    /// The pre-shared AES transport key (16, 24 or 32 bytes), from `--key HEX` or
    /// `--key-file`.
    pub psk: Option<Zeroizing<Vec<u8>>>,
    /// The password for PBKDF2-protected files, from `--password`.
    pub password: Option<Zeroizing<String>>,
}

/// What to do when a `ValueMAC` does not match, or is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MacCheck {
    /// A mismatch fails that key package (the default), and so does an encrypted value
    /// without a `ValueMAC` when the file declares a `MACMethod` (RFC 6030 §6.1.1: a
    /// cipher without integrity such as AES-CBC MUST carry one; AES key wrap has its own
    /// check and needs none).
    #[default]
    Strict,
    /// A mismatch or a missing MAC is recorded in
    /// [`SeedRecord::warnings`](super::SeedRecord::warnings) and the key is
    /// imported.
    Warn,
}

/// Parses a PSKC document. The outer `Err` is a container-level problem (malformed XML,
/// not PSKC, key missing or wrong); otherwise each `Key` yields its own result, in
/// document order, so the caller can report per token.
pub fn parse_pskc(xml: &str, keys: &PskcKeys, mac: MacCheck) -> Result<Parsed, ImportError> {
    super::check_size(xml)?;
    let mut stream = Stream::new(xml);
    let (_root, empty) = stream.open_root()?;
    let mut ctx = Context::new(keys, mac);
    let mut out = Vec::new();
    let mut ordinal = 0usize;
    if !empty {
        while let Some(child) = stream.next_child()? {
            match child.name.as_str() {
                "EncryptionKey" | "MACMethod" if ordinal > 0 => {
                    return Err(ImportError::Unsupported(format!(
                        "<{}> at line {} comes after a KeyPackage; RFC 6030 puts it first",
                        child.name, child.line
                    )));
                }
                "EncryptionKey" => ctx.encryption_key = Some(child),
                "MACMethod" => ctx.mac_method = Some(child),
                "KeyPackage" => {
                    ordinal += 1;
                    package::read(&mut ctx, &child, ordinal, &mut out)?;
                }
                _ => {}
            }
        }
    }
    stream.finish()?;
    ctx.judge_key()?;
    Ok(out.into_iter().collect())
}

/// A failure of one key package, or of the whole container.
pub(crate) enum Fail {
    /// Ends the whole import (missing or wrong key, unsupported encryption).
    Container(ImportError),
    /// Ends this key package only.
    Record(ImportError),
}

impl From<ImportError> for Fail {
    fn from(e: ImportError) -> Self {
        Fail::Record(e)
    }
}

/// A value as found: `PlainValue` text, or decrypted bytes.
pub(crate) enum Raw {
    /// Text of a `PlainValue` (base64 for `Secret`, decimal for the integers).
    Text(Zeroizing<String>),
    /// Plaintext of an `EncryptedValue`.
    Bytes(Zeroizing<Vec<u8>>),
}

/// The transport key once known.
struct Transport {
    key: Zeroizing<Vec<u8>>,
    by: KeySource,
}

/// The MAC key once decrypted, and whether its padding was strict PKCS #7 (strong
/// evidence that the transport key is right).
struct MacState {
    alg: MacAlgorithm,
    key: Zeroizing<Vec<u8>>,
    strict: bool,
}

/// Decryption state shared by all key packages of one container.
pub(crate) struct Context<'k> {
    keys: &'k PskcKeys,
    pub(crate) mac_check: MacCheck,
    encryption_key: Option<Element>,
    mac_method: Option<Element>,
    transport: Option<Transport>,
    mac: Option<Option<MacState>>,
    mac_ok: usize,
    mac_bad: Option<(usize, Place)>,
    dec_ok: usize,
    dec_bad: Option<(usize, Place)>,
}

impl<'k> Context<'k> {
    fn new(keys: &'k PskcKeys, mac_check: MacCheck) -> Self {
        Context {
            keys,
            mac_check,
            encryption_key: None,
            mac_method: None,
            transport: None,
            mac: None,
            mac_ok: 0,
            mac_bad: None,
            dec_ok: 0,
            dec_bad: None,
        }
    }

    /// The transport key, derived or taken from the caller on first use.
    fn transport(&mut self, place: &Place) -> Result<&Transport, Fail> {
        if self.transport.is_none() {
            let t = self.find_transport(place).map_err(Fail::Container)?;
            self.transport = Some(t);
        }
        match &self.transport {
            Some(t) => Ok(t),
            None => Err(Fail::Container(ImportError::Unsupported(
                "no transport key".into(),
            ))),
        }
    }

    fn find_transport(&self, place: &Place) -> Result<Transport, ImportError> {
        let ek = self.encryption_key.as_ref();
        if let Some(dk) = ek.and_then(|e| e.child("DerivedKey")) {
            return Ok(Transport {
                key: kdf::derive(dk, self.keys.password.as_ref(), place)?,
                by: KeySource::Password,
            });
        }
        if let Some(ek) = ek
            && ["X509Data", "KeyValue", "RetrievalMethod", "EncryptedKey"]
                .iter()
                .any(|n| ek.child(n).is_some())
        {
            return Err(asymmetric());
        }
        let name = ek.and_then(|e| e.text_at(&["KeyName"]));
        match &self.keys.psk {
            Some(psk) => Ok(Transport {
                key: psk.clone(),
                by: KeySource::PreSharedKey,
            }),
            None => Err(ImportError::KeyNeeded {
                key: KeySource::PreSharedKey,
                hint: name.map(|n| format!(" named '{n}'")).unwrap_or_default(),
            }),
        }
    }

    /// The MAC key and algorithm, decrypted on first use; `None` when the file has
    /// no `MACMethod`.
    fn mac_state(&mut self, place: &Place) -> Result<Option<&MacState>, Fail> {
        if self.mac.is_none() {
            let state = match self.mac_method.take() {
                None => None,
                Some(mm) => {
                    let r = self.open_mac_key(&mm, place);
                    self.mac_method = Some(mm);
                    Some(r?)
                }
            };
            self.mac = Some(state);
        }
        Ok(self.mac.as_ref().and_then(|m| m.as_ref()))
    }

    fn open_mac_key(&mut self, mm: &Element, place: &Place) -> Result<MacState, Fail> {
        let uri = mm.attr("Algorithm").unwrap_or(crypto::HMAC_SHA1);
        let alg = MacAlgorithm::from_uri(uri).ok_or_else(|| {
            Fail::Container(ImportError::Unsupported(format!(
                "MAC algorithm {uri} is not supported (HMAC-SHA1/224/256/384/512 are)"
            )))
        })?;
        let Some(mk) = mm.child("MACKey") else {
            // Drafts of RFC 6030 MAC'd under the transport key itself.
            let key = self.transport(place)?.key.clone();
            return Ok(MacState {
                alg,
                key,
                strict: false,
            });
        };
        let plain = self.decrypt(mk, "MACKey", place)?;
        let strict = plain.strict;
        if plain.bytes.is_empty() {
            return Err(Fail::Container(ImportError::Unsupported(
                "the MACKey is empty".into(),
            )));
        }
        Ok(MacState {
            alg,
            key: plain.bytes,
            strict,
        })
    }

    /// Decrypts an element holding `EncryptionMethod` and `CipherData/CipherValue`.
    fn decrypt(
        &mut self,
        holder: &Element,
        field: &str,
        place: &Place,
    ) -> Result<crypto::Plain, Fail> {
        let data = cipher_value(holder, field, place)?;
        let cipher = cipher_of(holder, field, place)?;
        let t = self.transport(place)?;
        let by = t.by;
        match crypto::decrypt(cipher, &t.key, &data) {
            Ok(p) => Ok(p),
            Err(DecryptError::KeyLength) => Err(Fail::Container(ImportError::WrongKey {
                key: by,
                place: place.clone(),
                why: format!(
                    "it is {} bytes; {field} needs a {}-byte AES key",
                    t.key.len(),
                    cipher.key_len()
                ),
            })),
            Err(DecryptError::Length) => Err(Fail::Record(ImportError::Encoding {
                place: place.clone(),
                encoding: "ciphertext",
                field: field.into(),
                reason: format!("{} bytes is not an IV plus whole AES blocks", data.len()),
            })),
            Err(DecryptError::Padding) if field == "MACKey" => {
                Err(Fail::Container(ImportError::WrongKey {
                    key: by,
                    place: place.clone(),
                    why: "bad padding of the MAC key".into(),
                }))
            }
            Err(DecryptError::Padding) => Err(Fail::Record(ImportError::WrongKey {
                key: by,
                place: place.clone(),
                why: "bad padding".into(),
            })),
        }
    }

    /// Reads `PlainValue` or `EncryptedValue` (+ `ValueMAC`) of a data element,
    /// checking the MAC over IV ‖ ciphertext before decrypting (RFC 6030 §6.1.1).
    pub(crate) fn value(
        &mut self,
        holder: &Element,
        field: &'static str,
        place: &Place,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Raw>, Fail> {
        if let Some(p) = holder.child("PlainValue") {
            return Ok(Some(Raw::Text(Zeroizing::new(p.text.trim().to_string()))));
        }
        let Some(ev) = holder.child("EncryptedValue") else {
            return Ok(None);
        };
        let data = cipher_value(ev, field, place)?;
        let value_mac = match holder.text_at(&["ValueMAC"]) {
            Some(t) => Some(base64(&t).map_err(|reason| ImportError::Encoding {
                place: place.clone(),
                encoding: "base64",
                field: format!("{field}/ValueMAC"),
                reason,
            })?),
            None => None,
        };
        let mac = self.mac_state(place)?;
        let failed = match (mac, value_mac) {
            (Some(m), Some(expected)) => {
                if m.alg.verify(&m.key, &data, &expected) {
                    self.mac_ok += 1;
                    None
                } else {
                    let n = self.mac_bad.as_ref().map_or(0, |(n, _)| *n);
                    let first = self.mac_bad.take().map_or(place.clone(), |(_, p)| p);
                    self.mac_bad = Some((n + 1, first));
                    Some(ImportError::MacMismatch {
                        place: place.clone(),
                        field,
                    })
                }
            }
            // Key wrap carries its own integrity check (RFC 3394 §2.2.3).
            (Some(_), None) if !matches!(cipher_of(ev, field, place)?, Cipher::AesKw(_)) => {
                Some(ImportError::MacMissing {
                    place: place.clone(),
                    field,
                })
            }
            (Some(_), None) | (None, _) => None,
        };
        match (failed, self.mac_check) {
            (Some(err), MacCheck::Strict) => return Err(Fail::Record(err)),
            (Some(err), MacCheck::Warn) => warnings.push(err.warning()),
            (None, _) => {}
        }
        let plain = self.decrypt(ev, field, place);
        match &plain {
            Ok(_) => self.dec_ok += 1,
            Err(Fail::Record(ImportError::WrongKey { .. })) => {
                let n = self.dec_bad.as_ref().map_or(0, |(n, _)| *n);
                let first = self.dec_bad.take().map_or(place.clone(), |(_, p)| p);
                self.dec_bad = Some((n + 1, first));
            }
            Err(_) => {}
        }
        Ok(Some(Raw::Bytes(plain?.bytes)))
    }

    /// After the last key package: if no value passed its MAC (or its padding) and the
    /// MAC key itself gave no strong sign of a right key, the key is wrong rather than
    /// every value tampered with.
    fn judge_key(&self) -> Result<(), ImportError> {
        let by = self
            .transport
            .as_ref()
            .map_or(KeySource::PreSharedKey, |t| t.by);
        let strong = matches!(&self.mac, Some(Some(m)) if m.strict);
        if let Some((_, place)) = &self.mac_bad
            && self.mac_ok == 0
            && !strong
        {
            return Err(ImportError::WrongKey {
                key: by,
                place: place.clone(),
                why: "MAC mismatch".into(),
            });
        }
        if let Some((_, place)) = &self.dec_bad
            && self.dec_ok == 0
        {
            return Err(ImportError::WrongKey {
                key: by,
                place: place.clone(),
                why: "bad padding".into(),
            });
        }
        Ok(())
    }
}

fn asymmetric() -> ImportError {
    ImportError::Unsupported(
        "asymmetric PSKC is not supported; ask the vendor for a pre-shared-key or password-protected file"
            .into(),
    )
}

/// The base64 `CipherData/CipherValue` of an encrypted element.
fn cipher_value(holder: &Element, field: &str, place: &Place) -> Result<Vec<u8>, Fail> {
    let text = holder
        .text_at(&["CipherData", "CipherValue"])
        .ok_or_else(|| ImportError::MissingSecret {
            place: place.clone(),
            why: format!(" ({field} has no CipherData/CipherValue)"),
        })?;
    base64(&text).map_err(|reason| {
        Fail::Record(ImportError::Encoding {
            place: place.clone(),
            encoding: "base64",
            field: format!("{field}/CipherValue"),
            reason,
        })
    })
}

/// The cipher of an encrypted element's `EncryptionMethod` (default AES-128-CBC).
fn cipher_of(holder: &Element, field: &str, place: &Place) -> Result<Cipher, Fail> {
    let uri = holder
        .child("EncryptionMethod")
        .and_then(|m| m.attr("Algorithm"))
        .unwrap_or(crypto::AES128_CBC);
    Cipher::from_uri(uri).map_err(|refusal| {
        Fail::Container(match refusal {
            CipherRefusal::Asymmetric => asymmetric(),
            CipherRefusal::Unsupported => ImportError::Unsupported(format!(
                "{place}: encryption {uri} of {field} is not supported (AES-CBC and AES key wrap are)"
            )),
        })
    })
}

/// RFC 4648 §4 base64 without padding and without the trailing-bits check, as
/// Python's decoder (python-pskc, privacyIDEA) accepts it.
static LENIENT_BASE64: std::sync::LazyLock<data_encoding::Encoding> =
    std::sync::LazyLock::new(|| {
        let mut spec = BASE64.specification();
        spec.padding = None;
        spec.check_trailing_bits = false;
        spec.encoding()
            .unwrap_or_else(|_| data_encoding::BASE64_NOPAD.clone())
    });

/// Decodes base64 leniently about whitespace (PSKC files wrap long values).
pub(crate) fn base64(text: &str) -> Result<Vec<u8>, String> {
    let clean: Zeroizing<Vec<u8>> =
        Zeroizing::new(text.bytes().filter(|b| !b.is_ascii_whitespace()).collect());
    let body = clean
        .strip_suffix(b"==")
        .or_else(|| clean.strip_suffix(b"="))
        .unwrap_or(&clean);
    LENIENT_BASE64
        .decode(body)
        .map_err(|e| format!("{} at position {}", e.kind, e.position + 1))
}
