//! `ado-port listen` driven over HTTP: the secret requirement, validation without side
//! effects, the event queue, health, readiness and metrics, scheduled resyncs, and stopping.

mod common;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{body_partial_json, method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const MAPPING: &str = "resources:\n  - kind: pull-request\n    selector:\n      query: '.status == \"active\"'\n    port:\n      entity:\n        mappings:\n          identifier: .pullRequestId | tostring\n          title: .title\n          blueprint: '\"pr\"'\n          properties:\n            org: .__organizationName\n";
/// "port:s3cret".
const GOOD: &str = "Basic cG9ydDpzM2NyZXQ=";
/// "port:wrong".
const BAD: &str = "Basic cG9ydDp3cm9uZw==";

/// A running `ado-port listen`: the child, its address, and the rest of its stderr.
struct Server {
    child: Child,
    address: String,
    lines: Receiver<String>,
    _dir: TempDir,
}

/// A folder removed when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `Command` for `ado-port` without the caller's `OCEAN__*` variables or `RUST_LOG`.
fn ado_port(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ado-port"));
    command.args(args).env_remove("RUST_LOG");
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("OCEAN__")) {
        command.env_remove(key);
    }
    command
}

/// The settings of a listener from `ado` (organization `fabrikam`) into `port` as `my-ado`,
/// with the webhook secret `s3cret`.
fn settings(ado: &MockServer, port: &MockServer) -> Vec<(&'static str, String)> {
    let mut env = common::port_env(ado, port);
    env.push((
        "OCEAN__INTEGRATION__CONFIG__WEBHOOK_SECRET",
        "s3cret".into(),
    ));
    env
}

/// Starts `ado-port listen` on a free port with `env` and the extra `args`, and waits until
/// it listens.
async fn listen(env: Vec<(&'static str, String)>, args: &[&str]) -> Server {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let dir = std::env::temp_dir().join(format!(
            "ado-port-listen-{}-{}",
            std::process::id(),
            unique_id()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mapping = dir.join("mapping.yaml");
        std::fs::write(&mapping, MAPPING).expect("mapping");
        let mut child = ado_port(&["listen", "--bind", "127.0.0.1:0", "--mapping"])
            .arg(&mapping)
            .args(&args)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("ado-port runs");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("ado-port printed its address")
                .expect("utf-8");
            if let Some(address) = line.strip_prefix("listening on http://") {
                break address.to_owned();
            }
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                // The receiver may be gone; the pipe must still be drained.
                let _ = sender.send(line);
            }
        });
        Server {
            child,
            address,
            lines: receiver,
            _dir: TempDir(dir),
        }
    })
    .await
    .expect("started")
}

/// A number unique within this process, for folder names.
fn unique_id() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Server {
    /// Sends `signal` and returns the exit code and the stderr lines not read yet.
    async fn stop(self, signal: &str) -> (Option<i32>, Vec<String>) {
        let Server {
            mut child, lines, ..
        } = self;
        common::send(&child, signal);
        tokio::task::spawn_blocking(move || {
            let status = common::exit_status(&mut child);
            let mut rest = Vec::new();
            loop {
                match lines.recv_timeout(Duration::from_secs(10)) {
                    Ok(line) => rest.push(line),
                    Err(RecvTimeoutError::Disconnected) => break,
                    Err(RecvTimeoutError::Timeout) => panic!("stderr stayed open"),
                }
            }
            assert!(!rest.iter().any(|l| l.contains("s3cret")), "{rest:?}");
            (status.code(), rest)
        })
        .await
        .expect("waited")
    }

    /// The first stderr line containing `needle`, within ten seconds.
    async fn line_with(&self, needle: &'static str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let timeout = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(timeout)
                .unwrap_or_else(|e| panic!("no line with `{needle}`: {e}"));
            assert!(!line.contains("s3cret"), "{line}");
            if line.contains(needle) {
                return line;
            }
        }
    }
}

/// Sends one raw HTTP/1.1 request on a new connection; returns the status and the body.
async fn send(address: &str, request: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    parse_response(&response)
}

fn parse_response(response: &str) -> (u16, String) {
    let status = response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// POSTs `body` to `route` with `authorization`.
async fn post(
    address: &str,
    route: &str,
    authorization: Option<&str>,
    body: &str,
) -> (u16, String) {
    let auth = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST {route} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    send(address, &request).await
}

async fn get(address: &str, route: &str) -> (u16, String) {
    let request = format!("GET {route} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    send(address, &request).await
}

/// Polls `route` until its body contains `needle`, for at most ten seconds.
async fn wait_for(address: &str, route: &str, needle: &str) -> (u16, String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = get(address, route).await;
        if body.contains(needle) {
            return (status, body);
        }
        assert!(
            Instant::now() < deadline,
            "{route} never held {needle}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A `git.pullrequest.updated` event of pull request `id`.
fn pull_request_event(id: u64) -> String {
    json!({
        "eventType": "git.pullrequest.updated",
        "publisherId": "tfs",
        "resource": {"pullRequestId": id, "repository": {"id": "r1", "project": {"id": "p1"}}},
    })
    .to_string()
}

/// Answers `GET .../pullrequests/{id}` with an active pull request titled `PR {id}`.
struct PullRequests;

impl Respond for PullRequests {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let id: u64 = request
            .url
            .path()
            .rsplit('/')
            .next()
            .and_then(|id| id.parse().ok())
            .unwrap_or_default();
        ResponseTemplate::new(200).set_body_json(
            json!({"pullRequestId": id, "status": "active", "title": format!("PR {id}")}),
        )
    }
}

/// Answers a bulk upsert with every entity created.
struct Upserts;

impl Respond for Upserts {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let entities: Vec<Value> = body["entities"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(index, e)| json!({"identifier": e["identifier"], "index": index, "created": true}))
            .collect();
        ResponseTemplate::new(200)
            .set_body_json(json!({"ok": true, "errors": [], "entities": entities}))
    }
}

/// Azure DevOps with one project and no repository to list, and any pull request readable;
/// the project listing answers after `delay`.
async fn ado_stand_in(delay: Duration) -> MockServer {
    let ado = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/projects"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"count": 1, "value": [
                    {"id": "p1", "name": "One", "state": "wellFormed"}
                ]}))
                .set_delay(delay),
        )
        .mount(&ado)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/fabrikam/[^/]+/_apis/git/repositories$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 0, "value": []})))
        .mount(&ado)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/fabrikam/_apis/git/pullrequests/\d+$"))
        .respond_with(PullRequests)
        .mount(&ado)
        .await;
    ado
}

/// Port knowing the integration `my-ado`, holding no entities, accepting resync states and
/// upserts.
async fn port_stand_in() -> MockServer {
    let port = MockServer::start().await;
    common::port_token(&port, 200).await;
    Mock::given(method("GET"))
        .and(path("/v1/integration/my-ado"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": true, "integration": {"config": {}}})),
        )
        .mount(&port)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/integration/my-ado/resync-state"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&port)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/entities/datasource-entities"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": true, "next": null, "entities": []})),
        )
        .mount(&port)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/pr/entities/bulk"))
        .respond_with(Upserts)
        .mount(&port)
        .await;
    port
}

/// The identifiers Port received in bulk upserts, in order.
async fn upserted(port: &MockServer) -> Vec<String> {
    let mut identifiers = Vec::new();
    for request in port.received_requests().await.unwrap_or_default() {
        if request.url.path().ends_with("/entities/bulk") {
            let body: Value = serde_json::from_slice(&request.body).expect("JSON body");
            for entity in body["entities"].as_array().into_iter().flatten() {
                identifiers.push(entity["identifier"].as_str().unwrap_or_default().to_owned());
            }
        }
    }
    identifiers
}

/// Whether Port received any write (upsert or delete).
async fn any_write(port: &MockServer) -> bool {
    port.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .any(|r| r.url.path().contains("/entities/bulk") || r.url.path().contains("delete"))
}

/// Waits until Port received `count` resync states, for at most ten seconds.
async fn wait_for_states(port: &MockServer, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let states = common::states(port).await;
        if states.len() >= count {
            return states;
        }
        assert!(Instant::now() < deadline, "only {states:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[test]
fn listen_refuses_to_start_without_a_webhook_secret() {
    let out = ado_port(&["listen", "--bind", "127.0.0.1:0"])
        .env(
            "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL",
            "https://dev.azure.com/x",
        )
        .env("OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN", "pat")
        .output()
        .expect("ado-port runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("OCEAN__INTEGRATION__CONFIG__WEBHOOK_SECRET")
            && stderr.contains("--insecure-no-webhook-secret"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[tokio::test]
async fn listen_starts_without_a_secret_when_told_and_accepts_calls_without_credentials() {
    let (ado, port) = (ado_stand_in(Duration::ZERO).await, port_stand_in().await);
    let mut env = settings(&ado, &port);
    env.retain(|(k, _)| *k != "OCEAN__INTEGRATION__CONFIG__WEBHOOK_SECRET");
    let server = listen(env, &["--insecure-no-webhook-secret"]).await;
    let (status, body) = post(&server.address, "/webhook", None, &pull_request_event(1)).await;
    assert_eq!(status, 202, "{body}");
    let (code, _) = server.stop("-TERM").await;
    assert_eq!(code, Some(143));
    assert_eq!(upserted(&port).await, ["1"]);
}

#[test]
fn listen_without_port_credentials_refuses_to_start() {
    let out = ado_port(&["listen", "--bind", "127.0.0.1:0"])
        .env(
            "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL",
            "https://dev.azure.com/x",
        )
        .env("OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN", "pat")
        .env("OCEAN__INTEGRATION__CONFIG__WEBHOOK_SECRET", "s3cret")
        .output()
        .expect("ado-port runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no Port credentials"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[tokio::test]
async fn invalid_calls_are_refused_before_anything_is_read_or_written() {
    let (ado, port) = (ado_stand_in(Duration::ZERO).await, port_stand_in().await);
    let server = listen(settings(&ado, &port), &[]).await;
    let address = server.address.as_str();
    let event = pull_request_event(7);

    let (status, _) = post(address, "/integration/webhook", None, &event).await;
    assert_eq!(status, 401, "no credentials");
    let (status, _) = post(address, "/integration/webhook", Some(BAD), &event).await;
    assert_eq!(status, 401, "wrong secret");
    let (status, body) = post(address, "/webhook", Some(GOOD), "{not json").await;
    assert_eq!(
        (status, body.contains("invalid JSON")),
        (400, true),
        "{body}"
    );
    let (status, body) = post(
        address,
        "/webhook",
        Some(GOOD),
        r#"{"eventType": "git.push"}"#,
    )
    .await;
    assert_eq!(
        (status, body.contains("publisherId")),
        (400, true),
        "{body}"
    );
    let (status, _) = post(address, "/elsewhere", Some(GOOD), &event).await;
    assert_eq!(status, 404);
    let (status, _) = get(address, "/webhook").await;
    assert_eq!(status, 405);

    // Only the headers: the answer comes without the body ever being sent.
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let headers = format!(
        "POST /webhook HTTP/1.1\r\nHost: {address}\r\nAuthorization: {GOOD}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        5 * 1024 * 1024
    );
    stream.write_all(headers.as_bytes()).await.expect("write");
    let mut response = vec![0; 1024];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut response))
        .await
        .expect("answered before the body was sent")
        .expect("read");
    let (status, body) = parse_response(&String::from_utf8_lossy(&response[..read]));
    assert_eq!(status, 413, "{body}");

    let (code, _) = server.stop("-TERM").await;
    assert_eq!(code, Some(143));
    assert!(!any_write(&port).await, "Port received a write");
    let read_items = ado
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path().contains("/pullrequests/"))
        .count();
    assert_eq!(read_items, 0, "Azure DevOps was asked for an item");
}

#[tokio::test]
async fn a_burst_of_events_is_applied_completely_and_counted() {
    use futures::StreamExt as _;
    let (ado, port) = (ado_stand_in(Duration::ZERO).await, port_stand_in().await);
    let server = listen(settings(&ado, &port), &[]).await;
    let address = server.address.clone();
    let statuses: Vec<u16> = futures::stream::iter(1..=300)
        .map(|id| {
            let address = address.clone();
            async move {
                post(
                    &address,
                    "/integration/webhook",
                    Some(GOOD),
                    &pull_request_event(id),
                )
                .await
                .0
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 202), "{statuses:?}");
    let (_, metrics) = wait_for(
        &address,
        "/metrics",
        "ado_port_events_applied_total{event_type=\"git.pullrequest.updated\"} 300\n",
    )
    .await;
    for line in [
        "ado_port_events_received_total{event_type=\"git.pullrequest.updated\"} 300",
        "ado_port_events_failed_total{event_type=\"git.pullrequest.updated\"} 0",
        "ado_port_http_requests_total{route=\"webhook\",status=\"202\"} 300",
        "ado_port_queue_depth 0",
        "ado_port_queue_capacity 1000",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }
    let mut identifiers = upserted(&port).await;
    identifiers.sort_by_key(|id| id.parse::<u64>().unwrap_or_default());
    let expected: Vec<String> = (1..=300).map(|id| id.to_string()).collect();
    assert_eq!(identifiers, expected);
    let (code, _) = server.stop("-TERM").await;
    assert_eq!(code, Some(143));
}

#[tokio::test]
async fn a_full_queue_answers_503_with_retry_after() {
    use futures::StreamExt as _;
    let ado = ado_stand_in(Duration::ZERO).await;
    // Every event stays in the queue: its item is never read.
    Mock::given(method("GET"))
        .and(path_regex(r"^/fabrikam/_apis/git/pullrequests/\d+$"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60)))
        .with_priority(1)
        .mount(&ado)
        .await;
    let port = port_stand_in().await;
    let mut server = listen(settings(&ado, &port), &[]).await;
    let address = server.address.clone();
    let accepted = futures::stream::iter(1..=1000)
        .map(|id| {
            let address = address.clone();
            async move {
                let event = pull_request_event(id);
                post(&address, "/webhook", Some(GOOD), &event).await.0
            }
        })
        .buffer_unordered(32)
        .filter(|status| std::future::ready(*status == 202))
        .count()
        .await;
    assert_eq!(accepted, 1000);
    let request = format!(
        "POST /webhook HTTP/1.1\r\nHost: {address}\r\nAuthorization: {GOOD}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        pull_request_event(1001).len(),
        pull_request_event(1001)
    );
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    assert!(response.starts_with("HTTP/1.1 503"), "{response}");
    assert!(
        response
            .to_ascii_lowercase()
            .contains("\r\nretry-after: 30\r\n"),
        "{response}"
    );
    let (_, metrics) = get(&address, "/metrics").await;
    assert!(
        metrics.lines().any(|l| l == "ado_port_queue_depth 1000"),
        "{metrics}"
    );
    // Draining would wait for Azure DevOps: end it the hard way.
    server.child.kill().expect("killed");
    server.child.wait().expect("reaped");
}

#[tokio::test]
async fn health_readiness_and_the_resync_at_start_are_reported() {
    let (ado, port) = (ado_stand_in(Duration::ZERO).await, port_stand_in().await);
    let server = listen(settings(&ado, &port), &[]).await;
    let address = server.address.as_str();
    assert_eq!(get(address, "/healthz").await.0, 200);
    let (_, metrics) = wait_for(address, "/metrics", "ado_port_resyncs_total{").await;
    for line in [
        "ado_port_resyncs_total{status=\"completed\"} 1",
        "ado_port_last_resync_status{status=\"completed\"} 1",
        "ado_port_last_resync_organization_failed_kinds{organization=\"fabrikam\"} 0",
        "ado_port_last_resync_organization_status{organization=\"fabrikam\",status=\"completed\"} 1",
        "ado_port_resync_running 0",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }
    // Both stand-ins are on 127.0.0.1: what Azure DevOps and Port received, with no retry.
    let received = ado.received_requests().await.unwrap_or_default().len()
        + port.received_requests().await.unwrap_or_default().len();
    let sent = |name: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}{{host=\"127.0.0.1\"}} ")))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let requests = sent("ado_port_upstream_requests_total").expect("counted");
    assert!(
        requests > 0 && requests <= received,
        "{requests} of {received}"
    );
    assert_eq!(sent("ado_port_upstream_retries_total"), Some(0));
    let (status, body) = get(address, "/readyz").await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ready"}"#));
    assert_eq!(common::states(&port).await, ["running", "completed"]);
    let (code, _) = server.stop("-INT").await;
    assert_eq!(code, Some(130));
}

#[tokio::test]
async fn refused_port_credentials_make_the_server_unready() {
    let (ado, port) = (ado_stand_in(Duration::ZERO).await, port_stand_in().await);
    let server = listen(settings(&ado, &port), &[]).await;
    wait_for_states(&port, 2).await;
    // Port knew the integration at start; now it refuses the credentials.
    Mock::given(method("GET"))
        .and(path("/v1/integration/my-ado"))
        .respond_with(ResponseTemplate::new(403).set_body_json(
            json!({"ok": false, "error": "forbidden", "message": "credentials revoked"}),
        ))
        .with_priority(1)
        .mount(&port)
        .await;
    let (status, body) = get(&server.address, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("credentials revoked"), "{body}");
    assert_eq!(get(&server.address, "/healthz").await.0, 200);
    let (code, _) = server.stop("-TERM").await;
    assert_eq!(code, Some(143));
}

#[tokio::test]
async fn a_failed_resync_makes_the_server_unready_but_not_stop() {
    let ado = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/projects"))
        .respond_with(ResponseTemplate::new(403))
        .mount(&ado)
        .await;
    let port = port_stand_in().await;
    let server = listen(settings(&ado, &port), &[]).await;
    let (status, body) = wait_for(&server.address, "/readyz", "not ready").await;
    assert_eq!(status, 503);
    let reason: Value = serde_json::from_str(&body).expect("JSON");
    assert!(
        reason["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("the last resync failed: ")),
        "{body}"
    );
    assert_eq!(get(&server.address, "/healthz").await.0, 200);
    assert_eq!(common::states(&port).await, ["running", "failed"]);
    let (code, _) = server.stop("-TERM").await;
    assert_eq!(code, Some(143));
}

#[tokio::test]
async fn scheduled_resyncs_never_overlap() {
    // Each resync takes longer than the interval (0.3 s).
    let (ado, port) = (
        ado_stand_in(Duration::from_millis(500)).await,
        port_stand_in().await,
    );
    let mut env = settings(&ado, &port);
    env.push(("OCEAN__SCHEDULED_RESYNC_INTERVAL", "0.005".into()));
    let server = listen(env, &[]).await;
    wait_for_states(&port, 6).await;
    let (code, _) = server.stop("-TERM").await;
    assert_eq!(code, Some(143));
    let states = common::states(&port).await;
    for (position, pair) in states.chunks(2).enumerate() {
        assert_eq!(pair[0], "running", "resync {position} of {states:?}");
        assert!(
            pair.get(1)
                .is_none_or(|s| s == "completed" || s == "failed"),
            "resync {position} of {states:?}"
        );
    }
    assert!(states.len() % 2 == 0, "{states:?}");
}

#[tokio::test]
async fn incremental_resyncs_run_between_full_ones() {
    let (ado, port) = (ado_stand_in(Duration::ZERO).await, port_stand_in().await);
    let mut env = settings(&ado, &port);
    env.push(("OCEAN__INCREMENTAL_RESYNC_INTERVAL", "0.005".into()));
    let server = listen(env, &[]).await;
    server.line_with("resync completed").await;
    let line = server.line_with("incremental resync completed").await;
    assert!(
        line.starts_with("incremental resync completed in"),
        "{line}"
    );
    // Each resync, full or incremental, reports its state to Port.
    let states = wait_for_states(&port, 4).await;
    assert_eq!(
        states[..4],
        ["running", "completed", "running", "completed"]
    );
    let (code, _) = server.stop("-TERM").await;
    assert_eq!(code, Some(143));
}

#[tokio::test]
async fn a_resync_port_asks_for_runs_once() {
    let (ado, port) = (ado_stand_in(Duration::ZERO).await, port_stand_in().await);
    let asked = |at: &str| {
        Mock::given(method("GET"))
            .and(path("/v1/integration/my-ado/resync-request"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"ok": true, "request": {"updatedAt": at}})),
            )
    };
    // Asked before the service started: the resync at start answers it.
    asked("2026-01-01T00:00:00Z")
        .with_priority(2)
        .mount(&port)
        .await;
    let mut env = settings(&ado, &port);
    env.push(("OCEAN__EVENT_LISTENER__INTERVAL", "0.1".into()));
    let server = listen(env, &[]).await;
    wait_for_states(&port, 2).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        common::states(&port).await.len(),
        2,
        "no resync was asked for"
    );
    asked("2026-01-01T00:05:00Z")
        .with_priority(1)
        .mount(&port)
        .await;
    server.line_with("Port asked for a resync").await;
    let states = wait_for_states(&port, 4).await;
    assert_eq!(states[2..4], ["running", "completed"]);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        common::states(&port).await.len(),
        4,
        "asked once, resynced once"
    );
    let (code, _) = server.stop("-TERM").await;
    assert_eq!(code, Some(143));
}

#[tokio::test]
async fn sigterm_during_a_resync_exits_143_with_the_resync_failed_in_port() {
    let (ado, port) = (
        ado_stand_in(Duration::from_secs(60)).await,
        port_stand_in().await,
    );
    let server = listen(settings(&ado, &port), &[]).await;
    wait_for_states(&port, 1).await;
    let (code, stderr) = server.stop("-TERM").await;
    assert_eq!(code, Some(143), "{stderr:?}");
    assert_eq!(
        common::states(&port).await,
        ["running", "failed"],
        "{stderr:?}"
    );
}

#[tokio::test]
async fn sigterm_lets_the_queued_events_be_applied() {
    let ado = ado_stand_in(Duration::ZERO).await;
    // Slow enough that the stop signal arrives while the event is being handled.
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/git/pullrequests/7"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(
                    json!({"pullRequestId": 7, "status": "active", "title": "Add README"}),
                )
                .set_delay(Duration::from_millis(500)),
        )
        .with_priority(1)
        .mount(&ado)
        .await;
    let port = port_stand_in().await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/pr/entities/bulk"))
        .and(body_partial_json(json!({"entities": [
            {"identifier": "7", "title": "Add README", "properties": {"org": "fabrikam"}}
        ]})))
        .respond_with(Upserts)
        .expect(1)
        .with_priority(1)
        .mount(&port)
        .await;
    let server = listen(settings(&ado, &port), &[]).await;
    let (status, body) = post(
        &server.address,
        "/webhook",
        Some(GOOD),
        &pull_request_event(7),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let (code, stderr) = server.stop("-TERM").await;
    assert_eq!(code, Some(143), "{stderr:?}");
    port.verify().await;
}

#[tokio::test]
async fn sigint_closes_idle_connections_at_once() {
    let (ado, port) = (ado_stand_in(Duration::ZERO).await, port_stand_in().await);
    let server = listen(settings(&ado, &port), &[]).await;
    let mut stream = tokio::net::TcpStream::connect(&server.address)
        .await
        .expect("connect");
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", server.address);
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    while !response.ends_with(b"}") {
        let mut chunk = [0; 512];
        let read = stream.read(&mut chunk).await.expect("read");
        assert!(read > 0, "closed early");
        response.extend_from_slice(&chunk[..read]);
    }
    // And one that never sent anything.
    let mut silent = tokio::net::TcpStream::connect(&server.address)
        .await
        .expect("connect");
    let (code, stderr) = server.stop("-INT").await;
    assert_eq!(code, Some(130), "{stderr:?}");
    // Closed, or reset when it was still waiting to be accepted.
    let mut rest = Vec::new();
    if let Err(error) = silent.read_to_end(&mut rest).await {
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset, "{error}");
    }
    assert!(
        !stderr.iter().any(|l| l.contains("still open")),
        "{stderr:?}"
    );
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.expect("closed");
}

/// Starts `ado-port listen` with `APP_HOST` against `ado` (one cloud organization) and returns
/// the first stderr line about service hooks.
async fn start_with_app_host(ado: &MockServer, projects_limited: bool) -> String {
    let port = port_stand_in().await;
    let mut env = settings(ado, &port);
    env.push((
        "OCEAN__INTEGRATION__CONFIG__APP_HOST",
        "https://port.example/".into(),
    ));
    env.push((
        "OCEAN__INTEGRATION__CONFIG__IS_PROJECTS_LIMITED",
        projects_limited.to_string(),
    ));
    let server = listen(env, &[]).await;
    let line = server.line_with("service hooks").await;
    let (code, _) = server.stop("-TERM").await;
    assert_eq!(code, Some(143));
    line
}

#[tokio::test]
async fn listen_with_app_host_creates_the_missing_service_hooks() {
    let ado = ado_stand_in(Duration::ZERO).await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/hooks/subscriptions"))
        .and(query_param("publisherId", "tfs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 1, "value": [{
            "id": "existing", "publisherId": "tfs", "eventType": "git.push", "status": "enabled",
            "consumerInputs": {"url": "https://port.example/integration/webhook"}
        }]})))
        .expect(1)
        .mount(&ado)
        .await;
    for publisher in ["pipelines", "rm", "advsec"] {
        Mock::given(method("GET"))
            .and(path("/fabrikam/_apis/hooks/subscriptions"))
            .and(query_param("publisherId", publisher))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"count": 0, "value": []})),
            )
            .expect(1)
            .mount(&ado)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/fabrikam/_apis/hooks/subscriptions"))
        .and(body_partial_json(json!({"consumerInputs": {
            "url": "https://port.example/integration/webhook",
            "basicAuthUsername": "port",
            "basicAuthPassword": "s3cret",
        }})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "new", "publisherId": "tfs", "eventType": "git.push"})),
        )
        .expect(20)
        .mount(&ado)
        .await;
    let line = start_with_app_host(&ado, false).await;
    assert_eq!(
        line,
        "service hooks of fabrikam: 20 created, 1 kept, 0 disabled deleted"
    );
}

#[tokio::test]
async fn listen_creates_one_service_hook_per_project_and_event_when_projects_are_limited() {
    let ado = ado_stand_in(Duration::ZERO).await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/hooks/subscriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 0, "value": []})))
        .mount(&ado)
        .await;
    // The stand-in has one project, `p1`: every subscription is limited to it.
    Mock::given(method("POST"))
        .and(path("/fabrikam/_apis/hooks/subscriptions"))
        .and(body_partial_json(
            json!({"publisherInputs": {"projectId": "p1"}}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "new", "publisherId": "tfs", "eventType": "git.push"})),
        )
        .expect(21)
        .mount(&ado)
        .await;
    let line = start_with_app_host(&ado, true).await;
    assert_eq!(
        line,
        "service hooks of fabrikam: 21 created, 0 kept, 0 disabled deleted"
    );
}

#[tokio::test]
async fn listen_reports_a_refused_credential_as_a_warning() {
    let ado = ado_stand_in(Duration::ZERO).await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/hooks/subscriptions"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&ado)
        .await;
    let line = start_with_app_host(&ado, false).await;
    assert!(line.contains("WARN"), "{line}");
    assert!(
        line.contains("service hooks of fabrikam not set up: Azure DevOps refused the credential"),
        "{line}"
    );
}
