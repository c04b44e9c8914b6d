//! Contract tests for test runs, test results and build code coverage, on cloud and on Server
//! collection URLs.

mod common;

use ado_client::ApiProfile;
use common::*;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;
use wiremock::matchers::{query_param, query_param_is_missing};

const PROJECT: &str = "eb6e4656-77fc-42a1-9181-4c6d8e9da5d1";

#[tokio::test]
async fn test_runs_page_by_offset_with_details() {
    let server = server().await;
    let template = fixture_items("test/7.1/runs_list.json")[0].clone();
    let page: Vec<Value> = (1..=100)
        .map(|id| {
            let mut run = template.clone();
            run["id"] = json!(id);
            run
        })
        .collect();
    let runs = format!("/fabrikam/{PROJECT}/_apis/test/runs");
    get(&runs, "7.1")
        .and(query_param("includeRunDetails", "true"))
        .and(query_param("$top", "100"))
        .and(query_param_is_missing("$skip"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&page)))
        .expect(1)
        .mount(&server)
        .await;
    get(&runs, "7.1")
        .and(query_param("$skip", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&page[..3])))
        .expect(1)
        .mount(&server)
        .await;
    let listed = collect(cloud_client(&server).test_runs(PROJECT)).await;
    assert_eq!(listed.len(), 103);
    assert_eq!(listed[0].item.state.as_deref(), Some("Completed"));
}

#[tokio::test]
async fn test_runs_results_and_coverage_on_server_2019() {
    let server = server().await;
    let base = format!("/tfs/DefaultCollection/{PROJECT}/_apis/test");
    get(&format!("{base}/runs"), "5.0")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("test/server-5.0/runs_list.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    get(&format!("{base}/runs/1/results"), "5.0")
        .and(query_param("$top", "1000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&[json!({
            "id": 100000, "outcome": "Passed", "testCaseTitle": "Login works",
            "automatedTestName": "Web.Tests.Login", "durationInMs": 125.0
        })])))
        .expect(1)
        .mount(&server)
        .await;
    get(&format!("{base}/codecoverage"), "5.0-preview.1")
        .and(query_param("buildId", "10"))
        .and(query_param("flags", "7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&[json!({
            "configuration": {"flavor": "Debug", "platform": "x64"},
            "state": "Completed",
            "modules": [{"name": "web.dll", "statistics": {"blocksCovered": 40, "blocksNotCovered": 10}}]
        })])))
        .expect(1)
        .mount(&server)
        .await;

    let client = server_client(&server, ApiProfile::Server2019);
    let runs = collect(client.test_runs(PROJECT)).await;
    assert_eq!(
        runs.len(),
        fixture_items("test/server-5.0/runs_list.json").len()
    );
    let results = collect(client.test_results(PROJECT, 1)).await;
    assert_eq!(results[0].item.outcome.as_deref(), Some("Passed"));
    let coverage = collect(client.build_code_coverage(PROJECT, "10", 7)).await;
    assert_eq!(coverage[0].item.state.as_deref(), Some("Completed"));
    assert_eq!(coverage[0].item.modules.as_ref().map(Vec::len), Some(1));
}

#[tokio::test]
async fn updated_test_runs_follow_the_header_token_within_their_window() {
    let server = server().await;
    // The query form's run: `buildConfiguration` and no `build` (no example from Microsoft).
    let run = |id: i64| {
        json!({
            "id": id, "name": "web tests", "state": "Completed", "totalTests": 3,
            "buildConfiguration": {"id": 10, "number": "20261130.1"},
            "lastUpdatedDate": "2026-11-30T10:00:00Z"
        })
    };
    let runs = format!("/fabrikam/{PROJECT}/_apis/test/runs");
    two_token_pages(
        &server,
        get(&runs, "7.1")
            .and(query_param("minLastUpdatedDate", "2026-11-23T10:00:00Z"))
            .and(query_param("maxLastUpdatedDate", "2026-11-30T10:00:00Z"))
            .and(query_param("$top", "100"))
            .and(query_param_is_missing("includeRunDetails"))
            .and(query_param_is_missing("$skip")),
        get(&runs, "7.1")
            .and(query_param("minLastUpdatedDate", "2026-11-23T10:00:00Z"))
            .and(query_param("maxLastUpdatedDate", "2026-11-30T10:00:00Z")),
        "2026-11-30T10:00:00.0000000Z",
        &[run(1), run(2), run(3)],
        2,
    )
    .await;
    let at = |time: &str| time.parse::<jiff::Timestamp>().expect("a time");
    let listed = collect(cloud_client(&server).updated_test_runs(
        PROJECT,
        at("2026-11-23T10:00:00Z"),
        at("2026-11-30T10:00:00Z"),
    ))
    .await;
    let ids: Vec<i64> = listed.iter().map(|run| run.item.id).collect();
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(listed[0].item.build, None);
    assert_eq!(listed[0].raw["buildConfiguration"]["id"], 10);
}
