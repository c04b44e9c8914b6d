//! Incremental resyncs: cursors, time-filtered listings, and no deletion.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use ado_port_sync::{
    CURSOR_OVERLAP, Cursor, CursorStore, Cursors, FileCursors, KindStatus, PortSink,
    ReconcileStatus, Resync, ResyncOutcome, resource_key,
};
use common::{ado_client, builds_and_projects, mock_port, mount_sample_org, override_route};
use jiff::Timestamp;
use mapping_engine::{Mapping, Options};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
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
    let store = Arc::new(FileCursors::new(&file));
    store
        .save(&cursors(&[(0, "build", cursor)]))
        .await
        .expect("saved");

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
    let store = Arc::new(FileCursors::new(&file));
    store
        .save(&cursors(&[(0, "build", old), (1, "project", old)]))
        .await
        .expect("saved");

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
    let store = FileCursors::new(&file);
    store
        .save(&cursors(&[(0, "project", at("2026-11-30T10:00:00Z"))]))
        .await
        .expect("saved");
    let report = sample
        .resync()
        .incremental(Arc::new(store))
        .run(&sample.sink)
        .await;
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
    let mapping = Mapping::from_yaml(yaml, Options::default()).expect("valid mapping");
    // Within the pull requests' default window of 7 days, whenever the test runs.
    let cursor = Timestamp::now()
        .saturating_sub(jiff::SignedDuration::from_hours(1))
        .and_then(|t| t.round(jiff::Unit::Second))
        .expect("in range");
    let since = cursor.saturating_sub(CURSOR_OVERLAP).expect("in range");
    let file = state_file("queries");
    let store = Arc::new(FileCursors::new(&file));
    store
        .save(&cursors(&[
            (0, "work-item", cursor),
            (1, "pull-request", cursor),
            (2, "release-deployment", cursor),
        ]))
        .await
        .expect("saved");

    let resync = Resync::new(mapping, vec![ado_client(&ado, "fabrikam")])
        .expect("loads")
        .incremental(store);
    let report = resync.run(&ado_port_sync::MemorySink::new()).await;
    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");

    let requests = ado.received_requests().await.expect("recorded");
    let query = |r: &wiremock::Request, name: &str| {
        r.url
            .query_pairs()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    };
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
    std::fs::remove_file(&file).expect("cleanup");
}
