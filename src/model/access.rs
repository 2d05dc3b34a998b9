//! Shared access (research api-and-stations.md §5 "Roles and keys"): the roles an API
//! key can have, its status, and the stored key record. Plain data shared by the store
//! (which keeps it), the station (which decides with it) and the faces (which show it);
//! the rules live in `station::access`.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// What a key's holder is for; each role is a set of actions (`station::access`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A kiosk or door: verify codes and record presence at its locations only.
    Kiosk,
    /// Provisioning: products, tokens, holders.
    Technician,
    /// Operations: read everything, resync, disable, unlock, reports, drift.
    Operator,
    /// Everything, plus keys, policy, locations and seed export.
    Admin,
}

impl Role {
    /// Every role, least powerful first.
    pub const ALL: [Role; 4] = [Role::Kiosk, Role::Technician, Role::Operator, Role::Admin];

    /// Stored and shown name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Kiosk => "kiosk",
            Role::Technician => "technician",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of [`Role::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role '{0}': use kiosk, technician, operator or admin")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// Whether a key opens anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    /// Accepted (until it expires).
    Active,
    /// Refused until resumed.
    Suspended,
    /// Refused for good.
    Revoked,
}

impl KeyStatus {
    /// Stored and shown name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Suspended => "suspended",
            KeyStatus::Revoked => "revoked",
        }
    }

    /// The status of a stored name; an unknown name is treated as revoked (refused).
    pub fn from_stored(s: &str) -> KeyStatus {
        match s {
            "active" => KeyStatus::Active,
            "suspended" => KeyStatus::Suspended,
            _ => KeyStatus::Revoked,
        }
    }
}

impl fmt::Display for KeyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One API key as stored: never its secret, only the keyed hash of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiKey {
    /// Row id.
    #[serde(skip)]
    pub id: i64,
    /// Public id, the middle part of `tks_<key_id>_<secret>`; logged and audited.
    pub key_id: String,
    /// Name given by the administrator.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Active, suspended or revoked.
    pub status: KeyStatus,
    /// Locations it is limited to (empty: every location; a kiosk has at least one).
    pub locations: Vec<String>,
    /// Products it is limited to (empty: every product).
    pub products: Vec<String>,
    /// Client networks it is accepted from (empty: any), CIDR notation.
    pub cidrs: Vec<String>,
    /// Unix seconds after which it is refused.
    pub expires_at: Option<i64>,
    /// Unix seconds of creation.
    pub created_at: i64,
    /// Unix seconds of the last change (rotation, suspension…).
    pub updated_at: i64,
    /// HMAC-SHA256 of the secret under the station's key pepper.
    #[serde(skip)]
    pub secret_hash: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert_eq!(" Admin ".parse::<Role>().unwrap(), Role::Admin);
        assert!("root".parse::<Role>().is_err());
        for s in [KeyStatus::Active, KeyStatus::Suspended, KeyStatus::Revoked] {
            assert_eq!(KeyStatus::from_stored(s.as_str()), s);
        }
        assert_eq!(KeyStatus::from_stored("?"), KeyStatus::Revoked);
    }
}
