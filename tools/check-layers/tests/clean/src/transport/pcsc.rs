//! PC/SC backend: the one place of the pcsc crate.
use pcsc::Context;

/// A PC/SC link.
pub struct PcscLink(pub Context);
