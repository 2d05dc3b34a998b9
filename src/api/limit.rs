//! Request rate limits (research api-and-stations.md §5 "Rate limits", layers 2 and 3):
//! per API key over every request it makes, and per client address over failed
//! authentications, both GCRA (governor) answering 429 with `Retry-After`. The store's
//! verdict limits (failures per token and location, `LIMIT_REACHED`) are the
//! station's and stay as they are.

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::ApiError;

/// How many requests are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rates {
    /// Requests per minute per key.
    pub key_per_minute: NonZeroU32,
    /// Requests a key may make at once.
    pub key_burst: NonZeroU32,
    /// Failed authentications per minute per client address (also the burst).
    pub auth_failures_per_minute: NonZeroU32,
}

impl Default for Rates {
    /// pretix's 360 requests a minute per device, a burst of 20; 10 failed
    /// authentications a minute per address.
    fn default() -> Rates {
        let n = |v: u32| NonZeroU32::new(v).unwrap_or(NonZeroU32::MIN);
        Rates {
            key_per_minute: n(360),
            key_burst: n(20),
            auth_failures_per_minute: n(10),
        }
    }
}

/// The server's limiters.
pub struct Limits {
    per_key: DefaultKeyedRateLimiter<String>,
    auth_failures: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

impl Limits {
    /// Limiters for these rates.
    pub fn new(r: Rates) -> Limits {
        let key = Quota::per_minute(r.key_per_minute).allow_burst(r.key_burst);
        let fails = Quota::per_minute(r.auth_failures_per_minute);
        Limits {
            per_key: RateLimiter::keyed(key),
            auth_failures: RateLimiter::keyed(fails),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one request of `key_id`; 429 when its quota is spent.
    pub fn check_key(&self, key_id: &str) -> Result<(), ApiError> {
        self.per_key
            .check_key(&key_id.to_string())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(self.clock.now());
                ApiError::rate_limited("for this API key", wait.as_secs_f64().ceil() as u64)
            })
    }

    /// Counts one failed authentication from `client`: 401, or 429 once the address
    /// has failed too often.
    pub fn auth_failed(&self, client: Option<IpAddr>) -> ApiError {
        let ip = client.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        match self.auth_failures.check_key(&ip) {
            Ok(()) => ApiError::unauthorized(),
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                ApiError::rate_limited(
                    "with failed authentication from this address",
                    wait.as_secs_f64().ceil() as u64,
                )
            }
        }
    }

    /// Forgets keys and addresses whose limits have fully recovered (run now and then).
    pub fn tidy(&self) {
        self.per_key.retain_recent();
        self.per_key.shrink_to_fit();
        self.auth_failures.retain_recent();
        self.auth_failures.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas() {
        let n = |v| NonZeroU32::new(v).unwrap();
        let l = Limits::new(Rates {
            key_per_minute: n(60),
            key_burst: n(3),
            auth_failures_per_minute: n(2),
        });
        for _ in 0..3 {
            l.check_key("a").unwrap();
        }
        let e = l.check_key("a").unwrap_err();
        assert_eq!((e.status.as_u16(), e.retry_after), (429, Some(1)));
        l.check_key("b").unwrap();
        let ip = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(l.auth_failed(ip).status.as_u16(), 401);
        assert_eq!(l.auth_failed(ip).status.as_u16(), 401);
        let e = l.auth_failed(ip);
        assert_eq!(e.status.as_u16(), 429);
        assert!(e.retry_after.unwrap() >= 1 && e.retry_after.unwrap() <= 30);
        assert_eq!(l.auth_failed(None).status.as_u16(), 401);
    }
}
