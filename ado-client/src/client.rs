//! The client entry point and its builder.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderValue;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::counting::{HostRequests, Tally};
use crate::credential::Credential;
use crate::error::{Error, Result};
use crate::organization::Organization;
use crate::profile::ApiProfile;
use crate::retry::{Pacing, RetryPolicy};

/// Requests in flight per organization unless configured otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 16;

/// Longest one attempt of a request may take, response body included, unless configured
/// otherwise. Azure DevOps delays throttled requests by up to 30 s before answering.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Longest the default HTTP client waits for a connection (TCP and TLS) unless configured
/// otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// A client for one Azure DevOps organization (or Server collection).
///
/// Cheap to clone (an [`Arc`] inside); clones share the in-flight limit and pacing state.
/// Resource methods such as [`projects`](Self::projects) and
/// [`repositories`](Self::repositories) live in this type's other `impl` blocks.
///
/// ```no_run
/// use ado_client::{AdoClient, Credential, Organization};
/// use futures::TryStreamExt;
///
/// # async fn run() -> ado_client::Result<()> {
/// let org: Organization = "https://dev.azure.com/fabrikam".parse()?;
/// let client = AdoClient::builder(org, Credential::pat("my-pat")).build()?;
/// let mut projects = client.projects();
/// while let Some(project) = projects.try_next().await? {
///     println!("{}", project.item.name);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AdoClient {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
    pub(crate) organization: Organization,
    pub(crate) credential: Credential,
    pub(crate) profile: ApiProfile,
    pub(crate) retry: RetryPolicy,
    pub(crate) pacing: Pacing,
    pub(crate) in_flight: Semaphore,
    pub(crate) paused_until: Mutex<Option<Instant>>,
    pub(crate) user_agent: HeaderValue,
    pub(crate) request_timeout: Duration,
    pub(crate) tally: Tally,
}

impl AdoClient {
    /// Starts building a client for `organization` authenticating with `credential`.
    pub fn builder(organization: Organization, credential: Credential) -> AdoClientBuilder {
        AdoClientBuilder {
            organization,
            credential,
            profile: None,
            http: None,
            retry: RetryPolicy::default(),
            pacing: Pacing::default(),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            user_agent: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            root_certificates: Vec::new(),
        }
    }

    /// The organization this client talks to.
    #[must_use]
    pub fn organization(&self) -> &Organization {
        &self.inner.organization
    }

    /// The API profile that picks every request's api-version.
    #[must_use]
    pub fn profile(&self) -> ApiProfile {
        self.inner.profile
    }

    /// The requests this client (and its clones) sent so far, by host.
    #[must_use]
    pub fn requests_by_host(&self) -> BTreeMap<String, HostRequests> {
        self.inner.tally.snapshot()
    }
}

impl fmt::Debug for AdoClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdoClient")
            .field("organization", &self.inner.organization)
            .field("credential", &self.inner.credential)
            .field("profile", &self.inner.profile)
            .field("retry", &self.inner.retry)
            .field("pacing", &self.inner.pacing)
            .finish_non_exhaustive()
    }
}

/// Builder for [`AdoClient`].
#[must_use]
pub struct AdoClientBuilder {
    organization: Organization,
    credential: Credential,
    profile: Option<ApiProfile>,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    pacing: Pacing,
    max_in_flight: usize,
    user_agent: Option<String>,
    request_timeout: Duration,
    connect_timeout: Duration,
    root_certificates: Vec<Vec<u8>>,
}

impl AdoClientBuilder {
    /// Sets the API profile (default: inferred from the organization, see [`ApiProfile::infer`]).
    pub fn api_profile(mut self, profile: ApiProfile) -> Self {
        self.profile = Some(profile);
        self
    }

    /// Uses this HTTP client (proxies, TLS, connect timeout) instead of a default one. The
    /// [`request_timeout`](Self::request_timeout) still bounds every attempt;
    /// [`connect_timeout`](Self::connect_timeout) and
    /// [`root_certificates_pem`](Self::root_certificates_pem) apply only to the default client.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Sets the retry policy (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets proactive pacing (default: [`Pacing::default`]).
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// Bounds the requests in flight for this organization (default
    /// [`DEFAULT_MAX_IN_FLIGHT`]).
    pub fn max_in_flight(mut self, max: usize) -> Self {
        self.max_in_flight = max;
        self
    }

    /// Bounds each attempt of a request, response body included (default
    /// [`DEFAULT_REQUEST_TIMEOUT`]); an attempt that takes longer fails as timed out and an
    /// idempotent request is retried.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Bounds the connection (TCP and TLS) of the default HTTP client (default
    /// [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Trusts the root certificates of this PEM bundle (one or more `CERTIFICATE` blocks) in
    /// addition to the platform's trust store, for the default HTTP client; may be called more
    /// than once. For an Azure DevOps Server behind an internal CA or a TLS-inspecting proxy.
    ///
    /// On Linux the platform store is read by `rustls-native-certs`, which uses the files
    /// named by `SSL_CERT_FILE` / `SSL_CERT_DIR` *instead of* the system store when they are
    /// set; this library reads no environment variable itself.
    pub fn root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Sets the `User-Agent` header (default `ado-client/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `max_in_flight` is zero, the user agent is not a valid header
    /// value, a root certificate bundle holds no valid certificate, or no default HTTP client
    /// can be created.
    pub fn build(self) -> Result<AdoClient> {
        if self.max_in_flight == 0 {
            return Err(Error::Config("max_in_flight must be at least 1".to_owned()));
        }
        let user_agent = match self.user_agent {
            Some(agent) => HeaderValue::from_str(&agent)
                .map_err(|_| Error::Config(format!("invalid user agent `{agent}`")))?,
            None => HeaderValue::from_static(concat!("ado-client/", env!("CARGO_PKG_VERSION"))),
        };
        let http = match self.http {
            Some(client) => client,
            None => default_http_client(self.connect_timeout, &self.root_certificates)?,
        };
        let profile = self
            .profile
            .unwrap_or_else(|| ApiProfile::infer(&self.organization));
        Ok(AdoClient {
            inner: Arc::new(ClientInner {
                http,
                organization: self.organization,
                credential: self.credential,
                profile,
                retry: self.retry,
                pacing: self.pacing,
                in_flight: Semaphore::new(self.max_in_flight),
                paused_until: Mutex::new(None),
                user_agent,
                request_timeout: self.request_timeout,
                tally: Tally::default(),
            }),
        })
    }
}

/// The HTTP client used unless one is given: a connect timeout and the platform's trust roots
/// plus `root_certificates`.
fn default_http_client(
    connect_timeout: Duration,
    root_certificates: &[Vec<u8>],
) -> Result<reqwest::Client> {
    let mut certificates = Vec::new();
    for (index, pem) in root_certificates.iter().enumerate() {
        let bundle = reqwest::Certificate::from_pem_bundle(pem)
            .ok()
            .filter(|bundle| !bundle.is_empty())
            .ok_or_else(|| {
                Error::Config(format!(
                    "root certificate bundle #{} holds no valid PEM certificate",
                    index + 1
                ))
            })?;
        certificates.extend(bundle);
    }
    let mut builder = reqwest::Client::builder().connect_timeout(connect_timeout);
    if !certificates.is_empty() {
        builder = builder.tls_certs_merge(certificates);
    }
    builder
        .build()
        .map_err(|e| Error::Config(format!("cannot build an HTTP client: {e}")))
}

impl fmt::Debug for AdoClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdoClientBuilder")
            .field("organization", &self.organization)
            .field("credential", &self.credential)
            .field("profile", &self.profile)
            .field("retry", &self.retry)
            .field("max_in_flight", &self.max_in_flight)
            .field("request_timeout", &self.request_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("root_certificates", &self.root_certificates.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<AdoClient>();
        assert_send_sync::<Credential>();
        assert_send_sync::<Error>();
        assert_send_sync::<Organization>();
    }

    #[test]
    fn rejects_zero_in_flight() {
        let org = Organization::parse("https://dev.azure.com/fabrikam").expect("valid");
        let error = AdoClient::builder(org, Credential::pat("x"))
            .max_in_flight(0)
            .build()
            .expect_err("zero in flight");
        assert!(matches!(error, Error::Config(_)));
    }

    #[test]
    fn rejects_a_root_certificate_bundle_without_certificates() {
        let org = Organization::parse("https://dev.azure.com/fabrikam").expect("valid");
        let error = AdoClient::builder(org, Credential::pat("x"))
            .root_certificates_pem("not a certificate")
            .build()
            .expect_err("no certificate");
        assert!(error.to_string().contains("bundle #1"), "{error}");
    }
}
