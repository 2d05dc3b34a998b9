//! Seeds in and out, pure: PSKC (RFC 6030) import and export, CSV seed files (Token2 /
//! Entra ID, OATH CSV of privacyIDEA, generic with a header map), lists of `otpauth://`
//! Key URIs, QR codes of Key URIs, and fresh seeds.
//!
//! Nothing here reads files, clocks or the network: callers pass the contents in. The
//! one exception is [`generate::generate_secret`], which draws from the OS RNG.

pub mod csv;
pub mod generate;
pub mod pskc;
pub mod pskc_write;
pub mod qr;
pub mod record;
pub mod urilist;

pub use csv::{CsvFormat, Field, HeaderMap, parse_csv};
pub use generate::{RandomError, generate_secret, os_random};
pub use pskc::{MacCheck, Parsed, PskcKeys, parse_pskc};
pub use pskc_write::{ExportError, Protection, write_pskc};
pub use qr::{QrError, qr_png, qr_terminal};
pub use record::{ImportError, KeySource, Place, SeedRecord};
pub use urilist::{from_uri, parse_uri_list, to_uri};
