//! Credentials: personal access tokens and, with the `service-principal` cargo feature (on by
//! default), Entra ID service principals.

#[cfg(feature = "service-principal")]
mod service_principal;

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use reqwest::header::HeaderValue;

#[cfg(feature = "service-principal")]
pub use self::service_principal::{
    AZURE_DEVOPS_SCOPE, DEFAULT_AUTHORITY_HOST, ServicePrincipal, ServicePrincipalBuilder,
};
use crate::error::Result;

/// Which kind of credential a client uses; named in authentication errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialKind {
    /// A personal access token.
    PersonalAccessToken,
    /// An Entra ID service principal (client credentials; `service-principal` feature).
    ServicePrincipal,
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PersonalAccessToken => "personal access token",
            Self::ServicePrincipal => "service principal",
        })
    }
}

/// How requests authenticate. Cheap to clone; one credential can serve many organizations,
/// and clones of a service principal share its token cache.
#[derive(Clone)]
pub struct Credential {
    inner: Arc<Inner>,
}

enum Inner {
    Pat(HeaderValue),
    #[cfg(feature = "service-principal")]
    ServicePrincipal(ServicePrincipal),
}

impl Credential {
    /// A personal access token, sent as `Authorization: Basic base64(":" + pat)`.
    #[must_use]
    pub fn pat(pat: &str) -> Self {
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!(":{pat}"));
        // Base64 output is always a valid header value.
        let mut value = HeaderValue::from_str(&format!("Basic {encoded}"))
            .unwrap_or_else(|_| HeaderValue::from_static("Basic"));
        value.set_sensitive(true);
        Self {
            inner: Arc::new(Inner::Pat(value)),
        }
    }

    /// An Entra ID service principal, see [`ServicePrincipal::builder`] (`service-principal`
    /// feature).
    #[cfg(feature = "service-principal")]
    #[must_use]
    pub fn service_principal(principal: ServicePrincipal) -> Self {
        Self {
            inner: Arc::new(Inner::ServicePrincipal(principal)),
        }
    }

    /// The kind of this credential.
    #[must_use]
    pub fn kind(&self) -> CredentialKind {
        match &*self.inner {
            Inner::Pat(_) => CredentialKind::PersonalAccessToken,
            #[cfg(feature = "service-principal")]
            Inner::ServicePrincipal(_) => CredentialKind::ServicePrincipal,
        }
    }

    /// The `Authorization` header value (marked sensitive) for the next request.
    #[cfg_attr(
        not(feature = "service-principal"),
        expect(
            unused_variables,
            reason = "only service principals name the organization"
        )
    )]
    pub(crate) async fn authorization(&self, organization: &str) -> Result<HeaderValue> {
        match &*self.inner {
            Inner::Pat(value) => Ok(value.clone()),
            #[cfg(feature = "service-principal")]
            Inner::ServicePrincipal(principal) => principal.authorization(organization).await,
        }
    }
}

#[cfg(feature = "service-principal")]
impl From<ServicePrincipal> for Credential {
    fn from(principal: ServicePrincipal) -> Self {
        Self::service_principal(principal)
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.inner {
            Inner::Pat(_) => f
                .debug_struct("Credential::Pat")
                .field("pat", &"<redacted>")
                .finish(),
            #[cfg(feature = "service-principal")]
            Inner::ServicePrincipal(principal) => f
                .debug_tuple("Credential::ServicePrincipal")
                .field(principal)
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pat_is_basic_with_an_empty_user() {
        let credential = Credential::pat("s3cr3t-pat");
        let header = credential
            .authorization("fabrikam")
            .await
            .expect("a PAT always authorizes");
        assert!(header.is_sensitive());
        // base64(":s3cr3t-pat")
        assert_eq!(header.to_str().ok(), Some("Basic OnMzY3IzdC1wYXQ="));
        assert_eq!(credential.kind(), CredentialKind::PersonalAccessToken);
    }

    #[test]
    fn debug_output_redacts_the_pat() {
        let pat = Credential::pat("s3cr3t-pat");
        assert!(!format!("{pat:?}").contains("s3cr3t"));
    }
}
