//! `ado-port listen`: the live events (service hooks) server.
//!
//! `POST /integration/webhook` (or `/webhook`) takes an Azure DevOps service-hook payload and
//! upserts or deletes the entities it concerns in Port. With `WEBHOOK_SECRET` set, a call must
//! carry `Authorization: Basic` whose password is the secret (any user name).
//!
//! With `APP_HOST` set, starting creates the service hook subscriptions that deliver the
//! handled events to `{APP_HOST}/integration/webhook` in every organization, keeping those
//! already in place (see [`ado_port_sync::ensure_subscriptions`]).

use crate::Failure;
use crate::mapping_source;
use crate::signals::{Shutdown, Signal};
use ado_client::AdoClient;
use ado_port_sync::{
    LiveError, LiveEvents, PortSink, Secret, Settings, WebhookTarget, ensure_subscriptions,
};
use base64::Engine as _;
use hyper::body::{Body as _, Incoming};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Largest payload accepted.
const MAX_BODY_BYTES: u64 = 4 * 1024 * 1024;
/// How long calls in progress may take to finish after a stop signal.
const DRAIN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

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
}

/// What every request needs.
struct Server {
    live: LiveEvents,
    secret: Option<Secret>,
}

pub async fn run(args: &ListenArgs, shutdown: &Shutdown) -> Result<(), Failure> {
    let settings = Settings::load(args.config.as_deref(), |k| std::env::var(k).ok())?;
    let organizations = settings.organizations()?;
    let sink = PortSink::new(settings.require_port_client()?).report_resync_state(false);
    let (config, origin) = shutdown
        .interruptible(mapping_source::mapping_config(
            args.mapping.as_deref(),
            &settings,
        ))
        .await?;
    let live = LiveEvents::new(
        &config,
        mapping_engine::Options::default(),
        organizations.clone(),
        Arc::new(sink),
    )
    .map_err(|e| Failure::Message(format!("{origin}: {e}")))?
    .excluded_tags(settings.integration.config.excluded_tags.clone());
    let server = Arc::new(Server {
        live,
        secret: settings.integration.config.webhook_secret.clone(),
    });
    if server.secret.is_none() {
        tracing::warn!("no WEBHOOK_SECRET: webhook calls are not authenticated");
    }
    let listener = TcpListener::bind(args.bind)
        .await
        .map_err(|e| Failure::Message(format!("cannot listen on {}: {e}", args.bind)))?;
    let address = listener.local_addr()?;
    eprintln!("listening on http://{address}");
    let config = &settings.integration.config;
    if let Some(app_host) = &config.app_host {
        let mut target = WebhookTarget::new(app_host);
        if let Some(secret) = &server.secret {
            target = target.basic_auth_password(secret.expose());
        }
        tokio::spawn(subscribe(organizations, target));
    }
    let signal = serve(listener, server, shutdown).await;
    Err(Failure::Interrupted(signal))
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

/// Accepts connections until SIGINT or SIGTERM, then stops accepting and lets the calls in
/// progress finish within [`DRAIN_DEADLINE`]; returns the signal.
async fn serve(listener: TcpListener, server: Arc<Server>, shutdown: &Shutdown) -> Signal {
    let mut connections = tokio::task::JoinSet::new();
    let signal = loop {
        let (stream, peer) = tokio::select! {
            signal = shutdown.requested() => break signal,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    continue;
                }
            },
        };
        let server = Arc::clone(&server);
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let service = service_fn(move |request| {
                let server = Arc::clone(&server);
                async move { Ok::<_, std::convert::Infallible>(server.respond(request).await) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = shutdown.requested() => {
                    // Finish the call in progress, then close instead of keeping alive.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    };
    drop(listener);
    eprintln!("{}: finishing the calls in progress", signal.name());
    let drained = tokio::time::timeout(DRAIN_DEADLINE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            "calls still in progress after {}s were abandoned",
            DRAIN_DEADLINE.as_secs()
        );
    }
    signal
}

impl Server {
    async fn respond(&self, request: Request<Incoming>) -> Response<String> {
        let path = request.uri().path();
        if path != "/integration/webhook" && path != "/webhook" {
            return reply(StatusCode::NOT_FOUND, "not found");
        }
        if request.method() != Method::POST {
            return reply(StatusCode::METHOD_NOT_ALLOWED, "use POST");
        }
        if !self.authorized(request.headers().get(AUTHORIZATION)) {
            tracing::warn!("webhook call rejected: missing or wrong credentials");
            return reply(StatusCode::UNAUTHORIZED, "unauthorized");
        }
        let payload = match read_json(request.into_body()).await {
            Ok(payload) => payload,
            Err(message) => return reply(StatusCode::BAD_REQUEST, &message),
        };
        match self.live.handle(&payload).await {
            Ok(report) => {
                let body = serde_json::to_string(&report).unwrap_or_else(|_| "{}".into());
                json_reply(StatusCode::OK, body)
            }
            Err(LiveError::Envelope(message)) => reply(
                StatusCode::BAD_REQUEST,
                &format!("invalid event: {message}"),
            ),
            Err(error) => {
                tracing::error!(%error, "handling a webhook event failed");
                reply(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string())
            }
        }
    }

    /// No secret: every call. A secret: `Basic` credentials whose password is the secret.
    fn authorized(&self, header: Option<&HeaderValue>) -> bool {
        let Some(secret) = &self.secret else {
            return true;
        };
        let password = header
            .and_then(|h| h.to_str().ok())
            .and_then(|h| {
                let (scheme, encoded) = h.trim().split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("basic")
                    .then_some(encoded.trim())
            })
            .and_then(|encoded| {
                base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .ok()
            })
            .and_then(|decoded| String::from_utf8(decoded).ok())
            .and_then(|pair| pair.split_once(':').map(|(_, p)| p.to_owned()));
        password.is_some_and(|p| constant_time_eq(p.as_bytes(), secret.expose().as_bytes()))
    }
}

/// Compares without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads the body (at most [`MAX_BODY_BYTES`]) as JSON.
async fn read_json(mut body: Incoming) -> Result<serde_json::Value, String> {
    if body.size_hint().lower() > MAX_BODY_BYTES {
        return Err("payload too large".into());
    }
    let mut bytes = Vec::new();
    while let Some(frame) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        let frame = frame.map_err(|e| format!("cannot read the body: {e}"))?;
        if let Ok(data) = frame.into_data() {
            bytes.extend_from_slice(&data);
            if bytes.len() as u64 > MAX_BODY_BYTES {
                return Err("payload too large".into());
            }
        }
    }
    // Some senders prefix the JSON with a UTF-8 byte order mark.
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    serde_json::from_slice(text).map_err(|e| format!("invalid JSON: {e}"))
}

fn reply(status: StatusCode, message: &str) -> Response<String> {
    json_reply(
        status,
        serde_json::json!({ "message": message }).to_string(),
    )
}

fn json_reply(status: StatusCode, body: String) -> Response<String> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
