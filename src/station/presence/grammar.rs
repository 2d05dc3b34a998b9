//! The typed-line grammar of a kiosk (stdin of a kiosk terminal, or a keyboard-wedge
//! reader), pure:
//!
//! ```text
//! line      = [direction " "] (serial " " code | code)
//! direction = "in" | "out"                      (case-insensitive)
//! code      = 6 to 10 ASCII digits              (or a backup code with letters)
//! serial    = 1 to 64 printable characters without spaces
//! ```
//!
//! `SERIAL CODE` names the token (and so its holder); a bare `CODE` completes a card or
//! tag tap made in the last 30 seconds at the same kiosk. A line from a wedge reader is
//! first looked up as a credential (a tag typed as 10 decimal digits); only when no
//! credential matches is it read with this grammar.

use super::Direction;

/// A parsed typed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedLine {
    /// Explicit direction, if given.
    pub direction: Option<Direction>,
    /// Token serial, if given.
    pub serial: Option<String>,
    /// The code.
    pub code: String,
}

/// Why a line is not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{line}' is not understood: {why} (type SERIAL CODE, or CODE after tapping a card; prefix in/out to force a direction)"
)]
pub struct GrammarError {
    /// The line (codes in it are masked).
    pub line: String,
    /// What is wrong.
    pub why: &'static str,
}

/// Longest serial accepted.
pub const MAX_SERIAL: usize = 64;

fn is_code(s: &str) -> bool {
    (6..=10).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        || super::super::backup::looks_like_backup_code(s)
}

/// Masks digit runs of 6 or more (codes) for messages and logs.
pub fn mask(line: &str) -> String {
    line.split(' ')
        .map(|w| {
            if w.len() >= 6 && w.bytes().all(|b| b.is_ascii_digit()) {
                "*".repeat(w.len())
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses one line; `Ok(None)` for an empty line.
pub fn parse(line: &str) -> Result<Option<TypedLine>, GrammarError> {
    let err = |why| GrammarError {
        line: mask(line.trim()),
        why,
    };
    let mut words: Vec<&str> = line.split_whitespace().collect();
    if words.is_empty() {
        return Ok(None);
    }
    let direction = match words.first().map(|w| w.to_ascii_lowercase()) {
        Some(w) if w == "in" => Some(Direction::In),
        Some(w) if w == "out" => Some(Direction::Out),
        _ => None,
    };
    if direction.is_some() {
        words.remove(0);
    }
    match words.as_slice() {
        [code] if is_code(code) => Ok(Some(TypedLine {
            direction,
            serial: None,
            code: (*code).to_string(),
        })),
        [serial, code] if is_code(code) => {
            if serial.len() > MAX_SERIAL || serial.chars().any(char::is_control) {
                return Err(err("the serial is too long or has control characters"));
            }
            Ok(Some(TypedLine {
                direction,
                serial: Some((*serial).to_string()),
                code: (*code).to_string(),
            }))
        }
        [] => Err(err("a direction without a code")),
        [_] | [_, _] => Err(err("the code must be 6 to 10 digits")),
        _ => Err(err("too many words")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn forms() {
        assert_eq!(parse("  ").unwrap(), None);
        let l = parse("T1 123456").unwrap().unwrap();
        assert_eq!(
            (l.serial.as_deref(), l.code.as_str()),
            (Some("T1"), "123456")
        );
        let l = parse("OUT 12345678").unwrap().unwrap();
        assert_eq!(l.direction, Some(Direction::Out));
        assert_eq!(l.serial, None);
        let l = parse("in C302-0001 000111").unwrap().unwrap();
        assert_eq!(l.direction, Some(Direction::In));
        assert!(parse("T1 12").is_err());
        assert!(parse("in").is_err());
        let e = parse("a b 123456 c").unwrap_err();
        assert!(!e.to_string().contains("123456"), "{e}");
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,80}") {
            let _ = parse(&s);
        }

        #[test]
        fn serial_and_code_round_trip(serial in "[A-Za-z0-9-]{1,20}", code in "[0-9]{6,10}") {
            prop_assume!(!["in", "out"].contains(&serial.to_ascii_lowercase().as_str()));
            let l = parse(&format!("{serial} {code}")).unwrap().unwrap();
            prop_assert_eq!(l.serial, Some(serial));
            prop_assert_eq!(l.code, code);
        }
    }
}
