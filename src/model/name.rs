//! One rule for every name a person or a file gives the station: token serials, key
//! ids, issuers, account names, makers and models, product and location names, holder
//! ids and labels, reader specs, verification sources and API key ids. Imports (PSKC,
//! CSV, Key URIs) and every station use case that stores or records a name call
//! [`validate_name`], so a name the station keeps can always be shown safely.
//!
//! A name is refused when it is empty, longer than its kind allows (in characters:
//! [`NAME_MAX_CHARS`] for identifiers, [`LABEL_MAX_CHARS`] for free-text labels and
//! account names, which are often e-mail addresses of up to 254 characters), or holds a
//! character that changes how a terminal or an editor shows text:
//!
//! - C0 and C1 control characters and DEL (Unicode category Cc): ESC starts terminal
//!   escape sequences (`\x1b[2J` clears the screen), CR and LF forge table rows and
//!   log lines, NUL truncates C strings;
//! - the bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A–U+202E,
//!   U+2066–U+2069), which reorder what is shown ("Trojan Source", CVE-2021-42574);
//! - the line and paragraph separators U+2028 and U+2029.
//!
//! [`display_safe`] renders any text (a refused value in an error message, a file's
//! column name) with those characters escaped, for messages that must quote input.

use std::borrow::Cow;
use std::fmt;

/// Longest identifier (serial, key id, product, location, holder id, issuer, maker,
/// model), in characters.
pub const NAME_MAX_CHARS: usize = 128;
/// Longest label (holder label, account name), in characters.
pub const LABEL_MAX_CHARS: usize = 256;

/// What a name names; decides its maximum length and the word used in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameKind {
    /// A token serial number.
    Serial,
    /// A PSKC `Key@Id` or a CSV key id.
    KeyId,
    /// The issuer of a token's account (Key URI `issuer`, PSKC `Issuer`).
    Issuer,
    /// An account name (Key URI label, PSKC `FriendlyName`, CSV `upn`).
    Account,
    /// A token maker.
    Manufacturer,
    /// A token model.
    Model,
    /// A product name.
    Product,
    /// A location name.
    Location,
    /// A holder's external id.
    HolderId,
    /// A holder's display label.
    HolderLabel,
    /// A reader spec kept for a location (`pcsc:NAME`, `pn532:/dev/ttyUSB0`…).
    Reader,
    /// Where verification attempts come from (a kiosk's reader, a CLI user, an API
    /// client): the unit the per-source delay counts.
    Source,
    /// An API key's id, named in the audit log.
    ApiKey,
}

impl NameKind {
    /// The word for messages (`serial`, `holder label`, …).
    pub fn noun(self) -> &'static str {
        match self {
            NameKind::Serial => "serial",
            NameKind::KeyId => "key id",
            NameKind::Issuer => "issuer",
            NameKind::Account => "account name",
            NameKind::Manufacturer => "manufacturer",
            NameKind::Model => "model",
            NameKind::Product => "product name",
            NameKind::Location => "location name",
            NameKind::HolderId => "holder id",
            NameKind::HolderLabel => "holder label",
            NameKind::Reader => "reader",
            NameKind::Source => "source",
            NameKind::ApiKey => "API key id",
        }
    }

    /// Longest value, in characters.
    pub fn max_chars(self) -> usize {
        match self {
            NameKind::Account | NameKind::HolderLabel | NameKind::Reader | NameKind::Source => {
                LABEL_MAX_CHARS
            }
            _ => NAME_MAX_CHARS,
        }
    }
}

/// Why a name was refused. Messages never repeat the refused characters raw.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Empty or only white space.
    #[error("invalid {}: it is empty", kind.noun())]
    Empty {
        /// What was named.
        kind: NameKind,
    },
    /// Longer than the kind allows.
    #[error("invalid {}: it has {chars} characters; at most {} are allowed", kind.noun(), kind.max_chars())]
    TooLong {
        /// What was named.
        kind: NameKind,
        /// Its length in characters.
        chars: usize,
    },
    /// Holds a control, bidirectional or line-separator character.
    #[error("invalid {}: it contains the control character U+{code:04X} at character {position}; names must be printable text", kind.noun())]
    Control {
        /// What was named.
        kind: NameKind,
        /// The character's code point.
        code: u32,
        /// 1-based character position.
        position: usize,
    },
}

impl NameError {
    /// What was named.
    pub fn kind(&self) -> NameKind {
        match self {
            NameError::Empty { kind }
            | NameError::TooLong { kind, .. }
            | NameError::Control { kind, .. } => *kind,
        }
    }
}

/// True for characters a name may not hold (see the module documentation).
pub fn is_forbidden_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Checks a name of `kind`: not blank, at most `kind.max_chars()` characters, and no
/// control, bidirectional-formatting or line-separator character.
pub fn validate_name(kind: NameKind, name: &str) -> Result<(), NameError> {
    if let Some((i, c)) = name
        .chars()
        .enumerate()
        .find(|(_, c)| is_forbidden_char(*c))
    {
        return Err(NameError::Control {
            kind,
            code: u32::from(c),
            position: i + 1,
        });
    }
    if name.trim().is_empty() {
        return Err(NameError::Empty { kind });
    }
    let chars = name.chars().count();
    if chars > kind.max_chars() {
        return Err(NameError::TooLong { kind, chars });
    }
    Ok(())
}

/// `text` with forbidden characters written as `\u{1b}` and cut to `max_chars`
/// characters with an ellipsis, for quoting input in a one-line message.
pub fn display_safe(text: &str, max_chars: usize) -> Cow<'_, str> {
    let long = text.chars().nth(max_chars).is_some();
    if !long && !text.chars().any(is_forbidden_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    for c in text.chars().take(max_chars) {
        if is_forbidden_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    if long {
        out.push('…');
    }
    Cow::Owned(out)
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn controls_bidi_and_separators_are_refused() {
        for (bad, code, pos) in [
            ("ev\u{1b}[2Jil", 0x1b, 3),
            ("a\nb", 0x0a, 2),
            ("\u{0}", 0, 1),
            ("x\u{7f}", 0x7f, 2),
            ("c1\u{9b}", 0x9b, 3),
            ("ab\u{202e}cd", 0x202e, 3),
            ("\u{2066}x", 0x2066, 1),
            ("line\u{2028}", 0x2028, 5),
            ("bell\u{7}", 7, 5),
            ("cr\r", 13, 3),
        ] {
            let e = validate_name(NameKind::Serial, bad).unwrap_err();
            assert_eq!(
                e,
                NameError::Control {
                    kind: NameKind::Serial,
                    code,
                    position: pos
                },
                "{bad:?}"
            );
            let msg = e.to_string();
            assert!(!msg.chars().any(is_forbidden_char), "{msg:?}");
            assert!(msg.starts_with("invalid serial: "), "{msg}");
        }
    }

    #[test]
    fn lengths_per_kind() {
        let long = "W".repeat(NAME_MAX_CHARS + 1);
        assert_eq!(
            validate_name(NameKind::Serial, &long),
            Err(NameError::TooLong {
                kind: NameKind::Serial,
                chars: 129
            })
        );
        assert!(validate_name(NameKind::HolderLabel, &long).is_ok());
        assert!(validate_name(NameKind::Account, &"é".repeat(LABEL_MAX_CHARS)).is_ok());
        assert!(validate_name(NameKind::Account, &"é".repeat(LABEL_MAX_CHARS + 1)).is_err());
        assert!(validate_name(NameKind::Serial, &"W".repeat(70_000)).is_err());
        assert_eq!(
            validate_name(NameKind::Location, "  "),
            Err(NameError::Empty {
                kind: NameKind::Location
            })
        );
        for ok in [
            "C302-0001",
            "Lobby 2",
            "alice@example.com",
            "Zoë Ünal",
            "東京",
        ] {
            assert!(validate_name(NameKind::Serial, ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn display_safe_escapes_and_cuts() {
        assert_eq!(display_safe("plain", 10), "plain");
        assert_eq!(display_safe("a\u{1b}[2J", 10), "a\\u{1b}[2J");
        assert_eq!(display_safe("abcdef", 3), "abc…");
        assert_eq!(display_safe("\u{202e}x", 1), "\\u{202e}…");
    }

    proptest! {
        #[test]
        fn accepted_names_are_printable_and_short(s in ".{0,300}") {
            if validate_name(NameKind::HolderLabel, &s).is_ok() {
                prop_assert!(!s.chars().any(is_forbidden_char));
                prop_assert!(s.chars().count() <= LABEL_MAX_CHARS);
            }
            prop_assert!(!display_safe(&s, 40).chars().any(is_forbidden_char));
        }
    }
}
