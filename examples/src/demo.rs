//! `ado-port demo`: the real client, engine and sync against a sample
//! organization served on loopback, with the seed's default mapping.

use crate::Failure;
use crate::signals::Shutdown;
use crate::sync;
use ado_client::{AdoClient, ApiProfile, Credential, Organization};
use mapping_engine::{Mapping, Options};
use serde_json::Value;
use std::path::PathBuf;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The sample organization: Microsoft's example payloads across three projects,
/// with paged listings and a throttled request (see `demo/build_organization.py`).
const ORGANIZATION: &str = include_str!("../demo/organization.json");
/// The default mapping of Port's Azure DevOps integration.
const MAPPING: &str = include_str!("../demo/default-mapping.yaml");
/// The sample organization's name in its URL.
const NAME: &str = "fabrikam";

/// Arguments of `ado-port demo`.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Where the entities go (NDJSON, `-` for standard output).
    #[arg(long, default_value = "ado-port-demo.ndjson")]
    output: PathBuf,
}

pub async fn run(args: &DemoArgs, shutdown: &Shutdown) -> Result<(), Failure> {
    let server = shutdown.interruptible(serve_organization()).await?;
    let url = format!("{}/{NAME}", server.uri());
    eprintln!("serving the sample organization at {url}");
    let organization = Organization::parse(&url)?;
    let client = AdoClient::builder(organization, Credential::pat("demo-token"))
        .api_profile(ApiProfile::Cloud)
        .build()?;
    let mapping = Mapping::from_yaml(MAPPING, Options::default())?;
    let report = sync::resync(
        mapping,
        vec![client],
        Vec::new(),
        &sync::ndjson_sink(&args.output)?,
        shutdown,
    )
    .await?;
    let summary = sync::summary(&report);
    if args.output.as_os_str() == "-" {
        eprint!("{summary}");
    } else {
        print!("{summary}");
        println!("entities written to {}", args.output.display());
    }
    sync::conclude_quietly(&report, shutdown)
}

/// Starts the stand-in server on loopback with every route of the sample organization.
async fn serve_organization() -> Result<MockServer, Failure> {
    let organization: Value = serde_json::from_str(ORGANIZATION)?;
    let server = MockServer::start().await;
    let routes = organization["routes"]
        .as_array()
        .ok_or_else(|| Failure::Message("sample organization has no routes".into()))?;
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
    Ok(server)
}
