//! Lists of Key URIs (`otpauth://TYPE/LABEL?PARAMS`, Google Authenticator Key URI
//! format): one URI per line; blank lines and lines starting with `#` are skipped.
//!
//! A Key URI names an account, not a device, so a record's `serial` is the URI's
//! account name (the label after `issuer:`); `account` and `issuer` are set as well.
//! Each record ends in [`SeedRecord::checked`] (bounds, names, short seeds), so a label
//! with `%1B` or `%0A` in it is refused with its line.

use super::parsed::Parsed;
use super::record::{ImportError, Place, SeedRecord, shown_name};
use crate::otp::KeyUri;

/// Parses a URI list; each non-blank, non-comment line yields one result naming its
/// line. Only an input above [`MAX_INPUT_BYTES`](super::MAX_INPUT_BYTES) is an outer
/// `Err`.
pub fn parse_uri_list(text: &str) -> Result<Parsed, ImportError> {
    super::check_size(text)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        })
        .map(|(i, l)| {
            let line = i + 1;
            // The account names the line when it is a valid serial (as in CSV).
            let serial = KeyUri::label_account(l)
                .and_then(|a| shown_name(crate::model::NameKind::Serial, &a));
            let place = Place::Line { line, serial };
            let uri = KeyUri::parse(l.trim()).map_err(|e| ImportError::from_otp(&place, e))?;
            from_uri(uri, Some(line)).checked(&place)
        })
        .collect())
}

/// A record from a parsed Key URI; `serial` is the account name.
pub fn from_uri(uri: KeyUri, line: Option<usize>) -> SeedRecord {
    let mut r = SeedRecord::new(uri.secret);
    r.serial = Some(uri.account.clone());
    r.account = Some(uri.account);
    r.issuer = uri.issuer;
    r.params = uri.params;
    r.counter = uri.counter;
    r.line = line;
    r
}

/// The Key URI of a record (T0, drift and device fields have no place in a URI); the
/// account is the record's account, else its serial, else its key id. The returned
/// string holds the seed and is wiped on drop.
pub fn to_uri(r: &SeedRecord) -> zeroize::Zeroizing<String> {
    KeyUri {
        params: r.params,
        secret: r.secret.clone(),
        issuer: r.issuer.clone(),
        account: r
            .account
            .clone()
            .or_else(|| r.serial.clone())
            .or_else(|| r.key_id.clone())
            .unwrap_or_else(|| "token".into()),
        counter: r.counter,
    }
    .to_uri()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::Kind;

    #[test]
    fn lines_comments_and_errors() {
        let text = "# exported\n\notpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME\n  otpauth://hotp/bob?secret=GEZDGNBVGY3TQOJQ&counter=5\nhttps://nope\notpauth://totp/x?secret=JBSW1\n";
        let recs = parse_uri_list(text).unwrap();
        assert_eq!(recs.len(), 4);
        let a = recs[0].as_ref().unwrap();
        assert_eq!(a.serial.as_deref(), Some("alice"));
        assert_eq!(a.issuer.as_deref(), Some("ACME"));
        assert_eq!(a.line, Some(3));
        let b = recs[1].as_ref().unwrap();
        assert_eq!(b.params.kind, Kind::Hotp);
        assert_eq!(b.counter, 5);
        assert!(
            recs[2]
                .as_ref()
                .unwrap_err()
                .to_string()
                .starts_with("line 5: ")
        );
        let e = recs[3].as_ref().unwrap_err().to_string();
        assert!(
            e.starts_with("line 6 (serial x): bad base32 in secret"),
            "{e}"
        );
        assert_eq!(
            to_uri(a).as_str(),
            "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME&algorithm=SHA1&digits=6&period=30"
        );
    }
}
