//! Contract tests for the work-tracking endpoints (Azure Boards): iterations, area trees,
//! work items and boards, on cloud and on Server collection URLs.

mod common;

use ado_client::{ApiProfile, WorkItemExpand};
use common::*;
use futures::TryStreamExt;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;
use wiremock::matchers::{body_json, header, query_param, query_param_is_missing};

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
        ResponseTemplate::new(200).set_body_json(list_body(&[json!({
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
    assert_eq!(
        attributes.start_date,
        Some("2024-01-01T00:00:00Z".parse().expect("timestamp"))
    );

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
            .and_then(|a| a.start_date),
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

/// A WIQL result holding these ids.
fn wiql_result(ids: impl IntoIterator<Item = i64>) -> Value {
    let mut result = fixture("wit/7.1/wiql_query.json");
    result["workItems"] = ids
        .into_iter()
        .map(|id| json!({"id": id, "url": format!("https://dev.azure.com/fabrikam/_apis/wit/workItems/{id}")}))
        .collect();
    result
}

#[tokio::test]
async fn wiql_pages_by_id_ranges_past_the_result_cap() {
    let server = server().await;
    let wiql = format!("/fabrikam/{PROJECT}/_apis/wit/wiql");
    let condition = "[System.State] <> 'Closed'";
    let first = format!(
        "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND ({condition}) ORDER BY [System.Id] ASC"
    );
    let second = format!(
        "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND ({condition}) AND [System.Id] > 19999 ORDER BY [System.Id] ASC"
    );
    post(&wiql, "7.1")
        .and(query_param("$top", "19999"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({ "query": first })))
        .respond_with(ResponseTemplate::new(200).set_body_json(wiql_result(1..=19_999)))
        .expect(1)
        .mount(&server)
        .await;
    post(&wiql, "7.1")
        .and(body_json(json!({ "query": second })))
        .respond_with(ResponseTemplate::new(200).set_body_json(wiql_result([20_000, 20_007])))
        .expect(1)
        .mount(&server)
        .await;

    let pages: Vec<Vec<i64>> = cloud_client(&server)
        .work_item_ids(PROJECT, Some(condition))
        .try_collect()
        .await
        .expect("ids");
    assert_eq!(pages.len(), 2, "a short page ends the listing");
    assert_eq!(pages[0].len(), 19_999);
    assert_eq!(pages[1], [20_000, 20_007]);
}

#[tokio::test]
async fn an_empty_wiql_result_lists_nothing_on_server_2020() {
    let server = server().await;
    post(
        &format!("/tfs/DefaultCollection/{PROJECT}/_apis/wit/wiql"),
        "6.0",
    )
    .and(body_json(json!({
        "query": "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project ORDER BY [System.Id] ASC"
    })))
    .respond_with(ResponseTemplate::new(200).set_body_json(wiql_result([])))
    .expect(1)
    .mount(&server)
    .await;
    let client = server_client(&server, ApiProfile::Server2020);
    let pages: Vec<Vec<i64>> = client
        .work_item_ids(PROJECT, None)
        .try_collect()
        .await
        .expect("ids");
    assert!(pages.is_empty());
}

#[tokio::test]
async fn work_item_batches_post_ids_and_skip_omitted_items() {
    let server = server().await;
    let mut body = fixture("wit/7.1/workitems_batch.json");
    body["value"]
        .as_array_mut()
        .expect("value")
        .insert(1, Value::Null);
    post(
        &format!("/fabrikam/{PROJECT}/_apis/wit/workitemsbatch"),
        "7.1",
    )
    .and(body_json(
        json!({"ids": [297, 298, 299, 300], "errorPolicy": "omit", "$expand": "all"}),
    ))
    .respond_with(ResponseTemplate::new(200).set_body_json(body))
    .expect(1)
    .mount(&server)
    .await;
    post(
        &format!("/tfs/DefaultCollection/{PROJECT}/_apis/wit/workitemsbatch"),
        "5.0",
    )
    .and(body_json(json!({"ids": [297], "errorPolicy": "omit"})))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("wit/server-5.0/workitems_batch.json")),
    )
    .expect(1)
    .mount(&server)
    .await;

    let items = collect(cloud_client(&server).work_items(
        PROJECT,
        &[297, 298, 299, 300],
        Some(WorkItemExpand::All),
    ))
    .await;
    let ids: Vec<i64> = items.iter().map(|w| w.item.id).collect();
    assert_eq!(ids, [297, 299, 300]);
    assert_eq!(
        items[1]
            .item
            .fields
            .as_ref()
            .and_then(|f| f.get("System.Title")),
        Some(&json!("JavaScript implementation for Microsoft Account"))
    );
    let client = server_client(&server, ApiProfile::Server2019);
    let onprem = collect(client.work_items(PROJECT, &[297], None)).await;
    assert_eq!(onprem[0].item.rev, Some(1));
}

#[tokio::test]
async fn boards_and_board_details_on_cloud_and_server_2022() {
    let server = server().await;
    let board_id = "41688c28-a3fc-4811-977d-247a33f18a00";
    for (base, version) in [("/fabrikam", "7.1"), ("/tfs/DefaultCollection", "7.0")] {
        get(
            &format!("{base}/{PROJECT}/{TEAM}/_apis/work/boards"),
            version,
        )
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("work/7.1/boards_list.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
        get(
            &format!("{base}/{PROJECT}/{TEAM}/_apis/work/boards/{board_id}"),
            version,
        )
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("work/7.1/board_get.json")))
        .expect(1)
        .mount(&server)
        .await;
    }
    for client in [
        cloud_client(&server),
        server_client(&server, ApiProfile::Server2022),
    ] {
        let boards = collect(client.boards(PROJECT, TEAM)).await;
        let names: Vec<_> = boards.iter().map(|b| b.item.name.as_deref()).collect();
        assert_eq!(names, [Some("Stories"), Some("Features")]);
        let board = client
            .board(PROJECT, TEAM, &boards[0].item.id)
            .await
            .expect("board");
        let columns = board.item.columns.as_deref().unwrap_or_default();
        assert_eq!(columns.len(), 4);
        let mappings = columns[0].state_mappings.as_ref().expect("mappings");
        assert_eq!(mappings.get("Bug").map(String::as_str), Some("New"));
        assert_eq!(columns[3].column_type.as_deref(), Some("outgoing"));
    }
}

#[tokio::test]
async fn wiki_pages_page_with_the_header_token_in_the_post_body() {
    let server = server().await;
    let wiki = "wiki-1";
    get(&format!("/fabrikam/{PROJECT}/_apis/wiki/wikis"), "7.1")
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&[json!({
            "id": wiki, "name": "Fabrikam.wiki", "type": "projectWiki",
            "projectId": PROJECT, "repositoryId": "r-wiki", "mappedPath": "/",
            "remoteUrl": "https://dev.azure.com/fabrikam/Fabrikam/_wiki/wikis/wiki-1"
        })])))
        .expect(1)
        .mount(&server)
        .await;
    let batch = format!("/fabrikam/{PROJECT}/_apis/wiki/wikis/{wiki}/pagesbatch");
    post(&batch, "7.1-preview.1")
        .and(body_json(json!({"top": 100})))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ms-continuationtoken", "pages-2")
                .set_body_json(list_body(&[
                    json!({"id": 1, "path": "/Home", "viewStats": []}),
                ])),
        )
        .expect(1)
        .mount(&server)
        .await;
    post(&batch, "7.1-preview.1")
        .and(body_json(
            json!({"top": 100, "continuationToken": "pages-2"}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(list_body(&[json!({"id": 2, "path": "/Home/Setup"})])),
        )
        .expect(1)
        .mount(&server)
        .await;
    get(
        &format!("/fabrikam/{PROJECT}/_apis/wiki/wikis/{wiki}/pages/2"),
        "7.1",
    )
    .and(query_param("includeContent", "true"))
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
        "id": 2, "path": "/Home/Setup", "content": "# Setup\n", "gitItemPath": "/Home/Setup.md"
    })))
    .expect(1)
    .mount(&server)
    .await;

    let client = cloud_client(&server);
    let wikis = collect(client.wikis(PROJECT)).await;
    assert_eq!(wikis[0].item.wiki_type.as_deref(), Some("projectWiki"));
    let pages = collect(client.wiki_pages(PROJECT, wiki)).await;
    let paths: Vec<_> = pages.iter().map(|p| p.item.path.as_deref()).collect();
    assert_eq!(paths, [Some("/Home"), Some("/Home/Setup")]);
    let page = client.wiki_page(PROJECT, wiki, 2).await.expect("page");
    assert_eq!(page.item.content.as_deref(), Some("# Setup\n"));
}

#[tokio::test]
async fn wiki_pages_at_a_commit_and_the_published_branch() {
    let server = server().await;
    let wiki = "wiki-1";
    get(&format!("/fabrikam/{PROJECT}/_apis/wiki/wikis"), "7.1")
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&[
            json!({"id": wiki, "type": "codeWiki", "versions": [{"version": "main"}, {"version": "v2"}]}),
            json!({"id": "wiki-2", "type": "projectWiki", "versions": [{"version": "refs/heads/wikiMaster"}]}),
            json!({"id": "wiki-3", "type": "codeWiki"}),
        ])))
        .expect(1)
        .mount(&server)
        .await;
    post(
        &format!("/fabrikam/{PROJECT}/_apis/wiki/wikis/{wiki}/pagesbatch"),
        "7.1-preview.1",
    )
    .and(query_param("versionDescriptor.version", "61b7353a"))
    .and(query_param("versionDescriptor.versionType", "commit"))
    .and(body_json(json!({"top": 100})))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(list_body(&[json!({"id": 1, "path": "/Old"})])),
    )
    .expect(1)
    .mount(&server)
    .await;
    let client = cloud_client(&server);
    let wikis = collect(client.wikis(PROJECT)).await;
    let branches: Vec<_> = wikis.iter().map(|w| w.item.published_branch()).collect();
    assert_eq!(branches, [Some("main"), Some("wikiMaster"), None]);
    let pages = collect(client.wiki_pages_at_commit(PROJECT, wiki, "61b7353a")).await;
    assert_eq!(pages[0].item.path.as_deref(), Some("/Old"));
}

#[tokio::test]
async fn wikis_on_server_2019_list_but_refuse_page_batches_without_a_request() {
    let server = server().await;
    get(
        &format!("/tfs/DefaultCollection/{PROJECT}/_apis/wiki/wikis"),
        "5.0",
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&[])))
    .expect(1)
    .mount(&server)
    .await;
    let client = server_client(&server, ApiProfile::Server2019);
    assert!(collect(client.wikis(PROJECT)).await.is_empty());
    let error = client
        .wiki_pages(PROJECT, "w")
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(error, ado_client::Error::Unsupported { .. }),
        "{error}"
    );
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1, "only the wiki list was sent");
}
