//! Who a change is recorded as in the audit log. The CLI and the TUI record the
//! operating-system user of the process, from its real uid and the passwd database
//! (`getuid`, `getpwuid_r` through `nix`), never `$USER` or `$LOGNAME`, which anyone can
//! set; the HTTP API records the key a request came with and its role; a kiosk records
//! its location and the user it runs as. The text form is what the audit line stores.

use std::fmt;

use super::Result;
use super::names::checked;
use crate::model::NameKind;

/// An operating-system user: the real uid, and its name when the passwd database has
/// one that passes the name rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsUser {
    /// Real user id.
    pub uid: u32,
    /// Login name from the passwd database.
    pub name: Option<String>,
}

impl OsUser {
    /// The real user of this process.
    pub fn current() -> OsUser {
        let uid = nix::unistd::getuid();
        let name = nix::unistd::User::from_uid(uid)
            .ok()
            .flatten()
            .map(|u| u.name)
            .filter(|n| checked(NameKind::HolderId, n).is_ok());
        OsUser {
            uid: uid.as_raw(),
            name,
        }
    }
}

impl fmt::Display for OsUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => f.write_str(n),
            None => write!(f, "uid:{}", self.uid),
        }
    }
}

/// Who an audit line says made the change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Actor {
    /// A person at the command line or the TUI: the process's user.
    Os(OsUser),
    /// An HTTP API request, by the id of its key and that key's role.
    ApiKey {
        /// The key's id (never the key).
        key_id: String,
        /// The role the key has (`admin`, `verify`…).
        role: String,
    },
    /// A presence kiosk at a location, and the user it runs as.
    Kiosk {
        /// The location.
        location: String,
        /// The process's user.
        user: OsUser,
    },
}

impl Actor {
    /// The operating-system user of this process.
    pub fn current() -> Actor {
        Actor::Os(OsUser::current())
    }

    /// An API key and its role (both pass the name rule).
    pub fn api_key(key_id: &str, role: &str) -> Result<Actor> {
        Ok(Actor::ApiKey {
            key_id: checked(NameKind::ApiKey, key_id)?,
            role: checked(NameKind::ApiKey, role)?,
        })
    }

    /// A kiosk at `location`, running as this process's user.
    pub fn kiosk(location: &str) -> Result<Actor> {
        Ok(Actor::Kiosk {
            location: checked(NameKind::Location, location)?,
            user: OsUser::current(),
        })
    }
}

impl fmt::Display for Actor {
    /// The text an audit line stores: `alice` (or `uid:1000`), `api:KEY_ID (role ROLE)`,
    /// `kiosk:LOCATION (alice)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Os(u) => u.fmt(f),
            Actor::ApiKey { key_id, role } => write!(f, "api:{key_id} (role {role})"),
            Actor::Kiosk { location, user } => write!(f, "kiosk:{location} ({user})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_user_comes_from_the_uid_not_the_environment() {
        // SAFETY-free: the variables are read by nothing but the old code this replaced.
        let me = OsUser::current();
        assert_eq!(me.uid, nix::unistd::getuid().as_raw());
        let from_passwd = nix::unistd::User::from_uid(nix::unistd::getuid())
            .unwrap()
            .map(|u| u.name);
        assert_eq!(me.name, from_passwd);
    }

    #[test]
    fn text_forms() {
        let u = OsUser {
            uid: 1000,
            name: Some("alice".into()),
        };
        assert_eq!(Actor::Os(u.clone()).to_string(), "alice");
        assert_eq!(
            Actor::Os(OsUser { uid: 7, name: None }).to_string(),
            "uid:7"
        );
        assert_eq!(
            Actor::api_key("k1", "verify").unwrap().to_string(),
            "api:k1 (role verify)"
        );
        assert_eq!(
            Actor::Kiosk {
                location: "Lobby".into(),
                user: u
            }
            .to_string(),
            "kiosk:Lobby (alice)"
        );
        assert!(Actor::api_key("k\n1", "verify").is_err());
    }
}
