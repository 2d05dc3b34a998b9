//! The role table (issue 16 "Roles"): the actions a key can be allowed, and which role
//! allows which. One table for every face that takes keys.

use std::fmt;

use crate::model::access::Role;

/// Something a key may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Verify a code (recorded, now).
    Verify,
    /// Verify at a chosen time, or without recording (a dry run counts no failure).
    VerifyOptions,
    /// Record presence events and presence-token submissions.
    PresenceWrite,
    /// Who is in, presence reports.
    PresenceRead,
    /// List and show products, holders and locations.
    CatalogRead,
    /// Create products and holders.
    CatalogWrite,
    /// List and show tokens.
    TokenRead,
    /// Register tokens (the seed is returned once).
    TokenCreate,
    /// Activate, assign, issue backup codes, enable, mark lost, retire.
    TokenLifecycle,
    /// Disable a token.
    TokenDisable,
    /// Resynchronise a drifted token, clear its failure count.
    TokenRepair,
    /// Read the attempt and audit logs.
    LogsRead,
    /// Read drift reports.
    DriftRead,
    /// Create locations and change the policy.
    Configure,
    /// Manage API keys.
    KeysManage,
    /// Export seeds.
    SeedExport,
}

impl Action {
    /// What the action is, for "may not …" messages.
    pub fn words(self) -> &'static str {
        match self {
            Action::Verify => "verify codes",
            Action::VerifyOptions => "choose the time of a verification or skip recording it",
            Action::PresenceWrite => "record presence",
            Action::PresenceRead => "read presence",
            Action::CatalogRead => "read products, holders and locations",
            Action::CatalogWrite => "create products and holders",
            Action::TokenRead => "read tokens",
            Action::TokenCreate => "create tokens",
            Action::TokenLifecycle => "change a token's life cycle",
            Action::TokenDisable => "disable tokens",
            Action::TokenRepair => "resync or unlock tokens",
            Action::LogsRead => "read the attempt and audit logs",
            Action::DriftRead => "read drift reports",
            Action::Configure => "create locations or change the policy",
            Action::KeysManage => "manage API keys",
            Action::SeedExport => "export seeds",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.words())
    }
}

/// The role table: which role may do what. Admin may do everything.
///
/// | action | kiosk | technician | operator | admin |
/// |---|---|---|---|---|
/// | verify | ✓ (its locations) | | ✓ | ✓ |
/// | verify at a chosen time / unrecorded | | | | ✓ |
/// | presence: record | ✓ (its locations) | | | ✓ |
/// | presence: who is in, reports | ✓ (its locations) | | ✓ | ✓ |
/// | products, holders, locations: read | | ✓ | ✓ | ✓ |
/// | products, holders: create | | ✓ | | ✓ |
/// | tokens: read | | ✓ | ✓ | ✓ |
/// | tokens: create, life cycle | | ✓ | | ✓ |
/// | tokens: disable | | ✓ | ✓ | ✓ |
/// | tokens: resync, unlock | | | ✓ | ✓ |
/// | attempts, audit, drift: read | | | ✓ | ✓ |
/// | locations, policy, keys, seed export | | | | ✓ |
pub fn role_allows(role: Role, a: Action) -> bool {
    use Action as A;
    match role {
        Role::Admin => true,
        Role::Kiosk => matches!(a, A::Verify | A::PresenceWrite | A::PresenceRead),
        Role::Technician => matches!(
            a,
            A::CatalogRead
                | A::CatalogWrite
                | A::TokenRead
                | A::TokenCreate
                | A::TokenLifecycle
                | A::TokenDisable
        ),
        Role::Operator => matches!(
            a,
            A::Verify
                | A::PresenceRead
                | A::CatalogRead
                | A::TokenRead
                | A::TokenDisable
                | A::TokenRepair
                | A::LogsRead
                | A::DriftRead
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_table() {
        use Action as A;
        let all = [
            A::Verify,
            A::VerifyOptions,
            A::PresenceWrite,
            A::PresenceRead,
            A::CatalogRead,
            A::CatalogWrite,
            A::TokenRead,
            A::TokenCreate,
            A::TokenLifecycle,
            A::TokenDisable,
            A::TokenRepair,
            A::LogsRead,
            A::DriftRead,
            A::Configure,
            A::KeysManage,
            A::SeedExport,
        ];
        let allowed =
            |r: Role| -> Vec<A> { all.into_iter().filter(|a| role_allows(r, *a)).collect() };
        assert_eq!(allowed(Role::Admin), all.to_vec());
        assert_eq!(
            allowed(Role::Kiosk),
            [A::Verify, A::PresenceWrite, A::PresenceRead]
        );
        assert_eq!(
            allowed(Role::Technician),
            [
                A::CatalogRead,
                A::CatalogWrite,
                A::TokenRead,
                A::TokenCreate,
                A::TokenLifecycle,
                A::TokenDisable
            ]
        );
        assert_eq!(
            allowed(Role::Operator),
            [
                A::Verify,
                A::PresenceRead,
                A::CatalogRead,
                A::TokenRead,
                A::TokenDisable,
                A::TokenRepair,
                A::LogsRead,
                A::DriftRead
            ]
        );
        for r in [Role::Kiosk, Role::Technician, Role::Operator] {
            for a in [A::KeysManage, A::Configure, A::SeedExport, A::VerifyOptions] {
                assert!(!role_allows(r, a), "{r} {a:?}");
            }
        }
    }
}
