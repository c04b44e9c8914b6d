//! [`MemorySink`]: an in-memory catalog that applies writes as Port does.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::{self, BoxStream};
use jiff::Timestamp;
use mapping_engine::Entity;

use crate::reconcile::relation_targets;
use crate::sink::{EntitySink, EntityStore, SinkError, StoredEntity, WriteOptions, WriteOutcome};

/// An entity as stored, with when it was last written.
#[derive(Debug, Clone)]
struct Stored {
    entity: Entity,
    updated: Timestamp,
}

/// A catalog kept in memory: writes are applied as Port applies upserts (merged into the
/// stored entity with `enableMergeEntity`, replacing it otherwise), reconciliation deletes
/// from it, and the embedder reads it at any time. Clones share one catalog.
///
/// A sink that keeps entities must merge: the default mapping writes
/// `azureDevopsRepository` from three resources, two of which set only some properties.
///
/// ```
/// use ado_port_sync::MemorySink;
///
/// let catalog = MemorySink::new();
/// assert!(catalog.is_empty());
/// assert!(catalog.get("azureDevopsRepository", "r1").is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemorySink {
    entities: Arc<RwLock<BTreeMap<(String, String), Stored>>>,
}

impl MemorySink {
    /// An empty catalog.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The stored entity of `blueprint` with `identifier`.
    #[must_use]
    pub fn get(&self, blueprint: &str, identifier: &str) -> Option<Entity> {
        self.read()
            .get(&(blueprint.to_owned(), identifier.to_owned()))
            .map(|stored| stored.entity.clone())
    }

    /// Every stored entity, ordered by blueprint and identifier.
    #[must_use]
    pub fn entities(&self) -> Vec<Entity> {
        self.read().values().map(|s| s.entity.clone()).collect()
    }

    /// Number of stored entities.
    #[must_use]
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether nothing is stored.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<(String, String), Stored>> {
        self.entities.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_lock(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<(String, String), Stored>> {
        self.entities
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl EntitySink for MemorySink {
    async fn write(
        &self,
        entities: &[Entity],
        options: &WriteOptions,
    ) -> Result<Vec<WriteOutcome>, SinkError> {
        let now = Timestamp::now();
        let mut stored = self.write_lock();
        Ok(entities
            .iter()
            .map(|entity| {
                let (Some(blueprint), Some(identifier)) =
                    (entity.blueprint.as_str(), entity.identifier.as_str())
                else {
                    return WriteOutcome::Rejected(
                        "only Port resolves search identifiers and computed blueprints".into(),
                    );
                };
                let key = (blueprint.to_owned(), identifier.to_owned());
                match stored.get_mut(&key) {
                    Some(current) if options.merge => {
                        current.entity.merge(entity.clone());
                        current.updated = now;
                    }
                    _ => {
                        stored.insert(
                            key,
                            Stored {
                                entity: entity.clone(),
                                updated: now,
                            },
                        );
                    }
                }
                WriteOutcome::Written { identifier: None }
            })
            .collect())
    }

    fn store(&self) -> Option<&dyn EntityStore> {
        Some(self)
    }
}

#[async_trait]
impl EntityStore for MemorySink {
    fn existing(
        &self,
        before: Option<Timestamp>,
    ) -> BoxStream<'static, Result<StoredEntity, SinkError>> {
        let listed: Vec<Result<StoredEntity, SinkError>> = self
            .read()
            .iter()
            .filter(|(_, stored)| before.is_none_or(|before| stored.updated < before))
            .map(|((blueprint, identifier), stored)| {
                Ok(StoredEntity {
                    blueprint: blueprint.clone(),
                    identifier: identifier.clone(),
                    relation_targets: stored
                        .entity
                        .relations
                        .as_ref()
                        .map(|r| relation_targets(r).map(str::to_owned).collect())
                        .unwrap_or_default(),
                    content: Some(stored.entity.clone()),
                })
            })
            .collect();
        stream::iter(listed).boxed()
    }

    async fn delete(
        &self,
        blueprint: &str,
        identifiers: &[String],
        _delete_dependents: bool,
    ) -> Result<Vec<String>, SinkError> {
        let mut stored = self.write_lock();
        Ok(identifiers
            .iter()
            .filter(|id| {
                stored
                    .remove(&(blueprint.to_owned(), (*id).clone()))
                    .is_some()
            })
            .cloned()
            .collect())
    }
}
