//! Contract tests for the work-tracking endpoints (Azure Boards): iterations, area trees,
//! work items and boards, on cloud and on Server collection URLs.

mod common;

use ado_client::ApiProfile;
use common::*;
use wiremock::ResponseTemplate;
use wiremock::matchers::{query_param, query_param_is_missing};

const PROJECT: &str = "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c";
const TEAM: &str = "748b18b6-4b3c-425a-bcae-ff9b3e703012";

#[tokio::test]
async fn team_iterations_on_cloud_and_server_2019() {
    let server = server().await;
    get(
        &format!("/fabrikam/{PROJECT}/{TEAM}/_apis/work/teamsettings/iterations"),
        "7.1",
    )
    .respond_with(
        ResponseTemplate::new(200).set_body_json(list_body(&[serde_json::json!({
            "id": "a589a806-bf11-4d4f-a031-c19813331553",
            "name": "Sprint 2",
            "path": "Fabrikam-Fiber-Git\\\\Sprint 2",
            "attributes": {"startDate": "2024-01-01T00:00:00Z", "finishDate": "2024-01-14T00:00:00Z", "timeFrame": "past"}
        })])),
    )
    .expect(1)
    .mount(&server)
    .await;
    get(
        &format!("/tfs/DefaultCollection/{PROJECT}/{TEAM}/_apis/work/teamsettings/iterations"),
        "5.0",
    )
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("work/server-5.0/iterations_list.json")),
    )
    .expect(1)
    .mount(&server)
    .await;

    let cloud = collect(cloud_client(&server).team_iterations(PROJECT, TEAM)).await;
    let attributes = cloud[0].item.attributes.as_ref().expect("attributes");
    assert_eq!(attributes.time_frame.as_deref(), Some("past"));

    // Older servers name the array `values`.
    let client = server_client(&server, ApiProfile::Server2019);
    let onprem = collect(client.team_iterations(PROJECT, TEAM)).await;
    assert_eq!(onprem.len(), 1);
    assert_eq!(onprem[0].item.name.as_deref(), Some("Sprint 2"));
    assert_eq!(
        onprem[0]
            .item
            .attributes
            .as_ref()
            .and_then(|a| a.start_date.clone()),
        None
    );
}

#[tokio::test]
async fn area_tree_with_depth_on_cloud_and_server_2022() {
    let server = server().await;
    get(
        &format!("/fabrikam/{PROJECT}/_apis/wit/classificationnodes/Areas"),
        "7.1",
    )
    .and(query_param("$depth", "14"))
    .respond_with(
        ResponseTemplate::new(200)
            .set_body_json(fixture("work/7.1/classificationnodes_areas.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    get(
        &format!("/tfs/DefaultCollection/{PROJECT}/_apis/wit/classificationnodes/Areas"),
        "7.0",
    )
    .and(query_param_is_missing("$depth"))
    .respond_with(
        ResponseTemplate::new(200)
            .set_body_json(fixture("work/7.1/classificationnodes_areas.json")),
    )
    .expect(1)
    .mount(&server)
    .await;

    let tree = cloud_client(&server)
        .area_tree(PROJECT, Some(14))
        .await
        .expect("tree");
    assert_eq!(
        tree.item.path.as_deref(),
        Some("\\Fabrikam-Fiber-Git\\Area")
    );
    let children = tree.item.children.as_deref().unwrap_or_default();
    assert_eq!(children.len(), 2);
    assert_eq!(
        children[0].children.as_deref().unwrap_or_default()[0]
            .name
            .as_deref(),
        Some("Checkout")
    );
    assert_eq!(tree.raw, fixture("work/7.1/classificationnodes_areas.json"));

    let client = server_client(&server, ApiProfile::Server2022);
    let root = client.area_tree(PROJECT, None).await.expect("root");
    assert_eq!(root.item.id, 126_391);
}
