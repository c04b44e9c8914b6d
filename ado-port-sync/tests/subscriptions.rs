//! Service hook setup against a fake Azure DevOps subscriptions service: the first start
//! creates, later starts keep, disabled subscriptions are replaced.

mod common;

use std::sync::{Arc, Mutex};

use ado_client::ApiProfile;
use ado_port_sync::{SubscriptionReport, WebhookTarget, ensure_subscriptions};
use common::{ado_client, ado_client_with};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SECRET: &str = "webhook-secret-42";
const URL: &str = "https://port.example/integration/webhook";

/// The subscriptions of one organization, as the service holds them.
#[derive(Clone, Default)]
struct Hooks(Arc<Mutex<Vec<Value>>>);

impl Hooks {
    fn all(&self) -> Vec<Value> {
        self.0.lock().expect("lock").clone()
    }

    fn push(&self, subscription: Value) {
        self.0.lock().expect("lock").push(subscription);
    }

    fn set_status(&self, event_type: &str, status: &str) {
        for subscription in self.0.lock().expect("lock").iter_mut() {
            if subscription["eventType"] == event_type {
                subscription["status"] = json!(status);
            }
        }
    }
}

impl Respond for Hooks {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut hooks = self.0.lock().expect("lock");
        match request.method.as_str() {
            "GET" => {
                let publisher = request
                    .url
                    .query_pairs()
                    .find(|(name, _)| name == "publisherId")
                    .map(|(_, value)| value.into_owned());
                let value: Vec<_> = hooks
                    .iter()
                    .filter(|s| publisher.as_deref().is_none_or(|p| s["publisherId"] == p))
                    .map(|s| {
                        // The service masks secrets.
                        let mut s = s.clone();
                        if s["consumerInputs"].get("basicAuthPassword").is_some() {
                            s["consumerInputs"]["basicAuthPassword"] = json!("********");
                        }
                        s
                    })
                    .collect();
                ResponseTemplate::new(200)
                    .set_body_json(json!({"count": value.len(), "value": value}))
            }
            "POST" => {
                let mut subscription: Value = serde_json::from_slice(&request.body).expect("json");
                subscription["id"] = json!(format!("sub-{}", hooks.len() + 1));
                subscription["status"] = json!("enabled");
                hooks.push(subscription.clone());
                ResponseTemplate::new(200).set_body_json(subscription)
            }
            "DELETE" => {
                let id = request.url.path().rsplit('/').next().unwrap_or_default();
                hooks.retain(|s| s["id"] != id);
                ResponseTemplate::new(204)
            }
            _ => ResponseTemplate::new(405),
        }
    }
}

async fn fake_service(server: &MockServer, org: &str) -> Hooks {
    let hooks = Hooks::default();
    Mock::given(path(format!("/{org}/_apis/hooks/subscriptions")))
        .respond_with(hooks.clone())
        .mount(server)
        .await;
    Mock::given(method("DELETE"))
        .and(path_regex(format!(
            "^/{org}/_apis/hooks/subscriptions/[^/]+$"
        )))
        .respond_with(hooks.clone())
        .mount(server)
        .await;
    hooks
}

fn report(created: usize, kept: usize, deleted: usize) -> SubscriptionReport {
    let mut report = SubscriptionReport::default();
    report.created = created;
    report.kept = kept;
    report.deleted = deleted;
    report
}

#[tokio::test]
async fn a_second_start_keeps_everything_and_a_disabled_subscription_is_replaced() {
    let server = MockServer::start().await;
    let hooks = fake_service(&server, "fabrikam").await;
    // Not ours: another URL, and ours limited to one project.
    hooks.push(
        json!({"id": "other", "publisherId": "tfs", "eventType": "git.push",
        "consumerInputs": {"url": "https://elsewhere.example/hook"}}),
    );
    hooks.push(
        json!({"id": "project", "publisherId": "tfs", "eventType": "git.push",
        "publisherInputs": {"projectId": "p1"}, "consumerInputs": {"url": URL}}),
    );
    let client = ado_client(&server, "fabrikam");
    let target = WebhookTarget::new("https://port.example/").basic_auth_password(SECRET);

    let first = ensure_subscriptions(&client, &target)
        .await
        .expect("first start");
    assert_eq!(first, report(11, 0, 0));
    let all = hooks.all();
    assert_eq!(all.len(), 13);
    let created: Vec<_> = all
        .iter()
        .filter(|s| s["id"].as_str().is_some_and(|id| id.starts_with("sub-")))
        .collect();
    for subscription in &created {
        assert_eq!(subscription["consumerId"], "webHooks");
        assert_eq!(subscription["consumerActionId"], "httpRequest");
        assert_eq!(subscription["consumerInputs"]["url"], URL);
        assert_eq!(subscription["consumerInputs"]["basicAuthUsername"], "port");
        assert_eq!(subscription["consumerInputs"]["basicAuthPassword"], SECRET);
    }
    assert!(created.iter().any(|s| s["publisherId"] == "pipelines"
        && s["eventType"] == "ms.vss-pipelines.run-state-changed-event"));

    let second = ensure_subscriptions(&client, &target)
        .await
        .expect("second start");
    assert_eq!(second, report(0, 11, 0));
    assert_eq!(hooks.all().len(), 13);

    hooks.set_status("workitem.updated", "disabledBySystem");
    hooks.set_status("git.push", "onProbation");
    let third = ensure_subscriptions(&client, &target)
        .await
        .expect("third start");
    assert_eq!(third, report(1, 10, 1));
    let work_item_updates: Vec<_> = hooks
        .all()
        .into_iter()
        .filter(|s| s["eventType"] == "workitem.updated")
        .collect();
    assert_eq!(work_item_updates.len(), 1);
    assert_eq!(work_item_updates[0]["status"], "enabled");
    assert!(!format!("{target:?} {third:?}").contains(SECRET));
}

#[tokio::test]
async fn server_2019_subscribes_to_tfs_events_only() {
    let server = MockServer::start().await;
    let hooks = fake_service(&server, "DefaultCollection").await;
    let client = ado_client_with(&server, "DefaultCollection", ApiProfile::Server2019);
    let target = WebhookTarget::new("https://port.example");
    let created = ensure_subscriptions(&client, &target).await.expect("setup");
    assert_eq!(created, report(9, 0, 0));
    for subscription in hooks.all() {
        assert_eq!(subscription["publisherId"], "tfs");
        assert!(
            subscription["consumerInputs"]
                .get("basicAuthPassword")
                .is_none()
        );
    }
    let requests = server.received_requests().await.expect("recorded");
    assert!(
        requests
            .iter()
            .all(|r| r.url.query().is_some_and(|q| q.contains("api-version=5.0")))
    );
}

#[tokio::test]
async fn an_authentication_failure_is_reported_as_such_without_the_secret() {
    let server = MockServer::start().await;
    Mock::given(path("/fabrikam/_apis/hooks/subscriptions"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let target = WebhookTarget::new("https://port.example").basic_auth_password(SECRET);
    let error = ensure_subscriptions(&ado_client(&server, "fabrikam"), &target)
        .await
        .expect_err("401");
    assert!(error.is_authentication());
    let text = error.to_string();
    assert!(text.contains("authentication failed"), "{text}");
    assert!(!text.contains(SECRET) && !format!("{error:?}").contains(SECRET));
}
