//! Access tokens: caching, refresh before expiry, refresh on 401, and redaction.

use std::time::Duration;

use port_client::{Credentials, Entity, Error, PortClient, UpsertOptions};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{self, SECRET, TOKEN};

async fn mount_blueprint(server: &MockServer, token: &str, times: u64) {
    Mock::given(method("GET"))
        .and(path("/v1/blueprints/azureDevopsProject"))
        .and(header("authorization", format!("Bearer {token}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true,
            "blueprint": {"identifier": "azureDevopsProject", "schema": {"properties": {}}}
        })))
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn token_is_fetched_once_and_reused() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    mount_blueprint(&server, TOKEN, 3).await;
    let port = common::client(&server);
    for _ in 0..3 {
        let found = port
            .get_blueprint("azureDevopsProject")
            .await
            .expect("blueprint");
        assert!(found.is_some());
    }
    // Clones share the cached token.
    let clone = port.clone();
    drop(port);
    assert_eq!(clone.identity().identifier, "ado-test");
}

#[tokio::test]
async fn token_is_refreshed_before_it_expires() {
    let server = common::server().await;
    common::mount_token_sequence(&server, 1, 2).await;
    mount_blueprint(&server, "token-1", 1).await;
    mount_blueprint(&server, "token-2", 1).await;
    let port = common::client(&server);
    port.get_blueprint("azureDevopsProject")
        .await
        .expect("first call");
    // A 1 s token is used for 0.9 s at most: 0.95 s later (on a paused clock, resumed for
    // the call), the second call fetches a new one.
    tokio::time::pause();
    tokio::time::advance(Duration::from_millis(950)).await;
    tokio::time::resume();
    port.get_blueprint("azureDevopsProject")
        .await
        .expect("second call");
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_then_succeeds() {
    let server = common::server().await;
    common::mount_token_sequence(&server, 3600, 2).await;
    Mock::given(method("GET"))
        .and(path("/v1/blueprints/azureDevopsProject"))
        .and(header("authorization", "Bearer token-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "ok": false, "error": "unauthorized", "message": "token revoked"
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_blueprint(&server, "token-2", 1).await;
    let port = common::client(&server);
    let found = port
        .get_blueprint("azureDevopsProject")
        .await
        .expect("retried with new token");
    assert_eq!(
        found.map(|b| b.identifier).as_deref(),
        Some("azureDevopsProject")
    );
}

#[tokio::test]
async fn refused_credentials_are_definitive_asked_for_once_and_shown_without_secrets() {
    let server = common::server().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/access_token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "ok": false, "error": "unauthorized", "message": "invalid client credentials"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let port = common::client(&server);
    let entities = [Entity::new("azureDevopsProject", "p1")];
    let mut errors = vec![
        port.get_blueprint("azureDevopsProject")
            .await
            .expect_err("auth fails"),
    ];
    for _ in 0..2 {
        errors.push(
            port.upsert_entities(&entities, &UpsertOptions::default())
                .await
                .expect_err("still refused, without asking again"),
        );
    }
    for err in errors {
        assert!(matches!(err, Error::Auth(_)), "{err:?}");
        assert!(err.is_definitive() && !err.is_retryable(), "{err:?}");
        assert_eq!(err.status(), Some(401));
        assert_eq!(err.code(), Some("unauthorized"));
        assert_eq!(
            err.to_string(),
            "Port refused the credentials (HTTP 401): invalid client credentials"
        );
        assert!(!format!("{err:?}").contains(SECRET), "{err:?}");
    }
}

#[tokio::test]
async fn debug_output_never_shows_secret_or_token() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/blueprints/broken"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "ok": false, "error": "missing_permissions", "message": "no access"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let port = common::client(&server);
    let err = port.get_blueprint("broken").await.expect_err("forbidden");
    let credentials = Credentials::new(common::CLIENT_ID, SECRET);
    let builder = PortClient::builder(credentials.clone());
    for shown in [
        format!("{port:?}"),
        format!("{credentials:?}"),
        format!("{builder:?}"),
        format!("{err:?}"),
        err.to_string(),
    ] {
        assert!(!shown.contains(SECRET), "secret in {shown}");
        assert!(!shown.contains(TOKEN), "token in {shown}");
    }
}
