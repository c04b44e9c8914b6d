//! Where entities go: the [`EntitySink`] trait, [`PortSink`] and [`NdjsonSink`].

use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use mapping_engine::Entity;
use port_client::{
    Datasource, PortClient, ResyncState, ResyncStatus, UpsertOptions, UpsertOutcome,
};
use serde::Serialize;
use serde_json::Value;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::Mutex;

use crate::reconcile::relation_targets;

/// An entity named by blueprint and identifier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EntityRef {
    /// Blueprint.
    pub blueprint: String,
    /// Identifier (a search identifier as JSON text).
    pub identifier: String,
}

impl EntityRef {
    /// The blueprint and identifier of a mapped entity; `None` without a blueprint.
    pub(crate) fn of(entity: &Entity) -> Option<Self> {
        Some(Self {
            blueprint: entity.blueprint.as_str()?.to_owned(),
            identifier: match &entity.identifier {
                Value::String(id) => id.clone(),
                other => other.to_string(),
            },
        })
    }
}

/// A sink failure that concerns a whole call, not one entity.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// Port could not be reached or refused the call.
    #[error(transparent)]
    Port(#[from] port_client::Error),
    /// Writing the output failed.
    #[error("cannot write entities: {0}")]
    Io(#[from] std::io::Error),
    /// An entity could not be encoded.
    #[error("cannot encode an entity: {0}")]
    Encode(#[from] serde_json::Error),
    /// Any other failure of an embedder's sink, with its own error.
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

impl SinkError {
    /// Whether the sink cannot work at all in this run (Port unreachable, or refusing the
    /// credentials): the resync stops at once instead of failing every further write.
    #[must_use]
    pub fn is_definitive(&self) -> bool {
        match self {
            Self::Port(error) => error.is_definitive(),
            _ => false,
        }
    }
}

/// What happened to one entity written to a sink.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteOutcome {
    /// Written; `identifier` is the stored identifier when the sink knows it (a search
    /// identifier resolved by Port).
    Written {
        /// The stored identifier, when known.
        identifier: Option<String>,
    },
    /// The sink rejected the entity: the resource fails, so nothing is deleted. The entity
    /// still counts as seen for reconciliation.
    Rejected(String),
    /// Nothing was written, by design (a search identifier that matched no entity): counted as
    /// skipped with this reason, not as a failure.
    Skipped(String),
}

/// Flags from the mapping that steer how entities are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// Merge into stored entities (`enableMergeEntity`).
    pub merge: bool,
    /// Create missing relation targets (`createMissingRelatedEntities`).
    pub create_missing_related_entities: bool,
}

/// The state of a resync, for sinks that report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncState {
    /// Running, completed, failed or aborted.
    pub status: ResyncStatus,
    /// When the resync started.
    pub started: Timestamp,
    /// When it ended; `None` while running.
    pub ended: Option<Timestamp>,
}

/// An entity stored by a sink that supports deletion, reduced to what reconciliation needs.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEntity {
    /// Blueprint.
    pub blueprint: String,
    /// Identifier.
    pub identifier: String,
    /// Identifiers its relations point to.
    pub relation_targets: Vec<String>,
    /// The stored entity itself, when the store lists it: entities a resync would write
    /// unchanged are then not sent again.
    pub content: Option<Entity>,
}

/// Where a resync writes entities. Called concurrently (one organization per task).
#[async_trait]
pub trait EntitySink: Send + Sync {
    /// Writes entities; returns one outcome per entity, in order. An `Err` fails the resource
    /// (and so blocks deletions); per-entity rejections do not.
    async fn write(
        &self,
        entities: &[Entity],
        options: &WriteOptions,
    ) -> Result<Vec<WriteOutcome>, SinkError>;

    /// Called once after the last write.
    async fn flush(&self) -> Result<(), SinkError> {
        Ok(())
    }

    /// Told when a resync starts and ends.
    async fn report_state(&self, _state: &SyncState) -> Result<(), SinkError> {
        Ok(())
    }

    /// The stored entities and their deletion, for sinks that reconcile; `None` (the
    /// default) means the resync never deletes.
    fn store(&self) -> Option<&dyn EntityStore> {
        None
    }

    /// Where entities declared in repositories' spec files (GitOps) go: a sink that keeps
    /// them apart from this one's, so that reconciling either never deletes the other's
    /// entities (as Port does with the `gitops` datasource). `None` (the default) leaves
    /// GitOps out.
    fn gitops(&self) -> Option<&dyn EntitySink> {
        None
    }
}

/// A sink's stored entities, for reconciliation.
#[async_trait]
pub trait EntityStore: Send + Sync {
    /// The entities this integration wrote: all of them, or with `before` only those last
    /// updated before that time.
    fn existing(
        &self,
        before: Option<Timestamp>,
    ) -> BoxStream<'static, Result<StoredEntity, SinkError>>;

    /// Deletes entities of one blueprint; returns the identifiers deleted.
    async fn delete(
        &self,
        blueprint: &str,
        identifiers: &[String],
        delete_dependents: bool,
    ) -> Result<Vec<String>, SinkError>;

    /// Deletes one entity if it exists; returns whether it was deleted (`false`: it did not
    /// exist).
    async fn delete_one(
        &self,
        entity: &EntityRef,
        delete_dependents: bool,
    ) -> Result<bool, SinkError> {
        let identifiers = [entity.identifier.clone()];
        let deleted = self
            .delete(&entity.blueprint, &identifiers, delete_dependents)
            .await?;
        Ok(deleted.contains(&entity.identifier))
    }
}

/// Writes entities to Port with bulk upserts, reports the resync state to the integration,
/// and reconciles (deletes what the resync did not produce). Entities declared in spec files
/// (GitOps) are written as the `gitops` datasource.
#[derive(Debug, Clone)]
pub struct PortSink {
    client: PortClient,
    report_state: bool,
    /// The sink writing as the `gitops` datasource; `None` on that sink itself.
    gitops: Option<Arc<PortSink>>,
}

impl PortSink {
    /// A sink writing through `client` and reporting the resync state; GitOps entities go
    /// through a clone of `client` writing as the [`gitops`](port_client::Datasource::Gitops)
    /// datasource.
    #[must_use]
    pub fn new(client: PortClient) -> Self {
        let gitops = PortSink {
            client: client.with_datasource(Datasource::Gitops),
            report_state: false,
            gitops: None,
        };
        Self {
            client,
            report_state: true,
            gitops: Some(Arc::new(gitops)),
        }
    }

    /// Whether to PATCH the integration's resync state (default true).
    #[must_use]
    pub fn report_resync_state(mut self, report: bool) -> Self {
        self.report_state = report;
        self
    }

    /// The Port client.
    #[must_use]
    pub fn client(&self) -> &PortClient {
        &self.client
    }
}

#[async_trait]
impl EntitySink for PortSink {
    async fn write(
        &self,
        entities: &[Entity],
        options: &WriteOptions,
    ) -> Result<Vec<WriteOutcome>, SinkError> {
        let mut outcomes: Vec<Option<WriteOutcome>> = vec![None; entities.len()];
        let mut positions = Vec::with_capacity(entities.len());
        let mut valid = Vec::with_capacity(entities.len());
        for (position, entity) in entities.iter().enumerate() {
            match to_port(entity) {
                Some(port_entity) => {
                    positions.push(position);
                    valid.push(port_entity);
                }
                None => {
                    outcomes[position] = Some(WriteOutcome::Rejected(
                        "the blueprint is not a string".to_owned(),
                    ));
                }
            }
        }
        let upsert = UpsertOptions::default()
            .merge(options.merge)
            .create_missing_related_entities(options.create_missing_related_entities);
        let upserted = self.client.upsert_entities(&valid, &upsert).await?;
        for (position, outcome) in positions.into_iter().zip(upserted) {
            outcomes[position] = Some(match outcome {
                UpsertOutcome::Upserted { identifier, .. } => WriteOutcome::Written {
                    identifier: Some(identifier),
                },
                UpsertOutcome::Unmatched => {
                    WriteOutcome::Skipped("the search identifier matched no entity".to_owned())
                }
                UpsertOutcome::Failed(error) => WriteOutcome::Rejected(error.to_string()),
                _ => WriteOutcome::Rejected("unexpected upsert outcome".to_owned()),
            });
        }
        Ok(outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| WriteOutcome::Rejected("no outcome".to_owned())))
            .collect())
    }

    async fn report_state(&self, state: &SyncState) -> Result<(), SinkError> {
        if !self.report_state {
            return Ok(());
        }
        let mut port_state = ResyncState::new(state.status);
        port_state.last_resync_start = Some(state.started);
        port_state.last_resync_end = state.ended;
        Ok(self.client.patch_resync_state(&port_state).await?)
    }

    fn store(&self) -> Option<&dyn EntityStore> {
        Some(self)
    }

    fn gitops(&self) -> Option<&dyn EntitySink> {
        self.gitops.as_deref().map(|sink| sink as &dyn EntitySink)
    }
}

#[async_trait]
impl EntityStore for PortSink {
    fn existing(
        &self,
        before: Option<Timestamp>,
    ) -> BoxStream<'static, Result<StoredEntity, SinkError>> {
        self.client
            .datasource_entities(before)
            .map_err(SinkError::from)
            .try_filter_map(|entity| async move {
                let Some(identifier) = entity.identifier.as_str() else {
                    return Ok(None);
                };
                let targets = entity
                    .relations
                    .as_ref()
                    .map(|r| relation_targets(r).map(str::to_owned).collect())
                    .unwrap_or_default();
                Ok(Some(StoredEntity {
                    identifier: identifier.to_owned(),
                    blueprint: entity.blueprint.clone(),
                    relation_targets: targets,
                    content: Some(from_port(entity)),
                }))
            })
            .boxed()
    }

    async fn delete(
        &self,
        blueprint: &str,
        identifiers: &[String],
        delete_dependents: bool,
    ) -> Result<Vec<String>, SinkError> {
        Ok(self
            .client
            .delete_entities(blueprint, identifiers, delete_dependents)
            .await?)
    }

    async fn delete_one(
        &self,
        entity: &EntityRef,
        delete_dependents: bool,
    ) -> Result<bool, SinkError> {
        Ok(self
            .client
            .delete_entity(&entity.blueprint, &entity.identifier, delete_dependents)
            .await?)
    }
}

fn to_port(entity: &Entity) -> Option<port_client::Entity> {
    let blueprint = entity.blueprint.as_str()?;
    let mut port = port_client::Entity::new(blueprint, entity.identifier.clone());
    port.title = entity.title.clone();
    port.team = entity.team.clone();
    port.icon = entity.icon.clone();
    port.properties = entity.properties.clone();
    port.relations = entity.relations.clone();
    Some(port)
}

fn from_port(entity: port_client::Entity) -> Entity {
    Entity {
        identifier: entity.identifier,
        blueprint: Value::String(entity.blueprint),
        title: entity.title,
        team: entity.team,
        icon: entity.icon,
        properties: entity.properties,
        relations: entity.relations,
    }
}

enum Output {
    Async(Pin<Box<dyn AsyncWrite + Send>>),
    Blocking(Box<dyn Write + Send>),
}

/// Writes entities as NDJSON, one entity object per line (GitOps entities too); never deletes.
pub struct NdjsonSink {
    out: Mutex<Output>,
}

impl std::fmt::Debug for NdjsonSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NdjsonSink").finish_non_exhaustive()
    }
}

impl NdjsonSink {
    /// Writes to an async writer (a `tokio::fs::File`, a socket...).
    pub fn new(writer: impl AsyncWrite + Send + 'static) -> Self {
        Self {
            out: Mutex::new(Output::Async(Box::pin(writer))),
        }
    }

    /// Writes to a blocking writer (a `Vec<u8>`, a `std::fs::File`...).
    pub fn blocking(writer: impl Write + Send + 'static) -> Self {
        Self {
            out: Mutex::new(Output::Blocking(Box::new(writer))),
        }
    }
}

#[async_trait]
impl EntitySink for NdjsonSink {
    async fn write(
        &self,
        entities: &[Entity],
        _options: &WriteOptions,
    ) -> Result<Vec<WriteOutcome>, SinkError> {
        let mut lines = Vec::new();
        for entity in entities {
            serde_json::to_writer(&mut lines, entity)?;
            lines.push(b'\n');
        }
        match &mut *self.out.lock().await {
            Output::Async(writer) => writer.write_all(&lines).await?,
            Output::Blocking(writer) => writer.write_all(&lines)?,
        }
        Ok(vec![
            WriteOutcome::Written { identifier: None };
            entities.len()
        ])
    }

    async fn flush(&self) -> Result<(), SinkError> {
        match &mut *self.out.lock().await {
            Output::Async(writer) => writer.flush().await?,
            Output::Blocking(writer) => writer.flush()?,
        }
        Ok(())
    }

    /// GitOps entities go to the same output.
    fn gitops(&self) -> Option<&dyn EntitySink> {
        Some(self)
    }
}
