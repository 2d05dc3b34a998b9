//! Taking things back (issue 12): removing and editing holders, removing their
//! credentials, removing locations, and undoing a token's assignment. Each change is
//! one audited transaction; a removal that would take more with it (a holder's tokens,
//! a location's presence history) needs `force`.

use serde::Serialize;

use super::names::{checked, checked_opt};
use super::presence::CredentialKey;
use super::tokens::find_token;
use super::{Result, Station, StationError};
use crate::model::{Holder, NameKind, Token};

/// A holder's new id and label (`None`: unchanged; a label of `Some(None)` clears it).
#[derive(Debug, Clone, Default)]
pub struct HolderEdit {
    /// New external id.
    pub id: Option<String>,
    /// New label.
    pub label: Option<Option<String>>,
}

/// Which assignment of a token to undo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unassign {
    /// One location.
    Location(String),
    /// Every location (the token verifies nowhere restricted, as before any assignment).
    AllLocations,
    /// Its holder.
    Holder,
}

/// What a removal took with it.
#[derive(Debug, Clone, Serialize)]
pub struct Removed {
    /// What was removed (`holder h1`, `location Lab`).
    pub removed: String,
    /// Tokens released or unassigned.
    pub tokens: Vec<String>,
    /// Presence events deleted (locations) or left without a holder (holders).
    pub events: i64,
}

impl Station {
    /// Removes a holder and their credentials. Tokens they hold are released (kept,
    /// without a holder) only with `force`.
    pub fn holder_remove(&mut self, id: &str, force: bool, now: i64) -> Result<Removed> {
        self.write(|tx| {
            let h = tx.holder_get(id)?;
            let tokens: Vec<Token> = tx.token_list(&super::views::TokenFilter {
                holder: Some(h.ext_id.clone()),
                ..Default::default()
            })?;
            let serials: Vec<String> = tokens.iter().map(|t| t.serial.clone()).collect();
            if !serials.is_empty() && !force {
                return Err(StationError::HolderHoldsTokens {
                    holder: id.to_string(),
                    tokens: serials,
                });
            }
            for t in &tokens {
                tx.token_set_holder(t.id, None, now)?;
            }
            let credentials = tx.credentials_of_holder(h.id)?;
            tx.holder_delete(h.id)?;
            tx.audit(
                now,
                "holder.remove",
                &format!("holder {id}"),
                Some(&serde_json::json!({"holder": h, "credentials": credentials, "tokens": serials})),
                None::<&()>,
            )?;
            Ok(Removed {
                removed: format!("holder {id}"),
                tokens: serials,
                events: 0,
            })
        })
    }

    /// Changes a holder's id or label.
    pub fn holder_edit(&mut self, id: &str, edit: &HolderEdit, now: i64) -> Result<Holder> {
        let new_id = edit
            .id
            .as_deref()
            .map(|n| checked(NameKind::HolderId, n))
            .transpose()?;
        let new_label = match &edit.label {
            Some(l) => Some(checked_opt(NameKind::HolderLabel, l.as_deref())?),
            None => None,
        };
        self.write(|tx| {
            let before = tx.holder_get(id)?;
            let ext_id = new_id.clone().unwrap_or_else(|| before.ext_id.clone());
            let label = new_label.clone().unwrap_or_else(|| before.label.clone());
            tx.holder_update(before.id, &ext_id, label.as_deref())?;
            let after = tx.holder_get(&ext_id)?;
            tx.audit(
                now,
                "holder.edit",
                &format!("holder {id}"),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Removes one credential of a holder.
    pub fn holder_unenrol(&mut self, id: &str, cred: &CredentialKey, now: i64) -> Result<()> {
        self.write(|tx| {
            let h = tx.holder_get(id)?;
            if !tx.credential_delete(cred.kind.as_str(), &cred.value, h.id)? {
                return Err(StationError::NotEnrolled {
                    credential: cred.to_string(),
                    holder: id.to_string(),
                });
            }
            tx.audit(
                now,
                "holder.unenrol",
                &format!("holder {id}"),
                Some(&serde_json::json!({"kind": cred.kind.as_str(), "value": cred.value})),
                None::<&()>,
            )
        })
    }

    /// Removes a location with its assignments, kiosk settings, readers and presence
    /// tokens; one that has tokens assigned or presence events needs `force` (the
    /// events go with it).
    pub fn location_remove(&mut self, name: &str, force: bool, now: i64) -> Result<Removed> {
        self.write(|tx| {
            let l = tx.location_get(name)?;
            let tokens: Vec<String> = tx
                .token_list(&super::views::TokenFilter {
                    location: Some(l.name.clone()),
                    ..Default::default()
                })?
                .into_iter()
                .filter(|t| !t.all_locations)
                .map(|t| t.serial)
                .collect();
            let events = tx.event_count(l.id)?;
            if (!tokens.is_empty() || events > 0) && !force {
                return Err(StationError::LocationInUse {
                    location: name.to_string(),
                    tokens: tokens.len(),
                    events,
                });
            }
            tx.location_delete(l.id)?;
            tx.audit(
                now,
                "location.remove",
                &format!("location {name}"),
                Some(&serde_json::json!({"location": l, "tokens": tokens, "events": events})),
                None::<&()>,
            )?;
            Ok(Removed {
                removed: format!("location {name}"),
                tokens,
                events,
            })
        })
    }

    /// Undoes an assignment of a token: to one location, to every location, or to its
    /// holder. Undoing what is not there is refused, naming it.
    pub fn token_unassign(
        &mut self,
        serial: &str,
        product: Option<&str>,
        what: &Unassign,
        now: i64,
    ) -> Result<Token> {
        self.write(|tx| {
            let before = find_token(tx, serial, product)?;
            let done = match what {
                Unassign::Location(name) => {
                    let l = tx.location_get(name)?;
                    tx.location_unassign(before.id, l.id)?
                }
                Unassign::AllLocations => {
                    tx.token_set_all_locations(before.id, false, now)?;
                    before.all_locations
                }
                Unassign::Holder => {
                    tx.token_set_holder(before.id, None, now)?;
                    before.holder.is_some()
                }
            };
            if !done {
                return Err(StationError::NotAssigned {
                    serial: serial.to_string(),
                    what: match what {
                        Unassign::Location(l) => format!("location '{l}'"),
                        Unassign::AllLocations => "every location".into(),
                        Unassign::Holder => "a holder".into(),
                    },
                });
            }
            let after = tx.token_by_id(before.id)?;
            tx.audit(
                now,
                "token.unassign",
                &format!("token {serial}"),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }
}
