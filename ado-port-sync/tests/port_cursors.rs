//! Cursors kept in Port's integration state, shared by the organizations of one integration.

mod common;

use std::sync::Arc;

use ado_port_sync::{CURSOR_OVERLAP, PortCursors, Resync, ResyncOutcome};
use common::{ado_client, builds_and_projects, mock_port, mount_sample_org, override_route};
use jiff::Timestamp;
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ORGS: [&str; 2] = ["fabrikam", "contoso"];

fn resync(ado: &MockServer) -> Resync {
    let clients = ORGS.iter().map(|org| ado_client(ado, org)).collect();
    Resync::new(builds_and_projects(), clients).expect("loads")
}

fn store(port: port_client::PortClient) -> Arc<PortCursors> {
    Arc::new(PortCursors::new(
        port,
        [(0, "build".to_owned()), (1, "project".to_owned())],
        ORGS.map(str::to_owned),
    ))
}

#[tokio::test]
async fn a_resource_gets_a_cursor_in_port_only_once_every_organization_has_one() {
    let ado = MockServer::start().await;
    for org in ORGS {
        mount_sample_org(&ado, org).await;
    }
    override_route(
        &ado,
        "contoso",
        "/aaaa-1111/_apis/build/builds",
        ResponseTemplate::new(500),
    )
    .await;
    let port_server = MockServer::start().await;
    let (port, state) = mock_port(&port_server).await;
    let sink = ado_port_sync::PortSink::new(port.clone());

    let before = Timestamp::now();
    let report = resync(&ado).save_cursors(store(port)).run(&sink).await;
    assert_eq!(report.status, ResyncOutcome::Failed);
    assert_eq!(report.cursor_error, None);
    let cursors = state.cursors.lock().expect("lock").clone();
    // contoso's builds failed: a shared cursor would skip its history.
    assert!(
        !cursors.contains_key(&("build".to_owned(), "0".to_owned())),
        "{cursors:?}"
    );
    let project = cursors
        .get(&("project".to_owned(), "1".to_owned()))
        .expect("both organizations listed their projects");
    assert!(project.parse::<Timestamp>().expect("a time") >= before);
}

#[tokio::test]
async fn an_incremental_run_lists_every_organization_since_the_cursor_port_holds() {
    let ado = MockServer::start().await;
    for org in ORGS {
        mount_sample_org(&ado, org).await;
    }
    let cursor: Timestamp = "2026-11-30T10:00:00Z".parse().expect("a time");
    let since = cursor.saturating_sub(CURSOR_OVERLAP).expect("in range");
    for org in ORGS {
        for order in ["queueTimeDescending", "finishTimeDescending"] {
            Mock::given(method("GET"))
                .and(path(format!("/{org}/aaaa-1111/_apis/build/builds")))
                .and(query_param("queryOrder", order))
                .and(query_param("minTime", since.to_string().as_str()))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
                .with_priority(1)
                .expect(1)
                .mount(&ado)
                .await;
        }
    }
    let port_server = MockServer::start().await;
    let (port, state) = mock_port(&port_server).await;
    state
        .cursors
        .lock()
        .expect("lock")
        .insert(("build".to_owned(), "0".to_owned()), cursor.to_string());
    let sink = ado_port_sync::PortSink::new(port.clone());

    let started = Timestamp::now();
    let report = resync(&ado).incremental(store(port)).run(&sink).await;
    assert_eq!(report.status, ResyncOutcome::Completed, "{report:?}");
    ado.verify().await;
    let cursors = state.cursors.lock().expect("lock").clone();
    for key in [("build", "0"), ("project", "1")] {
        let stored = &cursors[&(key.0.to_owned(), key.1.to_owned())];
        assert!(
            stored.parse::<Timestamp>().expect("a time") >= started,
            "{cursors:?}"
        );
    }
}
