//! The one request path: URL and api-version, authentication, send, classify, retry.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, USER_AGENT};
use serde_json::Value;
use tokio::time::Instant;
use tracing::Instrument as _;
use url::Url;

use crate::client::ClientInner;
use crate::endpoints::Verb;
use crate::error::{ApiErrorBody, Error, Result, TransportCause, is_retryable_status};
use crate::organization::Service;
use crate::profile::Operation;

/// A request for one operation: its path parameters, query and JSON body. Its host, method and
/// path come from the operation's row in the endpoint table.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) operation: Operation,
    /// The service, when the operation's row has each call name it.
    host: Option<Service>,
    /// The values of the path template's parameters, in order.
    params: Vec<String>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Value>,
}

impl Request {
    /// A request for `operation` with the values of its path parameters, in template order
    /// (each percent-encoded as one segment when the URL is built).
    pub(crate) fn new(operation: Operation, params: &[&dyn fmt::Display]) -> Self {
        Self::build(None, operation, params)
    }

    /// [`new`](Self::new) on `service`, for an operation whose row has each call name its host.
    pub(crate) fn on_host(
        service: Service,
        operation: Operation,
        params: &[&dyn fmt::Display],
    ) -> Self {
        Self::build(Some(service), operation, params)
    }

    fn build(host: Option<Service>, operation: Operation, params: &[&dyn fmt::Display]) -> Self {
        let request = Self {
            operation,
            host,
            params: params.iter().map(ToString::to_string).collect(),
            query: Vec::new(),
            body: None,
        };
        debug_assert!(request.target().is_ok(), "{request:?} does not fit its row");
        request
    }

    /// Attaches the JSON body of a POST.
    pub(crate) fn json_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    fn verb(&self) -> Verb {
        self.operation.endpoint().verb
    }

    /// The service and the path segments: the operation's row filled with this request's
    /// host and parameters, or an error when they do not fit it.
    fn target(&self) -> Result<(Service, Vec<&str>)> {
        let endpoint = self.operation.endpoint();
        match (endpoint.service(self.host), endpoint.segments(&self.params)) {
            (Some(service), Some(segments)) => Ok((service, segments)),
            _ => Err(Error::InvalidUrl {
                reason: format!(
                    "{:?} takes `{}` on {:?}, not the parameters {:?} on {:?}",
                    self.operation, endpoint.path, endpoint.host, self.params, self.host
                ),
            }),
        }
    }

    /// Whether a response with `status` is worth sending the request again for: a request
    /// that is not idempotent is sent again only when it was throttled (HTTP 429) and so not
    /// processed.
    fn retries_status(&self, status: StatusCode) -> bool {
        if self.verb().is_idempotent() {
            is_retryable_status(status)
        } else {
            status == StatusCode::TOO_MANY_REQUESTS
        }
    }

    /// Whether a transport failure is worth sending the request again for. A failure that
    /// cannot succeed later (TLS, certificate, name resolution) never is; a connection that
    /// could not be made never reached the server; a timeout, a reset or a broken body may
    /// have, so only an idempotent request is sent again then.
    fn retries_transport(&self, error: &reqwest::Error, cause: &TransportCause) -> bool {
        if cause.is_definitive() || error.is_builder() || error.is_redirect() {
            return false;
        }
        error.is_connect() || self.verb().is_idempotent()
    }

    /// Appends a query parameter.
    pub(crate) fn query(mut self, name: &str, value: impl ToString) -> Self {
        self.query.push((name.to_owned(), value.to_string()));
        self
    }

    /// Appends a query parameter when `value` is set.
    pub(crate) fn query_opt(self, name: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }
}

/// A successful response, its body decoded as JSON.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) headers: HeaderMap,
    /// The JSON body; `null` when the body is empty (or the request a DELETE).
    pub(crate) body: Value,
    pub(crate) endpoint: String,
}

/// What one attempt produced: a response read to its end, or the transport failure.
type Attempt = std::result::Result<(StatusCode, HeaderMap, Vec<u8>), reqwest::Error>;

impl ClientInner {
    fn url(&self, request: &Request, api_version: &str) -> Result<Url> {
        let (service, segments) = request.target()?;
        let mut url = self.organization.service_url(service);
        let base = url.to_string();
        url.path_segments_mut()
            .map_err(|()| Error::InvalidUrl {
                reason: format!("`{base}` cannot carry a path"),
            })?
            .pop_if_empty()
            .extend(segments);
        {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &request.query {
                pairs.append_pair(name, value);
            }
            pairs.append_pair("api-version", api_version);
        }
        Ok(url)
    }

    /// Sends `request` and decodes its JSON body, retrying per the policy: an idempotent
    /// request is sent again when the connection fails, times out or breaks, when the body is
    /// cut short or is not JSON, and on 408, 429, 500, 502, 503 and 504; a creation only on 429
    /// and on connections that were never made.
    pub(crate) async fn send(&self, request: &Request) -> Result<Response> {
        debug_assert_eq!(
            request.body.is_some(),
            request.verb().has_body(),
            "{request:?}: a body goes with a POST"
        );
        let api_version =
            self.profile
                .api_version(request.operation)
                .ok_or(Error::Unsupported {
                    operation: request.operation,
                    profile: self.profile,
                })?;
        let url = self.url(request, api_version)?;
        let endpoint = url.path().to_owned();
        let organization = self.organization.name();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let can_retry = attempt < self.retry.max_attempts();
            let (status, headers, body) = match self.attempt(request, &url, attempt).await? {
                Ok(parts) => parts,
                Err(e) => {
                    let cause = TransportCause::of(&e, url.host_str().unwrap_or_default());
                    if can_retry && request.retries_transport(&e, &cause) {
                        tracing::debug!(%cause, attempt, "retrying after a transport failure");
                        tokio::time::sleep(self.retry.backoff(attempt)).await;
                        continue;
                    }
                    return Err(Error::Transport {
                        organization: organization.to_owned(),
                        endpoint,
                        cause,
                        source: e,
                    });
                }
            };
            if let Some(pause) = self.pacing.pause(status.is_success(), &headers) {
                self.pause_for(pause);
            }
            if status.is_success() {
                match self.decode(request, &body, &endpoint) {
                    Ok(body) => {
                        return Ok(Response {
                            headers,
                            body,
                            endpoint,
                        });
                    }
                    Err(e) if can_retry && request.verb().is_idempotent() && is_broken_body(&e) => {
                        tracing::debug!(error = %e, attempt, "retrying after a broken body");
                        tokio::time::sleep(self.retry.backoff(attempt)).await;
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            if can_retry && request.retries_status(status) {
                tokio::time::sleep(self.retry.delay(attempt, &headers)).await;
                continue;
            }
            return Err(self.status_error(status, &body, endpoint));
        }
    }

    /// Sends `request` once and reads the whole response. The outer error is one no retry
    /// can help (the limiter closed, no credential).
    async fn attempt(&self, request: &Request, url: &Url, attempt: u32) -> Result<Attempt> {
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| Error::Config("the client's request limiter was closed".to_owned()))?;
        self.wait_for_pacing().await;
        let authorization = self
            .credential
            .authorization(self.organization.name())
            .await?;
        self.tally.sent(url.host_str().unwrap_or_default(), attempt);
        let span = tracing::debug_span!(
            "ado_request",
            http.method = %request.verb().method(),
            url = %url,
            attempt,
            http.status = tracing::field::Empty,
        );
        let exchange = async {
            let mut builder = self
                .http
                .request(request.verb().method(), url.clone())
                .timeout(self.request_timeout);
            if let Some(body) = &request.body {
                builder = builder.json(body);
            }
            let response = builder
                .header(AUTHORIZATION, authorization)
                .header(ACCEPT, "application/json")
                .header(USER_AGENT, self.user_agent.clone())
                .send()
                .await
                .map_err(reqwest::Error::without_url)?;
            let status = response.status();
            tracing::Span::current().record("http.status", status.as_u16());
            let headers = response.headers().clone();
            let body = response
                .bytes()
                .await
                .map_err(reqwest::Error::without_url)?
                .to_vec();
            tracing::debug!(bytes = body.len(), "response");
            Ok((status, headers, body))
        };
        let outcome = exchange.instrument(span).await;
        if let Err(e) = &outcome {
            tracing::debug!(error = %e, "request failed");
        }
        Ok(outcome)
    }

    /// Decodes a successful response's body as JSON, reporting the JSON path of a failure.
    fn decode(&self, request: &Request, body: &[u8], endpoint: &str) -> Result<Value> {
        if request.verb() == Verb::Delete || body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        let deserializer = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(deserializer).map_err(|e| Error::Decode {
            organization: self.organization.name().to_owned(),
            endpoint: endpoint.to_owned(),
            path: e.path().to_string(),
            source: e.into_inner(),
        })
    }

    fn status_error(&self, status: StatusCode, body: &[u8], endpoint: String) -> Error {
        let organization = self.organization.name().to_owned();
        let body = ApiErrorBody::parse(body);
        if status == StatusCode::UNAUTHORIZED {
            return Error::Unauthorized {
                organization,
                endpoint,
                kind: self.credential.kind(),
                body,
            };
        }
        Error::Api {
            organization,
            endpoint,
            status,
            body,
        }
    }

    fn pause_for(&self, pause: Duration) {
        let until = Instant::now() + pause;
        if let Ok(mut paused) = self.paused_until.lock()
            && paused.is_none_or(|current| current < until)
        {
            *paused = Some(until);
        }
        tracing::debug!(
            organization = self.organization.name(),
            pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
            "pacing requests"
        );
    }

    async fn wait_for_pacing(&self) {
        let until = self.paused_until.lock().ok().and_then(|paused| *paused);
        if let Some(until) = until.filter(|until| *until > Instant::now()) {
            tokio::time::sleep_until(until).await;
        }
    }
}

/// Whether a decode failure means the body was cut short or mangled on the way (worth
/// reading again), not that valid JSON had an unexpected shape.
fn is_broken_body(error: &Error) -> bool {
    matches!(error, Error::Decode { source, .. } if !source.is_data())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AdoClient, Credential, Organization};

    fn inner(url: &str) -> std::sync::Arc<ClientInner> {
        let org = Organization::parse(url).expect("valid");
        AdoClient::builder(org, Credential::pat("x"))
            .build()
            .expect("client")
            .inner
    }

    #[test]
    fn builds_urls_with_encoded_segments_and_api_version() {
        let client = inner("https://dev.azure.com/fabrikam");
        let request = Request::new(Operation::ListRepositories, &[&"My Project"]).query("$top", 10);
        let url = client.url(&request, "7.1").expect("url");
        assert_eq!(
            url.as_str(),
            "https://dev.azure.com/fabrikam/My%20Project/_apis/git/repositories?%24top=10&api-version=7.1"
        );

        let client = inner("https://fabrikam.visualstudio.com");
        let request = Request::new(Operation::ListReleases, &[&"p"]);
        let url = client.url(&request, "7.1").expect("url");
        assert_eq!(
            url.as_str(),
            "https://fabrikam.vsrm.visualstudio.com/p/_apis/release/releases?api-version=7.1"
        );

        let request = Request::on_host(Service::Release, Operation::DeleteHookSubscription, &[&7]);
        let url = client.url(&request, "7.1").expect("url");
        assert_eq!(
            url.as_str(),
            "https://fabrikam.vsrm.visualstudio.com/_apis/hooks/subscriptions/7?api-version=7.1"
        );
    }

    #[test]
    fn a_request_that_does_not_fit_its_row_has_no_url() {
        let client = inner("https://dev.azure.com/fabrikam");
        let wrong = [
            (None, Operation::GetBuildTimeline, vec!["p".to_owned()]),
            (None, Operation::ListProjects, vec!["p".to_owned()]),
            (Some(Service::Core), Operation::ListProjects, Vec::new()),
            (None, Operation::ListHookSubscriptions, Vec::new()),
        ];
        for (host, operation, params) in wrong {
            let request = Request {
                operation,
                host,
                params,
                query: Vec::new(),
                body: None,
            };
            let error = client.url(&request, "7.1").expect_err("no URL");
            assert!(matches!(error, Error::InvalidUrl { .. }), "{error}");
        }
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "does not fit its row")]
    fn building_a_request_with_missing_parameters_fails_in_debug_builds() {
        let _ = Request::new(Operation::GetBuildTimeline, &[&"project"]);
    }
}
