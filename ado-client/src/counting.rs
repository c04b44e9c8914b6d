//! Counting the requests a piece of work sends, for reports of what a sync cost.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
pub(crate) fn note_request() {
    let _ = COUNTER.try_with(|counter| {
        let mut scope = Some(counter);
        while let Some(counter) = scope {
            counter.sent.fetch_add(1, Ordering::Relaxed);
            scope = counter.outer.as_ref();
        }
    });
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
}
