//! The crate's error type.

use std::fmt;

use serde::Deserialize;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error answer from Port: the HTTP status plus Port's error code and message.
///
/// Port's error bodies look like `{"ok": false, "error": "<code>", "message": "..."}`. The same
/// shape describes a single entity's failure inside a bulk (207) response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// Port's machine-readable error code (`error` field), e.g. `not_found`.
    pub code: Option<String>,
    /// Port's human-readable message, or a short excerpt of an unexpected body.
    pub message: String,
    /// Port's `x-trace-id` response header, when present.
    pub trace_id: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(trace) = &self.trace_id {
            write!(f, " (trace id {trace})")?;
        }
        Ok(())
    }
}

/// Longest excerpt of an unparseable error body kept in [`ApiError::message`].
const BODY_EXCERPT: usize = 200;

impl ApiError {
    /// Builds an error from a response status and body, reading Port's error shape when present.
    pub(crate) fn from_body(status: u16, body: &[u8], trace_id: Option<String>) -> Self {
        #[derive(Deserialize)]
        struct Body {
            error: Option<String>,
            message: Option<String>,
        }
        match serde_json::from_slice::<Body>(body) {
            Ok(parsed) => Self {
                status,
                code: parsed.error,
                message: parsed.message.unwrap_or_default(),
                trace_id,
            },
            Err(_) => Self {
                status,
                code: None,
                message: excerpt(&String::from_utf8_lossy(body)),
                trace_id,
            },
        }
    }
}

fn excerpt(text: &str) -> String {
    match text.char_indices().nth(BODY_EXCERPT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Why Port could not be reached at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unreachable {
    /// Nothing accepted the connection (after the retry budget).
    #[error("connection refused")]
    ConnectionRefused,
    /// The host name did not resolve.
    #[error("name not resolved")]
    NameNotResolved,
    /// The server's certificate is not trusted; the reason, e.g. `unknown issuer`.
    #[error("certificate not trusted: {0}; set SSL_CERT_FILE to your CA bundle")]
    CertificateNotTrusted(String),
    /// The TLS handshake failed for another reason.
    #[error("TLS handshake failed: {0}")]
    Tls(String),
}

/// Everything that can go wrong talking to Port. Never carries a secret or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Port answered with a non-success status (after any retries).
    #[error("Port API error: {0}")]
    Api(Box<ApiError>),
    /// Port's token endpoint refused the configured credentials (401 or 403). Once refused, a
    /// client fails every later call with this error without asking again.
    #[error("Port refused the credentials (HTTP {}): {}", .0.status, .0.message)]
    Auth(Box<ApiError>),
    /// Port could not be reached: connection refused after the retry budget, a name that does
    /// not resolve, or a TLS failure.
    #[error("Port unreachable at {url}: {cause}")]
    Unreachable {
        /// Port's base URL, without credentials.
        url: String,
        /// Why it could not be reached.
        cause: Unreachable,
    },
    /// The request could not be sent or its response could not be read (after any retries).
    #[error("request to Port failed: {url}: {reason}")]
    Http {
        /// The request URL, without credentials or query.
        url: String,
        /// What went wrong, e.g. `connection reset` or `timed out`.
        reason: String,
        /// The underlying error (without the URL).
        #[source]
        source: reqwest::Error,
    },
    /// Port's response did not have the expected shape (after any retries).
    #[error("unexpected response from Port for {what}: {source}")]
    Decode {
        /// The operation whose response failed to decode.
        what: &'static str,
        /// The underlying JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// A request body could not be serialized.
    #[error("could not encode request body: {0}")]
    Encode(#[source] serde_json::Error),
    /// The client was configured with invalid settings.
    #[error("invalid Port client configuration: {0}")]
    Config(String),
}

impl Error {
    /// The HTTP status of an API or authentication error.
    pub fn status(&self) -> Option<u16> {
        self.api_error().map(|e| e.status)
    }

    /// Port's error code (`error` field of the body), e.g. `not_found` or `blueprint_schema_mismatch`.
    pub fn code(&self) -> Option<&str> {
        self.api_error().and_then(|e| e.code.as_deref())
    }

    /// The API error payload, for [`Error::Api`] and [`Error::Auth`].
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) | Self::Auth(e) => Some(e),
            _ => None,
        }
    }

    /// Whether trying the same request again later may succeed: a transient status (408, 429,
    /// 5xx) or a transport failure after the retry budget.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(e) => crate::retry::is_retryable_status(e.status),
            Self::Http { source, .. } => !source.is_builder(),
            _ => false,
        }
    }

    /// Whether no call of this client can succeed as things stand, so a caller should stop
    /// rather than go on: Port unreachable after the retry budget (connection refused, name
    /// not resolved, TLS), credentials refused by the token endpoint, or a 401/403 that
    /// persisted after a token refresh.
    pub fn is_definitive(&self) -> bool {
        match self {
            Self::Unreachable { .. } | Self::Auth(_) => true,
            Self::Api(e) => matches!(e.status, 401 | 403),
            _ => false,
        }
    }

    /// Whether Port answered that what was being created already exists (409, or a message
    /// saying so).
    pub fn is_already_exists(&self) -> bool {
        matches!(self, Self::Api(e)
            if e.status == 409
                || (e.status < 500 && e.message.to_ascii_lowercase().contains("already exists")))
    }

    /// Whether this is an API error with status 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Api(e) if e.status == 404)
    }

    pub(crate) fn decode(what: &'static str) -> impl FnOnce(serde_json::Error) -> Self {
        move |source| Self::Decode { what, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_port_error_body() {
        let body = br#"{"ok":false,"error":"blueprint_schema_mismatch","message":"bad"}"#;
        let err = ApiError::from_body(422, body, None);
        assert_eq!(err.code.as_deref(), Some("blueprint_schema_mismatch"));
        assert_eq!(err.message, "bad");
        assert_eq!(err.to_string(), "HTTP 422 blueprint_schema_mismatch: bad");
    }

    #[test]
    fn keeps_a_short_excerpt_of_other_bodies() {
        let body = "x".repeat(1000);
        let err = ApiError::from_body(502, body.as_bytes(), Some("t1".into()));
        assert_eq!(err.code, None);
        assert!(err.message.chars().count() <= BODY_EXCERPT + 1);
        assert!(err.to_string().ends_with("(trace id t1)"));
    }

    #[test]
    fn classifies_errors() {
        let api = |status| Error::Api(Box::new(ApiError::from_body(status, b"{}", None)));
        assert!(api(429).is_retryable());
        assert!(api(500).is_retryable());
        assert!(!api(422).is_retryable());
        assert!(api(403).is_definitive());
        assert!(!api(404).is_definitive());
        assert!(!api(503).is_definitive());
        assert!(api(404).is_not_found());
        assert!(api(409).is_already_exists());
        let taken = ApiError::from_body(422, br#"{"message":"Blueprint already exists"}"#, None);
        assert!(Error::Api(Box::new(taken)).is_already_exists());
        assert_eq!(api(409).status(), Some(409));
        assert_eq!(Error::Config("x".into()).status(), None);
    }
}
