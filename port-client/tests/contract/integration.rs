//! The integration record: mapping config, resync state, kind examples.

use jiff::Timestamp;
use port_client::{ResyncState, ResyncStatus};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
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
