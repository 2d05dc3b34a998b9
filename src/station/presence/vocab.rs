//! The typed vocabulary of presence events: whether an event was accepted, why it
//! was refused, where it came from. The store keeps their stable names; every rule
//! and every face compares these enums, never the names.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::station::verdict::Status;

/// Whether a presence event was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    /// Accepted: the holder checked in or out.
    Ok,
    /// Refused, with a [`Reason`].
    Refused,
}

impl EventStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Ok => "ok",
            EventStatus::Refused => "refused",
        }
    }

    /// From a stored name (anything but `ok` is a refusal).
    pub fn from_stored(s: &str) -> EventStatus {
        if s == "ok" {
            EventStatus::Ok
        } else {
            EventStatus::Refused
        }
    }
}

impl fmt::Display for EventStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventSource {
    /// A tap or typed line at a kiosk.
    Kiosk,
    /// The automatic check-out at closing time.
    Auto,
    /// A presence-token code submitted or imported.
    Token,
}

impl EventSource {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventSource::Kiosk => "kiosk",
            EventSource::Auto => "auto",
            EventSource::Token => "token",
        }
    }
}

/// Why a presentation was refused, or why an event was made for the holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// No holder has this card, tag or token.
    UnknownCredential,
    /// The location needs a card or tag tap.
    CardRequired,
    /// The card and the token belong to different holders.
    CredentialMismatch,
    /// The holder has no token to type a code from.
    NoToken,
    /// An explicit check-in while checked in.
    AlreadyIn,
    /// An explicit check-out while not checked in.
    NotIn,
    /// Sooner than the minimum interval after the last event.
    TooSoon,
    /// The automatic check-out at closing time.
    ClosingTime,
    /// A presence code that matches another time than the one stated.
    TimeMismatch,
    /// The code's verdict (`INVALID_CODE`, `REPLAYED`, `LIMIT_REACHED`…).
    Code(Status),
}

impl Reason {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::UnknownCredential => "UNKNOWN_CREDENTIAL",
            Reason::CardRequired => "CARD_REQUIRED",
            Reason::CredentialMismatch => "CREDENTIAL_MISMATCH",
            Reason::NoToken => "NO_TOKEN",
            Reason::AlreadyIn => "ALREADY_IN",
            Reason::NotIn => "NOT_IN",
            Reason::TooSoon => "TOO_SOON",
            Reason::ClosingTime => "CLOSING_TIME",
            Reason::TimeMismatch => "TIME_MISMATCH",
            Reason::Code(s) => s.as_str(),
        }
    }

    const NAMED: [Reason; 9] = [
        Reason::UnknownCredential,
        Reason::CardRequired,
        Reason::CredentialMismatch,
        Reason::NoToken,
        Reason::AlreadyIn,
        Reason::NotIn,
        Reason::TooSoon,
        Reason::ClosingTime,
        Reason::TimeMismatch,
    ];
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A stored reason name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown presence reason '{0}'")]
pub struct UnknownReason(pub String);

impl FromStr for Reason {
    type Err = UnknownReason;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reason::NAMED
            .into_iter()
            .find(|r| r.as_str() == s)
            .or_else(|| {
                Status::ALL
                    .into_iter()
                    .find(|st| st.as_str() == s)
                    .map(Reason::Code)
            })
            .ok_or_else(|| UnknownReason(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip_their_stored_names() {
        for r in Reason::NAMED
            .into_iter()
            .chain(Status::ALL.into_iter().map(Reason::Code))
        {
            assert_eq!(r.as_str().parse::<Reason>().unwrap(), r);
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert!("NOPE".parse::<Reason>().is_err());
        assert_eq!(EventStatus::from_stored("ok"), EventStatus::Ok);
        assert_eq!(EventStatus::from_stored("refused"), EventStatus::Refused);
    }
}
