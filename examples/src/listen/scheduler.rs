//! Resyncs while serving: a full one at start, then one every interval, and incremental ones
//! in between when configured (the kinds that can list their changes, since the last resync
//! of each resource; cursors held in memory; nothing deleted); never two at once (a resync that overruns its interval skips
//! the ticks it missed). A failure is logged and shown in readiness and metrics; a stop
//! signal cancels the resync in progress.

use super::metrics::Metrics;
use crate::Failure;
use crate::signals::Shutdown;
use crate::sync::{self, KeptCursors, Listing};
use ado_port_sync::{CursorStore, MemoryCursors, PortSink, SyncPlan};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{Instant, MissedTickBehavior};

/// What a resync needs.
pub struct Schedule {
    /// The mapping, organizations and excluded projects (those of the live events too).
    pub plan: SyncPlan,
    /// Port, reporting the resync state.
    pub sink: PortSink,
    /// Time between full resyncs; `None`: only the one at start.
    pub interval: Option<Duration>,
    /// Time between incremental resyncs; `None`: none.
    pub incremental_interval: Option<Duration>,
}

/// Runs resyncs until the schedule ends or a stop signal arrives.
pub async fn run(schedule: Schedule, metrics: Arc<Metrics>, shutdown: &Shutdown) {
    let every = |interval: Duration| {
        let mut ticks = tokio::time::interval_at(Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
        ticks
    };
    let mut full = schedule.interval.map(every);
    let mut incremental = schedule.incremental_interval.map(every);
    let cursors: Arc<dyn CursorStore> = Arc::new(MemoryCursors::default());
    let mut listing = Listing::Full;
    loop {
        let kept = KeptCursors {
            store: Arc::clone(&cursors),
            listing,
        };
        resync_once(&schedule, kept, &metrics, shutdown).await;
        if full.is_none() && incremental.is_none() {
            return;
        }
        // Between full resyncs, only the kinds that can list their changes.
        listing = tokio::select! {
            _ = shutdown.requested() => return,
            Some(_) = tick(&mut full) => Listing::Full,
            Some(_) = tick(&mut incremental) => Listing::Changes { changed_kinds_only: true },
        };
    }
}

/// The next tick of `ticks`; never, without ticks.
async fn tick(ticks: &mut Option<tokio::time::Interval>) -> Option<Instant> {
    match ticks {
        Some(ticks) => Some(ticks.tick().await),
        None => std::future::pending().await,
    }
}

async fn resync_once(
    schedule: &Schedule,
    cursors: KeptCursors,
    metrics: &Metrics,
    shutdown: &Shutdown,
) {
    if shutdown.received().is_some() {
        return;
    }
    let what = match cursors.listing {
        Listing::Changes { .. } => "incremental resync",
        Listing::Full => "resync",
    };
    metrics.resync_started();
    let started = std::time::Instant::now();
    let report = sync::resync(
        schedule.plan.clone(),
        Some(cursors),
        &schedule.sink,
        shutdown,
    )
    .await
    .map_err(|failure| match failure {
        Failure::Message(message) => message,
        Failure::Interrupted(signal) => format!("stopped by {}", signal.name()),
    });
    let elapsed = started.elapsed();
    match &report {
        Ok(report) => {
            eprint!("{}", sync::summary(report));
            match report.failure() {
                Some(failure) => tracing::error!("{what}: {failure}"),
                None => eprintln!("{what} completed in {:.1}s", elapsed.as_secs_f64()),
            }
        }
        Err(failure) => tracing::error!("{what}: {failure}"),
    }
    metrics.resync_finished(report.as_ref().map_err(Clone::clone), elapsed);
}
