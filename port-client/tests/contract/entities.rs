//! Bulk upserts (splitting, 207 mapping, 413 fallback), deletes and search.

use port_client::{
    ApiError, Entity, MAX_BODY_BYTES, SearchOptions, SearchQuery, UpsertOptions, UpsertOutcome,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, Request, ResponseTemplate};

use crate::common;

/// Answers a bulk upsert by storing every entity it received.
fn store_all(request: &Request) -> ResponseTemplate {
    let body: Value = serde_json::from_slice(&request.body).expect("JSON body");
    let entities: Vec<Value> = body["entities"]
        .as_array()
        .expect("entities array")
        .iter()
        .enumerate()
        .map(|(index, entity)| json!({"identifier": entity["identifier"], "index": index, "created": true}))
        .collect();
    ResponseTemplate::new(200)
        .set_body_json(json!({"ok": true, "entities": entities, "errors": []}))
}

fn bulk_path(blueprint: &str) -> String {
    format!("/v1/blueprints/{blueprint}/entities/bulk")
}

fn projects(count: usize, filler: usize) -> Vec<Entity> {
    (0..count)
        .map(|i| {
            Entity::new("azureDevopsProject", format!("p{i}"))
                .with_title(format!("Project {i}"))
                .with_property("description", "x".repeat(filler))
        })
        .collect()
}

fn assert_all_upserted(outcomes: &[UpsertOutcome], entities: &[Entity]) {
    assert_eq!(outcomes.len(), entities.len());
    for (outcome, entity) in outcomes.iter().zip(entities) {
        assert!(
            matches!(outcome, UpsertOutcome::Upserted { identifier, .. } if entity.identifier == identifier.as_str()),
            "{outcome:?} for {:?}",
            entity.identifier
        );
    }
}

#[tokio::test]
async fn bulk_upsert_splits_by_count() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(bulk_path("azureDevopsProject")))
        .and(query_param("upsert", "true"))
        .and(query_param("merge", "false"))
        .and(query_param("create_missing_related_entities", "true"))
        .respond_with(store_all)
        .expect(3)
        .mount(&server)
        .await;
    let entities = projects(45, 10);
    let outcomes = common::client(&server)
        .upsert_entities(&entities, &UpsertOptions::default().merge(false))
        .await
        .expect("upserted");
    assert_all_upserted(&outcomes, &entities);
    let sizes: Vec<usize> = common::bodies(&server, "/entities/bulk")
        .await
        .iter()
        .map(|body| body["entities"].as_array().map_or(0, Vec::len))
        .collect();
    let mut sorted = sizes.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, vec![5, 20, 20], "batch sizes {sizes:?}");
}

#[tokio::test]
async fn bulk_upsert_splits_by_body_size() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(bulk_path("azureDevopsProject")))
        .respond_with(store_all)
        .mount(&server)
        .await;
    // About 300 KB each: three fit under 1 MiB, four do not.
    let entities = projects(10, 300_000);
    let outcomes = common::client(&server)
        .upsert_entities(&entities, &UpsertOptions::default())
        .await
        .expect("upserted");
    assert_all_upserted(&outcomes, &entities);
    let requests = common::requests(&server, "/entities/bulk").await;
    assert_eq!(requests.len(), 4);
    for request in &requests {
        assert!(
            request.body.len() <= MAX_BODY_BYTES,
            "body of {} bytes",
            request.body.len()
        );
    }
}

#[tokio::test]
async fn multi_status_results_map_back_to_input_entities() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    // Input order interleaves two blueprints; each bulk call indexes its own batch.
    Mock::given(method("POST"))
        .and(path(bulk_path("azureDevopsBuild")))
        .respond_with(ResponseTemplate::new(207).set_body_json(json!({
            "ok": true,
            "entities": [{"identifier": "b1", "index": 0, "created": false}],
            "errors": [{
                "identifier": "b2", "index": 1, "statusCode": 422,
                "error": "blueprint_schema_mismatch", "message": "status must be string"
            }]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(bulk_path("azureDevopsRepository")))
        .respond_with(ResponseTemplate::new(207).set_body_json(json!({
            "ok": true,
            "entities": [{"identifier": "resolved-r1", "index": 1, "created": true}],
            "errors": [{
                "identifier": "unknown", "index": 0, "statusCode": 404,
                "error": "not_found", "message": "search identifier matched nothing"
            }]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let search_identifier = json!({"combinator": "and", "rules": [
        {"property": "name", "operator": "=", "value": "missing"}
    ]});
    let entities = vec![
        Entity::new("azureDevopsBuild", "b1"),
        Entity::new("azureDevopsRepository", search_identifier),
        Entity::new("azureDevopsBuild", "b2"),
        Entity::new(
            "azureDevopsRepository",
            json!({"combinator": "and", "rules": []}),
        ),
    ];
    let outcomes = common::client(&server)
        .upsert_entities(&entities, &UpsertOptions::default())
        .await
        .expect("bulk call answered");
    assert_eq!(
        outcomes,
        vec![
            UpsertOutcome::Upserted {
                identifier: "b1".into(),
                created: false
            },
            UpsertOutcome::Unmatched,
            UpsertOutcome::Failed(ApiError {
                status: 422,
                code: Some("blueprint_schema_mismatch".into()),
                message: "status must be string".into(),
                trace_id: None,
            }),
            UpsertOutcome::Upserted {
                identifier: "resolved-r1".into(),
                created: true
            },
        ]
    );
}

#[tokio::test]
async fn payload_too_large_falls_back_to_smaller_batches_then_single_upserts() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(bulk_path("azureDevopsProject")))
        .respond_with(ResponseTemplate::new(413).set_body_json(json!({
            "ok": false, "error": "bad_request", "message": "request entity too large"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/azureDevopsProject/entities"))
        .and(query_param("upsert", "true"))
        .respond_with(|request: &Request| {
            let entity: Value = serde_json::from_slice(&request.body).expect("JSON body");
            ResponseTemplate::new(201).set_body_json(json!({"ok": true, "entity": entity}))
        })
        .expect(3)
        .mount(&server)
        .await;
    let entities = projects(3, 10);
    let outcomes = common::client(&server)
        .upsert_entities(&entities, &UpsertOptions::default())
        .await
        .expect("fallback succeeded");
    assert_all_upserted(&outcomes, &entities);
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, UpsertOutcome::Upserted { created: true, .. }))
    );
    let mut sizes: Vec<usize> = common::bodies(&server, "/entities/bulk")
        .await
        .iter()
        .map(|body| body["entities"].as_array().map_or(0, Vec::len))
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![1, 1, 1, 2, 3]);
}

/// Mounts a bulk endpoint for `blueprint` answering every call with `status` and `body`,
/// expected exactly once (not retried).
async fn mount_bulk_answer(
    server: &wiremock::MockServer,
    blueprint: &str,
    status: u16,
    body: Value,
) {
    Mock::given(method("POST"))
        .and(path(bulk_path(blueprint)))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

fn failed_with(outcome: &UpsertOutcome, status: u16, message: &str) -> bool {
    matches!(outcome, UpsertOutcome::Failed(e) if e.status == status && e.message == message)
}

#[tokio::test]
async fn a_422_for_a_whole_batch_fails_its_entities_with_ports_message() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    mount_bulk_answer(
        &server,
        "azureDevopsProject",
        422,
        json!({"ok": false, "error": "blueprint_schema_mismatch", "message": "state must be string"}),
    )
    .await;
    let outcomes = common::client(&server)
        .upsert_entities(&projects(2, 1), &UpsertOptions::default())
        .await
        .expect("answered");
    assert_eq!(outcomes.len(), 2);
    for outcome in &outcomes {
        assert!(
            failed_with(outcome, 422, "state must be string"),
            "{outcome:?}"
        );
    }
}

#[tokio::test]
async fn a_404_for_a_whole_batch_says_the_blueprint_does_not_exist() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    mount_bulk_answer(
        &server,
        "azureDevopsBuild",
        404,
        json!({"ok": false, "error": "not_found", "message": "Blueprint with identifier \"azureDevopsBuild\" was not found"}),
    )
    .await;
    store_all_of(&server, "azureDevopsProject").await;
    let entities = vec![
        Entity::new("azureDevopsBuild", "b1"),
        Entity::new("azureDevopsProject", "p1"),
    ];
    let outcomes = common::client(&server)
        .upsert_entities(&entities, &UpsertOptions::default())
        .await
        .expect("answered");
    let UpsertOutcome::Failed(err) = &outcomes[0] else {
        panic!("build not failed: {outcomes:?}");
    };
    assert_eq!(err.status, 404);
    assert_eq!(err.code.as_deref(), Some("not_found"));
    assert!(
        err.message
            .starts_with("blueprint `azureDevopsBuild` does not exist"),
        "{}",
        err.message
    );
    assert!(
        matches!(&outcomes[1], UpsertOutcome::Upserted { identifier, .. } if identifier == "p1")
    );
}

#[tokio::test]
async fn a_403_for_a_batch_fails_the_call_definitively() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    mount_bulk_answer(
        &server,
        "azureDevopsProject",
        403,
        json!({"ok": false, "error": "missing_permissions", "message": "no write access"}),
    )
    .await;
    let err = common::client(&server)
        .upsert_entities(&projects(2, 1), &UpsertOptions::default())
        .await
        .expect_err("forbidden");
    assert!(err.is_definitive(), "{err:?}");
    assert_eq!(err.code(), Some("missing_permissions"));
}

async fn store_all_of(server: &wiremock::MockServer, blueprint: &str) {
    Mock::given(method("POST"))
        .and(path(bulk_path(blueprint)))
        .respond_with(store_all)
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn single_upserts_after_a_413_report_each_rejection() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(bulk_path("azureDevopsProject")))
        .respond_with(ResponseTemplate::new(413).set_body_json(json!({
            "ok": false, "error": "bad_request", "message": "request entity too large"
        })))
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/azureDevopsProject/entities"))
        .respond_with(|request: &Request| {
            let entity: Value = serde_json::from_slice(&request.body).expect("JSON body");
            if entity["identifier"] == "p1" {
                ResponseTemplate::new(404).set_body_json(json!({
                    "ok": false, "error": "not_found",
                    "message": "related entity azureDevopsTeam/t1 was not found"
                }))
            } else {
                ResponseTemplate::new(413).set_body_json(json!({
                    "ok": false, "error": "bad_request", "message": "request entity too large"
                }))
            }
        })
        .expect(2)
        .mount(&server)
        .await;
    let outcomes = common::client(&server)
        .upsert_entities(&projects(2, 1), &UpsertOptions::default())
        .await
        .expect("answered");
    assert!(
        failed_with(&outcomes[0], 413, "request entity too large"),
        "{outcomes:?}"
    );
    assert!(
        failed_with(
            &outcomes[1],
            404,
            "related entity azureDevopsTeam/t1 was not found"
        ),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn bulk_delete_sends_chunks_of_100() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/azureDevopsBuild/bulk/entities/delete"))
        .and(query_param("delete_dependents", "true"))
        .respond_with(|request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).expect("JSON body");
            ResponseTemplate::new(200).set_body_json(json!({
                "ok": true, "deletedEntities": body["entities"], "maxBulkSize": 100
            }))
        })
        .expect(3)
        .mount(&server)
        .await;
    let identifiers: Vec<String> = (0..250).map(|i| format!("b{i}")).collect();
    let deleted = common::client(&server)
        .delete_entities("azureDevopsBuild", &identifiers, true)
        .await
        .expect("deleted");
    assert_eq!(deleted, identifiers);
    let sizes: Vec<usize> = common::bodies(&server, "/bulk/entities/delete")
        .await
        .iter()
        .map(|body| body["entities"].as_array().map_or(0, Vec::len))
        .collect();
    let mut sorted = sizes.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, vec![50, 100, 100]);
}

#[tokio::test]
async fn single_delete_encodes_the_identifier_and_treats_404_as_deleted() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("DELETE"))
        .and(path("/v1/blueprints/azureDevopsBuild/entities/p1%2F42%201"))
        .and(query_param("delete_dependents", "false"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/blueprints/azureDevopsBuild/entities/gone"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "ok": false, "error": "not_found", "message": "entity not found"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let port = common::client(&server);
    assert!(
        port.delete_entity("azureDevopsBuild", "p1/42 1", false)
            .await
            .expect("deleted")
    );
    assert!(
        !port
            .delete_entity("azureDevopsBuild", "gone", false)
            .await
            .expect("already gone")
    );
}

#[tokio::test]
async fn search_sends_rules_and_include_fields() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    let query = SearchQuery::all()
        .rule("$blueprint", "=", "azureDevopsRepository")
        .rule("$identifier", "in", json!(["r1", "r2"]));
    Mock::given(method("POST"))
        .and(path("/v1/entities/search"))
        .and(query_param("include", "identifier"))
        .and(query_param("include", "blueprint"))
        .and(body_json(json!({"combinator": "and", "rules": [
            {"property": "$blueprint", "operator": "=", "value": "azureDevopsRepository"},
            {"property": "$identifier", "operator": "in", "value": ["r1", "r2"]}
        ]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true,
            "entities": [{"identifier": "r1", "blueprint": "azureDevopsRepository"}],
            "matchingBlueprints": ["azureDevopsRepository"]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let found = common::client(&server)
        .search_entities(
            &query,
            &SearchOptions::default().include(["identifier", "blueprint"]),
        )
        .await
        .expect("search");
    assert_eq!(found, vec![Entity::new("azureDevopsRepository", "r1")]);
}
