//! Receiving service hooks: where Azure DevOps delivers them and how a call authenticates.

use base64::Engine as _;

use crate::settings::Secret;

/// The paths service hooks are delivered to, under the app host: `/integration/webhook` (where
/// [`WebhookTarget`](super::WebhookTarget) subscribes them, as the reference integration
/// does), and `/webhook`.
pub const WEBHOOK_PATHS: [&str; 2] = ["/integration/webhook", "/webhook"];

/// How an incoming service-hook call must authenticate: `Basic` credentials whose password is
/// the webhook secret (the username is ignored), as the subscriptions send them.
#[derive(Debug, Clone)]
pub struct WebhookAuth {
    secret: Option<Secret>,
}

impl WebhookAuth {
    /// Calls must carry `secret` as their Basic password.
    #[must_use]
    pub fn secret(secret: Secret) -> Self {
        Self {
            secret: Some(secret),
        }
    }

    /// Every call is accepted: anyone who reaches the server can make the integration read
    /// and write the catalog.
    #[must_use]
    pub fn insecure_accept_all() -> Self {
        Self { secret: None }
    }

    /// Whether a call with this `Authorization` header value is accepted. The password is
    /// compared in constant time.
    #[must_use]
    pub fn accepts(&self, authorization: Option<&[u8]>) -> bool {
        let Some(secret) = &self.secret else {
            return true;
        };
        authorization
            .and_then(basic_password)
            .is_some_and(|password| constant_time_eq(&password, secret.expose().as_bytes()))
    }
}

/// The password of `Basic` credentials.
fn basic_password(header: &[u8]) -> Option<Vec<u8>> {
    let header = std::str::from_utf8(header).ok()?;
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let colon = decoded.iter().position(|b| *b == b':')?;
    Some(decoded[colon + 1..].to_vec())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(pair: &str) -> Vec<u8> {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
        .into_bytes()
    }

    #[test]
    fn only_the_secret_as_basic_password_is_accepted() {
        let auth = WebhookAuth::secret(Secret::new("s3cret"));
        assert!(auth.accepts(Some(&basic("port:s3cret"))));
        assert!(auth.accepts(Some(&basic("anyone:s3cret"))));
        assert!(auth.accepts(Some(b"basic   cG9ydDpzM2NyZXQ=  ")));
        assert!(!auth.accepts(Some(&basic("port:s3cre"))));
        assert!(!auth.accepts(Some(&basic("port:s3cret!"))));
        assert!(!auth.accepts(Some(&basic("s3cret"))));
        assert!(!auth.accepts(Some(b"Bearer s3cret")));
        assert!(!auth.accepts(Some(b"Basic !!!")));
        assert!(!auth.accepts(None));
        assert!(WebhookAuth::insecure_accept_all().accepts(None));
    }

    #[test]
    fn the_secret_stays_out_of_debug_output() {
        let auth = WebhookAuth::secret(Secret::new("s3cret"));
        assert!(!format!("{auth:?}").contains("s3cret"));
    }
}
