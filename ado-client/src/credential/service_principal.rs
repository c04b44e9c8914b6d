//! Entra ID service principals (the `service-principal` feature).

use std::fmt;
use std::sync::Arc;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, HttpClient, Transport};
use azure_identity::{ClientSecretCredential, ClientSecretCredentialOptions};
use reqwest::header::HeaderValue;

use super::CredentialKind;
use crate::error::{Error, Result};

/// The Entra ID scope of Azure DevOps (resource `499b84ac-1321-427f-aa17-267ca6975798`).
pub const AZURE_DEVOPS_SCOPE: &str = "499b84ac-1321-427f-aa17-267ca6975798/.default";

/// The public-cloud Entra ID authority host.
pub const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// An Entra ID application authenticating with a client secret.
///
/// Tokens for [`AZURE_DEVOPS_SCOPE`] are cached and fetched again shortly (five minutes) before
/// they expire. Clones share the cache.
#[derive(Clone)]
pub struct ServicePrincipal {
    tenant_id: String,
    client_id: String,
    authority_host: String,
    credential: Arc<ClientSecretCredential>,
}

impl ServicePrincipal {
    /// Starts building a service principal from its tenant id, client (application) id and
    /// client secret.
    #[must_use]
    pub fn builder(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> ServicePrincipalBuilder {
        ServicePrincipalBuilder {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            client_secret: Secret::new(client_secret.into()),
            authority_host: DEFAULT_AUTHORITY_HOST.to_owned(),
            http_client: None,
        }
    }

    /// The tenant (directory) id.
    #[must_use]
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The client (application) id.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// `Bearer {token}` (marked sensitive), from the cache or a new token.
    pub(super) async fn authorization(&self, organization: &str) -> Result<HeaderValue> {
        let failed = |message: String| Error::Credential {
            organization: organization.to_owned(),
            kind: CredentialKind::ServicePrincipal,
            message,
        };
        let token = self
            .credential
            .get_token(&[AZURE_DEVOPS_SCOPE], None)
            .await
            .map_err(|e| failed(e.to_string()))?;
        let mut value = HeaderValue::from_str(&format!("Bearer {}", token.token.secret()))
            .map_err(|_| failed("the identity provider returned a malformed token".to_owned()))?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for ServicePrincipal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServicePrincipal")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("authority_host", &self.authority_host)
            .finish_non_exhaustive()
    }
}

/// Builder for [`ServicePrincipal`].
pub struct ServicePrincipalBuilder {
    tenant_id: String,
    client_id: String,
    client_secret: Secret,
    authority_host: String,
    http_client: Option<Arc<dyn HttpClient>>,
}

impl ServicePrincipalBuilder {
    /// The Entra ID authority host (default [`DEFAULT_AUTHORITY_HOST`]); sovereign clouds use
    /// e.g. `https://login.microsoftonline.us`. It must be an `https` URL.
    #[must_use]
    pub fn authority_host(mut self, authority_host: impl Into<String>) -> Self {
        self.authority_host = authority_host.into();
        self
    }

    /// The HTTP client used for token requests (default: a new [`reqwest::Client`]).
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(Arc::new(client));
        self
    }

    /// A custom transport for token requests, e.g. to route them through a proxy layer or a
    /// test server.
    #[must_use]
    pub fn transport(mut self, transport: Arc<dyn HttpClient>) -> Self {
        self.http_client = Some(transport);
        self
    }

    /// Builds the service principal.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the tenant id, client id or secret is empty or malformed, or
    /// the authority host is not an `https` URL.
    pub fn build(self) -> Result<ServicePrincipal> {
        let http_client = match self.http_client {
            Some(client) => client,
            None => Arc::new(
                reqwest::Client::builder()
                    .build()
                    .map_err(|e| Error::Config(format!("cannot build an HTTP client: {e}")))?,
            ),
        };
        let mut cloud = CustomConfiguration::default();
        cloud.authority_host = self.authority_host.trim_end_matches('/').to_owned();
        let options = ClientSecretCredentialOptions {
            client_options: ClientOptions {
                transport: Some(Transport::new(http_client)),
                cloud: Some(Arc::new(CloudConfiguration::from(cloud.clone()))),
                ..ClientOptions::default()
            },
        };
        let credential = ClientSecretCredential::new(
            &self.tenant_id,
            self.client_id.clone(),
            self.client_secret,
            Some(options),
        )
        .map_err(|e| Error::Config(format!("invalid service principal: {e}")))?;
        Ok(ServicePrincipal {
            tenant_id: self.tenant_id,
            client_id: self.client_id,
            authority_host: cloud.authority_host,
            credential,
        })
    }
}

impl fmt::Debug for ServicePrincipalBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServicePrincipalBuilder")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("authority_host", &self.authority_host)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::Credential;

    #[test]
    fn debug_output_redacts_the_client_secret() {
        let builder = ServicePrincipal::builder(
            "00000000-0000-0000-0000-000000000001",
            "client-id",
            "client-s3cr3t",
        );
        assert!(!format!("{builder:?}").contains("client-s3cr3t"));
        let principal = builder.build().expect("valid service principal");
        let credential = Credential::from(principal);
        assert_eq!(credential.kind(), CredentialKind::ServicePrincipal);
        let debug = format!("{credential:?}");
        assert!(debug.contains("client-id"), "{debug}");
        assert!(!debug.contains("client-s3cr3t"), "{debug}");
    }

    #[test]
    fn rejects_non_https_authority() {
        let error = ServicePrincipal::builder("tenant", "client", "client-s3cr3t")
            .authority_host("http://login.example")
            .build()
            .expect_err("http authority");
        let text = error.to_string();
        assert!(text.contains("HTTPS"), "{text}");
        assert!(!text.contains("client-s3cr3t"), "{text}");
    }
}
