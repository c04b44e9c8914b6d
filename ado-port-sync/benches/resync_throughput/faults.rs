//! Faults the stand-ins inject: every n-th request gets one instead of its answer.

use std::sync::atomic::{AtomicU64, Ordering};

use wiremock::ResponseTemplate;

/// Every `every`-th request (none with 0) is answered, in turn, with a 503, a 429 asking to
/// wait one second, or a 200 whose body is cut short.
#[derive(Debug, Default)]
pub struct Faults {
    every: u64,
    seen: AtomicU64,
}

impl Faults {
    /// A fault every `every` requests (0: never).
    pub fn every(every: u64) -> Self {
        Self {
            every,
            seen: AtomicU64::new(0),
        }
    }

    /// The fault for the next request, if it gets one.
    pub fn next(&self) -> Option<ResponseTemplate> {
        if self.every == 0 {
            return None;
        }
        let seen = self.seen.fetch_add(1, Ordering::Relaxed) + 1;
        if !seen.is_multiple_of(self.every) {
            return None;
        }
        Some(match (seen / self.every) % 3 {
            0 => ResponseTemplate::new(503),
            1 => ResponseTemplate::new(429).insert_header("Retry-After", "1"),
            _ => ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(r#"{"count": 2, "value": [{"id""#),
        })
    }
}
