//! Peak memory and speed of a 100,000-entity resync: one project, 100 repositories of
//! 1,000 pull requests each, served on loopback, mapped with the default mapping's
//! pull-request resource and written to a sink that keeps nothing.
//!
//! `cargo bench -p ado-port-sync --bench resync_memory` prints the entities per second and
//! the peak resident set size of the resync's process; the stand-in Azure DevOps runs in a
//! child process (this program with `--serve`), so it is not counted.

use ado_client::{AdoClient, ApiProfile, Credential, Organization};
use ado_port_sync::{EntitySink, Resync, SinkError, WriteOptions, WriteOutcome};
use mapping_engine::{Entity, Mapping, Options};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

// Shared with `resync_throughput`, which alone asks its stand-ins for counts between runs.
#[allow(dead_code)]
#[path = "support/mod.rs"]
mod support;
use support::{StandIn, rss_mib};

const REPOSITORIES: usize = 100;
const PULL_REQUESTS: usize = 1_000;

/// Pull requests of a repository, served page by page from `$top` and `$skip`.
struct PullRequests;

impl Respond for PullRequests {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = |name: &str| {
            request
                .url
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let top: usize = query("$top").and_then(|t| t.parse().ok()).unwrap_or(100);
        let skip: usize = query("$skip").and_then(|s| s.parse().ok()).unwrap_or(0);
        let repo = query("searchCriteria.repositoryId").unwrap_or_default();
        let active = query("searchCriteria.status").as_deref() == Some("active");
        let count = if active {
            PULL_REQUESTS.saturating_sub(skip).min(top)
        } else {
            0
        };
        let value: Vec<Value> = (skip..skip + count)
            .map(|i| {
                json!({
                    "pullRequestId": i, "status": "active", "title": format!("Change {i}"),
                    "creationDate": "2024-05-01T10:00:00.1234567Z",
                    "repository": {"id": repo, "name": repo},
                    "createdBy": {"id": "c0ffee", "displayName": "Jamal Hartnett", "uniqueName": "jamal@fabrikam.com"},
                    "reviewers": [{"id": "r1", "uniqueName": "chuck@fabrikam.com", "vote": 10}],
                    "sourceRefName": "refs/heads/feature", "targetRefName": "refs/heads/main",
                    "description": "x".repeat(400)
                })
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"count": value.len(), "value": value}))
    }
}

/// Counts what it is given and keeps nothing.
#[derive(Default)]
struct Discard(AtomicUsize);

#[async_trait::async_trait]
impl EntitySink for Discard {
    async fn write(
        &self,
        entities: &[Entity],
        _: &WriteOptions,
    ) -> Result<Vec<WriteOutcome>, SinkError> {
        self.0.fetch_add(entities.len(), Ordering::Relaxed);
        Ok(entities
            .iter()
            .map(|_| WriteOutcome::Written { identifier: None })
            .collect())
    }
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--serve") {
        return serve().await;
    }
    let mut stand_in = StandIn::start(&["--serve".to_owned()]);
    let uri = stand_in.read_line();
    run(&uri).await;
    stand_in.finish();
}

/// Serves the organization until standard input closes.
async fn serve() {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    Mock::given(method("GET"))
        .and(path("/bench/_apis/projects"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"count": 1, "value": [
                {"id": "p1", "name": "Bench", "state": "wellFormed"}
            ]})),
        )
        .mount(&server)
        .await;
    let repositories: Vec<Value> = (0..REPOSITORIES)
        .map(|i| json!({"id": format!("r{i}"), "name": format!("repo-{i}"), "defaultBranch": "refs/heads/main",
                        "project": {"id": "p1", "name": "Bench", "state": "wellFormed"}}))
        .collect();
    Mock::given(method("GET"))
        .and(path("/bench/p1/_apis/git/repositories"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"count": REPOSITORIES, "value": repositories})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/bench/p1/_apis/git/pullrequests$"))
        .respond_with(PullRequests)
        .mount(&server)
        .await;

    println!("{}", server.uri());
    // Serves until the measuring process is done; it asks nothing.
    support::answer_until_closed(|_| String::new()).await;
}

/// Resyncs the organization at `uri` and prints the figures.
async fn run(uri: &str) {
    let yaml = include_str!("../../mappings/default-mapping.yaml");
    let full = Mapping::from_yaml(yaml, Options::default()).expect("default mapping");
    let keep: Vec<usize> = full
        .resources
        .iter()
        .filter(|r| r.kind == "pull-request")
        .map(|r| r.index)
        .collect();
    let text: String = {
        let value: Value = serde_saphyr::from_str(yaml).expect("yaml");
        let resources: Vec<Value> = keep
            .iter()
            .map(|i| value["resources"][*i].clone())
            .collect();
        serde_json::to_string(&json!({"resources": resources})).expect("json")
    };
    let mapping = Mapping::from_yaml(&text, Options::default()).expect("pull-request mapping");
    let organization = Organization::parse(&format!("{uri}/bench")).expect("url");
    let client = AdoClient::builder(organization, Credential::pat("bench"))
        .api_profile(ApiProfile::Cloud)
        .build()
        .expect("client");
    let resync = Resync::new(mapping, vec![client]).expect("resync");
    let sink = Discard::default();
    let before = rss_mib("VmRSS:");
    let start = Instant::now();
    let report = resync.run(&sink).await;
    let seconds = start.elapsed().as_secs_f64();
    let written = sink.0.load(Ordering::Relaxed);
    assert_eq!(written, REPOSITORIES * PULL_REQUESTS, "{report:#?}");
    println!(
        "{written} entities in {seconds:.1} s ({:.0}/s); resident before the resync {before:.1} MiB, \
         peak {:.1} MiB (the stand-in server runs apart)",
        written as f64 / seconds,
        rss_mib("VmHWM:")
    );
}
