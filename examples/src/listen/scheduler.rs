//! Full resyncs while serving: one at start, then one every interval, never two at once (a
//! resync that overruns its interval skips the ticks it missed). A failure is logged and
//! shown in readiness and metrics; a stop signal cancels the resync in progress.

use super::metrics::Metrics;
use crate::Failure;
use crate::signals::Shutdown;
use crate::sync;
use ado_client::AdoClient;
use ado_port_sync::PortSink;
use mapping_engine::{Mapping, Options};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{Instant, MissedTickBehavior};

/// What a resync needs.
pub struct Schedule {
    /// The mapping, uncompiled (each resync compiles its own).
    pub config: Value,
    /// The organizations.
    pub organizations: Vec<AdoClient>,
    /// `excludedTags`.
    pub excluded_tags: Vec<String>,
    /// Port, reporting the resync state.
    pub sink: PortSink,
    /// Time between resyncs; `None`: only the one at start.
    pub interval: Option<Duration>,
}

/// Runs resyncs until the schedule ends or a stop signal arrives.
pub async fn run(schedule: Schedule, metrics: Arc<Metrics>, shutdown: &Shutdown) {
    let mut ticks = schedule.interval.map(|interval| {
        let mut ticks = tokio::time::interval_at(Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
        ticks
    });
    loop {
        resync_once(&schedule, &metrics, shutdown).await;
        let Some(ticks) = &mut ticks else {
            return;
        };
        tokio::select! {
            _ = shutdown.requested() => return,
            _ = ticks.tick() => {}
        }
    }
}

async fn resync_once(schedule: &Schedule, metrics: &Metrics, shutdown: &Shutdown) {
    if shutdown.received().is_some() {
        return;
    }
    metrics.resync_started();
    let started = std::time::Instant::now();
    let report = match Mapping::from_value(&schedule.config, Options::default()) {
        Ok(mapping) => sync::resync(
            mapping,
            schedule.organizations.clone(),
            schedule.excluded_tags.clone(),
            &schedule.sink,
            shutdown,
        )
        .await
        .map_err(|failure| match failure {
            Failure::Message(message) => message,
            Failure::Interrupted(signal) => format!("stopped by {}", signal.name()),
        }),
        Err(error) => Err(format!("the mapping does not compile: {error}")),
    };
    let elapsed = started.elapsed();
    match &report {
        Ok(report) => {
            eprint!("{}", sync::summary(report));
            match report.failure() {
                Some(failure) => tracing::error!("resync: {failure}"),
                None => eprintln!("resync completed in {:.1}s", elapsed.as_secs_f64()),
            }
        }
        Err(failure) => tracing::error!("resync: {failure}"),
    }
    metrics.resync_finished(report.as_ref().map_err(Clone::clone), elapsed);
}
