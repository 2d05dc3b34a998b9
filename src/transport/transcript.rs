//! Transcripts: recorded exchanges of a protocol, replayed against drivers (through
//! [`super::scripted`] links) and against emulators (through [`replay`]).
//!
//! Format of `firmware-protocols/<family>/*.transcript`, one item a line:
//!
//! ```text
//! # a comment (also after data: `> FF CA 00 00 00  # GET DATA UID`)
//! ! key value        setup for the emulator replaying it (e.g. `! uid 04A1B2C3`)
//! > FF CA 00 00 00   host to device, hex
//! < 04 A1 B2 C3 90 00  device to host, hex; several `<` lines after one `>` are
//!                       consecutive device frames (e.g. PN532 ACK then response)
//! ```
//!
//! `<` lines before any `>` are unsolicited device output (RDM6300 frames).

use std::path::Path;

use super::trace::{Hex, parse_hex};

/// One request with the device frames that follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// Host-to-device bytes; `None` for unsolicited device output.
    pub request: Option<Vec<u8>>,
    /// Device-to-host frames, in order.
    pub responses: Vec<Vec<u8>>,
    /// 1-based line of the request (or of the first response).
    pub line: usize,
}

impl Exchange {
    /// All response frames concatenated.
    pub fn response_bytes(&self) -> Vec<u8> {
        self.responses.concat()
    }
}

/// A parsed transcript.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transcript {
    /// File name or label, for messages.
    pub name: String,
    /// `! key value` setup lines, in order.
    pub setup: Vec<(String, String)>,
    /// The exchanges, in order.
    pub exchanges: Vec<Exchange>,
}

/// A transcript line that cannot be parsed, or a replay that went differently.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}:{line}: {reason}")]
pub struct TranscriptError {
    /// Transcript name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// What went wrong.
    pub reason: String,
}

impl Transcript {
    /// Parses transcript text; `name` is used in messages.
    pub fn parse(name: &str, text: &str) -> Result<Transcript, TranscriptError> {
        let mut t = Transcript {
            name: name.to_string(),
            ..Transcript::default()
        };
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let err = |reason: String| TranscriptError {
                name: name.to_string(),
                line,
                reason,
            };
            let content = raw.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let mut chars = content.chars();
            let tag = chars.next();
            let rest = chars.as_str().trim();
            match tag {
                Some('!') => {
                    let (k, v) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                    if k.is_empty() {
                        return Err(err("`!` setup line without a key".into()));
                    }
                    t.setup.push((k.to_string(), v.trim().to_string()));
                }
                Some('>') => {
                    let bytes = parse_hex(rest).map_err(err)?;
                    t.exchanges.push(Exchange {
                        request: Some(bytes),
                        responses: Vec::new(),
                        line,
                    });
                }
                Some('<') => {
                    let bytes = parse_hex(rest).map_err(err)?;
                    match t.exchanges.last_mut() {
                        Some(ex) => ex.responses.push(bytes),
                        None => t.exchanges.push(Exchange {
                            request: None,
                            responses: vec![bytes],
                            line,
                        }),
                    }
                }
                _ => return Err(err(format!("line must start with >, <, ! or #: {raw:?}"))),
            }
        }
        Ok(t)
    }

    /// Reads and parses a transcript file.
    pub fn load(path: &Path) -> Result<Transcript, TranscriptError> {
        let text = std::fs::read_to_string(path).map_err(|e| TranscriptError {
            name: path.display().to_string(),
            line: 0,
            reason: e.to_string(),
        })?;
        Transcript::parse(&path.display().to_string(), &text)
    }

    /// The value of setup key `key`, if given.
    pub fn setup(&self, key: &str) -> Option<&str> {
        self.setup
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every host-to-device byte of the transcript, in order.
    pub fn requests(&self) -> impl Iterator<Item = &[u8]> {
        self.exchanges.iter().filter_map(|e| e.request.as_deref())
    }
}

/// Replays `transcript` against a device: for each exchange, `device` gets the request
/// (`None` for unsolicited output) and must produce exactly the recorded response bytes.
pub fn replay<F>(transcript: &Transcript, mut device: F) -> Result<(), TranscriptError>
where
    F: FnMut(Option<&[u8]>) -> Result<Vec<u8>, String>,
{
    for ex in &transcript.exchanges {
        let err = |reason: String| TranscriptError {
            name: transcript.name.clone(),
            line: ex.line,
            reason,
        };
        let got = device(ex.request.as_deref()).map_err(err)?;
        let want = ex.response_bytes();
        if got != want {
            return Err(err(format!(
                "device answered [{}], transcript says [{}]",
                Hex(&got),
                Hex(&want)
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TEXT: &str = "# uid card\n! uid 04A1B2C3\n< 02 03\n> FF CA 00 00 00 # get uid\n< 04 A1 B2 C3 90 00\n< 00\n";

    #[test]
    fn parses_setup_requests_and_responses() {
        let t = Transcript::parse("t", TEXT).unwrap();
        assert_eq!(t.setup("uid"), Some("04A1B2C3"));
        assert_eq!(t.exchanges.len(), 2);
        assert_eq!(t.exchanges[0].request, None);
        assert_eq!(
            t.exchanges[1].request.as_deref(),
            Some(&[0xFF, 0xCA, 0, 0, 0][..])
        );
        assert_eq!(t.exchanges[1].responses.len(), 2);
        assert_eq!(t.exchanges[1].line, 4);
    }

    #[test]
    fn bad_lines_name_their_line() {
        let e = Transcript::parse("x.transcript", "# ok\n> FF\nhello\n").unwrap_err();
        assert_eq!((e.line, e.name.as_str()), (3, "x.transcript"));
        assert!(Transcript::parse("x", "> FG").is_err());
    }

    #[test]
    fn replay_reports_the_first_difference() {
        let t = Transcript::parse("t", "> 01\n< 02\n> 03\n< 04\n").unwrap();
        assert!(replay(&t, |r| Ok(r.map(|b| vec![b[0] + 1]).unwrap_or_default())).is_ok());
        let e = replay(&t, |_| Ok(vec![2])).unwrap_err();
        assert_eq!(e.line, 3);
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "(?s).{0,200}") {
            let _ = Transcript::parse("p", &s);
        }
    }
}
