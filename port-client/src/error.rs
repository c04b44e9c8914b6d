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

/// Everything that can go wrong talking to Port. Never carries a secret or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Port answered with a non-success status (after any retries).
    #[error("Port API error: {0}")]
    Api(Box<ApiError>),
    /// Port refused to issue an access token for the configured credentials.
    #[error("Port authentication failed: {0}")]
    Auth(Box<ApiError>),
    /// The request could not be sent or its response could not be read (after any retries).
    #[error("request to Port failed: {0}")]
    Http(#[source] reqwest::Error),
    /// Port's response did not have the expected shape.
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

    /// Whether trying the same request again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(e) | Self::Auth(e) => crate::retry::is_retryable_status(e.status),
            Self::Http(e) => !e.is_builder(),
            _ => false,
        }
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
        assert!(!api(422).is_retryable());
        assert!(api(404).is_not_found());
        assert_eq!(api(409).status(), Some(409));
        assert_eq!(Error::Config("x".into()).status(), None);
    }
}
