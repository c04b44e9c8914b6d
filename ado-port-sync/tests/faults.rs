//! Resyncs through a hostile network: every Azure DevOps and Port call fails once (503, 429
//! with `Retry-After`, a body cut short) before it is answered, and the catalog ends exactly
//! as after a clean resync; an unreachable Port stops the resync before anything is read.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ado_port_sync::{MemorySink, PortSink, ResyncOutcome};
use common::{ado_client, mapping, mock_port, mount_sample_org};
use mapping_engine::Entity;
use port_client::{Credentials, PortClient};
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

/// Matches the first request of each method, URL and body, and only that one.
#[derive(Default)]
struct FirstTime(Mutex<HashSet<String>>);

impl Match for FirstTime {
    fn matches(&self, request: &Request) -> bool {
        self.0.lock().expect("lock").insert(call(request))
    }
}

/// What makes two requests the same call.
fn call(request: &Request) -> String {
    format!(
        "{} {} {}",
        request.method,
        request.url,
        String::from_utf8_lossy(&request.body)
    )
}

/// How many different calls `server` received.
async fn distinct_calls(server: &MockServer) -> usize {
    let requests = server.received_requests().await.expect("recorded");
    requests.iter().map(call).collect::<HashSet<_>>().len()
}

/// Answers with the faults in turn: 503, 429 asking to wait, a 200 whose body is cut short
/// (a 503 for a PATCH, whose answer has no body to read); clones count together.
#[derive(Clone, Default)]
struct Faults(Arc<AtomicUsize>);

impl Faults {
    fn served(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

impl Respond for Faults {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match self.0.fetch_add(1, Ordering::Relaxed) % 3 {
            0 => ResponseTemplate::new(503),
            _ if request.method.as_str() == "PATCH" => ResponseTemplate::new(503),
            1 => ResponseTemplate::new(429).insert_header("Retry-After", "0"),
            _ => ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(r#"{"count": 2, "value": [{"id""#),
        }
    }
}

/// Makes every first call to `server` fail; the faults served are counted.
async fn fail_every_call_once(server: &MockServer) -> Faults {
    let faults = Faults::default();
    Mock::given(FirstTime::default())
        .respond_with(faults.clone())
        .with_priority(1)
        .mount(server)
        .await;
    faults
}

fn by_key(mut entities: Vec<Entity>) -> Vec<Entity> {
    entities.sort_by_key(|e| (e.blueprint.to_string(), e.identifier.to_string()));
    entities
}

#[tokio::test]
async fn a_resync_through_faults_ends_with_the_catalog_of_a_clean_one() {
    let clean_ado = MockServer::start().await;
    mount_sample_org(&clean_ado, "fabrikam").await;
    let clean = MemorySink::new();
    let report = ado_port_sync::Resync::new(
        mapping("default-mapping.yaml", ""),
        vec![ado_client(&clean_ado, "fabrikam")],
    )
    .expect("loads")
    .run(&clean)
    .await;
    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");

    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let ado_faults = fail_every_call_once(&ado).await;
    let port = MockServer::start().await;
    let (port_client, state) = mock_port(&port).await;
    let port_faults = fail_every_call_once(&port).await;
    let report = ado_port_sync::Resync::new(
        mapping("default-mapping.yaml", ""),
        vec![ado_client(&ado, "fabrikam")],
    )
    .expect("loads")
    .run(&PortSink::new(port_client))
    .await;
    assert_eq!(report.status, ResyncOutcome::Completed, "{report:#?}");
    // Every distinct call failed once, so each kind of fault was met on both sides.
    assert_eq!(ado_faults.served(), distinct_calls(&ado).await);
    assert_eq!(port_faults.served(), distinct_calls(&port).await);
    assert!(port_faults.served() >= 3);

    state.store_upserted();
    let stored: Vec<Entity> = state
        .stored
        .lock()
        .expect("lock")
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.as_object_mut().expect("object").remove("updatedAt");
            serde_json::from_value(e).expect("entity")
        })
        .collect();
    assert_eq!(by_key(stored), by_key(clean.entities()));
    let states = state.states.lock().expect("lock").clone();
    assert_eq!(states, ["running", "completed"]);
}

#[tokio::test]
async fn an_unreachable_port_stops_the_resync_before_azure_devops_is_read() {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    // Nothing listens on a port just released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = closed.local_addr().expect("address");
    drop(closed);
    let port = PortClient::builder(Credentials::new("id", "secret"))
        .base_url(format!("http://{address}"))
        .integration("azure-devops", "1.0.0", "ado-test")
        .retry(port_client::RetryPolicy::new(
            2,
            Duration::from_millis(1),
            Duration::from_millis(5),
        ))
        .build()
        .expect("port client");
    let report = ado_port_sync::Resync::new(
        mapping("default-mapping.yaml", ""),
        vec![ado_client(&ado, "fabrikam")],
    )
    .expect("loads")
    .run(&PortSink::new(port))
    .await;
    assert_eq!(report.status, ResyncOutcome::Failed, "{report:#?}");
    let failure = report.failure().expect("a failure");
    assert!(failure.contains("unreachable"), "{failure}");
    assert!(failure.contains("connection refused"), "{failure}");
    assert!(ado.received_requests().await.expect("recorded").is_empty());
}
