//! A hostile network: throttling, 5xx bursts, bodies cut short, connections closed mid-response,
//! timeouts, refused connections and names that do not resolve.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ado_client::{AdoClient, Credential, Error, Organization, RetryPolicy, TransportCause};
use common::*;
use futures::TryStreamExt as _;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use wiremock::ResponseTemplate;
use wiremock::matchers::{query_param, query_param_is_missing};

const REPOS: &str = "/fabrikam/_apis/git/repositories";
const PROJECTS: &str = "/fabrikam/_apis/projects";

fn repos_body() -> String {
    fixture("git/7.1/repositories_list.json").to_string()
}

/// Answers `first` to the first matching request only, then `then` (each expected `n` times).
async fn first_then(
    server: &wiremock::MockServer,
    first: ResponseTemplate,
    first_times: u64,
    then: ResponseTemplate,
) {
    get(REPOS, "7.1")
        .respond_with(first)
        .up_to_n_times(first_times)
        .with_priority(1)
        .expect(first_times)
        .mount(server)
        .await;
    get(REPOS, "7.1")
        .respond_with(then)
        .with_priority(2)
        .expect(1)
        .mount(server)
        .await;
}

async fn repositories(client: &AdoClient) -> ado_client::Result<usize> {
    client
        .all_repositories()
        .try_collect::<Vec<_>>()
        .await
        .map(|v| v.len())
}

#[tokio::test]
async fn a_503_burst_is_retried_until_success() {
    let server = server().await;
    first_then(
        &server,
        ResponseTemplate::new(503),
        2,
        ResponseTemplate::new(200).set_body_raw(repos_body(), "application/json"),
    )
    .await;
    assert_eq!(
        repositories(&cloud_client(&server)).await.expect("listing"),
        3
    );
}

#[tokio::test]
async fn a_429_with_a_rate_limit_delay_is_retried() {
    let server = server().await;
    first_then(
        &server,
        ResponseTemplate::new(429).insert_header("X-RateLimit-Delay", "0.01"),
        1,
        ResponseTemplate::new(200).set_body_raw(repos_body(), "application/json"),
    )
    .await;
    assert_eq!(
        repositories(&cloud_client(&server)).await.expect("listing"),
        3
    );
}

#[tokio::test]
async fn a_200_with_a_truncated_json_body_is_read_again() {
    let server = server().await;
    first_then(
        &server,
        ResponseTemplate::new(200).set_body_raw(r#"{"count":2,"value":[{"id""#, "application/json"),
        1,
        ResponseTemplate::new(200).set_body_raw(repos_body(), "application/json"),
    )
    .await;
    assert_eq!(
        repositories(&cloud_client(&server)).await.expect("listing"),
        3
    );
}

#[tokio::test]
async fn a_body_that_stays_truncated_fails_after_max_attempts_naming_the_endpoint() {
    let server = server().await;
    get(REPOS, "7.1")
        .respond_with(ResponseTemplate::new(200).set_body_raw("{\"count\":2,", "application/json"))
        .expect(3)
        .mount(&server)
        .await;
    let error = repositories(&cloud_client(&server))
        .await
        .expect_err("never complete");
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains(REPOS) && text.contains("`fabrikam`"),
        "{text}"
    );
}

/// A stand-in server: the first `cut` connections get the response headers and part of the
/// body, then the socket is closed; later ones get `body` whole. Returns its address and the
/// number of connections served.
async fn closing_server(body: String, cut: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let served = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&served);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let first = counter.fetch_add(1, Ordering::SeqCst) < cut;
            let body = body.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                let sent = if first { &body[..10] } else { &body[..] };
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(sent.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (address, served)
}

#[tokio::test]
async fn a_connection_closed_mid_response_is_retried() {
    let (address, served) = closing_server(repos_body(), 1).await;
    let org = Organization::parse(&format!("http://{address}/fabrikam")).expect("valid");
    let client = fast(AdoClient::builder(org, Credential::pat(PAT)))
        .build()
        .expect("client");
    assert_eq!(repositories(&client).await.expect("listing"), 3);
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn connections_always_closed_mid_response_fail_after_max_attempts() {
    let (address, served) = closing_server(repos_body(), usize::MAX).await;
    let org = Organization::parse(&format!("http://{address}/fabrikam")).expect("valid");
    let client = fast(AdoClient::builder(org, Credential::pat(PAT)))
        .build()
        .expect("client");
    let error = repositories(&client).await.expect_err("always cut");
    assert_eq!(served.load(Ordering::SeqCst), 3);
    assert!(error.is_retryable(), "{error:?}");
    assert_eq!(
        error.to_string(),
        "request to organization `fabrikam` on /fabrikam/_apis/git/repositories failed: \
         response body cut short"
    );
}

#[tokio::test]
async fn client_errors_fail_at_once_and_name_their_meaning() {
    for (status, definitive) in [(400u16, false), (401, true), (403, true), (404, false)] {
        let server = server().await;
        get(REPOS, "7.1")
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "message": "TF000000: refused.",
                "typeKey": "SomeException"
            })))
            .expect(1)
            .mount(&server)
            .await;
        let error = repositories(&cloud_client(&server))
            .await
            .expect_err("client error");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(error.is_definitive(), definitive, "{status}");
        assert_eq!(error.is_not_found(), status == 404, "{status}");
        assert!(!error.is_feature_disabled(), "{status}");
    }
}

#[tokio::test]
async fn a_permanent_503_fails_after_max_attempts_naming_status_endpoint_and_organization() {
    let server = server().await;
    get(REPOS, "7.1")
        .respond_with(ResponseTemplate::new(503))
        .expect(4)
        .mount(&server)
        .await;
    let client = AdoClient::builder(dev_azure_org(&server), Credential::pat(PAT))
        .retry_policy(RetryPolicy::new(
            4,
            Duration::from_millis(1),
            Duration::from_millis(2),
        ))
        .pacing(ado_client::Pacing::disabled())
        .build()
        .expect("client");
    let error = repositories(&client).await.expect_err("503 every time");
    let text = error.to_string();
    assert!(text.contains("503"), "{text}");
    assert!(text.contains(REPOS), "{text}");
    assert!(text.contains("`fabrikam`"), "{text}");
    assert!(!error.is_definitive());
}

#[tokio::test]
async fn a_truncated_page_mid_stream_is_read_again_and_every_item_comes_once() {
    let server = server().await;
    let items = fixture_items("core/7.1/projects_list.json");
    get(PROJECTS, "7.1")
        .and(query_param_is_missing("continuationToken"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ms-continuationtoken", "2")
                .set_body_json(list_body(&items[..2])),
        )
        .expect(1)
        .mount(&server)
        .await;
    get(PROJECTS, "7.1")
        .and(query_param("continuationToken", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"count":1,"value":[{"id":"eb6e4656"#, "application/json"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    get(PROJECTS, "7.1")
        .and(query_param("continuationToken", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&items[2..])))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let projects = collect(cloud_client(&server).projects()).await;
    let ids: Vec<_> = projects.iter().map(|p| p.raw["id"].clone()).collect();
    let expected: Vec<_> = items.iter().map(|p| p["id"].clone()).collect();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn an_attempt_that_takes_too_long_times_out_and_is_retried() {
    let server = server().await;
    get(REPOS, "7.1")
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .expect(2)
        .mount(&server)
        .await;
    let client = AdoClient::builder(dev_azure_org(&server), Credential::pat(PAT))
        .retry_policy(RetryPolicy::new(
            2,
            Duration::from_millis(1),
            Duration::from_millis(1),
        ))
        .request_timeout(Duration::from_millis(20))
        .build()
        .expect("client");
    let error = repositories(&client).await.expect_err("too slow");
    assert!(
        matches!(
            error,
            Error::Transport {
                cause: TransportCause::TimedOut,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().ends_with("failed: timed out"), "{error}");
}

#[tokio::test]
async fn a_refused_connection_says_so() {
    // Bind then drop a listener: nothing listens on that loopback port any more.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let org = Organization::parse(&format!("http://{address}/fabrikam")).expect("valid");
    let error = fast(AdoClient::builder(org, Credential::pat(PAT)))
        .build()
        .expect("client")
        .projects()
        .try_collect::<Vec<_>>()
        .await
        .expect_err("connection refused");
    assert!(
        matches!(
            error,
            Error::Transport {
                cause: TransportCause::ConnectionRefused,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "request to organization `fabrikam` on /fabrikam/_apis/projects failed: connection refused"
    );
    assert!(error.is_retryable() && !error.is_definitive());
}

#[tokio::test]
async fn a_name_that_does_not_resolve_is_definitive_and_named() {
    // `.invalid` never resolves (RFC 6761).
    let org = Organization::parse("http://dev.azure.invalid/fabrikam").expect("valid");
    let error = fast(AdoClient::builder(org, Credential::pat(PAT)))
        .build()
        .expect("client")
        .projects()
        .try_collect::<Vec<_>>()
        .await
        .expect_err("no such host");
    assert!(error.is_definitive(), "{error:?}");
    assert!(!error.is_retryable());
    assert_eq!(
        error.to_string(),
        "request to organization `fabrikam` on /fabrikam/_apis/projects failed: name not resolved (dev.azure.invalid)"
    );
}
