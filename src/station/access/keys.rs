//! API key use cases: add, list, show, rotate, suspend, resume, revoke. Each change is
//! one audited write transaction (`key.add`, `key.rotate`…, subject `key <key_id>`);
//! the key text is returned once, by `add` and `rotate`, and never stored.

use serde::Serialize;
use zeroize::Zeroizing;

use super::{AccessError, secret};
use crate::model::access::{ApiKey, KeyStatus, Role};
use crate::station::{Result, Station};
use crate::store::api_keys::NewApiKey;

/// What a new key is for.
#[derive(Debug, Clone)]
pub struct KeySpec {
    /// Its name (letters, digits, `.`, `_`, `-`, `@`; at most 64).
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Locations it is limited to (a kiosk needs at least one).
    pub locations: Vec<String>,
    /// Products it is limited to.
    pub products: Vec<String>,
    /// Client networks it is accepted from, CIDR.
    pub cidrs: Vec<String>,
    /// Unix seconds after which it is refused.
    pub expires_at: Option<i64>,
}

/// A key with its text, shown once.
#[derive(Serialize)]
pub struct IssuedKey {
    /// The key text `tks_<key_id>_<secret>`.
    #[serde(serialize_with = "expose")]
    pub key: Zeroizing<String>,
    /// The key as stored.
    #[serde(flatten)]
    pub record: ApiKey,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey")
            .field("key", &"[REDACTED]")
            .field("record", &self.record)
            .finish()
    }
}

fn expose<S: serde::Serializer>(v: &Zeroizing<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_str())
}

/// Checks a key name: 1 to 64 letters, digits, `.`, `_`, `-`, `@`.
fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'));
    if ok {
        Ok(())
    } else {
        Err(AccessError::BadKeyName(crate::model::display_safe(name, 80).into_owned()).into())
    }
}

/// A network in CIDR notation, normalised (`10.1.0.0/8` becomes `10.0.0.0/8`).
fn check_cidr(text: &str) -> Result<String> {
    text.trim()
        .parse::<ipnet::IpNet>()
        .map(|n| n.trunc().to_string())
        .map_err(|_| AccessError::BadCidr(crate::model::display_safe(text, 80).into_owned()).into())
}

/// Parses a duration such as `90d`, `12h`, `30m`, `2w` or `3600s` into seconds.
pub fn parse_duration(text: &str) -> Result<i64> {
    let t = text.trim();
    let bad = || AccessError::BadDuration(crate::model::display_safe(text, 40).into_owned());
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: i64 = n.parse().map_err(|_| bad())?;
    let per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad().into()),
    };
    match n.checked_mul(per) {
        Some(s) if s > 0 => Ok(s),
        _ => Err(bad().into()),
    }
}

fn subject(k: &ApiKey) -> String {
    format!("key {} ({})", k.key_id, k.name)
}

impl Station {
    /// Creates a key; returns it with its text (shown once). Audited as `key.add`.
    pub fn key_add(&mut self, spec: &KeySpec, now: i64) -> Result<IssuedKey> {
        check_name(&spec.name)?;
        if spec.role == Role::Kiosk && spec.locations.is_empty() {
            return Err(AccessError::KioskNeedsLocation.into());
        }
        let cidrs = spec
            .cidrs
            .iter()
            .map(|c| check_cidr(c))
            .collect::<Result<Vec<_>>>()?;
        let key_id = secret::new_key_id()?;
        let secret_text = secret::new_secret()?;
        self.write_keyed(|tx, master| {
            for l in &spec.locations {
                tx.location_get(l)?;
            }
            for p in &spec.products {
                tx.product_get(p)?;
            }
            let hash = secret::hash(master, &key_id, &secret_text);
            let k = tx.api_key_add(&NewApiKey {
                key_id: &key_id,
                name: &spec.name,
                role: spec.role,
                secret_hash: &hash,
                expires_at: spec.expires_at,
                locations: &spec.locations,
                products: &spec.products,
                cidrs: &cidrs,
                now,
            })?;
            tx.audit(now, "key.add", &subject(&k), None::<&()>, Some(&k))?;
            Ok(IssuedKey {
                key: secret::key_text(&key_id, &secret_text),
                record: k,
            })
        })
    }

    /// Every key, revoked ones too, by name.
    pub fn keys(&self) -> Result<Vec<ApiKey>> {
        Ok(self.read().api_key_list()?)
    }

    /// One key, by key id or name.
    pub fn key_show(&self, id_or_name: &str) -> Result<ApiKey> {
        Ok(self.read().api_key_get(id_or_name)?)
    }

    /// Gives a key a new secret; the old text stops working at once. Audited as
    /// `key.rotate`. A revoked key cannot be rotated.
    pub fn key_rotate(&mut self, id_or_name: &str, now: i64) -> Result<IssuedKey> {
        let secret_text = secret::new_secret()?;
        self.write_keyed(|tx, master| {
            let before = tx.api_key_get(id_or_name)?;
            if before.status == KeyStatus::Revoked {
                return Err(AccessError::StatusChange {
                    key_id: before.key_id,
                    from: KeyStatus::Revoked,
                    to: KeyStatus::Active,
                }
                .into());
            }
            let hash = secret::hash(master, &before.key_id, &secret_text);
            tx.api_key_set_secret(before.id, &hash, now)?;
            let after = tx.api_key_get(&before.key_id)?;
            tx.audit(
                now,
                "key.rotate",
                &subject(&after),
                Some(&before),
                Some(&after),
            )?;
            Ok(IssuedKey {
                key: secret::key_text(&after.key_id, &secret_text),
                record: after,
            })
        })
    }

    /// Suspends an active key (refused until resumed). Audited as `key.suspend`.
    pub fn key_suspend(&mut self, id_or_name: &str, now: i64) -> Result<ApiKey> {
        self.key_status(id_or_name, &[KeyStatus::Active], KeyStatus::Suspended, now)
    }

    /// Resumes a suspended key. Audited as `key.resume`.
    pub fn key_resume(&mut self, id_or_name: &str, now: i64) -> Result<ApiKey> {
        self.key_status(id_or_name, &[KeyStatus::Suspended], KeyStatus::Active, now)
    }

    /// Revokes a key for good. Audited as `key.revoke`.
    pub fn key_revoke(&mut self, id_or_name: &str, now: i64) -> Result<ApiKey> {
        let from = [KeyStatus::Active, KeyStatus::Suspended];
        self.key_status(id_or_name, &from, KeyStatus::Revoked, now)
    }

    fn key_status(
        &mut self,
        id_or_name: &str,
        from: &[KeyStatus],
        to: KeyStatus,
        now: i64,
    ) -> Result<ApiKey> {
        let action = match to {
            KeyStatus::Active => "key.resume",
            KeyStatus::Suspended => "key.suspend",
            KeyStatus::Revoked => "key.revoke",
        };
        self.write_keyed(|tx, _| {
            let before = tx.api_key_get(id_or_name)?;
            if !from.contains(&before.status) {
                return Err(AccessError::StatusChange {
                    key_id: before.key_id,
                    from: before.status,
                    to,
                }
                .into());
            }
            tx.api_key_set_status(before.id, to, now)?;
            let after = tx.api_key_get(&before.key_id)?;
            tx.audit(now, action, &subject(&after), Some(&before), Some(&after))?;
            Ok(after)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_networks_durations() {
        assert!(check_name("web-shop").is_ok());
        assert!(check_name("ops@site.1_a").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name("\u{1b}[2J").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
        assert_eq!(check_cidr("10.1.2.3/8").unwrap(), "10.0.0.0/8");
        assert_eq!(check_cidr(" 2001:db8::1/32 ").unwrap(), "2001:db8::/32");
        assert!(check_cidr("10.0.0.0").is_err());
        assert!(check_cidr("10.0.0.0/33").is_err());
        assert_eq!(parse_duration("90d").unwrap(), 90 * 86_400);
        assert_eq!(parse_duration("12h").unwrap(), 12 * 3600);
        assert_eq!(parse_duration("2w").unwrap(), 14 * 86_400);
        assert_eq!(parse_duration("30m").unwrap(), 1800);
        assert_eq!(parse_duration("45s").unwrap(), 45);
        for bad in [
            "",
            "d",
            "90",
            "0d",
            "-1d",
            "1y",
            "99999999999999999999d",
            "5 d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
