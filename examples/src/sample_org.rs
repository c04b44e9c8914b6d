//! The sample organization: Microsoft's example payloads across three projects, with paged
//! listings and a throttled request, served on loopback (see `demo/build_organization.py`).

use std::collections::BTreeMap;
use std::error::Error;

use ado_client::{AdoClient, ApiProfile, Credential, Organization};
use serde_json::Value;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The default mapping of Port's Azure DevOps integration.
pub const DEFAULT_MAPPING: &str = include_str!("../../mappings/default-mapping.yaml");

const ORGANIZATION: &str = include_str!("../demo/organization.json");
/// The sample organization's name in its URL.
const NAME: &str = "fabrikam";

/// The sample organization, served until this value is dropped.
pub struct SampleOrganization {
    server: MockServer,
}

impl SampleOrganization {
    /// Starts serving the sample organization on loopback.
    ///
    /// # Errors
    ///
    /// When the bundled organization cannot be read (a build defect).
    pub async fn serve() -> Result<Self, Box<dyn Error + Send + Sync>> {
        Ok(Self {
            server: serve_routes().await?,
        })
    }

    /// The organization URL, `http://127.0.0.1:{port}/fabrikam`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("{}/{NAME}", self.server.uri())
    }

    /// A client of the organization (Azure DevOps Services API, any token works).
    ///
    /// # Errors
    ///
    /// When the client cannot be built.
    pub fn client(&self) -> ado_client::Result<AdoClient> {
        AdoClient::builder(
            Organization::parse(&self.url())?,
            Credential::pat("demo-token"),
        )
        .api_profile(ApiProfile::Cloud)
        .build()
    }
}

/// Starts the stand-in server on loopback with every route of the sample organization.
async fn serve_routes() -> Result<MockServer, Box<dyn Error + Send + Sync>> {
    let organization: Value = serde_json::from_str(ORGANIZATION)?;
    let server = MockServer::start().await;
    let routes = organization["routes"]
        .as_array()
        .ok_or("the sample organization has no routes")?;
    for route in routes {
        let route_path = format!("/{NAME}{}", route["path"].as_str().unwrap_or_default());
        let matching = |mock: wiremock::MockBuilder| {
            let mut mock = mock.and(path(route_path.as_str()));
            for (name, value) in route["query"].as_object().into_iter().flatten() {
                mock = mock.and(query_param(
                    name.as_str(),
                    value.as_str().unwrap_or_default(),
                ));
            }
            mock
        };
        if route["throttle"] == Value::Bool(true) {
            matching(Mock::given(method("GET")))
                .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
                .up_to_n_times(1)
                .with_priority(1)
                .mount(&server)
                .await;
        }
        match route["pages"].as_array() {
            Some(pages) => {
                for (i, page) in pages.iter().enumerate() {
                    let body = serde_json::json!({"count": page.as_array().map_or(0, Vec::len), "value": page});
                    let mut response = ResponseTemplate::new(200).set_body_json(body);
                    if i + 1 < pages.len() {
                        response = response
                            .insert_header("x-ms-continuationtoken", format!("page-{}", i + 2));
                    }
                    let mock = matching(Mock::given(method("GET")));
                    let mock = if i == 0 {
                        mock.and(query_param_is_missing("continuationToken"))
                    } else {
                        mock.and(query_param("continuationToken", format!("page-{}", i + 1)))
                    };
                    mock.respond_with(response)
                        .with_priority(2)
                        .mount(&server)
                        .await;
                }
            }
            None => {
                let response = match &route["body"] {
                    Value::Null => ResponseTemplate::new(404)
                        .set_body_json(serde_json::json!({"message": "The item does not exist.", "typeKey": "GitItemNotFoundException"})),
                    body => ResponseTemplate::new(200).set_body_json(body),
                };
                matching(Mock::given(method("GET")))
                    .respond_with(response)
                    .with_priority(2)
                    .mount(&server)
                    .await;
            }
        }
    }
    serve_project_pull_requests(&server, routes).await;
    serve_listed_items(&server, routes).await;
    Ok(server)
}

/// Serves each listed item with an `id` on its own (`{list}/{id}`), as Azure DevOps reads one
/// item (live events read items this way).
async fn serve_listed_items(server: &MockServer, routes: &[Value]) {
    for route in routes {
        let Some(list) = route["path"].as_str() else {
            continue;
        };
        let listed = route["body"]["value"].as_array().into_iter().flatten();
        let paged = route["pages"].as_array().into_iter().flatten();
        for item in listed.chain(paged.flat_map(|page| page.as_array().into_iter().flatten())) {
            let id = match &item["id"] {
                Value::String(id) => id.clone(),
                Value::Number(id) => id.to_string(),
                _ => continue,
            };
            Mock::given(method("GET"))
                .and(path(format!("/{NAME}{list}/{id}")))
                .respond_with(ResponseTemplate::new(200).set_body_json(item))
                .with_priority(4)
                .mount(server)
                .await;
        }
    }
}

/// Serves each project's active pull requests, all repositories together, as Azure DevOps
/// answers a listing without `searchCriteria.repositoryId`.
async fn serve_project_pull_requests(server: &MockServer, routes: &[Value]) {
    let mut per_project: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for route in routes {
        let (Some(route_path), Some(items)) =
            (route["path"].as_str(), route["body"]["value"].as_array())
        else {
            continue;
        };
        if route_path.ends_with("/_apis/git/pullrequests")
            && route["query"]["searchCriteria.status"] == "active"
        {
            per_project
                .entry(route_path)
                .or_default()
                .extend(items.iter().cloned());
        }
    }
    for (route_path, items) in per_project {
        let body = serde_json::json!({"count": items.len(), "value": items});
        Mock::given(method("GET"))
            .and(path(format!("/{NAME}{route_path}")))
            .and(query_param_is_missing("searchCriteria.repositoryId"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .with_priority(3)
            .mount(server)
            .await;
    }
}
