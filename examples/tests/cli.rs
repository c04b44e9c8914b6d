//! The `ado-port` binary driven as users and the contract drive it.

mod common;
#[path = "../../mapping-engine/tests/common/same.rs"]
mod same;

use common::send;
use same::same;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// `ado-port` with these arguments and only these `OCEAN__*` variables, in a temporary
/// working directory (where `sync --incremental` keeps `ado-port-state.json`).
fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ado-port"));
    command
        .args(args)
        .env_remove("RUST_LOG")
        .current_dir(work_dir());
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("OCEAN__")) {
        command.env_remove(key);
    }
    command.envs(env.iter().copied());
    command
}

fn ado_port(args: &[&str], env: &[(&str, &str)]) -> Output {
    command(args, env).output().expect("ado-port runs")
}

fn engine_data(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../mapping-engine/tests/data")
        .join(file)
}

fn lines(text: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(text)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON entity per line"))
        .collect()
}

fn work_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ado-port-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn temp(name: &str) -> PathBuf {
    work_dir().join(name)
}

#[test]
fn map_prints_the_entities_jq_computes() {
    let mapping = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mappings/default-mapping.yaml");
    let expected_dir = engine_data("expected/default-mapping");
    let mut kinds: Vec<String> = std::fs::read_dir(&expected_dir)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".ndjson")
                .to_owned()
        })
        .collect();
    kinds.sort();
    assert_eq!(kinds.len(), 12, "every kind of the default mapping");
    for kind in &kinds {
        let items = engine_data(&format!("items/{kind}.json"));
        let out = ado_port(
            &[
                "map",
                "--mapping",
                mapping.to_str().unwrap(),
                "--kind",
                kind,
                items.to_str().unwrap(),
            ],
            &[],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let expected = std::fs::read(engine_data(&format!(
            "expected/default-mapping/{kind}.ndjson"
        )))
        .unwrap();
        let (got, expected) = (lines(&out.stdout), lines(&expected));
        assert_eq!(got.len(), expected.len(), "{kind}");
        for (g, e) in got.iter().zip(&expected) {
            assert!(same(g, e), "{kind}:\n ado-port {g}\n jq       {e}");
        }
    }
}

#[test]
fn map_reads_ndjson_from_stdin() {
    let mapping = temp("m.yaml");
    std::fs::write(&mapping, "resources:\n  - kind: k\n    port:\n      entity:\n        mappings:\n          identifier: .id | tostring\n          blueprint: '\"b\"'\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ado-port"))
        .args([
            "map",
            "--mapping",
            mapping.to_str().unwrap(),
            "--kind",
            "k",
            "-",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"id\": 1.0}\n{\"id\": 2}\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        lines(&out.stdout),
        [
            json!({"identifier": "1.0", "blueprint": "b"}),
            json!({"identifier": "2", "blueprint": "b"})
        ]
    );
}

#[test]
fn a_bad_mapping_fails_with_one_line_naming_file_and_field() {
    let mapping = temp("bad.yaml");
    std::fs::write(&mapping, "resources:\n  - kind: k\n    port:\n      entity:\n        mappings:\n          identifier: .id |\n          blueprint: '\"b\"'\n").unwrap();
    let out = ado_port(
        &[
            "map",
            "--mapping",
            mapping.to_str().unwrap(),
            "--kind",
            "k",
            "-",
        ],
        &[],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("bad.yaml")
            && stderr.contains("resources[0].port.entity.mappings.identifier"),
        "{stderr}"
    );
}

#[test]
fn demo_syncs_the_sample_organization_into_a_file() {
    let output = temp("demo.ndjson");
    let out = ado_port(&["demo", "--output", output.to_str().unwrap()], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entities = lines(&std::fs::read(&output).unwrap());
    let count = |bp: &str| entities.iter().filter(|e| e["blueprint"] == bp).count();
    assert_eq!(
        count("azureDevopsProject"),
        3,
        "both pages of projects, after a 429"
    );
    assert_eq!(count("azureDevopsBuild"), 8, "both pages of builds");
    assert_eq!(count("azureDevopsPullRequest"), 54);
    assert!(
        entities
            .iter()
            .any(|e| e["properties"]["minimumApproverCount"] == json!(2))
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("total: fetched"));
}

#[tokio::test]
async fn sync_reads_the_reference_environment_variables() {
    let server = MockServer::start().await;
    let projects = json!({"count": 2, "value": [
        {"id": "p 1", "name": "One", "state": "wellFormed", "visibility": "private", "url": "https://dev.azure.com/o/_apis/projects/p 1"},
        {"id": "p2", "name": "Two", "state": "wellFormed", "visibility": "private", "url": "https://dev.azure.com/o/_apis/projects/p2"}
    ]});
    Mock::given(method("GET"))
        .and(path("/tfs/Coll/_apis/projects"))
        .and(wiremock::matchers::header(
            "authorization",
            "Basic OnNlY3JldC1wYXQ=",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(projects))
        .mount(&server)
        .await;
    let mapping = temp("projects.yaml");
    std::fs::write(&mapping, "resources:\n  - kind: project\n    port:\n      entity:\n        mappings:\n          identifier: .__organizationName + \"/\" + (.id | gsub(\" \"; \"\"))\n          blueprint: '\"azureDevopsProject\"'\n          properties:\n            url: .__organizationUrl\n").unwrap();
    let output = temp("sync.ndjson");
    let url = format!("{}/tfs/Coll/", server.uri());
    let out = tokio::task::spawn_blocking(move || {
        ado_port(
            &[
                "sync",
                "--mapping",
                mapping.to_str().unwrap(),
                "--output",
                output.to_str().unwrap(),
            ],
            &[
                ("OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL", &url),
                (
                    "OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN",
                    "secret-pat",
                ),
                ("OCEAN__INTEGRATION__CONFIG__API_PROFILE", "server-2022"),
            ],
        )
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("secret-pat"));
    let entities = lines(&std::fs::read(temp("sync.ndjson")).unwrap());
    let expected_url = format!("{}/tfs/Coll", server.uri());
    assert_eq!(
        entities[0],
        json!({"identifier": "Coll/p1", "blueprint": "azureDevopsProject", "properties": {"url": expected_url}})
    );
    assert_eq!(entities.len(), 2);
}

#[test]
fn sync_without_an_organization_says_what_to_set() {
    let out = ado_port(&["sync", "--output", "-"], &[]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL")
    );
}

#[tokio::test]
async fn sync_upserts_into_port_and_deletes_what_disappeared() {
    use wiremock::matchers::header;
    let ado = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/projects"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 2, "value": [
            {"id": "p1", "name": "One", "state": "wellFormed"}, {"id": "p2", "name": "Two", "state": "wellFormed"}
        ]})))
        .mount(&ado)
        .await;
    let port = MockServer::start().await;
    let agent = format!(
        "port-ocean/azure-devops/{}/my-ado/exporter",
        env!("CARGO_PKG_VERSION")
    );
    Mock::given(method("POST"))
        .and(path("/v1/auth/access_token"))
        .and(body_partial_json(
            json!({"clientId": "port-id", "clientSecret": "port-secret"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"ok": true, "accessToken": "tok", "expiresIn": 3600, "tokenType": "Bearer"}),
        ))
        .mount(&port)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/azureDevopsProject/entities/bulk"))
        .and(header("user-agent", agent.as_str()))
        .and(body_partial_json(json!({"entities": [{"identifier": "p1", "title": "One"}, {"identifier": "p2", "title": "Two"}]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true, "errors": [], "entities": [
            {"identifier": "p1", "index": 0, "created": true}, {"identifier": "p2", "index": 1, "created": false}
        ]})))
        .expect(1)
        .mount(&port)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/entities/datasource-entities"))
        .and(body_partial_json(json!({"datasource_prefix": "port-ocean/azure-devops/", "datasource_suffix": "/my-ado/exporter"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true, "next": null, "entities": [
            {"identifier": "p1", "blueprint": "azureDevopsProject"}, {"identifier": "p2", "blueprint": "azureDevopsProject"},
            {"identifier": "gone", "blueprint": "azureDevopsProject"}
        ]})))
        .mount(&port)
        .await;
    Mock::given(method("POST"))
        .and(path(
            "/v1/blueprints/azureDevopsProject/bulk/entities/delete",
        ))
        .and(body_partial_json(json!({"entities": ["gone"]})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": true, "deletedEntities": ["gone"]})),
        )
        .expect(1)
        .mount(&port)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/integration/my-ado/resync-state"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&port)
        .await;
    let mapping = temp("port-projects.yaml");
    std::fs::write(&mapping, "resources:\n  - kind: project\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          title: .name\n          blueprint: '\"azureDevopsProject\"'\n").unwrap();
    let (ado_url, port_url) = (format!("{}/fabrikam", ado.uri()), port.uri());
    let out = tokio::task::spawn_blocking(move || {
        ado_port(
            &["sync", "--mapping", mapping.to_str().unwrap()],
            &[
                ("OCEAN__PORT__CLIENT_ID", "port-id"),
                ("OCEAN__PORT__CLIENT_SECRET", "port-secret"),
                ("OCEAN__PORT__BASE_URL", &port_url),
                ("OCEAN__INTEGRATION__IDENTIFIER", "my-ado"),
                ("OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL", &ado_url),
                ("OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN", "pat"),
                ("OCEAN__INTEGRATION__CONFIG__API_PROFILE", "cloud"),
            ],
        )
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("port-secret") && !stderr.contains("tok\""),
        "{stderr}"
    );
    port.verify().await;
    // A full sync without --state keeps no cursors, so it writes no file.
    assert!(!work_dir().join("ado-port-state.json").exists());
}

#[tokio::test]
async fn service_url_overrides_reach_cloud_only_apis() {
    let ado = MockServer::start().await;
    let entitlements = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/userentitlements"))
        .and(wiremock::matchers::query_param("api-version", "7.1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": [
            {"id": "u1", "user": {"displayName": "Jamal Hartnett", "mailAddress": "jamal@fabrikam.com"}}
        ], "continuationToken": null})))
        .expect(1)
        .mount(&entitlements)
        .await;
    let mapping = temp("users.yaml");
    std::fs::write(&mapping, "resources:\n  - kind: user\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          title: .user.displayName\n          blueprint: '\"azureDevopsMember\"'\n").unwrap();
    let output = temp("users.ndjson");
    let (ado_url, services) = (
        format!("{}/fabrikam", ado.uri()),
        json!({"vsaex": format!("{}/{{organization}}", entitlements.uri())}).to_string(),
    );
    let (mapping_arg, output_arg) = (
        mapping.to_str().unwrap().to_owned(),
        output.to_str().unwrap().to_owned(),
    );
    let out = tokio::task::spawn_blocking(move || {
        ado_port(
            &["sync", "--mapping", &mapping_arg, "--output", &output_arg],
            &[
                ("OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL", &ado_url),
                ("OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN", "pat"),
                ("OCEAN__INTEGRATION__CONFIG__SERVICE_URLS", &services),
            ],
        )
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        lines(&std::fs::read(&output).unwrap()),
        [json!({"identifier": "u1", "title": "Jamal Hartnett", "blueprint": "azureDevopsMember"})]
    );
    entitlements.verify().await;
}

#[test]
fn map_reads_byte_order_marks_and_pretty_printed_values() {
    let mapping = temp("bom.yaml");
    std::fs::write(&mapping, "resources:\n  - kind: k\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"b\"'\n").unwrap();
    let array = temp("bom.json");
    std::fs::write(&array, "\u{feff}[{\"id\": \"a\"}]").unwrap();
    let pretty = temp("pretty.json");
    std::fs::write(&pretty, "{\n  \"id\": \"b\"\n}\n{\"id\": \"c\"}\n").unwrap();
    for (input, ids) in [(&array, vec!["a"]), (&pretty, vec!["b", "c"])] {
        let out = ado_port(
            &[
                "map",
                "--mapping",
                mapping.to_str().unwrap(),
                "--kind",
                "k",
                input.to_str().unwrap(),
            ],
            &[],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Vec<Value> = lines(&out.stdout)
            .into_iter()
            .map(|e| e["identifier"].clone())
            .collect();
        assert_eq!(got, ids.iter().map(|i| json!(i)).collect::<Vec<_>>());
    }
    let broken = temp("broken.json");
    std::fs::write(&broken, "{\"id\": \"a\"}\n{\"id\": }\n").unwrap();
    let out = ado_port(
        &[
            "map",
            "--mapping",
            mapping.to_str().unwrap(),
            "--kind",
            "k",
            broken.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));
}

/// The first line of `stderr`, asserting there is exactly one.
fn one_line(out: &Output) -> String {
    assert!(!out.status.success(), "expected a failure");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

#[test]
fn invalid_settings_fail_with_one_line_naming_the_variable() {
    let organization = [
        (
            "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL",
            "https://dev.azure.com/fabrikam",
        ),
        ("OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN", "pat"),
    ];
    for (variable, value, needle) in [
        ("ACCOUNT_MODE", "Bogus", "\"Multiple Accounts\""),
        ("EXCLUDED_TAGS", "[1,", "JSON array of strings"),
        ("API_PROFILE", "server-2017", "server-2022"),
        ("SERVICE_URLS", "vsrm=https://x", "JSON object"),
        ("SERVICE_URLS", r#"{"vsts": "https://x"}"#, "`vsts`"),
        ("IS_PROJECTS_LIMITED", "maybe", "true or false"),
    ] {
        let variable = format!("OCEAN__INTEGRATION__CONFIG__{variable}");
        let mut env = organization.to_vec();
        env.push((&variable, value));
        let stderr = one_line(&ado_port(&["sync", "--output", "-"], &env));
        assert!(
            stderr.contains(&variable) && stderr.contains(needle),
            "{variable}={value}: {stderr}"
        );
    }
}

#[test]
fn map_names_the_kinds_a_mapping_has_when_asked_for_another() {
    let mapping = temp("kinds.yaml");
    std::fs::write(&mapping, "resources:\n  - kind: project\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"p\"'\n  - kind: repository\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"r\"'\n").unwrap();
    let out = ado_port(
        &[
            "map",
            "--mapping",
            mapping.to_str().unwrap(),
            "--kind",
            "pull-request",
            "-",
        ],
        &[],
    );
    let stderr = one_line(&out);
    assert!(
        stderr.contains("`pull-request`") && stderr.contains("project, repository"),
        "{stderr}"
    );
}

/// Organization `fabrikam` with one project, `p1`.
async fn one_project_org() -> MockServer {
    let ado = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/projects"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"count": 1, "value": [{"id": "p1", "name": "One", "state": "wellFormed"}]}),
        ))
        .mount(&ado)
        .await;
    ado
}

/// A mapping of projects to `azureDevopsProject` entities.
fn projects_mapping() -> PathBuf {
    let mapping = temp("signal-projects.yaml");
    std::fs::write(&mapping, "resources:\n  - kind: project\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"azureDevopsProject\"'\n").unwrap();
    mapping
}

#[tokio::test]
async fn sync_checks_port_before_reading_azure_devops() {
    let (ado, port) = (MockServer::start().await, MockServer::start().await);
    common::port_token(&port, 401).await;
    let (mapping, env) = (projects_mapping(), common::port_env(&ado, &port));
    let out = tokio::task::spawn_blocking(move || {
        let env: Vec<_> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        ado_port(&["sync", "--mapping", mapping.to_str().unwrap()], &env)
    })
    .await
    .unwrap();
    let stderr = one_line(&out);
    assert!(
        stderr.contains("Port") && stderr.contains("401") && !stderr.contains("port-secret"),
        "{stderr}"
    );
    assert!(ado.received_requests().await.unwrap().is_empty());
}

/// Waits until `server` received a request, for at most 10 seconds.
async fn first_request(server: &MockServer) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.received_requests().await.unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no request arrived");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The exit code of `child` (see [`common::exit_status`]) and its stderr.
async fn exit_code(mut child: Child) -> (Option<i32>, String) {
    tokio::task::spawn_blocking(move || {
        let status = common::exit_status(&mut child);
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            std::io::Read::read_to_string(&mut pipe, &mut stderr).expect("stderr");
        }
        (status.code(), stderr)
    })
    .await
    .unwrap()
}

/// Azure DevOps whose project listing answers after a minute.
async fn slow_ado() -> MockServer {
    let ado = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/projects"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"count": 0, "value": []}))
                .set_delay(Duration::from_secs(60)),
        )
        .mount(&ado)
        .await;
    ado
}

/// Port accepting tokens and resync states; the final state is answered after `delay`.
async fn port_recording_states(final_delay: Duration) -> MockServer {
    let port = MockServer::start().await;
    common::port_token(&port, 200).await;
    Mock::given(method("PATCH"))
        .and(path("/v1/integration/my-ado/resync-state"))
        .and(body_partial_json(json!({"status": "running"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&port)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/integration/my-ado/resync-state"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": true}))
                .set_delay(final_delay),
        )
        .mount(&port)
        .await;
    port
}

/// Starts a sync from a slow Azure DevOps into `port` and waits until it reads projects.
async fn start_sync(ado: &MockServer, port: &MockServer) -> Child {
    let mapping = projects_mapping();
    let env = common::port_env(ado, port);
    let child = command(&["sync", "--mapping", mapping.to_str().unwrap()], &[])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ado-port runs");
    first_request(ado).await;
    child
}

async fn assert_stopped_cleanly(signal: &str, code: i32) {
    let ado = slow_ado().await;
    let port = port_recording_states(Duration::ZERO).await;
    let child = start_sync(&ado, &port).await;
    send(&child, signal);
    let (exit, stderr) = exit_code(child).await;
    assert_eq!(exit, Some(code), "{stderr}");
    assert_eq!(
        common::states(&port).await,
        ["running", "failed"],
        "{stderr}"
    );
    let requests = port.received_requests().await.unwrap();
    assert!(
        !requests
            .iter()
            .any(|r| r.method.as_str() == "DELETE" || r.url.path().contains("delete")),
        "nothing deleted"
    );
}

#[tokio::test]
async fn sigterm_stops_a_sync_cleanly_with_143() {
    assert_stopped_cleanly("-TERM", 143).await;
}

#[tokio::test]
async fn sigint_stops_a_sync_cleanly_with_130() {
    assert_stopped_cleanly("-INT", 130).await;
}

#[tokio::test]
async fn a_second_signal_exits_at_once() {
    let ado = slow_ado().await;
    let port = port_recording_states(Duration::from_secs(60)).await;
    let child = start_sync(&ado, &port).await;
    send(&child, "-INT");
    // The stopped resync is now reporting its state to a Port that does not answer.
    let deadline = Instant::now() + Duration::from_secs(10);
    while common::states(&port).await.len() < 2 {
        assert!(Instant::now() < deadline, "no final state sent");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    send(&child, "-INT");
    let (exit, stderr) = exit_code(child).await;
    assert_eq!(exit, Some(130), "{stderr}");
}

#[tokio::test]
async fn sigterm_stops_fetch_with_143() {
    let ado = slow_ado().await;
    let child = command(
        &["fetch", "--kind", "project"],
        &[
            (
                "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL",
                &format!("{}/fabrikam", ado.uri()),
            ),
            ("OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN", "pat"),
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .expect("ado-port runs");
    first_request(&ado).await;
    send(&child, "-TERM");
    let (exit, stderr) = exit_code(child).await;
    assert_eq!(exit, Some(143), "{stderr}");
}

#[tokio::test]
async fn entities_port_rejects_fail_the_sync_and_nothing_is_deleted() {
    let ado = one_project_org().await;
    let port = MockServer::start().await;
    common::port_token(&port, 200).await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/azureDevopsProject/entities/bulk"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "ok": false, "error": "not_found",
            "message": "Blueprint with identifier \"azureDevopsProject\" was not found"
        })))
        .mount(&port)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/entities/datasource-entities"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ok": true, "next": null,
            "entities": [{"identifier": "gone", "blueprint": "azureDevopsProject"}]})),
        )
        .mount(&port)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/integration/my-ado/resync-state"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&port)
        .await;
    let (mapping, env) = (projects_mapping(), common::port_env(&ado, &port));
    let out = tokio::task::spawn_blocking(move || {
        let env: Vec<_> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        ado_port(&["sync", "--mapping", mapping.to_str().unwrap()], &env)
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: the resync failed, nothing was deleted")
            && last.contains("blueprint `azureDevopsProject` does not exist")
            && last.contains("ado-port blueprints"),
        "{stderr}"
    );
    let requests = port.received_requests().await.unwrap();
    assert!(
        !requests.iter().any(|r| r.url.path().contains("delete")),
        "nothing deleted"
    );
    assert_eq!(
        common::states(&port).await.last().map(String::as_str),
        Some("failed")
    );
}

#[tokio::test]
async fn sync_keeps_cursors_in_the_state_file_for_incremental_syncs() {
    let ado = one_project_org().await;
    let mapping = projects_mapping();
    let (state, output) = (temp("incremental-state.json"), temp("incremental.ndjson"));
    let _ = std::fs::remove_file(&state);
    let ado_url = format!("{}/fabrikam", ado.uri());
    let run = move |args: &[&str]| {
        let mut all = vec!["sync", "--mapping", mapping.to_str().unwrap()];
        all.extend_from_slice(args);
        ado_port(
            &all,
            &[
                (
                    "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL",
                    ado_url.as_str(),
                ),
                ("OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN", "pat"),
            ],
        )
    };
    let (state_arg, output_arg) = (
        state.to_str().unwrap().to_owned(),
        output.to_str().unwrap().to_owned(),
    );
    let (refused, full, incremental) = tokio::task::spawn_blocking(move || {
        (
            run(&["--incremental", "--output", "-"]),
            run(&["--output", &output_arg, "--state", &state_arg]),
            run(&[
                "--incremental",
                "--output",
                &output_arg,
                "--state",
                &state_arg,
            ]),
        )
    })
    .await
    .unwrap();
    assert!(!refused.status.success());
    assert!(
        one_line(&refused).contains("--incremental with --output needs --state FILE"),
        "{}",
        one_line(&refused)
    );
    for out in [&full, &incremental] {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let saved: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    let cursor = &saved["fabrikam"]["0:project"];
    let at = cursor["at"].as_str().expect("a cursor of resources[0]");
    assert!(at.starts_with("20") && at.ends_with('Z'), "{saved}");
    // The full sync's cost (the project listing), kept by the incremental one.
    assert_eq!(cursor["fullRequests"], 1, "{saved}");
    assert_eq!(lines(&std::fs::read(&output).unwrap()).len(), 1);
}

#[tokio::test]
async fn sync_keeps_cursors_in_ports_integration_state_with_state_port() {
    let ado = one_project_org().await;
    let port = MockServer::start().await;
    common::port_token(&port, 200).await;
    // No cursor yet: read (none), replace (nothing to replace), create.
    for (verb, status) in [("GET", 404), ("PUT", 404), ("POST", 200)] {
        Mock::given(method(verb))
            .and(path("/v1/integration/my-ado/cursor"))
            .and(query_param("kind", "project"))
            .and(query_param("index", "0"))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({"ok": status == 200})))
            .expect(1)
            .mount(&port)
            .await;
    }
    let mapping = projects_mapping();
    let output = temp("port-state.ndjson");
    let (ado_url, port_url) = (format!("{}/fabrikam", ado.uri()), port.uri());
    let out = tokio::task::spawn_blocking(move || {
        ado_port(
            &[
                "sync",
                "--mapping",
                mapping.to_str().unwrap(),
                "--output",
                output.to_str().unwrap(),
                "--state",
                "port",
            ],
            &[
                ("OCEAN__PORT__CLIENT_ID", "port-id"),
                ("OCEAN__PORT__CLIENT_SECRET", "port-secret"),
                ("OCEAN__PORT__BASE_URL", &port_url),
                ("OCEAN__INTEGRATION__IDENTIFIER", "my-ado"),
                ("OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL", &ado_url),
                ("OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN", "pat"),
            ],
        )
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    port.verify().await;
    let posted = port.received_requests().await.unwrap_or_default();
    let stored = posted
        .iter()
        .find(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/cursor"))
        .expect("the cursor was created");
    let body: Value = serde_json::from_slice(&stored.body).unwrap();
    let primary = body["primary"].as_str().expect("a time");
    assert!(
        primary.starts_with("20") && primary.ends_with('Z'),
        "{body}"
    );
}
