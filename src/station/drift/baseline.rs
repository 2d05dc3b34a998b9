//! The baseline rule of learned drift (issue 14; RFC 6238 §6, standards-and-anchors.md
//! §2.2): after every accepted code the next window is centred on the offset it matched
//! at, but automatic learning may move the drift at most `drift.max_learned_steps` away
//! from the **baseline**, the drift an operator last established (a resync with two
//! codes, a clock fix, a burn, an import). The cap bounds what learning adds, not the
//! absolute drift: a token resynchronised at +22 keeps following its clock from there.

/// The learned drift after a code matched at `offset` steps from host time, for a
/// token whose baseline is `base`, under a cap of `cap` steps. Returns the drift and
/// whether the cap was reached (the verdict's `drift_capped`: resync or fix the token).
pub(crate) fn learn(offset: i64, base: i64, cap: u64) -> (i64, bool) {
    let cap = i64::try_from(cap).unwrap_or(i64::MAX);
    let moved = offset.saturating_sub(base);
    let kept = moved.clamp(cap.saturating_neg(), cap);
    let drift = base.saturating_add(kept);
    (drift, kept != moved || (cap > 0 && kept.abs() == cap))
}

#[cfg(test)]
mod tests {
    use super::learn;

    #[test]
    fn the_cap_is_relative_to_the_baseline() {
        // no baseline: the old absolute behaviour
        assert_eq!(learn(3, 0, 20), (3, false));
        assert_eq!(learn(25, 0, 20), (20, true));
        assert_eq!(learn(-25, 0, 20), (-20, true));
        assert_eq!(learn(20, 0, 20), (20, true));
        // resynchronised at +22: +23 and +24 are learned, not clamped back to 20
        assert_eq!(learn(23, 22, 20), (23, false));
        assert_eq!(learn(42, 22, 20), (42, true));
        assert_eq!(learn(43, 22, 20), (42, true));
        assert_eq!(learn(1, 22, 20), (2, true));
        // a cap of 0 learns nothing beyond the baseline, and says so only when it bites
        assert_eq!(learn(5, 5, 0), (5, false));
        assert_eq!(learn(6, 5, 0), (5, true));
        // extremes do not overflow
        assert_eq!(learn(i64::MAX, i64::MIN, 20), (i64::MIN + 20, true));
    }
}
