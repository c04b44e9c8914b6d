//! Request pipeline behaviour: retries, throttling, pacing, error classification, redaction.

mod common;

use std::time::{Duration, Instant};

use ado_client::{AdoClient, Credential, Error, Pacing};
use common::*;
use futures::TryStreamExt as _;
use serde_json::json;
use wiremock::ResponseTemplate;

const REPOS: &str = "/fabrikam/_apis/git/repositories";

fn repos_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(fixture("git/7.1/repositories_list.json"))
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_after_the_delay() {
    let server = server().await;
    get(REPOS, "7.1")
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "0.2")
                .set_body_json(json!({"message": "TF400733: The request has been canceled"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    get(REPOS, "7.1")
        .respond_with(repos_ok())
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    let repos = collect(cloud_client(&server).all_repositories()).await;
    assert_eq!(repos.len(), 3);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn server_errors_are_retried_up_to_max_attempts() {
    let server = server().await;
    get(REPOS, "7.1")
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let client = cloud_client(&server);
    let (listed, counted) =
        ado_client::count_requests(client.all_repositories().try_collect::<Vec<_>>()).await;
    let error = listed.expect_err("503 every time");
    // Every attempt counts, in the work's scope and for the host.
    assert_eq!(counted, 3);
    let host = url::Url::parse(&server.uri()).expect("url");
    let by_host = client.requests_by_host();
    let counts = &by_host[host.host_str().expect("host")];
    assert_eq!((counts.requests, counts.retries), (3, 2));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert!(error.is_retryable());
    assert_eq!(error.organization(), Some("fabrikam"));
    assert_eq!(error.endpoint(), Some(REPOS));
    assert!(!error.is_definitive());
    assert_eq!(
        error.to_string(),
        "HTTP 503 Service Unavailable from organization `fabrikam` on /fabrikam/_apis/git/repositories"
    );
}

#[tokio::test]
async fn a_401_is_not_retried_and_names_organization_and_credential() {
    let server = server().await;
    get(REPOS, "7.1")
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "message": "TF400813: The user '' is not authorized to access this resource.",
            "typeKey": "UnauthorizedRequestException"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let error = cloud_client(&server)
        .all_repositories()
        .try_collect::<Vec<_>>()
        .await
        .expect_err("401");
    assert!(matches!(error, Error::Unauthorized { .. }));
    assert!(!error.is_retryable());
    let text = error.to_string();
    assert!(text.contains("`fabrikam`"), "{text}");
    assert!(text.contains("personal access token"), "{text}");
    assert!(text.contains("TF400813"), "{text}");
    assert_no_secret(&text);
    assert_no_secret(&format!("{error:?}"));
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400u16, 403, 404] {
        let server = server().await;
        get(REPOS, "7.1")
            .respond_with(ResponseTemplate::new(status))
            .expect(1)
            .mount(&server)
            .await;
        let error = cloud_client(&server)
            .all_repositories()
            .try_collect::<Vec<_>>()
            .await
            .expect_err("client error");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert!(!error.is_retryable());
    }
}

#[tokio::test]
async fn low_remaining_rate_limit_paces_the_next_request() {
    let server = server().await;
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after epoch")
        .as_secs()
        + 120;
    get(REPOS, "7.1")
        .respond_with(
            repos_ok()
                .insert_header("X-RateLimit-Limit", "200")
                .insert_header("X-RateLimit-Remaining", "0.5")
                .insert_header("X-RateLimit-Reset", reset.to_string().as_str()),
        )
        .expect(2)
        .mount(&server)
        .await;
    let client = fast(AdoClient::builder(
        dev_azure_org(&server),
        Credential::pat(PAT),
    ))
    .pacing(Pacing::new(5.0, Duration::from_millis(300)))
    .build()
    .expect("client");
    collect(client.all_repositories()).await;
    let started = Instant::now();
    collect(client.all_repositories()).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn decode_failures_report_the_json_path() {
    let server = server().await;
    get(REPOS, "7.1")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 2,
            "value": [
                {"id": "a", "name": "ok"},
                {"id": "b", "name": 5}
            ]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let items: Vec<_> = cloud_client(&server).all_repositories().collect_all().await;
    assert!(items[0].is_ok());
    let error = items[1].as_ref().expect_err("bad name");
    assert_eq!(error.decode_path(), Some("value[1].name"));
    assert!(error.to_string().contains("value[1].name"), "{error}");
}

#[tokio::test]
async fn continuation_is_exposed_for_resuming() {
    let server = server().await;
    let items = fixture_items("core/7.1/projects_list.json");
    get("/fabrikam/_apis/projects", "7.1")
        .and(wiremock::matchers::query_param_is_missing(
            "continuationToken",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ms-continuationtoken", "2")
                .set_body_json(list_body(&items[..2])),
        )
        .expect(1)
        .mount(&server)
        .await;
    get("/fabrikam/_apis/projects", "7.1")
        .and(wiremock::matchers::query_param("continuationToken", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_body(&items[2..])))
        .expect(2)
        .mount(&server)
        .await;
    let client = cloud_client(&server);
    let mut pager = client.projects();
    assert!(pager.continuation().is_none());
    pager.try_next().await.expect("first page").expect("item");
    let token = pager.continuation().cloned().expect("a next page");
    assert_eq!(token, ado_client::Continuation::Token("2".to_owned()));
    assert_eq!(pager.try_collect::<Vec<_>>().await.expect("rest").len(), 2);

    let resumed = collect(client.projects().resume_from(token)).await;
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].item.name, "TestGit");
}

#[tokio::test]
async fn streams_can_be_spawned() {
    let server = server().await;
    get(REPOS, "7.1")
        .respond_with(repos_ok())
        .expect(1)
        .mount(&server)
        .await;
    let stream = cloud_client(&server).all_repositories();
    let count = tokio::spawn(async move { stream.try_collect::<Vec<_>>().await.map(|v| v.len()) })
        .await
        .expect("task")
        .expect("listing");
    assert_eq!(count, 3);
}

#[test]
fn debug_output_never_shows_the_pat() {
    let org = ado_client::Organization::parse("https://dev.azure.com/fabrikam").expect("valid");
    let client = AdoClient::builder(org, Credential::pat(PAT))
        .build()
        .expect("client");
    assert_no_secret(&format!("{client:?}"));
    assert_no_secret(&format!("{:?}", Credential::pat(PAT)));
}

fn assert_no_secret(text: &str) {
    assert!(!text.contains(PAT), "PAT leaked: {text}");
    let basic = basic_auth();
    let encoded = basic.trim_start_matches("Basic ");
    assert!(!text.contains(encoded), "encoded PAT leaked: {text}");
}

trait CollectAll: futures::Stream + Sized {
    async fn collect_all(self) -> Vec<Self::Item> {
        futures::StreamExt::collect(self).await
    }
}

impl<S: futures::Stream> CollectAll for S {}
