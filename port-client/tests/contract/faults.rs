//! A hostile network: bursts of errors, cut connections and bodies, expired tokens, an
//! unreachable Port.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use port_client::{
    Entity, Error, PortClient, RetryPolicy, Unreachable, UpsertOptions, UpsertOutcome,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common;

const BULK: &str = "/v1/blueprints/azureDevopsProject/entities/bulk";

/// Tiny delays, `attempts` attempts.
fn quick(attempts: u32) -> RetryPolicy {
    RetryPolicy::new(attempts, Duration::from_millis(1), Duration::from_millis(2))
}

fn bulk_ok(identifier: &str) -> Value {
    json!({"ok": true, "entities": [{"identifier": identifier, "index": 0, "created": true}], "errors": []})
}

/// Expects one bulk upsert, answered with `p1` stored.
async fn mount_bulk_ok(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(BULK))
        .respond_with(ResponseTemplate::new(200).set_body_json(bulk_ok("p1")))
        .expect(1)
        .mount(server)
        .await;
}

/// Upserts project `p1`.
async fn upsert_one(port: &PortClient) -> port_client::Result<Vec<UpsertOutcome>> {
    let entities = [Entity::new("azureDevopsProject", "p1")];
    port.upsert_entities(&entities, &UpsertOptions::default())
        .await
}

/// Upserts project `p1` and checks Port stored it.
async fn assert_upserts_one(port: &PortClient) {
    let outcomes = upsert_one(port).await.expect("upserted");
    assert!(
        matches!(&outcomes[..], [UpsertOutcome::Upserted { identifier, .. }] if identifier == "p1"),
        "{outcomes:?}"
    );
}

/// Answers with the given statuses in turn, then with a stored entity.
struct Sequence {
    statuses: Vec<u16>,
    calls: AtomicUsize,
}

impl Respond for Sequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        match self.statuses.get(call) {
            Some(&status) => ResponseTemplate::new(status)
                .set_body_json(json!({"ok": false, "error": "unavailable", "message": "busy"})),
            None => ResponseTemplate::new(200).set_body_json(bulk_ok("p1")),
        }
    }
}

#[tokio::test]
async fn a_burst_of_5xx_is_retried_until_it_passes() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(BULK))
        .respond_with(Sequence {
            statuses: vec![503, 500, 502, 504],
            calls: AtomicUsize::new(0),
        })
        .expect(5)
        .mount(&server)
        .await;
    let port = common::builder(&server)
        .retry(quick(5))
        .build()
        .expect("client");
    assert_upserts_one(&port).await;
    // The token request, then the upsert's five attempts: four of them retries.
    assert_eq!(
        port.request_counts(),
        port_client::RequestCounts {
            requests: 6,
            retries: 4
        }
    );
}

#[tokio::test]
async fn a_5xx_burst_longer_than_the_budget_fails_the_call() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(BULK))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let err = upsert_one(&common::client(&server))
        .await
        .expect_err("budget exhausted");
    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable() && !err.is_definitive(), "{err:?}");
}

#[tokio::test]
async fn a_truncated_200_body_is_retried() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    common::mount_first_answer(
        &server,
        Mock::given(method("POST")).and(path(BULK)),
        ResponseTemplate::new(200).set_body_raw(
            r#"{"ok":true,"entities":[{"identifier":"p1","ind"#,
            "application/json",
        ),
    )
    .await;
    mount_bulk_ok(&server).await;
    assert_upserts_one(&common::client(&server)).await;
}

#[tokio::test]
async fn an_answer_slower_than_the_timeout_is_retried() {
    let server = common::server().await;
    common::mount_token(&server, 1).await;
    common::mount_first_answer(
        &server,
        Mock::given(method("POST")).and(path(BULK)),
        ResponseTemplate::new(200)
            .set_body_json(bulk_ok("p1"))
            .set_delay(Duration::from_secs(30)),
    )
    .await;
    mount_bulk_ok(&server).await;
    let port = common::builder(&server)
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    assert_upserts_one(&port).await;
}

#[tokio::test]
async fn a_token_expiring_mid_run_is_refreshed_once() {
    let server = common::server().await;
    common::mount_token_sequence(&server, 3600, 2).await;
    common::mount_first_answer(
        &server,
        Mock::given(method("POST"))
            .and(path(BULK))
            .and(header("authorization", "Bearer token-1")),
        ResponseTemplate::new(200).set_body_json(bulk_ok("p1")),
    )
    .await;
    Mock::given(method("POST"))
        .and(path(BULK))
        .and(header("authorization", "Bearer token-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"ok": false, "error": "unauthorized", "message": "token expired"}),
        ))
        .expect(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(BULK))
        .and(header("authorization", "Bearer token-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(bulk_ok("p1")))
        .expect(1)
        .mount(&server)
        .await;
    let port = common::client(&server);
    for _ in 0..2 {
        assert_upserts_one(&port).await;
    }
}

#[tokio::test]
async fn a_401_after_the_refresh_is_definitive() {
    let server = common::server().await;
    common::mount_token_sequence(&server, 3600, 2).await;
    Mock::given(method("POST"))
        .and(path(BULK))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(
                json!({"ok": false, "error": "unauthorized", "message": "no access"}),
            ),
        )
        .expect(2)
        .mount(&server)
        .await;
    let err = upsert_one(&common::client(&server))
        .await
        .expect_err("still unauthorized");
    assert!(err.is_definitive(), "{err:?}");
    assert_eq!(err.status(), Some(401));
}

#[tokio::test]
async fn an_unreachable_port_is_definitive_and_named() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let url = format!("http://{address}");
    let port = common::client_at(&url);
    let err = upsert_one(&port).await.expect_err("nothing listens");
    assert!(err.is_definitive(), "{err:?}");
    assert!(
        matches!(
            &err,
            Error::Unreachable {
                cause: Unreachable::ConnectionRefused,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("Port unreachable at {url}: connection refused")
    );
}

/// What the raw stand-in does with one connection.
#[derive(Clone, Copy)]
enum Misbehave {
    /// Reads the request, then closes without answering.
    Close,
    /// Answers a 200 announcing more body than it sends, then closes.
    CutBody,
}

/// A raw HTTP stand-in for Port: connection `n` misbehaves as `faults[n]` says; the others
/// get a token or a stored entity. Counts the connections it accepted.
async fn stand_in(faults: Vec<Option<Misbehave>>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(stream, faults.get(n).copied().flatten()));
        }
    });
    (url, accepted)
}

async fn serve(mut stream: TcpStream, fault: Option<Misbehave>) {
    let Some(request_line) = read_request(&mut stream).await else {
        return;
    };
    let body = if request_line.contains("/auth/access_token") {
        json!({"ok": true, "accessToken": "t", "expiresIn": 3600, "tokenType": "Bearer"})
    } else {
        bulk_ok("p1")
    }
    .to_string();
    let answer = match fault {
        Some(Misbehave::Close) => return,
        Some(Misbehave::CutBody) => format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
            body.len() + 50,
            &body[..body.len() / 2]
        ),
        None => format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ),
    };
    // The client may already have given up on this connection; nothing to report then.
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Reads one request (head and `content-length` body); returns its request line.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        received.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&received);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if received.len() >= end + 4 + length {
                return text.lines().next().map(str::to_owned);
            }
        }
    }
}

#[tokio::test]
async fn connections_closed_before_or_during_the_answer_are_retried() {
    // The token request: closed, then answered; the bulk upsert: cut mid-body, closed, then
    // answered.
    let (url, accepted) = stand_in(vec![
        Some(Misbehave::Close),
        None,
        Some(Misbehave::CutBody),
        Some(Misbehave::Close),
    ])
    .await;
    let port = common::builder_at(&url)
        .retry(quick(4))
        .build()
        .expect("client");
    assert_upserts_one(&port).await;
    assert_eq!(accepted.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn connections_failing_past_the_budget_name_the_cause() {
    let (url, accepted) = stand_in(vec![Some(Misbehave::CutBody); 3]).await;
    let port = common::client_at(&url);
    let err = port
        .get_blueprint("azureDevopsProject")
        .await
        .expect_err("every answer cut");
    assert!(matches!(err, Error::Http { .. }), "{err:?}");
    assert!(!err.is_definitive() && err.is_retryable(), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains(&format!("{url}/v1/auth/access_token")),
        "{message}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

/// A TLS server on loopback with a self-signed certificate; returns its `https://` URL and
/// the count of connections it accepted.
async fn untrusted_tls_server() -> (String, Arc<AtomicUsize>) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let pem = include_bytes!("fixtures/untrusted-server.pem");
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .expect("certificate");
    let key = PrivateKeyDer::from_pem_slice(pem).expect("key");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("https://{}", listener.local_addr().expect("address"));
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            // The client refuses the certificate, so every handshake fails.
            let _ = acceptor.accept(stream).await;
        }
    });
    (url, accepted)
}

#[tokio::test]
async fn an_untrusted_certificate_is_definitive_and_not_retried() {
    let (url, accepted) = untrusted_tls_server().await;
    let port = common::client_at(&url);
    let err = port
        .get_blueprint("azureDevopsProject")
        .await
        .expect_err("certificate refused");
    assert!(err.is_definitive(), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "Port unreachable at {url}: certificate not trusted: unknown issuer; \
             set SSL_CERT_FILE to your CA bundle"
        )
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "retried");
}
