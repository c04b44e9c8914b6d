//! A hostile network: throttling, 5xx bursts, bodies cut short, connections closed mid-response,
//! timeouts, refused connections and names that do not resolve.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ado_client::{AdoClient, Credential, Error, RetryPolicy, TransportCause};
use common::*;
use serde_json::json;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpListener;
use wiremock::ResponseTemplate;
use wiremock::matchers::query_param;

const REPOS: &str = "/fabrikam/_apis/git/repositories";
const PROJECTS: &str = "/fabrikam/_apis/projects";

fn repos_body() -> String {
    fixture("git/7.1/repositories_list.json").to_string()
}

#[tokio::test]
async fn transient_failures_are_retried_until_success() {
    let cases = [
        ("a 503 burst", ResponseTemplate::new(503), 2),
        (
            "a 429 with a rate-limit delay",
            ResponseTemplate::new(429).insert_header("X-RateLimit-Delay", "0.01"),
            1,
        ),
        (
            "a 200 whose JSON body is cut short (with a matching Content-Length)",
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"count":2,"value":[{"id""#, "application/json"),
            1,
        ),
        (
            "a 200 that is not JSON",
            ResponseTemplate::new(200).set_body_raw("<html>sign in</html>", "text/html"),
            1,
        ),
    ];
    for (case, failure, times) in cases {
        let server = server().await;
        get(REPOS, "7.1")
            .respond_with(failure)
            .up_to_n_times(times)
            .with_priority(1)
            .expect(times)
            .mount(&server)
            .await;
        get(REPOS, "7.1")
            .respond_with(ResponseTemplate::new(200).set_body_raw(repos_body(), "application/json"))
            .with_priority(2)
            .expect(1)
            .mount(&server)
            .await;
        let listed = all_repositories(&cloud_client(&server)).await;
        let count = listed.map(|v| v.len());
        assert_eq!(count.unwrap_or_else(|e| panic!("{case}: {e}")), 3, "{case}");
    }
}

#[tokio::test]
async fn a_body_that_stays_truncated_fails_after_max_attempts_naming_the_endpoint() {
    let server = server().await;
    get(REPOS, "7.1")
        .respond_with(ResponseTemplate::new(200).set_body_raw("{\"count\":2,", "application/json"))
        .expect(3)
        .mount(&server)
        .await;
    let error = all_repositories(&cloud_client(&server))
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
            let cut_short = counter.fetch_add(1, Ordering::SeqCst) < cut;
            let body = body.clone();
            tokio::spawn(async move {
                if !read_request_head(&mut socket).await {
                    return;
                }
                let sent = if cut_short { &body[..10] } else { &body[..] };
                let head = json_response_head(body.len());
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
    let client = client_at(&format!("http://{address}/fabrikam"))
        .build()
        .expect("client");
    assert_eq!(all_repositories(&client).await.expect("listing").len(), 3);
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn connections_always_closed_mid_response_fail_after_max_attempts() {
    let (address, served) = closing_server(repos_body(), usize::MAX).await;
    let client = client_at(&format!("http://{address}/fabrikam"))
        .build()
        .expect("client");
    let error = all_repositories(&client).await.expect_err("always cut");
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
        let error = all_repositories(&cloud_client(&server))
            .await
            .expect_err("client error");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(error.is_definitive(), definitive, "{status}");
        assert_eq!(error.is_not_found(), status == 404, "{status}");
        assert!(!error.is_feature_disabled(), "{status}");
    }
}

#[tokio::test]
async fn a_truncated_page_mid_stream_is_read_again_and_every_item_comes_once() {
    let server = server().await;
    let items = fixture_items("core/7.1/projects_list.json");
    two_token_pages(
        &server,
        get(PROJECTS, "7.1"),
        get(PROJECTS, "7.1"),
        "2",
        &items,
        2,
    )
    .await;
    // The first answer of the second page is cut short; the next one is whole.
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
    let error = all_repositories(&client).await.expect_err("too slow");
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
async fn a_refused_connection_is_retried_then_said() {
    // Bind then drop a listener: nothing listens on that loopback port any more.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let client = client_at(&format!("http://{address}/fabrikam"))
        .build()
        .expect("client");
    let error = all_repositories(&client)
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
        "request to organization `fabrikam` on /fabrikam/_apis/git/repositories failed: \
         connection refused"
    );
    assert!(error.is_retryable() && !error.is_definitive());
}

#[tokio::test]
async fn a_name_that_does_not_resolve_is_definitive_and_named() {
    // `.invalid` never resolves (RFC 6761).
    let client = client_at("http://dev.azure.invalid/fabrikam")
        .build()
        .expect("client");
    let error = all_repositories(&client).await.expect_err("no such host");
    assert!(error.is_definitive(), "{error:?}");
    assert!(!error.is_retryable());
    assert_eq!(
        error.to_string(),
        "request to organization `fabrikam` on /fabrikam/_apis/git/repositories failed: \
         name not resolved (dev.azure.invalid)"
    );
}
