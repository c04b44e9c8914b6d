//! Retry policy, backoff and reading Port's rate-limit headers.

use std::time::Duration;

use jiff::Timestamp;
use reqwest::header::HeaderMap;

/// Values above this are Unix timestamps rather than a number of seconds.
const EPOCH_THRESHOLD: f64 = 10_000.0;

/// How failed requests are retried and how the client paces itself on rate-limit headers.
///
/// Only requests safe to repeat are retried: GET, DELETE, and the POSTs that are idempotent
/// (token, upserts with `upsert=true`, bulk delete, search, datasource listing, blueprint
/// creation). They are retried on connection errors, resets, timeouts, bodies cut short or
/// undecodable, and 408, 429, 500, 502, 503 and 504; never on TLS or DNS failures or on 400,
/// 401 (beyond one token refresh), 403, 404, 409, 413 or 422.
///
/// - [`max_attempts`](Self::max_attempts): attempts in total, the first included.
/// - [`backoff`](Self::backoff)`(retry)`: a random delay between half and all of
///   `min(base_delay * 2^(retry-1), max_delay)`.
/// - A server hint (`Retry-After`, else `x-ratelimit-reset`) is a floor: the delay is
///   `max(hint capped at max_server_delay, backoff)`.
/// - [`pace_below`](Self::pace_below): when `x-ratelimit-remaining` drops to that value or
///   below, further requests wait until `x-ratelimit-reset` (capped at `max_server_delay`).
///
/// The default is 6 attempts, base 250 ms, max 8 s, max server delay 60 s, pacing below 10
/// requests left: an unreachable Port is reported after about 8 s of retries at most.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_server_delay: Duration,
    pace_below: u32,
}

impl Default for RetryPolicy {
    /// 6 attempts, base 250 ms, max 8 s, max server delay 60 s, pacing below 10 requests left.
    fn default() -> Self {
        Self::new(6, Duration::from_millis(250), Duration::from_secs(8))
    }
}

impl RetryPolicy {
    /// A policy of `max_attempts` attempts in total (at least 1) with a backoff from
    /// `base_delay` up to `max_delay`; server hints are capped at 60 s, pacing below 10.
    #[must_use]
    pub fn new(max_attempts: u32, base_delay: Duration, max_delay: Duration) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            base_delay,
            max_delay,
            max_server_delay: Duration::from_secs(60),
            pace_below: 10,
        }
    }

    /// A policy that sends every request once (a 401 still refreshes the token once).
    #[must_use]
    pub fn none() -> Self {
        Self::new(1, Duration::ZERO, Duration::ZERO)
    }

    /// Caps the waits the server asks for (`Retry-After`, `x-ratelimit-reset`, pacing).
    #[must_use]
    pub fn with_max_server_delay(mut self, delay: Duration) -> Self {
        self.max_server_delay = delay;
        self
    }

    /// When `x-ratelimit-remaining` drops to this value or below, further requests wait until
    /// `x-ratelimit-reset` (capped at the maximum server delay). Zero disables pacing.
    #[must_use]
    pub fn pace_below(mut self, remaining: u32) -> Self {
        self.pace_below = remaining;
        self
    }

    /// Attempts in total per request, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Backoff before the first retry; it doubles with each further retry.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// Upper bound of the computed backoff.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// Upper bound of a wait the server asks for.
    pub fn max_server_delay(&self) -> Duration {
        self.max_server_delay
    }

    /// The jittered backoff before retry number `retry` (1-based): a random value between half
    /// and all of `min(base_delay * 2^(retry-1), max_delay)`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        full.mul_f64(0.5 + fastrand::f64() * 0.5)
    }

    /// Delay before retry number `retry` after a response: the backoff, raised to the server's
    /// hint (capped at the maximum server delay).
    pub(crate) fn delay_after(&self, headers: &HeaderMap, retry: u32) -> Duration {
        let backoff = self.backoff(retry);
        server_hint(headers, Timestamp::now())
            .map_or(backoff, |hint| hint.min(self.max_server_delay).max(backoff))
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
        Some(reset.min(self.max_server_delay))
    }
}

/// Statuses worth retrying: 408, 429, 500, 502, 503, 504.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
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
        let policy = RetryPolicy::new(6, Duration::from_millis(100), Duration::from_millis(1000));
        for _ in 0..20 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let capped = policy.backoff(40);
            assert!(capped >= Duration::from_millis(500) && capped <= Duration::from_millis(1000));
        }
        assert_eq!(RetryPolicy::none().backoff(1), Duration::ZERO);
    }

    #[test]
    fn default_policy_gives_up_within_seconds() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.max_attempts(), 6);
        assert_eq!(policy.base_delay(), Duration::from_millis(250));
        assert_eq!(policy.max_delay(), Duration::from_secs(8));
        assert_eq!(policy.max_server_delay(), Duration::from_secs(60));
        let worst: Duration = (1..policy.max_attempts())
            .map(|retry| policy.base_delay() * 2u32.pow(retry - 1))
            .map(|full| full.min(policy.max_delay()))
            .sum();
        assert!(worst <= Duration::from_secs(8), "{worst:?}");
    }

    #[test]
    fn server_hint_is_a_floor_capped_at_the_max_server_delay() {
        let policy = RetryPolicy::new(3, Duration::from_millis(10), Duration::from_millis(10))
            .with_max_server_delay(Duration::from_secs(2));
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("1"));
        assert_eq!(policy.delay_after(&headers, 1), Duration::from_secs(1));
        headers.insert("retry-after", HeaderValue::from_static("30"));
        assert_eq!(policy.delay_after(&headers, 1), Duration::from_secs(2));
        headers.insert("retry-after", HeaderValue::from_static("0"));
        assert!(policy.delay_after(&headers, 1) >= Duration::from_millis(5));
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
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(status));
        }
        for status in [400, 401, 403, 404, 409, 413, 422, 501] {
            assert!(!is_retryable_status(status));
        }
    }
}
