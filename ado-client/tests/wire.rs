//! Every client method's requests on every profile, as sent: method, path, query and body,
//! compared with `tests/fixtures/wire/<profile>.txt`. Parameters carry characters that need
//! percent-encoding; every listing reads two pages.

mod common;

use ado_client::{
    AdoClient, AlertQuery, ApiProfile, BuildQuery, BuildQueryOrder, Error, NewHookSubscription,
    PullRequestQuery, PullRequestStatus, PullRequestTimeRange, RecursionLevel,
    ReleaseDefinitionQuery, ReleaseDeploymentQuery, ReleaseQuery, Result, UserEntitlementQuery,
    WorkItemExpand,
};
use common::*;
use futures::{Stream, StreamExt as _};
use jiff::Timestamp;
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

const PROJECT: &str = "My Project";
const REPOSITORY: &str = "repo/1";

/// Answers a first page (no continuation in the query or the body) with as many items as its
/// page size asks for (under `value` and `changes`) and a continuation token, and a later page
/// with no items.
struct TwoPages;

impl Respond for TwoPages {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let query: Vec<_> = request.url.query_pairs().into_owned().collect();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let later = body.get("continuationToken").is_some()
            || query
                .iter()
                .any(|(name, _)| ["continuationToken", "$skip", "skip"].contains(&name.as_str()));
        if later {
            return ResponseTemplate::new(200).set_body_json(list_body(&[]));
        }
        let size = query
            .iter()
            .find(|(name, _)| name == "$top" || name == "top")
            .and_then(|(_, size)| size.parse().ok())
            .or_else(|| body.get("top").and_then(Value::as_u64))
            .unwrap_or(0);
        let items = vec![json!({}); usize::try_from(size).expect("page size")];
        ResponseTemplate::new(200)
            .insert_header("x-ms-continuationtoken", "t")
            .set_body_json(json!({ "value": items, "changes": items }))
    }
}

/// Reads a stream to its end; the error saying its operation is unsupported, if any.
async fn drain<T>(mut stream: impl Stream<Item = Result<T>> + Unpin) -> Option<Error> {
    let mut unsupported = None;
    while let Some(item) = stream.next().await {
        if let Err(error @ Error::Unsupported { .. }) = item {
            unsupported = Some(error);
        }
    }
    unsupported
}

/// The error of a call, if any.
async fn done<T>(call: impl Future<Output = Result<T>>) -> Option<Error> {
    call.await.err()
}

/// The requests of each call, one line each (`name: METHOD path?query body`), or
/// `name: unsupported` when the profile lacks the call's operation.
struct Wire<'s> {
    server: &'s MockServer,
    lines: Vec<String>,
    seen: usize,
}

impl Wire<'_> {
    async fn record(&mut self, name: &str, call: impl Future<Output = Option<Error>>) {
        let error = call.await;
        if let Some(Error::Unsupported { .. }) = error {
            self.lines.push(format!("{name}: unsupported"));
        }
        let requests = self.server.received_requests().await.unwrap_or_default();
        for request in &requests[self.seen..] {
            let url = &request.url[url::Position::BeforePath..];
            let body = String::from_utf8_lossy(&request.body);
            let line = format!("{name}: {} {url} {body}", request.method);
            self.lines.push(line.trim_end().to_owned());
        }
        self.seen = requests.len();
    }
}

/// Records each `name: call;` in turn.
macro_rules! record {
    ($wire:ident, $($name:ident: $call:expr;)*) => {
        $($wire.record(stringify!($name), $call).await;)*
    };
}

fn time(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

/// The requests of every method that sends one, with arguments that set every option.
async fn wire(server: &MockServer, client: &AdoClient) -> String {
    let since = time("2026-03-01T10:00:00Z");
    let until = time("2026-03-02T10:00:00Z");
    let builds = BuildQuery::new()
        .order(BuildQueryOrder::FinishTimeDescending)
        .min_time(since)
        .max_time(until)
        .branch_name("refs/heads/main");
    let pull_requests = PullRequestQuery::new()
        .status(PullRequestStatus::All)
        .repository_id(REPOSITORY)
        .target_ref_name("refs/heads/main");
    let timed_pull_requests = pull_requests
        .clone()
        .min_time(since)
        .max_time(until)
        .time_range(PullRequestTimeRange::Closed);
    let releases = ReleaseQuery::new()
        .definition_id(4)
        .status("active")
        .tags(["prod", "eu"])
        .source_branch("refs/heads/main")
        .min_created_time(since)
        .max_created_time(until)
        .expand("artifacts");
    let definitions = ReleaseDefinitionQuery::new()
        .tags(["prod"])
        .expand("environments");
    let deployments = ReleaseDeploymentQuery::new()
        .definition_id(4)
        .definition_environment_id(7)
        .deployment_status("succeeded")
        .min_modified_time(since)
        .max_modified_time(until);
    let alerts = AlertQuery::new()
        .states(["active", "dismissed"])
        .severities(["high"])
        .alert_type("dependency");
    let hook = NewHookSubscription::web_hook(
        "rm",
        "ms.vss-release.deployment-completed-event",
        "https://h/x",
    )
    .publisher_input("projectId", "p1")
    .basic_auth("port", "secret");
    let entitlements = UserEntitlementQuery::new().select("license");
    let legacy_entitlements = UserEntitlementQuery::new().legacy_paging(true);
    let main = Some("refs/heads/main");
    let mut wire = Wire {
        server,
        lines: Vec::new(),
        seen: 0,
    };
    record! { wire,
        projects: drain(client.projects());
        project: done(client.project(PROJECT));
        project_properties: drain(client.project_properties(PROJECT, "a*"));
        project_tags: done(client.project_tags(PROJECT));
        teams: drain(client.teams());
        project_teams: drain(client.project_teams(PROJECT));
        team_members: drain(client.team_members(PROJECT, "Team A"));
        team_iterations: drain(client.team_iterations(PROJECT, "Team/A"));
        area_tree: done(client.area_tree(PROJECT, Some(2)));
        area_tree_root: done(client.area_tree(PROJECT, None));
        query_work_items: done(client.query_work_items(PROJECT, "SELECT 1", 5));
        work_item_ids: drain(client.work_item_ids(PROJECT, Some("[System.State] = 'New'")));
        work_item_ids_changed_since:
            drain(client.work_item_ids_changed_since(PROJECT, None, since));
        work_item_meets: done(client.work_item_meets(PROJECT, "[a] = 1", 9));
        work_items: drain(client.work_items(PROJECT, &[1, 2], Some(WorkItemExpand::All)));
        work_items_fields: drain(client.work_items(PROJECT, &[3], None));
        boards: drain(client.boards(PROJECT, "Team A"));
        board: done(client.board(PROJECT, "Team A", "Backlog items"));
        test_runs: drain(client.test_runs(PROJECT));
        build_test_runs: drain(client.build_test_runs(PROJECT, 42));
        test_results: drain(client.test_results(PROJECT, 7));
        build_code_coverage: drain(client.build_code_coverage(PROJECT, "42", 7));
        wikis: drain(client.wikis(PROJECT));
        wiki_pages: drain(client.wiki_pages(PROJECT, "wiki 1"));
        wiki_page: done(client.wiki_page(PROJECT, "wiki 1", 12));
        graph_users: drain(client.graph_users(Some("aad,msa")));
        graph_groups: drain(client.graph_groups());
        group_memberships: drain(client.group_memberships("vssgp.Uy0x"));
        lookup_subjects: done(client.lookup_subjects(&["aad.1".to_owned()]));
        user_entitlements: drain(client.user_entitlements(&entitlements));
        user_entitlements_legacy: drain(client.user_entitlements(&legacy_entitlements));
        repositories: drain(client.repositories(PROJECT));
        all_repositories: drain(client.all_repositories());
        repository: done(client.repository(PROJECT, REPOSITORY));
        file: done(client.file(PROJECT, REPOSITORY, "/a b.md", "refs/heads/main"));
        items: drain(client.items(PROJECT, REPOSITORY, "/src", RecursionLevel::OneLevel, "dev"));
        branches: drain(client.branches(PROJECT, REPOSITORY));
        policy_configurations: drain(client.policy_configurations(PROJECT, REPOSITORY, main));
        commit_changes: drain(client.commit_changes(PROJECT, REPOSITORY, "abc123"));
        pull_request: done(client.pull_request(11));
        pull_requests: drain(client.pull_requests(PROJECT, &pull_requests));
        pull_requests_timed: drain(client.pull_requests(PROJECT, &timed_pull_requests));
        all_pull_requests: drain(client.all_pull_requests(&pull_requests));
        builds: drain(client.builds(PROJECT, &builds));
        build: done(client.build(PROJECT, 42));
        build_timeline: drain(client.build_timeline(PROJECT, 42));
        pipelines: drain(client.pipelines(PROJECT));
        pipeline: done(client.pipeline(PROJECT, 3));
        pipeline_runs: drain(client.pipeline_runs(PROJECT, 3));
        pipeline_run: done(client.pipeline_run(PROJECT, 3, 8));
        environments: drain(client.environments(PROJECT));
        environment_deployment_records: drain(client.environment_deployment_records(PROJECT, 5));
        advanced_security_alerts:
            drain(client.advanced_security_alerts(PROJECT, REPOSITORY, &alerts));
        advanced_security_alert: done(client.advanced_security_alert(PROJECT, REPOSITORY, 77));
        releases: drain(client.releases(PROJECT, &releases));
        release: done(client.release(PROJECT, 21));
        release_definitions: drain(client.release_definitions(PROJECT, &definitions));
        release_definition: done(client.release_definition(PROJECT, 4));
        release_deployments: drain(client.release_deployments(PROJECT, &deployments));
        hook_subscriptions: drain(client.hook_subscriptions("tfs", Some("git.push")));
        hook_subscriptions_rm: drain(client.hook_subscriptions("rm", None));
        hook_subscriptions_advsec: drain(client.hook_subscriptions("advsec", None));
        create_hook_subscription: done(client.create_hook_subscription(&hook));
        delete_hook_subscription: done(client.delete_hook_subscription("advsec", "s 1"));
    }
    wire.lines.join("\n") + "\n"
}

async fn check(profile: ApiProfile) {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(TwoPages)
        .mount(&server)
        .await;
    let client = if profile == ApiProfile::Cloud {
        cloud_client(&server)
    } else {
        server_client(&server, profile)
    };
    let sent = wire(&server, &client).await;
    let path = format!(
        "{}/tests/fixtures/wire/{profile}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(sent == expected, "{path} differs; sent:\n{sent}");
}

#[tokio::test]
async fn every_profile_sends_the_pinned_requests() {
    for profile in ApiProfile::ALL {
        check(profile).await;
    }
}
