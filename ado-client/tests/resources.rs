//! Contract tests: every resource against recorded Azure DevOps payloads, on cloud (both URL
//! forms) and on Server collection URLs.

mod common;

use ado_client::{
    AdoClient, AlertQuery, ApiProfile, BuildQuery, BuildQueryOrder, Credential, Error, Operation,
    PullRequestQuery, PullRequestStatus, PullRequestTimeRange, RecursionLevel,
    ReleaseDefinitionQuery, ReleaseDeploymentQuery, ReleaseQuery, UserEntitlementQuery,
};
use common::*;
use futures::TryStreamExt as _;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;
use wiremock::matchers::{body_json, query_param, query_param_is_missing};

const PROJECT: &str = "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c";

#[tokio::test]
async fn projects_page_with_the_header_token_and_keep_raw_json() {
    let server = server().await;
    let items = fixture_items("core/7.1/projects_list.json");
    two_token_pages(
        &server,
        get("/fabrikam/_apis/projects", "7.1").and(query_param("$top", "1000")),
        get("/fabrikam/_apis/projects", "7.1"),
        "3",
        &items,
        2,
    )
    .await;

    let projects = collect(cloud_client(&server).projects()).await;
    let names: Vec<_> = projects.iter().map(|p| p.item.name.as_str()).collect();
    assert_eq!(
        names,
        ["Fabrikam-Fiber-TFVC", "Fabrikam-Fiber-Git", "TestGit"]
    );
    for (listed, original) in projects.iter().zip(&items) {
        // Same keys, same order, same values as sent.
        assert_eq!(listed.raw.to_string(), original.to_string());
    }
}

#[tokio::test]
async fn projects_on_server_2019_use_api_version_5_0() {
    let server = server().await;
    get("/tfs/DefaultCollection/_apis/projects", "5.0")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("core/server-5.0/projects_list.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = server_client(&server, ApiProfile::Server2019);
    assert_eq!(client.organization().name(), "DefaultCollection");
    let projects = collect(client.projects()).await;
    assert_eq!(projects.len(), 3);
}

#[tokio::test]
async fn one_project_with_capabilities_and_default_team_on_visualstudio_com() {
    let server = server().await;
    get(&format!("/vs/fabrikam/_apis/projects/{PROJECT}"), "7.1")
        .and(query_param("includeCapabilities", "true"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("core/7.1/project_get.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = fast(AdoClient::builder(
        visualstudio_org(&server),
        Credential::pat(PAT),
    ))
    .build()
    .expect("client");
    assert_eq!(client.profile(), ApiProfile::Cloud);
    let project = client.project(PROJECT).await.expect("project");
    let team = project.item.default_team.as_ref().expect("default team");
    assert_eq!(team.name.as_deref(), Some("Fabrikam-Fiber-Git Team"));
    assert_eq!(
        project.raw["capabilities"]["versioncontrol"]["sourceControlType"],
        "Git"
    );
}

#[tokio::test]
async fn project_tags_come_from_tag_properties() {
    let server = server().await;
    get(
        &format!("/fabrikam/_apis/projects/{PROJECT}/properties"),
        "7.1-preview.1",
    )
    .and(query_param(
        "keys",
        "Microsoft.TeamFoundation.Project.Tag.*",
    ))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("core/7.1/project_properties.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    let tags = cloud_client(&server)
        .project_tags(PROJECT)
        .await
        .expect("tags");
    assert_eq!(tags, ["production", "team-payments"]);
}

#[tokio::test]
async fn teams_stop_on_a_short_page_without_a_trailing_request() {
    let server = server().await;
    let template = fixture_items("core/7.1/teams_list.json")[0].clone();
    let full_page: Vec<Value> = (0..100)
        .map(|i| {
            let mut team = template.clone();
            team["id"] = json!(format!("00000000-0000-0000-0000-{i:012}"));
            team
        })
        .collect();
    get("/fabrikam/_apis/teams", "7.1-preview.3")
        .and(query_param("$top", "100"))
        .and(query_param_is_missing("$skip"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&full_page)))
        .expect(1)
        .mount(&server)
        .await;
    get("/fabrikam/_apis/teams", "7.1-preview.3")
        .and(query_param("$top", "100"))
        .and(query_param("$skip", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("core/7.1/teams_list.json")))
        .expect(1)
        .mount(&server)
        .await;
    get("/fabrikam/_apis/teams", "7.1-preview.3")
        .and(query_param("$skip", "200"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&[])))
        .expect(0)
        .mount(&server)
        .await;

    let teams = collect(cloud_client(&server).teams()).await;
    assert_eq!(
        teams.len(),
        100 + fixture_items("core/7.1/teams_list.json").len()
    );
    assert_eq!(teams[100].item.name, "Quality assurance");
}

#[tokio::test]
async fn teams_and_members_on_server_2019() {
    let server = server().await;
    get("/tfs/DefaultCollection/_apis/teams", "5.0-preview.2")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("core/server-5.0/teams_list.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    get(
        &format!("/tfs/DefaultCollection/_apis/projects/{PROJECT}/teams/t1/members"),
        "5.0",
    )
    .and(query_param("$top", "100"))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("core/server-5.0/team_members_list.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    let client = server_client(&server, ApiProfile::Server2019);
    assert_eq!(
        collect(client.teams()).await.len(),
        fixture_items("core/server-5.0/teams_list.json").len()
    );
    let members = collect(client.team_members(PROJECT, "t1")).await;
    assert!(!members.is_empty());
    assert!(members[0].item.identity.display_name.is_some());
}

#[tokio::test]
async fn team_members_on_cloud() {
    let server = server().await;
    get(
        &format!("/fabrikam/_apis/projects/{PROJECT}/teams/t1/members"),
        "7.1",
    )
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("core/7.1/team_members_list.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    let members = collect(cloud_client(&server).team_members(PROJECT, "t1")).await;
    assert_eq!(members[0].item.is_team_admin, Some(false));
}

#[tokio::test]
async fn repositories_per_project_on_server_and_org_wide_on_cloud() {
    let server = server().await;
    get(
        "/tfs/DefaultCollection/Fabrikam-Fiber-Git/_apis/git/repositories",
        "7.0",
    )
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("git/server-5.0/repositories_list.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    get("/fabrikam/_apis/git/repositories", "7.1")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("git/7.1/repositories_list.json")),
        )
        .expect(1)
        .mount(&server)
        .await;

    // A collection URL infers Azure DevOps Server 2022.
    let org = ado_client::Organization::parse(&format!("{}/tfs/DefaultCollection", server.uri()))
        .expect("valid");
    let client = fast(AdoClient::builder(org, Credential::pat(PAT)))
        .build()
        .expect("client");
    assert_eq!(client.profile(), ApiProfile::Server2022);
    let repos = collect(client.repositories("Fabrikam-Fiber-Git")).await;
    assert_eq!(repos.len(), 3);

    let repos = collect(cloud_client(&server).all_repositories()).await;
    assert_eq!(
        repos[1].item.default_branch.as_deref(),
        Some("refs/heads/master")
    );
    assert_eq!(repos[0].item.default_branch, None);
}

#[tokio::test]
async fn file_content_on_the_default_branch_and_missing_files() {
    let server = server().await;
    let items = format!("/fabrikam/{PROJECT}/_apis/git/repositories/repo-1/items");
    get(&items, "7.1")
        .and(query_param("path", "/README.md"))
        .and(query_param("versionDescriptor.version", "master"))
        .and(query_param("versionDescriptor.versionType", "branch"))
        .and(query_param("includeContent", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("git/7.1/item_readme.json")))
        .expect(1)
        .mount(&server)
        .await;
    get(&items, "7.1")
        .and(query_param("path", "/missing.md"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "message": "TF401174: The item '/missing.md' could not be found in the repository.",
            "typeKey": "GitItemNotFoundException"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = cloud_client(&server);
    let readme = client
        .file(PROJECT, "repo-1", "/README.md", "refs/heads/master")
        .await
        .expect("request")
        .expect("file exists");
    assert!(
        readme
            .item
            .content
            .as_deref()
            .is_some_and(|c| c.starts_with("# Fabrikam"))
    );
    let missing = client
        .file(PROJECT, "repo-1", "/missing.md", "master")
        .await
        .expect("404 is not an error");
    assert!(missing.is_none());

    // A 404 without an Azure DevOps error body comes from something else (a proxy, a wrong
    // service URL): an error, not a missing file.
    get(&items, "7.1")
        .and(query_param("path", "/proxied.md"))
        .respond_with(ResponseTemplate::new(404).set_body_string("Not Found"))
        .expect(1)
        .mount(&server)
        .await;
    let error = client
        .file(PROJECT, "repo-1", "/proxied.md", "master")
        .await
        .expect_err("a bare 404 is an error");
    assert!(!error.is_not_found());
}

#[tokio::test]
async fn file_content_at_a_commit_and_missing_files() {
    let server = server().await;
    let items = format!("/fabrikam/{PROJECT}/_apis/git/repositories/repo-1/items");
    let commit = "c8e823a60a85381732726d6a9b6a276e71e6ce12";
    get(&items, "7.1")
        .and(query_param("path", "/port.yml"))
        .and(query_param("versionDescriptor.version", commit))
        .and(query_param("versionDescriptor.versionType", "commit"))
        .and(query_param("includeContent", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "objectId": "b1", "commitId": commit, "path": "/port.yml",
            "content": "identifier: svc\nblueprint: service\n"
        })))
        .expect(1)
        .mount(&server)
        .await;
    get(&items, "7.1")
        .and(query_param("path", "/gone.yml"))
        .and(query_param("versionDescriptor.versionType", "commit"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "message": "TF401174: The item '/gone.yml' could not be found in the repository.",
            "typeKey": "GitItemNotFoundException"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = cloud_client(&server);
    let spec = client
        .file_at_commit(PROJECT, "repo-1", "/port.yml", commit)
        .await
        .expect("request")
        .expect("file exists");
    assert_eq!(spec.item.commit_id.as_deref(), Some(commit));
    assert_eq!(
        spec.item.content.as_deref(),
        Some("identifier: svc\nblueprint: service\n")
    );
    let gone = client
        .file_at_commit(PROJECT, "repo-1", "/gone.yml", commit)
        .await
        .expect("404 is not an error");
    assert!(gone.is_none());
}

#[tokio::test]
async fn policy_configurations_page_on_cloud_and_are_single_on_server_2019() {
    let server = server().await;
    let items = fixture_items("policy/7.1/configurations_list.json");
    let cloud_path = format!("/fabrikam/{PROJECT}/_apis/git/policy/configurations");
    two_token_pages(
        &server,
        get(&cloud_path, "7.1")
            .and(query_param("repositoryId", "repo-1"))
            .and(query_param("refName", "refs/heads/master"))
            .and(query_param("$top", "1000")),
        get(&cloud_path, "7.1"),
        "17",
        &items,
        1,
    )
    .await;
    let cloud = collect(cloud_client(&server).policy_configurations(
        PROJECT,
        "repo-1",
        Some("refs/heads/master"),
    ))
    .await;
    assert_eq!(cloud.len(), items.len());
    assert!(cloud[0].item.policy_type.is_some());

    get(
        &format!("/tfs/DefaultCollection/{PROJECT}/_apis/git/policy/configurations"),
        "5.0-preview.1",
    )
    .and(query_param("repositoryId", "repo-1"))
    .and(query_param_is_missing("$top"))
    .respond_with(
        ResponseTemplate::new(200)
            .set_body_json(fixture("policy/server-5.0/configurations_list.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    let client = server_client(&server, ApiProfile::Server2019);
    let server_items = collect(client.policy_configurations(PROJECT, "repo-1", None)).await;
    assert!(!server_items.is_empty());
}

#[tokio::test]
async fn user_entitlements_follow_the_body_token_and_read_items_and_members() {
    let server = server().await;
    let entitlement = fixture("memberentitlementmanagement/7.1/userentitlement.json");
    let mut second = entitlement.clone();
    second["id"] = json!("aa2f1bdb-9779-491a-a6f6-c6e9322cfb00");
    get("/vsaex/fabrikam/_apis/userentitlements", "7.1")
        .and(query_param("select", "license,projects"))
        .and(query_param_is_missing("continuationToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [entitlement],
            "continuationToken": "next-page",
            "totalCount": 2
        })))
        .expect(1)
        .mount(&server)
        .await;
    get("/vsaex/fabrikam/_apis/userentitlements", "7.1")
        .and(query_param("continuationToken", "next-page"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "members": [second],
            "continuationToken": null,
            "totalCount": 2
        })))
        .expect(1)
        .mount(&server)
        .await;
    let users = collect(
        cloud_client(&server)
            .user_entitlements(&UserEntitlementQuery::new().select("license,projects")),
    )
    .await;
    let ids: Vec<_> = users.iter().map(|u| u.item.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "fe2f1bdb-9779-491a-a6f6-c6e9322cfb00",
            "aa2f1bdb-9779-491a-a6f6-c6e9322cfb00"
        ]
    );
    let level = users[0].item.access_level.as_ref().expect("access level");
    assert_eq!(level.license_display_name.as_deref(), Some("Stakeholder"));
}

#[tokio::test]
async fn user_entitlements_legacy_form_pages_with_top_and_skip() {
    let server = server().await;
    let entitlement = fixture("memberentitlementmanagement/7.1/userentitlement.json");
    get("/vsaex/fabrikam/_apis/userentitlements", "5.1-preview.2")
        .and(query_param("top", "10000"))
        .and(query_param_is_missing("skip"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&[entitlement])))
        .expect(1)
        .mount(&server)
        .await;
    let users = collect(
        cloud_client(&server).user_entitlements(&UserEntitlementQuery::new().legacy_paging(true)),
    )
    .await;
    assert_eq!(users.len(), 1);
}

#[tokio::test]
async fn graph_users_follow_the_header_token_on_vssps() {
    let server = server().await;
    let items = fixture_items("graph/7.1/users_list.json");
    get("/vssps/fabrikam/_apis/graph/users", "7.1-preview.1")
        .and(query_param("subjectTypes", "aad,msa"))
        .and(query_param_is_missing("continuationToken"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-MS-ContinuationToken", "eyJwYWdlIjoyfQ==")
                .set_body_json(list_body(&items[..1])),
        )
        .expect(1)
        .mount(&server)
        .await;
    get("/vssps/fabrikam/_apis/graph/users", "7.1-preview.1")
        .and(query_param("continuationToken", "eyJwYWdlIjoyfQ=="))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&items[1..])))
        .expect(1)
        .mount(&server)
        .await;
    let users = collect(cloud_client(&server).graph_users(Some("aad,msa"))).await;
    assert_eq!(users.len(), items.len());
    assert!(users[0].item.descriptor.is_some());
}

#[tokio::test]
async fn cloud_only_apis_are_refused_on_server_without_a_request() {
    let server = server().await;
    let client = server_client(&server, ApiProfile::Server2022);
    let error = collect_err(client.graph_users(None)).await;
    assert!(matches!(
        error,
        Error::Unsupported {
            operation: Operation::ListGraphUsers,
            profile: ApiProfile::Server2022
        }
    ));
    let error = collect_err(client.user_entitlements(&UserEntitlementQuery::new())).await;
    assert!(
        error.to_string().contains("Azure DevOps Server 2022"),
        "{error}"
    );
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn server_2019_refuses_pipelines_and_environments_without_a_request() {
    let server = server().await;
    let client = server_client(&server, ApiProfile::Server2019);
    let error = collect_err(client.pipelines(PROJECT)).await;
    assert_eq!(
        error.to_string(),
        "listing pipelines is not available on Azure DevOps Server 2019"
    );
    let error = collect_err(client.environments(PROJECT)).await;
    assert!(matches!(
        error,
        Error::Unsupported {
            operation: Operation::ListEnvironments,
            profile: ApiProfile::Server2019
        }
    ));
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

async fn collect_err<T: std::fmt::Debug>(
    stream: impl futures::Stream<Item = ado_client::Result<ado_client::Listed<T>>>,
) -> Error {
    use futures::TryStreamExt as _;
    stream
        .try_collect::<Vec<_>>()
        .await
        .expect_err("the listing must fail")
}

#[tokio::test]
async fn pull_requests_with_time_filters_on_cloud() {
    let server = server().await;
    get(
        &format!("/fabrikam/{PROJECT}/_apis/git/pullrequests"),
        "7.1",
    )
    .and(query_param("searchCriteria.status", "completed"))
    .and(query_param(
        "searchCriteria.minTime",
        "2024-03-01T00:00:00Z",
    ))
    .and(query_param("searchCriteria.queryTimeRangeType", "closed"))
    .and(query_param("$top", "1000"))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("git/7.1/pullrequests_list.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    let query = PullRequestQuery::new()
        .status(PullRequestStatus::Completed)
        .min_time("2024-03-01T00:00:00Z".parse().expect("timestamp"))
        .time_range(PullRequestTimeRange::Closed);
    let prs = collect(cloud_client(&server).pull_requests(PROJECT, &query)).await;
    assert_eq!(prs.len(), 3);
    assert_eq!(prs[0].item.pull_request_id, 22);
}

#[tokio::test]
async fn pull_requests_on_server_2020_and_time_filters_refused() {
    let server = server().await;
    get(
        &format!("/tfs/DefaultCollection/{PROJECT}/_apis/git/pullrequests"),
        "6.0",
    )
    .and(query_param("searchCriteria.status", "all"))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("git/server-5.0/pullrequests_list.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    let client = server_client(&server, ApiProfile::Server2020);
    let all = PullRequestQuery::new().status(PullRequestStatus::All);
    assert_eq!(collect(client.pull_requests(PROJECT, &all)).await.len(), 3);

    let timed = all.min_time("2024-03-01T00:00:00Z".parse().expect("timestamp"));
    let error = collect_err(client.pull_requests(PROJECT, &timed)).await;
    assert!(matches!(
        error,
        Error::Unsupported {
            operation: Operation::ListPullRequestsByTime,
            ..
        }
    ));
}

#[tokio::test]
async fn builds_follow_the_header_token_with_query_order() {
    let server = server().await;
    let items = fixture_items("build/7.1/builds_list.json");
    let builds_path = format!("/fabrikam/{PROJECT}/_apis/build/builds");
    two_token_pages(
        &server,
        get(&builds_path, "7.1")
            .and(query_param("queryOrder", "queueTimeDescending"))
            .and(query_param("$top", "1000")),
        get(&builds_path, "7.1").and(query_param("queryOrder", "queueTimeDescending")),
        "2024-03-11T08:01:44.7Z",
        &items,
        1,
    )
    .await;
    let query = BuildQuery::new().order(BuildQueryOrder::QueueTimeDescending);
    let builds = collect(cloud_client(&server).builds(PROJECT, &query)).await;
    let ids: Vec<_> = builds.iter().map(|b| b.item.id).collect();
    assert_eq!(ids, [1042, 1041]);
    assert_eq!(builds[1].item.result, None);
}

#[tokio::test]
async fn build_timeline_records_on_server_2022() {
    let server = server().await;
    get(
        &format!("/tfs/DefaultCollection/{PROJECT}/_apis/build/builds/1042/timeline"),
        "7.0",
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(fixture("build/7.1/timeline.json")))
    .expect(1)
    .mount(&server)
    .await;
    let client = server_client(&server, ApiProfile::Server2022);
    let records = collect(client.build_timeline(PROJECT, 1042)).await;
    let stages: Vec<_> = records
        .iter()
        .filter(|r| r.item.record_type.as_deref() == Some("Stage"))
        .filter_map(|r| r.item.name.as_deref())
        .collect();
    assert_eq!(stages, ["Build", "Deploy"]);
}

#[tokio::test]
async fn pipelines_and_runs_on_server_2020() {
    let server = server().await;
    get(
        &format!("/tfs/DefaultCollection/{PROJECT}/_apis/pipelines"),
        "6.0-preview.1",
    )
    .and(query_param("$top", "1000"))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("pipelines/7.1/pipelines_list.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    get(
        &format!("/tfs/DefaultCollection/{PROJECT}/_apis/pipelines/12/runs"),
        "6.0-preview.1",
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(fixture("pipelines/7.1/runs_list.json")))
    .expect(1)
    .mount(&server)
    .await;
    let client = server_client(&server, ApiProfile::Server2020);
    let pipelines = collect(client.pipelines(PROJECT)).await;
    assert_eq!(pipelines[1].item.folder.as_deref(), Some("\\ops"));
    let runs = collect(client.pipeline_runs(PROJECT, pipelines[0].item.id)).await;
    assert_eq!(runs[0].item.result.as_deref(), Some("succeeded"));
    assert_eq!(runs[1].item.finished_date, None);
}

#[tokio::test]
async fn environments_and_deployment_records_on_cloud() {
    let server = server().await;
    let envs = format!("/fabrikam/{PROJECT}/_apis/distributedtask/environments");
    let items = fixture_items("distributedtask/7.1/environments_list.json");
    two_token_pages(
        &server,
        get(&envs, "7.1").and(query_param("$top", "1000")),
        get(&envs, "7.1"),
        "production",
        &items,
        1,
    )
    .await;
    get(&format!("{envs}/4/environmentdeploymentrecords"), "7.1")
        .and(query_param("top", "1000"))
        .and(query_param_is_missing("$top"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture(
            "distributedtask/7.1/environmentdeploymentrecords_list.json",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let client = cloud_client(&server);
    let environments = collect(client.environments(PROJECT)).await;
    let names: Vec<_> = environments.iter().map(|e| e.item.name.as_str()).collect();
    assert_eq!(names, ["staging", "production"]);
    let records = collect(client.environment_deployment_records(PROJECT, 4)).await;
    assert_eq!(records[0].item.stage_name.as_deref(), Some("Deploy"));
}

#[tokio::test]
async fn releases_on_vsrm_follow_the_integer_header_token() {
    let server = server().await;
    let items = fixture_items("release/7.1/releases_list.json");
    let releases = format!("/vsrm/fabrikam/{PROJECT}/_apis/release/releases");
    two_token_pages(
        &server,
        get(&releases, "7.1")
            .and(query_param("$top", "100"))
            .and(query_param("$expand", "environments"))
            .and(query_param("tagFilter", "prod,web")),
        get(&releases, "7.1"),
        "9",
        &items,
        10,
    )
    .await;
    let query = ReleaseQuery::new()
        .expand("environments")
        .tags(["prod", "web"]);
    let listed = collect(cloud_client(&server).releases(PROJECT, &query)).await;
    assert_eq!(listed.len(), items.len());
    assert_eq!(listed[0].item.name.as_deref(), Some("Release-18"));
}

#[tokio::test]
async fn releases_by_id_keep_the_other_filters() {
    let server = server().await;
    get(
        &format!("/vsrm/fabrikam/{PROJECT}/_apis/release/releases"),
        "7.1",
    )
    .and(query_param("releaseIdFilter", "17,16"))
    .and(query_param("statusFilter", "active"))
    .and(query_param("$expand", "environments"))
    .and(query_param("$top", "100"))
    .respond_with(ResponseTemplate::new(200).set_body_json(list_body(
        &fixture_items("release/7.1/releases_list.json")[1..3],
    )))
    .expect(1)
    .mount(&server)
    .await;
    let query = ReleaseQuery::new()
        .status("active")
        .expand("environments")
        .ids([17, 16]);
    let listed = collect(cloud_client(&server).releases(PROJECT, &query)).await;
    assert_eq!(listed.len(), 2);
}

#[tokio::test]
async fn release_deployments_on_cloud_vsrm_and_on_the_server_collection() {
    let server = server().await;
    get(
        &format!("/vsrm/fabrikam/{PROJECT}/_apis/release/deployments"),
        "7.1",
    )
    .and(query_param("definitionId", "38"))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("release/7.1/deployments_list.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    get(
        &format!("/tfs/DefaultCollection/{PROJECT}/_apis/release/deployments"),
        "5.0",
    )
    .respond_with(
        ResponseTemplate::new(200)
            .set_body_json(fixture("release/server-5.0/deployments_list.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    let query = ReleaseDeploymentQuery::new().definition_id(38);
    let cloud = collect(cloud_client(&server).release_deployments(PROJECT, &query)).await;
    assert_eq!(
        cloud[0].item.deployment_status.as_deref(),
        Some("notDeployed")
    );
    let client = server_client(&server, ApiProfile::Server2019);
    let onprem = collect(client.release_deployments(PROJECT, &ReleaseDeploymentQuery::new())).await;
    assert_eq!(onprem.len(), 1);
}

#[tokio::test]
async fn branches_page_with_the_header_token_on_cloud() {
    let server = server().await;
    let items = fixture_items("git/7.1/refs_heads.json");
    let refs = format!("/fabrikam/{PROJECT}/_apis/git/repositories/r1/refs");
    two_token_pages(
        &server,
        get(&refs, "7.1")
            .and(query_param("filter", "heads/"))
            .and(query_param("$top", "1000")),
        get(&refs, "7.1").and(query_param("filter", "heads/")),
        "next-ref",
        &items,
        1,
    )
    .await;
    let branches = collect(cloud_client(&server).branches(PROJECT, "r1")).await;
    let names: Vec<_> = branches.iter().map(|b| b.item.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "refs/heads/feature/calcApp",
            "refs/heads/feature/replacer",
            "refs/heads/master"
        ]
    );
    assert_eq!(
        branches[0].item.object_id.as_deref(),
        Some("ffe9cba521f00d7f60e322845072238635edb451")
    );
}

#[tokio::test]
async fn branches_on_server_2019() {
    let server = server().await;
    get(
        &format!("/tfs/DefaultCollection/{PROJECT}/_apis/git/repositories/r1/refs"),
        "5.0",
    )
    .and(query_param("filter", "heads/"))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("git/server-5.0/refs_heads.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    let client = server_client(&server, ApiProfile::Server2019);
    let branches = collect(client.branches(PROJECT, "r1")).await;
    assert_eq!(
        branches.len(),
        fixture_items("git/server-5.0/refs_heads.json").len()
    );
}

#[tokio::test]
async fn release_definitions_on_cloud_vsrm_and_on_the_server_collection() {
    let server = server().await;
    let items = fixture_items("release/7.1/definitions_list.json");
    let definitions = format!("/vsrm/fabrikam/{PROJECT}/_apis/release/definitions");
    two_token_pages(
        &server,
        get(&definitions, "7.1")
            .and(query_param("$top", "100"))
            .and(query_param("$expand", "environments"))
            .and(query_param("tagFilter", "prod,web")),
        get(&definitions, "7.1"),
        "2",
        &items,
        1,
    )
    .await;
    get(
        &format!("/tfs/DefaultCollection/{PROJECT}/_apis/release/definitions"),
        "6.0",
    )
    .and(query_param_is_missing("$expand"))
    .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&items[1..])))
    .expect(1)
    .mount(&server)
    .await;
    let query = ReleaseDefinitionQuery::new()
        .expand("environments")
        .tags(["prod", "web"]);
    let cloud = collect(cloud_client(&server).release_definitions(PROJECT, &query)).await;
    let names: Vec<_> = cloud.iter().map(|d| d.item.name.as_deref()).collect();
    assert_eq!(names, [Some("Fabrikam-web"), Some("Fabrikam-api")]);
    assert_eq!(cloud[0].item.environments.as_ref().map(Vec::len), Some(1));
    let client = server_client(&server, ApiProfile::Server2020);
    let onprem = collect(client.release_definitions(PROJECT, &ReleaseDefinitionQuery::new())).await;
    assert_eq!(onprem[0].item.path.as_deref(), Some("\\Services"));
}

#[tokio::test]
async fn graph_groups_memberships_and_subject_lookups_on_vssps() {
    let server = server().await;
    let group = |n: u32| {
        json!({
            "subjectKind": "group", "descriptor": format!("vssgp.g{n}"),
            "displayName": format!("Group {n}"), "principalName": format!("[Fabrikam]\\Group {n}"),
            "origin": "vsts", "domain": "vstfs:///Classification/TeamProject/p"
        })
    };
    get("/vssps/fabrikam/_apis/graph/groups", "7.1-preview.1")
        .and(query_param_is_missing("continuationToken"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ms-continuationtoken", "page-2")
                .set_body_json(list_body(&[group(1)])),
        )
        .expect(1)
        .mount(&server)
        .await;
    get("/vssps/fabrikam/_apis/graph/groups", "7.1-preview.1")
        .and(query_param("continuationToken", "page-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&[group(2)])))
        .expect(1)
        .mount(&server)
        .await;
    get(
        "/vssps/fabrikam/_apis/graph/memberships/vssgp.g1",
        "7.1-preview.1",
    )
    .and(query_param("direction", "down"))
    .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&[
        json!({"containerDescriptor": "vssgp.g1", "memberDescriptor": "aad.u1"}),
        json!({"containerDescriptor": "vssgp.g1", "memberDescriptor": "vssgp.g2"}),
    ])))
    .expect(1)
    .mount(&server)
    .await;
    post("/vssps/fabrikam/_apis/graph/subjectlookup", "7.1-preview.1")
        .and(body_json(
            json!({"lookupKeys": [{"descriptor": "aad.u1"}, {"descriptor": "vssgp.g2"}]}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": {
            "aad.u1": {"subjectKind": "user", "descriptor": "aad.u1", "displayName": "Jamal"},
            "vssgp.g2": group(2)
        }})))
        .expect(1)
        .mount(&server)
        .await;

    let client = cloud_client(&server);
    let groups = collect(client.graph_groups()).await;
    let names: Vec<_> = groups
        .iter()
        .map(|g| g.item.display_name.as_deref())
        .collect();
    assert_eq!(names, [Some("Group 1"), Some("Group 2")]);
    let memberships = collect(client.group_memberships("vssgp.g1")).await;
    let members: Vec<String> = memberships
        .iter()
        .filter_map(|m| m.item.member_descriptor.clone())
        .collect();
    assert_eq!(members, ["aad.u1", "vssgp.g2"]);
    let found = client.lookup_subjects(&members).await.expect("lookup");
    let subjects = found.item.value.expect("subjects");
    assert_eq!(subjects["aad.u1"]["displayName"], "Jamal");
}

#[tokio::test]
async fn graph_groups_are_refused_on_server_without_a_request() {
    let server = server().await;
    let client = server_client(&server, ApiProfile::Server2022);
    let error = collect_err(client.graph_groups()).await;
    assert!(matches!(
        error,
        Error::Unsupported {
            operation: Operation::ListGraphGroups,
            profile: ApiProfile::Server2022
        }
    ));
    let error = client
        .lookup_subjects(&["aad.u1".to_owned()])
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Unsupported { .. }));
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn advanced_security_alerts_on_advsec_follow_the_header_token() {
    let server = server().await;
    let alerts = format!("/advsec/fabrikam/{PROJECT}/_apis/alert/repositories/r1/alerts");
    let alert = |id: i64| {
        json!({
            "alertId": id, "alertType": "secret", "state": "active", "severity": "high",
            "title": "Azure storage key", "introducedDate": "2024-03-01T00:00:00Z",
            "rule": {"id": "SEC101/102"}
        })
    };
    get(&alerts, "7.2-preview.1")
        .and(query_param("criteria.states", "active,dismissed"))
        .and(query_param("criteria.severities", "high"))
        .and(query_param("criteria.alertType", "secret"))
        .and(query_param(
            "criteria.modifiedSince",
            "2026-11-30T09:55:00Z",
        ))
        .and(query_param_is_missing("continuationToken"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ms-continuationtoken", "a2")
                .set_body_json(list_body(&[alert(1)])),
        )
        .expect(1)
        .mount(&server)
        .await;
    get(&alerts, "7.2-preview.1")
        .and(query_param("continuationToken", "a2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&[alert(2)])))
        .expect(1)
        .mount(&server)
        .await;
    let since = "2026-11-30T09:55:00Z".parse().expect("a time");
    let query = AlertQuery::new()
        .states(["active", "dismissed"])
        .severities(["high"])
        .alert_type("secret")
        .modified_since(since);
    let listed =
        collect(cloud_client(&server).advanced_security_alerts(PROJECT, "r1", &query)).await;
    let ids: Vec<i64> = listed.iter().map(|a| a.item.alert_id).collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(listed[0].item.severity.as_deref(), Some("high"));

    let client = server_client(&server, ApiProfile::Server2022);
    let error =
        collect_err(client.advanced_security_alerts(PROJECT, "r1", &AlertQuery::new())).await;
    assert!(matches!(
        error,
        Error::Unsupported {
            operation: Operation::ListAdvancedSecurityAlerts,
            ..
        }
    ));
}

#[tokio::test]
async fn folder_items_at_a_branch_on_cloud_and_server_2019() {
    let server = server().await;
    for (base, version, fixture_name) in [
        ("/fabrikam", "7.1", "git/7.1/items_one_level.json"),
        (
            "/tfs/DefaultCollection",
            "5.0",
            "git/server-5.0/items_one_level.json",
        ),
    ] {
        get(
            &format!("{base}/{PROJECT}/_apis/git/repositories/r1/items"),
            version,
        )
        .and(query_param("scopePath", "/MyWebSite/MyWebSite/Views"))
        .and(query_param("recursionLevel", "oneLevel"))
        .and(query_param("versionDescriptor.version", "dev"))
        .and(query_param("versionDescriptor.versionType", "branch"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture(fixture_name)))
        .expect(1)
        .mount(&server)
        .await;
    }
    for client in [
        cloud_client(&server),
        server_client(&server, ApiProfile::Server2019),
    ] {
        let items = collect(client.items(
            PROJECT,
            "r1",
            "/MyWebSite/MyWebSite/Views",
            RecursionLevel::OneLevel,
            "refs/heads/dev",
        ))
        .await;
        let folders: Vec<_> = items
            .iter()
            .filter(|i| i.item.is_folder == Some(true))
            .filter_map(|i| i.item.path.as_deref())
            .collect();
        assert_eq!(
            folders,
            [
                "/MyWebSite/MyWebSite/Views",
                "/MyWebSite/MyWebSite/Views/Home",
                "/MyWebSite/MyWebSite/Views/Shared"
            ]
        );
    }
}

#[tokio::test]
async fn single_items_by_id_keep_raw_json() {
    let server = server().await;
    let repository = fixture_items("git/7.1/repositories_list.json")[0].clone();
    let pull_request = fixture_items("git/7.1/pullrequests_list.json")[0].clone();
    let build = fixture_items("build/7.1/builds_list.json")[0].clone();
    let pipeline = fixture_items("pipelines/7.1/pipelines_list.json")[0].clone();
    let run = fixture_items("pipelines/7.1/runs_list.json")[0].clone();
    let repo_id = repository["id"].as_str().expect("repository id");
    let pr_id = pull_request["pullRequestId"]
        .as_i64()
        .expect("pull request id");
    let build_id = build["id"].as_i64().expect("build id");
    let pipeline_id = pipeline["id"].as_i64().expect("pipeline id");
    let run_id = run["id"].as_i64().expect("run id");
    let answers = [
        (
            format!("/fabrikam/{PROJECT}/_apis/git/repositories/{repo_id}"),
            &repository,
        ),
        (
            format!("/fabrikam/_apis/git/pullrequests/{pr_id}"),
            &pull_request,
        ),
        (
            format!("/fabrikam/{PROJECT}/_apis/build/builds/{build_id}"),
            &build,
        ),
        (
            format!("/fabrikam/{PROJECT}/_apis/pipelines/{pipeline_id}"),
            &pipeline,
        ),
        (
            format!("/fabrikam/{PROJECT}/_apis/pipelines/{pipeline_id}/runs/{run_id}"),
            &run,
        ),
    ];
    for (path, body) in answers {
        get(&path, "7.1")
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = cloud_client(&server);
    let got = client
        .repository(PROJECT, repo_id)
        .await
        .expect("repository");
    assert_eq!(got.item.id, repo_id);
    assert_eq!(got.raw.to_string(), repository.to_string());
    let got = client.pull_request(pr_id).await.expect("pull request");
    assert_eq!(got.item.pull_request_id, pr_id);
    assert_eq!(got.raw, pull_request);
    let got = client.build(PROJECT, build_id).await.expect("build");
    assert_eq!(got.item.id, build_id);
    assert_eq!(got.raw, build);
    let got = client
        .pipeline(PROJECT, pipeline_id)
        .await
        .expect("pipeline");
    assert_eq!(got.item.id, pipeline_id);
    let got = client
        .pipeline_run(PROJECT, pipeline_id, run_id)
        .await
        .expect("run");
    assert_eq!(got.item.id, run_id);
    assert_eq!(got.raw, run);
}

#[tokio::test]
async fn a_missing_pull_request_is_a_404_error() {
    let server = server().await;
    get("/fabrikam/_apis/git/pullrequests/404", "7.1")
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "gone"})))
        .mount(&server)
        .await;
    let error = cloud_client(&server)
        .pull_request(404)
        .await
        .expect_err("missing");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn every_active_pull_request_of_the_organization_comes_with_its_project() {
    let server = server().await;
    let projects = fixture_items("core/7.1/projects_list.json");
    get("/fabrikam/_apis/projects", "7.1")
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&projects)))
        .mount(&server)
        .await;
    let pull_requests = fixture_items("git/7.1/pullrequests_list.json");
    // The first project has every pull request, the others none.
    for (position, project) in projects.iter().enumerate() {
        let id = project["id"].as_str().expect("project id");
        let listed = if position == 0 {
            &pull_requests[..]
        } else {
            &[]
        };
        get(&format!("/fabrikam/{id}/_apis/git/pullrequests"), "7.1")
            .and(query_param_is_missing("searchCriteria.status"))
            .respond_with(ResponseTemplate::new(200).set_body_json(list_body(listed)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let found: Vec<_> = cloud_client(&server)
        .all_pull_requests(&PullRequestQuery::new())
        .try_collect()
        .await
        .expect("listed");
    assert_eq!(found.len(), pull_requests.len());
    assert!(
        found
            .iter()
            .all(|(project, _)| project.item.id == projects[0]["id"])
    );
    let ids: Vec<i64> = found
        .iter()
        .map(|(_, pr)| pr.item.pull_request_id)
        .collect();
    let expected: Vec<i64> = pull_requests
        .iter()
        .map(|pr| pr["pullRequestId"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, expected);
}
