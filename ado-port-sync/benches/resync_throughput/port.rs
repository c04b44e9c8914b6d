//! The stand-in Port: a Port that accepts every entity and keeps it (merged as Port merges
//! them), lists what it keeps as this integration's, and counts the requests per route and
//! the entities per bulk upsert.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mapping_engine::Entity;
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
    /// The catalog: the entities upserted, by blueprint and identifier, with when.
    pub catalog: Catalog,
}

/// What the stand-in Port holds.
#[derive(Default)]
pub struct Catalog(Mutex<BTreeMap<(String, String), (Entity, String)>>);

impl Catalog {
    /// Keeps the entities of one bulk upsert into `blueprint`, merged into those held when
    /// `merge`.
    fn upsert(&self, blueprint: &str, entities: &[Value], merge: bool) {
        let now = jiff::Timestamp::now().to_string();
        let mut held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for entity in entities {
            let Ok(mut entity) = serde_json::from_value::<Entity>(entity.clone()) else {
                continue;
            };
            entity.blueprint = json!(blueprint);
            let key = (blueprint.to_owned(), entity.identifier.to_string());
            match held.get_mut(&key) {
                Some((kept, updated)) if merge => {
                    kept.merge(entity);
                    updated.clone_from(&now);
                }
                _ => {
                    held.insert(key, (entity, now.clone()));
                }
            }
        }
    }

    /// A page of the datasource listing, as Port answers the request `body`: at most
    /// `limit` of the entities last updated before `before` (when given), from the position
    /// `from`, and the position of the next page.
    fn listing(&self, body: &Value) -> Value {
        let limit = body["limit"].as_u64().map_or(usize::MAX, |l| l as usize);
        let from = body["from"].as_u64().unwrap_or(0) as usize;
        let time = |text: &str| text.parse::<jiff::Timestamp>().ok();
        let before = body["before"].as_str().and_then(time);
        let held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let mut listed = held
            .values()
            .filter(|(_, updated)| before.is_none_or(|before| time(updated) < Some(before)))
            .skip(from);
        let page: Vec<Value> = listed
            .by_ref()
            .take(limit)
            .map(|(entity, updated)| {
                let mut listed = serde_json::to_value(entity).unwrap_or_default();
                listed["updatedAt"] = json!(updated);
                listed
            })
            .collect();
        let next = listed.next().map(|_| json!(from + page.len()));
        json!({"ok": true, "entities": page, "next": next})
    }

    /// Forgets the entities of a bulk delete from `blueprint`.
    fn delete(&self, blueprint: &str, identifiers: &[Value]) {
        let mut held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for identifier in identifiers {
            held.remove(&(blueprint.to_owned(), identifier.to_string()));
        }
    }
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
            ("POST", ["v1", "blueprints", blueprint, "entities", "bulk"]) => {
                let entities = entities();
                self.stats.bulk(entities.len());
                let merge = request
                    .url
                    .query_pairs()
                    .any(|(name, value)| name == "merge" && value == "true");
                self.catalog.upsert(blueprint, &entities, merge);
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
            ("POST", ["v1", "blueprints", "entities", "datasource-entities"]) => {
                (DATASOURCE_LISTING, self.catalog.listing(&body()))
            }
            ("PATCH", ["v1", "integration", _, "resync-state"]) => {
                (RESYNC_STATE, json!({"ok": true}))
            }
            ("POST", ["v1", "blueprints", blueprint, "bulk", "entities", "delete"]) => {
                let deleted = entities();
                self.catalog.delete(blueprint, &deleted);
                (BULK_DELETE, json!({"ok": true, "deletedEntities": deleted}))
            }
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
