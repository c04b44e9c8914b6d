//! Retries, typed errors, the User-Agent and the in-flight bound.

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use port_client::{
    Datasource, Entity, Error, ResyncState, ResyncStatus, RetryPolicy, UpsertOptions,
};
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{self, USER_AGENT};

fn single_upsert_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "ok": true,
        "entity": {"identifier": "p1", "blueprint": "azureDevopsProject"}
    }))
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_then_succeeds() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    common::mount_first_answer(
        &server,
        Mock::given(method("POST")).and(path("/v1/blueprints/azureDevopsProject/entities")),
        ResponseTemplate::new(429)
            .insert_header("retry-after", "1")
            .set_body_json(json!({"ok": false, "error": "rate_limit", "message": "slow down"})),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/azureDevopsProject/entities"))
        .respond_with(single_upsert_ok())
        .expect(1)
        .mount(&server)
        .await;
    // The 1 s hint is capped to a few ms here; `RetryPolicy`'s unit tests cover the floor.
    let port = common::builder(&server)
        .retry(
            RetryPolicy::new(3, Duration::from_millis(1), Duration::from_millis(1))
                .with_max_server_delay(Duration::from_millis(5)),
        )
        .build()
        .expect("client");
    let stored = port
        .upsert_entity(
            &Entity::new("azureDevopsProject", "p1"),
            &UpsertOptions::default(),
        )
        .await
        .expect("second attempt succeeds");
    assert_eq!(stored.identifier, "p1");
}

#[tokio::test]
async fn a_422_is_a_typed_error_and_not_retried() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/azureDevopsProject/entities"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "ok": false,
            "error": "blueprint_schema_mismatch",
            "message": "property revision should be number"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let port = common::client(&server);
    let err = port
        .upsert_entity(
            &Entity::new("azureDevopsProject", "p1"),
            &UpsertOptions::default(),
        )
        .await
        .expect_err("schema mismatch");
    assert!(matches!(err, Error::Api(_)));
    assert_eq!(err.status(), Some(422));
    assert_eq!(err.code(), Some("blueprint_schema_mismatch"));
    assert!(!err.is_retryable());
    assert!(
        err.to_string()
            .contains("property revision should be number")
    );
}

#[tokio::test]
async fn retryable_statuses_stop_after_the_last_attempt() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/blueprints/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let err = common::client(&server)
        .get_blueprint("flaky")
        .await
        .expect_err("unavailable");
    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn the_resync_state_survives_a_failed_patch() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("PATCH"))
        .and(path("/v1/integration/ado-test/resync-state"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/integration/ado-test/resync-state"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    common::client(&server)
        .patch_resync_state(&ResyncState::new(ResyncStatus::Completed))
        .await
        .expect("reported after two 503s");
}

/// A mock Port taking a token request and single upserts of `azureDevopsProject` entities.
async fn taking_single_upserts() -> wiremock::MockServer {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/azureDevopsProject/entities"))
        .respond_with(single_upsert_ok())
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn every_request_carries_the_integration_user_agent() {
    let server = taking_single_upserts().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/blueprints/azureDevopsProject/entities/p1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    let port = common::client(&server);
    port.upsert_entity(
        &Entity::new("azureDevopsProject", "p1"),
        &UpsertOptions::default(),
    )
    .await
    .expect("upsert");
    port.delete_entity("azureDevopsProject", "p1", true)
        .await
        .expect("delete");
    let received = server.received_requests().await.expect("recording on");
    assert_eq!(received.len(), 3);
    for request in received {
        let agent = request
            .headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok());
        assert_eq!(
            agent,
            Some(USER_AGENT),
            "{} {}",
            request.method,
            request.url
        );
    }
}

#[tokio::test]
async fn a_gitops_client_writes_and_lists_as_the_gitops_datasource() {
    let server = taking_single_upserts().await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/entities/datasource-entities"))
        .and(body_partial_json(json!({
            "datasource_prefix": "port-ocean/azure-devops/",
            "datasource_suffix": "/ado-test/gitops",
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "entities": [{"identifier": "svc", "blueprint": "service"}],
            "next": null,
        })))
        .expect(1)
        .mount(&server)
        .await;
    let port = common::client(&server).with_datasource(Datasource::Gitops);
    port.upsert_entity(
        &Entity::new("azureDevopsProject", "p1"),
        &UpsertOptions::default(),
    )
    .await
    .expect("upsert");
    let listed: Vec<Entity> = port
        .datasource_entities(None)
        .try_collect()
        .await
        .expect("listing");
    assert_eq!(listed, [Entity::new("service", "svc")]);
    let received = server.received_requests().await.expect("recording on");
    let agents: Vec<(String, Option<&str>)> = received
        .iter()
        .map(|request| {
            (
                request.url.path().to_owned(),
                request
                    .headers
                    .get("user-agent")
                    .and_then(|v| v.to_str().ok()),
            )
        })
        .collect();
    let gitops = Some("port-ocean/azure-devops/1.2.3/ado-test/gitops");
    assert_eq!(
        agents,
        [
            ("/v1/auth/access_token".to_owned(), Some(USER_AGENT)),
            (
                "/v1/blueprints/azureDevopsProject/entities".to_owned(),
                gitops
            ),
            (
                "/v1/blueprints/entities/datasource-entities".to_owned(),
                gitops
            ),
        ]
    );
}

#[tokio::test]
async fn requests_in_flight_are_bounded() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/blueprints/slow"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(100))
                .set_body_json(json!({"blueprint": {"identifier": "slow"}})),
        )
        .expect(6)
        .mount(&server)
        .await;
    let port = common::builder(&server)
        .max_in_flight(2)
        .build()
        .expect("client");
    let started = Instant::now();
    let calls = (0..6).map(|_| {
        let port = port.clone();
        async move { port.get_blueprint("slow").await }
    });
    for result in futures::future::join_all(calls).await {
        assert!(result.expect("blueprint").is_some());
    }
    assert!(
        started.elapsed() >= Duration::from_millis(290),
        "more than 2 requests ran at once"
    );
}

#[tokio::test]
async fn low_rate_limit_remaining_pauses_the_next_request() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/blueprints/limited"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-remaining", "1")
                .insert_header("x-ratelimit-reset", "1")
                .set_body_json(json!({"blueprint": {"identifier": "limited"}})),
        )
        .expect(2)
        .mount(&server)
        .await;
    let port = common::builder(&server)
        .retry(
            RetryPolicy::new(3, Duration::from_millis(1), Duration::from_millis(1))
                .with_max_server_delay(Duration::from_millis(300)),
        )
        .build()
        .expect("client");
    port.get_blueprint("limited").await.expect("first");
    let started = Instant::now();
    port.get_blueprint("limited").await.expect("second");
    assert!(
        started.elapsed() >= Duration::from_millis(280),
        "no pause before the second request"
    );
}
