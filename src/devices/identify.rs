//! What a card in a reader is, for listings (`hw list`, the hardware screen): the
//! token family its ATR names or its answer to a SELECT of the OATH application shows
//! (a YubiKey or a Nitrokey 3), a memory card by its PC/SC part 3 ATR, and otherwise
//! "token (family unknown: pass --family)" — Token2 NFC and Molto2 tokens carry no
//! recognisable ATR and answer no OATH SELECT. The UID is given only for a card that
//! answers GET DATA (UID) (issue 12). One rule for every face.

use super::pcsc_uid::PcscUidReader;
use super::pcsc_uid::protocol::ContactlessAtr;
use super::registry;
use super::ykoath::protocol as oath;
use crate::model::Family;
use crate::transport::{ApduLink, StatusWord};

/// Said of a card nothing recognises.
pub const UNKNOWN_TOKEN: &str = "token (family unknown: pass --family)";

/// What a card is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardIdentity {
    /// Its family: a token family, or `pcsc-uid` for a memory card read by its UID.
    pub family: Option<Family>,
    /// In words (`YubiKey (OATH)`, `MIFARE Classic 1K`, [`UNKNOWN_TOKEN`]).
    pub description: &'static str,
    /// Its UID in hex, when the card answers GET DATA (UID).
    pub uid: Option<String>,
}

/// The family a SELECT of the OATH application shows, if the card answers it.
fn oath_family<L: ApduLink>(link: &mut L) -> Option<Family> {
    let r = link.transmit(&oath::select()).ok()?;
    if r.sw != StatusWord::Success {
        return None;
    }
    let info = oath::parse_select(&r.data).ok()?;
    Some(if info.is_nitrokey3() {
        Family::Nitrokey3
    } else {
        Family::Ykoath
    })
}

/// Identifies the card on `link`: ATR, then an OATH SELECT, then GET DATA (UID).
pub fn identify_card<L: ApduLink>(mut link: L) -> CardIdentity {
    let atr = ContactlessAtr::parse(link.atr());
    let hint = registry::recognise_token_atr(link.atr());
    // A memory card has no applications to select.
    let storage = matches!(atr, Some(ContactlessAtr::Storage { .. }));
    let token = if storage {
        None
    } else {
        oath_family(&mut link).or(hint)
    };
    let uid = PcscUidReader::new(link)
        .read_uid()
        .ok()
        .map(|u| u.to_string());
    let (family, description) = match (token, &atr) {
        (Some(Family::Nitrokey3), _) => (Some(Family::Nitrokey3), "Nitrokey 3 (OATH)"),
        (Some(f), _) => (Some(f), "YubiKey (OATH)"),
        (None, Some(a)) if storage => (uid.as_ref().map(|_| Family::PcscUid), a.card_name()),
        (None, _) => (None, UNKNOWN_TOKEN),
    };
    CardIdentity {
        family,
        description,
        uid,
    }
}
