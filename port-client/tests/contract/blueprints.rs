//! Creating a set of blueprints: bare first, relations patched in, retried, never deleted.

use port_client::{Blueprint, default_blueprints};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::common;

fn blueprint(value: Value) -> Blueprint {
    serde_json::from_value(value).expect("valid blueprint")
}

fn pair() -> Vec<Blueprint> {
    vec![
        blueprint(json!({
            "identifier": "azureDevopsRepository",
            "title": "Repository",
            "schema": {"properties": {"url": {"type": "string", "format": "url"}}, "required": []},
            "relations": {"project": {"target": "azureDevopsProject", "required": false, "many": false}}
        })),
        blueprint(json!({
            "identifier": "azureDevopsProject",
            "title": "Project",
            "schema": {"properties": {"state": {"type": "string"}}, "required": []}
        })),
    ]
}

async fn mount_missing(server: &MockServer, identifier: &str) {
    Mock::given(method("GET"))
        .and(path(format!("/v1/blueprints/{identifier}")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "ok": false, "error": "not_found", "message": "blueprint not found"
        })))
        .expect(1)
        .mount(server)
        .await;
}

fn echo_blueprint(request: &Request) -> ResponseTemplate {
    let blueprint: Value = serde_json::from_slice(&request.body).expect("JSON body");
    ResponseTemplate::new(200).set_body_json(json!({"ok": true, "blueprint": blueprint}))
}

fn echo_patch(identifier: &'static str) -> impl Fn(&Request) -> ResponseTemplate {
    move |request: &Request| {
        let mut blueprint: Value = serde_json::from_slice(&request.body).expect("JSON body");
        blueprint["identifier"] = json!(identifier);
        ResponseTemplate::new(200).set_body_json(json!({"ok": true, "blueprint": blueprint}))
    }
}

/// Expects the repository of [`pair`] patched once with its relation.
async fn mount_repository_patch(server: &MockServer) {
    Mock::given(method("PATCH"))
        .and(path("/v1/blueprints/azureDevopsRepository"))
        .and(body_json(json!({"relations": {
            "project": {"target": "azureDevopsProject", "required": false, "many": false}
        }})))
        .respond_with(echo_patch("azureDevopsRepository"))
        .expect(1)
        .mount(server)
        .await;
}

fn calls(received: &[Request]) -> Vec<String> {
    received
        .iter()
        .filter(|r| !r.url.path().ends_with("access_token"))
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

#[tokio::test]
async fn blueprints_are_created_bare_then_patched_with_relations() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    mount_missing(&server, "azureDevopsRepository").await;
    mount_missing(&server, "azureDevopsProject").await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints"))
        .respond_with(echo_blueprint)
        .expect(2)
        .mount(&server)
        .await;
    mount_repository_patch(&server).await;
    let setup = common::client(&server)
        .create_blueprints(&pair())
        .await
        .expect("created");
    assert_eq!(
        setup.created,
        ["azureDevopsRepository", "azureDevopsProject"]
    );
    assert!(setup.existing.is_empty());
    let received = server.received_requests().await.expect("recording on");
    assert_eq!(
        calls(&received),
        [
            "GET /v1/blueprints/azureDevopsRepository",
            "GET /v1/blueprints/azureDevopsProject",
            "POST /v1/blueprints",
            "POST /v1/blueprints",
            "PATCH /v1/blueprints/azureDevopsRepository",
        ]
    );
    let created = common::bodies(&server, "/v1/blueprints").await;
    assert_eq!(created[0]["identifier"], "azureDevopsRepository");
    assert_eq!(
        created[0]["relations"],
        json!({}),
        "relations sent before targets exist"
    );
}

#[tokio::test]
async fn existing_blueprints_are_skipped() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/blueprints/azureDevopsRepository"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "blueprint": {"identifier": "azureDevopsRepository", "createdAt": "2024-01-01T00:00:00Z"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_missing(&server, "azureDevopsProject").await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints"))
        .respond_with(echo_blueprint)
        .expect(1)
        .mount(&server)
        .await;
    let setup = common::client(&server)
        .create_blueprints(&pair())
        .await
        .expect("created");
    assert_eq!(setup.created, ["azureDevopsProject"]);
    assert_eq!(setup.existing, ["azureDevopsRepository"]);
}

#[tokio::test]
async fn a_failure_deletes_nothing() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    mount_missing(&server, "azureDevopsRepository").await;
    mount_missing(&server, "azureDevopsProject").await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints"))
        .respond_with(|request: &Request| {
            let blueprint: Value = serde_json::from_slice(&request.body).expect("JSON body");
            if blueprint["identifier"] == "azureDevopsProject" {
                ResponseTemplate::new(422).set_body_json(json!({
                    "ok": false, "error": "invalid_blueprint", "message": "bad schema"
                }))
            } else {
                echo_blueprint(request)
            }
        })
        .expect(2)
        .mount(&server)
        .await;
    // No DELETE mock: the catch-all mock fails the test on any DELETE.
    let err = common::client(&server)
        .create_blueprints(&pair())
        .await
        .expect_err("fails");
    assert_eq!(err.status(), Some(422));
    assert_eq!(err.code(), Some("invalid_blueprint"));
}

#[tokio::test]
async fn a_503_on_creation_is_retried_and_a_409_counts_as_created() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    mount_missing(&server, "azureDevopsRepository").await;
    mount_missing(&server, "azureDevopsProject").await;
    common::mount_first_answer(
        &server,
        Mock::given(method("POST")).and(path("/v1/blueprints")),
        ResponseTemplate::new(503),
    )
    .await;
    // The repository's creation succeeds on retry; the project's meets "already exists", as a
    // retry whose first answer was lost would.
    Mock::given(method("POST"))
        .and(path("/v1/blueprints"))
        .respond_with(|request: &Request| {
            let blueprint: Value = serde_json::from_slice(&request.body).expect("JSON body");
            if blueprint["identifier"] == "azureDevopsProject" {
                ResponseTemplate::new(409).set_body_json(json!({
                    "ok": false, "error": "identifier_taken",
                    "message": "A blueprint with this identifier already exists"
                }))
            } else {
                echo_blueprint(request)
            }
        })
        .expect(2)
        .mount(&server)
        .await;
    common::mount_first_answer(
        &server,
        Mock::given(method("PATCH")).and(path("/v1/blueprints/azureDevopsRepository")),
        ResponseTemplate::new(503),
    )
    .await;
    mount_repository_patch(&server).await;
    let setup = common::client(&server)
        .create_blueprints(&pair())
        .await
        .expect("created despite the 503s");
    assert_eq!(
        setup.created,
        ["azureDevopsRepository", "azureDevopsProject"]
    );
}

#[tokio::test]
async fn default_blueprints_create_in_one_pass() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    let defaults = default_blueprints().expect("defaults");
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"ok": false, "error": "not_found"})),
        )
        .expect(defaults.len() as u64)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints"))
        .respond_with(echo_blueprint)
        .expect(defaults.len() as u64)
        .mount(&server)
        .await;
    let with_relations = defaults.iter().filter(|b| !b.relations.is_empty()).count();
    Mock::given(method("PATCH"))
        .respond_with(|request: &Request| {
            let mut blueprint: Value = serde_json::from_slice(&request.body).expect("JSON body");
            let identifier = request
                .url
                .path()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            blueprint["identifier"] = json!(identifier);
            ResponseTemplate::new(200).set_body_json(json!({"ok": true, "blueprint": blueprint}))
        })
        .expect(with_relations as u64)
        .mount(&server)
        .await;
    let setup = common::client(&server)
        .create_blueprints(&defaults)
        .await
        .expect("created");
    assert_eq!(setup.created.len(), defaults.len());
}
