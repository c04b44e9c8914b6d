//! Entities: the entity type, single and bulk upserts, single and bulk deletes.

use std::collections::HashMap;
use std::ops::Range;

use futures::{StreamExt, TryStreamExt, stream};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::client::PortClient;
use crate::error::{ApiError, Error, Result};
use crate::transport::ApiRequest;

/// Most entities Port accepts in one bulk upsert.
pub const MAX_BULK_UPSERT: usize = 20;
/// Largest request body Port accepts, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most identifiers Port accepts in one bulk delete.
pub const MAX_BULK_DELETE: usize = 100;

/// Bytes of `{"entities":[` plus `]}` around the serialized entities of a bulk body.
const BULK_ENVELOPE_BYTES: usize = r#"{"entities":[]}"#.len();

/// Identifier Port reports for a bulk item whose search identifier matched nothing.
const UNMATCHED_IDENTIFIER: &str = "unknown";

/// A Port entity as written by an integration.
///
/// Optional keys are serialized only when set; a key set to `null` is sent as `null`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// The identifier: a string, or a search query object that Port resolves to one entity.
    pub identifier: Value,
    /// The blueprint the entity belongs to.
    #[serde(default)]
    pub blueprint: String,
    /// Display title.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub title: Option<Value>,
    /// Owning team(s): a name, a list of names, or a search query.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub team: Option<Value>,
    /// Icon name.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub icon: Option<Value>,
    /// Property values by property identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Map<String, Value>>,
    /// Relation targets by relation identifier: identifiers, lists of them, or search queries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relations: Option<Map<String, Value>>,
}

/// Keeps an explicit `null` as `Some(Value::Null)` so it round-trips.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

impl Entity {
    /// An entity with only a blueprint and an identifier.
    pub fn new(blueprint: impl Into<String>, identifier: impl Into<Value>) -> Self {
        Self {
            identifier: identifier.into(),
            blueprint: blueprint.into(),
            ..Self::default()
        }
    }

    /// Sets the title.
    #[must_use]
    pub fn with_title(mut self, title: impl Into<Value>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets one property.
    #[must_use]
    pub fn with_property(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.properties
            .get_or_insert_default()
            .insert(name.into(), value.into());
        self
    }

    /// Sets one relation.
    #[must_use]
    pub fn with_relation(mut self, name: impl Into<String>, target: impl Into<Value>) -> Self {
        self.relations
            .get_or_insert_default()
            .insert(name.into(), target.into());
        self
    }
}

/// Query flags sent with upserts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpsertOptions {
    merge: bool,
    create_missing_related_entities: bool,
}

impl Default for UpsertOptions {
    /// Both flags on, as in the default mapping (`enableMergeEntity`, `createMissingRelatedEntities`).
    fn default() -> Self {
        Self {
            merge: true,
            create_missing_related_entities: true,
        }
    }
}

impl UpsertOptions {
    /// Merge into the stored entity (`merge=true`) instead of replacing it.
    #[must_use]
    pub fn merge(mut self, merge: bool) -> Self {
        self.merge = merge;
        self
    }

    /// Let Port create placeholder entities for missing relation targets.
    #[must_use]
    pub fn create_missing_related_entities(mut self, create: bool) -> Self {
        self.create_missing_related_entities = create;
        self
    }
}

/// What happened to one entity of a bulk upsert.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpsertOutcome {
    /// Port stored the entity.
    Upserted {
        /// The stored identifier (resolved, for a search identifier).
        identifier: String,
        /// Whether the entity was new.
        created: bool,
    },
    /// The entity's search identifier matched no entity, so nothing was written.
    Unmatched,
    /// Port rejected the entity (or the whole request carrying it).
    Failed(ApiError),
}

#[derive(Deserialize)]
struct BulkResponse {
    #[serde(default)]
    entities: Vec<BulkItem>,
    #[serde(default)]
    errors: Vec<BulkItemError>,
}

#[derive(Deserialize)]
struct BulkItem {
    identifier: Value,
    index: usize,
    #[serde(default)]
    created: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BulkItemError {
    identifier: Value,
    index: usize,
    status_code: u16,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct SingleResponse {
    entity: Entity,
}

#[derive(Deserialize)]
struct BulkDeleteResponse {
    #[serde(default, rename = "deletedEntities")]
    deleted_entities: Option<Vec<String>>,
}

/// Input indices of entities of one blueprint sent in one bulk call.
struct Batch {
    blueprint: String,
    indices: Vec<usize>,
}

/// Groups entities by blueprint (in order of first appearance) and splits each group into
/// batches by count and serialized size.
fn plan_upserts(entities: &[Entity], encoded: &[Vec<u8>]) -> Vec<Batch> {
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut group_of: HashMap<&str, usize> = HashMap::new();
    for (index, entity) in entities.iter().enumerate() {
        let group = *group_of.entry(&entity.blueprint).or_insert_with(|| {
            groups.push((&entity.blueprint, Vec::new()));
            groups.len() - 1
        });
        groups[group].1.push(index);
    }
    let mut batches = Vec::new();
    for (blueprint, indices) in groups {
        let sizes: Vec<usize> = indices.iter().map(|&i| encoded[i].len()).collect();
        for range in plan_batches(&sizes, MAX_BULK_UPSERT, MAX_BODY_BYTES) {
            batches.push(Batch {
                blueprint: blueprint.to_owned(),
                indices: indices[range].to_vec(),
            });
        }
    }
    batches
}

/// A unit of upsert work: a bulk call over some input indices, or a single-entity call.
enum Work {
    Bulk(Vec<usize>),
    Single(usize),
}

fn identifier_text(identifier: &Value) -> String {
    match identifier {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Splits consecutive items of the given serialized sizes into bulk batches holding at most
/// `max_count` items and a body of at most `max_bytes`. An item too large on its own gets a
/// batch of its own.
fn plan_batches(sizes: &[usize], max_count: usize, max_bytes: usize) -> Vec<Range<usize>> {
    let mut batches = Vec::new();
    let mut start = 0;
    let mut bytes = BULK_ENVELOPE_BYTES;
    for (index, &size) in sizes.iter().enumerate() {
        let count = index - start;
        let added = size + usize::from(count > 0);
        if count > 0 && (count == max_count || bytes + added > max_bytes) {
            batches.push(start..index);
            start = index;
            bytes = BULK_ENVELOPE_BYTES + size;
        } else {
            bytes += added;
        }
    }
    if start < sizes.len() {
        batches.push(start..sizes.len());
    }
    batches
}

/// Joins serialized entities into a bulk body.
fn bulk_body(encoded: &[Vec<u8>], indices: &[usize]) -> Vec<u8> {
    let size = BULK_ENVELOPE_BYTES + indices.iter().map(|&i| encoded[i].len() + 1).sum::<usize>();
    let mut body = Vec::with_capacity(size);
    body.extend_from_slice(br#"{"entities":["#);
    for (position, &index) in indices.iter().enumerate() {
        if position > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&encoded[index]);
    }
    body.extend_from_slice(b"]}");
    body
}

impl PortClient {
    /// Upserts one entity (`POST /v1/blueprints/{bp}/entities`) and returns Port's stored copy.
    pub async fn upsert_entity(&self, entity: &Entity, options: &UpsertOptions) -> Result<Entity> {
        let body = serde_json::to_vec(entity).map_err(Error::Encode)?;
        let (_, stored) = self.post_single(&entity.blueprint, body, options).await?;
        Ok(stored)
    }

    /// Upserts entities in bulk and reports each entity's outcome, in input order.
    ///
    /// Entities are grouped by blueprint and sent in batches of at most [`MAX_BULK_UPSERT`]
    /// entities and [`MAX_BODY_BYTES`] bytes. Every entity Port rejects comes back as
    /// [`UpsertOutcome::Failed`] with Port's message: per-entity errors (207), and a rejection
    /// of a whole batch (a 4xx such as 404 for a blueprint that does not exist, or 422); a 413
    /// splits the batch further, down to single upserts. A search identifier that matched
    /// nothing is [`UpsertOutcome::Unmatched`]. The whole call fails only on a definitive
    /// error ([`Error::is_definitive`]) or when retries are exhausted on network failures,
    /// 408, 429 or 5xx.
    pub async fn upsert_entities(
        &self,
        entities: &[Entity],
        options: &UpsertOptions,
    ) -> Result<Vec<UpsertOutcome>> {
        let encoded = entities
            .iter()
            .map(serde_json::to_vec)
            .collect::<Result<Vec<_>, _>>()
            .map_err(Error::Encode)?;

        let batches = plan_upserts(entities, &encoded);
        let mut outcomes: Vec<Option<UpsertOutcome>> = vec![None; entities.len()];
        let mut results = stream::iter(batches)
            .map(|batch| self.upsert_batch(batch, &encoded, options))
            .buffer_unordered(self.max_in_flight());
        while let Some(batch) = results.next().await {
            for (index, outcome) in batch? {
                outcomes[index] = Some(outcome);
            }
        }
        Ok(outcomes
            .into_iter()
            .map(|outcome| {
                outcome.unwrap_or_else(|| {
                    UpsertOutcome::Failed(ApiError {
                        status: StatusCode::OK.as_u16(),
                        code: None,
                        message: "Port's bulk response did not mention this entity".into(),
                        trace_id: None,
                    })
                })
            })
            .collect())
    }

    /// Upserts one planned batch, splitting it on 413.
    async fn upsert_batch(
        &self,
        batch: Batch,
        encoded: &[Vec<u8>],
        options: &UpsertOptions,
    ) -> Result<Vec<(usize, UpsertOutcome)>> {
        let Batch { blueprint, indices } = batch;
        let blueprint = blueprint.as_str();
        let mut outcomes = Vec::with_capacity(indices.len());
        let mut work = vec![Work::Bulk(indices)];
        while let Some(next) = work.pop() {
            match next {
                Work::Bulk(batch) => {
                    match self.post_bulk(blueprint, &batch, encoded, options).await {
                        Ok(done) => outcomes.extend(done),
                        Err(Error::Api(err))
                            if err.status == StatusCode::PAYLOAD_TOO_LARGE.as_u16() =>
                        {
                            if let [single] = batch[..] {
                                work.push(Work::Single(single));
                            } else {
                                let (first, second) = batch.split_at(batch.len() / 2);
                                work.push(Work::Bulk(second.to_vec()));
                                work.push(Work::Bulk(first.to_vec()));
                            }
                        }
                        Err(Error::Api(err)) if is_rejection(&err) => {
                            let err = batch_rejection(blueprint, *err);
                            outcomes.extend(
                                batch
                                    .into_iter()
                                    .map(|i| (i, UpsertOutcome::Failed(err.clone()))),
                            );
                        }
                        Err(other) => return Err(other),
                    }
                }
                Work::Single(index) => {
                    let outcome = match self
                        .post_single(blueprint, encoded[index].clone(), options)
                        .await
                    {
                        Ok((created, stored)) => UpsertOutcome::Upserted {
                            identifier: identifier_text(&stored.identifier),
                            created,
                        },
                        Err(Error::Api(err)) if is_rejection(&err) => UpsertOutcome::Failed(*err),
                        Err(other) => return Err(other),
                    };
                    outcomes.push((index, outcome));
                }
            }
        }
        Ok(outcomes)
    }

    /// One bulk call; maps Port's per-item results back to input indices.
    async fn post_bulk(
        &self,
        blueprint: &str,
        batch: &[usize],
        encoded: &[Vec<u8>],
        options: &UpsertOptions,
    ) -> Result<Vec<(usize, UpsertOutcome)>> {
        let request = self
            .request(Method::POST, &["blueprints", blueprint, "entities", "bulk"])?
            .body(bulk_body(encoded, batch));
        let request = upsert_query(request, options);
        let response: BulkResponse = self.send(&request, |r| r.json("bulk upsert")).await?;
        let stored = response.entities.into_iter().filter_map(|item| {
            let index = *batch.get(item.index)?;
            Some((
                index,
                UpsertOutcome::Upserted {
                    identifier: identifier_text(&item.identifier),
                    created: item.created,
                },
            ))
        });
        let failed = response.errors.into_iter().filter_map(|item| {
            let index = *batch.get(item.index)?;
            let outcome = if item.identifier.as_str() == Some(UNMATCHED_IDENTIFIER) {
                UpsertOutcome::Unmatched
            } else {
                UpsertOutcome::Failed(ApiError {
                    status: item.status_code,
                    code: item.error,
                    message: item.message,
                    trace_id: None,
                })
            };
            Some((index, outcome))
        });
        Ok(stored.chain(failed).collect())
    }

    /// One single-entity upsert; returns whether it was created and the stored entity.
    async fn post_single(
        &self,
        blueprint: &str,
        body: Vec<u8>,
        options: &UpsertOptions,
    ) -> Result<(bool, Entity)> {
        let request = self
            .request(Method::POST, &["blueprints", blueprint, "entities"])?
            .body(body);
        self.send(&upsert_query(request, options), |response| {
            let parsed: SingleResponse = response.json("entity upsert")?;
            Ok((response.status == StatusCode::CREATED, parsed.entity))
        })
        .await
    }

    /// Deletes one entity. Returns `false` when it did not exist (404), which counts as deleted.
    pub async fn delete_entity(
        &self,
        blueprint: &str,
        identifier: &str,
        delete_dependents: bool,
    ) -> Result<bool> {
        let request = self
            .request(
                Method::DELETE,
                &["blueprints", blueprint, "entities", identifier],
            )?
            .query("delete_dependents", bool_text(delete_dependents));
        match self.send(&request, |_| Ok(())).await {
            Ok(()) => Ok(true),
            Err(err) if err.is_not_found() => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Deletes entities of one blueprint in calls of at most [`MAX_BULK_DELETE`] identifiers and
    /// returns the identifiers Port reports deleted.
    ///
    /// Without `delete_dependents`, Port fails a whole call if any of its entities has dependents.
    pub async fn delete_entities(
        &self,
        blueprint: &str,
        identifiers: &[impl AsRef<str> + Sync],
        delete_dependents: bool,
    ) -> Result<Vec<String>> {
        // Owned chunks, built up front, keep the returned future `Send`.
        let chunks: Vec<Vec<String>> = identifiers
            .chunks(MAX_BULK_DELETE)
            .map(|chunk| chunk.iter().map(|id| id.as_ref().to_owned()).collect())
            .collect();
        let deleted: Vec<Vec<String>> = stream::iter(chunks)
            .map(|chunk| self.delete_chunk(blueprint, chunk, delete_dependents))
            .buffered(self.max_in_flight())
            .try_collect()
            .await?;
        Ok(deleted.concat())
    }

    async fn delete_chunk(
        &self,
        blueprint: &str,
        chunk: Vec<String>,
        delete_dependents: bool,
    ) -> Result<Vec<String>> {
        let request = self
            .request(
                Method::POST,
                &["blueprints", blueprint, "bulk", "entities", "delete"],
            )?
            .query("delete_dependents", bool_text(delete_dependents))
            .json(&serde_json::json!({ "entities": chunk }))?
            .retryable(true);
        let response: BulkDeleteResponse = self.send(&request, |r| r.json("bulk delete")).await?;
        Ok(response.deleted_entities.unwrap_or(chunk))
    }
}

/// Whether an error answer rejects the entities sent rather than the call: a 4xx other than
/// 401 and 403 (definitive) and 408 and 429 (retried, then the call fails).
fn is_rejection(err: &ApiError) -> bool {
    (400..500).contains(&err.status) && !matches!(err.status, 401 | 403 | 408 | 429)
}

/// Port's rejection of a whole bulk batch of `blueprint`. Port reports a missing related
/// entity per entity (207), so a 404 for the batch about a blueprint (or saying nothing)
/// means the blueprint does not exist, and the message says so.
fn batch_rejection(blueprint: &str, mut err: ApiError) -> ApiError {
    let about_blueprint =
        err.message.is_empty() || err.message.to_ascii_lowercase().contains("blueprint");
    if err.status == StatusCode::NOT_FOUND.as_u16() && about_blueprint {
        err.message = if err.message.is_empty() {
            format!("blueprint `{blueprint}` does not exist")
        } else {
            format!("blueprint `{blueprint}` does not exist ({})", err.message)
        };
    }
    err
}

fn bool_text(flag: bool) -> &'static str {
    if flag { "true" } else { "false" }
}

fn upsert_query(request: ApiRequest, options: &UpsertOptions) -> ApiRequest {
    request
        .query("upsert", "true")
        .query("merge", bool_text(options.merge))
        .query(
            "create_missing_related_entities",
            bool_text(options.create_missing_related_entities),
        )
        .retryable(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serializes_only_set_keys_and_keeps_nulls() {
        let entity = Entity::new("bp", "a").with_title(Value::Null);
        assert_eq!(
            serde_json::to_value(&entity).expect("serializable"),
            json!({"identifier": "a", "blueprint": "bp", "title": null})
        );
        let parsed: Entity =
            serde_json::from_value(json!({"identifier": "a", "blueprint": "bp", "title": null}))
                .expect("valid entity");
        assert_eq!(parsed, entity);
    }

    #[test]
    fn batches_by_count() {
        let sizes = vec![10; 45];
        let batches = plan_batches(&sizes, 20, MAX_BODY_BYTES);
        assert_eq!(batches, vec![0..20, 20..40, 40..45]);
    }

    #[test]
    fn batches_by_size_including_envelope_and_commas() {
        // Envelope 15 + 3 items of 30 + 2 commas = 107.
        assert_eq!(plan_batches(&[30, 30, 30], 20, 107), vec![0..3]);
        assert_eq!(plan_batches(&[30, 30, 30], 20, 106), vec![0..2, 2..3]);
        // An oversized item stands alone.
        assert_eq!(
            plan_batches(&[10, 500, 10], 20, 100),
            vec![0..1, 1..2, 2..3]
        );
        assert!(plan_batches(&[], 20, 100).is_empty());
    }

    #[test]
    fn groups_by_blueprint_in_order_of_appearance() {
        let entities = [
            Entity::new("b", "1"),
            Entity::new("a", "2"),
            Entity::new("b", "3"),
        ];
        let encoded = vec![b"{}".to_vec(); entities.len()];
        let planned: Vec<(String, Vec<usize>)> = plan_upserts(&entities, &encoded)
            .into_iter()
            .map(|batch| (batch.blueprint, batch.indices))
            .collect();
        assert_eq!(
            planned,
            vec![("b".to_owned(), vec![0, 2]), ("a".to_owned(), vec![1])]
        );
    }

    #[test]
    fn bulk_body_is_valid_json_of_planned_size() {
        let encoded: Vec<Vec<u8>> = (0..3)
            .map(|i| serde_json::to_vec(&Entity::new("bp", format!("e{i}"))).expect("serializable"))
            .collect();
        let body = bulk_body(&encoded, &[0, 2]);
        let value: Value = serde_json::from_slice(&body).expect("valid json");
        assert_eq!(value["entities"][1]["identifier"], "e2");
        let sizes: Vec<usize> = [0, 2].iter().map(|&i| encoded[i].len()).collect();
        assert_eq!(plan_batches(&sizes, 20, body.len()), vec![0..2]);
        assert_eq!(plan_batches(&sizes, 20, body.len() - 1).len(), 2);
    }
}
