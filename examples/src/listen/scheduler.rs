//! Resyncs while serving: a full one at start, then one every interval and whenever Port asks
//! for one (each reading the mapping again first when it came from Port), and incremental ones in
//! between when configured (the kinds that can list their changes, since the last resync of
//! each resource; cursors held in memory; nothing deleted); never two at once (a resync that
//! overruns its interval skips the ticks it missed). A failure is logged and shown in
//! readiness and metrics; a stop signal cancels the resync in progress.

use super::current::Current;
use super::metrics::Metrics;
use crate::Failure;
use crate::signals::Shutdown;
use crate::sync::{self, KeptCursors, Listing};
use ado_port_sync::{CursorStore, MemoryCursors, PortSink};
use jiff::Timestamp;
use mapping_engine::{Mapping, Options};
use port_client::PortClient;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{Instant, MissedTickBehavior};

/// What a resync needs.
pub struct Schedule {
    /// The mapping, organizations and excluded projects (those of the live events too).
    pub current: Arc<Current>,
    /// Port, reporting the resync state.
    pub sink: PortSink,
    /// Time between full resyncs; `None`: only the one at start.
    pub interval: Option<Duration>,
    /// Time between incremental resyncs; `None`: none.
    pub incremental_interval: Option<Duration>,
}

/// How long asking Port for its resync requests, or for its mapping, may take.
const ASK_TIMEOUT: Duration = Duration::from_secs(5);

/// Port's resync requests (`GET /v1/integration/{id}/resync-request`).
pub struct Requests {
    /// Port.
    pub port: PortClient,
    /// How often Port is asked.
    pub every: Duration,
    /// The mapping in Port when the service uses it, to read again before each full
    /// resync; `None` when the mapping is a file.
    pub mapping: Option<Value>,
}

impl Requests {
    /// When a resync was last asked for; `None` when never or when Port does not say within
    /// [`ASK_TIMEOUT`].
    async fn last(&self) -> Option<Timestamp> {
        match tokio::time::timeout(ASK_TIMEOUT, self.port.resync_requested_at()).await {
            Ok(Ok(at)) => at,
            Ok(Err(error)) => {
                tracing::warn!("cannot read Port's resync requests: {error}");
                None
            }
            Err(_) => {
                tracing::warn!(
                    "Port did not say within {} s whether a resync was asked for",
                    ASK_TIMEOUT.as_secs()
                );
                None
            }
        }
    }

    /// Reads the mapping in Port again and, when it changed, makes it `current`'s.
    async fn reload(&mut self, current: &Current) {
        let Some(used) = &self.mapping else {
            return;
        };
        let config = match tokio::time::timeout(ASK_TIMEOUT, self.port.integration_config()).await {
            Ok(Ok(config)) if config != *used => config,
            Ok(Ok(_)) => return,
            Err(_) => {
                tracing::warn!("Port did not send its mapping in time; keeping the one in use");
                return;
            }
            Ok(Err(error)) => {
                tracing::warn!(
                    "cannot read the mapping in Port again; keeping the one in use: {error}"
                );
                return;
            }
        };
        let plan = Mapping::from_value(&config, Options::default())
            .map_err(|e| e.to_string())
            .and_then(|mapping| {
                current
                    .plan()
                    .with_mapping(mapping)
                    .map_err(|e| e.to_string())
            });
        match plan {
            Ok(plan) => {
                current.replace(plan);
                self.mapping = Some(config);
                eprintln!("the mapping in Port changed: now in use");
            }
            Err(error) => {
                tracing::error!(
                    "the new mapping in Port does not load; keeping the one in use: {error}"
                );
            }
        }
    }
}

/// Runs resyncs until a stop signal arrives: those of `schedule`, and those Port asks for
/// through `requests`.
pub async fn run(
    schedule: Schedule,
    mut requests: Requests,
    metrics: Arc<Metrics>,
    shutdown: &Shutdown,
) {
    let every = |interval: Duration| {
        let mut ticks = tokio::time::interval_at(Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
        ticks
    };
    let mut full = schedule.interval.map(every);
    let mut incremental = schedule.incremental_interval.map(every);
    let mut polls = every(requests.every);
    let cursors: Arc<dyn CursorStore> = Arc::new(MemoryCursors::default());
    let resync = |listing| {
        let kept = KeptCursors {
            store: Arc::clone(&cursors),
            listing,
        };
        resync_once(&schedule, kept, &metrics, shutdown)
    };
    resync(Listing::Full).await;
    // The resync at start answered the requests made before it.
    let mut answered = requests.last().await;
    loop {
        // Between full resyncs, only the kinds that can list their changes.
        let listing = tokio::select! {
            _ = shutdown.requested() => return,
            Some(_) = tick(&mut full) => Listing::Full,
            Some(_) = tick(&mut incremental) => Listing::Changes { changed_kinds_only: true },
            _ = polls.tick() => {
                let asked = requests.last().await;
                if asked.is_none() || asked <= answered {
                    continue;
                }
                answered = asked;
                eprintln!("Port asked for a resync");
                Listing::Full
            }
        };
        if listing == Listing::Full {
            requests.reload(&schedule.current).await;
        }
        resync(listing).await;
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
        schedule.current.plan(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use ado_client::{AdoClient, Credential, Organization};
    use ado_port_sync::{NdjsonSink, SyncPlan};
    use serde_json::json;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn config(kind: &str) -> Value {
        json!({"resources": [{"kind": kind, "selector": {"query": "true"}, "port": {"entity": {"mappings": {
            "identifier": ".id", "blueprint": "\"b\""
        }}}}]})
    }

    /// The current plan of `config`, and requests to a Port answering `in_port` as its
    /// mapping.
    async fn setup(port: &MockServer, in_port: Value) -> (Arc<Current>, Requests) {
        Mock::given(method("POST"))
            .and(path("/v1/auth/access_token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"ok": true, "accessToken": "t", "expiresIn": 3600, "tokenType": "Bearer"}),
            ))
            .mount(port)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1/integration/my-ado"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"ok": true, "integration": {"config": in_port}})),
            )
            .mount(port)
            .await;
        let organization = Organization::parse("https://dev.azure.com/fabrikam").expect("url");
        let ado = AdoClient::builder(organization, Credential::pat("pat"))
            .build()
            .expect("client");
        let mapping = Mapping::from_value(&config("project"), Options::default()).expect("valid");
        let plan = SyncPlan::new(mapping, vec![ado]).expect("plan");
        let sink = Arc::new(NdjsonSink::blocking(std::io::sink()));
        let port_client = port_client::PortClient::builder(port_client::Credentials::new("i", "s"))
            .base_url(port.uri())
            .integration("azure-devops", "0", "my-ado")
            .build()
            .expect("Port client");
        let requests = Requests {
            port: port_client,
            every: Duration::from_secs(60),
            mapping: Some(config("project")),
        };
        (Arc::new(Current::new(plan, sink)), requests)
    }

    fn kind(current: &Current) -> String {
        current.plan().mapping().resources[0].kind.clone()
    }

    #[tokio::test]
    async fn a_changed_mapping_in_port_is_used_from_the_next_resync_on() {
        let port = MockServer::start().await;
        let (current, mut requests) = setup(&port, config("repository")).await;
        requests.reload(&current).await;
        assert_eq!(kind(&current), "repository");
        assert_eq!(
            current.live().mapping().resources[0].kind,
            "repository",
            "live events use it too"
        );
    }

    #[tokio::test]
    async fn a_mapping_in_port_that_does_not_load_is_not_used() {
        let port = MockServer::start().await;
        let (current, mut requests) = setup(&port, config("widget")).await;
        requests.reload(&current).await;
        assert_eq!(kind(&current), "project");
        // A file's mapping is never read from Port.
        let (current, mut requests) = setup(&port, config("repository")).await;
        requests.mapping = None;
        requests.reload(&current).await;
        assert_eq!(kind(&current), "project");
    }
}
