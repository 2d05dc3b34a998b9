//! The password-based transport key of RFC 6030 §6.2: PBKDF2 (RFC 8018 §5.2) with the
//! salt, iteration count, key length and PRF of
//! `xenc11:DerivedKey/KeyDerivationMethod/PBKDF2-params`, the iteration count capped
//! at [`PBKDF2_MAX_ITERATIONS`] before anything is derived.

use zeroize::Zeroizing;

use super::base64;
use super::crypto::MacAlgorithm;
use super::xml::Element;
use crate::seeds::record::{ImportError, KeySource, Place, quoted};

/// The largest PBKDF2 `IterationCount` an import derives a key with (2,000,000).
///
/// The count comes from the file, so without a cap a file can make every password try
/// run for as long as it likes (4,294,967,295 rounds of HMAC-SHA1 take about half an
/// hour). Real PSKC files use far fewer: RFC 6030 Figure 7 uses 1,000, libpskc and
/// privacyIDEA files at most 100,000. The cap is 20 times that and above the highest
/// current recommendation for PBKDF2 (OWASP 2023: 1,300,000 rounds of HMAC-SHA1), so a
/// file written by a careful exporter still opens, while a wrong password costs at most
/// 0.43 s with HMAC-SHA1 (`cargo bench --bench pskc_long_lines`, README).
pub const PBKDF2_MAX_ITERATIONS: u32 = 2_000_000;

/// Reads a PBKDF2 `IterationCount`: a whole number from 1 to [`PBKDF2_MAX_ITERATIONS`].
pub(crate) fn check_iterations(text: Option<&str>) -> Result<u32, String> {
    let text = text
        .filter(|t| !t.is_empty())
        .ok_or("IterationCount is missing")?;
    match text.parse::<u128>() {
        Ok(n) if (1..=u128::from(PBKDF2_MAX_ITERATIONS)).contains(&n) => {
            u32::try_from(n).map_err(|_| "IterationCount is out of range".to_string())
        }
        Ok(0) => Err("IterationCount is 0".into()),
        Ok(n) => Err(format!(
            "IterationCount {n} is above the cap of {PBKDF2_MAX_ITERATIONS}; ask the sender for a file with fewer rounds"
        )),
        Err(_) => Err(format!(
            "IterationCount '{}' is not a positive whole number",
            quoted(text)
        )),
    }
}

/// Derives the transport key from `password`, or says that a password is needed.
pub(super) fn derive(
    dk: &Element,
    password: Option<&Zeroizing<String>>,
    place: &Place,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let method = dk.child("KeyDerivationMethod");
    let alg = method.and_then(|m| m.attr("Algorithm")).unwrap_or("");
    if !alg.to_ascii_lowercase().ends_with("#pbkdf2") {
        return Err(ImportError::Unsupported(format!(
            "key derivation {} is not supported; only PBKDF2 (RFC 6030 §6.2)",
            quoted(alg)
        )));
    }
    let Some(password) = password else {
        let hint = dk
            .text_at(&["MasterKeyName"])
            .map(|n| format!(" named '{}'", quoted(&n)))
            .unwrap_or_default();
        return Err(ImportError::KeyNeeded {
            key: KeySource::Password,
            hint,
        });
    };
    let params = method.and_then(|m| m.child("PBKDF2-params"));
    let bad = |what: &str| ImportError::Unsupported(format!("PBKDF2 parameters: {what}"));
    let salt_text = params
        .and_then(|p| p.text_at(&["Salt", "Specified"]))
        .ok_or_else(|| bad("no Salt/Specified"))?;
    let salt = base64(&salt_text).map_err(|r| bad(&format!("bad base64 in Salt: {r}")))?;
    let count = params.and_then(|p| p.child("IterationCount"));
    let rounds = check_iterations(count.map(|c| c.text.trim())).map_err(|why| {
        let line = count.map_or(dk.line, |c| c.line);
        bad(&format!("{why} (line {line}, needed by {place})"))
    })?;
    let len: usize = match params.and_then(|p| p.text_at(&["KeyLength"])) {
        Some(t) => t
            .parse()
            .ok()
            .filter(|n| [16, 24, 32].contains(n))
            .ok_or_else(|| bad("KeyLength must be 16, 24 or 32"))?,
        None => 16,
    };
    let prf = match params
        .and_then(|p| p.child("PRF"))
        .and_then(|p| p.attr("Algorithm"))
    {
        None => MacAlgorithm::Sha1,
        Some(uri) => MacAlgorithm::from_uri(uri)
            .ok_or_else(|| bad(&format!("PRF {} is not supported", quoted(uri))))?,
    };
    let mut key = Zeroizing::new(vec![0u8; len]);
    prf.pbkdf2(password.as_bytes(), &salt, rounds, &mut key);
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iteration_count_is_capped() {
        assert_eq!(check_iterations(Some("1000")), Ok(1000));
        assert_eq!(check_iterations(Some("2000000")), Ok(PBKDF2_MAX_ITERATIONS));
        for bad in [
            "2000001",
            "4294967295",
            "99999999999999999999999",
            "0",
            "-1",
            "x",
        ] {
            let e = check_iterations(Some(bad)).unwrap_err();
            assert!(e.contains("IterationCount"), "{bad}: {e}");
        }
        assert!(
            check_iterations(Some("4294967295"))
                .unwrap_err()
                .contains("above the cap of 2000000")
        );
        assert!(check_iterations(None).is_err());
    }
}
