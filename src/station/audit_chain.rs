//! The audit log's MAC chain (README "Tamper-evident audit log"). Each line carries
//! HMAC-SHA256, under a key derived from the master key (HKDF-Expand, label
//! [`LABEL`]), over the previous line's MAC and its own content; the chain's head (the
//! last line's id and MAC, tagged under the same key) is kept in the store's meta. Who
//! can write the file but has no key cannot add, change, remove or reorder a line
//! without breaking a MAC or the head: a backdated INSERT has no valid MAC, an edited
//! line breaks its own, a deleted line breaks the next one's, a cut-off tail no longer
//! ends at the head.
//!
//! Lines written before the chain existed (a store from before this version) have no
//! MAC. The first keyed write seals them as the **genesis segment**: the first chained
//! line's "previous MAC" is an HMAC over the count and a SHA-256 digest of every
//! earlier line, so they cannot change afterwards either; and the store's vault header
//! is marked chained (bound to the key check, see `vault::header`), so stripping every
//! MAC does not pass the log off as an old one.
//!
//! Encoding of a line (all integers big-endian): `"line"`, the previous MAC (32
//! bytes), id (i64), at (i64), then actor, action, subject as length (u32) + UTF-8,
//! then before and after each as `0` (absent) or `1` + length (u32) + UTF-8.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::audit_check::ChainProblem;
use super::{Result, StationError};
use crate::model::AuditEntry;
use crate::store::Reader;
use crate::store::audit::HEAD_META;
use crate::vault::MasterKey;

/// HKDF label of the chain's key.
pub const LABEL: &[u8] = b"tokenstation audit chain v1";

/// A MAC of the chain.
pub type ChainMac = [u8; 32];

/// The key the chain is computed under.
pub(crate) struct ChainKey(Zeroizing<[u8; 32]>);

/// Anything that takes bytes: an HMAC or a SHA-256.
trait Sink {
    fn put(&mut self, b: &[u8]);
}

impl Sink for Hmac<Sha256> {
    fn put(&mut self, b: &[u8]) {
        Mac::update(self, b);
    }
}

impl Sink for Sha256 {
    fn put(&mut self, b: &[u8]) {
        Digest::update(self, b);
    }
}

fn text(s: &mut impl Sink, t: &str) {
    s.put(&u32::try_from(t.len()).unwrap_or(u32::MAX).to_be_bytes());
    s.put(t.as_bytes());
}

fn opt_text(s: &mut impl Sink, t: Option<&str>) {
    match t {
        None => s.put(&[0]),
        Some(t) => {
            s.put(&[1]);
            text(s, t);
        }
    }
}

/// The content of a line, in the encoding of the module documentation.
fn content(s: &mut impl Sink, e: &AuditEntry) {
    s.put(&e.id.to_be_bytes());
    s.put(&e.at.to_be_bytes());
    text(s, &e.actor);
    text(s, &e.action);
    text(s, &e.subject);
    opt_text(s, e.before.as_deref());
    opt_text(s, e.after.as_deref());
}

impl ChainKey {
    /// The chain key of a master key.
    pub(crate) fn new(key: &MasterKey) -> ChainKey {
        ChainKey(key.derive(LABEL))
    }

    fn hmac(&self, domain: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length; 32 bytes never fails.
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.as_ref())
            .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
        m.put(domain);
        m
    }

    /// The MAC of line `e` after a line whose MAC is `prev`.
    pub(crate) fn line(&self, prev: &ChainMac, e: &AuditEntry) -> ChainMac {
        let mut m = self.hmac(b"line");
        m.put(prev);
        content(&mut m, e);
        m.finalize().into_bytes().into()
    }

    /// The tag of the head: the last line's id and MAC.
    pub(crate) fn head_tag(&self, id: i64, mac: &ChainMac) -> ChainMac {
        let mut m = self.hmac(b"head");
        m.put(&id.to_be_bytes());
        m.put(mac);
        m.finalize().into_bytes().into()
    }
}

/// The digest of the genesis segment, line by line.
pub(crate) struct Genesis {
    digest: Sha256,
    count: u64,
}

impl Genesis {
    /// An empty segment.
    pub(crate) fn new() -> Genesis {
        Genesis {
            digest: Sha256::new(),
            count: 0,
        }
    }

    /// Adds the next line of the segment.
    pub(crate) fn add(&mut self, e: &AuditEntry) {
        content(&mut self.digest, e);
        self.count += 1;
    }

    /// Lines in the segment.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// The "previous MAC" of the first chained line.
    pub(crate) fn finish(self, k: &ChainKey) -> ChainMac {
        let mut m = k.hmac(b"genesis");
        m.put(&self.count.to_be_bytes());
        m.put(&self.digest.finalize());
        m.finalize().into_bytes().into()
    }
}

/// Reads the genesis segment: every line before `before_id` (every line when `None`),
/// which must all be without a MAC.
pub(crate) fn genesis_before(c: &Reader<'_>, before_id: Option<i64>) -> Result<Genesis> {
    let mut g = Genesis::new();
    let mut after = 0i64;
    loop {
        let batch = c.audit_lines_after(after, 10_000)?;
        let Some(last) = batch.last() else { break };
        after = last.entry.id;
        for l in &batch {
            if before_id.is_some_and(|b| l.entry.id >= b) {
                return Ok(g);
            }
            if l.mac.is_some() {
                return Err(tampered(ChainProblem::Unchained { line: l.entry.id }));
            }
            g.add(&l.entry);
        }
    }
    Ok(g)
}

/// The head of the chain, as kept in meta: `ID:MAC:TAG` (hex).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Head {
    /// The last line's id.
    pub id: i64,
    /// The last line's MAC.
    pub mac: ChainMac,
    /// [`ChainKey::head_tag`] of both.
    pub tag: ChainMac,
}

impl Head {
    pub(crate) fn encode(&self) -> String {
        let hex = |b: &[u8]| data_encoding::HEXLOWER.encode(b);
        format!("{}:{}:{}", self.id, hex(&self.mac), hex(&self.tag))
    }

    /// The head in the store, if any; a value that does not parse is
    /// [`ChainProblem::HeadForged`].
    pub(crate) fn read(c: &Reader<'_>) -> Result<Option<Head>> {
        let Some(text) = c.meta_get(HEAD_META)? else {
            return Ok(None);
        };
        let mac32 = |s: &str| -> Option<ChainMac> {
            data_encoding::HEXLOWER
                .decode(s.as_bytes())
                .ok()?
                .try_into()
                .ok()
        };
        let mut parts = text.split(':');
        let head = (|| {
            Some(Head {
                id: parts.next()?.parse().ok()?,
                mac: mac32(parts.next()?)?,
                tag: mac32(parts.next()?)?,
            })
        })();
        head.map(Some)
            .ok_or_else(|| tampered(ChainProblem::HeadForged))
    }
}

/// The chain problem as a station error.
pub(crate) fn tampered(problem: ChainProblem) -> StationError {
    StationError::AuditTampered(problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64) -> AuditEntry {
        AuditEntry {
            id,
            at: 1,
            actor: "alice".into(),
            action: "token.add".into(),
            subject: "token T".into(),
            before: None,
            after: Some("{}".into()),
        }
    }

    #[test]
    fn every_field_and_the_previous_mac_count() {
        let k = ChainKey::new(&MasterKey::generate().unwrap());
        let base = k.line(&[0; 32], &entry(1));
        assert_ne!(base, k.line(&[1; 32], &entry(1)));
        assert_ne!(base, k.line(&[0; 32], &entry(2)));
        let variants = [
            AuditEntry { at: 2, ..entry(1) },
            AuditEntry {
                actor: "root".into(),
                ..entry(1)
            },
            AuditEntry {
                action: "seed.export".into(),
                ..entry(1)
            },
            AuditEntry {
                subject: "token U".into(),
                ..entry(1)
            },
            AuditEntry {
                before: Some(String::new()),
                ..entry(1)
            },
            AuditEntry {
                after: None,
                ..entry(1)
            },
            // Moving a byte from one field to the next is another line.
            AuditEntry {
                actor: "alicet".into(),
                action: "oken.add".into(),
                ..entry(1)
            },
        ];
        for v in variants {
            assert_ne!(base, k.line(&[0; 32], &v), "{v:?}");
        }
        let other = ChainKey::new(&MasterKey::generate().unwrap());
        assert_ne!(base, other.line(&[0; 32], &entry(1)));
        assert_ne!(k.head_tag(1, &base), k.head_tag(2, &base));
    }

    #[test]
    fn genesis_depends_on_each_line_and_the_count() {
        let k = ChainKey::new(&MasterKey::generate().unwrap());
        let of = |lines: &[AuditEntry]| {
            let mut g = Genesis::new();
            lines.iter().for_each(|l| g.add(l));
            g.finish(&k)
        };
        let two = of(&[entry(1), entry(2)]);
        assert_ne!(two, of(&[entry(1)]));
        assert_ne!(two, of(&[entry(2), entry(1)]));
        assert_ne!(of(&[]), of(&[entry(1)]));
        assert_eq!(two, of(&[entry(1), entry(2)]));
    }
}
