//! Which registered token a device's slot holds: the slot a burn recorded (number and
//! name) matched against what the device lists. OATH credentials match by name (the
//! burn named them `[period/]issuer:SERIAL`); numbered slots (Molto2 profiles, Nitrokey
//! slots) by number as the family lists it and by the name the device keeps of the one
//! the burn wrote. A slot with no name, or an empty one, holds no registered token.

use serde::Serialize;

use crate::devices::HeldCredential;
use crate::devices::session::{listed_slot, stored_name};
use crate::model::{Family, TokenStatus};
use crate::station::Result;
use crate::store::Reader;
use crate::store::slots::SlotHolder;

/// A registered token whose seed a device slot holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegisteredToken {
    /// Its serial.
    pub serial: String,
    /// Its product.
    pub product: String,
    /// Its status.
    pub status: TokenStatus,
    /// Token row id.
    #[serde(skip)]
    pub(crate) token_id: i64,
    /// The slot number as the burn recorded it.
    #[serde(skip)]
    pub(crate) burned_slot: u16,
}

impl From<&SlotHolder> for RegisteredToken {
    fn from(h: &SlotHolder) -> Self {
        RegisteredToken {
            serial: h.serial.clone(),
            product: h.product.clone(),
            status: h.status,
            token_id: h.token_id,
            burned_slot: h.slot,
        }
    }
}

/// The registered tokens of one family with their slots, to match a device against.
pub(crate) struct Registry {
    family: Family,
    holders: Vec<SlotHolder>,
}

impl Registry {
    /// The tokens (not retired) a burn put on a device of `family`: under the family's
    /// products and under products bound to no family.
    pub(crate) fn load(r: &Reader<'_>, family: Family) -> Result<Registry> {
        Ok(Registry {
            family,
            holders: r.slot_holders(family)?,
        })
    }

    /// The registered tokens `c` holds.
    pub(crate) fn held_in(&self, c: &HeldCredential) -> Vec<RegisteredToken> {
        let Some(name) = c.name.as_deref().filter(|_| c.occupied) else {
            return Vec::new();
        };
        self.holders
            .iter()
            .filter(|h| {
                let Some(burned) = h.name.as_deref() else {
                    return false;
                };
                if self.family.is_oath() {
                    return burned == name;
                }
                c.slot == Some(listed_slot(self.family, h.kind, h.slot))
                    && stored_name(self.family, burned) == name
            })
            .map(RegisteredToken::from)
            .collect()
    }

    /// The registered tokens every entry of `held` holds, each once.
    pub(crate) fn held_in_all(&self, held: &[HeldCredential]) -> Vec<RegisteredToken> {
        let mut out: Vec<RegisteredToken> = Vec::new();
        for t in held.iter().flat_map(|c| self.held_in(c)) {
            if !out.iter().any(|o| o.token_id == t.token_id) {
                out.push(t);
            }
        }
        out
    }
}

/// `serial (product, status)`, joined, for questions and messages.
pub(crate) fn describe(tokens: &[RegisteredToken]) -> String {
    tokens
        .iter()
        .map(|t| format!("{} ({}, {})", t.serial, t.product, t.status))
        .collect::<Vec<_>>()
        .join(", ")
}
