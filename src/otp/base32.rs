//! Base32 of RFC 4648 §6: lenient decoding of seeds as people type them, canonical
//! unpadded encoding as Key URIs want (Key URI format: "padding should be omitted").

use data_encoding::BASE32_NOPAD;
use zeroize::Zeroizing;

use super::OtpError;

/// Decodes base32 leniently: lower case, spaces, hyphens and missing or present `=`
/// padding are accepted. `field` names the input in the error.
pub fn decode(text: &str, field: &'static str) -> Result<Vec<u8>, OtpError> {
    let clean: Zeroizing<String> = Zeroizing::new(
        text.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    );
    let body = clean.trim_end_matches('=');
    if body.contains('=') {
        return Err(OtpError::Base32 {
            field,
            reason: "'=' padding inside the text".into(),
        });
    }
    if let Some((i, c)) = body
        .char_indices()
        .find(|(_, c)| !matches!(c, 'A'..='Z' | '2'..='7'))
    {
        return Err(OtpError::Base32 {
            field,
            reason: format!(
                "'{c}' at position {} is not a base32 letter (A-Z, 2-7)",
                i + 1
            ),
        });
    }
    // Lengths 1, 3 and 6 mod 8 cannot come from whole bytes (RFC 4648 §6).
    if matches!(body.len() % 8, 1 | 3 | 6) {
        return Err(OtpError::Base32 {
            field,
            reason: format!("length {} is not a whole number of bytes", body.len()),
        });
    }
    BASE32_NOPAD
        .decode(body.as_bytes())
        .map_err(|e| OtpError::Base32 {
            field,
            reason: e.to_string(),
        })
}

/// Canonical unpadded upper-case base32.
pub fn encode(bytes: &[u8]) -> String {
    BASE32_NOPAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 4648 §10 test vectors (BASE32 column).
    const RFC4648: &[(&str, &str)] = &[
        ("", ""),
        ("f", "MY======"),
        ("fo", "MZXQ===="),
        ("foo", "MZXW6==="),
        ("foob", "MZXW6YQ="),
        ("fooba", "MZXW6YTB"),
        ("foobar", "MZXW6YTBOI======"),
    ];

    #[test]
    fn rfc4648_section10_vectors() {
        for (plain, coded) in RFC4648 {
            assert_eq!(decode(coded, "t").unwrap(), plain.as_bytes(), "{coded}");
            assert_eq!(encode(plain.as_bytes()), coded.trim_end_matches('='));
        }
    }

    #[test]
    fn lenient_forms() {
        let want = b"12345678901234567890";
        for form in [
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            "gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ",
            "gezd-gnbv-gy3t-qojq-gezd-gnbv-gy3t-qojq",
        ] {
            assert_eq!(decode(form, "secret").unwrap(), want, "{form}");
        }
        assert_eq!(decode("MY", "s").unwrap(), b"f");
    }

    #[test]
    fn rejects_garbage() {
        let e = decode("GEZ1", "secret").unwrap_err();
        assert!(e.to_string().contains("'1' at position 4"), "{e}");
        assert!(decode("M", "s").is_err());
        assert!(decode("MY=A", "s").is_err());
    }

    proptest! {
        #[test]
        fn round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let text = encode(&bytes);
            prop_assert_eq!(decode(&text, "s").unwrap(), bytes.clone());
            prop_assert_eq!(decode(&text.to_lowercase(), "s").unwrap(), bytes);
        }

        #[test]
        fn never_panics(text in ".{0,64}") {
            let _ = decode(&text, "s");
        }
    }
}
