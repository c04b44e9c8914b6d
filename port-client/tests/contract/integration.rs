//! The integration record: mapping config, resync state, kind examples.

use jiff::Timestamp;
use port_client::{ResyncState, ResyncStatus};
use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::common;

#[tokio::test]
async fn reads_the_mapping_config() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    let config = json!({
        "deleteDependentEntities": true,
        "resources": [{"kind": "project", "selector": {"query": "true"}}]
    });
    Mock::given(method("GET"))
        .and(path("/v1/integration/ado-test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true,
            "integration": {"identifier": "ado-test", "config": config, "resyncState": {"status": "completed"}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        common::client(&server)
            .integration_config()
            .await
            .expect("config"),
        config
    );
}

#[tokio::test]
async fn reports_resync_state_and_kind_examples() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("PATCH"))
        .and(path("/v1/integration/ado-test/resync-state"))
        .and(body_json(json!({
            "status": "completed",
            "lastResyncStart": "2025-01-02T03:04:05Z",
            "lastResyncEnd": "2025-01-02T03:14:05Z",
            "nextResync": null,
            "intervalInMinuets": 60
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "integration": {"resyncState": {"updatedAt": "2025-01-02T03:14:06Z"}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/integration/ado-test/kinds/pull-request/examples"))
        .and(body_json(json!({"examples": [{"pullRequestId": 1}]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    let port = common::client(&server);
    let at = |text: &str| text.parse::<Timestamp>().expect("timestamp");
    let mut state = ResyncState::new(ResyncStatus::Completed);
    state.last_resync_start = Some(at("2025-01-02T03:04:05Z"));
    state.last_resync_end = Some(at("2025-01-02T03:14:05Z"));
    state.interval_minutes = Some(60);
    port.patch_resync_state(&state)
        .await
        .expect("state reported");
    port.post_kind_examples("pull-request", &[json!({"pullRequestId": 1})])
        .await
        .expect("examples posted");
}

#[tokio::test]
async fn reads_and_stores_incremental_cursors() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    let cursor_of = |kind: &str, index: &str| {
        Mock::given(path("/v1/integration/ado-test/cursor"))
            .and(query_param("kind", kind))
            .and(query_param("index", index))
    };
    cursor_of("build", "0")
        .and(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "cursor": {"primary": "2025-01-02T03:04:05Z"}
        })))
        .mount(&server)
        .await;
    cursor_of("work-item", "3")
        .and(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"ok": false})))
        .mount(&server)
        .await;
    // No cursor yet: the PUT finds nothing to replace and the cursor is created.
    cursor_of("work-item", "3")
        .and(method("PUT"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"ok": false})))
        .expect(1)
        .mount(&server)
        .await;
    cursor_of("work-item", "3")
        .and(method("POST"))
        .and(body_json(json!({"primary": "2025-02-01T00:00:00Z"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    // An existing cursor is replaced, and nothing is created.
    cursor_of("build", "0")
        .and(method("PUT"))
        .and(body_json(json!({"primary": "2025-02-01T00:00:00Z"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    cursor_of("build", "0")
        .and(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;

    let port = common::client(&server);
    let at = |text: &str| text.parse::<Timestamp>().expect("timestamp");
    assert_eq!(
        port.resync_cursor("build", 0).await.expect("read"),
        Some(at("2025-01-02T03:04:05Z"))
    );
    assert_eq!(
        port.resync_cursor("work-item", 3).await.expect("read"),
        None
    );
    port.set_resync_cursor("work-item", 3, at("2025-02-01T00:00:00Z"))
        .await
        .expect("created");
    port.set_resync_cursor("build", 0, at("2025-02-01T00:00:00Z"))
        .await
        .expect("replaced");
}

#[tokio::test]
async fn a_cursor_that_is_not_a_time_is_an_error_naming_it() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/integration/ado-test/cursor"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"primary": "last tuesday"})))
        .mount(&server)
        .await;
    let error = common::client(&server)
        .resync_cursor("build", 0)
        .await
        .expect_err("not a time")
        .to_string();
    assert!(error.contains("last tuesday"), "{error}");
}

#[tokio::test]
async fn reads_when_a_resync_was_last_asked_for() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/integration/ado-test/resync-request"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "request": {"updatedAt": "2025-03-04T05:06:07.890Z"}
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/integration/ado-test/resync-request"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"ok": false})))
        .mount(&server)
        .await;
    let port = common::client(&server);
    assert_eq!(
        port.resync_requested_at().await.expect("read"),
        Some("2025-03-04T05:06:07.890Z".parse().expect("time"))
    );
    // Port without the route (or without a request): never asked.
    assert_eq!(port.resync_requested_at().await.expect("read"), None);
}
