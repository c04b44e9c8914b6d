//! The [`PortClient`] entry type and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use url::Url;

use crate::auth::{Credentials, TokenCache};
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::search::SearchQuery;
use crate::transport::{ApiRequest, ApiResponse, RequestCounts, Transport};

/// Integration type sent in the User-Agent unless configured otherwise.
pub const DEFAULT_INTEGRATION_TYPE: &str = "azure-devops";

/// Port's API regions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Region {
    /// Europe, `https://api.getport.io` (the default).
    #[default]
    Eu,
    /// United States, `https://api.us.getport.io`.
    Us,
}

impl Region {
    /// The region's API base URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Self::Eu => "https://api.getport.io",
            Self::Us => "https://api.us.getport.io",
        }
    }
}

/// Which of an integration's two writers a client writes as: Port stamps every entity's
/// `$datasource` with it, so that each writer reconciles only its own entities.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Datasource {
    /// Entities the integration exports from the tool it syncs (the default).
    #[default]
    Exporter,
    /// Entities declared in repositories' spec files (GitOps).
    Gitops,
}

impl Datasource {
    /// The last segment of the User-Agent and of `$datasource`: `exporter` or `gitops`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exporter => "exporter",
            Self::Gitops => "gitops",
        }
    }
}

/// Who is writing to Port: integration type, version and identifier.
///
/// Port stamps every written entity's `$datasource` from the User-Agent
/// `port-ocean/{type}/{version}/{identifier}/{exporter|gitops}`, and reconciliation finds this
/// integration's entities by that stamp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntegrationIdentity {
    /// Integration type, e.g. `azure-devops`.
    pub kind: String,
    /// Integration version.
    pub version: String,
    /// Integration identifier (the installation's id in Port).
    pub identifier: String,
}

impl IntegrationIdentity {
    /// The User-Agent header value of this integration writing as `datasource`.
    pub fn user_agent(&self, datasource: Datasource) -> String {
        format!(
            "port-ocean/{}/{}/{}/{}",
            self.kind,
            self.version,
            self.identifier,
            datasource.as_str()
        )
    }

    /// The `$datasource` prefix of entities written by this integration type.
    pub fn datasource_prefix(&self) -> String {
        format!("port-ocean/{}/", self.kind)
    }

    /// The `$datasource` suffix of entities this integration installation wrote as
    /// `datasource`.
    pub fn datasource_suffix(&self, datasource: Datasource) -> String {
        format!("/{}/{}", self.identifier, datasource.as_str())
    }

    /// A query matching only entities this integration installation wrote as `datasource`
    /// (by `$datasource`); add rules to it to search among them.
    pub fn datasource_query(&self, datasource: Datasource) -> SearchQuery {
        SearchQuery::all()
            .rule("$datasource", "contains", self.datasource_prefix())
            .rule(
                "$datasource",
                "contains",
                self.datasource_suffix(datasource),
            )
    }

    fn validate(&self) -> Result<()> {
        for (name, value) in [
            ("type", &self.kind),
            ("version", &self.version),
            ("identifier", &self.identifier),
        ] {
            if value.is_empty() || value.contains('/') || value.chars().any(char::is_control) {
                return Err(Error::Config(format!(
                    "integration {name} must be non-empty, without '/' or control characters"
                )));
            }
        }
        Ok(())
    }
}

/// Client for Port's REST API. Cheap to clone; clones share the token cache and the bound on
/// requests in flight.
#[derive(Clone)]
pub struct PortClient {
    inner: Arc<Inner>,
    datasource: Datasource,
}

struct Inner {
    transport: Transport,
    tokens: TokenCache,
    identity: IntegrationIdentity,
    /// The User-Agent of each datasource.
    exporter_agent: HeaderValue,
    gitops_agent: HeaderValue,
    max_in_flight: usize,
    datasource_page_size: u32,
}

impl fmt::Debug for PortClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortClient")
            .field("base_url", &self.inner.transport.base_url().as_str())
            .field("identity", &self.inner.identity)
            .field("datasource", &self.datasource)
            .field("tokens", &self.inner.tokens)
            .finish_non_exhaustive()
    }
}

impl PortClient {
    /// Starts building a client with the given credentials.
    ///
    /// ```no_run
    /// use port_client::{Credentials, Entity, PortClient, UpsertOptions};
    ///
    /// # async fn run() -> port_client::Result<()> {
    /// let port = PortClient::builder(Credentials::new("client-id", "client-secret"))
    ///     .base_url("https://api.getport.io")
    ///     .integration("azure-devops", "1.0.0", "my-azure-devops")
    ///     .build()?;
    /// let entity = Entity::new("azureDevopsProject", "p1").with_title("Fabrikam");
    /// port.upsert_entities(&[entity], &UpsertOptions::default()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder(credentials: Credentials) -> PortClientBuilder {
        PortClientBuilder::new(credentials)
    }

    /// The integration this client writes as.
    pub fn identity(&self) -> &IntegrationIdentity {
        &self.inner.identity
    }

    /// The datasource this client writes as and lists ([`Datasource::Exporter`] unless made
    /// with [`with_datasource`](Self::with_datasource)).
    pub fn datasource(&self) -> Datasource {
        self.datasource
    }

    /// A clone writing as `datasource`: its requests carry that datasource's User-Agent, so
    /// Port stamps what it writes accordingly, and its
    /// [datasource listing](Self::datasource_pages) holds only that datasource's entities.
    /// It shares the token cache and the bound on requests in flight.
    ///
    /// ```
    /// use port_client::{Credentials, Datasource, PortClient};
    ///
    /// let port = PortClient::builder(Credentials::new("id", "secret")).build().unwrap();
    /// let gitops = port.with_datasource(Datasource::Gitops);
    /// assert_eq!(gitops.datasource(), Datasource::Gitops);
    /// assert_eq!(port.datasource(), Datasource::Exporter);
    /// ```
    #[must_use]
    pub fn with_datasource(&self, datasource: Datasource) -> PortClient {
        PortClient {
            inner: Arc::clone(&self.inner),
            datasource,
        }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.transport.base_url().as_str()
    }

    /// The requests this client (and its clones) sent to Port so far.
    #[must_use]
    pub fn request_counts(&self) -> RequestCounts {
        self.inner.transport.request_counts()
    }

    pub(crate) fn max_in_flight(&self) -> usize {
        self.inner.max_in_flight
    }

    pub(crate) fn datasource_page_size(&self) -> u32 {
        self.inner.datasource_page_size
    }

    /// A request to `/v1/{segments...}`, carrying the User-Agent of the client's datasource.
    pub(crate) fn request(&self, method: reqwest::Method, segments: &[&str]) -> Result<ApiRequest> {
        let agent = match self.datasource {
            Datasource::Exporter => &self.inner.exporter_agent,
            Datasource::Gitops => &self.inner.gitops_agent,
        };
        Ok(self
            .inner
            .transport
            .request(method, segments)?
            .user_agent(agent.clone()))
    }

    /// Sends an authenticated request and decodes its answer with `decode` (inside the retry
    /// loop, so an unreadable answer to a retryable request is retried).
    pub(crate) async fn send<T>(
        &self,
        request: &ApiRequest,
        decode: impl Fn(&ApiResponse) -> Result<T>,
    ) -> Result<T> {
        self.inner
            .transport
            .execute(request, Some(&self.inner.tokens), decode)
            .await
    }
}

/// Builder for [`PortClient`].
#[derive(Debug)]
#[must_use]
pub struct PortClientBuilder {
    credentials: Credentials,
    base_url: String,
    identity: IntegrationIdentity,
    retry: RetryPolicy,
    max_in_flight: usize,
    timeout: Duration,
    connect_timeout: Duration,
    datasource_page_size: u32,
    root_certificates: Vec<Vec<u8>>,
}

impl PortClientBuilder {
    fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            base_url: Region::default().base_url().to_owned(),
            identity: IntegrationIdentity {
                kind: DEFAULT_INTEGRATION_TYPE.to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
                identifier: DEFAULT_INTEGRATION_TYPE.to_owned(),
            },
            retry: RetryPolicy::default(),
            max_in_flight: 50,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            datasource_page_size: 5000,
            root_certificates: Vec::new(),
        }
    }

    /// Uses the given region's base URL.
    pub fn region(mut self, region: Region) -> Self {
        self.base_url = region.base_url().to_owned();
        self
    }

    /// Uses a custom base URL (a proxy, a test server); `/v1/...` is appended to it.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Sets the integration type, version and identifier sent in the User-Agent. Defaults:
    /// `azure-devops`, this crate's version, and the type as identifier.
    pub fn integration(
        mut self,
        kind: impl Into<String>,
        version: impl Into<String>,
        identifier: impl Into<String>,
    ) -> Self {
        self.identity = IntegrationIdentity {
            kind: kind.into(),
            version: version.into(),
            identifier: identifier.into(),
        };
        self
    }

    /// Sets the retry and pacing policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Bounds the number of requests in flight across all clones of the client (default 50).
    pub fn max_in_flight(mut self, max: usize) -> Self {
        self.max_in_flight = max.max(1);
        self
    }

    /// Timeout of one attempt, from sending the request to reading the whole response
    /// (default 60 s); an attempt that times out is retried like a connection error.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Trusts the root certificates of this PEM bundle (one or more `CERTIFICATE` blocks) in
    /// addition to the platform's trust store; may be called more than once. For a Port
    /// reached through a TLS-inspecting proxy.
    pub fn root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Entities per page of the datasource listing (default 5000).
    pub fn datasource_page_size(mut self, size: u32) -> Self {
        self.datasource_page_size = size.max(1);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<PortClient> {
        self.identity.validate()?;
        let base_url = Url::parse(&self.base_url)
            .map_err(|err| Error::Config(format!("invalid base URL {:?}: {err}", self.base_url)))?;
        let agent = |datasource: Datasource| {
            HeaderValue::from_str(&self.identity.user_agent(datasource)).map_err(|_| {
                Error::Config("integration type, version and identifier must be ASCII".into())
            })
        };
        let exporter_agent = agent(Datasource::Exporter)?;
        let gitops_agent = agent(Datasource::Gitops)?;
        let mut roots = Vec::new();
        for (index, pem) in self.root_certificates.iter().enumerate() {
            let bundle = reqwest::Certificate::from_pem_bundle(pem)
                .ok()
                .filter(|bundle| !bundle.is_empty())
                .ok_or_else(|| {
                    Error::Config(format!(
                        "root certificate bundle #{} holds no valid PEM certificate",
                        index + 1
                    ))
                })?;
            roots.extend(bundle);
        }
        let http = reqwest::Client::builder()
            .user_agent(exporter_agent.clone())
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .tls_certs_merge(roots)
            .build()
            .map_err(|err| Error::Config(format!("cannot build HTTP client: {err}")))?;
        let transport = Transport::new(http, base_url, self.retry, self.max_in_flight)?;
        Ok(PortClient {
            inner: Arc::new(Inner {
                transport,
                tokens: TokenCache::new(self.credentials),
                identity: self.identity,
                exporter_agent,
                gitops_agent,
                max_in_flight: self.max_in_flight,
                datasource_page_size: self.datasource_page_size,
            }),
            datasource: Datasource::Exporter,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_and_datasource_match() {
        let identity = IntegrationIdentity {
            kind: "azure-devops".into(),
            version: "0.3.1".into(),
            identifier: "my-ado".into(),
        };
        let ua = identity.user_agent(Datasource::Exporter);
        assert_eq!(ua, "port-ocean/azure-devops/0.3.1/my-ado/exporter");
        assert!(ua.starts_with(&identity.datasource_prefix()));
        assert!(ua.ends_with(&identity.datasource_suffix(Datasource::Exporter)));
        let gitops = identity.user_agent(Datasource::Gitops);
        assert_eq!(gitops, "port-ocean/azure-devops/0.3.1/my-ado/gitops");
        assert!(gitops.ends_with(&identity.datasource_suffix(Datasource::Gitops)));
        assert!(!gitops.ends_with(&identity.datasource_suffix(Datasource::Exporter)));
        assert_eq!(
            serde_json::to_value(identity.datasource_query(Datasource::Exporter).rule(
                "$blueprint",
                "=",
                "b"
            ))
            .expect("serializable"),
            serde_json::json!({"combinator": "and", "rules": [
                {"property": "$datasource", "operator": "contains", "value": "port-ocean/azure-devops/"},
                {"property": "$datasource", "operator": "contains", "value": "/my-ado/exporter"},
                {"property": "$blueprint", "operator": "=", "value": "b"}
            ]})
        );
    }

    #[test]
    fn each_datasource_sends_its_own_user_agent_header() {
        let port = PortClient::builder(Credentials::new("id", "secret"))
            .integration("azure-devops", "0.3.1", "my-ado")
            .build()
            .expect("valid client");
        let agent = |client: &PortClient| {
            client
                .request(reqwest::Method::POST, &["entities", "search"])
                .expect("request")
                .user_agent_header()
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(
            agent(&port).as_deref(),
            Some("port-ocean/azure-devops/0.3.1/my-ado/exporter")
        );
        let gitops = port.with_datasource(Datasource::Gitops);
        assert_eq!(
            agent(&gitops).as_deref(),
            Some("port-ocean/azure-devops/0.3.1/my-ado/gitops")
        );
        assert_eq!(
            agent(&gitops.with_datasource(Datasource::Exporter)).as_deref(),
            Some("port-ocean/azure-devops/0.3.1/my-ado/exporter")
        );
    }

    #[test]
    fn rejects_bad_settings() {
        let builder = || PortClient::builder(Credentials::new("id", "secret"));
        assert!(matches!(
            builder().integration("a/b", "1", "x").build(),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            builder().base_url("not a url").build(),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            builder().base_url("mailto:x@y").build(),
            Err(Error::Config(_))
        ));
        let client = builder().region(Region::Us).build().expect("valid client");
        assert_eq!(client.base_url(), "https://api.us.getport.io/");
    }

    #[test]
    fn client_types_and_futures_are_send() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>(_: T) {}
        send_sync::<PortClient>();
        send_sync::<Error>();
        send_sync::<crate::Entity>();
        let port = PortClient::builder(Credentials::new("id", "secret"))
            .build()
            .expect("valid client");
        let entities = [crate::Entity::new("bp", "id")];
        let options = crate::UpsertOptions::default();
        send(port.upsert_entities(&entities, &options));
        send(port.delete_entities("bp", &["id"], true));
        send(port.create_blueprints(&[]));
        send(port.datasource_entities(None));
        send(port.integration_config());
    }
}
