//! Retry policy, request pacing and the rate-limit headers they read.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// How failed requests are retried: bounded exponential backoff with jitter.
///
/// * [`max_attempts`](Self::max_attempts): attempts in total, the first included (1 disables
///   retries).
/// * [`backoff(retry)`](Self::backoff) before retry number `retry` (1-based): a random duration
///   between half and all of `min(base_delay * 2^(retry-1), max_delay)`.
/// * A server hint (`Retry-After`, `X-RateLimit-Delay`) is a floor: the delay is
///   `max(hint capped at max_server_delay, backoff)`.
///
/// Default ([`RetryPolicy::default`]): 6 attempts, base delay 250 ms, max delay 8 s, max server
/// delay 60 s.
///
/// What is retried: every idempotent request (GETs and read-only POST queries) on connection
/// failures, resets, timeouts, bodies cut short or undecodable, and 408, 429, 500, 502, 503,
/// 504; a creation only on 429 and on failures that never reached the server. Never retried:
/// TLS and certificate errors, names that do not resolve, 400, 401, 403, 404.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_server_delay: Duration,
}

impl RetryPolicy {
    /// A policy with `max_attempts` attempts (at least 1) and a backoff from `base_delay` up to
    /// `max_delay`; server-requested delays are capped at 60 s (see
    /// [`with_max_server_delay`](Self::with_max_server_delay)).
    #[must_use]
    pub fn new(max_attempts: u32, base_delay: Duration, max_delay: Duration) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            base_delay,
            max_delay,
            max_server_delay: DEFAULT_MAX_SERVER_DELAY,
        }
    }

    /// No retries at all: one attempt.
    #[must_use]
    pub fn none() -> Self {
        Self::new(1, Duration::ZERO, Duration::ZERO)
    }

    /// Caps delays requested by the server (`Retry-After`, `X-RateLimit-Delay`).
    #[must_use]
    pub fn with_max_server_delay(mut self, max: Duration) -> Self {
        self.max_server_delay = max;
        self
    }

    /// Attempts in total, the first included.
    #[must_use]
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Full backoff before the first retry; doubled for each further one.
    #[must_use]
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// Upper bound of the computed backoff.
    #[must_use]
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// Upper bound of a delay requested by the server through headers.
    #[must_use]
    pub fn max_server_delay(&self) -> Duration {
        self.max_server_delay
    }

    /// The jittered exponential backoff before retry number `retry` (1-based): a random value
    /// between half and all of `min(base_delay * 2^(retry-1), max_delay)`.
    #[must_use]
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        full.mul_f64(0.5 + fastrand::f64() * 0.5)
    }

    /// The delay before retry number `retry`, honouring the server's hints in `headers`.
    pub(crate) fn delay(&self, retry: u32, headers: &HeaderMap) -> Duration {
        let hint = server_delay(headers).map(|d| d.min(self.max_server_delay));
        hint.map_or_else(|| self.backoff(retry), |h| h.max(self.backoff(retry)))
    }
}

/// Cap of server-requested delays unless configured otherwise.
const DEFAULT_MAX_SERVER_DELAY: Duration = Duration::from_secs(60);

impl Default for RetryPolicy {
    /// Six attempts, backoff from 250 ms up to 8 s, server hints capped at 60 s.
    fn default() -> Self {
        Self::new(6, Duration::from_millis(250), Duration::from_secs(8))
    }
}

/// Proactive pacing from Azure DevOps' rate-limit headers.
///
/// When a response reports `X-RateLimit-Remaining` at or below
/// [`min_remaining`](Self::min_remaining), further requests of the organization wait until
/// `X-RateLimit-Reset`, at most [`max_wait`](Self::max_wait). A successful response that
/// still carries `Retry-After` (a delayed request) pauses the organization the same way.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Pacing {
    /// Remaining throughput units (TSTUs) at or below which requests wait.
    pub min_remaining: f64,
    /// Longest pause pacing may impose.
    pub max_wait: Duration,
}

impl Pacing {
    /// Pacing that waits when at most `min_remaining` TSTUs remain, for at most `max_wait`.
    #[must_use]
    pub fn new(min_remaining: f64, max_wait: Duration) -> Self {
        Self {
            min_remaining,
            max_wait,
        }
    }

    /// No proactive pacing.
    #[must_use]
    pub fn disabled() -> Self {
        Self::new(f64::NEG_INFINITY, Duration::ZERO)
    }

    /// How long the organization should pause after a response with these headers.
    pub(crate) fn pause(&self, success: bool, headers: &HeaderMap) -> Option<Duration> {
        let low = header_f64(headers, "x-ratelimit-remaining")
            .filter(|remaining| *remaining <= self.min_remaining)
            .and_then(|_| until_reset(headers));
        let delayed = success.then(|| retry_after(headers)).flatten();
        low.into_iter()
            .chain(delayed)
            .max()
            .map(|wait| wait.min(self.max_wait))
            .filter(|wait| !wait.is_zero())
    }
}

impl Default for Pacing {
    /// Wait when 5 TSTUs or fewer remain, for at most 60 s.
    fn default() -> Self {
        Self::new(5.0, Duration::from_secs(60))
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

fn header_f64(headers: &HeaderMap, name: &str) -> Option<f64> {
    header_str(headers, name)?
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

fn seconds(value: f64) -> Option<Duration> {
    (value >= 0.0).then(|| Duration::try_from_secs_f64(value).ok())?
}

/// `Retry-After`, as delta seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = header_str(headers, "retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return seconds(secs);
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let now = jiff::Timestamp::now();
    Some(at.duration_since(now).try_into().unwrap_or(Duration::ZERO))
}

/// The longest delay the server asks for through `Retry-After` or `X-RateLimit-Delay`.
pub(crate) fn server_delay(headers: &HeaderMap) -> Option<Duration> {
    let delay = header_f64(headers, "x-ratelimit-delay").and_then(seconds);
    retry_after(headers).into_iter().chain(delay).max()
}

/// Time left until `X-RateLimit-Reset` (Unix epoch seconds).
fn until_reset(headers: &HeaderMap) -> Option<Duration> {
    let reset = header_f64(headers, "x-ratelimit-reset")?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    seconds(reset - now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("valid header"));
        }
        map
    }

    fn epoch_in(secs: u64) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after epoch")
            .as_secs();
        (now + secs).to_string()
    }

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let policy = RetryPolicy::new(10, Duration::from_millis(100), Duration::from_secs(1));
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let late = policy.backoff(30);
            assert!(late >= Duration::from_millis(500) && late <= Duration::from_secs(1));
        }
        assert_eq!(RetryPolicy::none().backoff(1), Duration::ZERO);
        assert_eq!(RetryPolicy::none().max_attempts(), 1);
        let default = RetryPolicy::default();
        assert_eq!(
            (
                default.max_attempts(),
                default.base_delay(),
                default.max_delay(),
                default.max_server_delay()
            ),
            (
                6,
                Duration::from_millis(250),
                Duration::from_secs(8),
                Duration::from_secs(60)
            )
        );
    }

    #[test]
    fn parses_retry_after_seconds_and_dates() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")])),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "0.5")])),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            retry_after(&headers(&[(
                "retry-after",
                "Sun, 06 Nov 1994 08:49:37 GMT"
            )])),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")])), None);
    }

    #[test]
    fn server_delay_takes_the_longest_hint() {
        let h = headers(&[("retry-after", "2"), ("x-ratelimit-delay", "3.25")]);
        assert_eq!(server_delay(&h), Some(Duration::from_millis(3250)));
        let policy = RetryPolicy::new(3, Duration::from_millis(1), Duration::from_millis(2))
            .with_max_server_delay(Duration::from_secs(1));
        assert_eq!(policy.delay(1, &h), Duration::from_secs(1));
        assert!(policy.delay(1, &HeaderMap::new()) <= Duration::from_millis(1));
    }

    #[test]
    fn pacing_waits_until_reset_when_remaining_is_low() {
        let pacing = Pacing::new(5.0, Duration::from_secs(10));
        let low = headers(&[
            ("x-ratelimit-remaining", "1.5"),
            ("x-ratelimit-reset", &epoch_in(100)),
        ]);
        assert_eq!(pacing.pause(true, &low), Some(Duration::from_secs(10)));
        let plenty = headers(&[
            ("x-ratelimit-remaining", "150"),
            ("x-ratelimit-reset", &epoch_in(100)),
        ]);
        assert_eq!(pacing.pause(true, &plenty), None);
        let past_reset = headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1")]);
        assert_eq!(pacing.pause(true, &past_reset), None);
        let delayed = headers(&[("retry-after", "3")]);
        assert_eq!(pacing.pause(true, &delayed), Some(Duration::from_secs(3)));
        assert_eq!(pacing.pause(false, &delayed), None);
        assert_eq!(Pacing::disabled().pause(true, &low), None);
    }
}
