//! Authentication of a presented key: its shape, its row, its secret (constant-time),
//! its status, expiry and client networks. Every failure is the same error to the
//! caller; the reason is kept for the server's log.

use std::fmt;
use std::net::IpAddr;

use super::{AccessError, secret};
use crate::model::access::{KeyStatus, Role};
use crate::station::{Actor, Result, Station};

/// Who is calling: an authenticated key with its role and scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The key's public id.
    pub key_id: String,
    /// The key's name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Locations it is limited to (empty: all).
    pub locations: Vec<String>,
    /// Products it is limited to (empty: all).
    pub products: Vec<String>,
}

impl Caller {
    /// How the audit log names this caller: its key id and role.
    pub fn actor(&self) -> Actor {
        Actor::ApiKey {
            key_id: self.key_id.clone(),
            role: self.role.to_string(),
        }
    }
}

/// Why a key was not accepted (for the server's log; never told to the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No key was sent.
    Missing,
    /// The text is not `tks_<key_id>_<secret>`.
    Malformed,
    /// No key with that id.
    UnknownKey,
    /// The secret does not match (a rotated key, or a guess).
    WrongSecret,
    /// The key is suspended.
    Suspended,
    /// The key is revoked.
    Revoked,
    /// The key has expired.
    Expired,
    /// The client address is outside the key's networks.
    AddressNotAllowed,
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthFailure::Missing => "no key sent",
            AuthFailure::Malformed => "not a tokenstation key",
            AuthFailure::UnknownKey => "unknown key id",
            AuthFailure::WrongSecret => "wrong secret",
            AuthFailure::Suspended => "key suspended",
            AuthFailure::Revoked => "key revoked",
            AuthFailure::Expired => "key expired",
            AuthFailure::AddressNotAllowed => "client address outside the key's networks",
        })
    }
}

fn fail<T>(why: AuthFailure) -> Result<T> {
    Err(AccessError::Unauthenticated(why).into())
}

/// Whether `client` lies in one of `cidrs` (an empty list allows every address; an
/// unknown client is allowed only then).
pub fn address_allowed(cidrs: &[String], client: Option<IpAddr>) -> bool {
    if cidrs.is_empty() {
        return true;
    }
    let Some(ip) = client.map(|ip| ip.to_canonical()) else {
        return false;
    };
    cidrs
        .iter()
        .filter_map(|c| c.parse::<ipnet::IpNet>().ok())
        .any(|net| net.contains(&ip))
}

impl Station {
    /// Authenticates a presented key (`None`: none was sent) from `client` at `now`.
    /// Needs the master key (the pepper). Reads only.
    pub fn authenticate(
        &self,
        presented: Option<&str>,
        client: Option<IpAddr>,
        now: i64,
    ) -> Result<Caller> {
        let master = self.key()?;
        let Some(presented) = presented else {
            return fail(AuthFailure::Missing);
        };
        let Some((key_id, secret)) = secret::split(presented) else {
            return fail(AuthFailure::Malformed);
        };
        let Some(k) = self.read().api_key_by_key_id(key_id)? else {
            // Spend the same work as for a known key.
            let _ = secret::matches(master, key_id, secret, &[0u8; 32]);
            return fail(AuthFailure::UnknownKey);
        };
        if !secret::matches(master, key_id, secret, &k.secret_hash) {
            return fail(AuthFailure::WrongSecret);
        }
        match k.status {
            KeyStatus::Active => {}
            KeyStatus::Suspended => return fail(AuthFailure::Suspended),
            KeyStatus::Revoked => return fail(AuthFailure::Revoked),
        }
        if k.expires_at.is_some_and(|t| now >= t) {
            return fail(AuthFailure::Expired);
        }
        if !address_allowed(&k.cidrs, client) {
            return fail(AuthFailure::AddressNotAllowed);
        }
        if k.role == Role::Kiosk && k.locations.is_empty() {
            // Not made by `key add`; refused rather than read as "every location".
            return fail(AuthFailure::Revoked);
        }
        Ok(Caller {
            key_id: k.key_id,
            name: k.name,
            role: k.role,
            locations: k.locations,
            products: k.products,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        let v4: IpAddr = "10.1.2.3".parse().unwrap();
        let mapped: IpAddr = "::ffff:10.1.2.3".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert!(address_allowed(&[], None));
        assert!(address_allowed(&[], Some(v4)));
        let nets = vec!["10.0.0.0/8".to_string(), "2001:db8::/32".to_string()];
        assert!(address_allowed(&nets, Some(v4)));
        assert!(address_allowed(&nets, Some(mapped)));
        assert!(address_allowed(&nets, Some(v6)));
        assert!(!address_allowed(
            &nets,
            Some("192.168.1.1".parse().unwrap())
        ));
        assert!(!address_allowed(&nets, None));
    }
}
