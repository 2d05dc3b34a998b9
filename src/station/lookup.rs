//! Look-up: which TOTP tokens produced a code, at which steps of a time range (like
//! LinOTP's `totp_lookup`). The search is bounded by the policy's `lookup.max_codes`
//! and runs on every core.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;

use super::policy::Policy;
use super::{Result, Station, StationError};
use crate::model::{Product, Token};
use crate::otp::{Code, Kind, OtpKey, totp, window};
use crate::store::tokens::TokenFilter;
use crate::vault;

/// One token and step that produce the code.
#[derive(Debug, Clone, Serialize)]
pub struct LookupHit {
    /// Token serial.
    pub serial: String,
    /// Product name.
    pub product: String,
    /// The step.
    pub step: u64,
    /// First second of the step (Unix).
    pub valid_from: i64,
    /// First second after the step (Unix).
    pub valid_to: i64,
}

/// The result of a look-up.
#[derive(Debug, Clone, Serialize)]
pub struct LookupReport {
    /// Matches, by serial then step.
    pub hits: Vec<LookupHit>,
    /// TOTP tokens whose code length fits.
    pub tokens_searched: usize,
    /// Codes computed.
    pub codes_computed: u64,
}

/// One token to search: the token, its sealed seed, its product and its steps.
type Work<'a> = (Token, Vec<u8>, &'a Product, u64, u64);

/// How often the calling thread reports progress while the workers search.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

impl Station {
    /// Finds the tokens and steps in `[from, to]` whose code is `code`.
    pub fn lookup(
        &self,
        code: &str,
        location: Option<&str>,
        from: i64,
        to: i64,
    ) -> Result<LookupReport> {
        self.lookup_with_progress(code, location, from, to, &mut |_, _| {})
    }

    /// [`Station::lookup`], calling `progress(tokens done, tokens)` on the calling
    /// thread now and then while every core searches (each worker opens its tokens'
    /// seeds and searches their steps).
    pub fn lookup_with_progress(
        &self,
        code: &str,
        location: Option<&str>,
        from: i64,
        to: i64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<LookupReport> {
        if from > to {
            return Err(StationError::EmptyPeriod { from, to });
        }
        let Some(code) = Code::parse(code) else {
            return Err(StationError::NotACode(code.to_string()));
        };
        if let Some(l) = location {
            self.read().location_get(l)?;
        }
        let c = self.read();
        let policy = Policy::load(&c)?;
        let filter = TokenFilter {
            location: location.map(str::to_string),
            ..Default::default()
        };
        let products = c.product_list()?;
        let key = self.key()?;
        let mut work: Vec<Work<'_>> = Vec::new();
        let mut total: u64 = 0;
        for (t, sealed) in c.token_list_with_seeds(&filter)? {
            let Some(p) = products.iter().find(|p| p.id == t.product_id) else {
                continue;
            };
            if p.params.kind != Kind::Totp || !code.fits(p.params.digits) {
                continue;
            }
            let (Some(first), Some(last)) = (
                totp::time_step(from.max(p.params.t0), p.params.period, p.params.t0),
                totp::time_step(to, p.params.period, p.params.t0),
            ) else {
                continue;
            };
            total = total.saturating_add(last - first + 1);
            if total > policy.lookup_max_codes {
                return Err(StationError::LookupTooLarge(policy.lookup_max_codes));
            }
            work.push((t, sealed, p, first, last));
        }
        let tokens = work.len() as u64;
        let done = AtomicU64::new(0);
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let chunk = work.len().div_ceil(threads).max(1);
        let parts: Vec<Result<Vec<LookupHit>>> = std::thread::scope(|s| {
            let handles: Vec<_> = work
                .chunks(chunk)
                .map(|part| {
                    let done = &done;
                    s.spawn(move || search(key, part, &code, done))
                })
                .collect();
            progress(0, tokens);
            while !handles.iter().all(|h| h.is_finished()) {
                std::thread::sleep(PROGRESS_EVERY);
                progress(done.load(Ordering::Relaxed), tokens);
            }
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(StationError::Internal("a look-up worker panicked".into()))
                    })
                })
                .collect()
        });
        progress(tokens, tokens);
        let mut hits = Vec::new();
        for part in parts {
            hits.extend(part?);
        }
        hits.sort_by(|a, b| (&a.serial, a.step).cmp(&(&b.serial, b.step)));
        Ok(LookupReport {
            hits,
            tokens_searched: work.len(),
            codes_computed: total,
        })
    }
}

/// One worker's share: open each token's seed and search its steps.
fn search(
    key: &vault::MasterKey,
    part: &[Work<'_>],
    code: &Code,
    done: &AtomicU64,
) -> Result<Vec<LookupHit>> {
    let mut out = Vec::new();
    for (t, sealed, p, first, last) in part {
        let secret = vault::open(
            key,
            t.uid.as_bytes(),
            sealed,
            &format!("token {}", t.serial),
        )?;
        let k = OtpKey::new(p.params.algorithm, &secret);
        for step in window::search_range(&k, p.params.digits, code, *first, *last) {
            out.push(LookupHit {
                serial: t.serial.clone(),
                product: p.name.clone(),
                step,
                valid_from: totp::step_start(step, p.params.period, p.params.t0),
                valid_to: totp::step_start(step.saturating_add(1), p.params.period, p.params.t0),
            });
        }
        done.fetch_add(1, Ordering::Relaxed);
    }
    Ok(out)
}
