//! Window search (RFC 4226 §7.4 look-ahead, RFC 6238 §5.2/§6 skew): find the step or
//! counter near a centre whose code matches, preferring the nearest, and the past over
//! the future on ties (RFC 6238 §5.2: accept no more future than needed).

use super::{Code, Digits, OtpKey};

/// How far around the centre to look, in steps or counter values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Steps before the centre.
    pub behind: u64,
    /// Steps after the centre.
    pub ahead: u64,
}

impl Window {
    /// `±skew` steps.
    pub fn symmetric(skew: u64) -> Self {
        Window {
            behind: skew,
            ahead: skew,
        }
    }

    /// HOTP look-ahead: the centre and the `n` values after it.
    pub fn look_ahead(n: u64) -> Self {
        Window {
            behind: 0,
            ahead: n,
        }
    }

    /// Number of candidates the window holds.
    pub fn size(&self) -> u128 {
        u128::from(self.behind) + u128::from(self.ahead) + 1
    }
}

/// A successful window search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowMatch {
    /// The matching step (TOTP) or counter (HOTP).
    pub step: u64,
    /// Its signed distance from the centre.
    pub offset: i64,
}

/// Candidate offsets in preference order: 0, -1, +1, -2, +2, … clipped to the window
/// and to the `u64` range of steps.
pub fn offsets(center: u64, window: Window) -> impl Iterator<Item = (u64, i64)> {
    let reach = window.behind.max(window.ahead);
    let first = std::iter::once((center, 0i64));
    let rest = (1..=reach).flat_map(move |d| {
        let past = (d <= window.behind)
            .then(|| center.checked_sub(d))
            .flatten()
            .map(|s| (s, -(d as i64)));
        let future = (d <= window.ahead)
            .then(|| center.checked_add(d))
            .flatten()
            .map(|s| (s, d as i64));
        past.into_iter().chain(future)
    });
    first.chain(rest)
}

/// Finds the preferred step in the window whose code equals `code`. Each comparison is
/// constant-time; the order of candidates is public (it is the policy).
pub fn search(
    key: &OtpKey,
    digits: Digits,
    code: &Code,
    center: u64,
    window: Window,
) -> Option<WindowMatch> {
    if !code.fits(digits) {
        return None;
    }
    offsets(center, window)
        .find(|&(step, _)| bool::from(code.ct_matches(key, step, digits)))
        .map(|(step, offset)| WindowMatch { step, offset })
}

/// Every step in `first..=last` whose code equals `code` (for look-ups and resync).
pub fn search_range(key: &OtpKey, digits: Digits, code: &Code, first: u64, last: u64) -> Vec<u64> {
    if !code.fits(digits) || first > last {
        return Vec::new();
    }
    (first..=last)
        .filter(|&s| bool::from(code.ct_matches(key, s, digits)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::{Algorithm, Secret};
    use proptest::prelude::*;

    fn key() -> OtpKey {
        OtpKey::new(
            Algorithm::Sha1,
            &Secret::from_slice(b"12345678901234567890"),
        )
    }

    #[test]
    fn offset_order_prefers_past() {
        let got: Vec<i64> = offsets(10, Window::symmetric(2)).map(|(_, o)| o).collect();
        assert_eq!(got, vec![0, -1, 1, -2, 2]);
        let got: Vec<u64> = offsets(1, Window::symmetric(2)).map(|(s, _)| s).collect();
        assert_eq!(got, vec![1, 0, 2, 3]);
        let got: Vec<i64> = offsets(5, Window::look_ahead(3)).map(|(_, o)| o).collect();
        assert_eq!(got, vec![0, 1, 2, 3]);
        let got: Vec<u64> = offsets(u64::MAX, Window::symmetric(1))
            .map(|(s, _)| s)
            .collect();
        assert_eq!(got, vec![u64::MAX, u64::MAX - 1]);
    }

    #[test]
    fn finds_signed_offsets() {
        let k = key();
        // counter 3 = 969429, counter 5 = 254676
        let c = Code::parse("969429").unwrap();
        assert_eq!(
            search(&k, Digits::SIX, &c, 4, Window::symmetric(1)),
            Some(WindowMatch {
                step: 3,
                offset: -1
            })
        );
        let c = Code::parse("254676").unwrap();
        assert_eq!(
            search(&k, Digits::SIX, &c, 4, Window::symmetric(1)),
            Some(WindowMatch { step: 5, offset: 1 })
        );
        assert_eq!(search(&k, Digits::SIX, &c, 4, Window::symmetric(0)), None);
        assert_eq!(
            search(&k, Digits::SIX, &c, 0, Window::look_ahead(10)).map(|m| m.step),
            Some(5)
        );
        assert_eq!(search_range(&k, Digits::SIX, &c, 0, 9), vec![5]);
    }

    #[test]
    fn tie_goes_to_the_past() {
        // Two steps an even distance apart with the same code: searching from their
        // midpoint, both are equally near, and the earlier one must win.
        let k = key();
        let mut seen: std::collections::HashMap<u64, Vec<u64>> = Default::default();
        let mut pair = None;
        for s in 0u64.. {
            let list = seen.entry(k.code(s, Digits::SIX)).or_default();
            if let Some(&p) = list.iter().find(|&&p| (s - p) % 2 == 0) {
                pair = Some((p, s));
                break;
            }
            list.push(s);
        }
        let (a, b) = pair.unwrap();
        let half = (b - a) / 2;
        let c = Code::parse(&k.code_string(a, Digits::SIX)).unwrap();
        let m = search(&k, Digits::SIX, &c, a + half, Window::symmetric(half)).unwrap();
        assert_eq!(
            m,
            WindowMatch {
                step: a,
                offset: -(half as i64)
            }
        );
    }

    proptest! {
        #[test]
        fn found_step_reproduces_code(center in 0u64..1_000_000, off in -3i64..=3) {
            let k = key();
            let step = center.saturating_add_signed(off);
            let c = Code::parse(&k.code_string(step, Digits::SIX)).unwrap();
            let m = search(&k, Digits::SIX, &c, center, Window::symmetric(3)).unwrap();
            prop_assert_eq!(k.code(m.step, Digits::SIX), k.code(step, Digits::SIX));
            prop_assert!(m.offset.abs() <= off.abs());
        }
    }
}
