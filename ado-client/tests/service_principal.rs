//! Service principal authentication against a mock Entra ID endpoint.

mod common;

use std::sync::Arc;

use ado_client::{AdoClient, Credential, ServicePrincipal};
use azure_core::http::{AsyncRawResponse, HttpClient, Request};
use common::*;
use futures::TryStreamExt as _;
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_SECRET: &str = "client-secret-value-42";

/// Routes token requests for the (https-only) authority to the plain-http mock server.
#[derive(Debug)]
struct ToMock {
    client: reqwest::Client,
    mock: url::Url,
}

#[async_trait::async_trait]
impl HttpClient for ToMock {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let mut request = request.clone();
        let url = request.url_mut();
        url.set_scheme(self.mock.scheme())
            .and_then(|()| url.set_port(self.mock.port()))
            .map_err(|()| {
                azure_core::Error::with_message(azure_core::error::ErrorKind::Other, "bad mock URL")
            })?;
        url.set_host(self.mock.host_str())?;
        self.client.execute_request(&request).await
    }
}

fn principal(server: &MockServer) -> ServicePrincipal {
    let mock = url::Url::parse(&server.uri()).expect("mock URL");
    ServicePrincipal::builder(TENANT, "app-client-id", CLIENT_SECRET)
        .authority_host("https://login.example.test")
        .transport(Arc::new(ToMock {
            client: reqwest::Client::new(),
            mock,
        }))
        .build()
        .expect("service principal")
}

async fn mount_token(server: &MockServer, token: &str, expires_in: i64, times: u64) {
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains(
            "scope=499b84ac-1321-427f-aa17-267ca6975798%2F.default",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer",
            "expires_in": expires_in,
            "ext_expires_in": expires_in,
            "access_token": token
        })))
        .up_to_n_times(times)
        .expect(times)
        .mount(server)
        .await;
}

async fn mount_repos(server: &MockServer, org: &str, token: &str, times: u64) {
    Mock::given(method("GET"))
        .and(path(format!("/{org}/_apis/git/repositories")))
        .and(query_param("api-version", "7.1"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("git/7.1/repositories_list.json")),
        )
        .expect(times)
        .mount(server)
        .await;
}

fn client_for(server: &MockServer, org: &str, credential: &Credential) -> AdoClient {
    let organization = ado_client::Organization::parse(&format!("https://dev.azure.com/{org}"))
        .and_then(|o| {
            o.with_service_url(
                ado_client::Service::Core,
                &format!("{}/{{organization}}", server.uri()),
            )
        })
        .expect("organization");
    fast(AdoClient::builder(organization, credential.clone()))
        .build()
        .expect("client")
}

#[tokio::test]
async fn token_is_cached_and_shared_across_organizations() {
    let server = server().await;
    mount_token(&server, "bearer-token-one", 3600, 1).await;
    mount_repos(&server, "fabrikam", "bearer-token-one", 2).await;
    mount_repos(&server, "contoso", "bearer-token-one", 1).await;

    let credential = Credential::from(principal(&server));
    let fabrikam = client_for(&server, "fabrikam", &credential);
    let contoso = client_for(&server, "contoso", &credential);
    for client in [&fabrikam, &fabrikam, &contoso] {
        let repos: Vec<_> = client
            .all_repositories()
            .try_collect()
            .await
            .expect("listing");
        assert_eq!(repos.len(), 3);
    }
}

#[tokio::test]
async fn token_close_to_expiry_is_refreshed() {
    let server = server().await;
    // Expiring within the refresh margin: every request fetches a fresh token.
    mount_token(&server, "short-lived-token", 10, 2).await;
    mount_repos(&server, "fabrikam", "short-lived-token", 2).await;
    let credential = Credential::from(principal(&server));
    let client = client_for(&server, "fabrikam", &credential);
    for _ in 0..2 {
        collect(client.all_repositories()).await;
    }
}

#[tokio::test]
async fn a_rejected_token_names_the_credential_and_leaks_no_secret() {
    let server = server().await;
    mount_token(&server, "rejected-bearer-token", 3600, 1).await;
    Mock::given(method("GET"))
        .and(path("/fabrikam/_apis/git/repositories"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let credential = Credential::from(principal(&server));
    let client = client_for(&server, "fabrikam", &credential);
    let error = client
        .all_repositories()
        .try_collect::<Vec<_>>()
        .await
        .expect_err("401");
    let text = error.to_string();
    assert!(text.contains("service principal"), "{text}");
    assert!(text.contains("`fabrikam`"), "{text}");
    for shown in [
        text,
        format!("{error:?}"),
        format!("{client:?}"),
        format!("{credential:?}"),
    ] {
        assert!(!shown.contains(CLIENT_SECRET), "{shown}");
        assert!(!shown.contains("rejected-bearer-token"), "{shown}");
    }
}

#[tokio::test]
async fn a_failed_token_request_is_a_credential_error() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided.",
            "error_codes": [7000215]
        })))
        .mount(&server)
        .await;
    let credential = Credential::from(principal(&server));
    let client = client_for(&server, "fabrikam", &credential);
    let error = client
        .all_repositories()
        .try_collect::<Vec<_>>()
        .await
        .expect_err("no token");
    assert!(
        matches!(error, ado_client::Error::Credential { .. }),
        "{error:?}"
    );
    assert!(!error.to_string().contains(CLIENT_SECRET));
}
