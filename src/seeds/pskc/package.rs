//! One `KeyPackage` (RFC 6030 §4.1–§4.3) to [`SeedRecord`]s: `DeviceInfo`, the `Key`'s
//! algorithm URI, `AlgorithmParameters` (`Suite`, `ResponseFormat`), `Issuer`,
//! `FriendlyName` and `Data` (`Secret`, `Counter`, `Time`, `TimeInterval`,
//! `TimeDrift`).
//!
//! `Time` is read as the TOTP time origin T0 in Unix seconds (RFC 6238 §4.1) and
//! written back the same way; RFC 6030 §4.3.3 leaves its meaning to the algorithm
//! profile, and python-pskc calls it a time offset. `TimeDrift` is in time steps
//! (RFC 6030, libpskc); privacyIDEA writes seconds there, so its files need care.

use zeroize::Zeroizing;

use super::xml::Element;
use super::{Context, Fail, Raw, base64};
use crate::model::NameKind;
use crate::otp::bounds::{check_counter, check_drift, check_period, check_t0};
use crate::otp::{Algorithm, Digits, Kind, OtpError, OtpParams, Secret};
use crate::seeds::record::{ImportError, Place, SeedRecord, quoted, shown_name};

/// Appends one result per `Key` of the package (normally one). Returns `Err` only for a
/// container-level failure.
pub(super) fn read(
    ctx: &mut Context<'_>,
    kp: &Element,
    ordinal: usize,
    out: &mut Vec<Result<SeedRecord, ImportError>>,
) -> Result<(), ImportError> {
    // Names shown in messages must pass the name rule themselves.
    let serial = kp
        .text_at(&["DeviceInfo", "SerialNo"])
        .and_then(|s| shown_name(NameKind::Serial, &s));
    let keys: Vec<&Element> = kp.children.iter().filter(|c| c.name == "Key").collect();
    if keys.is_empty() {
        let name = serial.clone().unwrap_or_else(|| format!("#{ordinal}"));
        out.push(Err(ImportError::MissingSecret {
            place: Place::KeyPackage {
                name,
                line: Some(kp.line),
            },
            why: " (the KeyPackage has no Key)".into(),
        }));
        return Ok(());
    }
    for key in keys {
        let name = key
            .attr("Id")
            .and_then(|id| shown_name(NameKind::KeyId, id))
            .or_else(|| serial.clone())
            .unwrap_or_else(|| format!("#{ordinal}"));
        let place = Place::KeyPackage {
            name,
            line: Some(kp.line),
        };
        match record(ctx, kp, key, &place) {
            Ok(r) => out.push(r.checked(&place)),
            Err(Fail::Record(e)) => out.push(Err(e)),
            Err(Fail::Container(e)) => return Err(e),
        }
    }
    Ok(())
}

fn record(
    ctx: &mut Context<'_>,
    kp: &Element,
    key: &Element,
    place: &Place,
) -> Result<SeedRecord, Fail> {
    let kind = kind(key, place)?;
    let params_el = key.child("AlgorithmParameters");
    let algorithm = match params_el.and_then(|p| p.text_at(&["Suite"])) {
        None => Algorithm::Sha1,
        Some(suite) => suite_algorithm(&suite).ok_or_else(|| ImportError::UnknownAlgorithm {
            place: place.clone(),
            what: format!(
                "suite '{}' (HMAC-SHA1, HMAC-SHA256 and HMAC-SHA512 are known)",
                quoted(&suite)
            ),
        })?,
    };
    let digits = match params_el.and_then(|p| p.child("ResponseFormat")) {
        None => Digits::SIX,
        Some(rf) => response_digits(rf, place)?,
    };

    let mut warnings = Vec::new();
    let data = key.child("Data");
    let secret = match data.and_then(|d| d.child("Secret")) {
        Some(s) => ctx.value(s, "Secret", place, &mut warnings)?,
        None => None,
    };
    let secret = match secret {
        Some(Raw::Bytes(b)) => Secret::new(b.to_vec()),
        Some(Raw::Text(t)) => Secret::new(base64(&t).map_err(|reason| ImportError::Encoding {
            place: place.clone(),
            encoding: "base64",
            field: "Secret/PlainValue".into(),
            reason,
        })?),
        None => {
            let why = match key.text_at(&["KeyReference"]) {
                Some(r) => format!(
                    " (the key is derived from master key '{r}' by KeyReference, RFC 6030 §5.3; ask the vendor for the seeds themselves)"
                ),
                None => " (the Key has no Data/Secret)".into(),
            };
            return Err(Fail::Record(ImportError::MissingSecret {
                place: place.clone(),
                why,
            }));
        }
    };
    if secret.is_empty() {
        return Err(Fail::Record(ImportError::MissingSecret {
            place: place.clone(),
            why: " (the Secret is empty)".into(),
        }));
    }

    let mut int = |field: &'static str| -> Result<Option<i128>, Fail> {
        match data.and_then(|d| d.child(field)) {
            None => Ok(None),
            Some(el) => match ctx.value(el, field, place, &mut warnings)? {
                None => Ok(None),
                Some(raw) => integer(&raw, field, place).map(Some),
            },
        }
    };
    let counter = int("Counter")?;
    let time = int("Time")?;
    let interval = int("TimeInterval")?;
    let drift = int("TimeDrift")?;

    // The `otp` bounds, on the values as written (RFC 6030 §4.3.3 element names).
    let bound = |field: &str, e: OtpError| match e {
        OtpError::Invalid { reason, .. } => {
            Fail::Record(ImportError::invalid(place, field, reason))
        }
        e => Fail::Record(ImportError::from_otp(place, e)),
    };
    let counter = check_counter(counter.unwrap_or(0)).map_err(|e| bound("Counter", e))?;
    let t0 = check_t0(time.unwrap_or(0)).map_err(|e| bound("Time", e))?;
    let period = check_period(interval.unwrap_or(30)).map_err(|e| bound("TimeInterval", e))?;
    let drift_steps = check_drift(drift.unwrap_or(0), period).map_err(|e| bound("TimeDrift", e))?;

    let device = |n: &str| kp.text_at(&["DeviceInfo", n]);
    Ok(SeedRecord {
        key_id: key.attr("Id").map(str::to_string),
        serial: device("SerialNo"),
        manufacturer: device("Manufacturer"),
        model: device("Model"),
        issuer: key.text_at(&["Issuer"]),
        account: key.text_at(&["FriendlyName"]),
        params: OtpParams {
            kind,
            algorithm,
            digits,
            period,
            t0,
        },
        secret,
        counter,
        drift_steps,
        line: Some(kp.line),
        warnings,
    })
}

/// HOTP or TOTP from the `Key@Algorithm` URI (`KeyAlgorithm` in old drafts).
fn kind(key: &Element, place: &Place) -> Result<Kind, Fail> {
    let uri = key
        .attr("Algorithm")
        .or_else(|| key.attr("KeyAlgorithm"))
        .unwrap_or("");
    let tail = uri
        .rsplit([':', '#', '/'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match tail.as_str() {
        "hotp" => Ok(Kind::Hotp),
        "totp" => Ok(Kind::Totp),
        "pin" => Err(Fail::Record(ImportError::NotOtp {
            place: place.clone(),
            what: format!("the PIN key {}", quoted(uri)),
        })),
        _ if uri.is_empty() => Err(Fail::Record(ImportError::UnknownAlgorithm {
            place: place.clone(),
            what: "(the Key has no Algorithm attribute)".into(),
        })),
        _ => Err(Fail::Record(ImportError::UnknownAlgorithm {
            place: place.clone(),
            what: format!("{} (HOTP and TOTP profiles are supported)", quoted(uri)),
        })),
    }
}

/// `HMAC-SHA256`, `SHA256`, `hmac-sha-256`, … to an [`Algorithm`].
fn suite_algorithm(suite: &str) -> Option<Algorithm> {
    let s = suite.trim();
    let s = match s.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("hmac-") => &s[5..],
        _ => s,
    };
    s.parse().ok()
}

/// `ResponseFormat@Length` (digits) and `@Encoding`, which must be decimal.
fn response_digits(rf: &Element, place: &Place) -> Result<Digits, Fail> {
    if let Some(enc) = rf.attr("Encoding")
        && !enc.eq_ignore_ascii_case("DECIMAL")
    {
        return Err(Fail::Record(ImportError::invalid(
            place,
            "ResponseFormat Encoding",
            format!("{} codes are not supported; only DECIMAL", quoted(enc)),
        )));
    }
    match rf.attr("Length") {
        None => Ok(Digits::SIX),
        Some(l) => {
            let n: u8 = l.trim().parse().map_err(|_| {
                ImportError::invalid(
                    place,
                    "ResponseFormat Length",
                    format!("'{}' is not a number", quoted(l)),
                )
            })?;
            Digits::new(n).map_err(|e| Fail::Record(ImportError::from_otp(place, e)))
        }
    }
}

/// A `PlainValue` decimal or a decrypted big-endian integer (RFC 6030 §4.3.2: long
/// values are encrypted as 8 big-endian bytes).
fn integer(raw: &Raw, field: &str, place: &Place) -> Result<i128, Fail> {
    match raw {
        Raw::Text(t) => t.trim().parse::<i128>().map_err(|_| {
            Fail::Record(ImportError::invalid(
                place,
                field,
                format!("'{}' is not an integer", quoted(t.trim())),
            ))
        }),
        Raw::Bytes(b) => {
            if b.is_empty() || b.len() > 8 {
                return Err(Fail::Record(ImportError::invalid(
                    place,
                    field,
                    format!("decrypted to {} bytes, not a 1-8 byte integer", b.len()),
                )));
            }
            let mut buf = Zeroizing::new([0u8; 8]);
            buf[8 - b.len()..].copy_from_slice(b);
            let v = if b.len() == 8 {
                i128::from(i64::from_be_bytes(*buf))
            } else {
                i128::from(u64::from_be_bytes(*buf))
            };
            Ok(v)
        }
    }
}
