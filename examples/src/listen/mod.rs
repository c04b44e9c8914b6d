//! `ado-port listen`: the live events (service hooks) server, with scheduled resyncs.
//!
//! `POST /integration/webhook` (or `/webhook`) takes an Azure DevOps service-hook payload:
//! checked (Basic password = `WEBHOOK_SECRET`, size, JSON, envelope), queued and answered at
//! once; workers then upsert or delete the entities it concerns in Port (see [`queue`]).
//! A full resync runs at start and every `OCEAN__SCHEDULED_RESYNC_INTERVAL` minutes, and an
//! incremental one every `OCEAN__INCREMENTAL_RESYNC_INTERVAL` minutes in between (see
//! [`scheduler`]); `GET /healthz`, `/readyz` and `/metrics` report on all of it.
//!
//! With `APP_HOST` set, starting creates the service hook subscriptions that deliver the
//! handled events to `{APP_HOST}/integration/webhook` in every organization, keeping those
//! already in place (see [`ado_port_sync::ensure_subscriptions`]).

mod current;
mod metrics;
mod queue;
mod readiness;
mod routes;
mod scheduler;
mod server;

use crate::Failure;
use crate::mapping_source;
use crate::signals::Shutdown;
use ado_client::AdoClient;
use ado_port_sync::{
    PortSink, Settings, SyncPlan, WebhookAuth, WebhookTarget, ensure_subscriptions,
};
use current::Current;
use mapping_engine::Mapping;
use metrics::{Metrics, Upstream};
use queue::{Queue, Retry};
use routes::App;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Events the queue holds at most; further calls get 503 with `Retry-After`.
const QUEUE_CAPACITY: usize = 1000;
/// Workers handling events; events of one item always go to the same one.
const WORKERS: usize = 8;
/// Retries of an event failing transiently: 1 s, 2 s, 4 s.
const RETRY: Retry = Retry {
    retries: 3,
    first_delay: Duration::from_secs(1),
    max_delay: Duration::from_secs(30),
};
/// How often Port is asked whether a resync was requested, unless
/// `OCEAN__EVENT_LISTENER__INTERVAL` says.
const RESYNC_REQUESTS_EVERY: Duration = Duration::from_secs(60);
/// How long stopping may take: open calls, queued events and the resync in progress.
const DRAIN_DEADLINE: Duration = Duration::from_secs(15);

/// Arguments of `ado-port listen`.
#[derive(clap::Args)]
pub struct ListenArgs {
    /// Settings file (YAML); environment variables override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The mapping (YAML); default: the settings file's, else the integration's in Port.
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0:8000")]
    bind: SocketAddr,
    /// Accept webhook calls without credentials when no WEBHOOK_SECRET is set (anyone who
    /// reaches the port can then make the integration read and write the catalog).
    #[arg(long)]
    insecure_no_webhook_secret: bool,
}

pub async fn run(args: &ListenArgs, shutdown: &Shutdown) -> Result<(), Failure> {
    let settings = Settings::load(args.config.as_deref(), |k| std::env::var(k).ok())?;
    let secret = settings.integration.config.webhook_secret.clone();
    if secret.is_none() {
        if !args.insecure_no_webhook_secret {
            return Err(Failure::Message(
                "no webhook secret: set OCEAN__INTEGRATION__CONFIG__WEBHOOK_SECRET (the Basic password service hooks send), or pass --insecure-no-webhook-secret to accept unauthenticated calls".into(),
            ));
        }
        tracing::warn!("no WEBHOOK_SECRET: webhook calls are not authenticated");
    }
    let organizations = settings.organizations()?;
    let port = settings.require_port_client()?;
    let (config, origin) = shutdown
        .interruptible(mapping_source::mapping_config_checking_port(
            args.mapping.as_deref(),
            &settings,
            &port,
        ))
        .await?;
    // A mapping in Port is read again when Port asks for a resync; a file is not.
    let from_port = args.mapping.is_none() && settings.mapping.is_none();
    let mapping = Mapping::from_value(&config, mapping_engine::Options::default())
        .map_err(|e| Failure::Message(format!("{origin}: {e}")))?;
    let plan = SyncPlan::new(mapping, organizations.clone())
        .map_err(|e| Failure::Message(format!("{origin}: {e}")))?
        .excluded_tags(settings.integration.config.excluded_tags.clone());
    let current = Arc::new(Current::new(
        plan,
        Arc::new(PortSink::new(port.clone()).report_resync_state(false)),
    ));
    let listener = TcpListener::bind(args.bind)
        .await
        .map_err(|e| Failure::Message(format!("cannot listen on {}: {e}", args.bind)))?;
    let address = listener.local_addr()?;

    let metrics = Arc::new(Metrics::default());
    metrics.count_upstream(Upstream {
        ado: organizations.clone(),
        port: port.clone(),
    });
    let (queue, workers) = Queue::start(
        Arc::clone(&current),
        Arc::clone(&metrics),
        WORKERS,
        QUEUE_CAPACITY,
        RETRY,
    );
    let schedule = scheduler::Schedule {
        current,
        sink: PortSink::new(port.clone()),
        interval: settings.scheduled_resync_interval,
        incremental_interval: settings.incremental_resync_interval,
    };
    let requests = scheduler::Requests {
        port: port.clone(),
        every: settings
            .event_listener_interval
            .unwrap_or(RESYNC_REQUESTS_EVERY),
        mapping: from_port.then_some(config),
    };
    eprintln!("listening on http://{address}");
    if let Some(app_host) = &settings.integration.config.app_host {
        let config = &settings.integration.config;
        let mut target = WebhookTarget::new(app_host);
        if config.is_projects_limited.unwrap_or(true) {
            target = target.limited_to_projects(config.excluded_tags.clone());
        }
        if let Some(secret) = &secret {
            target = target.basic_auth_password(secret.expose());
        }
        tokio::spawn(subscribe(organizations, target));
    }
    let auth = match secret {
        Some(secret) => WebhookAuth::secret(secret),
        None => WebhookAuth::insecure_accept_all(),
    };
    let app = Arc::new(App::new(
        auth,
        Arc::clone(&queue),
        Arc::clone(&metrics),
        readiness::PortCheck::new(port.clone()),
    ));
    let serving = async {
        let (signal, stopped) = server::serve(listener, app, shutdown, DRAIN_DEADLINE).await;
        drain(&queue, workers, stopped + DRAIN_DEADLINE).await;
        signal
    };
    // The resync in progress is cancelled by the signal; it then reports its state.
    let resyncs = async {
        tokio::select! {
            () = scheduler::run(schedule, requests, metrics, shutdown) => {}
            () = async {
                shutdown.requested().await;
                tokio::time::sleep(DRAIN_DEADLINE).await;
            } => tracing::error!("the resync did not stop within {}s", DRAIN_DEADLINE.as_secs()),
        }
    };
    let (signal, ()) = tokio::join!(serving, resyncs);
    Err(Failure::Interrupted(signal))
}

/// Closes the queue and lets the workers handle the events it holds until `deadline`.
async fn drain(queue: &Queue, mut workers: JoinSet<()>, deadline: Instant) {
    queue.close();
    let pending = queue.depth();
    if pending > 0 {
        eprintln!("handling the {pending} queued events");
    }
    if !join_until(&mut workers, deadline).await {
        tracing::error!(
            "{} queued events abandoned after {}s",
            queue.depth(),
            DRAIN_DEADLINE.as_secs()
        );
    }
}

/// Waits for every task of `tasks` until `deadline`; returns whether they all ended.
async fn join_until(tasks: &mut JoinSet<()>, deadline: Instant) -> bool {
    let all = async { while tasks.join_next().await.is_some() {} };
    tokio::time::timeout_at(deadline, all).await.is_ok()
}

/// Creates the missing service hook subscriptions of every organization, concurrently, and
/// reports each organization on one line. A failure is a warning: the server keeps serving.
async fn subscribe(organizations: Vec<AdoClient>, target: WebhookTarget) {
    let target = &target;
    let setups = organizations.iter().map(|client| async move {
        let name = client.organization().name();
        match ensure_subscriptions(client, target).await {
            Ok(report) => eprintln!(
                "service hooks of {name}: {} created, {} kept, {} disabled deleted",
                report.created, report.kept, report.deleted
            ),
            Err(error) if error.is_authentication() => tracing::warn!(
                "service hooks of {name} not set up: Azure DevOps refused the credential: {error}"
            ),
            Err(error) => tracing::warn!("service hooks of {name} not set up: {error}"),
        }
    });
    futures::future::join_all(setups).await;
}
