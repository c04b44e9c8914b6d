//! Incremental resyncs: cursors, time-filtered listings, and no deletion.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use ado_port_sync::{
    CURSOR_OVERLAP, Cursor, CursorStore, Cursors, FileCursors, KindStatus, MemoryCursors, PortSink,
    ReconcileStatus, Resync, ResyncOutcome, resource_key,
};
use common::{ado_client, builds_and_projects, mock_port, mount_sample_org, override_route};
use jiff::Timestamp;
use mapping_engine::{Mapping, Options};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BUILDS: &str = "/fabrikam/aaaa-1111/_apis/build/builds";

/// The sample organization and a mock Port; the servers live as long as this.
struct Sample {
    ado: MockServer,
    _port: MockServer,
    sink: PortSink,
    state: Arc<common::PortState>,
}

async fn sample() -> Sample {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let port = MockServer::start().await;
    let (port_client, state) = mock_port(&port).await;
    Sample {
        ado,
        _port: port,
        sink: PortSink::new(port_client),
        state,
    }
}

impl Sample {
    /// A resync of [`mapping`] over the sample organization.
    fn resync(&self) -> Resync {
        Resync::new(
            builds_and_projects(),
            vec![ado_client(&self.ado, "fabrikam")],
        )
        .expect("loads")
    }
}

/// A state file of this test alone, removed first.
fn state_file(name: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("ado-port-incr-{}-{name}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// Cursors of `fabrikam` for the given resources (position and kind).
fn cursors(entries: &[(usize, &str, Timestamp)]) -> Cursors {
    let resources = entries
        .iter()
        .map(|(index, kind, time)| (resource_key(*index, kind), Cursor::at(*time)))
        .collect();
    Cursors::from([("fabrikam".to_owned(), resources)])
}

/// The times of `fabrikam`'s cursors, by resource.
fn times(cursors: &Cursors) -> Vec<(String, Timestamp)> {
    cursors["fabrikam"]
        .iter()
        .map(|(resource, cursor)| (resource.clone(), cursor.at))
        .collect()
}

/// A store in `file` holding the cursors of `fabrikam` for these resources.
async fn stored(file: &std::path::Path, entries: &[(usize, &str, Timestamp)]) -> Arc<FileCursors> {
    let store = Arc::new(FileCursors::new(file));
    store.save(&cursors(entries)).await.expect("saved");
    store
}

fn at(time: &str) -> Timestamp {
    time.parse().expect("a time")
}

/// Serves the builds listed since `since`: `queued` for queue-time order, `finished` for
/// finish-time order.
async fn mount_changed_builds(ado: &MockServer, since: Timestamp, queued: Value, finished: Value) {
    for (order, builds) in [
        ("queueTimeDescending", queued),
        ("finishTimeDescending", finished),
    ] {
        Mock::given(method("GET"))
            .and(path(BUILDS))
            .and(query_param("queryOrder", order))
            .and(query_param("minTime", since.to_string().as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "value": builds })))
            .with_priority(1)
            .mount(ado)
            .await;
    }
}

/// The value of query parameter `name` of a request.
fn query(request: &wiremock::Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

fn identifiers(entities: &[Value], blueprint: &str) -> Vec<String> {
    let mut ids: Vec<String> = entities
        .iter()
        .filter(|e| e["blueprint"] == blueprint)
        .filter_map(|e| e["identifier"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn an_incremental_run_lists_the_builds_changed_since_the_cursor_less_the_overlap() {
    let sample = sample().await;
    let state = &sample.state;
    let cursor = at("2026-11-30T10:00:00Z");
    let since = cursor.saturating_sub(CURSOR_OVERLAP).expect("in range");
    assert_eq!(since, at("2026-11-30T09:55:00Z"));
    // 101 was queued since; 90 was queued before and finished since; 101 is in both lists.
    mount_changed_builds(
        &sample.ado,
        since,
        json!([{"id": 101, "queueTime": "2026-11-30T11:00:00Z"}]),
        json!([
            {"id": 101, "queueTime": "2026-11-30T11:00:00Z", "finishTime": "2026-11-30T11:10:00Z"},
            {"id": 90, "queueTime": "2026-11-30T09:00:00Z", "finishTime": "2026-11-30T10:30:00Z"}
        ]),
    )
    .await;
    let file = state_file("builds");
    let store = stored(&file, &[(0, "build", cursor)]).await;

    let resync = sample.resync().incremental(store.clone());
    let report = resync.run(&sample.sink).await;

    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
    assert_eq!(report.cursor_error, None);
    let upserted = state.upserted();
    // Only the builds returned for the cursor (not the sample's build 10), each once.
    assert_eq!(
        identifiers(&upserted, "build"),
        ["101", "90"],
        "{upserted:#?}"
    );
    // `project` has no time filter: listed fully, then it gets a cursor like `build`.
    assert_eq!(identifiers(&upserted, "project"), ["aaaa-1111"]);
    let started = at(&report.started_at);
    assert_eq!(
        times(&store.load().await.expect("loads")),
        times(&cursors(&[(0, "build", started), (1, "project", started)]))
    );
    let states = state.states.lock().expect("lock").clone();
    assert_eq!(states, ["running", "completed"]);
    std::fs::remove_file(&file).expect("cleanup");
}

#[tokio::test]
async fn cursors_saved_by_a_full_run_survive_a_restart() {
    let sample = sample().await;
    let state = &sample.state;
    let file = state_file("restart");

    let full = sample
        .resync()
        .save_cursors(Arc::new(FileCursors::new(&file)));
    let first = full.run(&sample.sink).await;
    assert_eq!(first.status, ResyncOutcome::Completed, "{first:#?}");
    assert_eq!(identifiers(&state.upserted(), "build"), ["10"]);
    let started = at(&first.started_at);

    // A new store on the same file, as after a restart.
    let reopened = Arc::new(FileCursors::new(&file));
    assert_eq!(
        times(&reopened.load().await.expect("loads")),
        times(&cursors(&[(0, "build", started), (1, "project", started)]))
    );
    let since = started.saturating_sub(CURSOR_OVERLAP).expect("in range");
    mount_changed_builds(&sample.ado, since, json!([{"id": 11}]), json!([])).await;
    state.clear_requests();
    let second = sample
        .resync()
        .incremental(reopened)
        .run(&sample.sink)
        .await;

    assert_eq!(second.status, ResyncOutcome::Completed, "{second:#?}");
    assert_eq!(identifiers(&state.upserted(), "build"), ["11"]);

    // Every request is counted once, and the builds' saving is against the full run.
    let sent = sample
        .ado
        .received_requests()
        .await
        .expect("recorded")
        .len() as u64;
    let counted = |report: &ado_port_sync::ResyncReport| -> u64 {
        report.kinds.iter().map(|k| k.counts.requests).sum()
    };
    assert_eq!(counted(&first) + counted(&second), sent);
    let (full, incremental) = (&first.kinds[0], &second.kinds[0]);
    assert_eq!(full.listed_since, None);
    assert_eq!(full.counts.requests_saved, None);
    assert_eq!(incremental.listed_since, Some(since.to_string()));
    assert_eq!(
        incremental.counts.requests_saved,
        Some(
            full.counts
                .requests
                .saturating_sub(incremental.counts.requests)
        )
    );
    // The project kind cannot list changes: listed fully, nothing saved.
    assert_eq!(second.kinds[1].listed_since, None);
    assert_eq!(second.kinds[1].counts.requests_saved, None);
    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("file")).expect("json");
    assert_eq!(
        stored["fabrikam"]["0:build"]["fullRequests"],
        json!(full.counts.requests)
    );
    std::fs::remove_file(&file).expect("cleanup");
}

#[tokio::test]
async fn a_failed_kind_keeps_its_cursor_and_a_succeeded_one_advances() {
    let sample = sample().await;
    override_route(
        &sample.ado,
        "fabrikam",
        "/aaaa-1111/_apis/build/builds",
        ResponseTemplate::new(500),
    )
    .await;
    let file = state_file("failed");
    let old = at("2026-11-30T10:00:00Z");
    let store = stored(&file, &[(0, "build", old), (1, "project", old)]).await;

    let resync = sample.resync().incremental(store.clone());
    let report = resync.run(&sample.sink).await;

    assert_eq!(report.status, ResyncOutcome::Failed);
    assert_eq!(report.kinds[0].status, KindStatus::Failed);
    assert_eq!(report.kinds[1].status, KindStatus::Succeeded);
    let started = at(&report.started_at);
    assert_eq!(
        times(&FileCursors::new(&file).load().await.expect("loads")),
        times(&cursors(&[(0, "build", old), (1, "project", started)]))
    );
    std::fs::remove_file(&file).expect("cleanup");
}

#[tokio::test]
async fn changed_kinds_only_leaves_out_the_kinds_that_cannot_list_changes() {
    let sample = sample().await;
    let file = state_file("changed-only");
    let old = at("2026-11-30T10:00:00Z");
    let store = stored(&file, &[(0, "build", old), (1, "project", old)]).await;
    let since = old.saturating_sub(CURSOR_OVERLAP).expect("in range");
    mount_changed_builds(&sample.ado, since, json!([{"id": 11}]), json!([])).await;

    let report = sample
        .resync()
        .incremental(store.clone())
        .changed_kinds_only(true)
        .run(&sample.sink)
        .await;

    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
    let kinds: Vec<&str> = report.kinds.iter().map(|k| k.kind.as_str()).collect();
    assert_eq!(kinds, ["build"]);
    assert_eq!(identifiers(&sample.state.upserted(), "build"), ["11"]);
    assert!(identifiers(&sample.state.upserted(), "project").is_empty());
    // The project resource was not listed: its cursor stays.
    let started = at(&report.started_at);
    assert_eq!(
        times(&FileCursors::new(&file).load().await.expect("loads")),
        times(&cursors(&[(0, "build", started), (1, "project", old)]))
    );
    std::fs::remove_file(&file).expect("cleanup");
}

#[tokio::test]
async fn an_incremental_run_deletes_nothing() {
    let sample = sample().await;
    let state = &sample.state;
    let stale = json!({"identifier": "stale", "blueprint": "build", "properties": {}});
    state.stored.lock().expect("lock").push(stale);
    let file = state_file("stale");

    let resync = sample
        .resync()
        .incremental(Arc::new(FileCursors::new(&file)));
    let report = resync.run(&sample.sink).await;

    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
    assert_eq!(report.reconciliation.status, ReconcileStatus::Skipped);
    assert_eq!(state.deleted(), Vec::<(String, String)>::new());
    // Without cursors everything was listed fully, and now has a cursor.
    assert_eq!(identifiers(&state.upserted(), "build"), ["10"]);
    let saved = FileCursors::new(&file).load().await.expect("loads");
    assert_eq!(saved["fabrikam"].len(), 2);
    std::fs::remove_file(&file).expect("cleanup");
}

#[tokio::test]
async fn a_cursor_of_another_kind_at_the_same_position_is_not_used() {
    let sample = sample().await;
    let file = state_file("moved");
    // The mapping used to have a project resource first; now a build resource is first.
    let store = stored(&file, &[(0, "project", at("2026-11-30T10:00:00Z"))]).await;
    let report = sample.resync().incremental(store).run(&sample.sink).await;
    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
    // The builds were listed fully, not since the project's cursor.
    assert_eq!(identifiers(&sample.state.upserted(), "build"), ["10"]);
    let builds = sample.ado.received_requests().await.expect("recorded");
    assert!(
        builds
            .iter()
            .filter(|r| r.url.path().ends_with("/_apis/build/builds"))
            .all(|r| !r.url.query().unwrap_or_default().contains("minTime")),
        "a build listing was filtered by time"
    );
    std::fs::remove_file(&file).expect("cleanup");
}

#[tokio::test]
async fn work_items_pull_requests_and_release_deployments_are_listed_since_the_cursor() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    mount_project_pull_requests(&ado, json!([]), json!([]), json!([])).await;
    Mock::given(method("POST"))
        .and(path("/fabrikam/aaaa-1111/_apis/wit/wiql"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"queryType": "flat", "workItems": []})),
        )
        .mount(&ado)
        .await;
    let yaml = r#"
resources:
  - kind: work-item
    selector:
      query: 'true'
      wiql: "[System.State] <> 'Closed'"
    port: {entity: {mappings: {identifier: .id | tostring, blueprint: '"workItem"'}}}
  - kind: pull-request
    selector: {query: 'true'}
    port: {entity: {mappings: {identifier: .pullRequestId | tostring, blueprint: '"pr"'}}}
  - kind: release-deployment
    selector: {query: 'true'}
    port: {entity: {mappings: {identifier: .id | tostring, blueprint: '"deployment"'}}}
"#;
    // Within the pull requests' default window of 7 days, whenever the test runs.
    let (cursor, since) = cursor_ago(1);
    incremental_from(&ado, yaml, cursor).await;

    let requests = ado.received_requests().await.expect("recorded");
    let wiql: Vec<&wiremock::Request> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/wit/wiql"))
        .collect();
    assert_eq!(wiql.len(), 1);
    assert_eq!(query(wiql[0], "timePrecision").as_deref(), Some("true"));
    let body: Value = serde_json::from_slice(&wiql[0].body).expect("json");
    let expected = format!(
        "AND (([System.State] <> 'Closed') AND [System.ChangedDate] >= '{}')",
        since.strftime("%Y-%m-%dT%H:%M:%SZ")
    );
    let text = body["query"].as_str().expect("query");
    assert!(text.contains(&expected), "{text}");

    let pull_requests: Vec<&wiremock::Request> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/pullrequests"))
        .collect();
    assert_eq!(pull_requests.len(), 3, "active, abandoned and completed");
    for r in pull_requests {
        let status = query(r, "searchCriteria.status");
        let min_time = query(r, "searchCriteria.minTime");
        match status.as_deref() {
            Some("active") => assert_eq!(min_time, None),
            _ => assert_eq!(min_time, Some(since.to_string()), "{}", r.url),
        }
    }
    let deployments: Vec<&wiremock::Request> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/release/deployments"))
        .collect();
    assert_eq!(deployments.len(), 1);
    assert_eq!(
        query(deployments[0], "minModifiedTime"),
        Some(since.to_string())
    );
}

/// One resource of `kind` with these extra selector options (flow YAML, `, name: value`...),
/// written to blueprint `item` with the raw item as its `item` property.
fn one_resource(kind: &str, selector: &str) -> Mapping {
    let yaml = format!(
        r#"
resources:
  - kind: {kind}
    selector: {{query: 'true'{selector}}}
    port:
      entity:
        mappings:
          identifier: (.id // .alertId) | tostring
          blueprint: '"item"'
          properties: {{item: .}}
"#
    );
    Mapping::from_yaml(&yaml, Options::default()).expect("valid mapping")
}

/// A cursor `hours` ago (whole seconds), and the time changes are listed from.
fn cursor_ago(hours: i64) -> (Timestamp, Timestamp) {
    let cursor = Timestamp::now()
        .saturating_sub(jiff::SignedDuration::from_hours(hours))
        .and_then(|t| t.round(jiff::Unit::Second))
        .expect("in range");
    (
        cursor,
        cursor.saturating_sub(CURSOR_OVERLAP).expect("in range"),
    )
}

/// What one resync of `mapping` (a single resource of `kind`) wrote and asked Azure DevOps:
/// incremental from `cursor` when given (the state file named after `kind`), else full.
async fn resync_once(
    ado: &MockServer,
    mapping: Mapping,
    kind: &str,
    cursor: Option<Timestamp>,
) -> (Vec<Value>, Vec<wiremock::Request>) {
    let before = ado.received_requests().await.expect("recorded").len();
    let resync = Resync::new(mapping, vec![ado_client(ado, "fabrikam")]).expect("loads");
    let file = state_file(kind);
    let resync = match cursor {
        Some(cursor) => {
            let store = stored(&file, &[(0, kind, cursor)]).await;
            resync.incremental(store)
        }
        None => resync,
    };
    let sink = ado_port_sync::MemorySink::new();
    let report = resync.run(&sink).await;
    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
    let _ = std::fs::remove_file(&file);
    let entities = sink
        .entities()
        .into_iter()
        .map(|entity| serde_json::to_value(entity).expect("json"))
        .collect();
    let requests = ado.received_requests().await.expect("recorded");
    (entities, requests[before..].to_vec())
}

/// The requests whose path ends with `suffix`.
fn to<'a>(requests: &'a [wiremock::Request], suffix: &str) -> Vec<&'a wiremock::Request> {
    requests
        .iter()
        .filter(|r| r.url.path().ends_with(suffix))
        .collect()
}

async fn mount_json(ado: &MockServer, mock: wiremock::MockBuilder, body: Value) {
    mock.respond_with(ResponseTemplate::new(200).set_body_json(body))
        .with_priority(1)
        .mount(ado)
        .await;
}

const PROJECT: &str = "/fabrikam/aaaa-1111/_apis";

#[tokio::test]
async fn test_runs_are_queried_in_windows_of_seven_days_from_the_cursor() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let runs = format!("{PROJECT}/test/runs");
    // Ten days ago: two windows.
    let (cursor, since) = cursor_ago(240);
    let second = since
        .checked_add(jiff::SignedDuration::from_hours(7 * 24))
        .expect("in range");
    // The query form's runs: the build only in `buildConfiguration`. Run 1 comes again at
    // the page boundary and run 2 again in the next window.
    let run =
        |id: i64| json!({"id": id, "name": "web tests", "buildConfiguration": {"id": id * 10}});
    let window = |start: Timestamp| {
        Mock::given(method("GET"))
            .and(path(runs.as_str()))
            .and(query_param(
                "minLastUpdatedDate",
                start.to_string().as_str(),
            ))
    };
    window(since)
        .and(query_param_is_missing("continuationToken"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ms-continuationtoken", "page-2")
                .set_body_json(json!({"value": [run(1)]})),
        )
        .with_priority(1)
        .mount(&ado)
        .await;
    mount_json(
        &ado,
        window(since).and(query_param("continuationToken", "page-2")),
        json!({"value": [run(1), run(2)]}),
    )
    .await;
    mount_json(&ado, window(second), json!({"value": [run(2), run(3)]})).await;
    mount_json(
        &ado,
        Mock::given(method("GET"))
            .and(path(runs.as_str()))
            .and(query_param("includeRunDetails", "true")),
        json!({"value": [
            {"id": 1, "build": {"id": "10"}}, {"id": 2}, {"id": 3}, {"id": 4}
        ]}),
    )
    .await;
    mount_json(
        &ado,
        Mock::given(method("GET")).and(path_regex(r"/test/runs/\d+/results$")),
        json!({"value": []}),
    )
    .await;
    mount_json(
        &ado,
        Mock::given(method("GET")).and(path(format!("{PROJECT}/test/codecoverage"))),
        json!({"value": [{"state": "Completed"}]}),
    )
    .await;
    let mapping = || one_resource("test-run", ", codeCoverage: {flags: 1}");

    let (entities, requests) = resync_once(&ado, mapping(), "test-run", Some(cursor)).await;
    assert_eq!(identifiers(&entities, "item"), ["1", "2", "3"]);
    let queried = to(&requests, "/test/runs");
    assert_eq!(
        queried.len(),
        3,
        "two pages of the first window, one of the second"
    );
    for (r, (min, max)) in queried.iter().zip([(since, second), (since, second)]) {
        assert_eq!(
            query(r, "minLastUpdatedDate"),
            Some(min.to_string()),
            "{}",
            r.url
        );
        assert_eq!(
            query(r, "maxLastUpdatedDate"),
            Some(max.to_string()),
            "{}",
            r.url
        );
    }
    let last = queried[2];
    assert_eq!(query(last, "minLastUpdatedDate"), Some(second.to_string()));
    let until: Timestamp = query(last, "maxLastUpdatedDate")
        .expect("max")
        .parse()
        .expect("time");
    assert!(until > second && until <= Timestamp::now(), "{until}");
    for r in &queried {
        assert_eq!(query(r, "$top").as_deref(), Some("100"), "{}", r.url);
        assert_eq!(query(r, "includeRunDetails"), None, "{}", r.url);
    }
    assert_eq!(to(&requests, "/results").len(), 3, "each run enriched once");
    let mut builds: Vec<String> = to(&requests, "/test/codecoverage")
        .iter()
        .filter_map(|r| query(r, "buildId"))
        .collect();
    builds.sort();
    assert_eq!(builds, ["10", "20", "30"]);

    let (entities, requests) = resync_once(&ado, mapping(), "test-run", None).await;
    assert_eq!(identifiers(&entities, "item"), ["1", "2", "3", "4"]);
    let listed = to(&requests, "/test/runs");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        query(listed[0], "includeRunDetails").as_deref(),
        Some("true")
    );
    assert_eq!(query(listed[0], "minLastUpdatedDate"), None);
    assert_eq!(
        to(&requests, "/test/codecoverage").len(),
        1,
        "run 1 has a build"
    );
}

#[tokio::test]
async fn advanced_security_alerts_modified_since_the_cursor_keep_the_selector_criteria() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    mount_json(
        &ado,
        Mock::given(method("GET")).and(path(
            "/fabrikam/aaaa-1111/_apis/alert/repositories/r-web/alerts",
        )),
        json!({"value": [{"alertId": 12, "state": "active"}]}),
    )
    .await;
    let mapping = || {
        one_resource(
            "advanced-security-alert",
            ", criteria: {states: [active], severities: [high]}",
        )
    };
    let (cursor, since) = cursor_ago(1);

    for cursor in [Some(cursor), None] {
        let kind = "advanced-security-alert";
        let (entities, requests) = resync_once(&ado, mapping(), kind, cursor).await;
        assert_eq!(identifiers(&entities, "item"), ["12"]);
        let listed = to(&requests, "/alerts");
        assert_eq!(listed.len(), 1, "the disabled repository is skipped");
        let r = listed[0];
        assert_eq!(query(r, "criteria.states").as_deref(), Some("active"));
        assert_eq!(query(r, "criteria.severities").as_deref(), Some("high"));
        let modified_since = cursor.map(|_| since.to_string());
        assert_eq!(
            query(r, "criteria.modifiedSince"),
            modified_since,
            "{}",
            r.url
        );
    }
}

#[tokio::test]
async fn releases_created_or_deployed_since_the_cursor_are_listed_once_with_the_selector_filters() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let releases = format!("{PROJECT}/release/releases");
    let (cursor, since) = cursor_ago(1);
    let release = |id: i64, created: Timestamp| {
        let created = created.to_string();
        json!({"id": id, "status": "active", "createdOn": created})
    };
    let minute = jiff::SignedDuration::from_mins(1);
    // 71 was created since the cursor; 72 within the overlap, before the selector's own
    // minCreatedTime (the cursor).
    mount_json(
        &ado,
        Mock::given(method("GET"))
            .and(path(releases.as_str()))
            .and(query_param("minCreatedTime", since.to_string().as_str())),
        json!({"value": [
            release(71, cursor.checked_add(minute).expect("time")),
            release(72, since.checked_add(minute).expect("time"))
        ]}),
    )
    .await;
    // Deployments modified since: of 71 (listed already), 72 (left out by the selector) and
    // 101 older releases, one of them twice.
    let deployed: Vec<Value> = [71, 72, 201]
        .into_iter()
        .chain(201..=301)
        .enumerate()
        .map(|(id, release)| json!({"id": id, "release": {"id": release}}))
        .collect();
    mount_json(
        &ado,
        Mock::given(method("GET"))
            .and(path(format!("{PROJECT}/release/deployments")))
            .and(query_param("minModifiedTime", since.to_string().as_str())),
        json!({ "value": deployed }),
    )
    .await;
    let old = Timestamp::UNIX_EPOCH;
    for ids in [201..=300, 301..=301] {
        let filter: Vec<String> = ids.clone().map(|id| id.to_string()).collect();
        mount_json(
            &ado,
            Mock::given(method("GET"))
                .and(path(releases.as_str()))
                .and(query_param("releaseIdFilter", filter.join(",").as_str())),
            json!({"value": ids.map(|id| release(id, old)).collect::<Vec<_>>()}),
        )
        .await;
    }
    let mapping = || {
        one_resource(
            "release",
            &format!(", statusFilter: active, expand: environments, minCreatedTime: '{cursor}'"),
        )
    };

    let (entities, requests) = resync_once(&ado, mapping(), "release", Some(cursor)).await;
    let mut expected: Vec<String> = (201..=301).chain([71]).map(|id| id.to_string()).collect();
    expected.sort();
    assert_eq!(identifiers(&entities, "item"), expected);
    let listed = to(&requests, "/release/releases");
    assert_eq!(listed.len(), 3, "created since, then two requests by id");
    for r in &listed {
        assert_eq!(
            query(r, "statusFilter").as_deref(),
            Some("active"),
            "{}",
            r.url
        );
        assert_eq!(
            query(r, "$expand").as_deref(),
            Some("environments"),
            "{}",
            r.url
        );
    }
    assert_eq!(query(listed[0], "minCreatedTime"), Some(since.to_string()));
    assert_eq!(query(listed[0], "releaseIdFilter"), None);
    for r in &listed[1..] {
        assert_eq!(
            query(r, "minCreatedTime"),
            Some(cursor.to_string()),
            "{}",
            r.url
        );
    }
    let by_id: Vec<usize> = listed[1..]
        .iter()
        .map(|r| query(r, "releaseIdFilter").expect("ids").split(',').count())
        .collect();
    assert_eq!(by_id, [100, 1]);
    let deployments = to(&requests, "/release/deployments");
    assert_eq!(deployments.len(), 1);
    assert_eq!(
        query(deployments[0], "minModifiedTime"),
        Some(since.to_string())
    );
    assert_eq!(
        query(deployments[0], "deploymentStatus").as_deref(),
        Some("all")
    );

    let (entities, requests) = resync_once(&ado, mapping(), "release", None).await;
    assert_eq!(identifiers(&entities, "item"), ["70"]);
    let listed = to(&requests, "/release/releases");
    assert_eq!(listed.len(), 1);
    assert_eq!(query(listed[0], "minCreatedTime"), Some(cursor.to_string()));
    assert_eq!(query(listed[0], "statusFilter").as_deref(), Some("active"));
    assert!(to(&requests, "/release/deployments").is_empty());
}

/// The sample organization with builds changed since a cursor an hour ago: `queued` queued
/// since, `finished` finished since and queued before. Returns the server, the cursor and the
/// time changes are listed from.
async fn org_with_changed_builds(
    queued: Value,
    finished: Vec<Value>,
) -> (MockServer, Timestamp, Timestamp) {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let (cursor, since) = cursor_ago(1);
    let before = since
        .checked_sub(jiff::SignedDuration::from_hours(1))
        .expect("time");
    let finished: Vec<Value> = finished
        .into_iter()
        .map(|mut build| {
            build["queueTime"] = json!(before.to_string());
            build
        })
        .collect();
    mount_changed_builds(&ado, since, queued, json!(finished)).await;
    (ado, cursor, since)
}

/// Builds were listed only as queued and as finished since `since`.
fn assert_changed_builds_listed(requests: &[wiremock::Request], since: Timestamp) {
    let builds = to(requests, "/build/builds");
    assert_eq!(builds.len(), 2, "queued and finished since the cursor");
    for r in builds {
        assert_eq!(query(r, "minTime"), Some(since.to_string()), "{}", r.url);
    }
}

#[tokio::test]
async fn pipeline_runs_are_read_for_the_builds_changed_since_the_cursor() {
    // 101 was queued since; 90 finished since; 95 is of a definition that is not a listed
    // pipeline.
    let (ado, cursor, since) = org_with_changed_builds(
        json!([{"id": 101, "definition": {"id": 5}}]),
        vec![
            json!({"id": 90, "definition": {"id": 5}}),
            json!({"id": 95, "definition": {"id": 8}}),
        ],
    )
    .await;
    for run in [101, 90] {
        mount_json(
            &ado,
            Mock::given(method("GET")).and(path(format!("{PROJECT}/pipelines/5/runs/{run}"))),
            json!({"id": run, "state": "completed"}),
        )
        .await;
    }

    let (entities, requests) = resync_once(
        &ado,
        one_resource("pipeline-run", ""),
        "pipeline-run",
        Some(cursor),
    )
    .await;
    assert_eq!(identifiers(&entities, "item"), ["101", "90"]);
    let run = entities
        .iter()
        .find(|e| e["identifier"] == "90")
        .expect("run 90");
    assert_eq!(run["properties"]["item"]["__pipeline"]["name"], "web-ci");
    assert_eq!(run["properties"]["item"]["__project"]["id"], "aaaa-1111");
    assert_changed_builds_listed(&requests, since);
    let mut read: Vec<&str> = requests
        .iter()
        .map(|r| r.url.path())
        .filter(|p| p.contains("/pipelines/"))
        .collect();
    read.sort_unstable();
    assert_eq!(
        read,
        [
            "/fabrikam/aaaa-1111/_apis/pipelines/5/runs/101",
            "/fabrikam/aaaa-1111/_apis/pipelines/5/runs/90"
        ]
    );

    let (entities, requests) =
        resync_once(&ado, one_resource("pipeline-run", ""), "pipeline-run", None).await;
    assert_eq!(identifiers(&entities, "item"), ["50"]);
    assert!(to(&requests, "/build/builds").is_empty());
    assert_eq!(to(&requests, "/pipelines/5/runs").len(), 1);
}

#[tokio::test]
async fn an_incremental_run_after_a_build_completes_reads_only_that_builds_stages() {
    let (ado, cursor, since) = org_with_changed_builds(json!([]), vec![json!({"id": 11})]).await;
    mount_json(
        &ado,
        Mock::given(method("GET")).and(path(format!("{BUILDS}/11/timeline"))),
        json!({"records": [
            {"id": "st-11", "type": "Stage", "name": "Build"},
            {"id": "job-11", "type": "Job", "name": "Compile"}
        ]}),
    )
    .await;
    let mapping = || one_resource("pipeline-stage", "");

    let (entities, requests) = resync_once(&ado, mapping(), "pipeline-stage", Some(cursor)).await;
    assert_eq!(identifiers(&entities, "item"), ["st-11"]);
    assert_changed_builds_listed(&requests, since);
    let timelines: Vec<&str> = to(&requests, "/timeline")
        .iter()
        .map(|r| r.url.path())
        .collect();
    assert_eq!(timelines, [format!("{BUILDS}/11/timeline")]);

    let (entities, requests) = resync_once(&ado, mapping(), "pipeline-stage", None).await;
    assert_eq!(identifiers(&entities, "item"), ["st-1"]);
    let builds = to(&requests, "/build/builds");
    assert_eq!(builds.len(), 1);
    assert_eq!(query(builds[0], "minTime"), None);
    let timelines: Vec<&str> = to(&requests, "/timeline")
        .iter()
        .map(|r| r.url.path())
        .collect();
    assert_eq!(timelines, [format!("{BUILDS}/10/timeline")]);
}

#[tokio::test]
async fn incremental_pull_requests_are_listed_per_project_for_its_healthy_repositories() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let pr = |id: u64, repository: &str| json!({"pullRequestId": id, "id": id, "repository": {"id": repository, "name": repository}});
    mount_project_pull_requests(
        &ado,
        // `r-old` is disabled: its pull requests are not synced.
        json!([pr(1, "r-web"), pr(2, "r-old")]),
        json!([pr(3, "r-web"), pr(4, "r-web"), pr(5, "r-web")]),
        json!([]),
    )
    .await;
    let (cursor, since) = cursor_ago(1);
    let mapping = one_resource("pull-request", ", maxResults: 2");
    let (entities, requests) = resync_once(&ado, mapping, "pull-request", Some(cursor)).await;

    // At most two of each closed status per repository.
    assert_eq!(identifiers(&entities, "item"), ["1", "3", "4"]);
    let listings: Vec<&wiremock::Request> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/pullrequests"))
        .collect();
    assert_eq!(listings.len(), 3, "one per status for the project");
    for listing in listings {
        let closed = query(listing, "searchCriteria.status").as_deref() != Some("active");
        let min_time = query(listing, "searchCriteria.minTime");
        assert_eq!(
            min_time,
            closed.then(|| since.to_string()),
            "{}",
            listing.url
        );
    }
    ado.verify().await;
}

/// Serves the pull requests of project `aaaa-1111` (no repository in the query) by status,
/// each listing asked for once.
async fn mount_project_pull_requests(
    ado: &MockServer,
    active: Value,
    completed: Value,
    abandoned: Value,
) {
    for (status, value) in [
        ("active", active),
        ("completed", completed),
        ("abandoned", abandoned),
    ] {
        Mock::given(method("GET"))
            .and(path("/fabrikam/aaaa-1111/_apis/git/pullrequests"))
            .and(query_param("searchCriteria.status", status))
            .and(query_param_is_missing("searchCriteria.repositoryId"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "value": value })))
            .expect(1)
            .mount(ado)
            .await;
    }
}

#[tokio::test]
async fn the_changed_builds_are_listed_once_for_builds_their_stages_and_runs() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let (cursor, since) = cursor_ago(1);
    mount_changed_builds(&ado, since, json!([{"id": 10}]), json!([])).await;
    let yaml = r#"
resources:
  - kind: build
    selector: {query: 'true'}
    port: {entity: {mappings: {identifier: .id | tostring, blueprint: '"build"'}}}
  - kind: pipeline-stage
    selector: {query: 'true'}
    port: {entity: {mappings: {identifier: .id, blueprint: '"stage"'}}}
  - kind: pipeline-run
    selector: {query: 'true'}
    port: {entity: {mappings: {identifier: .id | tostring, blueprint: '"run"'}}}
"#;
    incremental_from(&ado, yaml, cursor).await;
    let requests = ado.received_requests().await.expect("recorded");
    let listings: Vec<Option<String>> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/_apis/build/builds"))
        .map(|r| query(r, "queryOrder"))
        .collect();
    // Queued since, then finished since: once for the three resources.
    assert_eq!(listings.len(), 2, "{listings:?}");
}

/// An incremental resync of the mapping `yaml` over organization `fabrikam` of `ado`, every
/// resource from `cursor`, into a sink that keeps what it is sent; it must complete.
async fn incremental_from(ado: &MockServer, yaml: &str, cursor: Timestamp) {
    let mapping = Mapping::from_yaml(yaml, Options::default()).expect("valid mapping");
    let kinds: Vec<String> = mapping.resources.iter().map(|r| r.kind.clone()).collect();
    let resources: Vec<(usize, &str, Timestamp)> = kinds
        .iter()
        .enumerate()
        .map(|(index, kind)| (index, kind.as_str(), cursor))
        .collect();
    let store = Arc::new(MemoryCursors::default());
    store.save(&cursors(&resources)).await.expect("saved");
    let report = Resync::new(mapping, vec![ado_client(ado, "fabrikam")])
        .expect("loads")
        .incremental(store)
        .run(&ado_port_sync::MemorySink::new())
        .await;
    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
}
