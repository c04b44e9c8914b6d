//! Sending one API call: URL building, auth header, concurrency bound, pacing and retries.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use tokio::time::{Instant, sleep_until};
use url::Url;

use crate::auth::TokenCache;
use crate::error::{ApiError, Error, Result, Unreachable};
use crate::network::Failure;
use crate::retry::{RetryPolicy, is_retryable_status};

/// One API call, ready to be sent (and re-sent on retry).
///
/// Deliberately not `Debug`: the token request's body holds the client secret.
pub(crate) struct ApiRequest {
    method: Method,
    url: Url,
    body: Option<Vec<u8>>,
    retryable: bool,
    /// Overrides the client's default User-Agent (which datasource writes).
    user_agent: Option<HeaderValue>,
}

impl ApiRequest {
    /// Appends a query parameter.
    pub(crate) fn query(mut self, name: &str, value: impl AsRef<str>) -> Self {
        self.url.query_pairs_mut().append_pair(name, value.as_ref());
        self
    }

    /// Sets a JSON body.
    pub(crate) fn json(self, body: &impl Serialize) -> Result<Self> {
        Ok(self.body(serde_json::to_vec(body).map_err(Error::Encode)?))
    }

    /// Sets an already serialized JSON body.
    pub(crate) fn body(mut self, body: Vec<u8>) -> Self {
        self.body = Some(body);
        self
    }

    /// Marks the call as safe to repeat (overrides the default: GET, PUT and DELETE only).
    pub(crate) fn retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    /// Sends the call with this User-Agent.
    pub(crate) fn user_agent(mut self, value: HeaderValue) -> Self {
        self.user_agent = Some(value);
        self
    }

    /// The User-Agent set with [`user_agent`](Self::user_agent).
    #[cfg(test)]
    pub(crate) fn user_agent_header(&self) -> Option<&HeaderValue> {
        self.user_agent.as_ref()
    }
}

/// A successful response (not `Debug`: the token response's body holds the token).
pub(crate) struct ApiResponse {
    pub(crate) status: StatusCode,
    pub(crate) body: Vec<u8>,
}

impl ApiResponse {
    /// Decodes the body; `what` names the operation in the error.
    pub(crate) fn json<T: DeserializeOwned>(&self, what: &'static str) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(Error::decode(what))
    }
}

/// The HTTP side of the client, shared by all clones.
pub(crate) struct Transport {
    http: reqwest::Client,
    base_url: Url,
    retry: RetryPolicy,
    in_flight: Semaphore,
    paused_until: Mutex<Option<Instant>>,
    requests: AtomicU64,
    retries: AtomicU64,
}

/// The requests a client (and its clones) sent to Port so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestCounts {
    /// Requests sent, each attempt counted (token requests included).
    pub requests: u64,
    /// Of those, attempts after the first of a call: retries.
    pub retries: u64,
}

impl Transport {
    pub(crate) fn new(
        http: reqwest::Client,
        base_url: Url,
        retry: RetryPolicy,
        max_in_flight: usize,
    ) -> Result<Self> {
        if base_url.cannot_be_a_base() || !matches!(base_url.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "base URL must be an http(s) URL, got {base_url}"
            )));
        }
        Ok(Self {
            http,
            base_url,
            retry,
            in_flight: Semaphore::new(max_in_flight.max(1)),
            paused_until: Mutex::new(None),
            requests: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        })
    }

    /// The requests sent so far.
    pub(crate) fn request_counts(&self) -> RequestCounts {
        RequestCounts {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
        }
    }

    /// The base URL requests are sent to.
    pub(crate) fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// A request to `{base}/v1/{segments...}`; each segment is percent-encoded.
    pub(crate) fn request(&self, method: Method, segments: &[&str]) -> Result<ApiRequest> {
        let mut url = self.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| Error::Config(format!("base URL {} cannot take a path", self.base_url)))?
            .pop_if_empty()
            .push("v1")
            .extend(segments);
        let retryable = matches!(method, Method::GET | Method::PUT | Method::DELETE);
        Ok(ApiRequest {
            method,
            url,
            body: None,
            retryable,
            user_agent: None,
        })
    }

    /// Sends a request with retries and decodes its successful answer with `decode`; any
    /// non-2xx final answer becomes [`Error::Api`].
    ///
    /// A retryable request is sent again on transport failures, retryable statuses and
    /// answers that `decode` cannot read ([`Error::Decode`]: a body cut short); any request is
    /// sent again when the connection was refused. With `auth`,
    /// the request carries a bearer token; a 401 drops the token and the request is sent once
    /// more with a fresh one.
    pub(crate) async fn execute<T>(
        &self,
        request: &ApiRequest,
        auth: Option<&TokenCache>,
        decode: impl Fn(&ApiResponse) -> Result<T>,
    ) -> Result<T> {
        let method = &request.method;
        let path = request.url.path();
        let mut retries = 0;
        let mut refreshed = false;
        loop {
            let authorization = match auth {
                Some(tokens) => Some(tokens.authorization(self).await?),
                None => None,
            };
            let budget_left = retries + 1 < self.retry.max_attempts();
            let can_retry = request.retryable && budget_left;
            self.requests.fetch_add(1, Ordering::Relaxed);
            if retries > 0 {
                self.retries.fetch_add(1, Ordering::Relaxed);
            }
            let delay = match self.send_once(request, authorization.clone()).await {
                Err(err) => {
                    let failure = Failure::of(&err);
                    // A refused connection never reached Port: any request may be sent again.
                    let may_resend = match failure {
                        Failure::Refused => budget_left,
                        Failure::Transient(_) => can_retry && !err.is_builder(),
                        Failure::Definitive(_) => false,
                    };
                    if !may_resend {
                        return Err(self.transport_error(request, failure, err));
                    }
                    tracing::debug!(%method, path, retries, ?failure, "retrying after a transport failure");
                    self.retry.backoff(retries + 1)
                }
                Ok((status, _, body)) if status.is_success() => {
                    tracing::debug!(%method, path, retries, status = status.as_u16(), "Port response");
                    match decode(&ApiResponse { status, body }) {
                        Err(err @ Error::Decode { .. }) if can_retry => {
                            tracing::debug!(%method, path, retries, error = %err, "retrying an unreadable response");
                            self.retry.backoff(retries + 1)
                        }
                        decoded => return decoded,
                    }
                }
                Ok((status, headers, body)) => {
                    tracing::debug!(%method, path, retries, status = status.as_u16(), "Port response");
                    if status == StatusCode::UNAUTHORIZED
                        && !refreshed
                        && let (Some(tokens), Some(rejected)) = (auth, authorization.as_ref())
                    {
                        tokens.invalidate(rejected).await;
                        refreshed = true;
                        continue;
                    }
                    if !(can_retry && is_retryable_status(status.as_u16())) {
                        let trace_id = headers
                            .get("x-trace-id")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned);
                        return Err(Error::Api(Box::new(ApiError::from_body(
                            status.as_u16(),
                            &body,
                            trace_id,
                        ))));
                    }
                    self.retry.delay_after(&headers, retries + 1)
                }
            };
            retries += 1;
            tokio::time::sleep(delay).await;
        }
    }

    /// The error for a transport failure that is final: Port unreachable, or the failure
    /// itself with the request's URL.
    fn transport_error(
        &self,
        request: &ApiRequest,
        failure: Failure,
        err: reqwest::Error,
    ) -> Error {
        let cause = match failure {
            Failure::Definitive(cause) => cause,
            Failure::Refused => Unreachable::ConnectionRefused,
            Failure::Transient(reason) => {
                return Error::Http {
                    url: shown_url(&request.url),
                    reason,
                    source: err.without_url(),
                };
            }
        };
        Error::Unreachable {
            url: shown_url(&self.base_url),
            cause,
        }
    }

    /// One attempt: waits out any rate-limit pause, holds an in-flight permit while sending and
    /// reading the body, and records the next pause from the response headers.
    async fn send_once(
        &self,
        request: &ApiRequest,
        authorization: Option<HeaderValue>,
    ) -> reqwest::Result<(StatusCode, HeaderMap, Vec<u8>)> {
        self.wait_for_pause().await;
        let _permit = self.in_flight.acquire().await.ok();
        let mut builder = self
            .http
            .request(request.method.clone(), request.url.clone());
        if let Some(value) = authorization {
            builder = builder.header(reqwest::header::AUTHORIZATION, value);
        }
        if let Some(value) = &request.user_agent {
            builder = builder.header(reqwest::header::USER_AGENT, value.clone());
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let response = builder.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?.into();
        if let Some(pause) = self.retry.pause_for(&headers) {
            tracing::debug!(?pause, "rate limit nearly reached, pausing requests");
            let until = Instant::now() + pause;
            let mut paused = self
                .paused_until
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            *paused = Some(paused.map_or(until, |current| current.max(until)));
        }
        Ok((status, headers, body))
    }

    async fn wait_for_pause(&self) {
        let until = *self
            .paused_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(until) = until
            && until > Instant::now()
        {
            sleep_until(until).await;
        }
    }
}

/// A URL as shown in errors: without credentials, query or trailing slash.
fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    // Only fails for URLs that cannot carry credentials, which then have none to remove.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.as_str().trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_urls_carry_no_credentials() {
        let url = Url::parse("https://user:pa55@port.example/v1/x?token=t#f").expect("valid URL");
        assert_eq!(shown_url(&url), "https://port.example/v1/x");
        let base = Url::parse("http://127.0.0.1:9").expect("valid URL");
        assert_eq!(shown_url(&base), "http://127.0.0.1:9");
    }
}
