//! Soft anti-passback, one rule for the kiosk online (`record`, inside the store's
//! transaction) and offline (`offline`, from the kiosk's snapshot and outbox):
//! given the holder's last accepted event at the location, fold a repeated bare tap,
//! choose the direction (explicit, else the opposite of the last), and refuse an
//! explicit `in` while in (`ALREADY_IN`), an explicit `out` while out (`NOT_IN`) and
//! any event sooner than the minimum interval (`TOO_SOON`). Standards-and-anchors.md
//! §9–§10.

use super::Direction;
use super::vocab::Reason;

/// What the rule decides for one presentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Passback {
    /// A repeated bare tap inside the fold interval: fold it into the last event.
    Fold,
    /// Refused, with the reason.
    Refuse(Reason),
    /// Allowed, in this direction.
    Go(Direction),
}

/// The holder's last accepted event at the location: its direction and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Last {
    /// In or out (`None`: a stored direction that does not parse is taken as none).
    pub direction: Option<Direction>,
    /// Unix seconds.
    pub at: i64,
}

/// The location's intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Intervals {
    /// Seconds in which a repeated bare tap is folded.
    pub fold: i64,
    /// Seconds between two events of one holder.
    pub min_interval: i64,
}

/// Decides a presentation at `at` with an `explicit` direction (typed `in`/`out`) or
/// none; `coded` presentations (a code was typed) are never folded.
pub(crate) fn decide(
    last: Option<Last>,
    explicit: Option<Direction>,
    coded: bool,
    at: i64,
    iv: Intervals,
) -> Passback {
    let last_dir = last.and_then(|l| l.direction);
    if !coded
        && let Some(l) = last
        && at - l.at < iv.fold
        && explicit.is_none_or(|d| Some(d) == last_dir)
    {
        return Passback::Fold;
    }
    if explicit == Some(Direction::In) && last_dir == Some(Direction::In) {
        return Passback::Refuse(Reason::AlreadyIn);
    }
    if explicit == Some(Direction::Out) && last_dir != Some(Direction::In) {
        return Passback::Refuse(Reason::NotIn);
    }
    if let Some(l) = last
        && at - l.at < iv.min_interval
    {
        return Passback::Refuse(Reason::TooSoon);
    }
    Passback::Go(explicit.unwrap_or(match last_dir {
        Some(Direction::In) => Direction::Out,
        _ => Direction::In,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const IV: Intervals = Intervals {
        fold: 10,
        min_interval: 60,
    };

    #[test]
    fn folds_toggles_and_refuses() {
        let last = |d, at| {
            Some(Last {
                direction: Some(d),
                at,
            })
        };
        assert_eq!(
            decide(None, None, false, 0, IV),
            Passback::Go(Direction::In)
        );
        assert_eq!(
            decide(last(Direction::In, 0), None, false, 5, IV),
            Passback::Fold
        );
        assert_eq!(
            decide(last(Direction::In, 0), None, true, 5, IV),
            Passback::Refuse(Reason::TooSoon)
        );
        assert_eq!(
            decide(last(Direction::In, 0), None, false, 61, IV),
            Passback::Go(Direction::Out)
        );
        assert_eq!(
            decide(last(Direction::In, 0), Some(Direction::In), false, 100, IV),
            Passback::Refuse(Reason::AlreadyIn)
        );
        assert_eq!(
            decide(
                last(Direction::Out, 0),
                Some(Direction::Out),
                false,
                100,
                IV
            ),
            Passback::Refuse(Reason::NotIn)
        );
        assert_eq!(
            decide(None, Some(Direction::Out), false, 100, IV),
            Passback::Refuse(Reason::NotIn)
        );
    }
}
