//! Live events against a mock Azure DevOps organization and a recording sink.

mod common;

use std::sync::{Arc, Mutex};

use ado_port_sync::{
    EntityRef, EntitySink, EntityStore, LiveError, LiveEvents, SinkError, StoredEntity,
    WriteOptions, WriteOutcome,
};
use async_trait::async_trait;
use common::{ado_client, fixture_text};
use futures::stream::BoxStream;
use mapping_engine::Entity;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PR_PROJECT: &str = "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c";
const PUSH_PROJECT: &str = "65e40c52-3c5d-487c-8a45-6b852de287a8";
const PUSH_REPO: &str = "7aa31685-abcf-40be-8c18-aaa45067d7bb";

const MAPPING: &str = r#"
deleteDependentEntities: true
resources:
  - kind: pull-request
    selector:
      query: '.status == "active"'
    port:
      entity:
        mappings:
          identifier: .pullRequestId | tostring
          title: .title
          blueprint: '"pr"'
          properties:
            organization: .__organizationName
  - kind: repository
    selector:
      query: 'true'
      includedFiles: [README.md]
    port:
      entity:
        mappings:
          identifier: .id
          title: .name
          blueprint: '"repo"'
          properties:
            readme: '.__includedFiles["README.md"]'
  - kind: branch
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .__repository.name + "/" + .name
          blueprint: '"branch"'
          properties:
            head: .objectId
"#;

/// Records writes and deletions.
#[derive(Default)]
struct Recorder {
    written: Mutex<Vec<Entity>>,
    deleted: Mutex<Vec<(String, String, bool)>>,
}

#[async_trait]
impl EntitySink for Recorder {
    async fn write(
        &self,
        entities: &[Entity],
        _options: &WriteOptions,
    ) -> Result<Vec<WriteOutcome>, SinkError> {
        self.written
            .lock()
            .expect("lock")
            .extend_from_slice(entities);
        Ok(vec![
            WriteOutcome::Written { identifier: None };
            entities.len()
        ])
    }

    fn store(&self) -> Option<&dyn EntityStore> {
        Some(self)
    }
}

#[async_trait]
impl EntityStore for Recorder {
    fn existing(
        &self,
        _before: Option<jiff::Timestamp>,
    ) -> BoxStream<'static, Result<StoredEntity, SinkError>> {
        Box::pin(futures::stream::empty())
    }

    async fn delete(
        &self,
        blueprint: &str,
        identifiers: &[String],
        delete_dependents: bool,
    ) -> Result<Vec<String>, SinkError> {
        let mut deleted = self.deleted.lock().expect("lock");
        for id in identifiers {
            deleted.push((blueprint.to_owned(), id.clone(), delete_dependents));
        }
        Ok(identifiers.to_vec())
    }
}

async fn setup() -> (MockServer, LiveEvents, Arc<Recorder>) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/projects"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 2,
            "value": [
                {"id": PR_PROJECT, "name": "Fabrikam", "state": "wellFormed"},
                {"id": PUSH_PROJECT, "name": "Project", "state": "wellFormed"},
            ]
        })))
        .mount(&server)
        .await;
    let config: Value = serde_saphyr::from_str(MAPPING).expect("yaml");
    let sink = Arc::new(Recorder::default());
    let live = LiveEvents::new(
        &config,
        Default::default(),
        vec![ado_client(&server, "fabrikam")],
        Arc::clone(&sink) as Arc<dyn EntitySink>,
    )
    .expect("valid mapping");
    (server, live, sink)
}

fn event(name: &str) -> Value {
    serde_json::from_str(&fixture_text(&format!("service-hooks/{name}.json"))).expect("json")
}

async fn serve_pull_request(server: &MockServer, status: &str) {
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/git/pullrequests/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "pullRequestId": 1,
            "status": status,
            "title": "my first pull request (re-read)",
        })))
        .expect(1)
        .mount(server)
        .await;
}

fn entity_ref(blueprint: &str, identifier: &str) -> EntityRef {
    EntityRef {
        blueprint: blueprint.into(),
        identifier: identifier.into(),
    }
}

#[tokio::test]
async fn an_updated_pull_request_is_read_again_and_upserted() {
    let (server, live, sink) = setup().await;
    serve_pull_request(&server, "active").await;
    let report = live
        .handle(&event("git.pullrequest.updated"))
        .await
        .expect("handled");
    assert_eq!(report.event_type, "git.pullrequest.updated");
    assert_eq!(report.organization.as_deref(), Some("fabrikam"));
    assert_eq!(report.upserted, [entity_ref("pr", "1")]);
    assert!(report.deleted.is_empty());
    let written = sink.written.lock().expect("lock").clone();
    assert_eq!(written.len(), 1);
    assert_eq!(
        written[0].title,
        Some(json!("my first pull request (re-read)"))
    );
    assert_eq!(
        written[0].properties.as_ref().expect("properties")["organization"],
        "fabrikam"
    );
}

#[tokio::test]
async fn a_pull_request_failing_the_selector_is_deleted() {
    let (server, live, sink) = setup().await;
    serve_pull_request(&server, "completed").await;
    let report = live
        .handle(&event("git.pullrequest.updated"))
        .await
        .expect("handled");
    assert!(report.upserted.is_empty());
    assert_eq!(report.deleted, [entity_ref("pr", "1")]);
    assert_eq!(
        *sink.deleted.lock().expect("lock"),
        [("pr".to_owned(), "1".to_owned(), true)]
    );
}

#[tokio::test]
async fn a_created_repository_is_read_with_its_included_files() {
    let (server, live, sink) = setup().await;
    let repo_path = format!("/fabrikam/{PUSH_PROJECT}/_apis/git/repositories/{PUSH_REPO}");
    Mock::given(method("GET"))
        .and(path(repo_path.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": PUSH_REPO,
            "name": "Project",
            "defaultBranch": "refs/heads/main",
            "project": {"id": PUSH_PROJECT, "state": "wellFormed"},
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{repo_path}/items")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "path": "/README.md",
            "content": "# Project",
        })))
        .expect(1)
        .mount(&server)
        .await;
    let payload = json!({
        "eventType": "git.repo.created",
        "publisherId": "tfs",
        "resource": {"repository": {"id": PUSH_REPO, "project": {"id": PUSH_PROJECT}}},
    });
    let report = live.handle(&payload).await.expect("handled");
    assert_eq!(report.upserted, [entity_ref("repo", PUSH_REPO)]);
    let written = sink.written.lock().expect("lock").clone();
    assert_eq!(
        written[0].properties.as_ref().expect("properties")["readme"],
        "# Project"
    );
}

#[tokio::test]
async fn a_push_deleting_a_branch_deletes_its_entity_and_upserts_the_others() {
    let (server, live, sink) = setup().await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/fabrikam/{PUSH_PROJECT}/_apis/git/repositories/{PUSH_REPO}"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": PUSH_REPO,
            "name": "Project",
        })))
        .mount(&server)
        .await;
    let mut payload = event("git.push");
    payload["resource"]["refUpdates"] = json!([
        {"name": "refs/heads/old", "oldObjectId": "61b7", "newObjectId": "0000000000000000000000000000000000000000"},
        {"name": "refs/heads/master", "oldObjectId": "61b7", "newObjectId": "c8e8"},
        {"name": "refs/tags/v1", "oldObjectId": "0000", "newObjectId": "aaaa"},
    ]);
    let report = live.handle(&payload).await.expect("handled");
    assert_eq!(report.upserted, [entity_ref("branch", "Project/master")]);
    assert_eq!(report.deleted, [entity_ref("branch", "Project/old")]);
    let written = sink.written.lock().expect("lock").clone();
    assert_eq!(
        written[0].properties.as_ref().expect("properties")["head"],
        "c8e8"
    );
    assert_eq!(sink.deleted.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn unknown_events_are_ignored_with_a_reason() {
    let (_server, live, sink) = setup().await;
    let payload = json!({
        "eventType": "tfvc.checkin",
        "publisherId": "tfs",
        "resource": {"changesetId": 18},
    });
    let report = live.handle(&payload).await.expect("handled");
    assert_eq!(report.ignored, ["event type `tfvc.checkin` is not handled"]);
    assert!(report.upserted.is_empty() && report.deleted.is_empty());
    assert!(sink.written.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn a_malformed_envelope_is_an_error() {
    let (_server, live, _sink) = setup().await;
    for payload in [
        json!({"publisherId": "tfs", "resource": {}}),
        json!({"eventType": "git.push", "resource": {}}),
        json!({"eventType": "git.push", "publisherId": "tfs", "resource": 3}),
        json!([1, 2]),
    ] {
        let error = live.handle(&payload).await.expect_err("malformed");
        assert!(matches!(error, LiveError::Envelope(_)), "{error}");
    }
}
