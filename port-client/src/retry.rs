//! Retry policy, backoff and reading Port's rate-limit headers.

use std::time::Duration;

use jiff::Timestamp;
use reqwest::header::HeaderMap;

/// Values above this are Unix timestamps rather than a number of seconds.
const EPOCH_THRESHOLD: f64 = 10_000.0;

/// How failed requests are retried and how the client paces itself on rate-limit headers.
///
/// Only retryable requests are retried (GET, DELETE and the POSTs that are safe to repeat: token,
/// upserts, bulk delete, search, datasource listing), on 408, 429, 502, 503, 504 and connection
/// errors. The delay is the server's `Retry-After` (or `x-ratelimit-reset`) when given, else
/// exponential backoff with ±10 % jitter; both are capped by [`RetryPolicy::max_delay`].
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    pace_below: u32,
}

impl Default for RetryPolicy {
    /// 7 attempts, 300 ms doubling per attempt, at most 30 s per wait (about 40 s before an
    /// unreachable Port is reported), pacing below 10 requests left.
    fn default() -> Self {
        Self {
            max_attempts: 7,
            base_delay: Duration::from_millis(300),
            max_delay: Duration::from_secs(30),
            pace_below: 10,
        }
    }
}

impl RetryPolicy {
    /// A policy that sends every request once.
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// Total attempts per request, including the first (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Delay before the first retry; it doubles with each further retry.
    #[must_use]
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Upper bound on any single wait: backoff, server-requested delay, or rate-limit pause.
    #[must_use]
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// When `x-ratelimit-remaining` drops to this value or below, further requests wait until
    /// `x-ratelimit-reset` (capped by the maximum delay). Zero disables pacing.
    #[must_use]
    pub fn pace_below(mut self, remaining: u32) -> Self {
        self.pace_below = remaining;
        self
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Exponential backoff with jitter for the given attempt number (1 = first retry).
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let jitter = 0.9 + fastrand::f64() * 0.2;
        let secs = self.base_delay.as_secs_f64() * f64::from(1u32 << exponent) * jitter;
        Duration::try_from_secs_f64(secs).map_or(self.max_delay, |d| d.min(self.max_delay))
    }

    /// Delay before retrying after a response: the server's hint, else backoff.
    pub(crate) fn delay_after(&self, headers: &HeaderMap, attempt: u32) -> Duration {
        server_hint(headers, Timestamp::now())
            .map_or_else(|| self.backoff(attempt), |hint| hint.min(self.max_delay))
    }

    /// How long to hold further requests given this response's rate-limit headers.
    pub(crate) fn pause_for(&self, headers: &HeaderMap) -> Option<Duration> {
        let remaining: u64 = header(headers, "x-ratelimit-remaining")?
            .trim()
            .parse()
            .ok()?;
        if remaining > u64::from(self.pace_below) {
            return None;
        }
        let reset = parse_wait(header(headers, "x-ratelimit-reset")?, Timestamp::now())?;
        Some(reset.min(self.max_delay))
    }
}

/// Statuses worth retrying: 408, 429, 502, 503, 504.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 502 | 503 | 504)
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name)?.to_str().ok()
}

/// The wait the server asked for: `Retry-After`, else `x-ratelimit-reset`.
fn server_hint(headers: &HeaderMap, now: Timestamp) -> Option<Duration> {
    ["retry-after", "x-ratelimit-reset"]
        .into_iter()
        .find_map(|name| parse_wait(header(headers, name)?, now))
}

/// Reads a wait from a header value: seconds, a Unix timestamp (above 10 000), an HTTP date or
/// an RFC 3339 timestamp. A time in the past means no wait.
pub(crate) fn parse_wait(value: &str, now: Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(number) = value.parse::<f64>() {
        if !number.is_finite() || number < 0.0 {
            return None;
        }
        let secs = if number > EPOCH_THRESHOLD {
            number - now.as_millisecond() as f64 / 1000.0
        } else {
            number
        };
        return Some(Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or(Duration::ZERO));
    }
    let at = jiff::fmt::rfc2822::parse(value)
        .map(|zoned| zoned.timestamp())
        .or_else(|_| value.parse::<Timestamp>())
        .ok()?;
    let wait = at.duration_since(now);
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn now() -> Timestamp {
        Timestamp::from_second(1_700_000_000).expect("valid timestamp")
    }

    #[test]
    fn parses_seconds_epoch_and_dates() {
        assert_eq!(parse_wait("3", now()), Some(Duration::from_secs(3)));
        assert_eq!(parse_wait("0.5", now()), Some(Duration::from_millis(500)));
        assert_eq!(
            parse_wait("1700000007", now()),
            Some(Duration::from_secs(7))
        );
        assert_eq!(parse_wait("1600000000", now()), Some(Duration::ZERO));
        assert_eq!(
            parse_wait("Tue, 14 Nov 2023 22:13:30 GMT", now()),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_wait("2023-11-14T22:13:25Z", now()),
            Some(Duration::from_secs(5))
        );
        assert_eq!(parse_wait("soon", now()), None);
        assert_eq!(parse_wait("-1", now()), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_cap() {
        let policy = RetryPolicy::default()
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(1000));
        let first = policy.backoff(1);
        assert!(first >= Duration::from_millis(90) && first <= Duration::from_millis(110));
        let third = policy.backoff(3);
        assert!(third >= Duration::from_millis(360) && third <= Duration::from_millis(440));
        assert_eq!(policy.backoff(40), Duration::from_millis(1000));
    }

    #[test]
    fn retry_after_wins_over_backoff_and_is_capped() {
        let policy = RetryPolicy::default().max_delay(Duration::from_secs(2));
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("1"));
        assert_eq!(policy.delay_after(&headers, 1), Duration::from_secs(1));
        headers.insert("retry-after", HeaderValue::from_static("30"));
        assert_eq!(policy.delay_after(&headers, 1), Duration::from_secs(2));
    }

    #[test]
    fn paces_only_when_remaining_is_low() {
        let policy = RetryPolicy::default().pace_below(5);
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("100"));
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("4"));
        assert_eq!(policy.pause_for(&headers), None);
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("3"));
        assert_eq!(policy.pause_for(&headers), Some(Duration::from_secs(4)));
    }

    #[test]
    fn retryable_statuses() {
        for status in [408, 429, 502, 503, 504] {
            assert!(is_retryable_status(status));
        }
        for status in [400, 401, 403, 404, 409, 413, 422, 500] {
            assert!(!is_retryable_status(status));
        }
    }
}
