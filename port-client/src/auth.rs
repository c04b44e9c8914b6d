//! Client credentials and the cached access token.

use std::fmt;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::HeaderValue;
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::error::{ApiError, Error, Result};
use crate::transport::Transport;

/// Longest margin before expiry at which a cached token is refreshed.
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Port API credentials (client id and secret, from Port's "Credentials" page).
///
/// `Debug` never shows the secret.
#[derive(Clone)]
pub struct Credentials {
    client_id: String,
    client_secret: String,
}

impl Credentials {
    /// Credentials from a client id and client secret.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }

    /// The client id (not a secret).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// A token ready to send, and when to stop using it.
struct CachedToken {
    authorization: HeaderValue,
    refresh_at: Instant,
}

/// What the cache holds between calls.
enum TokenState {
    /// No usable token yet.
    Empty,
    /// A token to send until it is due for refresh.
    Cached(CachedToken),
    /// The token endpoint refused the credentials; every later call fails with this.
    Refused(ApiError),
}

/// Fetches access tokens and caches them until shortly before they expire; remembers a
/// refusal of the credentials so it is not asked again.
pub(crate) struct TokenCache {
    credentials: Credentials,
    state: Mutex<TokenState>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenResponse {
    access_token: String,
    expires_in: f64,
    #[serde(default)]
    token_type: Option<String>,
}

impl TokenCache {
    pub(crate) fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            state: Mutex::new(TokenState::Empty),
        }
    }

    /// The `Authorization` header value, fetching a new token when none is cached or it is about
    /// to expire. Concurrent callers wait for one fetch. Once the token endpoint has refused
    /// the credentials (401 or 403), every call fails at once with that refusal.
    pub(crate) async fn authorization(&self, transport: &Transport) -> Result<HeaderValue> {
        let mut state = self.state.lock().await;
        match &*state {
            TokenState::Cached(token) if Instant::now() < token.refresh_at => {
                return Ok(token.authorization.clone());
            }
            TokenState::Refused(refusal) => return Err(Error::Auth(Box::new(refusal.clone()))),
            TokenState::Cached(_) | TokenState::Empty => {}
        }
        match self.fetch(transport).await {
            Ok(token) => {
                let authorization = token.authorization.clone();
                *state = TokenState::Cached(token);
                Ok(authorization)
            }
            Err(Error::Auth(refusal)) => {
                *state = TokenState::Refused((*refusal).clone());
                Err(Error::Auth(refusal))
            }
            Err(other) => Err(other),
        }
    }

    /// Drops the cached token if it is still the one that was rejected.
    pub(crate) async fn invalidate(&self, rejected: &HeaderValue) {
        let mut state = self.state.lock().await;
        if matches!(&*state, TokenState::Cached(token) if token.authorization == rejected) {
            *state = TokenState::Empty;
        }
    }

    async fn fetch(&self, transport: &Transport) -> Result<CachedToken> {
        let body = serde_json::json!({
            "clientId": self.credentials.client_id,
            "clientSecret": self.credentials.client_secret,
        });
        let request = transport
            .request(Method::POST, &["auth", "access_token"])?
            .json(&body)?
            .retryable(true);
        let fetched_at = Instant::now();
        // Boxed: `execute` itself asks this cache for tokens, so the futures nest.
        let token: TokenResponse =
            Box::pin(transport.execute(&request, None, |r| r.json("access token")))
                .await
                .map_err(|err| match err {
                    Error::Api(api) if matches!(api.status, 401 | 403) => Error::Auth(api),
                    other => other,
                })?;
        let token_type = token.token_type.as_deref().unwrap_or("Bearer");
        let mut authorization =
            HeaderValue::from_str(&format!("{token_type} {}", token.access_token)).map_err(
                |_| {
                    Error::Config("Port returned an access token that is not a valid header".into())
                },
            )?;
        authorization.set_sensitive(true);
        Ok(CachedToken {
            authorization,
            refresh_at: fetched_at + usable_lifetime(token.expires_in),
        })
    }
}

/// How long a token is used: its lifetime minus a margin of 10 % (at most 60 s).
fn usable_lifetime(expires_in_secs: f64) -> Duration {
    let lifetime = Duration::try_from_secs_f64(expires_in_secs).unwrap_or(Duration::ZERO);
    lifetime - (lifetime / 10).min(MAX_REFRESH_MARGIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        let credentials = Credentials::new("id-1", "very-secret");
        let shown = format!("{credentials:?}");
        assert!(shown.contains("id-1"));
        assert!(!shown.contains("very-secret"));
    }

    #[test]
    fn refreshes_ahead_of_expiry() {
        assert_eq!(usable_lifetime(10_800.0), Duration::from_secs(10_740));
        assert_eq!(usable_lifetime(100.0), Duration::from_secs(90));
        assert_eq!(usable_lifetime(-5.0), Duration::ZERO);
    }
}
