//! Shared helpers for the contract tests.

#![allow(dead_code)]

use std::time::Duration;

use ado_client::{
    AdoClient, AdoClientBuilder, ApiProfile, Credential, Organization, Pacing, RetryPolicy, Service,
};
use serde_json::Value;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockBuilder, MockServer, Request, Respond, ResponseTemplate};

/// The PAT every test client uses.
pub const PAT: &str = "test-pat-0123456789";

/// `Authorization` header sent for [`PAT`]: `Basic base64(":" + PAT)`.
pub fn basic_auth() -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(":{PAT}"))
    )
}

/// Reads a fixture as JSON (key order preserved).
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The items of a `{count, value}` fixture.
pub fn fixture_items(name: &str) -> Vec<Value> {
    match fixture(name).get("value") {
        Some(Value::Array(items)) => items.clone(),
        _ => panic!("{name} has no value array"),
    }
}

/// Answers any request no other mock matched with a loud 418 naming the request.
struct Unexpected;

impl Respond for Unexpected {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        ResponseTemplate::new(418).set_body_json(serde_json::json!({
            "message": format!("unexpected request: {} {}", request.method, request.url),
            "typeKey": "UnexpectedRequest",
        }))
    }
}

/// A mock server with the catch-all mounted at the lowest priority.
pub async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(Unexpected)
        .with_priority(u8::MAX)
        .mount(&server)
        .await;
    server
}

/// A GET mock on `path` with the expected api-version and PAT header.
pub fn get(path_: &str, api_version: &str) -> MockBuilder {
    Mock::given(method("GET"))
        .and(path(path_))
        .and(query_param("api-version", api_version))
        .and(header("authorization", basic_auth().as_str()))
}

/// A POST mock on `path` with the expected api-version and PAT header.
pub fn post(path_: &str, api_version: &str) -> MockBuilder {
    Mock::given(method("POST"))
        .and(path(path_))
        .and(query_param("api-version", api_version))
        .and(header("authorization", basic_auth().as_str()))
}

/// A `{count, value}` body.
pub fn list_body(items: &[Value]) -> Value {
    serde_json::json!({ "count": items.len(), "value": items })
}

/// Serves `items` as two pages joined by an `x-ms-continuationtoken` header: `first` (sent
/// without a token) answers `items[..split]` with `token`, `next` (sent with it) the rest.
/// Each page is expected exactly once, so a trailing request fails the test.
pub async fn two_token_pages(
    server: &MockServer,
    first: MockBuilder,
    next: MockBuilder,
    token: &str,
    items: &[Value],
    split: usize,
) {
    first
        .and(query_param_is_missing("continuationToken"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ms-continuationtoken", token)
                .set_body_json(list_body(&items[..split])),
        )
        .expect(1)
        .mount(server)
        .await;
    next.and(query_param("continuationToken", token))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&items[split..])))
        .expect(1)
        .mount(server)
        .await;
}

/// Fast retries and no pacing, so tests stay quick.
pub fn fast(builder: AdoClientBuilder) -> AdoClientBuilder {
    builder
        .retry_policy(RetryPolicy::new(
            3,
            Duration::from_millis(1),
            Duration::from_millis(5),
        ))
        .pacing(Pacing::disabled())
}

/// `https://dev.azure.com/fabrikam` with every service host pointed at the mock server.
pub fn dev_azure_org(server: &MockServer) -> Organization {
    let base = server.uri();
    Organization::parse("https://dev.azure.com/fabrikam")
        .and_then(|o| o.with_service_url(Service::Core, &format!("{base}/{{organization}}")))
        .and_then(|o| {
            o.with_service_url(Service::Release, &format!("{base}/vsrm/{{organization}}"))
        })
        .and_then(|o| o.with_service_url(Service::Graph, &format!("{base}/vssps/{{organization}}")))
        .and_then(|o| {
            o.with_service_url(
                Service::Entitlements,
                &format!("{base}/vsaex/{{organization}}"),
            )
        })
        .and_then(|o| {
            o.with_service_url(
                Service::AdvancedSecurity,
                &format!("{base}/advsec/{{organization}}"),
            )
        })
        .expect("valid organization")
}

/// `https://fabrikam.visualstudio.com` with every service host pointed at the mock server.
pub fn visualstudio_org(server: &MockServer) -> Organization {
    let base = server.uri();
    Organization::parse("https://fabrikam.visualstudio.com")
        .and_then(|o| o.with_service_url(Service::Core, &format!("{base}/vs/{{organization}}")))
        .and_then(|o| {
            o.with_service_url(
                Service::Release,
                &format!("{base}/vs-vsrm/{{organization}}"),
            )
        })
        .expect("valid organization")
}

/// A cloud client (`dev.azure.com` form) on the mock server.
pub fn cloud_client(server: &MockServer) -> AdoClient {
    fast(AdoClient::builder(
        dev_azure_org(server),
        Credential::pat(PAT),
    ))
    .build()
    .expect("client")
}

/// A Server client on `{mock}/tfs/DefaultCollection` with the given profile.
pub fn server_client(server: &MockServer, profile: ApiProfile) -> AdoClient {
    let org = Organization::parse(&format!("{}/tfs/DefaultCollection", server.uri()))
        .expect("valid collection URL");
    fast(AdoClient::builder(org, Credential::pat(PAT)))
        .api_profile(profile)
        .build()
        .expect("client")
}

/// Collects a stream, failing the test on the first error.
pub async fn collect<T>(
    stream: impl futures::Stream<Item = ado_client::Result<ado_client::Listed<T>>>,
) -> Vec<ado_client::Listed<T>> {
    use futures::TryStreamExt as _;
    stream.try_collect().await.unwrap_or_else(|e| panic!("{e}"))
}

/// The repositories of `client`'s organization, or the error that ended the listing.
pub async fn all_repositories(
    client: &AdoClient,
) -> ado_client::Result<Vec<ado_client::Listed<ado_client::models::GitRepository>>> {
    use futures::TryStreamExt as _;
    client.all_repositories().try_collect().await
}

/// The organization `fabrikam` at `http://{address}/fabrikam` with fast retries.
pub fn client_at(url: &str) -> AdoClientBuilder {
    let org = Organization::parse(url).expect("valid organization URL");
    fast(AdoClient::builder(org, Credential::pat(PAT)))
}

/// Reads an HTTP/1.1 request head from `stream`; `false` when the peer went away first.
pub async fn read_request_head<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> bool {
    use tokio::io::AsyncReadExt as _;
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    true
}

/// An HTTP/1.1 200 response head for a JSON body of `length` bytes.
pub fn json_response_head(length: usize) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\nconnection: close\r\n\r\n"
    )
}
