//! Mock Azure DevOps organizations and a mock Port API for the end-to-end tests.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ado_client::{AdoClient, ApiProfile, Credential, Organization, Pacing, RetryPolicy, Service};
use mapping_engine::{Mapping, Options};
use port_client::{Credentials, PortClient};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Reads a fixture file as text.
pub fn fixture_text(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Compiles one of the seed's mappings (`mappings/` at the workspace root), optionally with
/// extra top-level YAML lines.
pub fn mapping(name: &str, prefix: &str) -> Mapping {
    let path = format!("{}/../mappings/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let yaml = format!("{prefix}{text}");
    Mapping::from_yaml(&yaml, Options::default()).expect("valid mapping")
}

/// A mapping of `build` (resources[0]) and `project` (resources[1]), identified by id.
pub fn builds_and_projects() -> Mapping {
    let yaml = r#"
resources:
  - kind: build
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .id | tostring
          blueprint: '"build"'
  - kind: project
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .id
          blueprint: '"project"'
"#;
    Mapping::from_yaml(yaml, Options::default()).expect("valid mapping")
}

/// Serves the sample organization (`tests/fixtures/sample-org.json`) under `/{org}`.
pub async fn mount_sample_org(server: &MockServer, org: &str) {
    mount_routes(server, org, "sample-org.json").await;
}

/// Serves the `routes` of a fixture file under `/{org}`: each a `path` (with an optional
/// `method`, GET by default, and `query`) answered with its `body`.
pub async fn mount_routes(server: &MockServer, org: &str, fixture: &str) {
    let fixture: Value = serde_json::from_str(&fixture_text(fixture)).expect("json");
    for route in fixture["routes"].as_array().expect("routes") {
        let route_path = route["path"].as_str().expect("path");
        let verb = route["method"].as_str().unwrap_or("GET");
        let mut mock = Mock::given(method(verb)).and(path(format!("/{org}{route_path}")));
        if let Some(query) = route["query"].as_object() {
            for (name, value) in query {
                mock = mock.and(query_param(name.as_str(), value.as_str().expect("string")));
            }
        }
        mock.respond_with(ResponseTemplate::new(200).set_body_json(route["body"].clone()))
            .with_priority(5)
            .mount(server)
            .await;
    }
}

/// Overrides one GET route of an organization (takes precedence over the sample routes).
pub async fn override_route(
    server: &MockServer,
    org: &str,
    route: &str,
    response: ResponseTemplate,
) {
    Mock::given(method("GET"))
        .and(path(format!("/{org}{route}")))
        .respond_with(response)
        .with_priority(1)
        .mount(server)
        .await;
}

/// A client for `/{org}` on the mock server: cloud API versions, tiny retry delays.
pub fn ado_client(server: &MockServer, org: &str) -> AdoClient {
    ado_client_with(server, org, ApiProfile::Cloud)
}

/// A client for `/{org}` on the mock server with the given API profile, tiny retry delays.
pub fn ado_client_with(server: &MockServer, org: &str, profile: ApiProfile) -> AdoClient {
    let organization = Organization::parse(&format!("{}/{org}", server.uri())).expect("valid url");
    client_for(organization, profile)
}

/// A client for `/{org}` on the mock server whose release host (`vsrm`) is `/vsrm/{org}`.
pub fn ado_client_with_release_host(server: &MockServer, org: &str) -> AdoClient {
    let organization = Organization::parse(&format!("{}/{org}", server.uri()))
        .expect("valid url")
        .with_service_url(
            Service::Release,
            &format!("{}/vsrm/{{organization}}", server.uri()),
        )
        .expect("release host");
    client_for(organization, ApiProfile::Cloud)
}

fn client_for(organization: Organization, profile: ApiProfile) -> AdoClient {
    AdoClient::builder(organization, Credential::pat("test-pat"))
        .api_profile(profile)
        .retry_policy(RetryPolicy::new(
            3,
            Duration::from_millis(1),
            Duration::from_millis(5),
        ))
        .pacing(Pacing::disabled())
        .build()
        .expect("client")
}

/// A `Write` into a shared buffer, to read what an `NdjsonSink` wrote.
#[derive(Clone, Default)]
pub struct SharedBuf(pub Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl SharedBuf {
    /// Every line written, parsed.
    pub fn lines(&self) -> Vec<Value> {
        let bytes = self.0.lock().expect("lock").clone();
        String::from_utf8(bytes)
            .expect("utf-8")
            .lines()
            .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
            .collect()
    }
}

/// Finds the entity with this blueprint and identifier.
pub fn find<'a>(entities: &'a [Value], blueprint: &str, identifier: &str) -> &'a Value {
    let found: Vec<&Value> = entities
        .iter()
        .filter(|e| e["blueprint"] == blueprint && e["identifier"] == identifier)
        .collect();
    match found.as_slice() {
        [entity] => entity,
        _ => panic!(
            "expected one {blueprint} {identifier}, found {}",
            found.len()
        ),
    }
}

/// The `$datasource` of entities the mock Port's client writes as GitOps.
pub const GITOPS_DATASOURCE: &str = "port-ocean/azure-devops/1.0.0/ado-test/gitops";

/// What the mock Port holds and was asked.
#[derive(Default)]
pub struct PortState {
    /// Every entity upserted by the exporter, in order.
    pub upserted: Mutex<Vec<Value>>,
    /// Every entity upserted as GitOps (the `gitops` User-Agent), in order.
    pub gitops_upserted: Mutex<Vec<Value>>,
    /// What Port holds of this integration, as the datasource listing returns it: upserts
    /// stamp `updatedAt` (and `$datasource`) on stored entities, deletions remove them. An
    /// entity without `$datasource` is the exporter's.
    pub stored: Mutex<Vec<Value>>,
    /// Every (blueprint, identifier) deleted.
    pub deleted: Mutex<BTreeSet<(String, String)>>,
    /// Resync states reported.
    pub states: Mutex<Vec<String>>,
    /// Incremental cursors stored in the integration, by (kind, index).
    pub cursors: Mutex<BTreeMap<(String, String), String>>,
}

impl PortState {
    /// Makes the listing return every distinct entity upserted so far (merged as Port merges
    /// them), last updated now.
    pub fn store_upserted(&self) {
        let now = jiff::Timestamp::now().to_string();
        let mut stored: Vec<mapping_engine::Entity> = Vec::new();
        for upserted in self.upserted.lock().expect("lock").iter() {
            let entity: mapping_engine::Entity =
                serde_json::from_value(upserted.clone()).expect("an entity");
            match stored
                .iter_mut()
                .find(|e| e.blueprint == entity.blueprint && e.identifier == entity.identifier)
            {
                Some(held) => held.merge(entity),
                None => stored.push(entity),
            }
        }
        *self.stored.lock().expect("lock") = stored
            .into_iter()
            .map(|entity| {
                let mut e = serde_json::to_value(entity).expect("json");
                e["updatedAt"] = json!(now);
                e
            })
            .collect();
    }

    /// Makes the listing return only identifiers and blueprints, as if Port did not say what
    /// the entities hold: every entity is written again.
    pub fn forget_contents(&self) {
        for entity in self.stored.lock().expect("lock").iter_mut() {
            *entity = json!({
                "identifier": entity["identifier"],
                "blueprint": entity["blueprint"],
                "updatedAt": entity["updatedAt"],
            });
        }
    }

    /// Forgets what was upserted and deleted (keeps the listing).
    pub fn clear_requests(&self) {
        self.upserted.lock().expect("lock").clear();
        self.gitops_upserted.lock().expect("lock").clear();
        self.deleted.lock().expect("lock").clear();
    }

    /// Deleted pairs.
    pub fn deleted(&self) -> Vec<(String, String)> {
        self.deleted.lock().expect("lock").iter().cloned().collect()
    }

    /// Upserted entities.
    pub fn upserted(&self) -> Vec<Value> {
        self.upserted.lock().expect("lock").clone()
    }

    /// Entities upserted as GitOps.
    pub fn gitops_upserted(&self) -> Vec<Value> {
        self.gitops_upserted.lock().expect("lock").clone()
    }
}

/// The `$datasource` Port stamps from a request's User-Agent.
fn datasource(request: &Request) -> String {
    request
        .headers
        .get("user-agent")
        .and_then(|agent| agent.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

struct Upserts(Arc<PortState>);

impl Respond for Upserts {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).expect("json body");
        let entities = body["entities"].as_array().cloned().unwrap_or_default();
        let answered: Vec<Value> = entities
            .iter()
            .enumerate()
            .map(|(index, e)| json!({"identifier": e["identifier"], "index": index, "created": true}))
            .collect();
        let now = jiff::Timestamp::now().to_string();
        let datasource = datasource(request);
        let gitops = datasource.ends_with("/gitops");
        for stored in self.0.stored.lock().expect("lock").iter_mut() {
            if entities.iter().any(|e| {
                e["blueprint"] == stored["blueprint"] && e["identifier"] == stored["identifier"]
            }) {
                stored["updatedAt"] = json!(now);
                if gitops {
                    stored["$datasource"] = json!(datasource);
                }
            }
        }
        let upserted = if gitops {
            &self.0.gitops_upserted
        } else {
            &self.0.upserted
        };
        upserted.lock().expect("lock").extend(entities);
        ResponseTemplate::new(207)
            .set_body_json(json!({"ok": true, "entities": answered, "errors": []}))
    }
}

struct Listing(Arc<PortState>);

impl Respond for Listing {
    /// Entities of the datasource asked for (the exporter's when they carry none); with
    /// `before`, only those last updated before it, as Port filters them.
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).expect("json body");
        let suffix = body["datasource_suffix"].as_str().unwrap_or_default();
        let of_datasource = |e: &Value| {
            e["$datasource"]
                .as_str()
                .unwrap_or("port-ocean/azure-devops/1.0.0/ado-test/exporter")
                .ends_with(suffix)
        };
        let before = body["before"]
            .as_str()
            .map(|b| b.parse::<jiff::Timestamp>().expect("ISO time"));
        let updated = |e: &Value| {
            e["updatedAt"]
                .as_str()
                .map(|u| u.parse::<jiff::Timestamp>().expect("ISO time"))
        };
        let stored: Vec<Value> = self
            .0
            .stored
            .lock()
            .expect("lock")
            .iter()
            .filter(|e| of_datasource(e))
            .filter(|e| match (before, updated(e)) {
                (Some(before), Some(updated)) => updated < before,
                _ => true,
            })
            .cloned()
            .collect();
        ResponseTemplate::new(200)
            .set_body_json(json!({"ok": true, "entities": stored, "next": null}))
    }
}

struct Deletes(Arc<PortState>);

impl Respond for Deletes {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let blueprint = request
            .url
            .path()
            .split('/')
            .nth(3)
            .unwrap_or_default()
            .to_owned();
        let body: Value = serde_json::from_slice(&request.body).expect("json body");
        let ids: Vec<String> = body["entities"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|id| id.as_str().map(str::to_owned))
            .collect();
        let mut deleted = self.0.deleted.lock().expect("lock");
        for id in &ids {
            deleted.insert((blueprint.clone(), id.clone()));
        }
        self.0.stored.lock().expect("lock").retain(|e| {
            !(e["blueprint"] == blueprint.as_str()
                && ids.iter().any(|id| e["identifier"] == id.as_str()))
        });
        ResponseTemplate::new(200).set_body_json(json!({"ok": true, "deletedEntities": ids}))
    }
}

/// `DELETE /v1/blueprints/{blueprint}/entities/{identifier}`, as live events delete.
struct Delete(Arc<PortState>);

impl Respond for Delete {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        // The tests' identifiers need no percent-decoding.
        let segments: Vec<&str> = request.url.path().split('/').collect();
        let (blueprint, identifier) = (segments[3].to_owned(), segments[5].to_owned());
        self.0.stored.lock().expect("lock").retain(|e| {
            !(e["blueprint"] == blueprint.as_str() && e["identifier"] == identifier.as_str())
        });
        self.0
            .deleted
            .lock()
            .expect("lock")
            .insert((blueprint, identifier));
        ResponseTemplate::new(200).set_body_json(json!({"ok": true}))
    }
}

struct States(Arc<PortState>);

impl Respond for States {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).expect("json body");
        let status = body["status"].as_str().unwrap_or_default().to_owned();
        self.0.states.lock().expect("lock").push(status);
        ResponseTemplate::new(200).set_body_json(json!({"ok": true}))
    }
}

struct CursorRoute(Arc<PortState>);

impl Respond for CursorRoute {
    /// Port's cursor route: GET answers the stored cursor or 404, PUT replaces one (404 when
    /// there is none), POST creates one.
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let param = |name: &str| {
            request
                .url
                .query_pairs()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default()
        };
        let key = (param("kind"), param("index"));
        let mut cursors = self.0.cursors.lock().expect("lock");
        let missing = ResponseTemplate::new(404).set_body_json(json!({"ok": false}));
        match request.method.as_str() {
            "GET" => match cursors.get(&key) {
                Some(primary) => ResponseTemplate::new(200)
                    .set_body_json(json!({"ok": true, "cursor": {"primary": primary}})),
                None => missing,
            },
            "PUT" if !cursors.contains_key(&key) => missing,
            _ => {
                let body: Value = serde_json::from_slice(&request.body).expect("json body");
                let primary = body["primary"].as_str().expect("a time").to_owned();
                cursors.insert(key, primary);
                ResponseTemplate::new(200).set_body_json(json!({"ok": true}))
            }
        }
    }
}

/// A mock Port API recording upserts, deletions, resync states and cursors.
pub async fn mock_port(server: &MockServer) -> (PortClient, Arc<PortState>) {
    let state = Arc::new(PortState::default());
    Mock::given(method("POST"))
        .and(path("/v1/auth/access_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "accessToken": "port-token", "expiresIn": 3600, "tokenType": "Bearer"
        })))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/v1/blueprints/[^/]+/entities/bulk$"))
        .respond_with(Upserts(Arc::clone(&state)))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/blueprints/entities/datasource-entities"))
        .respond_with(Listing(Arc::clone(&state)))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/v1/blueprints/[^/]+/bulk/entities/delete$"))
        .respond_with(Deletes(Arc::clone(&state)))
        .mount(server)
        .await;
    Mock::given(method("DELETE"))
        .and(path_regex(r"^/v1/blueprints/[^/]+/entities/[^/]+$"))
        .respond_with(Delete(Arc::clone(&state)))
        .mount(server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/integration/ado-test/resync-state"))
        .respond_with(States(Arc::clone(&state)))
        .mount(server)
        .await;
    Mock::given(path("/v1/integration/ado-test/cursor"))
        .respond_with(CursorRoute(Arc::clone(&state)))
        .mount(server)
        .await;
    let client = PortClient::builder(Credentials::new("id", "secret"))
        .base_url(server.uri())
        .integration("azure-devops", "1.0.0", "ado-test")
        .retry(port_client::RetryPolicy::new(
            2,
            Duration::from_millis(1),
            Duration::from_millis(5),
        ))
        .build()
        .expect("port client");
    (client, state)
}

/// Pairs (blueprint, identifier), sorted.
/// The sample organization resynced once with the default mapping into a mock Port, which
/// now stores what was upserted; recorded requests are cleared.
pub struct Synced {
    /// The mock organization (`/fabrikam`).
    pub ado: MockServer,
    /// The mock Port; dropping it stops the server.
    pub port: MockServer,
    /// What the mock Port received and stores.
    pub state: Arc<PortState>,
    /// The sink writing to the mock Port.
    pub sink: ado_port_sync::PortSink,
    /// The resync, ready to run again.
    pub resync: ado_port_sync::Resync,
    /// The report of the first resync.
    pub first: ado_port_sync::ResyncReport,
    /// How many entities the mock Port received in the first resync.
    pub first_upserted: usize,
}

/// Runs the first resync of [`Synced`].
pub async fn synced_sample_org() -> Synced {
    let ado = MockServer::start().await;
    mount_sample_org(&ado, "fabrikam").await;
    let port = MockServer::start().await;
    let (port_client, state) = mock_port(&port).await;
    let sink = ado_port_sync::PortSink::new(port_client);
    let resync = ado_port_sync::Resync::new(
        mapping("default-mapping.yaml", ""),
        vec![ado_client(&ado, "fabrikam")],
    )
    .expect("loads");
    let first = resync.run(&sink).await;
    let first_upserted = state.upserted().len();
    state.store_upserted();
    state.clear_requests();
    Synced {
        ado,
        port,
        state,
        sink,
        resync,
        first,
        first_upserted,
    }
}

pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = list
        .iter()
        .map(|(b, i)| ((*b).to_owned(), (*i).to_owned()))
        .collect();
    pairs.sort();
    pairs
}
