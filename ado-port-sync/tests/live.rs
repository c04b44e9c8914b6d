//! Live events against a mock Azure DevOps organization and a recording sink.

mod common;

use std::sync::{Arc, Mutex};

use ado_port_sync::{
    EntityRef, EntitySink, EntityStore, LiveError, LiveEvents, MemorySink, SinkError, StoredEntity,
    WriteOptions, WriteOutcome,
};
use async_trait::async_trait;
use common::{ado_client, ado_client_with_release_host, fixture_text};
use futures::stream::BoxStream;
use mapping_engine::Entity;
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, method, path, query_param, query_param_is_missing};
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
    Mock::given(method("GET"))
        .and(path(format!(
            "/fabrikam/{PUSH_PROJECT}/_apis/git/repositories/{PUSH_REPO}/refs"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 1,
            "value": [{"name": "refs/heads/master", "objectId": "c8e8"}],
        })))
        .mount(&server)
        .await;
    let mut payload = event("git.push");
    payload["resource"]["refUpdates"] = json!([
        {"name": "refs/heads/old", "oldObjectId": "61b7", "newObjectId": "0000000000000000000000000000000000000000"},
        // The payload's head is stale: the branch is read again.
        {"name": "refs/heads/master", "oldObjectId": "61b7", "newObjectId": "b0b0"},
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
    // A build, its stages and its test runs: none mapped, nothing read.
    let report = live
        .handle(&event("build.complete"))
        .await
        .expect("handled");
    assert_eq!(report.ignored, ["the mapping has no `build` resource"]);
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
        assert!(!error.is_retryable());
    }
}

// Events of every kind, against an in-memory catalog.

/// The project of the build, stage and work item payloads.
const PROJECT: &str = "be9b3917-87e6-42a4-a549-2bc06a7a878f";

const KINDS_MAPPING: &str = r#"
resources:
  - kind: work-item
    selector:
      query: '.fields["System.State"] != "Removed"'
      wiql: "[System.WorkItemType] = 'Bug'"
    port:
      entity:
        mappings:
          identifier: .__project.id + "/" + (.id | tostring)
          blueprint: '"workItem"'
          properties:
            state: .fields["System.State"]
  - kind: repository
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .id
          title: .name
          blueprint: '"repo"'
  - kind: repository
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .name
          blueprint: '"repoByName"'
  - kind: file
    selector:
      query: 'true'
      files:
        path: '**/*.yaml'
    port:
      entity:
        mappings:
          identifier: .repo.name + ":" + .file.path
          blueprint: '"file"'
          properties:
            content: .file.content.parsed
  - kind: folder
    selector:
      query: 'true'
      folders:
        - path: /services/*
    port:
      entity:
        mappings:
          identifier: .__repository.name + ":" + .path
          blueprint: '"folder"'
  - kind: wiki
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .__wiki.name + ":" + .path
          blueprint: '"wikiPage"'
  - kind: build
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .id | tostring
          blueprint: '"build"'
          properties:
            result: .result
  - kind: pipeline-stage
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: (.__build.id | tostring) + "/" + .identifier
          blueprint: '"stage"'
          properties:
            state: .state
  - kind: test-run
    selector:
      query: 'true'
      includeResults: false
    port:
      entity:
        mappings:
          identifier: .id | tostring
          blueprint: '"testRun"'
  - kind: release
    selector:
      query: '.status != "abandoned"'
    port:
      entity:
        mappings:
          identifier: .id | tostring
          blueprint: '"release"'
  - kind: release-definition
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .id | tostring
          blueprint: '"releaseDefinition"'
          properties:
            project: .__project.name
  - kind: release-deployment
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .id | tostring
          blueprint: '"deployment"'
          properties:
            status: .deploymentStatus
  - kind: advanced-security-alert
    selector:
      query: 'true'
      criteria:
        states: [active]
    port:
      entity:
        mappings:
          identifier: .alertId | tostring
          blueprint: '"alert"'
          properties:
            repository: .__repositoryId
"#;

/// A mock organization `fabrikam` with the two projects, its release host under `/vsrm`, and a
/// live handler writing into an in-memory catalog.
async fn catalog_setup() -> (MockServer, LiveEvents, MemorySink) {
    let server = MockServer::start().await;
    get(
        &server,
        "/fabrikam/_apis/projects",
        json!({"count": 2, "value": [
            {"id": PROJECT, "name": "GoodCompanyCloud", "state": "wellFormed"},
            {"id": PUSH_PROJECT, "name": "Project", "state": "wellFormed"},
        ]}),
    )
    .await;
    let client = ado_client_with_release_host(&server, "fabrikam");
    let config: Value = serde_saphyr::from_str(KINDS_MAPPING).expect("yaml");
    let catalog = MemorySink::new();
    let live = LiveEvents::new(
        &config,
        Default::default(),
        vec![client],
        Arc::new(catalog.clone()) as Arc<dyn EntitySink>,
    )
    .expect("valid mapping");
    (server, live, catalog)
}

async fn get(server: &MockServer, route: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

/// Azure DevOps' answer for something that does not exist (a 404 with its error body).
async fn not_found(server: &MockServer, route: &str) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "$id": "1",
            "message": "TF401174: The item could not be found.",
            "typeKey": "ItemNotFoundException",
            "errorCode": 0,
        })))
        .mount(server)
        .await;
}

/// Stores an entity, as a previous resync would have.
async fn seed(catalog: &MemorySink, blueprint: &str, identifier: &str) {
    let entity: Entity =
        serde_json::from_value(json!({"identifier": identifier, "blueprint": blueprint}))
            .expect("entity");
    catalog
        .write(
            &[entity],
            &WriteOptions {
                merge: false,
                create_missing_related_entities: true,
            },
        )
        .await
        .expect("seeded");
}

fn ids(refs: &[EntityRef]) -> Vec<(&str, &str)> {
    refs.iter()
        .map(|r| (r.blueprint.as_str(), r.identifier.as_str()))
        .collect()
}

async fn serve_work_item_batch(server: &MockServer, value: Value) {
    Mock::given(method("POST"))
        .and(path(format!(
            "/fabrikam/{PROJECT}/_apis/wit/workitemsbatch"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 1, "value": value})))
        .expect(1)
        .mount(server)
        .await;
}

/// Answers the selector's WIQL for work item 5: whether it meets the condition.
async fn serve_wiql(server: &MockServer, meets: bool) {
    let work_items = if meets { json!([{"id": 5}]) } else { json!([]) };
    Mock::given(method("POST"))
        .and(path(format!("/fabrikam/{PROJECT}/_apis/wit/wiql")))
        .and(body_string_contains("[System.Id] = 5"))
        .and(body_string_contains("[System.WorkItemType] = 'Bug'"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"workItems": work_items})))
        .expect(1)
        .mount(server)
        .await;
}

/// A catalog holding work item 5's entity, which Azure DevOps still has, meeting the
/// selector's WIQL or not.
async fn existing_work_item(meets_wiql: bool) -> (MockServer, LiveEvents, MemorySink, String) {
    let (server, live, catalog) = catalog_setup().await;
    let entity = format!("{PROJECT}/5");
    seed(&catalog, "workItem", &entity).await;
    serve_work_item_batch(
        &server,
        json!([{"id": 5, "fields": {"System.State": "Active"}}]),
    )
    .await;
    serve_wiql(&server, meets_wiql).await;
    (server, live, catalog, entity)
}

#[tokio::test]
async fn a_work_item_no_longer_meeting_the_wiql_is_deleted() {
    let (_server, live, _catalog, entity) = existing_work_item(false).await;
    let mut payload = event("workitem.deleted");
    payload["eventType"] = json!("workitem.restored");
    let report = live.handle(&payload).await.expect("handled");
    assert_eq!(ids(&report.deleted), [("workItem", entity.as_str())]);
}

#[tokio::test]
async fn a_forged_work_item_delete_of_an_existing_item_deletes_nothing() {
    let (_server, live, catalog, entity) = existing_work_item(true).await;
    let report = live
        .handle(&event("workitem.deleted"))
        .await
        .expect("handled");
    assert!(report.deleted.is_empty(), "{report:?}");
    assert_eq!(ids(&report.upserted), [("workItem", entity.as_str())]);
    let stored = catalog.get("workItem", &entity).expect("kept");
    assert_eq!(stored.properties.expect("properties")["state"], "Active");
}

#[tokio::test]
async fn a_work_item_delete_confirmed_by_azure_devops_deletes_its_entity() {
    let (server, live, catalog) = catalog_setup().await;
    let entity = format!("{PROJECT}/5");
    seed(&catalog, "workItem", &entity).await;
    // Gone: the batch leaves it out.
    serve_work_item_batch(&server, json!([null])).await;
    let report = live
        .handle(&event("workitem.deleted"))
        .await
        .expect("handled");
    assert_eq!(ids(&report.deleted), [("workItem", entity.as_str())]);
    assert!(catalog.get("workItem", &entity).is_none());
}

/// An event of `publisher` about `resource` in `project`.
fn project_event(publisher: &str, event_type: &str, project: &str, resource: Value) -> Value {
    json!({
        "eventType": event_type,
        "publisherId": publisher,
        "resource": resource,
        "resourceContainers": {"project": {"id": project}},
    })
}

#[tokio::test]
async fn a_deleted_repository_is_deleted_only_once_azure_devops_confirms_it() {
    let (server, live, catalog) = catalog_setup().await;
    seed(&catalog, "repo", PUSH_REPO).await;
    seed(&catalog, "repoByName", "Project").await;
    let repo_path = format!("/fabrikam/{PUSH_PROJECT}/_apis/git/repositories/{PUSH_REPO}");
    let deleted = project_event(
        "tfs",
        "git.repo.deleted",
        PUSH_PROJECT,
        json!({"projectId": PUSH_PROJECT, "repositoryId": PUSH_REPO,
               "repositoryName": "Project", "isHardDelete": false}),
    );
    // Forged: the repository still exists, so it is upserted, not deleted.
    let guard = Mock::given(method("GET"))
        .and(path(repo_path.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": PUSH_REPO, "name": "Renamed", "project": {"id": PUSH_PROJECT},
        })))
        .mount_as_scoped(&server)
        .await;
    let report = live.handle(&deleted).await.expect("handled");
    assert!(report.deleted.is_empty());
    assert_eq!(
        catalog.get("repo", PUSH_REPO).expect("kept").title,
        Some(json!("Renamed"))
    );
    drop(guard);

    not_found(&server, &repo_path).await;
    let report = live.handle(&deleted).await.expect("handled");
    assert_eq!(
        ids(&report.deleted),
        [("repo", PUSH_REPO), ("repoByName", "Project")]
    );
    assert!(catalog.get("repo", PUSH_REPO).is_none());
}

#[tokio::test]
async fn a_renamed_repository_replaces_the_entity_named_after_its_former_name() {
    let (server, live, catalog) = catalog_setup().await;
    seed(&catalog, "repoByName", "old-name").await;
    seed(&catalog, "repoByName", "taken").await;
    let repos = format!("/fabrikam/{PUSH_PROJECT}/_apis/git/repositories");
    get(
        &server,
        &format!("{repos}/{PUSH_REPO}"),
        json!({"id": PUSH_REPO, "name": "new-name", "project": {"id": PUSH_PROJECT}}),
    )
    .await;
    not_found(&server, &format!("{repos}/old-name")).await;
    get(
        &server,
        &format!("{repos}/taken"),
        json!({"id": "another", "name": "taken"}),
    )
    .await;
    let renamed = |old_name: &str| {
        project_event(
            "tfs",
            "git.repo.renamed",
            PUSH_PROJECT,
            json!({"oldName": old_name, "newName": "new-name", "projectId": PUSH_PROJECT,
                   "repositoryId": PUSH_REPO, "repositoryName": "new-name",
                   "repository": {"id": PUSH_REPO, "name": "new-name"}}),
        )
    };
    let report = live.handle(&renamed("old-name")).await.expect("handled");
    assert_eq!(
        ids(&report.upserted),
        [("repo", PUSH_REPO), ("repoByName", "new-name")]
    );
    // Keyed by id: the same entity, renamed. Keyed by name: the old one goes.
    assert_eq!(ids(&report.deleted), [("repoByName", "old-name")]);
    assert_eq!(
        catalog.get("repo", PUSH_REPO).expect("stored").title,
        Some(json!("new-name"))
    );
    // A former name another repository still answers to deletes nothing.
    let report = live.handle(&renamed("taken")).await.expect("handled");
    assert!(report.deleted.is_empty(), "{report:?}");
    assert!(catalog.get("repoByName", "taken").is_some());
}

async fn serve_changes(server: &MockServer, commit: &str, changes: Value) {
    Mock::given(method("GET"))
        .and(path(format!(
            "/fabrikam/{PUSH_PROJECT}/_apis/git/repositories/{PUSH_REPO}/commits/{commit}/changes"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "changeCounts": {}, "changes": changes,
        })))
        .expect(1)
        .mount(server)
        .await;
}

async fn serve_item(server: &MockServer, item_path: &str, body: Option<Value>) {
    let mock = Mock::given(method("GET"))
        .and(path(format!(
            "/fabrikam/{PUSH_PROJECT}/_apis/git/repositories/{PUSH_REPO}/items"
        )))
        .and(query_param("path", item_path));
    match body {
        Some(body) => mock.respond_with(ResponseTemplate::new(200).set_body_json(body)),
        None => mock.respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "message": "TF401174: The item could not be found.",
            "typeKey": "GitItemNotFoundException",
        }))),
    }
    .mount(server)
    .await;
}

#[tokio::test]
async fn a_push_with_two_commits_updates_the_files_and_folders_of_both() {
    let (server, live, catalog) = catalog_setup().await;
    seed(&catalog, "file", "Project:/old.yaml").await;
    get(
        &server,
        &format!("/fabrikam/{PUSH_PROJECT}/_apis/git/repositories/{PUSH_REPO}"),
        json!({"id": PUSH_REPO, "name": "Project", "defaultBranch": "refs/heads/master",
               "project": {"id": PUSH_PROJECT, "state": "wellFormed"}}),
    )
    .await;
    get(
        &server,
        &format!("/fabrikam/{PUSH_PROJECT}/_apis/git/repositories/{PUSH_REPO}/refs"),
        json!({"count": 1, "value": [{"name": "refs/heads/master", "objectId": "c8e8"}]}),
    )
    .await;
    serve_changes(
        &server,
        "c1",
        json!([{"changeType": "edit", "item": {"path": "/a.yaml", "gitObjectType": "blob"}}]),
    )
    .await;
    serve_changes(
        &server,
        "c2",
        json!([
            {"changeType": "add", "item": {"path": "/services/api/deploy.yaml", "gitObjectType": "blob"}},
            {"changeType": "delete", "item": {"path": "/old.yaml", "gitObjectType": "blob"}},
            {"changeType": "edit", "item": {"path": "/notes.txt", "gitObjectType": "blob"}},
        ]),
    )
    .await;
    serve_item(
        &server,
        "/a.yaml",
        Some(json!({"path": "/a.yaml", "objectId": "1", "content": "a: 1"})),
    )
    .await;
    serve_item(
        &server,
        "/services/api/deploy.yaml",
        Some(json!({"path": "/services/api/deploy.yaml", "objectId": "2", "content": "b: 2"})),
    )
    .await;
    serve_item(&server, "/old.yaml", None).await;
    serve_item(
        &server,
        "/services/api",
        Some(json!({"path": "/services/api", "isFolder": true, "gitObjectType": "tree"})),
    )
    .await;
    serve_item(
        &server,
        "/services",
        Some(json!({"path": "/services", "isFolder": true, "gitObjectType": "tree"})),
    )
    .await;
    // The repository also publishes a wiki: its pages are read again.
    get(
        &server,
        &format!("/fabrikam/{PUSH_PROJECT}/_apis/wiki/wikis"),
        json!({"count": 2, "value": [
            {"id": "w1", "name": "Handbook", "type": "codeWiki", "repositoryId": PUSH_REPO},
            {"id": "w2", "name": "Other", "type": "codeWiki", "repositoryId": "elsewhere"},
        ]}),
    )
    .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/fabrikam/{PUSH_PROJECT}/_apis/wiki/wikis/w1/pagesbatch"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 1, "value": [{"id": 1, "path": "/Home"}],
        })))
        .expect(1)
        .mount(&server)
        .await;
    let mut payload = event("git.push");
    payload["resource"]["commits"] = json!([{"commitId": "c1"}, {"commitId": "c2"}]);
    let report = live.handle(&payload).await.expect("handled");
    assert_eq!(
        ids(&report.upserted),
        [
            ("wikiPage", "Handbook:/Home"),
            ("file", "Project:/a.yaml"),
            ("file", "Project:/services/api/deploy.yaml"),
            ("folder", "Project:/services/api"),
        ]
    );
    assert_eq!(ids(&report.deleted), [("file", "Project:/old.yaml")]);
    let a = catalog.get("file", "Project:/a.yaml").expect("stored");
    assert_eq!(
        a.properties.expect("properties")["content"],
        json!({"a": 1})
    );
    assert!(catalog.get("file", "Project:/old.yaml").is_none());
}

/// Commit of the project wiki's branch before the push of [`wiki_push`].
const WIKI_BEFORE: &str = "61b7353aa151d2d7d4e4dac8f701b0d82ff87703";

/// A catalog holding the pages `/Home` and `/Old` of the project wiki `Project.wiki`, which
/// `/Old` and `/Gone` were published from at [`WIKI_BEFORE`]; the wiki's pages now are
/// `current` (an error status: the listing fails).
async fn wiki_push(current: ResponseTemplate) -> (MockServer, LiveEvents, MemorySink) {
    let (server, live, catalog) = catalog_setup().await;
    seed(&catalog, "wikiPage", "Project.wiki:/Home").await;
    seed(&catalog, "wikiPage", "Project.wiki:/Old").await;
    get(
        &server,
        &format!("/fabrikam/{PUSH_PROJECT}/_apis/git/repositories/{PUSH_REPO}"),
        json!({"id": PUSH_REPO, "name": "Project.wiki", "defaultBranch": "refs/heads/wikiMaster",
               "project": {"id": PUSH_PROJECT, "state": "wellFormed"}}),
    )
    .await;
    get(
        &server,
        &format!("/fabrikam/{PUSH_PROJECT}/_apis/wiki/wikis"),
        json!({"count": 1, "value": [{
            "id": "w1", "name": "Project.wiki", "type": "projectWiki", "repositoryId": PUSH_REPO,
            "versions": [{"version": "wikiMaster"}],
        }]}),
    )
    .await;
    let pages = format!("/fabrikam/{PUSH_PROJECT}/_apis/wiki/wikis/w1/pagesbatch");
    Mock::given(method("POST"))
        .and(path(pages.as_str()))
        .and(query_param("versionDescriptor.version", WIKI_BEFORE))
        .and(query_param("versionDescriptor.versionType", "commit"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 3, "value": [
                {"id": 1, "path": "/Home"}, {"id": 2, "path": "/Old"}, {"id": 3, "path": "/Gone"}
            ],
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(pages.as_str()))
        .and(query_param_is_missing("versionDescriptor.version"))
        .respond_with(current)
        .mount(&server)
        .await;
    (server, live, catalog)
}

/// A push of the project wiki's branch from [`WIKI_BEFORE`].
fn wiki_push_event() -> Value {
    let mut payload = event("git.push");
    payload["resource"]["repository"]["name"] = json!("Project.wiki");
    payload["resource"]["commits"] = json!([]);
    payload["resource"]["refUpdates"] = json!([{
        "name": "refs/heads/wikiMaster", "oldObjectId": WIKI_BEFORE,
        "newObjectId": "c8e823a60a85381732726d6a9b6a276e71e6ce12",
    }]);
    payload
}

#[tokio::test]
async fn a_push_to_a_wiki_deletes_the_pages_it_no_longer_lists() {
    let (_server, live, catalog) = wiki_push(
        ResponseTemplate::new(200)
            .set_body_json(json!({"count": 1, "value": [{"id": 1, "path": "/Home"}]})),
    )
    .await;
    let report = live.handle(&wiki_push_event()).await.expect("handled");
    assert_eq!(ids(&report.upserted), [("wikiPage", "Project.wiki:/Home")]);
    // `/Gone` was never in the catalog: only `/Old` is reported deleted.
    assert_eq!(ids(&report.deleted), [("wikiPage", "Project.wiki:/Old")]);
    assert!(catalog.get("wikiPage", "Project.wiki:/Old").is_none());
    assert!(catalog.get("wikiPage", "Project.wiki:/Home").is_some());
}

#[tokio::test]
async fn a_failed_wiki_listing_deletes_no_page() {
    let (_server, live, catalog) = wiki_push(ResponseTemplate::new(503)).await;
    let error = live
        .handle(&wiki_push_event())
        .await
        .expect_err("the pages cannot be listed");
    assert!(error.is_retryable(), "{error}");
    assert!(catalog.get("wikiPage", "Project.wiki:/Old").is_some());
    assert!(catalog.get("wikiPage", "Project.wiki:/Home").is_some());
}

#[tokio::test]
async fn a_completed_build_updates_the_build_its_stages_and_its_test_runs() {
    let (server, live, catalog) = catalog_setup().await;
    get(
        &server,
        &format!("/fabrikam/{PROJECT}/_apis/build/builds/2"),
        json!({"id": 2, "result": "succeeded"}),
    )
    .await;
    get(
        &server,
        &format!("/fabrikam/{PROJECT}/_apis/build/builds/2/timeline"),
        json!({"records": [
            {"id": "s1", "type": "Stage", "identifier": "Build", "name": "Build", "state": "completed"},
            {"id": "s2", "type": "Stage", "identifier": "Deploy", "name": "Deploy", "state": "pending"},
            {"id": "j1", "type": "Job", "identifier": "Build.job", "name": "job"},
        ]}),
    )
    .await;
    Mock::given(method("GET"))
        .and(path(format!("/fabrikam/{PROJECT}/_apis/test/runs")))
        .and(query_param("buildUri", "vstfs:///Build/Build/2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 1, "value": [{"id": 71, "name": "unit", "build": {"id": "2"}}],
        })))
        .expect(1)
        .mount(&server)
        .await;
    let report = live
        .handle(&event("build.complete"))
        .await
        .expect("handled");
    assert_eq!(
        ids(&report.upserted),
        [
            ("build", "2"),
            ("stage", "2/Build"),
            ("stage", "2/Deploy"),
            ("testRun", "71"),
        ]
    );
    assert_eq!(catalog.len(), 4);

    // A stage event reads the run's timeline again and updates that stage only.
    let report = live
        .handle(&event("ms.vss-pipelines.stage-state-changed-event"))
        .await
        .expect("handled");
    assert!(report.upserted.is_empty(), "{report:?}");
    let mut stage = event("ms.vss-pipelines.stage-state-changed-event");
    stage["resource"]["stage"]["name"] = json!("Deploy");
    stage["resource"]["run"]["id"] = json!(2);
    let report = live.handle(&stage).await.expect("handled");
    assert_eq!(ids(&report.upserted), [("stage", "2/Deploy")]);
}

#[tokio::test]
async fn release_events_read_the_release_host() {
    let (server, live, catalog) = catalog_setup().await;
    seed(&catalog, "release", "1").await;
    get(
        &server,
        &format!("/vsrm/fabrikam/{PROJECT}/_apis/release/releases/1"),
        json!({"id": 1, "status": "abandoned", "releaseDefinition": {"id": 4}}),
    )
    .await;
    get(
        &server,
        &format!("/vsrm/fabrikam/{PROJECT}/_apis/release/definitions/4"),
        json!({"id": 4, "name": "ship"}),
    )
    .await;
    let abandoned = project_event(
        "rm",
        "ms.vss-release.release-abandoned-event",
        PROJECT,
        json!({"release": {"id": 1, "name": "Release-1", "releaseDefinition": {"id": 4},
                           "projectReference": {"id": PROJECT}},
               "project": {"id": PROJECT, "name": "GoodCompanyCloud"}}),
    );
    let report = live.handle(&abandoned).await.expect("handled");
    assert_eq!(ids(&report.upserted), [("releaseDefinition", "4")]);
    assert_eq!(ids(&report.deleted), [("release", "1")]);
    let definition = catalog.get("releaseDefinition", "4").expect("stored");
    assert_eq!(
        definition.properties.expect("properties")["project"],
        "GoodCompanyCloud"
    );

    Mock::given(method("GET"))
        .and(path(format!(
            "/vsrm/fabrikam/{PROJECT}/_apis/release/deployments"
        )))
        .and(query_param("definitionId", "4"))
        .and(query_param("definitionEnvironmentId", "7"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"count": 2, "value": [
                {"id": 12, "release": {"id": 2}, "deploymentStatus": "succeeded"},
                {"id": 11, "release": {"id": 1}, "deploymentStatus": "failed"},
            ]})),
        )
        .mount(&server)
        .await;
    let completed = project_event(
        "rm",
        "ms.vss-release.deployment-completed-event",
        PROJECT,
        json!({"environment": {"id": 5, "releaseId": 1, "definitionEnvironmentId": 7},
               "deployment": {"id": 11, "release": {"id": 1}, "definitionEnvironmentId": 7},
               "project": {"id": PROJECT}}),
    );
    let report = live.handle(&completed).await.expect("handled");
    assert_eq!(ids(&report.upserted), [("deployment", "11")]);
    let deployment = catalog.get("deployment", "11").expect("stored");
    assert_eq!(
        deployment.properties.expect("properties")["status"],
        "failed"
    );
}

#[tokio::test]
async fn alert_events_read_the_alert_and_apply_the_criteria() {
    let (server, live, catalog) = catalog_setup().await;
    seed(&catalog, "alert", "43").await;
    get(
        &server,
        &format!("/fabrikam/{PROJECT}/_apis/git/repositories/web"),
        json!({"id": "r-web", "name": "web"}),
    )
    .await;
    for (id, state) in [(42, "active"), (43, "fixed")] {
        get(
            &server,
            &format!("/fabrikam/{PROJECT}/_apis/alert/repositories/r-web/alerts/{id}"),
            json!({"alertId": id, "state": state}),
        )
        .await;
    }
    let alert_event = |id: i64| {
        project_event(
            "advsec",
            "ms.vss-alerts.alert-state-changed-event",
            PROJECT,
            json!({"alertId": id, "state": "active",
                   "repositoryUrl": "https://dev.azure.com/fabrikam/GoodCompanyCloud/_git/web"}),
        )
    };
    let report = live.handle(&alert_event(42)).await.expect("handled");
    assert_eq!(ids(&report.upserted), [("alert", "42")]);
    let alert = catalog.get("alert", "42").expect("stored");
    assert_eq!(alert.properties.expect("properties")["repository"], "r-web");
    // Fixed now, whatever the payload says: the criteria (active only) leave it out.
    let report = live.handle(&alert_event(43)).await.expect("handled");
    assert_eq!(ids(&report.deleted), [("alert", "43")]);
    assert!(catalog.get("alert", "43").is_none());
}

#[tokio::test]
async fn transient_azure_devops_failures_are_retryable_and_bad_payloads_are_not() {
    let (server, live, _catalog) = catalog_setup().await;
    Mock::given(method("GET"))
        .and(path(format!("/fabrikam/{PROJECT}/_apis/build/builds/2")))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let error = live
        .handle(&event("build.complete"))
        .await
        .expect_err("503");
    assert!(error.is_retryable(), "{error}");

    let mut payload = event("build.complete");
    payload["resource"]["id"] = json!("two");
    let error = live.handle(&payload).await.expect_err("bad id");
    assert!(!error.is_retryable());
    assert!(error.to_string().contains("build.complete"), "{error}");
}
