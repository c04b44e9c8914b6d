//! `fetch`: the enriched raw items of one kind, as a mapping receives them.

mod common;

use std::collections::BTreeSet;

use ado_client::ApiProfile;
use ado_port_sync::{Kind, KindRequest, fetch};
use common::{ado_client, ado_client_with, fixture_text, mount_routes, mount_sample_org};
use futures::TryStreamExt;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn items(server: &MockServer, kind: Kind, options: Value, excluded: &[String]) -> Vec<Value> {
    try_items(server, kind, options, excluded)
        .await
        .unwrap_or_else(|e| panic!("{kind}: {e}"))
}

async fn try_items(
    server: &MockServer,
    kind: Kind,
    options: Value,
    excluded: &[String],
) -> ado_client::Result<Vec<Value>> {
    let options: Map<String, Value> = serde_json::from_value(options).expect("object");
    let request = KindRequest::new(kind, &options).expect("valid options");
    fetch(ado_client(server, "fabrikam"), &request, excluded)
        .try_collect()
        .await
}

/// Every registered kind lists items of the sample organization (with what
/// `sample-org-kinds.json` adds), and each item carries exactly the enrichment fields its kind
/// documents, besides the organization fields: the documentation cannot drift from the code.
#[tokio::test]
async fn every_kind_carries_exactly_the_enrichment_fields_it_documents() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    mount_routes(&ado, "fabrikam", "sample-org-kinds.json").await;
    let fixture: Value =
        serde_json::from_str(&fixture_text("sample-org-kinds.json")).expect("json");
    let selectors = fixture["selectors"].as_object().expect("selectors");
    for name in selectors.keys() {
        assert!(
            name.parse::<Kind>().is_ok(),
            "selector of an unknown kind `{name}`"
        );
    }
    for &kind in Kind::all() {
        let options = selectors.get(kind.as_str()).cloned().unwrap_or(json!({}));
        let listed = items(&ado, kind, options, &[]).await;
        assert!(
            !listed.is_empty(),
            "{kind} lists nothing in the sample organization"
        );
        let documented: BTreeSet<&str> = kind.spec().enrichment.iter().copied().collect();
        for item in &listed {
            let carried: BTreeSet<&str> = item
                .as_object()
                .expect("an object")
                .keys()
                .map(String::as_str)
                .filter(|key| key.starts_with("__"))
                .filter(|key| !matches!(*key, "__organizationUrl" | "__organizationName"))
                .collect();
            assert_eq!(carried, documented, "{kind}: {item}");
        }
    }
}

#[tokio::test]
async fn every_item_carries_the_organization_fields() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let users = items(&ado, Kind::USER, json!({}), &[]).await;
    assert_eq!(users.len(), 1);
    assert_eq!(
        users[0]["__organizationUrl"],
        format!("{}/fabrikam", ado.uri())
    );
    assert_eq!(users[0]["__organizationName"], "fabrikam");
    assert_eq!(users[0]["id"], "u-1");
}

#[tokio::test]
async fn enrichment_fields_hold_the_parent_payloads() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;

    let builds = items(&ado, Kind::BUILD, json!({}), &[]).await;
    assert_eq!(builds[0]["__projectId"], "aaaa-1111");
    assert_eq!(builds[0]["__project"]["name"], "Fabrikam Web");

    let stages = items(&ado, Kind::PIPELINE_STAGE, json!({}), &[]).await;
    assert_eq!(stages.len(), 1, "only Stage records");
    assert_eq!(stages[0]["__build"]["id"], 10);
    assert_eq!(stages[0]["__project"]["id"], "aaaa-1111");

    let runs = items(&ado, Kind::PIPELINE_RUN, json!({}), &[]).await;
    assert_eq!(runs[0]["__pipeline"]["name"], "web-ci");
    assert_eq!(runs[0]["__project"]["id"], "aaaa-1111");

    let deployments = items(&ado, Kind::PIPELINE_DEPLOYMENT, json!({}), &[]).await;
    assert_eq!(
        deployments[0]["__project"],
        json!({"id": "aaaa-1111", "name": "Fabrikam Web"})
    );

    let policies = items(&ado, Kind::REPOSITORY_POLICY, json!({}), &[]).await;
    assert_eq!(policies.len(), 2, "the disabled repository is skipped");
    assert_eq!(policies[0]["__repository"]["id"], "r-web");

    let teams = items(&ado, Kind::TEAM, json!({"includeMembers": true}), &[]).await;
    assert_eq!(teams[0]["__members"][1]["identity"]["id"], "id-2");
    let teams = items(&ado, Kind::TEAM, json!({}), &[]).await;
    assert!(teams[0].get("__members").is_none());

    let repos = items(
        &ado,
        Kind::REPOSITORY,
        json!({"includedFiles": ["README.md"]}),
        &[],
    )
    .await;
    assert_eq!(repos.len(), 2, "disabled repositories are included");
    let files = |id: &str| {
        repos
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["__includedFiles"].clone())
    };
    assert_eq!(files("r-web"), Some(json!({"README.md": "# Web\n"})));
    assert_eq!(files("r-old"), Some(json!({"README.md": null})));
    let plain = items(&ado, Kind::REPOSITORY, json!({}), &[]).await;
    assert!(plain[0].get("__includedFiles").is_none());
}

#[tokio::test]
async fn default_team_fetches_each_project() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/projects/aaaa-1111"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "aaaa-1111", "name": "Fabrikam Web", "state": "wellFormed",
            "defaultTeam": {"id": "t-1", "name": "Web Team"}
        })))
        .expect(1)
        .mount(&ado)
        .await;
    let projects = items(&ado, Kind::PROJECT, json!({"defaultTeam": "true"}), &[]).await;
    assert_eq!(projects[0]["defaultTeam"]["name"], "Web Team");
    assert_eq!(projects[0]["__organizationName"], "fabrikam");
}

#[tokio::test]
async fn excluded_tags_leave_projects_and_their_contents_out() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/projects/aaaa-1111/properties"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"count": 1, "value": [
                {"name": "Microsoft.TeamFoundation.Project.Tag.archived", "value": true}
            ]})),
        )
        .mount(&ado)
        .await;
    let excluded = ["archived".to_owned()];
    assert!(
        items(&ado, Kind::PROJECT, json!({}), &excluded)
            .await
            .is_empty()
    );
    assert!(
        items(&ado, Kind::REPOSITORY, json!({}), &excluded)
            .await
            .is_empty()
    );
    assert!(
        items(&ado, Kind::TEAM, json!({}), &excluded)
            .await
            .is_empty()
    );
    let other = ["legacy".to_owned()];
    assert_eq!(items(&ado, Kind::PROJECT, json!({}), &other).await.len(), 1);
}

#[tokio::test]
async fn pipelines_and_releases() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let pipelines = items(&ado, Kind::PIPELINE, json!({}), &[]).await;
    assert_eq!(pipelines[0]["name"], "web-ci");
    assert_eq!(pipelines[0]["__projectId"], "aaaa-1111");
    let releases = items(&ado, Kind::RELEASE, json!({"expand": "environments"}), &[]).await;
    assert_eq!(releases[0]["name"], "Release-70");
    let requests = ado.received_requests().await.expect("recorded");
    let release_call = requests
        .iter()
        .find(|r| r.url.path().ends_with("/release/releases"))
        .expect("releases listed");
    assert!(
        release_call
            .url
            .query()
            .unwrap_or_default()
            .contains("%24expand=environments")
    );
}

/// Serves the `r-web` pull requests like Azure DevOps: filtered by `searchCriteria.status`
/// and, when sent, `searchCriteria.minTime` on `closedDate`; most recently closed first;
/// paged by `$top`/`$skip`. Active: one opened long ago. Abandoned: one recent, one old.
/// Completed: two recent, then 1,500 old (more than a page).
struct PullRequests {
    now: Timestamp,
}

impl PullRequests {
    fn listed(&self, status: &str) -> Vec<Value> {
        let days_ago = |days: i64| {
            let time = self.now - SignedDuration::from_hours(24 * days);
            Value::String(time.to_string())
        };
        let pr = |id: i64, closed: Option<Value>| {
            json!({"pullRequestId": id, "status": status, "closedDate": closed,
                   "repository": {"id": "r-web", "name": "web"}})
        };
        match status {
            "active" => vec![pr(1, None)],
            "abandoned" => vec![pr(10, Some(days_ago(2))), pr(11, Some(days_ago(30)))],
            "completed" => [pr(20, Some(days_ago(1))), pr(21, Some(days_ago(6)))]
                .into_iter()
                .chain((0..1500).map(|i| pr(1000 + i, Some(days_ago(8 + i)))))
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl wiremock::Respond for PullRequests {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let query = query_of(request);
        let text = |name: &str| query.get(name).and_then(Value::as_str).unwrap_or_default();
        let number = |name: &str| text(name).parse::<usize>().unwrap_or_default();
        let min_time: Option<Timestamp> = query
            .get("searchCriteria.minTime")
            .map(|t| t.as_str().and_then(|t| t.parse().ok()).expect("timestamp"));
        let page: Vec<Value> = self
            .listed(text("searchCriteria.status"))
            .into_iter()
            .filter(|pr| {
                let closed: Option<Timestamp> =
                    pr["closedDate"].as_str().map(|t| t.parse().expect("date"));
                min_time.is_none_or(|min| closed.is_some_and(|closed| closed >= min))
            })
            .skip(number("$skip"))
            .take(number("$top"))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"count": page.len(), "value": page}))
    }
}

/// The query parameters of a request.
fn query_of(request: &wiremock::Request) -> Map<String, Value> {
    request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect()
}

/// The `pull-request` items fetched with `options` on `profile` from the sample organization
/// serving [`PullRequests`], and the query of each pull-request listing request.
async fn fetch_pull_requests(
    profile: ApiProfile,
    options: Value,
) -> (Vec<Value>, Vec<Map<String, Value>>) {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/aaaa-1111/_apis/git/pullrequests"))
        .respond_with(PullRequests {
            now: Timestamp::now(),
        })
        .with_priority(1)
        .mount(&ado)
        .await;
    let options: Map<String, Value> = serde_json::from_value(options).expect("object");
    let request = KindRequest::new(Kind::PULL_REQUEST, &options).expect("valid");
    let client = ado_client_with(&ado, "fabrikam", profile);
    let prs: Vec<Value> = fetch(client, &request, &[])
        .try_collect()
        .await
        .expect("no errors");
    let requests = ado.received_requests().await.expect("recorded");
    let queries = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/pullrequests"))
        .map(query_of)
        .collect();
    (prs, queries)
}

#[tokio::test]
async fn closed_pull_requests_are_windowed_on_every_profile() {
    for profile in [
        ApiProfile::Cloud,
        ApiProfile::Server2019,
        ApiProfile::Server2020,
        ApiProfile::Server2022,
    ] {
        let (prs, queries) = fetch_pull_requests(profile, json!({})).await;
        let mut ids: Vec<i64> = prs
            .iter()
            .map(|pr| pr["pullRequestId"].as_i64().expect("id"))
            .collect();
        ids.sort_unstable();
        assert_eq!(
            ids,
            [1, 10, 20, 21],
            "{profile}: active, and closed in the last 7 days"
        );
        // Without the early stop a server profile would ask for a second page of completed.
        assert_eq!(queries.len(), 3, "{profile}: one page per status");
        let timed = profile == ApiProfile::Cloud;
        for query in &queries {
            let closed = query["searchCriteria.status"] != "active";
            assert_eq!(
                query.contains_key("searchCriteria.minTime"),
                timed && closed,
                "{profile}: {query:?}"
            );
            let range = query.get("searchCriteria.queryTimeRangeType");
            assert_eq!(range.is_some(), timed && closed, "{profile}: {query:?}");
            assert!(range.is_none_or(|r| r == "closed"));
        }
    }
}

#[tokio::test]
async fn max_results_caps_each_closed_status_on_a_server() {
    let options = json!({"maxResults": 1, "minTimeInDays": 3650});
    let (prs, _) = fetch_pull_requests(ApiProfile::Server2020, options).await;
    let ids: Vec<&Value> = prs.iter().map(|pr| &pr["pullRequestId"]).collect();
    assert_eq!(ids, [&json!(1), &json!(10), &json!(20)]);
}

#[tokio::test]
async fn branches_are_synthesized_per_healthy_repository() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let branches = items(&ado, Kind::BRANCH, json!({}), &[]).await;
    assert_eq!(branches.len(), 2, "the disabled repository is skipped");
    let main = &branches[0];
    assert_eq!(main["name"], "main");
    assert_eq!(main["refName"], "refs/heads/main");
    assert_eq!(main["objectId"], "c0ffee");
    assert_eq!(main["__repository"]["id"], "r-web");
    assert_eq!(main["__organizationName"], "fabrikam");
    assert_eq!(branches[1]["name"], "feature/login");
    let mut keys: Vec<&str> = main
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "__organizationName",
            "__organizationUrl",
            "__repository",
            "name",
            "objectId",
            "refName"
        ]
    );
}

#[tokio::test]
async fn members_carry_their_team_id() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let members = items(&ado, Kind::MEMBER, json!({}), &[]).await;
    assert_eq!(members.len(), 2);
    assert_eq!(members[0]["identity"]["id"], "id-1");
    assert_eq!(members[0]["isTeamAdmin"], true);
    assert!(members.iter().all(|m| m["__teamId"] == "t-1"));
}

#[tokio::test]
async fn iterations_carry_their_project_and_team() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let iterations = items(&ado, Kind::ITERATION, json!({}), &[]).await;
    let names: Vec<&Value> = iterations.iter().map(|i| &i["name"]).collect();
    assert_eq!(names, [&json!("Sprint 1"), &json!("Sprint 2")]);
    assert_eq!(iterations[1]["attributes"]["timeFrame"], "current");
    assert_eq!(iterations[0]["__project"]["name"], "Fabrikam Web");
    assert_eq!(iterations[0]["__team"]["id"], "t-1");
}

#[tokio::test]
async fn area_paths_are_flattened_with_parents_and_normalized_paths() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let areas = items(&ado, Kind::AREA_PATH, json!({}), &[]).await;
    let summary: Vec<(Value, Value, Value)> = areas
        .iter()
        .map(|a| {
            (
                a["identifier"].clone(),
                a["__parentIdentifier"].clone(),
                a["__normalizedPath"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (json!("area-root"), Value::Null, json!("Fabrikam Web")),
            (
                json!("area-checkout"),
                json!("area-root"),
                json!("Fabrikam Web\\Checkout")
            ),
            (
                json!("area-payments"),
                json!("area-checkout"),
                json!("Fabrikam Web\\Checkout\\Payments")
            ),
        ]
    );
    assert!(areas.iter().all(|a| a.get("children").is_none()));
    assert!(areas.iter().all(|a| a["__project"]["id"] == "aaaa-1111"));

    items(&ado, Kind::AREA_PATH, json!({"depth": 1}), &[]).await;
    let requests = ado.received_requests().await.expect("recorded");
    let depths: Vec<String> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/classificationnodes/Areas"))
        .map(|r| r.url.query().unwrap_or_default().to_owned())
        .collect();
    assert!(depths[0].contains("%24depth=14"), "{depths:?}");
    assert!(depths[1].contains("%24depth=1&"), "{depths:?}");
}

#[tokio::test]
async fn release_definitions_carry_their_project() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let definitions = items(
        &ado,
        Kind::RELEASE_DEFINITION,
        json!({"tagFilter": ["prod"]}),
        &[],
    )
    .await;
    assert_eq!(definitions[0]["name"], "web-release");
    assert_eq!(definitions[0]["__project"]["id"], "aaaa-1111");
    let requests = ado.received_requests().await.expect("recorded");
    let query = requests
        .iter()
        .find(|r| r.url.path().ends_with("/release/definitions"))
        .and_then(|r| r.url.query())
        .unwrap_or_default()
        .to_owned();
    assert!(query.contains("%24expand=environments"), "{query}");
    assert!(query.contains("tagFilter=prod"), "{query}");
}

#[tokio::test]
async fn group_one_kinds_on_server_2019() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let client = ado_client_with(&ado, "fabrikam", ApiProfile::Server2019);
    for kind in [
        Kind::BRANCH,
        Kind::MEMBER,
        Kind::ITERATION,
        Kind::AREA_PATH,
        Kind::RELEASE_DEFINITION,
    ] {
        let request = KindRequest::new(kind, &Map::new()).expect("valid");
        let fetched: Vec<Value> = fetch(client.clone(), &request, &[])
            .try_collect()
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert!(!fetched.is_empty(), "{kind}");
    }
}

/// Serves the sample project's work items: WIQL ids 1 to `count`, and any batch of them, with
/// a parent relation and `_links` when `$expand` asks for them (a batch naming both `fields`
/// and `$expand` is refused with 400, as Azure DevOps does).
async fn mount_work_items(ado: &MockServer, count: i64) {
    struct Batch;
    impl wiremock::Respond for Batch {
        fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
            let body: Value = serde_json::from_slice(&request.body).expect("json body");
            let expand = body["$expand"].as_str().unwrap_or("none");
            if body.get("fields").is_some() && expand != "none" {
                return ResponseTemplate::new(400);
            }
            let items: Vec<Value> = body["ids"]
                .as_array()
                .expect("ids")
                .iter()
                .map(|id| {
                    let mut item = json!({"id": id, "rev": 1, "fields": {"System.Title": format!("item {id}")}});
                    if matches!(expand, "relations" | "all") {
                        item["relations"] = json!([{
                            "rel": "System.LinkTypes.Hierarchy-Reverse",
                            "url": "https://dev.azure.com/fabrikam/_apis/wit/workItems/1",
                            "attributes": {"isLocked": false, "name": "Parent"}
                        }]);
                    }
                    if matches!(expand, "links" | "all") {
                        item["_links"] = json!({"html": {"href": format!("https://dev.azure.com/fabrikam/_workitems/edit/{id}")}});
                    }
                    item
                })
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({"count": items.len(), "value": items}))
        }
    }
    let ids: Vec<Value> = (1..=count).map(|id| json!({"id": id})).collect();
    Mock::given(method("POST"))
        .and(path("/fabrikam/aaaa-1111/_apis/wit/wiql"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"queryType": "flat", "workItems": ids})),
        )
        .mount(ado)
        .await;
    Mock::given(method("POST"))
        .and(path("/fabrikam/aaaa-1111/_apis/wit/workitemsbatch"))
        .respond_with(Batch)
        .mount(ado)
        .await;
}

#[tokio::test]
async fn work_items_are_read_in_batches_of_200_with_their_project() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    mount_work_items(&ado, 450).await;
    let work_items = items(
        &ado,
        Kind::WORK_ITEM,
        json!({"wiql": "[System.State] <> 'Closed'", "expand": "relations"}),
        &[],
    )
    .await;
    assert_eq!(work_items.len(), 450);
    let mut ids: Vec<i64> = work_items
        .iter()
        .map(|w| w["id"].as_i64().expect("id"))
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=450).collect::<Vec<_>>());
    assert!(work_items.iter().all(|w| w["__projectId"] == "aaaa-1111"));
    assert_eq!(work_items[0]["__project"]["name"], "Fabrikam Web");

    let requests = ado.received_requests().await.expect("recorded");
    let wiql: Vec<Value> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/wit/wiql"))
        .map(|r| serde_json::from_slice(&r.body).expect("json"))
        .collect();
    assert_eq!(wiql.len(), 1, "a short page ends the id listing");
    let query = wiql[0]["query"].as_str().expect("query");
    assert!(
        query.contains("@project AND ([System.State] <> 'Closed')"),
        "{query}"
    );
    let batches: Vec<Value> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/wit/workitemsbatch"))
        .map(|r| serde_json::from_slice(&r.body).expect("json"))
        .collect();
    let mut sizes: Vec<usize> = batches
        .iter()
        .map(|b| b["ids"].as_array().map_or(0, Vec::len))
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [50, 200, 200]);
    assert!(batches.iter().all(|b| b["$expand"] == "relations"));
}

#[tokio::test]
async fn work_items_carry_relations_and_links_by_default_on_every_profile() {
    for (profile, version) in [
        (ApiProfile::Cloud, "7.1"),
        (ApiProfile::Server2019, "5.0"),
        (ApiProfile::Server2020, "6.0"),
        (ApiProfile::Server2022, "7.0"),
    ] {
        let ado = MockServer::start().await;
        mount_sample_org(&ado, "fabrikam").await;
        mount_work_items(&ado, 2).await;
        let request = KindRequest::new(Kind::WORK_ITEM, &Map::new()).expect("valid");
        let client = ado_client_with(&ado, "fabrikam", profile);
        let work_items: Vec<Value> = fetch(client, &request, &[])
            .try_collect()
            .await
            .unwrap_or_else(|e| panic!("{profile}: {e}"));
        assert_eq!(work_items.len(), 2, "{profile}");
        for item in &work_items {
            assert_eq!(
                item["relations"][0]["attributes"]["name"], "Parent",
                "{profile}: {item}"
            );
            assert!(
                item["_links"]["html"]["href"].is_string(),
                "{profile}: {item}"
            );
        }
        let requests = ado.received_requests().await.expect("recorded");
        let batch = requests
            .iter()
            .find(|r| r.url.path().ends_with("/wit/workitemsbatch"))
            .expect("a batch request");
        assert!(
            batch
                .url
                .query()
                .is_some_and(|q| q.contains(&format!("api-version={version}"))),
            "{profile}: {}",
            batch.url
        );
        let body: Value = serde_json::from_slice(&batch.body).expect("json");
        assert_eq!(body["$expand"], "all", "{profile}");
        assert!(body.get("fields").is_none(), "{profile}: {body}");
    }
}

#[tokio::test]
async fn boards_merge_their_details_and_columns_split_per_state_mapping() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let boards = items(&ado, Kind::BOARD, json!({}), &[]).await;
    assert_eq!(boards.len(), 1);
    assert_eq!(boards[0]["name"], "Stories");
    assert_eq!(
        boards[0]["revision"], 2,
        "the board's own payload is merged"
    );
    assert_eq!(boards[0]["__project"]["id"], "aaaa-1111");

    let columns = items(&ado, Kind::COLUMN, json!({}), &[]).await;
    let pairs: Vec<(Value, Value, Value)> = columns
        .iter()
        .map(|c| {
            (
                c["name"].clone(),
                c["__stateType"].clone(),
                c["__stateName"].clone(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            (json!("New"), json!("User Story"), json!("New")),
            (json!("New"), json!("Bug"), json!("New")),
            (json!("Done"), json!("User Story"), json!("Closed")),
        ]
    );
    assert!(
        columns
            .iter()
            .all(|c| c["__board"]["__project"]["id"] == "aaaa-1111")
    );
    assert_eq!(columns[0]["__organizationName"], "fabrikam");
}

/// The `board` items of the sample organization when the boards of team `t-1` answer
/// `response`.
async fn boards_when_a_team_answers(response: ResponseTemplate) -> ado_client::Result<Vec<Value>> {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    common::override_route(
        &ado,
        "fabrikam",
        "/aaaa-1111/t-1/_apis/work/boards",
        response,
    )
    .await;
    try_items(&ado, Kind::BOARD, json!({}), &[]).await
}

#[tokio::test]
async fn a_team_whose_boards_fail_with_500_has_none() {
    let boards = boards_when_a_team_answers(
        ResponseTemplate::new(500).set_body_json(json!({"message": "no iterations"})),
    )
    .await;
    assert!(boards.expect("the team is skipped").is_empty());
}

#[tokio::test]
async fn a_boards_500_without_an_azure_devops_error_body_fails_the_kind() {
    let error = boards_when_a_team_answers(
        ResponseTemplate::new(500).set_body_string("<html>proxy error</html>"),
    )
    .await
    .expect_err("a proxy's 500 is not a team without iterations");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
}

#[tokio::test]
async fn group_two_kinds_on_server_2019() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    mount_work_items(&ado, 3).await;
    let client = ado_client_with(&ado, "fabrikam", ApiProfile::Server2019);
    for kind in [Kind::WORK_ITEM, Kind::BOARD, Kind::COLUMN] {
        let request = KindRequest::new(kind, &Map::new()).expect("valid");
        let fetched: Vec<Value> = fetch(client.clone(), &request, &[])
            .try_collect()
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert!(!fetched.is_empty(), "{kind}");
    }
}

/// Serves two test runs of the sample project (one with a build), their results and the
/// build's coverage.
async fn mount_test_runs(ado: &MockServer) {
    let routes = [
        (
            "/fabrikam/aaaa-1111/_apis/test/runs",
            json!({"count": 2, "value": [
                {"id": 1, "name": "web tests", "state": "Completed", "build": {"id": "10", "name": "20240101.1"}},
                {"id": 2, "name": "manual pass", "state": "Completed"}
            ]}),
        ),
        (
            "/fabrikam/aaaa-1111/_apis/test/runs/1/results",
            json!({"count": 1, "value": [{"id": 100000, "outcome": "Passed", "testCaseTitle": "Login works"}]}),
        ),
        (
            "/fabrikam/aaaa-1111/_apis/test/runs/2/results",
            json!({"count": 0, "value": []}),
        ),
        (
            "/fabrikam/aaaa-1111/_apis/test/codecoverage",
            json!({"count": 1, "value": [{"state": "Completed", "modules": []}]}),
        ),
    ];
    for (route, body) in routes {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(ado)
            .await;
    }
}

#[tokio::test]
async fn test_runs_carry_results_by_default_and_coverage_on_request() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    mount_test_runs(&ado).await;

    let runs = items(&ado, Kind::TEST_RUN, json!({}), &[]).await;
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["__testResults"][0]["outcome"], "Passed");
    assert_eq!(runs[1]["__testResults"], json!([]));
    assert!(runs.iter().all(|r| r.get("__codeCoverage").is_none()));

    let runs = items(
        &ado,
        Kind::TEST_RUN,
        json!({"includeResults": false, "codeCoverage": {"flags": 1}}),
        &[],
    )
    .await;
    assert!(runs.iter().all(|r| r.get("__testResults").is_none()));
    assert_eq!(runs[0]["__codeCoverage"]["value"][0]["state"], "Completed");
    assert_eq!(
        runs[1]["__codeCoverage"],
        json!({}),
        "no build, no coverage"
    );
    let requests = ado.received_requests().await.expect("recorded");
    let coverage: Vec<String> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/test/codecoverage"))
        .map(|r| r.url.query().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(coverage.len(), 1);
    assert!(coverage[0].contains("buildId=10&flags=1"), "{coverage:?}");
    assert!(
        coverage[0].contains("api-version=7.1-preview.1"),
        "{coverage:?}"
    );
}

#[tokio::test]
async fn group_members_are_looked_up_subjects_with_their_group() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let groups = json!({"count": 2, "value": [
        {"subjectKind": "group", "descriptor": "vssgp.web", "displayName": "Web Contributors"},
        {"subjectKind": "group", "descriptor": "vssgp.empty", "displayName": "Nobody"}
    ]});
    let memberships = json!({"count": 3, "value": [
        {"containerDescriptor": "vssgp.web", "memberDescriptor": "aad.jamal"},
        {"containerDescriptor": "vssgp.web", "memberDescriptor": "aad.gone"},
        {"containerDescriptor": "vssgp.web", "memberDescriptor": "aad.chuck"}
    ]});
    for (route, body) in [
        ("/fabrikam/_apis/graph/groups", groups),
        ("/fabrikam/_apis/graph/memberships/vssgp.web", memberships),
        (
            "/fabrikam/_apis/graph/memberships/vssgp.empty",
            json!({"count": 0, "value": []}),
        ),
    ] {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&ado)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/fabrikam/_apis/graph/subjectlookup"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": {
            "aad.chuck": {"subjectKind": "user", "descriptor": "aad.chuck", "displayName": "Chuck Reinhart"},
            "aad.jamal": {"subjectKind": "user", "descriptor": "aad.jamal", "displayName": "Jamal Hartnett"}
        }})))
        .expect(1)
        .mount(&ado)
        .await;

    let groups = items(&ado, Kind::GROUP, json!({}), &[]).await;
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["displayName"], "Web Contributors");

    let members = items(&ado, Kind::GROUP_MEMBER, json!({}), &[]).await;
    let names: Vec<&Value> = members.iter().map(|m| &m["displayName"]).collect();
    assert_eq!(
        names,
        [&json!("Jamal Hartnett"), &json!("Chuck Reinhart")],
        "membership order; unknown subjects left out"
    );
    assert!(
        members
            .iter()
            .all(|m| m["__group"]["descriptor"] == "vssgp.web")
    );
}

#[tokio::test]
async fn graph_kinds_are_unsupported_on_a_server() {
    let ado = MockServer::start().await;
    let client = ado_client_with(&ado, "fabrikam", ApiProfile::Server2022);
    for kind in [Kind::GROUP, Kind::GROUP_MEMBER] {
        let request = KindRequest::new(kind, &Map::new()).expect("valid");
        let error = fetch(client.clone(), &request, &[])
            .try_collect::<Vec<Value>>()
            .await
            .unwrap_err();
        assert!(
            matches!(error, ado_client::Error::Unsupported { .. }),
            "{kind}: {error}"
        );
    }
    assert!(ado.received_requests().await.unwrap_or_default().is_empty());
}

#[tokio::test]
async fn advanced_security_alerts_carry_repository_and_project_ids() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let route = "/aaaa-1111/_apis/alert/repositories/r-web/alerts";
    common::override_route(
        &ado,
        "fabrikam",
        route,
        ResponseTemplate::new(200).set_body_json(json!({"count": 1, "value": [
            {"alertId": 12, "alertType": "dependency", "state": "active", "severity": "critical", "title": "lodash"}
        ]})),
    )
    .await;
    let alerts = items(
        &ado,
        Kind::ADVANCED_SECURITY_ALERT,
        json!({"criteria": {"states": ["active"], "severity": ["critical"]}}),
        &[],
    )
    .await;
    assert_eq!(alerts.len(), 1, "the disabled repository is skipped");
    assert_eq!(alerts[0]["alertId"], 12);
    assert_eq!(alerts[0]["__repositoryId"], "r-web");
    assert_eq!(alerts[0]["__projectId"], "aaaa-1111");
    let requests = ado.received_requests().await.expect("recorded");
    let query = requests
        .iter()
        .find(|r| r.url.path().ends_with("/alerts"))
        .and_then(|r| r.url.query())
        .unwrap_or_default()
        .to_owned();
    assert!(query.contains("criteria.severities=critical"), "{query}");
    assert!(query.contains("api-version=7.2-preview.1"), "{query}");
}

/// The `advanced-security-alert` items of the sample organization when the alerts of
/// repository `r-web` answer `response`.
async fn alerts_when_a_repository_answers(
    response: ResponseTemplate,
) -> ado_client::Result<Vec<Value>> {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let route = "/aaaa-1111/_apis/alert/repositories/r-web/alerts";
    common::override_route(&ado, "fabrikam", route, response).await;
    try_items(&ado, Kind::ADVANCED_SECURITY_ALERT, json!({}), &[]).await
}

#[tokio::test]
async fn another_advanced_security_400_fails_the_kind() {
    let error = alerts_when_a_repository_answers(ResponseTemplate::new(400).set_body_json(json!({
        "message": "The value 'urgent' of criteria.severities is not valid.",
        "typeKey": "InvalidArgumentValueException"
    })))
    .await
    .expect_err("a rejected query is not a disabled feature");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
}

#[tokio::test]
async fn a_repository_without_advanced_security_has_no_alerts() {
    let alerts = alerts_when_a_repository_answers(
        ResponseTemplate::new(400)
            .set_body_json(json!({"message": "Advanced Security is not enabled"})),
    )
    .await;
    assert!(alerts.expect("the repository is skipped").is_empty());
}

#[tokio::test]
async fn wiki_pages_carry_their_wiki_and_project_and_content_on_request() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/aaaa-1111/_apis/wiki/wikis"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"count": 2, "value": [
                {"id": "w-project", "name": "Fabrikam Web.wiki", "type": "projectWiki"},
                {"id": "w-code", "name": "docs", "type": "codeWiki"}
            ]})),
        )
        .mount(&ado)
        .await;
    for (wiki, page) in [("w-project", "/Home"), ("w-code", "/Api")] {
        Mock::given(method("POST"))
            .and(path(format!(
                "/fabrikam/aaaa-1111/_apis/wiki/wikis/{wiki}/pagesbatch"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"count": 1, "value": [{"id": 1, "path": page, "viewStats": []}]}),
            ))
            .mount(&ado)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/fabrikam/aaaa-1111/_apis/wiki/wikis/w-code/pages/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": 1, "path": "/Api", "content": "# API\n", "gitItemPath": "/Api.md"}),
        ))
        .mount(&ado)
        .await;

    let pages = items(&ado, Kind::WIKI, json!({}), &[]).await;
    assert_eq!(pages.len(), 2);
    assert!(pages.iter().all(|p| p.get("content").is_none()));
    assert!(pages.iter().all(|p| p["__project"]["id"] == "aaaa-1111"));

    let pages = items(
        &ado,
        Kind::WIKI,
        json!({"wikiType": "codeWiki", "includeContent": true}),
        &[],
    )
    .await;
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0]["path"], "/Api");
    assert_eq!(pages[0]["content"], "# API\n");
    assert_eq!(
        pages[0]["viewStats"],
        json!([]),
        "the listed fields are kept"
    );
    assert_eq!(pages[0]["__wiki"]["name"], "docs");
}

#[tokio::test]
async fn folders_match_their_pattern_at_the_pattern_branch() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let folder = |path: &str| json!({"objectId": "t", "gitObjectType": "tree", "path": path, "isFolder": true});
    Mock::given(method("GET"))
        .and(path(
            "/fabrikam/aaaa-1111/_apis/git/repositories/r-web/items",
        ))
        .and(query_param("scopePath", "/services"))
        .and(query_param("recursionLevel", "full"))
        .and(query_param("versionDescriptor.version", "release"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"count": 6, "value": [
                folder("/services"),
                folder("/services/api"),
                folder("/services/api/deploy"),
                folder("/services/web"),
                folder("/services/web/deploy"),
                {"objectId": "b", "gitObjectType": "blob", "path": "/services/api/deploy.yaml"}
            ]})),
        )
        .expect(1)
        .mount(&ado)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/fabrikam/aaaa-1111/_apis/git/repositories/r-web/items",
        ))
        .and(query_param("path", "/services/api/deploy/port.yml"))
        .and(query_param("versionDescriptor.version", "release"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"path": "/services/api/deploy/port.yml", "content": "kind: api\n"}),
        ))
        .with_priority(1)
        .mount(&ado)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/fabrikam/aaaa-1111/_apis/git/repositories/r-web/items",
        ))
        .and(query_param("path", "/services/web/deploy/port.yml"))
        .respond_with(item_not_found())
        .with_priority(1)
        .mount(&ado)
        .await;

    let folders = items(
        &ado,
        Kind::FOLDER,
        json!({
            "project_name": "fabrikam web",
            "folders": [{"path": "/services/*/deploy", "repos": [{"name": "web", "branch": "release"}, "old"]}],
            "includedFiles": ["port.yml"]
        }),
        &[],
    )
    .await;
    let mut paths: Vec<&str> = folders
        .iter()
        .map(|f| f["path"].as_str().expect("path"))
        .collect();
    paths.sort_unstable();
    assert_eq!(paths, ["/services/api/deploy", "/services/web/deploy"]);
    for folder in &folders {
        assert_eq!(folder["__repository"]["id"], "r-web");
        assert_eq!(folder["__branch"], "release");
        assert_eq!(folder["__pattern"], "/services/*/deploy");
    }
    let api = folders
        .iter()
        .find(|f| f["path"] == "/services/api/deploy")
        .expect("api");
    assert_eq!(api["__includedFiles"], json!({"port.yml": "kind: api\n"}));
    let web = folders
        .iter()
        .find(|f| f["path"] == "/services/web/deploy")
        .expect("web");
    assert_eq!(web["__includedFiles"], json!({"port.yml": null}));

    let elsewhere = items(
        &ado,
        Kind::FOLDER,
        json!({"project_name": "Other", "folders": [{"path": "/services/*"}]}),
        &[],
    )
    .await;
    assert!(elsewhere.is_empty(), "another project's repositories only");
}

#[tokio::test]
async fn files_are_read_parsed_and_paired_with_their_repository() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let items_route = "/fabrikam/aaaa-1111/_apis/git/repositories/r-web/items";
    Mock::given(method("GET"))
        .and(path(items_route))
        .and(query_param("scopePath", "/services"))
        .and(query_param("recursionLevel", "full"))
        .and(query_param("versionDescriptor.version", "main"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 4, "value": [
            {"objectId": "t1", "gitObjectType": "tree", "path": "/services", "isFolder": true},
            {"objectId": "b1", "gitObjectType": "blob", "path": "/services/api/port.yml"},
            {"objectId": "b2", "gitObjectType": "blob", "path": "/services/api/readme.md"},
            {"objectId": "t2", "gitObjectType": "tree", "path": "/services/port.yml", "isFolder": true}
        ]})))
        .expect(1)
        .mount(&ado)
        .await;
    let file = |file_path: &str, content: &str| json!({"objectId": "b", "gitObjectType": "blob", "commitId": "c0ffee", "path": file_path, "content": content});
    for (file_path, response) in [
        (
            "/services/api/port.yml",
            ResponseTemplate::new(200).set_body_json(file(
                "/services/api/port.yml",
                "---\nname: api\n---\nname: worker\n",
            )),
        ),
        (
            "/catalog.json",
            ResponseTemplate::new(200).set_body_json(file("/catalog.json", r#"{"team": "web"}"#)),
        ),
        (
            "/services/api/owners.txt",
            ResponseTemplate::new(200)
                .set_body_json(file("/services/api/owners.txt", "web-team\n")),
        ),
        ("/missing.yml", item_not_found()),
    ] {
        Mock::given(method("GET"))
            .and(path(items_route))
            .and(query_param("path", file_path))
            .and(query_param("includeContent", "true"))
            .respond_with(response)
            .with_priority(1)
            .mount(&ado)
            .await;
    }
    // Every other item (the included files next to those found) is missing.
    Mock::given(method("GET"))
        .and(path(items_route))
        .respond_with(item_not_found())
        .with_priority(10)
        .mount(&ado)
        .await;

    let files = items(
        &ado,
        Kind::FILE,
        json!({
            "files": {"path": ["/services/**/PORT.yml", "/catalog.json", "/missing.yml"], "repos": ["web"]},
            "includedFiles": ["owners.txt"]
        }),
        &[],
    )
    .await;
    let mut by_path: Vec<(&str, &Value)> = files
        .iter()
        .map(|f| (f["file"]["path"].as_str().expect("path"), f))
        .collect();
    by_path.sort_by_key(|(p, _)| *p);
    let paths: Vec<&str> = by_path.iter().map(|(p, _)| *p).collect();
    assert_eq!(paths, ["/catalog.json", "/services/api/port.yml"]);
    let (_, catalog) = by_path[0];
    assert_eq!(catalog["file"]["content"]["parsed"], json!({"team": "web"}));
    assert_eq!(catalog["file"]["isFolder"], false);
    assert_eq!(catalog["repo"]["id"], "r-web");
    assert_eq!(catalog["__organizationName"], "fabrikam");
    let (_, port) = by_path[1];
    assert_eq!(
        port["file"]["content"]["parsed"],
        json!([{"name": "api"}, {"name": "worker"}])
    );
    assert_eq!(
        port["file"]["content"]["raw"],
        "---\nname: api\n---\nname: worker\n"
    );
    assert_eq!(
        port["__includedFiles"],
        json!({"owners.txt": "web-team\n"}),
        "relative to the file's folder"
    );

    let other = items(
        &ado,
        Kind::FILE,
        json!({"files": {"path": "/catalog.json", "repos": ["api"]}}),
        &[],
    )
    .await;
    assert!(other.is_empty(), "only the named repositories");
}

/// What Azure DevOps answers for a path missing from a branch: 404 with its error body.
fn item_not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!({
        "$id": "1",
        "innerException": null,
        "message": "TF401174: The item '/missing.yml' could not be found in the repository 'web' at the version specified by '<Branch: main >'.",
        "typeName": "Microsoft.TeamFoundation.Git.Server.GitItemNotFoundException, Microsoft.TeamFoundation.SourceControl.WebServer",
        "typeKey": "GitItemNotFoundException",
        "errorCode": 0,
        "eventId": 3000
    }))
}
