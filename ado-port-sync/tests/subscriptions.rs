//! Service hook setup against a fake Azure DevOps subscriptions service: the first start
//! creates, later starts keep, disabled subscriptions are replaced.

mod common;

use std::sync::{Arc, Mutex};

use ado_client::ApiProfile;
use ado_port_sync::{SubscriptionReport, WebhookTarget, ensure_subscriptions};
use common::{ado_client, ado_client_with, ado_client_with_release_host};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex, query_param};
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
    assert_eq!(first, report(21, 0, 0));
    let all = hooks.all();
    assert_eq!(all.len(), 23);
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
    for (publisher, event) in [
        ("pipelines", "ms.vss-pipelines.run-state-changed-event"),
        ("pipelines", "ms.vss-pipelines.stage-state-changed-event"),
        ("rm", "ms.vss-release.deployment-completed-event"),
        ("advsec", "ms.vss-alerts.alert-updated-event"),
        ("tfs", "git.repo.deleted"),
    ] {
        assert!(
            created
                .iter()
                .any(|s| s["publisherId"] == publisher && s["eventType"] == event),
            "{publisher} {event}"
        );
    }

    let second = ensure_subscriptions(&client, &target)
        .await
        .expect("second start");
    assert_eq!(second, report(0, 21, 0));
    assert_eq!(hooks.all().len(), 23);

    hooks.set_status("workitem.updated", "disabledBySystem");
    hooks.set_status("git.push", "onProbation");
    let third = ensure_subscriptions(&client, &target)
        .await
        .expect("third start");
    assert_eq!(third, report(1, 20, 1));
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
async fn server_2019_subscribes_to_tfs_and_release_events_only() {
    let server = MockServer::start().await;
    let hooks = fake_service(&server, "DefaultCollection").await;
    let client = ado_client_with(&server, "DefaultCollection", ApiProfile::Server2019);
    let target = WebhookTarget::new("https://port.example");
    let created = ensure_subscriptions(&client, &target).await.expect("setup");
    assert_eq!(created, report(13, 0, 0));
    for subscription in hooks.all() {
        assert!(
            ["tfs", "rm"].contains(&subscription["publisherId"].as_str().unwrap_or_default()),
            "{subscription}"
        );
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

/// Serves the projects of `org`, the first one tagged `legacy`.
async fn serve_projects(server: &MockServer, org: &str, projects: &[&str]) {
    let value: Vec<Value> = projects
        .iter()
        .map(|id| json!({"id": id, "name": id, "state": "wellFormed"}))
        .collect();
    Mock::given(method("GET"))
        .and(path(format!("/{org}/_apis/projects")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"count": value.len(), "value": value})),
        )
        .mount(server)
        .await;
    for (index, id) in projects.iter().enumerate() {
        let tags: Vec<Value> = if index == 0 {
            vec![json!({"name": "Microsoft.TeamFoundation.Project.Tag.legacy", "value": "True"})]
        } else {
            Vec::new()
        };
        Mock::given(method("GET"))
            .and(path(format!("/{org}/_apis/projects/{id}/properties")))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"count": tags.len(), "value": tags})),
            )
            .mount(server)
            .await;
    }
}

#[tokio::test]
async fn project_limited_subscriptions_are_created_once_per_project_and_organization() {
    let server = MockServer::start().await;
    let fabrikam = fake_service(&server, "fabrikam").await;
    let contoso = fake_service(&server, "contoso").await;
    serve_projects(&server, "fabrikam", &["old", "web", "api"]).await;
    serve_projects(&server, "contoso", &["legacy-app", "shop"]).await;
    let target = WebhookTarget::new("https://port.example")
        .basic_auth_password(SECRET)
        .limited_to_projects(["legacy"]);
    let clients = [
        ado_client(&server, "fabrikam"),
        ado_client(&server, "contoso"),
    ];
    let events = 21;

    for client in &clients {
        ensure_subscriptions(client, &target)
            .await
            .expect("first start");
    }
    assert_eq!(fabrikam.all().len(), 2 * events);
    assert_eq!(contoso.all().len(), events);
    for subscription in fabrikam.all() {
        let project = subscription["publisherInputs"]["projectId"].clone();
        assert!(project == "web" || project == "api", "{subscription}");
        assert_eq!(subscription["consumerInputs"]["basicAuthPassword"], SECRET);
    }

    // A restart creates nothing, and repairs only what was disabled.
    fabrikam.set_status("ms.vss-release.release-created-event", "disabledByUser");
    let second = ensure_subscriptions(&clients[0], &target)
        .await
        .expect("second start");
    assert_eq!(second, report(2, 2 * events - 2, 2));
    let third = ensure_subscriptions(&clients[1], &target)
        .await
        .expect("second start");
    assert_eq!(third, report(0, events, 0));
    assert_eq!(fabrikam.all().len(), 2 * events);
    assert_eq!(contoso.all().len(), events);
    assert!(
        fabrikam.all().iter().all(|s| s["status"] == "enabled"),
        "every subscription delivers again"
    );
}

#[tokio::test]
async fn release_subscriptions_live_on_the_release_host_and_are_found_there_again() {
    let server = MockServer::start().await;
    let organization = fake_service(&server, "fabrikam").await;
    let release_host = fake_service(&server, "vsrm/fabrikam").await;
    let client = ado_client_with_release_host(&server, "fabrikam");
    let target = WebhookTarget::new("https://port.example");
    let first = ensure_subscriptions(&client, &target).await.expect("first");
    assert_eq!(first.created, 21);
    let on_release_host = release_host.all();
    assert_eq!(on_release_host.len(), 4);
    assert!(on_release_host.iter().all(|s| s["publisherId"] == "rm"));
    assert!(organization.all().iter().all(|s| s["publisherId"] != "rm"));
    let second = ensure_subscriptions(&client, &target)
        .await
        .expect("second");
    assert_eq!(second, report(0, 21, 0));
    assert_eq!(release_host.all().len(), 4);
}

#[tokio::test]
async fn a_publisher_refused_last_leaves_the_others_in_place() {
    let server = MockServer::start().await;
    let hooks = fake_service(&server, "fabrikam").await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/hooks/subscriptions"))
        .and(query_param("publisherId", "advsec"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "Access denied.", "typeKey": "UnauthorizedRequestException"
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    let target = WebhookTarget::new("https://port.example");
    let error = ensure_subscriptions(&ado_client(&server, "fabrikam"), &target)
        .await
        .expect_err("advsec refused");
    assert!(error.step.contains("advsec"), "{error}");
    let created = hooks.all();
    assert_eq!(created.len(), 18);
    assert!(created.iter().all(|s| s["publisherId"] != "advsec"));
}
