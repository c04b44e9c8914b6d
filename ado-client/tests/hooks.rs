//! Contract tests of service hook subscriptions: list, create and delete on cloud and Server,
//! each on the host of its publisher.

mod common;

use ado_client::{ApiProfile, NewHookSubscription};
use common::*;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

const SECRET: &str = "webhook-secret-42";
const TARGET: &str = "https://port.example/integration/webhook";

fn git_push() -> NewHookSubscription {
    NewHookSubscription::web_hook("tfs", "git.push", TARGET).basic_auth("port", SECRET)
}

#[tokio::test]
async fn lists_a_publishers_subscriptions_with_status_and_inputs() {
    let server = server().await;
    get("/fabrikam/_apis/hooks/subscriptions", "7.1")
        .and(query_param("publisherId", "tfs"))
        .and(query_param("eventType", "build.complete"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("hooks/7.1/subscriptions_list.json")),
        )
        .expect(1)
        .mount(&server)
        .await;

    let listed =
        collect(cloud_client(&server).hook_subscriptions("tfs", Some("build.complete"))).await;
    assert_eq!(listed.len(), 12);
    let disabled = &listed[2].item;
    assert_eq!(disabled.id, "a3c0ef7e-610c-4321-9a05-6d74e4930c7d");
    assert_eq!(disabled.status.as_deref(), Some("disabledBySystem"));
    assert!(!disabled.is_enabled());
    assert_eq!(disabled.consumer_id.as_deref(), Some("webHooks"));
    assert_eq!(disabled.consumer_action_id.as_deref(), Some("httpRequest"));
    assert_eq!(
        disabled.consumer_input("url"),
        Some("http://requestb.in/stkb4jst")
    );
    assert_eq!(
        disabled.publisher_input("projectId"),
        Some("6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c")
    );
    assert_eq!(disabled.publisher_input("buildStatus"), None, "empty input");
    // No status, and on probation: both still deliver.
    assert!(listed[0].item.is_enabled());
    assert!(listed[3].item.is_enabled());
}

#[tokio::test]
async fn lists_on_a_server_2019_collection_with_api_version_5_0() {
    let server = server().await;
    get("/tfs/DefaultCollection/_apis/hooks/subscriptions", "5.0")
        .and(query_param("publisherId", "tfs"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture("hooks/server-5.0/subscriptions_list.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = server_client(&server, ApiProfile::Server2019);
    let listed = collect(client.hook_subscriptions("tfs", None)).await;
    assert_eq!(listed.len(), 12);
    assert_eq!(listed[4].item.event_type, "git.push");
}

#[tokio::test]
async fn creates_a_web_hook_with_basic_authentication() {
    let server = server().await;
    post("/fabrikam/_apis/hooks/subscriptions", "7.1")
        .and(body_json(json!({
            "publisherId": "tfs",
            "eventType": "git.push",
            "consumerId": "webHooks",
            "consumerActionId": "httpRequest",
            "publisherInputs": {},
            "consumerInputs": {
                "url": TARGET,
                "basicAuthUsername": "port",
                "basicAuthPassword": SECRET,
            },
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("hooks/7.1/subscription_create.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let created = cloud_client(&server)
        .create_hook_subscription(&git_push())
        .await
        .expect("created");
    assert_eq!(created.item.id, "fd672255-8b6b-4769-9260-beea83d752ce");
    assert_eq!(created.raw["actionDescription"], "To host myservice");
}

#[tokio::test]
async fn creates_with_publisher_inputs_on_a_server_2022_collection() {
    let server = server().await;
    post("/tfs/DefaultCollection/_apis/hooks/subscriptions", "7.0")
        .and(body_json(json!({
            "publisherId": "tfs",
            "eventType": "build.complete",
            "consumerId": "webHooks",
            "consumerActionId": "httpRequest",
            "publisherInputs": {"projectId": "p1"},
            "consumerInputs": {"url": TARGET},
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture("hooks/server-5.0/subscription_create.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let subscription = NewHookSubscription::web_hook("tfs", "build.complete", TARGET)
        .publisher_input("projectId", "p1");
    server_client(&server, ApiProfile::Server2022)
        .create_hook_subscription(&subscription)
        .await
        .expect("created");
}

#[tokio::test]
async fn release_subscriptions_are_listed_and_created_on_the_release_host() {
    let server = server().await;
    get("/vsrm/fabrikam/_apis/hooks/subscriptions", "7.1")
        .and(query_param("publisherId", "rm"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&[])))
        .expect(1)
        .mount(&server)
        .await;
    post("/vsrm/fabrikam/_apis/hooks/subscriptions", "7.1")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("hooks/7.1/subscription_create.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = cloud_client(&server);
    assert!(
        collect(client.hook_subscriptions("rm", None))
            .await
            .is_empty()
    );
    let subscription =
        NewHookSubscription::web_hook("rm", "ms.vss-release.release-created-event", TARGET);
    client
        .create_hook_subscription(&subscription)
        .await
        .expect("created");
}

#[tokio::test]
async fn a_failed_creation_is_not_retried_and_its_error_hides_the_secret() {
    let server = server().await;
    post("/fabrikam/_apis/hooks/subscriptions", "7.1")
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "message": "VS1000: something went wrong",
            "typeKey": "InternalServerException",
        })))
        .expect(1)
        .mount(&server)
        .await;
    let error = cloud_client(&server)
        .create_hook_subscription(&git_push())
        .await
        .expect_err("500");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    for text in [
        error.to_string(),
        format!("{error:?}"),
        format!("{:?}", git_push()),
    ] {
        assert!(!text.contains(SECRET), "{text}");
    }
}

#[tokio::test]
async fn a_throttled_creation_is_sent_again() {
    let server = server().await;
    post("/fabrikam/_apis/hooks/subscriptions", "7.1")
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&server)
        .await;
    post("/fabrikam/_apis/hooks/subscriptions", "7.1")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("hooks/7.1/subscription_create.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    cloud_client(&server)
        .create_hook_subscription(&git_push())
        .await
        .expect("created after the 429");
}

#[tokio::test]
async fn deletes_a_subscription_by_id() {
    let server = server().await;
    Mock::given(method("DELETE"))
        .and(path("/fabrikam/_apis/hooks/subscriptions/a3c0ef7e"))
        .and(query_param("api-version", "7.1"))
        .and(header("authorization", basic_auth().as_str()))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    cloud_client(&server)
        .delete_hook_subscription("tfs", "a3c0ef7e")
        .await
        .expect("deleted");
}
