//! Shared mock-server setup.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use port_client::{Credentials, PortClient, PortClientBuilder, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::{any, body_json, method, path};
use wiremock::{Mock, MockBuilder, MockServer, Request, Respond, ResponseTemplate};

pub const CLIENT_ID: &str = "client-id-1";
pub const SECRET: &str = "client-secret-s3cr3t";
pub const TOKEN: &str = "token-abc123";
pub const USER_AGENT: &str = "port-ocean/azure-devops/1.2.3/ado-test/exporter";

/// A mock server whose lowest-priority mock rejects, by name, any request no test expected.
pub async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(|request: &Request| {
            ResponseTemplate::new(500).set_body_json(json!({
                "ok": false,
                "error": "unexpected_request",
                "message": format!("no mock for {} {}", request.method, request.url),
            }))
        })
        .with_priority(u8::MAX)
        .named("unexpected request")
        .expect(0)
        .mount(&server)
        .await;
    server
}

/// A client builder pointed at the mock server, with tiny retry delays.
pub fn builder(server: &MockServer) -> PortClientBuilder {
    builder_at(&server.uri())
}

/// A client builder pointed at `url`, with tiny retry delays.
pub fn builder_at(url: &str) -> PortClientBuilder {
    PortClient::builder(Credentials::new(CLIENT_ID, SECRET))
        .base_url(url)
        .integration("azure-devops", "1.2.3", "ado-test")
        .retry(RetryPolicy::new(
            3,
            Duration::from_millis(1),
            Duration::from_millis(20),
        ))
}

pub fn client(server: &MockServer) -> PortClient {
    client_at(&server.uri())
}

/// A client of [`builder_at`].
pub fn client_at(url: &str) -> PortClient {
    builder_at(url).build().expect("valid client")
}

/// Token endpoint answering `token-1`, `token-2`, ... with the given lifetime.
pub struct TokenSequence {
    issued: AtomicUsize,
    expires_in: u64,
}

impl Respond for TokenSequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(json!({
            "ok": true,
            "accessToken": format!("token-{n}"),
            "expiresIn": self.expires_in,
            "tokenType": "Bearer",
        }))
    }
}

fn token_mock() -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path("/v1/auth/access_token"))
        .and(body_json(
            json!({"clientId": CLIENT_ID, "clientSecret": SECRET}),
        ))
}

/// Mounts a token endpoint issuing [`TOKEN`], expected to be called `times` times.
pub async fn mount_token(server: &MockServer, times: u64) {
    token_mock()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true,
            "accessToken": TOKEN,
            "expiresIn": 10800,
            "tokenType": "Bearer",
        })))
        .expect(times)
        .named("access token")
        .mount(server)
        .await;
}

/// Mounts a token endpoint issuing numbered tokens, expected to be called `times` times.
pub async fn mount_token_sequence(server: &MockServer, expires_in: u64, times: u64) {
    token_mock()
        .respond_with(TokenSequence {
            issued: AtomicUsize::new(0),
            expires_in,
        })
        .expect(times)
        .named("numbered access tokens")
        .mount(server)
        .await;
}

/// The JSON bodies of the received requests whose path ends with `suffix`.
pub async fn bodies(server: &MockServer, suffix: &str) -> Vec<Value> {
    requests(server, suffix)
        .await
        .iter()
        .map(|request| serde_json::from_slice(&request.body).expect("JSON body"))
        .collect()
}

/// The received requests whose path ends with `suffix`.
pub async fn requests(server: &MockServer, suffix: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording on")
        .into_iter()
        .filter(|request| request.url.path().ends_with(suffix))
        .collect()
}

/// Answers the first request `mock` matches with `response`, ahead of the other mocks, and
/// expects exactly that one request.
pub async fn mount_first_answer(
    server: &MockServer,
    mock: MockBuilder,
    response: ResponseTemplate,
) {
    mock.respond_with(response)
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(server)
        .await;
}
