//! The routes: `POST /integration/webhook` (or `/webhook`), `GET /healthz`, `/readyz` and
//! `/metrics`.
//!
//! A webhook call is checked (credentials, size, JSON, service-hook envelope) and its event
//! queued before it is answered; nothing else happens before the answer.

use super::metrics::{EventStep, Metrics};
use super::queue::{Queue, Refused};
use super::readiness::PortCheck;
use ado_port_sync::{LiveEvents, WEBHOOK_PATHS, WebhookAuth};
use hyper::body::{Body as _, Incoming};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Largest payload accepted.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Body bytes held at once, across calls being read and events queued.
const BUFFERED_BYTES: usize = 64 * 1024 * 1024;
/// How long a client may take to send a body.
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// When a refused sender should try again (`Retry-After`, seconds).
const RETRY_AFTER_SECONDS: &str = "30";

/// What every request needs.
pub struct App {
    auth: WebhookAuth,
    queue: Arc<Queue>,
    metrics: Arc<Metrics>,
    port: PortCheck,
    buffered: Arc<Semaphore>,
}

/// Why a body was not read.
enum BodyError {
    TooLarge,
    Busy,
    Broken(String),
}

impl App {
    /// Webhook calls must pass `auth`; the server is ready while `port` answers and the last
    /// resync did not fail.
    pub fn new(
        auth: WebhookAuth,
        queue: Arc<Queue>,
        metrics: Arc<Metrics>,
        port: PortCheck,
    ) -> Self {
        Self {
            auth,
            queue,
            metrics,
            port,
            buffered: Arc::new(Semaphore::new(BUFFERED_BYTES)),
        }
    }

    /// Answers one request and counts it.
    pub async fn respond(&self, request: Request<Incoming>) -> Response<String> {
        let get = request.method() == Method::GET;
        let (route, response) = match request.uri().path() {
            path if WEBHOOK_PATHS.contains(&path) => ("webhook", self.webhook(request).await),
            "/healthz" if get => ("healthz", reply(StatusCode::OK, "ok")),
            "/readyz" if get => ("readyz", self.readiness().await),
            "/metrics" if get => ("metrics", self.metrics()),
            "/healthz" | "/readyz" | "/metrics" => {
                ("other", reply(StatusCode::METHOD_NOT_ALLOWED, "use GET"))
            }
            _ => ("other", reply(StatusCode::NOT_FOUND, "not found")),
        };
        self.metrics.request(route, response.status().as_u16());
        response
    }

    async fn readiness(&self) -> Response<String> {
        let reason = match self.metrics.unready_reason() {
            Some(reason) => Some(reason),
            None => self.port.problem().await,
        };
        match reason {
            None => json_reply(StatusCode::OK, json!({"status": "ready"})),
            Some(reason) => json_reply(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"status": "not ready", "reason": reason}),
            ),
        }
    }

    fn metrics(&self) -> Response<String> {
        let text = self
            .metrics
            .render(self.queue.depth(), self.queue.capacity());
        let mut response = Response::new(text);
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        );
        response
    }

    async fn webhook(&self, request: Request<Incoming>) -> Response<String> {
        if request.method() != Method::POST {
            return reply(StatusCode::METHOD_NOT_ALLOWED, "use POST");
        }
        let authorization = request
            .headers()
            .get(AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        if !self.auth.accepts(authorization) {
            tracing::warn!("webhook call rejected: missing or wrong credentials");
            let mut response = reply(StatusCode::UNAUTHORIZED, "unauthorized");
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"ado-port\""),
            );
            return response;
        }
        let read = tokio::time::timeout(BODY_READ_TIMEOUT, self.read_body(request.into_body()));
        let (bytes, held) = match read.await {
            Ok(Ok(body)) => body,
            Ok(Err(BodyError::TooLarge)) => {
                return reply(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &format!("payload too large (at most {MAX_BODY_BYTES} bytes)"),
                );
            }
            Ok(Err(BodyError::Busy)) => return busy("too many payloads being received"),
            Ok(Err(BodyError::Broken(message))) => {
                return reply(StatusCode::BAD_REQUEST, &message);
            }
            Err(_) => return reply(StatusCode::REQUEST_TIMEOUT, "the body came too slowly"),
        };
        // Some senders prefix the JSON with a UTF-8 byte order mark.
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let payload: Value = match serde_json::from_slice(text) {
            Ok(payload) => payload,
            Err(e) => return reply(StatusCode::BAD_REQUEST, &format!("invalid JSON: {e}")),
        };
        drop(bytes);
        let event_type = match LiveEvents::event_type(&payload) {
            Ok(event_type) => event_type,
            Err(error) => {
                return reply(StatusCode::BAD_REQUEST, &format!("invalid event: {error}"));
            }
        };
        match self.queue.push(&event_type, payload, held) {
            Ok(()) => {
                self.metrics.event(&event_type, EventStep::Received);
                reply(StatusCode::ACCEPTED, "accepted")
            }
            Err(Refused::Full) => {
                tracing::warn!(event = event_type, "the event queue is full; call refused");
                busy("the event queue is full")
            }
            Err(Refused::Closed) => busy("the server is stopping"),
        }
    }

    /// Reads the body, at most [`MAX_BODY_BYTES`] (a larger `Content-Length` is refused before
    /// reading), holding its bytes from the server's buffer budget.
    async fn read_body(
        &self,
        mut body: Incoming,
    ) -> Result<(Vec<u8>, Option<OwnedSemaphorePermit>), BodyError> {
        if body.size_hint().lower() > MAX_BODY_BYTES as u64 {
            return Err(BodyError::TooLarge);
        }
        let mut bytes = Vec::new();
        let mut held: Option<OwnedSemaphorePermit> = None;
        while let Some(frame) =
            std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
        {
            let frame =
                frame.map_err(|e| BodyError::Broken(format!("cannot read the body: {e}")))?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            if bytes.len() + data.len() > MAX_BODY_BYTES {
                return Err(BodyError::TooLarge);
            }
            // At most MAX_BODY_BYTES, so it fits.
            let size = u32::try_from(data.len()).map_err(|_| BodyError::TooLarge)?;
            let permit = Arc::clone(&self.buffered)
                .try_acquire_many_owned(size)
                .map_err(|_| BodyError::Busy)?;
            match &mut held {
                Some(held) => held.merge(permit),
                None => held = Some(permit),
            }
            bytes.extend_from_slice(&data);
        }
        Ok((bytes, held))
    }
}

/// Compares without an early exit on the first differing byte.
/// 503 with `Retry-After`, so Azure DevOps delivers the event again later.
fn busy(message: &str) -> Response<String> {
    let mut response = reply(StatusCode::SERVICE_UNAVAILABLE, message);
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
    response
}

fn reply(status: StatusCode, message: &str) -> Response<String> {
    json_reply(status, json!({ "message": message }))
}

fn json_reply(status: StatusCode, body: Value) -> Response<String> {
    let mut response = Response::new(body.to_string());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
