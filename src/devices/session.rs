//! Hardware sessions: the one door from the station (and the faces, through it) to
//! hardware. A session opens any token or reader from a [`ReaderSpec`] plus options
//! (OATH access code, Molto2 customer key, Nitrokey admin PIN), waits for a token in a
//! reader, names slots the way each family wants, lists what is attached and watches
//! it change. Everything opened comes back behind the capability traits
//! ([`OtpToken`](super::OtpToken), [`TokenClock`](super::TokenClock),
//! [`PresenceReader`](super::PresenceReader)), so a use case runs the same on real
//! hardware, an emulator or a transcript.

pub mod inventory;
pub mod reader;
pub mod slots;
pub mod token;
pub mod watch;

pub use super::error::{Credential, DeviceHint};
pub use super::presence::{BoxedReader, ReaderSpec, SpecError};
pub use reader::open_reader;
pub use slots::{listed_slot, stored_name};
pub use token::{
    TokenOptions, TokenSession, family_fits, missing_secret, no_token, open_token, slot_name,
    wait_token,
};
