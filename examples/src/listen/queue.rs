//! The bounded queue between accepting a webhook call and handling its event.
//!
//! A call is answered as soon as its event is queued; a fixed set of workers handle the
//! events. Events naming the same item (same pull request, work item, repository, run...)
//! go to the same worker, so they are applied in the order they arrived. A transient failure
//! of Azure DevOps or Port is retried with backoff; the final failure is logged and counted.

use super::current::Current;
use super::metrics::{EventStep, Metrics};
use ado_port_sync::LiveError;
use serde_json::Value;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinSet;

/// How a failing event is tried again.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Retries after the first attempt.
    pub retries: u32,
    /// Delay before the first retry; doubled for each further one.
    pub first_delay: Duration,
    /// Longest delay between two attempts.
    pub max_delay: Duration,
}

impl Retry {
    /// The delay before retry `n` (1-based).
    fn delay(&self, n: u32) -> Duration {
        self.first_delay
            .saturating_mul(2u32.saturating_pow(n.saturating_sub(1)))
            .min(self.max_delay)
    }
}

/// One accepted event.
struct Job {
    event_type: String,
    payload: Value,
    /// Its place in the queue and the bytes of its body, released once handled.
    _held: (OwnedSemaphorePermit, Option<OwnedSemaphorePermit>),
}

/// Why an event was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The queue holds its capacity.
    Full,
    /// The server is stopping.
    Closed,
}

/// The queue; [`Queue::close`] lets the workers finish what it holds.
pub struct Queue {
    shards: Mutex<Vec<mpsc::UnboundedSender<Job>>>,
    slots: Arc<Semaphore>,
    capacity: usize,
}

impl Queue {
    /// Starts `workers` workers handling events with the current live events, holding at most
    /// `capacity` events.
    pub fn start(
        current: Arc<Current>,
        metrics: Arc<Metrics>,
        workers: usize,
        capacity: usize,
        retry: Retry,
    ) -> (Arc<Self>, JoinSet<()>) {
        let mut tasks = JoinSet::new();
        let shards = (0..workers.max(1))
            .map(|_| {
                let (sender, receiver) = mpsc::unbounded_channel();
                tasks.spawn(work(
                    receiver,
                    Arc::clone(&current),
                    Arc::clone(&metrics),
                    retry,
                ));
                sender
            })
            .collect();
        let queue = Self {
            shards: Mutex::new(shards),
            slots: Arc::new(Semaphore::new(capacity)),
            capacity,
        };
        (Arc::new(queue), tasks)
    }

    /// Queues a validated event whose body holds `bytes` of the server's buffer budget.
    pub fn push(
        &self,
        event_type: &str,
        payload: Value,
        bytes: Option<OwnedSemaphorePermit>,
    ) -> Result<(), Refused> {
        let slot = Arc::clone(&self.slots)
            .try_acquire_owned()
            .map_err(|_| Refused::Full)?;
        let shards = self.shards.lock().unwrap_or_else(|e| e.into_inner());
        if shards.is_empty() {
            return Err(Refused::Closed);
        }
        let shard = shard(&ordering_key(&payload), shards.len());
        let job = Job {
            event_type: event_type.to_owned(),
            payload,
            _held: (slot, bytes),
        };
        shards[shard].send(job).map_err(|_| Refused::Closed)
    }

    /// Events queued or being handled.
    pub fn depth(&self) -> usize {
        self.capacity - self.slots.available_permits()
    }

    /// Events the queue holds at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Accepts no more events; the workers end once they handled those queued.
    pub fn close(&self) {
        self.shards
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// What orders events: the item the event concerns, as the payload names it (pull request,
/// work item, repository, run, resource id), else the event type.
fn ordering_key(payload: &Value) -> String {
    let resource = &payload["resource"];
    [
        "/pullRequestId",
        "/workItemId",
        "/repository/id",
        "/run/id",
        "/id",
    ]
    .iter()
    .filter_map(|pointer| resource.pointer(pointer))
    .find(|value| !value.is_null())
    .map(Value::to_string)
    .unwrap_or_else(|| payload["eventType"].to_string())
}

fn shard(key: &str, shards: usize) -> usize {
    let mut hasher = std::hash::DefaultHasher::new();
    key.hash(&mut hasher);
    (hasher.finish() % shards as u64) as usize
}

/// Handles the events of one shard in order.
async fn work(
    mut jobs: mpsc::UnboundedReceiver<Job>,
    current: Arc<Current>,
    metrics: Arc<Metrics>,
    retry: Retry,
) {
    while let Some(job) = jobs.recv().await {
        let event_type = job.event_type.as_str();
        let live = current.live();
        let result = with_retries(retry, LiveError::is_retryable, |attempt| {
            if attempt > 0 {
                metrics.event(event_type, EventStep::Retried);
            }
            live.handle(&job.payload)
        })
        .await;
        match result {
            Ok(report) if report.rejected.is_empty() && report.invalid.is_empty() => {
                metrics.event(event_type, EventStep::Applied);
            }
            Ok(report) => {
                tracing::error!(
                    event = event_type,
                    rejected = ?report.rejected,
                    invalid = ?report.invalid,
                    "entities of a webhook event were not written: Port rejected them or their spec file is invalid"
                );
                metrics.event(event_type, EventStep::Failed);
            }
            Err(error) => {
                tracing::error!(event = event_type, %error, "handling a webhook event failed");
                metrics.event(event_type, EventStep::Failed);
            }
        }
    }
}

/// Runs `attempt(n)` until it succeeds, fails for good, or used its retries, sleeping with
/// backoff between attempts; each retried failure is logged.
async fn with_retries<T, E: std::fmt::Display, F: Future<Output = Result<T, E>>>(
    retry: Retry,
    transient: impl Fn(&E) -> bool,
    mut attempt: impl FnMut(u32) -> F,
) -> Result<T, E> {
    let mut n = 0;
    loop {
        match attempt(n).await {
            Err(error) if n < retry.retries && transient(&error) => {
                n += 1;
                let delay = retry.delay(n);
                tracing::warn!(%error, retry = n, ?delay, "a webhook event failed; retrying");
                tokio::time::sleep(delay).await;
            }
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RETRY: Retry = Retry {
        retries: 3,
        first_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(3),
    };

    #[test]
    fn delays_double_up_to_the_maximum() {
        let delays: Vec<_> = (1..=4).map(|n| RETRY.delay(n).as_millis()).collect();
        assert_eq!(delays, [1, 2, 3, 3]);
    }

    /// What `with_retries` returns when attempt `n` yields `outcomes[n]` (the last one
    /// repeated), and how many attempts it made.
    async fn attempts(
        outcomes: &[Result<u32, &'static str>],
    ) -> (Result<u32, &'static str>, usize) {
        let mut calls = 0;
        let result = with_retries(
            RETRY,
            |e: &&str| *e == "transient",
            |n| {
                calls += 1;
                let outcome = outcomes[(n as usize).min(outcomes.len() - 1)];
                async move { outcome }
            },
        )
        .await;
        (result, calls)
    }

    #[tokio::test]
    async fn transient_failures_are_retried_until_success_or_the_last_retry() {
        let recovering = [Err("transient"), Err("transient"), Ok(7)];
        assert_eq!(attempts(&recovering).await, (Ok(7), 3));
        assert_eq!(attempts(&[Err("transient")]).await, (Err("transient"), 4));
        assert_eq!(attempts(&[Err("definitive")]).await, (Err("definitive"), 1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_service_retries_after_one_two_and_four_seconds() {
        let started = tokio::time::Instant::now();
        let mut tried_at = Vec::new();
        let result: Result<(), &str> = with_retries(
            crate::listen::RETRY,
            |_| true,
            |_| {
                tried_at.push(started.elapsed().as_secs());
                async { Err("transient") }
            },
        )
        .await;
        assert_eq!(result, Err("transient"));
        assert_eq!(tried_at, [0, 1, 3, 7]);
    }

    #[test]
    fn events_of_one_item_share_a_key() {
        let created = json!({"eventType": "workitem.created", "resource": {"id": 5}});
        let updated =
            json!({"eventType": "workitem.updated", "resource": {"id": 12, "workItemId": 5}});
        assert_eq!(ordering_key(&created), ordering_key(&updated));
        let pr = json!({"resource": {"pullRequestId": 7, "repository": {"id": "r"}}});
        let push = json!({"resource": {"repository": {"id": "r"}}});
        assert_eq!(ordering_key(&pr), "7");
        assert_eq!(ordering_key(&push), "\"r\"");
        let bare = json!({"eventType": "x.y", "resource": {}});
        assert_eq!(ordering_key(&bare), "\"x.y\"");
        assert_eq!(shard("7", 8), shard("7", 8));
    }
}
