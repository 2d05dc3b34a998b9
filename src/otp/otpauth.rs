//! `otpauth://` Key URIs (Google Authenticator Key URI format):
//! `otpauth://TYPE/LABEL?secret=…&issuer=…&algorithm=…&digits=…&period=…&counter=…`,
//! where LABEL is `issuer:account`, percent-encoded, the colon possibly `%3A` and
//! optionally followed by spaces.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use zeroize::Zeroizing;

use super::bounds::{check_counter, check_period};
use super::{Digits, Kind, OtpError, OtpParams, Secret};

/// Characters left as they are in labels and parameter values: RFC 3986 unreserved
/// plus `@`, which authenticator apps show as is.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

/// A parsed Key URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUri {
    /// Kind, algorithm, digits and period (T0 is always 0 in Key URIs).
    pub params: OtpParams,
    /// The seed.
    pub secret: Secret,
    /// Issuer, from the `issuer` parameter or else the label prefix.
    pub issuer: Option<String>,
    /// Account name (the label after `issuer:`).
    pub account: String,
    /// Initial counter (HOTP only; 0 for TOTP).
    pub counter: u64,
}

fn decode(part: &str, field: &'static str) -> Result<String, OtpError> {
    percent_decode_str(part)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| OtpError::invalid(field, "percent-encoding is not UTF-8"))
}

fn number<T: std::str::FromStr>(value: &str, field: &'static str) -> Result<T, OtpError> {
    value
        .parse()
        .map_err(|_| OtpError::invalid(field, format!("'{value}' is not a number")))
}

impl KeyUri {
    /// The account name a Key URI's label names, read leniently: what names a line
    /// of a URI list whose URI is refused for another reason. `None` without one.
    pub fn label_account(uri: &str) -> Option<String> {
        let uri = uri.trim();
        let rest = uri
            .get(..10)
            .filter(|p| p.eq_ignore_ascii_case("otpauth://"))
            .and_then(|_| uri.get(10..))?;
        let path = rest.split_once('?').map_or(rest, |(p, _)| p);
        let label = decode(path.split_once('/')?.1, "label").ok()?;
        let account = label.split_once(':').map_or(label.as_str(), |(_, a)| a);
        let account = account.trim();
        (!account.is_empty()).then(|| account.to_string())
    }

    /// Parses a Key URI; an invalid value of a known parameter is an error naming the
    /// parameter. Unknown parameters (such as `image`) are ignored, as apps do.
    pub fn parse(uri: &str) -> Result<KeyUri, OtpError> {
        let uri = uri.trim();
        let rest = uri
            .get(..10)
            .filter(|p| p.eq_ignore_ascii_case("otpauth://"))
            .map(|_| &uri[10..])
            .ok_or_else(|| OtpError::Uri("it does not start with otpauth://".into()))?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (kind, label) = path
            .split_once('/')
            .ok_or_else(|| OtpError::Uri("no label after the type".into()))?;
        let kind: Kind = kind
            .parse()
            .map_err(|_| OtpError::invalid("type", format!("'{kind}' is not one of totp, hotp")))?;
        let label = decode(label, "label")?;
        let (label_issuer, account) = match label.split_once(':') {
            Some((i, a)) => (Some(i.to_string()), a.trim_start().to_string()),
            None => (None, label.clone()),
        };
        if account.is_empty() {
            return Err(OtpError::invalid("label", "the account name is empty"));
        }

        let mut params = OtpParams {
            kind,
            ..OtpParams::default()
        };
        let mut secret = None;
        let mut issuer = None;
        let mut counter = None;
        let mut seen: Vec<String> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, raw) = pair.split_once('=').unwrap_or((pair, ""));
            let name = name.to_ascii_lowercase();
            if seen.contains(&name) {
                return Err(OtpError::invalid(
                    param_name(&name),
                    "the parameter appears twice",
                ));
            }
            seen.push(name.clone());
            match name.as_str() {
                "secret" => {
                    let value = Zeroizing::new(decode(raw, "secret")?);
                    secret = Some(Secret::from_base32(&value)?);
                }
                "issuer" => issuer = Some(decode(raw, "issuer")?),
                "algorithm" => params.algorithm = decode(raw, "algorithm")?.parse()?,
                "digits" => params.digits = Digits::new(number(raw, "digits")?)?,
                "period" => params.period = check_period(number::<i128>(raw, "period")?)?,
                "counter" => counter = Some(check_counter(number::<i128>(raw, "counter")?)?),
                _ => {}
            }
        }
        let secret = secret.ok_or_else(|| OtpError::invalid("secret", "missing"))?;
        if secret.is_empty() {
            return Err(OtpError::invalid("secret", "the seed is empty"));
        }
        let counter = match (kind, counter) {
            (Kind::Hotp, None) => {
                return Err(OtpError::invalid("counter", "required for hotp"));
            }
            (Kind::Hotp, Some(c)) => c,
            (Kind::Totp, _) => 0,
        };
        Ok(KeyUri {
            params,
            secret,
            issuer: issuer.or(label_issuer).filter(|i| !i.is_empty()),
            account,
            counter,
        })
    }

    /// Formats the canonical URI: label `issuer:account`, then `secret`, `issuer`,
    /// `algorithm`, `digits`, and `period` (TOTP) or `counter` (HOTP). The returned
    /// string holds the seed and is wiped on drop.
    pub fn to_uri(&self) -> Zeroizing<String> {
        let enc = |s: &str| utf8_percent_encode(s, KEEP).to_string();
        let label = match &self.issuer {
            Some(i) => format!("{}:{}", enc(i), enc(&self.account)),
            None => enc(&self.account),
        };
        let mut out = Zeroizing::new(format!(
            "otpauth://{}/{}?secret={}",
            self.params.kind,
            label,
            self.secret.to_base32().as_str()
        ));
        if let Some(i) = &self.issuer {
            out.push_str(&format!("&issuer={}", enc(i)));
        }
        out.push_str(&format!(
            "&algorithm={}&digits={}",
            self.params.algorithm.uri_name(),
            self.params.digits
        ));
        match self.params.kind {
            Kind::Totp => out.push_str(&format!("&period={}", self.params.period)),
            Kind::Hotp => out.push_str(&format!("&counter={}", self.counter)),
        }
        out
    }
}

/// Maps a lower-cased parameter name to a static name for errors.
fn param_name(name: &str) -> &'static str {
    match name {
        "secret" => "secret",
        "issuer" => "issuer",
        "algorithm" => "algorithm",
        "digits" => "digits",
        "period" => "period",
        "counter" => "counter",
        _ => "parameter",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::Algorithm;
    use proptest::prelude::*;

    #[test]
    fn worked_example() {
        let u = KeyUri::parse(
            "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
        )
        .unwrap();
        assert_eq!(u.secret.expose(), b"Hello!\xde\xad\xbe\xef");
        assert_eq!(u.issuer.as_deref(), Some("Example"));
        assert_eq!(u.account, "alice@google.com");
        assert_eq!(u.params, OtpParams::default());
        assert_eq!(
            u.to_uri().as_str(),
            "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn encoded_colon_and_space() {
        let u = KeyUri::parse("otpauth://hotp/ACME%20Co%3A%20john.doe?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=7&digits=8&algorithm=sha256").unwrap();
        assert_eq!(u.issuer.as_deref(), Some("ACME Co"));
        assert_eq!(u.account, "john.doe");
        assert_eq!(u.counter, 7);
        assert_eq!(u.params.kind, Kind::Hotp);
        assert_eq!(u.params.digits, Digits::EIGHT);
        assert_eq!(u.params.algorithm, Algorithm::Sha256);
    }

    #[test]
    fn errors_name_the_parameter() {
        let base = "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP";
        for (extra, field) in [
            ("&algorithm=MD5", "algorithm"),
            ("&digits=5", "digits"),
            ("&digits=x", "digits"),
            ("&period=0", "period"),
            ("&period=-1", "period"),
            ("&period=3601", "period"),
            ("&period=99999999999999", "period"),
        ] {
            let e = KeyUri::parse(&format!("{base}{extra}")).unwrap_err();
            assert!(e.to_string().contains(field), "{extra}: {e}");
        }
        assert!(
            KeyUri::parse("otpauth://totp/A:b?issuer=x")
                .unwrap_err()
                .to_string()
                .contains("secret")
        );
        assert!(
            KeyUri::parse("otpauth://totp/A:b?secret=JBSW1")
                .unwrap_err()
                .to_string()
                .contains("secret")
        );
        assert!(
            KeyUri::parse("otpauth://hotp/A:b?secret=JBSWY3DP")
                .unwrap_err()
                .to_string()
                .contains("counter")
        );
        assert!(
            KeyUri::parse("otpauth://daypassword/A:b?secret=JBSWY3DP")
                .unwrap_err()
                .to_string()
                .contains("type")
        );
        // the HOTP counter stays below 2^63 (the store's signed INTEGER)
        let hotp = "otpauth://hotp/H:HX?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=";
        for c in ["18446744073709551615", "9223372036854775808", "-1"] {
            let e = KeyUri::parse(&format!("{hotp}{c}"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("counter"), "{c}: {e}");
        }
        assert_eq!(
            KeyUri::parse(&format!("{hotp}9223372036854775807"))
                .unwrap()
                .counter,
            i64::MAX as u64
        );
        assert!(KeyUri::parse("https://example.com").is_err());
        assert!(KeyUri::parse("otpauth://totp/A:b?secret=JBSWY3DP&secret=JBSWY3DP").is_err());
        // unknown parameters are ignored
        assert!(KeyUri::parse(&format!("{base}&image=http%3A%2F%2Fx")).is_ok());
    }

    proptest! {
        #[test]
        fn round_trip(
            seed in proptest::collection::vec(any::<u8>(), 1..64),
            issuer in proptest::option::of("[^:]{1,20}"),
            account in "[^:]{1,30}",
            hotp in any::<bool>(),
            alg in 0usize..3,
            digits in 6u8..=10,
            period in 1u32..=crate::otp::bounds::PERIOD_MAX_S,
            counter in 0..=crate::otp::bounds::COUNTER_MAX,
        ) {
            let account = account.trim_start().to_string();
            prop_assume!(!account.is_empty());
            let kind = if hotp { Kind::Hotp } else { Kind::Totp };
            let u = KeyUri {
                params: OtpParams {
                    kind,
                    algorithm: [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512][alg],
                    digits: Digits::new(digits).unwrap(),
                    period: if hotp { 30 } else { period },
                    t0: 0,
                },
                secret: Secret::new(seed),
                issuer: issuer.filter(|i| !i.is_empty()),
                account,
                counter: if hotp { counter } else { 0 },
            };
            let back = KeyUri::parse(&u.to_uri()).unwrap();
            prop_assert_eq!(back, u);
        }

        #[test]
        fn never_panics(text in "otpauth://.{0,80}") {
            let _ = KeyUri::parse(&text);
        }
    }
}
