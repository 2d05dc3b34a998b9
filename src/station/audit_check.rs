//! Checking the audit log's MAC chain ([`super::audit_chain`]): the whole chain for
//! `audit verify` (names the first bad line), and its tail every time the master key
//! is unlocked (the last [`TAIL_LINES`] lines and the head, so every write starts from
//! an intact end). A store whose tail fails is refused for writing; `audit verify`
//! still reads it.

use std::path::Path;

use serde::Serialize;

use super::audit_chain::{ChainKey, ChainMac, Genesis, Head, genesis_before, tampered};
use super::{KeySource, Result, Station, StationError, VAULT_META, keys};
use crate::store::audit::AuditLine;
use crate::store::{Reader, Store};
use crate::vault::{MasterKey, VaultHeader};

/// Lines checked at every unlock.
pub const TAIL_LINES: u32 = 100;
/// Largest genesis segment re-read at unlock (when the tail reaches the chain's start);
/// a larger one is checked by `audit verify` only.
pub const GENESIS_AT_UNLOCK_MAX: i64 = 10_000;

/// What is wrong with the chain: the first problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChainProblem {
    /// A line's MAC does not match: the line, or one before it, was edited, inserted
    /// or deleted outside tokenstation.
    #[error(
        "audit line {line} does not match its MAC: it or a line before it was changed, inserted or removed outside tokenstation"
    )]
    BadMac {
        /// The line.
        line: i64,
    },
    /// The first chained line does not match the genesis segment before it.
    #[error(
        "audit line {line}, the first with a MAC, does not match the lines before it: a line of the sealed genesis segment was changed, inserted or removed"
    )]
    GenesisChanged {
        /// The first chained line.
        line: i64,
    },
    /// Line ids jump: lines were deleted.
    #[error("audit lines {from} to {to} are missing: they were removed outside tokenstation")]
    Gap {
        /// First missing id.
        from: i64,
        /// Last missing id.
        to: i64,
    },
    /// A line without a MAC after the chain started.
    #[error(
        "audit line {line} has no MAC although the log is chained: it was inserted outside tokenstation"
    )]
    Unchained {
        /// The line.
        line: i64,
    },
    /// The head is gone from a chained log.
    #[error("the audit log's head is missing: it was removed outside tokenstation")]
    HeadMissing,
    /// The head's tag does not match (or it does not parse).
    #[error("the audit log's head does not match its tag: it was changed outside tokenstation")]
    HeadForged,
    /// The log ends before its head: lines were cut off its end.
    #[error(
        "the audit log ends at line {last} but its head is line {head}: lines were removed from its end"
    )]
    Truncated {
        /// The head's line.
        head: i64,
        /// The last line found.
        last: i64,
    },
    /// The log goes on after its head: lines were added outside tokenstation.
    #[error(
        "the audit log's head is line {head} but it goes on to line {last}: lines were added outside tokenstation"
    )]
    Appended {
        /// The head's line.
        head: i64,
        /// The last line found.
        last: i64,
    },
    /// The header is marked chained but no line carries a MAC.
    #[error(
        "the audit log is marked chained but no line carries a MAC: the MACs were removed outside tokenstation"
    )]
    MacsRemoved,
    /// The vault header's chained mark was removed.
    #[error("the store's header was edited to remove its audit chain mark")]
    MarkRemoved,
}

/// What `audit verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct AuditVerification {
    /// Lines read.
    pub lines: u64,
    /// Lines of the genesis segment (written before the chain; sealed by it).
    pub genesis_lines: u64,
    /// The first chained line.
    pub chain_start: Option<i64>,
    /// The head: last line id and its MAC (hex), to note down outside the store.
    pub head: Option<(i64, String)>,
    /// Problems of the append-only triggers (missing, altered, foreign).
    pub triggers: Vec<String>,
    /// The first problem of the chain, if any.
    pub problem: Option<ChainProblem>,
}

impl AuditVerification {
    /// No problem with the chain or the triggers.
    pub fn ok(&self) -> bool {
        self.problem.is_none() && self.triggers.is_empty()
    }
}

/// Follows the chain over `lines` (consecutive, oldest first) from `prev`, the MAC of
/// the line before the first. Returns the last MAC.
fn follow(k: &ChainKey, prev: ChainMac, lines: &[AuditLine]) -> Result<ChainMac, ChainProblem> {
    let mut prev = prev;
    let mut last_id: Option<i64> = None;
    for l in lines {
        let id = l.entry.id;
        if let Some(last) = last_id
            && id != last + 1
        {
            return Err(ChainProblem::Gap {
                from: last + 1,
                to: id - 1,
            });
        }
        let Some(mac) = &l.mac else {
            return Err(ChainProblem::Unchained { line: id });
        };
        let expected = k.line(&prev, &l.entry);
        if expected.as_slice() != mac.as_slice() {
            return Err(ChainProblem::BadMac { line: id });
        }
        prev = expected;
        last_id = Some(id);
    }
    Ok(prev)
}

/// Checks the head against the last line.
fn check_head(
    k: &ChainKey,
    head: Option<Head>,
    last: Option<(i64, ChainMac)>,
) -> Result<(), ChainProblem> {
    let head = head.ok_or(ChainProblem::HeadMissing)?;
    if k.head_tag(head.id, &head.mac) != head.tag {
        return Err(ChainProblem::HeadForged);
    }
    match last {
        None => Err(ChainProblem::Truncated {
            head: head.id,
            last: 0,
        }),
        Some((id, _)) if id < head.id => Err(ChainProblem::Truncated {
            head: head.id,
            last: id,
        }),
        Some((id, _)) if id > head.id => Err(ChainProblem::Appended {
            head: head.id,
            last: id,
        }),
        Some((_, mac)) if mac != head.mac => Err(ChainProblem::HeadForged),
        Some(_) => Ok(()),
    }
}

/// The store's vault header.
fn header(c: &Reader<'_>) -> Result<VaultHeader> {
    Ok(VaultHeader::decode(
        &c.meta_get(VAULT_META)?.unwrap_or_default(),
    )?)
}

/// The check run at every unlock: the head, and the last [`TAIL_LINES`] lines' MACs.
pub(crate) fn check_tail(c: &Reader<'_>, master: &MasterKey) -> Result<()> {
    let k = ChainKey::new(master);
    let h = header(c)?;
    let start = c.audit_chain_start()?;
    let head = Head::read(c)?;
    if !h.audit_chained {
        // A log from before the chain: sealed by the next write. Nothing may be chained.
        return match (start, head) {
            (None, None) => Ok(()),
            (Some(line), _) => Err(tampered(ChainProblem::Unchained { line })),
            (None, Some(_)) => Err(tampered(ChainProblem::MacsRemoved)),
        };
    }
    let Some(start) = start else {
        return Err(tampered(ChainProblem::MacsRemoved));
    };
    let lines = c.audit_tail(TAIL_LINES)?;
    let Some(first) = lines.first() else {
        return Err(tampered(ChainProblem::MacsRemoved));
    };
    // The MAC the window's first line follows: the line before it, or, when the window
    // reaches the chain's start, the genesis segment (re-read when it is small; past
    // that, the window starts after the first chained line).
    let mac_of = |l: &AuditLine| -> Result<ChainMac> {
        let id = l.entry.id;
        let mac = l
            .mac
            .as_ref()
            .ok_or_else(|| tampered(ChainProblem::Unchained { line: id }))?;
        ChainMac::try_from(mac.as_slice()).map_err(|_| tampered(ChainProblem::BadMac { line: id }))
    };
    let (prev, window): ((i64, ChainMac), Vec<AuditLine>) = if first.entry.id > start {
        let before = c
            .audit_line_before(first.entry.id)?
            .ok_or_else(|| tampered(ChainProblem::MacsRemoved))?;
        ((before.entry.id, mac_of(&before)?), lines)
    } else if start - 1 <= GENESIS_AT_UNLOCK_MAX {
        let g = genesis_before(c, Some(start))?.finish(&k);
        let window = lines.into_iter().filter(|l| l.entry.id >= start).collect();
        ((start - 1, g), window)
    } else {
        let at_start = lines
            .iter()
            .find(|l| l.entry.id == start)
            .ok_or_else(|| tampered(ChainProblem::MacsRemoved))?;
        let prev = (start, mac_of(at_start)?);
        (
            prev,
            lines.into_iter().filter(|l| l.entry.id > start).collect(),
        )
    };
    finish_tail(&k, prev, &window, head, start)
}

/// Follows `lines` from `prev` (the id and MAC of the line before them) and checks the
/// head against where they end.
fn finish_tail(
    k: &ChainKey,
    prev: (i64, ChainMac),
    lines: &[AuditLine],
    head: Option<Head>,
    start: i64,
) -> Result<()> {
    let last = follow(k, prev.1, lines).map_err(|p| tampered(at_start(p, start)))?;
    let last_id = lines.last().map_or(prev.0, |l| l.entry.id);
    check_head(k, head, Some((last_id, last))).map_err(tampered)
}

/// A bad MAC on the chain's first line means the genesis segment changed.
fn at_start(p: ChainProblem, start: i64) -> ChainProblem {
    match p {
        ChainProblem::BadMac { line } if line == start => ChainProblem::GenesisChanged { line },
        p => p,
    }
}

/// Verifies the whole chain, from the first line to the head.
pub(crate) fn verify_all(c: &Reader<'_>, master: &MasterKey) -> Result<AuditVerification> {
    let k = ChainKey::new(master);
    let mut report = AuditVerification {
        lines: 0,
        genesis_lines: 0,
        chain_start: c.audit_chain_start()?,
        head: None,
        triggers: c
            .audit_trigger_problems()?
            .iter()
            .map(|p| p.to_string())
            .collect(),
        problem: None,
    };
    let h = header(c)?;
    let head = match Head::read(c) {
        Ok(h) => h,
        Err(_) => {
            report.problem = Some(ChainProblem::HeadForged);
            return Ok(report);
        }
    };
    report.head = head.map(|h| (h.id, data_encoding::HEXLOWER.encode(&h.mac)));
    let mut genesis = Some(Genesis::new());
    let mut prev: ChainMac = [0; 32];
    let mut last: Option<(i64, ChainMac)> = None;
    let mut after = 0i64;
    let problem = 'walk: loop {
        let batch = c.audit_lines_after(after, 10_000)?;
        let Some(end) = batch.last() else { break None };
        after = end.entry.id;
        report.lines += batch.len() as u64;
        let mut i = 0;
        // The genesis segment: the lines before the first MAC.
        while let Some(g) = genesis.as_mut() {
            match batch.get(i) {
                Some(l) if l.mac.is_none() => {
                    g.add(&l.entry);
                    i += 1;
                }
                Some(_) => {
                    if let Some(g) = genesis.take() {
                        report.genesis_lines = g.count();
                        prev = g.finish(&k);
                    }
                }
                None => continue 'walk,
            }
        }
        let chained = &batch[i..];
        if let (Some((last_id, _)), Some(first)) = (last, chained.first())
            && first.entry.id != last_id + 1
        {
            break Some(ChainProblem::Gap {
                from: last_id + 1,
                to: first.entry.id - 1,
            });
        }
        match follow(&k, prev, chained) {
            Ok(mac) => prev = mac,
            Err(p) => break Some(at_start(p, report.chain_start.unwrap_or(0))),
        }
        if let Some(l) = chained.last() {
            last = Some((l.entry.id, prev));
        }
    };
    report.problem = problem.or_else(|| match (&genesis, h.audit_chained) {
        // Never chained: nothing to check but that nobody marked it.
        (Some(_), false) => head.map(|_| ChainProblem::MacsRemoved),
        (Some(_), true) => Some(ChainProblem::MacsRemoved),
        (None, _) => check_head(&k, head, last).err(),
    });
    if let Some(g) = genesis {
        report.genesis_lines = g.count();
    }
    Ok(report)
}

impl Station {
    /// How the key of the store at `path` is obtained, read whatever state its audit
    /// triggers are in (for `audit verify`).
    pub fn key_kind_for_audit(path: &Path) -> Result<crate::vault::KeyKind> {
        let store = Store::open_for_audit(path)?;
        Ok(header(&store.read())?.kind)
    }

    /// Restores the audit log's append-only triggers of the store at `path`, only when
    /// the whole chain verifies (nothing was edited while they were missing), with an
    /// audit line naming what was wrong. Never done without being asked: a store whose
    /// triggers are not as created is refused by every other command. Returns the
    /// verification after the restore (or the one that refused it).
    pub fn audit_restore_triggers(
        path: &Path,
        source: &KeySource,
        now: i64,
    ) -> Result<AuditVerification> {
        let report = Station::audit_verify(path, source)?;
        if report.problem.is_some() || report.triggers.is_empty() {
            return Ok(report);
        }
        let store = Store::open_for_audit(path)?;
        let key = keys::unlock(source, &header(&store.read())?)?;
        let actor = super::Actor::current();
        let mut st = Station {
            store,
            key: Some(key),
            actor_text: actor.to_string(),
            actor,
        };
        let problems = report.triggers;
        st.write(|tx| {
            tx.audit_restore_triggers()?;
            tx.audit(
                now,
                "audit.triggers.restore",
                "audit log",
                Some(&problems),
                None::<&()>,
            )
        })?;
        Station::audit_verify(path, source)
    }

    /// Verifies this unlocked station's audit log from its first line to its head (a
    /// face that already holds the key: the TUI's audit screen). Reads only.
    pub fn audit_verify_here(&self) -> Result<AuditVerification> {
        verify_all(&self.read(), self.key()?)
    }

    /// Verifies the audit log of the store at `path` from its first line to its head,
    /// with the key from `source`. The store is opened whatever state its triggers are
    /// in (they are reported), and no line is written.
    pub fn audit_verify(path: &Path, source: &KeySource) -> Result<AuditVerification> {
        let store = Store::open_for_audit(path)?;
        let key = match keys::unlock(source, &header(&store.read())?) {
            Ok(key) => key,
            Err(StationError::AuditTampered(problem)) => {
                return Ok(AuditVerification {
                    lines: 0,
                    genesis_lines: 0,
                    chain_start: None,
                    head: None,
                    triggers: Vec::new(),
                    problem: Some(problem),
                });
            }
            Err(e) => return Err(e),
        };
        verify_all(&store.read(), &key)
    }
}
