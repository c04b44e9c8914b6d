//! GitOps: entities declared in spec files, on `git.push` and in resyncs, written to a mock
//! Port as the `gitops` datasource.

mod common;

use std::sync::Arc;

use ado_port_sync::{
    EntityRef, KindStatus, LiveEvents, LiveReport, MemoryCursors, PortSink, ReconcileStatus,
    Resync, ResyncOutcome,
};
use common::{
    GITOPS_DATASOURCE, PortState, ado_client, mapping, mock_port, mount_sample_org, pairs,
    synced_sample_org,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ITEMS: &str = "/fabrikam/aaaa-1111/_apis/git/repositories/r-web/items";
const OLD: &str = "1111111111111111111111111111111111111111";
const NEW: &str = "2222222222222222222222222222222222222222";
const ZERO: &str = "0000000000000000000000000000000000000000";

/// Serves `path` of repository `web` at `version` (a commit or a branch): with `text`, the
/// file; without, Azure DevOps' "not found".
async fn serve(ado: &MockServer, path_in_repo: &str, version: &str, text: Option<&str>) {
    let version_type = if version.len() == 40 {
        "commit"
    } else {
        "branch"
    };
    let response = match text {
        Some(text) => ResponseTemplate::new(200).set_body_json(json!({
            "objectId": "b10b", "gitObjectType": "blob", "path": path_in_repo,
            "commitId": if version_type == "commit" { version } else { NEW },
            "content": text,
        })),
        None => ResponseTemplate::new(404).set_body_json(json!({
            "message": format!("TF401174: The item '{path_in_repo}' could not be found in the repository."),
            "typeKey": "GitItemNotFoundException",
        })),
    };
    Mock::given(method("GET"))
        .and(path(ITEMS))
        .and(query_param("path", path_in_repo))
        .and(query_param("versionDescriptor.version", version))
        .and(query_param("versionDescriptor.versionType", version_type))
        .respond_with(response)
        .with_priority(1)
        .mount(ado)
        .await;
}

/// The sample organization, a mock Port, and live events of a mapping with no resource but
/// these top-level keys.
struct Live {
    ado: MockServer,
    _port: MockServer,
    state: Arc<PortState>,
    live: LiveEvents,
}

async fn live(top_level: &str) -> Live {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let port = MockServer::start().await;
    let (client, state) = mock_port(&port).await;
    let config: Value =
        serde_saphyr::from_str(&format!("{top_level}\nresources: []\n")).expect("yaml");
    let live = LiveEvents::new(
        &config,
        Default::default(),
        vec![ado_client(&ado, "fabrikam")],
        Arc::new(PortSink::new(client).report_resync_state(false)),
    )
    .expect("valid mapping");
    Live {
        ado,
        _port: port,
        state,
        live,
    }
}

impl Live {
    /// Serves `/port.yml` at `commit` (`None`: it does not exist there).
    async fn spec(&self, commit: &str, text: Option<&str>) {
        serve(&self.ado, "/port.yml", commit, text).await;
    }

    /// Handles a push to `branch` of repository `web` from `old` to `new`.
    async fn push(&self, branch: &str, old: &str, new: &str) -> LiveReport {
        self.live
            .handle(&push(branch, old, new))
            .await
            .expect("handled")
    }
}

/// A push to `branch` of repository `web` from `old` to `new`.
fn push(branch: &str, old: &str, new: &str) -> Value {
    json!({
        "eventType": "git.push",
        "publisherId": "tfs",
        "resource": {
            "refUpdates": [{"name": format!("refs/heads/{branch}"), "oldObjectId": old, "newObjectId": new}],
            "commits": [],
            "repository": {
                "id": "r-web", "name": "web", "defaultBranch": "refs/heads/main",
                "project": {"id": "aaaa-1111", "name": "Fabrikam Web"},
            },
        },
        "resourceContainers": {"project": {"id": "aaaa-1111"}},
    })
}

fn service(identifier: &str) -> EntityRef {
    EntityRef {
        blueprint: "service".into(),
        identifier: identifier.into(),
    }
}

/// Reads of spec files (`port.yml`) the mock Azure DevOps received.
async fn spec_reads(ado: &MockServer) -> usize {
    let requests = ado.received_requests().await.expect("recorded");
    requests
        .iter()
        .filter(|r| r.url.query().is_some_and(|q| q.contains("port.yml")))
        .count()
}

const BEFORE: &str = "
- identifier: svc-a
  blueprint: service
  title: A
- identifier: svc-b
  blueprint: service
";

#[tokio::test]
async fn a_push_upserts_what_the_spec_file_declares_and_deletes_what_it_no_longer_does() {
    let t = live("").await;
    t.spec(OLD, Some(BEFORE)).await;
    t.spec(NEW, Some("- identifier: svc-a\n  blueprint: service\n  title: A2\n- identifier: svc-c\n  blueprint: service\n  relations: {repository: r-web}\n")).await;
    let report = t.push("main", OLD, NEW).await;
    assert_eq!(report.upserted, [service("svc-a"), service("svc-c")]);
    assert_eq!(report.deleted, [service("svc-b")]);
    assert!(report.invalid.is_empty(), "{report:#?}");
    assert_eq!(
        t.state.gitops_upserted(),
        [
            json!({"identifier": "svc-a", "blueprint": "service", "title": "A2"}),
            json!({"identifier": "svc-c", "blueprint": "service", "relations": {"repository": "r-web"}}),
        ]
    );
    assert!(
        t.state.upserted().is_empty(),
        "nothing written as the exporter"
    );
    assert_eq!(t.state.deleted(), pairs(&[("service", "svc-b")]));

    // A new file: everything is added, nothing deleted.
    let created = "3333333333333333333333333333333333333333";
    t.spec(created, Some(BEFORE)).await;
    let report = t.push("main", ZERO, created).await;
    assert_eq!(report.upserted, [service("svc-a"), service("svc-b")]);
    assert!(report.deleted.is_empty());
    // The file removed: everything it declared is deleted.
    let removed = "4444444444444444444444444444444444444444";
    t.spec(removed, None).await;
    let report = t.push("main", OLD, removed).await;
    assert!(report.upserted.is_empty());
    assert_eq!(report.deleted, [service("svc-a"), service("svc-b")]);
}

#[tokio::test]
async fn file_values_are_read_relative_to_the_spec_file_at_the_same_commit() {
    let t = live("specPath: [services/web/port.yaml]").await;
    let at_new = [
        (
            "/services/web/port.yaml",
            "identifier: web\nblueprint: service\nproperties:\n  readme: file://README.md\n  api: file://../shared/openapi.json\n  tier: gold\n",
        ),
        ("/services/web/README.md", "# Web\n"),
        ("/services/shared/openapi.json", r#"{"openapi": "3.1.0"}"#),
    ];
    for (file, text) in at_new {
        serve(&t.ado, file, NEW, Some(text)).await;
    }
    serve(&t.ado, "/services/web/port.yaml", OLD, None).await;
    let report = t.push("main", OLD, NEW).await;
    assert_eq!(report.upserted, [service("web")]);
    assert_eq!(
        t.state.gitops_upserted(),
        [
            json!({"identifier": "web", "blueprint": "service", "properties": {
                "readme": "# Web\n", "api": {"openapi": "3.1.0"}, "tier": "gold"
            }})
        ]
    );
}

#[tokio::test]
async fn an_invalid_spec_file_deletes_nothing_and_says_where() {
    let t = live("").await;
    t.spec(OLD, Some(BEFORE)).await;
    // svc-b has lost its blueprint, svc-c names a file that does not exist.
    t.spec(NEW, Some("- identifier: svc-a\n  blueprint: service\n- identifier: svc-b\n- identifier: svc-c\n  blueprint: service\n  properties: {readme: file://missing.md}\n")).await;
    serve(&t.ado, "/missing.md", NEW, None).await;
    let report = t.push("main", OLD, NEW).await;
    assert_eq!(report.upserted, [service("svc-a")]);
    assert!(report.deleted.is_empty());
    assert_eq!(
        report.invalid,
        [
            "/port.yml in repository web at commit 22222222: entity [1]: has no `blueprint`",
            "/port.yml in repository web at commit 22222222: entity [2]: property `readme`: /missing.md does not exist at commit 22222222",
        ]
    );
    assert!(
        report
            .ignored
            .contains(&"GitOps deleted nothing: the spec files have errors".to_owned()),
        "{report:#?}"
    );
    assert!(t.state.deleted().is_empty());

    // Not YAML after the push: nothing written, nothing deleted.
    let broken = "5555555555555555555555555555555555555555";
    t.spec(broken, Some("- identifier: [svc-a\n")).await;
    let report = t.push("main", OLD, broken).await;
    assert!(report.upserted.is_empty() && report.deleted.is_empty());
    assert!(
        report.invalid[0]
            .starts_with("/port.yml in repository web at commit 55555555: invalid YAML"),
        "{report:#?}"
    );
    // Not YAML before the push: what is declared after is written, nothing deleted.
    let report = t.push("main", broken, OLD).await;
    assert_eq!(report.upserted, [service("svc-a"), service("svc-b")]);
    assert!(report.deleted.is_empty());
    assert!(report.invalid.is_empty());
    assert!(
        report.ignored.iter().any(|i| i.starts_with(
            "GitOps deleted nothing: the spec files before the push cannot be read: /port.yml in repository web at commit 55555555: invalid YAML"
        )),
        "{report:#?}"
    );
    assert!(t.state.deleted().is_empty());
}

#[tokio::test]
async fn a_transient_failure_reading_a_spec_file_is_retryable() {
    let t = live("").await;
    t.spec(OLD, Some(BEFORE)).await;
    Mock::given(method("GET"))
        .and(path(ITEMS))
        .and(query_param("versionDescriptor.version", NEW))
        .respond_with(ResponseTemplate::new(503))
        .mount(&t.ado)
        .await;
    let error = t
        .live
        .handle(&push("main", OLD, NEW))
        .await
        .expect_err("Azure DevOps unavailable");
    assert!(error.is_retryable(), "{error}");
    assert!(t.state.gitops_upserted().is_empty() && t.state.deleted().is_empty());
}

#[tokio::test]
async fn a_push_to_another_branch_reads_no_spec_file() {
    let t = live("").await;
    let report = t.push("feature/login", OLD, NEW).await;
    assert!(report.upserted.is_empty() && report.deleted.is_empty());
    assert_eq!(spec_reads(&t.ado).await, 0);

    // With `useDefaultBranch: false`, the configured branch is read instead.
    let t = live("useDefaultBranch: false\nbranch: release").await;
    t.push("main", OLD, NEW).await;
    assert_eq!(spec_reads(&t.ado).await, 0);
    t.spec(OLD, None).await;
    t.spec(NEW, Some(BEFORE)).await;
    let report = t.push("release", OLD, NEW).await;
    assert_eq!(report.upserted, [service("svc-a"), service("svc-b")]);
}

/// The sample organization synced with the default mapping (exporter entities stored), and
/// two GitOps entities Port holds from before: `svc-web`, which `web`'s port.yml still
/// declares, and `svc-gone`, which nothing declares any more.
async fn synced_with_gitops_entities() -> common::Synced {
    let synced = synced_sample_org().await;
    let earlier = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(1))
        .expect("an hour ago")
        .to_string();
    synced.state.stored.lock().expect("lock").extend([
        json!({"identifier": "svc-web", "blueprint": "service", "$datasource": GITOPS_DATASOURCE, "updatedAt": earlier}),
        json!({"identifier": "svc-gone", "blueprint": "service", "$datasource": GITOPS_DATASOURCE, "updatedAt": earlier}),
    ]);
    synced
}

fn resync_with_spec_path(synced: &common::Synced) -> Resync {
    Resync::new(
        mapping("default-mapping.yaml", "specPath: port.yml\n"),
        vec![ado_client(&synced.ado, "fabrikam")],
    )
    .expect("loads")
}

#[tokio::test]
async fn a_resync_with_a_spec_path_writes_as_gitops_and_deletes_undeclared_gitops_entities() {
    let synced = synced_with_gitops_entities().await;
    serve(
        &synced.ado,
        "/port.yml",
        "main",
        Some("identifier: svc-web\nblueprint: service\nproperties: {readme: file://README.md}\n"),
    )
    .await;
    serve(&synced.ado, "/README.md", NEW, Some("# Web\n")).await;
    let report = resync_with_spec_path(&synced).run(&synced.sink).await;

    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
    assert_eq!(
        synced.state.gitops_upserted(),
        [
            json!({"identifier": "svc-web", "blueprint": "service", "properties": {"readme": "# Web\n"}})
        ]
    );
    // Only the GitOps entity no spec file declares is deleted: the exporter's entities,
    // which no spec file declares either, are not the GitOps side's.
    assert_eq!(synced.state.deleted(), pairs(&[("service", "svc-gone")]));
    assert_eq!(report.reconciliation.status, ReconcileStatus::Done);
    assert_eq!(report.reconciliation.deleted, 0);
    let gitops = report
        .gitops_reconciliation
        .as_ref()
        .expect("GitOps reconciled");
    assert_eq!((gitops.status, gitops.deleted), (ReconcileStatus::Done, 1));
    let kind = report.kinds.last().expect("a gitops report");
    assert_eq!(
        (kind.kind.as_str(), kind.resource_index, kind.status),
        ("gitops", 13, KindStatus::Succeeded)
    );
    assert_eq!(
        (
            kind.counts.fetched,
            kind.counts.selected,
            kind.counts.upserted,
            kind.counts.deleted
        ),
        (1, 1, 1, 1)
    );
    // The disabled repository is not read.
    let requests = synced.ado.received_requests().await.expect("recorded");
    assert!(
        !requests
            .iter()
            .any(|r| r.url.path().contains("/r-old/items"))
    );
}

#[tokio::test]
async fn an_invalid_spec_file_fails_the_resync_and_nothing_is_deleted() {
    let synced = synced_with_gitops_entities().await;
    serve(
        &synced.ado,
        "/port.yml",
        "main",
        Some("- identifier: svc-web\n  blueprint: service\n- identifier: svc-new\n"),
    )
    .await;
    let report = resync_with_spec_path(&synced).run(&synced.sink).await;

    assert_eq!(report.status, ResyncOutcome::Failed);
    assert_eq!(
        report.failure().as_deref(),
        Some(
            "the resync failed, nothing was deleted: gitops (fabrikam): /port.yml in repository web at branch main: entity [1]: has no `blueprint`"
        )
    );
    // The valid entity is still written.
    assert_eq!(synced.state.gitops_upserted().len(), 1);
    assert!(synced.state.deleted().is_empty());
    assert_eq!(
        report.gitops_reconciliation.map(|r| r.status),
        Some(ReconcileStatus::Skipped)
    );
}

#[tokio::test]
async fn a_resync_without_a_spec_path_reads_no_spec_file_and_an_incremental_one_neither() {
    let synced = synced_sample_org().await;
    assert!(synced.first.gitops_reconciliation.is_none());
    assert!(synced.first.kinds.iter().all(|k| k.kind != "gitops"));
    assert_eq!(spec_reads(&synced.ado).await, 0);

    let incremental =
        resync_with_spec_path(&synced).incremental(Arc::new(MemoryCursors::default()));
    let report = incremental.run(&synced.sink).await;
    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
    assert!(report.gitops_reconciliation.is_none());
    assert_eq!(spec_reads(&synced.ado).await, 0);
}
