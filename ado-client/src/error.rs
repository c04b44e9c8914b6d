//! The crate's error type.

use reqwest::StatusCode;
use serde::Deserialize;

use crate::credential::CredentialKind;
use crate::profile::{ApiProfile, Operation};

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while talking to Azure DevOps.
///
/// No variant ever holds a token, a PAT, a client secret or an `Authorization` header: endpoints
/// are reported as URL paths without their query.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The organization URL or a service URL template could not be used.
    #[error("invalid organization URL: {reason}")]
    InvalidUrl {
        /// Why the URL was rejected.
        reason: String,
    },

    /// The client was configured with an unusable setting.
    #[error("invalid client configuration: {0}")]
    Config(String),

    /// The selected API profile lacks this operation; nothing was sent.
    #[error("{operation} is not available on {}", profile.product_name())]
    Unsupported {
        /// The operation that was requested.
        operation: Operation,
        /// The profile (server version) that lacks it.
        profile: ApiProfile,
    },

    /// Obtaining credentials (for example an Entra ID token) failed.
    #[error("could not obtain a {kind} token for organization `{organization}`: {message}")]
    Credential {
        /// Organization whose request needed the token.
        organization: String,
        /// The kind of credential that failed.
        kind: CredentialKind,
        /// What the identity provider reported.
        message: String,
    },

    /// Azure DevOps rejected the credential (HTTP 401).
    #[error(
        "authentication failed for organization `{organization}` using a {kind} (HTTP 401 on {endpoint}){}",
        detail_suffix(body.as_deref())
    )]
    Unauthorized {
        /// Organization that rejected the credential.
        organization: String,
        /// Endpoint path that was called.
        endpoint: String,
        /// The kind of credential that was rejected.
        kind: CredentialKind,
        /// The Azure DevOps error body, when one was sent.
        body: Option<Box<ApiErrorBody>>,
    },

    /// Azure DevOps answered with an unsuccessful status.
    #[error(
        "HTTP {status} from organization `{organization}` on {endpoint}{}",
        detail_suffix(body.as_deref())
    )]
    Api {
        /// Organization that was called.
        organization: String,
        /// Endpoint path that was called.
        endpoint: String,
        /// HTTP status of the response.
        status: StatusCode,
        /// The Azure DevOps error body, when one was sent.
        body: Option<Box<ApiErrorBody>>,
    },

    /// The request could not be sent or its response could not be read.
    #[error("request to organization `{organization}` on {endpoint} failed: {source}")]
    Transport {
        /// Organization that was called.
        organization: String,
        /// Endpoint path that was called.
        endpoint: String,
        /// The underlying HTTP client error (with its URL removed).
        #[source]
        source: reqwest::Error,
    },

    /// A response body did not have the expected shape.
    #[error(
        "could not decode the response of {endpoint} from organization `{organization}` at `{path}`: {source}"
    )]
    Decode {
        /// Organization that was called.
        organization: String,
        /// Endpoint path that was called.
        endpoint: String,
        /// JSON path of the value that failed to decode (`.` for the whole body).
        path: String,
        /// The underlying decode error.
        #[source]
        source: serde_json::Error,
    },
}

fn detail_suffix(body: Option<&ApiErrorBody>) -> String {
    match body {
        Some(ApiErrorBody {
            message: Some(message),
            type_key,
            ..
        }) => match type_key {
            Some(key) => format!(": {message} ({key})"),
            None => format!(": {message}"),
        },
        _ => String::new(),
    }
}

impl Error {
    /// The HTTP status of the failed response, if a response was received.
    #[must_use]
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api { status, .. } => Some(*status),
            Self::Unauthorized { .. } => Some(StatusCode::UNAUTHORIZED),
            Self::Transport { source, .. } => source.status(),
            _ => None,
        }
    }

    /// Whether sending the same request again may succeed.
    ///
    /// True for 408, 429, 500, 502, 503, 504 and connection failures; never for 400, 401, 403 or
    /// 404, configuration, credential or decode errors.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api { status, .. } => is_retryable_status(*status),
            Self::Transport { source, .. } => source.is_connect() || source.is_timeout(),
            _ => false,
        }
    }

    /// The error body Azure DevOps sent with the failure, if any.
    #[must_use]
    pub fn api_error(&self) -> Option<&ApiErrorBody> {
        match self {
            Self::Api { body, .. } | Self::Unauthorized { body, .. } => body.as_deref(),
            _ => None,
        }
    }

    /// The organization the failed request was for, if the error concerns a request.
    #[must_use]
    pub fn organization(&self) -> Option<&str> {
        match self {
            Self::Credential { organization, .. }
            | Self::Unauthorized { organization, .. }
            | Self::Api { organization, .. }
            | Self::Transport { organization, .. }
            | Self::Decode { organization, .. } => Some(organization),
            _ => None,
        }
    }

    /// The endpoint path (without query) of the failed request, if the error concerns a request.
    #[must_use]
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            Self::Unauthorized { endpoint, .. }
            | Self::Api { endpoint, .. }
            | Self::Transport { endpoint, .. }
            | Self::Decode { endpoint, .. } => Some(endpoint),
            _ => None,
        }
    }

    /// The JSON path at which decoding failed, for [`Error::Decode`].
    #[must_use]
    pub fn decode_path(&self) -> Option<&str> {
        match self {
            Self::Decode { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// Statuses worth retrying an idempotent request for (a creation is retried only on 429).
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

/// The JSON error body Azure DevOps sends with most failures.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiErrorBody {
    /// Human-readable message, e.g. `TF400813: The user '' is not authorized ...`.
    pub message: Option<String>,
    /// Short exception name, e.g. `UnauthorizedRequestException`.
    pub type_key: Option<String>,
    /// Fully qualified exception type name.
    pub type_name: Option<String>,
    /// Numeric error code.
    pub error_code: Option<i64>,
    /// Event id of the failure in the server log.
    pub event_id: Option<i64>,
}

impl ApiErrorBody {
    /// Parses an error body; returns `None` when the body is not an Azure DevOps error object.
    pub(crate) fn parse(bytes: &[u8]) -> Option<Box<Self>> {
        serde_json::from_slice::<Self>(bytes)
            .ok()
            .filter(|body| body.message.is_some() || body.type_key.is_some())
            .map(Box::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_error_body_and_formats_it() {
        let body = ApiErrorBody::parse(
            br#"{"$id":"1","innerException":null,"message":"TF200016: The project does not exist.","typeName":"Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistException","typeKey":"ProjectDoesNotExistException","errorCode":0,"eventId":3000}"#,
        )
        .expect("an error body");
        assert_eq!(
            body.type_key.as_deref(),
            Some("ProjectDoesNotExistException")
        );
        let error = Error::Api {
            organization: "fabrikam".into(),
            endpoint: "/fabrikam/_apis/projects/x".into(),
            status: StatusCode::NOT_FOUND,
            body: Some(body),
        };
        assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
        assert!(!error.is_retryable());
        assert_eq!(
            error.to_string(),
            "HTTP 404 Not Found from organization `fabrikam` on /fabrikam/_apis/projects/x: \
             TF200016: The project does not exist. (ProjectDoesNotExistException)"
        );
    }

    #[test]
    fn non_json_bodies_are_not_error_bodies() {
        assert!(ApiErrorBody::parse(b"<html>bad gateway</html>").is_none());
        assert!(ApiErrorBody::parse(b"{}").is_none());
    }

    #[test]
    fn classifies_retryable_statuses() {
        for code in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(
                StatusCode::from_u16(code).expect("valid")
            ));
        }
        for code in [400, 401, 403, 404, 409] {
            assert!(!is_retryable_status(
                StatusCode::from_u16(code).expect("valid")
            ));
        }
    }
}
