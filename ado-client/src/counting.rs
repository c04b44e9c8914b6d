//! Counting requests: those a piece of work sends, for reports of what a sync cost, and those
//! a client sent to each host, for metrics.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

tokio::task_local! {
    static COUNTER: Arc<Counter>;
}

/// The count of one [`count_requests`] scope, and the scope it is nested in.
struct Counter {
    sent: AtomicU64,
    outer: Option<Arc<Counter>>,
}

/// Runs `work` and counts the requests every [`AdoClient`](crate::AdoClient) sends while
/// polling it: each attempt, retries included, as Azure DevOps counts them against the rate
/// limit. Returns the output of `work` and the count. Scopes nest (a request counts in every
/// enclosing scope); requests of tasks that `work` spawns are not counted.
pub async fn count_requests<F: Future>(work: F) -> (F::Output, u64) {
    let counter = Arc::new(Counter {
        sent: AtomicU64::new(0),
        outer: COUNTER.try_with(Arc::clone).ok(),
    });
    let output = COUNTER.scope(Arc::clone(&counter), work).await;
    (output, counter.sent.load(Ordering::Relaxed))
}

/// Counts one request in the enclosing scopes, if any.
fn note_request() {
    let _ = COUNTER.try_with(|counter| {
        let mut scope = Some(counter);
        while let Some(counter) = scope {
            counter.sent.fetch_add(1, Ordering::Relaxed);
            scope = counter.outer.as_ref();
        }
    });
}

/// The requests a client sent to one host since it was built (shared by its clones).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostRequests {
    /// Requests sent, each attempt counted.
    pub requests: u64,
    /// Of those, attempts after the first of a call: retries.
    pub retries: u64,
}

/// [`HostRequests`] per host.
#[derive(Default)]
pub(crate) struct Tally(Mutex<BTreeMap<String, HostRequests>>);

impl Tally {
    /// Counts one attempt sent to `host`; a retry when `attempt` is not the first.
    pub(crate) fn sent(&self, host: &str, attempt: u32) {
        note_request();
        let mut hosts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let counts = match hosts.get_mut(host) {
            Some(counts) => counts,
            None => hosts.entry(host.to_owned()).or_default(),
        };
        counts.requests += 1;
        counts.retries += u64::from(attempt > 1);
    }

    /// The counts so far, by host.
    pub(crate) fn snapshot(&self) -> BTreeMap<String, HostRequests> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn scopes_count_their_own_requests_and_those_of_the_scopes_they_hold() {
        note_request(); // outside any scope: counted nowhere
        let ((inner, ()), outer) = count_requests(async {
            note_request();
            let inner = count_requests(async {
                note_request();
                note_request();
            })
            .await;
            (inner.1, ())
        })
        .await;
        assert_eq!((inner, outer), (2, 3));
    }

    #[test]
    fn a_tally_counts_requests_and_retries_per_host() {
        let tally = Tally::default();
        tally.sent("dev.azure.com", 1);
        tally.sent("dev.azure.com", 2);
        tally.sent("vsrm.dev.azure.com", 1);
        let counts = tally.snapshot();
        assert_eq!(
            counts["dev.azure.com"],
            HostRequests {
                requests: 2,
                retries: 1
            }
        );
        assert_eq!(counts["vsrm.dev.azure.com"].retries, 0);
    }
}
