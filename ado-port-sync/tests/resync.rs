//! End-to-end resyncs: mock Azure DevOps organizations, the mapping-engine, and a mock Port.

mod common;

use std::sync::{Arc, Mutex};

use ado_port_sync::{
    CancelHandle, KindStatus, MemorySink, NdjsonSink, PortSink, ProgressEvent, ReconcileStatus,
    Resync, ResyncOutcome,
};
use common::{
    SharedBuf, Synced, ado_client, find, mapping, mock_port, mount_sample_org, override_route,
    pairs, synced_sample_org,
};
use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[tokio::test]
async fn default_mapping_over_the_sample_organization() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let events = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&events);
    let resync = Resync::new(
        mapping("default-mapping.yaml", ""),
        vec![ado_client(&ado, "fabrikam")],
    )
    .expect("loads")
    .on_progress(Arc::new(move |event: &ProgressEvent| {
        recorded.lock().expect("lock").push(event.clone());
    }));
    let out = SharedBuf::default();
    let report = resync.run(&NdjsonSink::blocking(out.clone())).await;

    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
    assert_eq!(report.reconciliation.status, ReconcileStatus::Skipped);
    let entities = out.lines();
    assert_eq!(entities.len(), 15, "{entities:#?}");

    let project = find(&entities, "azureDevopsProject", "aaaa-1111");
    assert_eq!(project["title"], "Fabrikam Web");
    assert_eq!(
        project["properties"],
        json!({"state": "wellFormed", "revision": 11, "visibility": "private", "defaultTeam": null,
               "link": "https://dev.azure.com/fabrikam/aaaa-1111"})
    );

    let repo = entities
        .iter()
        .find(|e| e["identifier"] == "r-web" && e.get("title").is_some())
        .expect("repository entity");
    assert_eq!(repo["title"], "web");
    assert_eq!(repo["properties"]["readme"], "# Web\n");
    assert_eq!(repo["properties"]["last_activity"], "2024-01-02T00:00:00Z");
    assert_eq!(repo["relations"], json!({"project": "aaaa-1111"}));
    let disabled = find(&entities, "azureDevopsRepository", "r-old");
    assert_eq!(disabled["properties"]["readme"], json!(null));

    let policies: Vec<_> = entities
        .iter()
        .filter(|e| e["identifier"] == "r-web" && e.get("title").is_none())
        .map(|e| e["properties"].clone())
        .collect();
    assert_eq!(
        policies,
        [
            json!({"minimumApproverCount": 2}),
            json!({"workItemLinking": false})
        ]
    );

    let user = find(&entities, "azureDevopsMember", "u-1");
    assert_eq!(user["title"], "Jamal Hartnett");
    assert_eq!(user["properties"]["email"], "jamal@fabrikam.com");

    let team = find(&entities, "azureDevopsTeam", "t-1");
    assert_eq!(
        team["relations"],
        json!({"project": "aaaa-1111", "members": ["id-1", "id-2"]})
    );

    let active = find(&entities, "azureDevopsPullRequest", "r-web/101");
    assert_eq!(active["properties"]["status"], "active");
    assert_eq!(active["properties"]["leadTimeHours"], json!(null));
    let completed = find(&entities, "azureDevopsPullRequest", "r-web/100");
    assert_eq!(completed["properties"]["leadTimeHours"], json!(27.5));
    assert_eq!(
        completed["relations"]["creator"],
        json!({"combinator": "and", "rules": [
            {"operator": "=", "property": "$identifier", "value": "chuck@fabrikam.com"}]})
    );

    let build = find(&entities, "azureDevopsBuild", "aaaa-1111/r-web/10");
    assert_eq!(build["title"], "20240501.1");
    assert_eq!(build["properties"]["definitionName"], "web-ci");
    assert_eq!(build["relations"], json!({"project": "aaaa-1111"}));

    let stage = find(
        &entities,
        "azureDevopsPipelineStage",
        "aaaa-1111/r-web/10/st-1",
    );
    assert_eq!(stage["properties"]["stageType"], "Stage");
    assert_eq!(stage["relations"]["build"], "aaaa-1111/r-web/10");

    let run = find(&entities, "azureDevopsPipelineRun", "aaaa-1111/5/50");
    assert_eq!(run["properties"]["pipelineName"], "web-ci");

    let environment = find(&entities, "azureDevopsEnvironment", "aaaa-1111/3");
    assert_eq!(environment["title"], "production");

    let release = find(&entities, "azureDevopsReleaseDeployment", "aaaa-1111/70/7");
    assert_eq!(release["title"], "Release-70-7");
    assert_eq!(release["properties"]["environment"], "Stage 1");
    assert_eq!(release["relations"]["release"], "aaaa-1111/70");

    let deployment = find(&entities, "azureDevopsPipelineDeployment", "aaaa-1111/3/30");
    assert_eq!(deployment["title"], "20240501.1");
    assert_eq!(deployment["relations"]["environment"], "aaaa-1111/3");

    assert_eq!(report.kinds.len(), 13);
    let policy = &report.kinds[2];
    assert_eq!(
        (policy.counts.fetched, policy.counts.selected),
        (2, 1),
        "{policy:#?}"
    );
    let stages = &report.kinds[8];
    assert_eq!(
        (stages.kind.as_str(), stages.counts.upserted),
        ("pipeline-stage", 1)
    );
    let totals = report.totals();
    assert_eq!(totals.upserted, 15);
    assert_eq!(totals.failed, 0);

    let requests = ado.received_requests().await.expect("recorded");
    let listed = |route: &str| requests.iter().filter(|r| r.url.path() == route).count();
    assert_eq!(
        listed("/fabrikam/_apis/projects"),
        1,
        "projects are listed once"
    );
    assert_eq!(
        listed("/fabrikam/aaaa-1111/_apis/git/repositories"),
        1,
        "repositories are listed once"
    );

    let events = events.lock().expect("lock");
    let finished = events
        .iter()
        .filter(|e| matches!(e, ProgressEvent::KindFinished { failed: false, .. }))
        .count();
    assert_eq!(finished, 13);
}

#[tokio::test]
async fn a_vanished_repository_is_deleted_with_its_entities_only() {
    let Synced {
        ado,
        port: _port,
        state,
        sink,
        resync,
        first,
        first_upserted,
    } = synced_sample_org().await;
    assert_eq!(first.status, ResyncOutcome::Completed, "{first:#?}");
    assert_eq!(first.reconciliation.status, ReconcileStatus::Done);
    assert_eq!(first.reconciliation.deleted, 0);
    assert_eq!(first_upserted, 15);

    remove_first_repository(&ado).await;

    let second = resync.run(&sink).await;
    assert_eq!(second.status, ResyncOutcome::Completed, "{second:#?}");
    assert_eq!(second.reconciliation.status, ReconcileStatus::Done);
    assert_eq!(
        state.deleted(),
        pairs(&[
            ("azureDevopsPullRequest", "r-web/100"),
            ("azureDevopsPullRequest", "r-web/101"),
            ("azureDevopsRepository", "r-web"),
        ])
    );
    assert_eq!(second.reconciliation.deleted, 3);
    assert_eq!(second.reconciliation.existing, 13);
    assert_eq!(second.kinds[1].counts.deleted, 1);
    assert_eq!(
        second.reconciliation.deleted_by_blueprint["azureDevopsPullRequest"],
        2
    );
    let states = state.states.lock().expect("lock").clone();
    assert_eq!(states, ["running", "completed", "running", "completed"]);
}

#[tokio::test]
async fn a_failing_kind_blocks_every_deletion() {
    let Synced {
        ado,
        port: _port,
        state,
        sink,
        resync,
        ..
    } = synced_sample_org().await;

    // The repositories vanish and the builds fail (after retries).
    override_route(
        &ado,
        "fabrikam",
        "/aaaa-1111/_apis/git/repositories",
        ResponseTemplate::new(200).set_body_json(json!({"count": 0, "value": []})),
    )
    .await;
    override_route(
        &ado,
        "fabrikam",
        "/aaaa-1111/_apis/build/builds",
        ResponseTemplate::new(500).set_body_json(json!({"message": "boom"})),
    )
    .await;

    let report = resync.run(&sink).await;
    assert_eq!(report.status, ResyncOutcome::Failed);
    assert_eq!(report.reconciliation.status, ReconcileStatus::Skipped);
    let build = &report.kinds[7];
    assert_eq!(build.kind, "build");
    assert_eq!(build.status, KindStatus::Failed);
    assert!(build.errors[0].contains("500"), "{:?}", build.errors);
    assert!(state.deleted().is_empty());
    // Everything else still ran (and found Port up to date).
    let project = &report.kinds[0];
    assert_eq!(project.status, KindStatus::Succeeded);
    assert_eq!(project.counts.unchanged, 1);
    let states = state.states.lock().expect("lock").clone();
    assert_eq!(states.last().map(String::as_str), Some("failed"));
}

/// Removes the first repository (`r-web`) from the sample organization's listing.
async fn remove_first_repository(ado: &MockServer) {
    let fixture: serde_json::Value =
        serde_json::from_str(&common::fixture_text("sample-org.json")).expect("json");
    let mut listed = fixture["routes"][1]["body"].clone();
    listed["value"].as_array_mut().expect("array").remove(0);
    override_route(
        ado,
        "fabrikam",
        "/aaaa-1111/_apis/git/repositories",
        ResponseTemplate::new(200).set_body_json(listed),
    )
    .await;
}

/// The synced sample organization whose first repository then vanished, with a Port that
/// does not say what its entities hold (so every entity is written again).
async fn synced_with_a_vanished_repository() -> Synced {
    let synced = synced_sample_org().await;
    remove_first_repository(&synced.ado).await;
    synced.state.forget_contents();
    synced
}

/// Answers every bulk upsert with a per-entity error for each entity (HTTP 207).
struct RejectEach;

impl Respond for RejectEach {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: serde_json::Value = serde_json::from_slice(&request.body).expect("json");
        let errors: Vec<serde_json::Value> = body["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .enumerate()
            .map(|(index, e)| {
                json!({"identifier": e["identifier"], "index": index, "statusCode": 422,
                       "error": "invalid_entity", "message": "title is too long"})
            })
            .collect();
        ResponseTemplate::new(207)
            .set_body_json(json!({"ok": true, "entities": [], "errors": errors}))
    }
}

#[tokio::test]
async fn entities_port_rejects_fail_their_kind_and_nothing_is_deleted() {
    let Synced {
        ado: _ado,
        port,
        state,
        sink,
        resync,
        ..
    } = synced_with_a_vanished_repository().await;
    // The build blueprint does not exist in Port; every team is invalid.
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/azureDevopsBuild/entities/bulk"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "ok": false, "error": "not_found",
            "message": "Blueprint with identifier \"azureDevopsBuild\" was not found"
        })))
        .with_priority(1)
        .mount(&port)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/azureDevopsTeam/entities/bulk"))
        .respond_with(RejectEach)
        .with_priority(1)
        .mount(&port)
        .await;

    let report = resync.run(&sink).await;
    assert_eq!(report.status, ResyncOutcome::Failed, "{report:#?}");
    assert_eq!(report.reconciliation.status, ReconcileStatus::Skipped);
    assert!(state.deleted().is_empty(), "{:?}", state.deleted());
    let kind = |name: &str| {
        report
            .kinds
            .iter()
            .find(|k| k.kind == name)
            .unwrap_or_else(|| panic!("no {name} report"))
    };
    let build = kind("build");
    assert_eq!(build.status, KindStatus::Failed, "{build:#?}");
    assert!(
        build.errors[0].contains("azureDevopsBuild"),
        "{:?}",
        build.errors
    );
    let teams = kind("team");
    assert_eq!(teams.status, KindStatus::Failed, "{teams:#?}");
    assert!(
        teams.errors[0].contains("title is too long"),
        "{:?}",
        teams.errors
    );
    assert!(teams.counts.selected > 0);
    assert_eq!(teams.counts.failed, teams.counts.selected);
    assert_eq!(kind("project").status, KindStatus::Succeeded);
    let failure = report.failure().expect("a failed resync");
    assert!(failure.contains("nothing was deleted"), "{failure}");
    let states = state.states.lock().expect("lock").clone();
    assert_eq!(states.last().map(String::as_str), Some("failed"));
}

#[tokio::test]
async fn port_refusing_the_credentials_stops_the_whole_resync() {
    let Synced {
        ado: _ado,
        port,
        state,
        sink,
        resync,
        ..
    } = synced_with_a_vanished_repository().await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/v1/blueprints/[^/]+/entities/bulk$"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "ok": false, "error": "forbidden", "message": "the token may not write entities"
        })))
        .with_priority(1)
        .mount(&port)
        .await;
    let bulk_requests = || async {
        port.received_requests()
            .await
            .expect("recorded")
            .iter()
            .filter(|r| r.url.path().ends_with("/entities/bulk"))
            .count()
    };
    let before = bulk_requests().await;

    let report = resync.run(&sink).await;
    assert_eq!(report.status, ResyncOutcome::Failed, "{report:#?}");
    let stopped = report.stopped.as_deref().expect("the resync stopped");
    assert!(stopped.contains("403"), "{stopped}");
    assert!(state.deleted().is_empty());
    // Only the writes already in flight when the first refusal came back were sent.
    let sent = bulk_requests().await - before;
    assert!(
        sent <= ado_port_sync::DEFAULT_WRITE_CONCURRENCY,
        "{sent} bulk requests: the refusal did not stop the resync"
    );
    assert!(
        report.kinds.iter().any(|k| k.status == KindStatus::Aborted),
        "{:#?}",
        report.kinds
    );
    let states = state.states.lock().expect("lock").clone();
    assert_eq!(states.last().map(String::as_str), Some("failed"));
}

#[tokio::test]
async fn the_threshold_stops_a_mass_deletion() {
    let Synced {
        ado,
        port: _port,
        state,
        sink,
        resync,
        ..
    } = synced_sample_org().await;

    let empty = || ResponseTemplate::new(200).set_body_json(json!({"count": 0, "value": []}));
    override_route(&ado, "fabrikam", "/_apis/projects", empty()).await;
    override_route(&ado, "fabrikam", "/_apis/teams", empty()).await;
    override_route(
        &ado,
        "fabrikam",
        "/_apis/userentitlements",
        ResponseTemplate::new(200).set_body_json(json!({"items": []})),
    )
    .await;

    let report = resync.run(&sink).await;
    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
    assert_eq!(
        report.reconciliation.status,
        ReconcileStatus::ThresholdExceeded
    );
    assert_eq!(report.reconciliation.candidates, 13);
    assert_eq!(report.reconciliation.existing, 13);
    let reason = report.reconciliation.reason.as_deref().expect("a reason");
    assert!(reason.contains("13 of 13 entities (100 %)"), "{reason}");
    assert!(state.deleted().is_empty());
}

#[tokio::test]
async fn organizations_keep_their_entities_apart_and_a_failing_one_blocks_deletion() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    mount_sample_org(&ado, "contoso").await;
    let port = MockServer::start().await;
    let (port_client, state) = mock_port(&port).await;
    let sink = PortSink::new(port_client);
    let resync = Resync::new(
        mapping("multi-org-mapping.yaml", ""),
        vec![ado_client(&ado, "fabrikam"), ado_client(&ado, "contoso")],
    )
    .expect("loads");

    let first = resync.run(&sink).await;
    assert_eq!(first.status, ResyncOutcome::Completed, "{first:#?}");
    let upserted = state.upserted();
    assert_eq!(upserted.len(), 6);
    let fabrikam = find(&upserted, "azureDevopsProject", "fabrikam/aaaa-1111");
    assert_eq!(fabrikam["title"], "fabrikam / Fabrikam Web");
    assert_eq!(
        fabrikam["properties"]["organizationUrl"],
        format!("{}/fabrikam", ado.uri())
    );
    let contoso = find(&upserted, "azureDevopsRepository", "contoso/r-web");
    assert_eq!(contoso["properties"]["organization"], "contoso");
    assert_eq!(contoso["relations"]["project"], "contoso/aaaa-1111");
    find(&upserted, "azureDevopsRepository", "fabrikam/r-web");
    state.store_upserted();
    state.clear_requests();

    // Contoso loses a repository: only its entity goes.
    let fixture: serde_json::Value =
        serde_json::from_str(&common::fixture_text("sample-org.json")).expect("json");
    let mut listed = fixture["routes"][1]["body"].clone();
    listed["value"].as_array_mut().expect("array").remove(0);
    override_route(
        &ado,
        "contoso",
        "/aaaa-1111/_apis/git/repositories",
        ResponseTemplate::new(200).set_body_json(listed),
    )
    .await;
    let second = resync.run(&sink).await;
    assert_eq!(second.status, ResyncOutcome::Completed, "{second:#?}");
    assert_eq!(
        state.deleted(),
        pairs(&[("azureDevopsRepository", "contoso/r-web")])
    );
    state.clear_requests();

    // Fabrikam fails: its repository listing fails, contoso's upserts still happen, nothing
    // is deleted although contoso's r-web is still listed in Port.
    *state.stored.lock().expect("lock") =
        vec![json!({"identifier": "contoso/r-web", "blueprint": "azureDevopsRepository"})];
    override_route(
        &ado,
        "fabrikam",
        "/aaaa-1111/_apis/git/repositories",
        ResponseTemplate::new(503),
    )
    .await;
    let third = resync.run(&sink).await;
    assert_eq!(third.status, ResyncOutcome::Failed);
    let failed: Vec<_> = third
        .kinds
        .iter()
        .filter(|k| k.status == KindStatus::Failed)
        .map(|k| (k.organization.as_str(), k.kind.as_str()))
        .collect();
    assert_eq!(failed, [("fabrikam", "repository")]);
    assert!(state.deleted().is_empty());
    find(&state.upserted(), "azureDevopsRepository", "contoso/r-old");
}

#[tokio::test]
async fn a_cancelled_resync_deletes_nothing() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let port = MockServer::start().await;
    let (port_client, state) = mock_port(&port).await;
    state
        .stored
        .lock()
        .expect("lock")
        .push(json!({"identifier": "ghost", "blueprint": "azureDevopsRepository"}));
    let cancel = CancelHandle::new();
    let resync = Resync::new(
        mapping("default-mapping.yaml", ""),
        vec![ado_client(&ado, "fabrikam")],
    )
    .expect("loads")
    .with_cancel(cancel.clone());
    cancel.cancel();
    let report = resync.run(&PortSink::new(port_client)).await;
    assert_eq!(report.status, ResyncOutcome::Aborted);
    assert_eq!(report.reconciliation.status, ReconcileStatus::Skipped);
    assert!(state.deleted().is_empty());
    let states = state.states.lock().expect("lock").clone();
    assert_eq!(states, ["running", "failed"]);
}

#[tokio::test]
async fn items_skipped_for_an_empty_identifier_protect_their_blueprint() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let port = MockServer::start().await;
    let (port_client, state) = mock_port(&port).await;
    state.stored.lock().expect("lock").extend([
        json!({"identifier": "gone", "blueprint": "azureDevopsRepository"}),
        json!({"identifier": "gone", "blueprint": "other"}),
    ]);
    // Disabled repositories get no identifier: their entities must not be deleted.
    let yaml = r#"
resources:
  - kind: repository
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: if .isDisabled then null else .id end
          blueprint: '"azureDevopsRepository"'
"#;
    let mapping =
        mapping_engine::Mapping::from_yaml(yaml, mapping_engine::Options::default()).expect("ok");
    let resync = Resync::new(mapping, vec![ado_client(&ado, "fabrikam")]).expect("loads");
    let report = resync.run(&PortSink::new(port_client)).await;
    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
    assert_eq!(report.kinds[0].counts.skipped, 1);
    assert_eq!(
        report.kinds[0]
            .skip_reasons
            .get("identifier is null or empty"),
        Some(&1)
    );
    assert_eq!(state.deleted(), pairs(&[("other", "gone")]));
    assert_eq!(report.reconciliation.protected, 1);
}

#[tokio::test]
async fn cancelling_mid_resync_stops_the_resources_still_running() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    // The builds are still being listed when the resync is cancelled.
    override_route(
        &ado,
        "fabrikam",
        "/aaaa-1111/_apis/build/builds",
        ResponseTemplate::new(200)
            .set_body_json(sample_route("/aaaa-1111/_apis/build/builds"))
            .set_delay(std::time::Duration::from_secs(5)),
    )
    .await;
    let port = MockServer::start().await;
    let (port_client, state) = mock_port(&port).await;
    state
        .stored
        .lock()
        .expect("lock")
        .push(json!({"identifier": "ghost", "blueprint": "azureDevopsRepository"}));
    let cancel = CancelHandle::new();
    let stop = cancel.clone();
    let resync = Resync::new(
        mapping("default-mapping.yaml", ""),
        vec![ado_client(&ado, "fabrikam")],
    )
    .expect("loads")
    .with_cancel(cancel)
    .on_progress(Arc::new(move |event: &ProgressEvent| {
        if matches!(
            event,
            ProgressEvent::KindFinished {
                resource_index: 0,
                ..
            }
        ) {
            stop.cancel();
        }
    }));
    let report = resync.run(&PortSink::new(port_client)).await;
    assert_eq!(report.status, ResyncOutcome::Aborted);
    let build = report
        .kinds
        .iter()
        .find(|k| k.kind == "build")
        .expect("the build resource started");
    assert_eq!(build.status, KindStatus::Aborted);
    assert!(
        report
            .kinds
            .iter()
            .all(|k| matches!(k.status, KindStatus::Succeeded | KindStatus::Aborted)),
        "{:#?}",
        report.kinds
    );
    assert!(state.deleted().is_empty());
    assert!(
        !state
            .upserted()
            .iter()
            .any(|e| e["blueprint"] == "azureDevopsBuild")
    );
    let states = state.states.lock().expect("lock").clone();
    assert_eq!(states, ["running", "failed"]);
}

#[tokio::test]
async fn a_kind_the_server_lacks_is_skipped_and_keeps_its_entities() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let port = MockServer::start().await;
    let (port_client, state) = mock_port(&port).await;
    // Port holds a member synced earlier (on Azure DevOps Services) and a vanished project.
    state.stored.lock().expect("lock").extend([
        json!({"identifier": "u-1", "blueprint": "azureDevopsMember"}),
        json!({"identifier": "gone", "blueprint": "azureDevopsProject"}),
    ]);
    let yaml = "resources:\n  - kind: project\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"azureDevopsProject\"'\n  - kind: user\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"azureDevopsMember\"'\n";
    let mapping = mapping_engine::Mapping::from_yaml(yaml, mapping_engine::Options::default())
        .expect("mapping");
    let resync = Resync::new(
        mapping,
        vec![common::ado_client_with(
            &ado,
            "fabrikam",
            ado_client::ApiProfile::Server2022,
        )],
    )
    .expect("loads");

    let report = resync.run(&PortSink::new(port_client)).await;
    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
    let user = report
        .kinds
        .iter()
        .find(|k| k.kind == "user")
        .expect("user kind");
    assert_eq!(user.status, KindStatus::Unsupported);
    assert!(
        user.errors[0].contains("not available on Azure DevOps Server 2022"),
        "{:?}",
        user.errors
    );
    assert_eq!(report.reconciliation.status, ReconcileStatus::Done);
    assert!(!state.upserted().is_empty());
    assert!(
        state
            .upserted()
            .iter()
            .all(|e| e["blueprint"] != "azureDevopsMember")
    );
    // The member is kept: the server cannot say whether it still exists.
    assert_eq!(state.deleted(), pairs(&[("azureDevopsProject", "gone")]));
}

/// The sample organization's response to `route`.
fn sample_route(route: &str) -> serde_json::Value {
    let fixture: serde_json::Value =
        serde_json::from_str(&common::fixture_text("sample-org.json")).expect("json");
    fixture["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .find(|r| r["path"] == route)
        .map(|r| r["body"].clone())
        .unwrap_or_else(|| panic!("no route {route}"))
}

#[tokio::test]
async fn resources_of_one_blueprint_keep_mapping_order_and_others_overlap() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    // The builds come late: a later resource of another blueprint finishes first.
    override_route(
        &ado,
        "fabrikam",
        "/aaaa-1111/_apis/build/builds",
        ResponseTemplate::new(200)
            .set_body_json(sample_route("/aaaa-1111/_apis/build/builds"))
            .set_delay(std::time::Duration::from_millis(300)),
    )
    .await;
    let first_written = |second_blueprint: &str| {
        let yaml = format!(
            r#"
resources:
  - kind: build
    selector: {{query: 'true'}}
    port: {{entity: {{mappings: {{identifier: '.id | tostring', blueprint: '"ci"'}}}}}}
  - kind: project
    selector: {{query: 'true'}}
    port: {{entity: {{mappings: {{identifier: .id, blueprint: '"{second_blueprint}"'}}}}}}
"#
        );
        let mapping = mapping_engine::Mapping::from_yaml(&yaml, mapping_engine::Options::default())
            .expect("valid mapping");
        let resync = Resync::new(mapping, vec![ado_client(&ado, "fabrikam")]).expect("loads");
        async move {
            let out = SharedBuf::default();
            let report = resync.run(&NdjsonSink::blocking(out.clone())).await;
            assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
            let lines = out.lines();
            assert!(!lines.is_empty());
            lines[0]["blueprint"]
                .as_str()
                .expect("blueprint")
                .to_owned()
        }
    };
    // One blueprint: the project waits for the builds, as in a sequential resync.
    assert_eq!(first_written("ci").await, "ci");
    // Two blueprints: they run at the same time, so the quick project is written first.
    assert_eq!(first_written("project").await, "project");
}

#[tokio::test]
async fn a_resync_of_the_default_mapping_sends_no_request_twice() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let resync = Resync::new(
        mapping("default-mapping.yaml", ""),
        vec![ado_client(&ado, "fabrikam")],
    )
    .expect("loads");
    let report = resync
        .run(&NdjsonSink::blocking(SharedBuf::default()))
        .await;
    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
    let requests = ado.received_requests().await.expect("recorded");
    let mut seen = std::collections::BTreeMap::new();
    for request in &requests {
        *seen.entry(request.url.to_string()).or_insert(0) += 1;
    }
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "{repeated:#?}");
    // Both policy resources and both build-reading kinds were served.
    for path in ["/_apis/git/policy/configurations", "/_apis/build/builds"] {
        assert!(
            seen.keys().any(|url| url.contains(path)),
            "{path} not requested"
        );
    }
}

#[tokio::test]
async fn teams_are_listed_once_for_the_team_and_member_kinds() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let resource = |kind: &str, identifier: &str, blueprint: &str| {
        format!(
            "  - kind: {kind}\n    port:\n      entity:\n        mappings:\n          \
             identifier: {identifier}\n          blueprint: '\"{blueprint}\"'\n"
        )
    };
    let yaml = format!(
        "resources:\n{}{}",
        resource("team", ".id", "azureDevopsTeam"),
        resource("member", ".identity.id", "azureDevopsTeamMember")
    );
    let mapping = mapping_engine::Mapping::from_yaml(&yaml, mapping_engine::Options::default())
        .expect("mapping");
    let resync = Resync::new(mapping, vec![ado_client(&ado, "fabrikam")]).expect("loads");
    let report = resync
        .run(&NdjsonSink::blocking(SharedBuf::default()))
        .await;
    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
    assert!(
        report.kinds.iter().all(|k| k.counts.upserted > 0),
        "{report:#?}"
    );
    let team_listings = ado
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .filter(|r| r.url.path() == "/fabrikam/_apis/teams")
        .count();
    assert_eq!(team_listings, 1);
}

#[tokio::test]
async fn entities_reach_port_in_one_bulk_request_per_resource_and_blueprint() {
    let Synced { port, first, .. } = synced_sample_org().await;
    assert_eq!(first.status, ResyncOutcome::Completed, "{first:#?}");
    // Every resource writes fewer than 20 entities of each blueprint here, so one full
    // request each: entities are buffered across pages, not sent page by page.
    assert!(first.kinds.iter().all(|k| k.counts.upserted < 20));
    let expected: usize = first
        .kinds
        .iter()
        .filter(|k| k.counts.upserted > 0)
        .map(|k| k.blueprints.len())
        .sum();
    let bulk_requests = port
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .filter(|r| r.url.path().ends_with("/entities/bulk"))
        .count();
    assert_eq!(bulk_requests, expected);
}

#[tokio::test]
async fn a_memory_catalog_merges_resources_and_reconciles() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let resync = Resync::new(
        mapping("default-mapping.yaml", ""),
        vec![ado_client(&ado, "fabrikam")],
    )
    .expect("loads");
    let catalog = MemorySink::new();
    let first = resync.run(&catalog).await;
    assert_eq!(first.status, ResyncOutcome::Completed, "{first:#?}");
    // The repository resource and the policy resources wrote one merged entity.
    let repository = catalog
        .get("azureDevopsRepository", "r-web")
        .expect("stored");
    let properties = repository.properties.expect("properties");
    assert!(properties.contains_key("url"), "{properties:?}");
    assert!(
        properties.contains_key("minimumApproverCount"),
        "{properties:?}"
    );
    let stored = catalog.len();

    remove_first_repository(&ado).await;
    let second = resync.run(&catalog).await;
    assert_eq!(second.status, ResyncOutcome::Completed, "{second:#?}");
    assert_eq!(second.reconciliation.deleted, 3);
    assert!(catalog.get("azureDevopsRepository", "r-web").is_none());
    assert_eq!(catalog.len(), stored - 3);
}

/// Whether Port resolves part of an entity written to the mock from a search query.
fn has_search(entity: &serde_json::Value) -> bool {
    let search = |v: &serde_json::Value| {
        v.is_object()
            || v.as_array()
                .is_some_and(|a| a.iter().any(|x| x.is_object()))
    };
    !entity["identifier"].is_string()
        || search(&entity["team"])
        || entity["relations"]
            .as_object()
            .is_some_and(|r| r.values().any(search))
}

#[tokio::test]
async fn only_entities_that_changed_are_sent_again() {
    let Synced {
        ado,
        port: _port,
        state,
        sink,
        resync,
        first,
        ..
    } = synced_sample_org().await;
    let sent_again = |state: &common::PortState| {
        state
            .upserted()
            .into_iter()
            .filter(|e| !has_search(e))
            .collect::<Vec<_>>()
    };

    // Nothing changed: only entities with search queries are sent (Port resolves them),
    // and nothing is deleted.
    let second = resync.run(&sink).await;
    assert_eq!(second.status, ResyncOutcome::Completed, "{second:#?}");
    assert_eq!(sent_again(&state), Vec::<serde_json::Value>::new());
    let searching = state.upserted().len();
    assert!(searching > 0);
    assert_eq!(second.totals().upserted, searching);
    assert_eq!(
        second.totals().unchanged + searching,
        first.totals().upserted
    );
    assert!(state.deleted().is_empty());

    // The project's state changes: it is the only other entity sent.
    let mut projects = sample_route("/_apis/projects");
    projects["value"][0]["state"] = json!("deleting");
    override_route(
        &ado,
        "fabrikam",
        "/_apis/projects",
        ResponseTemplate::new(200).set_body_json(projects),
    )
    .await;
    state.clear_requests();
    let third = resync.run(&sink).await;
    assert_eq!(third.status, ResyncOutcome::Completed, "{third:#?}");
    let sent = sent_again(&state);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0]["blueprint"], "azureDevopsProject");
    assert_eq!(sent[0]["properties"]["state"], "deleting");
    assert!(state.deleted().is_empty());
}

#[tokio::test]
async fn a_resync_with_one_request_and_one_write_at_a_time_completes() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let organization = ado_port_sync::ado::Organization::parse(&format!("{}/fabrikam", ado.uri()))
        .expect("valid url");
    let client = ado_port_sync::ado::AdoClient::builder(
        organization,
        ado_port_sync::ado::Credential::pat("test-pat"),
    )
    .api_profile(ado_port_sync::ado::ApiProfile::Cloud)
    .max_in_flight(1)
    .build()
    .expect("client");
    let port = MockServer::start().await;
    let (port_client, state) = mock_port(&port).await;
    let resync = Resync::new(mapping("default-mapping.yaml", ""), vec![client])
        .expect("loads")
        .write_concurrency(1);
    // With the smallest budgets, resources sharing a blueprint or a list still finish
    // (bounded, not timed).
    let report = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        resync.run(&PortSink::new(port_client)),
    )
    .await
    .expect("the resync finished");
    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
    assert!(!state.upserted().is_empty());
}
