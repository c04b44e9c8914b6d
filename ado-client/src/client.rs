//! The client entry point and its builder.

use std::fmt;
use std::sync::{Arc, Mutex};

use reqwest::header::HeaderValue;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::credential::Credential;
use crate::error::{Error, Result};
use crate::organization::Organization;
use crate::profile::ApiProfile;
use crate::retry::{Pacing, RetryPolicy};

/// Requests in flight per organization unless configured otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 16;

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
}

impl AdoClientBuilder {
    /// Sets the API profile (default: inferred from the organization, see [`ApiProfile::infer`]).
    pub fn api_profile(mut self, profile: ApiProfile) -> Self {
        self.profile = Some(profile);
        self
    }

    /// Uses this HTTP client (timeouts, proxies, TLS) instead of a default one.
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
    /// value, or no default HTTP client can be created.
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
            None => reqwest::Client::builder()
                .build()
                .map_err(|e| Error::Config(format!("cannot build an HTTP client: {e}")))?,
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
            }),
        })
    }
}

impl fmt::Debug for AdoClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdoClientBuilder")
            .field("organization", &self.organization)
            .field("credential", &self.credential)
            .field("profile", &self.profile)
            .field("retry", &self.retry)
            .field("max_in_flight", &self.max_in_flight)
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
}
