//! The stand-in Port: a fresh Port that accepts every entity, counting the requests per route
//! and the entities per bulk upsert.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use crate::faults::Faults;
use crate::stats::Stats;

const TOKEN: &str = "token";
const BULK_UPSERT: &str = "bulk upsert";
const DATASOURCE_LISTING: &str = "datasource listing";
const RESYNC_STATE: &str = "resync state";
const BULK_DELETE: &str = "bulk delete";

/// The routes a resync uses, in the order of the report.
pub const ROUTES: [&str; 5] = [
    TOKEN,
    BULK_UPSERT,
    DATASOURCE_LISTING,
    RESYNC_STATE,
    BULK_DELETE,
];

/// Answers every Port request after `latency`.
pub struct Port {
    /// How long each answer takes.
    pub latency: Duration,
    /// Where the requests are counted.
    pub stats: Arc<Stats>,
    /// Faults answered instead of some requests (still counted).
    pub faults: Faults,
}

impl Respond for Port {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let segments: Vec<&str> = request
            .url
            .path_segments()
            .map(Iterator::collect)
            .unwrap_or_default();
        let body = || serde_json::from_slice::<Value>(&request.body).unwrap_or_default();
        let entities = || body()["entities"].as_array().cloned().unwrap_or_default();
        let (route, answer) = match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["v1", "auth", "access_token"]) => (
                TOKEN,
                json!({"ok": true, "accessToken": "bench-token", "expiresIn": 3600, "tokenType": "Bearer"}),
            ),
            ("POST", ["v1", "blueprints", _, "entities", "bulk"]) => {
                let entities = entities();
                self.stats.bulk(entities.len());
                let created: Vec<Value> = entities
                    .iter()
                    .enumerate()
                    .map(|(index, e)| json!({"identifier": e["identifier"], "index": index, "created": true}))
                    .collect();
                (
                    BULK_UPSERT,
                    json!({"ok": true, "entities": created, "errors": []}),
                )
            }
            // Port held nothing of this integration before the resync.
            ("POST", ["v1", "blueprints", "entities", "datasource-entities"]) => (
                DATASOURCE_LISTING,
                json!({"ok": true, "entities": [], "next": null}),
            ),
            ("PATCH", ["v1", "integration", _, "resync-state"]) => {
                (RESYNC_STATE, json!({"ok": true}))
            }
            ("POST", ["v1", "blueprints", _, "bulk", "entities", "delete"]) => (
                BULK_DELETE,
                json!({"ok": true, "deletedEntities": entities()}),
            ),
            (method, _) => {
                self.stats
                    .port(format!("unserved {method} {}", request.url.path()));
                return ResponseTemplate::new(404).set_delay(self.latency);
            }
        };
        self.stats.port(route.to_owned());
        self.faults
            .next()
            .unwrap_or_else(|| ResponseTemplate::new(200).set_body_json(answer))
            .set_delay(self.latency)
    }
}
