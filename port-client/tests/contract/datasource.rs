//! The datasource listing used for reconciliation.

use futures::TryStreamExt;
use jiff::Timestamp;
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common;

const LISTING: &str = "/v1/blueprints/entities/datasource-entities";

fn request_body(from: Option<&str>) -> serde_json::Value {
    let mut body = json!({
        "datasource_prefix": "port-ocean/azure-devops/",
        "datasource_suffix": "/ado-test/exporter",
        "limit": 2,
        "before": "2025-01-02T03:04:05Z",
    });
    if let Some(cursor) = from {
        body["from"] = json!(cursor);
    }
    body
}

#[tokio::test]
async fn listing_follows_cursors_until_next_is_null() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    let pages = [
        (
            None,
            json!({"entities": [
            {"identifier": "p1", "blueprint": "azureDevopsProject"},
            {"identifier": "r1", "blueprint": "azureDevopsRepository"}
        ], "next": "cursor-1"}),
        ),
        (
            Some("cursor-1"),
            json!({"entities": [
            {"identifier": "r2", "blueprint": "azureDevopsRepository"},
            {"identifier": "b1", "blueprint": "azureDevopsBuild"}
        ], "next": "cursor-2"}),
        ),
        (
            Some("cursor-2"),
            json!({"entities": [
            {"identifier": "b2", "blueprint": "azureDevopsBuild"}
        ], "next": null}),
        ),
    ];
    for (from, answer) in pages {
        Mock::given(method("POST"))
            .and(path(LISTING))
            .and(body_json(request_body(from)))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .expect(1)
            .mount(&server)
            .await;
    }
    let port = common::builder(&server)
        .datasource_page_size(2)
        .build()
        .expect("client");
    let before: Timestamp = "2025-01-02T03:04:05Z".parse().expect("timestamp");
    let identifiers: Vec<String> = port
        .datasource_entities(Some(before))
        .map_ok(|entity| {
            format!(
                "{}:{}",
                entity.blueprint,
                entity.identifier.as_str().unwrap_or("?")
            )
        })
        .try_collect()
        .await
        .expect("listing");
    assert_eq!(
        identifiers,
        [
            "azureDevopsProject:p1",
            "azureDevopsRepository:r1",
            "azureDevopsRepository:r2",
            "azureDevopsBuild:b1",
            "azureDevopsBuild:b2"
        ]
    );
}
