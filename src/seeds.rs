//! Seeds in and out, pure: PSKC (RFC 6030) import and export, CSV seed files (Token2 /
//! Entra ID, OATH CSV of privacyIDEA, generic with a header map), lists of `otpauth://`
//! Key URIs, QR codes of Key URIs, and fresh seeds.
//!
//! Nothing here reads files, clocks or the network: callers pass the contents in. The
//! one exception is [`generate::generate_secret`], which draws from the OS RNG.

pub mod csv;
pub mod generate;
pub mod parsed;
pub mod pskc;
pub mod pskc_write;
pub mod qr;
pub mod record;
pub mod urilist;

/// The largest PSKC, CSV or URI-list input an import reads, in bytes (128 MiB).
///
/// The benchmark's 100,000-key PSKC file (AES-128-CBC with ValueMACs, the largest
/// delivery the station is sized for) is 95.7 MB and imports in 136 MB of memory; 128
/// MiB leaves a third more room (about 140,000 such keys, or millions of CSV rows)
/// while keeping a whole import under the 200 MB memory target. Larger deliveries are
/// split; `/dev/zero` or a runaway file is refused before it fills memory.
pub const MAX_INPUT_BYTES: u64 = 128 * 1024 * 1024;

/// Refuses text longer than [`MAX_INPUT_BYTES`] (the parsers' own guard; file readers
/// stop at the limit before this).
pub(crate) fn check_size(text: &str) -> Result<(), ImportError> {
    let bytes = u64::try_from(text.len()).unwrap_or(u64::MAX);
    if bytes > MAX_INPUT_BYTES {
        return Err(ImportError::TooLarge {
            bytes,
            max: MAX_INPUT_BYTES,
        });
    }
    Ok(())
}

pub use csv::{CsvFormat, Field, HeaderMap, parse_csv};
pub use generate::{RandomError, generate_secret, os_random};
pub use parsed::Parsed;
pub use pskc::{MacCheck, PBKDF2_MAX_ITERATIONS, PskcKeys, parse_pskc};
pub use pskc_write::{ExportError, Protection, write_pskc};
pub use qr::{QrError, qr_png, qr_terminal};
pub use record::{ImportError, KeySource, Place, SeedRecord};
pub use urilist::{from_uri, parse_uri_list, to_uri};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_above_the_limit_are_refused_by_every_parser() {
        let max = usize::try_from(MAX_INPUT_BYTES).unwrap_or(usize::MAX);
        let mut text = "a".repeat(max);
        assert!(check_size(&text).is_ok());
        text.push('\n');
        let too_large = |r: Result<Parsed, ImportError>| matches!(r, Err(ImportError::TooLarge { bytes, max: m }) if bytes == MAX_INPUT_BYTES + 1 && m == MAX_INPUT_BYTES);
        assert!(too_large(parse_csv(&text, &CsvFormat::Token2)));
        assert!(too_large(parse_uri_list(&text)));
        assert!(too_large(parse_pskc(
            &text,
            &PskcKeys::default(),
            MacCheck::Strict
        )));
    }
}
