//! `ado-port listen` driven over HTTP: authentication, routes, and the upsert reaching Port.

mod common;

use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const MAPPING: &str = "resources:\n  - kind: pull-request\n    selector:\n      query: '.status == \"active\"'\n    port:\n      entity:\n        mappings:\n          identifier: .pullRequestId | tostring\n          title: .title\n          blueprint: '\"pr\"'\n          properties:\n            org: .__organizationName\n";

/// Starts `ado-port listen` on a free port; returns the child, its address, and the rest of
/// its stderr, line by line.
fn listen(mapping: &str, env: &[(&str, &str)]) -> (Child, String, Receiver<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ado-port"));
    command.args(["listen", "--bind", "127.0.0.1:0", "--mapping", mapping]);
    command.env_remove("RUST_LOG");
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("OCEAN__")) {
        command.env_remove(key);
    }
    let mut child = command
        .envs(env.iter().copied())
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
    (child, address, receiver)
}

/// The first stderr line containing `needle`, within a few seconds.
fn wait_for_line(lines: &Receiver<String>, needle: &str) -> String {
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("no line with `{needle}`: {e}"));
        assert!(!line.contains("s3cret"), "{line}");
        if line.contains(needle) {
            return line;
        }
    }
}

/// Sends one HTTP/1.1 request; returns the status and the body.
async fn post(
    address: &str,
    route: &str,
    authorization: Option<&str>,
    body: &str,
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let auth = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST {route} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let status = response[9..12].parse().expect("status code");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn listen_authenticates_upserts_and_finishes_the_call_in_flight_on_sigterm() {
    let ado = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/projects"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"count": 1, "value": [
                {"id": "p1", "name": "One", "state": "wellFormed"}
            ]})),
        )
        .mount(&ado)
        .await;
    // Slow enough that the stop signal arrives while the call is in progress.
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/git/pullrequests/7"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(
                    json!({"pullRequestId": 7, "status": "active", "title": "Add README"}),
                )
                .set_delay(Duration::from_millis(500)),
        )
        .expect(1)
        .mount(&ado)
        .await;
    let port = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/access_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"ok": true, "accessToken": "tok", "expiresIn": 3600, "tokenType": "Bearer"}),
        ))
        .mount(&port)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/pr/entities/bulk"))
        .and(body_partial_json(json!({"entities": [
            {"identifier": "7", "title": "Add README", "properties": {"org": "fabrikam"}}
        ]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"ok": true, "errors": [], "entities": [
                {"identifier": "7", "index": 0, "created": true}
            ]}),
        ))
        .expect(1)
        .mount(&port)
        .await;

    let dir = std::env::temp_dir().join(format!("ado-port-listen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mapping = dir.join("mapping.yaml");
    std::fs::write(&mapping, MAPPING).expect("mapping");
    let ado_url = format!("{}/fabrikam", ado.uri());
    let port_url = port.uri();
    let mapping_path = mapping.to_str().expect("utf-8 path").to_owned();
    let (mut child, address, _) = tokio::task::spawn_blocking(move || {
        listen(
            &mapping_path,
            &[
                ("OCEAN__PORT__CLIENT_ID", "port-id"),
                ("OCEAN__PORT__CLIENT_SECRET", "port-secret"),
                ("OCEAN__PORT__BASE_URL", &port_url),
                ("OCEAN__INTEGRATION__IDENTIFIER", "my-ado"),
                ("OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL", &ado_url),
                ("OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN", "pat"),
                ("OCEAN__INTEGRATION__CONFIG__API_PROFILE", "cloud"),
                ("OCEAN__INTEGRATION__CONFIG__WEBHOOK_SECRET", "s3cret"),
            ],
        )
    })
    .await
    .expect("started");
    let event = json!({
        "eventType": "git.pullrequest.updated",
        "publisherId": "tfs",
        "resource": {"pullRequestId": 7, "repository": {"id": "r1", "project": {"id": "p1"}}},
    })
    .to_string();
    // "port:s3cret" and "port:wrong".
    let good = "Basic cG9ydDpzM2NyZXQ=";
    let bad = "Basic cG9ydDp3cm9uZw==";

    let (status, _) = post(&address, "/integration/webhook", None, &event).await;
    assert_eq!(status, 401, "no credentials");
    let (status, _) = post(&address, "/integration/webhook", Some(bad), &event).await;
    assert_eq!(status, 401, "wrong secret");
    let (status, body) = post(&address, "/webhook", Some(good), "{not json").await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = post(
        &address,
        "/webhook",
        Some(good),
        r#"{"eventType": "git.push"}"#,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = post(&address, "/elsewhere", Some(good), &event).await;
    assert_eq!(status, 404);
    let in_flight = {
        let address = address.clone();
        tokio::spawn(
            async move { post(&address, "/integration/webhook", Some(good), &event).await },
        )
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !ado
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .any(|r| r.url.path().ends_with("/pullrequests/7"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the event was not handled"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    common::send(&child, "-TERM");
    let (status, body) = in_flight.await.expect("the call in flight finishes");
    assert_eq!(status, 200, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).expect("a JSON report");
    assert_eq!(
        report["upserted"],
        json!([{"blueprint": "pr", "identifier": "7"}])
    );
    assert!(!body.contains("s3cret") && !body.contains("pat"));
    let exit = tokio::task::spawn_blocking(move || common::exit_status(&mut child))
        .await
        .expect("waited");
    assert_eq!(exit.code(), Some(143));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn listen_without_port_credentials_refuses_to_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_ado-port"))
        .args(["listen", "--bind", "127.0.0.1:0"])
        .env(
            "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL",
            "https://dev.azure.com/x",
        )
        .env("OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN", "pat")
        .env_remove("OCEAN__PORT__CLIENT_ID")
        .env_remove("OCEAN__PORT__CLIENT_SECRET")
        .output()
        .expect("ado-port runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no Port credentials"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// Starts `ado-port listen` with `APP_HOST` against `ado` (one cloud organization) and returns
/// the first stderr line about service hooks.
async fn start_with_app_host(ado: &MockServer, name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("ado-port-hooks-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mapping = dir.join("mapping.yaml");
    std::fs::write(&mapping, MAPPING).expect("mapping");
    let ado_url = format!("{}/fabrikam", ado.uri());
    let mapping_path = mapping.to_str().expect("utf-8 path").to_owned();
    let (mut child, _, lines) = tokio::task::spawn_blocking(move || {
        listen(
            &mapping_path,
            &[
                ("OCEAN__PORT__CLIENT_ID", "port-id"),
                ("OCEAN__PORT__CLIENT_SECRET", "port-secret"),
                ("OCEAN__PORT__BASE_URL", "http://127.0.0.1:9"),
                ("OCEAN__INTEGRATION__IDENTIFIER", "my-ado"),
                ("OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL", &ado_url),
                ("OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN", "pat"),
                ("OCEAN__INTEGRATION__CONFIG__API_PROFILE", "cloud"),
                ("OCEAN__INTEGRATION__CONFIG__WEBHOOK_SECRET", "s3cret"),
                (
                    "OCEAN__INTEGRATION__CONFIG__APP_HOST",
                    "https://port.example/",
                ),
            ],
        )
    })
    .await
    .expect("started");
    let line = tokio::task::spawn_blocking(move || wait_for_line(&lines, "service hooks"))
        .await
        .expect("stderr read");
    child.kill().expect("stop the server");
    child.wait().expect("reaped");
    let _ = std::fs::remove_dir_all(&dir);
    line
}

#[tokio::test]
async fn listen_with_app_host_creates_the_missing_service_hooks() {
    let ado = MockServer::start().await;
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
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/hooks/subscriptions"))
        .and(query_param("publisherId", "pipelines"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 0, "value": []})))
        .expect(1)
        .mount(&ado)
        .await;
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
        .expect(10)
        .mount(&ado)
        .await;
    let line = start_with_app_host(&ado, "create").await;
    assert_eq!(
        line,
        "service hooks of fabrikam: 10 created, 1 kept, 0 disabled deleted"
    );
}

#[tokio::test]
async fn listen_reports_a_refused_credential_as_a_warning() {
    let ado = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/hooks/subscriptions"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&ado)
        .await;
    let line = start_with_app_host(&ado, "refused").await;
    assert!(line.contains("WARN"), "{line}");
    assert!(
        line.contains("service hooks of fabrikam not set up: Azure DevOps refused the credential"),
        "{line}"
    );
}
