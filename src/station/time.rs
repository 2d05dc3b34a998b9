//! Times as people and scripts give them: Unix seconds or RFC 3339
//! (`2026-11-22T09:30:00Z`), and the host clock.

/// A time that is neither form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid time '{0}': give Unix seconds (1764000000) or RFC 3339 (2026-11-22T09:30:00Z)")]
pub struct TimeError(pub String);

/// Parses Unix seconds or RFC 3339.
pub fn parse_time(s: &str) -> Result<i64, TimeError> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp())
        .map_err(|_| TimeError(s.to_string()))
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// RFC 3339 text of Unix seconds, in UTC.
pub fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(parse_time("59").unwrap(), 59);
        assert_eq!(parse_time("2009-02-13T23:31:30Z").unwrap(), 1234567890);
        assert_eq!(parse_time("2009-02-14T00:31:30+01:00").unwrap(), 1234567890);
        assert!(parse_time("yesterday").is_err());
        assert_eq!(rfc3339(1234567890), "2009-02-13T23:31:30Z");
    }
}
