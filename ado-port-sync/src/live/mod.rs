//! Live events: Azure DevOps service-hook payloads into single upserts and deletes.
//!
//! Each event names items (a pull request, a branch, the files of every commit of a push, the
//! stages and test runs of a build...). Every item is read again from Azure DevOps, enriched
//! exactly as a resync enriches it, and mapped with every resource of its kind: entities
//! passing the selector are upserted; entities of items failing the selector, and of items
//! Azure DevOps confirms gone (the read answers "not found"), are deleted unless the same event
//! upserts them, and only when the sink deletes ([`EntitySink::store`]). What a payload says
//! was deleted is never taken on trust. No deletion threshold applies.
//!
//! A `git.push` moving the chosen branch also applies the change of the entities its
//! repository declares in spec files (GitOps, `specPath`), through the sink's
//! [`gitops`](EntitySink::gitops) side when it has one.

mod envelope;
mod push;
mod subscriptions;
mod webhook;

use std::collections::BTreeSet;
use std::sync::Arc;

use ado_client::AdoClient;
use mapping_engine::{ConfigError, Entity, Mapped, Mapping, Options, Outcome};
use serde::Serialize;
use serde_json::Value;

use self::envelope::Envelope;
pub use self::subscriptions::{
    SubscriptionError, SubscriptionReport, WEBHOOK_USERNAME, WebhookTarget, ensure_subscriptions,
    subscribed_events,
};
pub use self::webhook::{WEBHOOK_PATHS, WebhookAuth};
use crate::error::LoadError;
use crate::gitops::GitOps;
use crate::kinds::{ItemKey, Kind, Lookup};
use crate::org::OrgScope;
use crate::plan::SyncPlan;
use crate::sink::{EntityRef, EntitySink, SinkError, WriteOutcome};

/// A mapping that cannot serve live events.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LiveLoadError {
    /// The mapping does not compile.
    #[error("mapping: {0}")]
    Mapping(#[from] ConfigError),
    /// An unknown kind, an unusable selector option, or no organization.
    #[error(transparent)]
    Load(#[from] LoadError),
}

/// An event that could not be handled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LiveError {
    /// The payload is not a service-hook envelope (`eventType`, `publisherId`, `resource`), or
    /// the resource of a handled event lacks what names its items.
    #[error("invalid event: {0}")]
    Envelope(String),
    /// Reading an item from Azure DevOps failed.
    #[error(transparent)]
    AzureDevOps(#[from] ado_client::Error),
    /// Mapping an item failed.
    #[error("mapping failed: {0}")]
    Mapping(String),
    /// The sink failed.
    #[error(transparent)]
    Sink(#[from] SinkError),
}

impl LiveError {
    /// Whether handling the same event again later may succeed: Azure DevOps or Port failed
    /// transiently (throttling, 5xx, a dropped connection, after the clients' own retries). A
    /// bad payload, a mapping failure, or a refused credential or permission is not.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::AzureDevOps(error) => error.is_retryable(),
            Self::Sink(SinkError::Port(error)) => error.is_retryable(),
            Self::Envelope(_) | Self::Mapping(_) | Self::Sink(_) => false,
        }
    }
}

/// What one event did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveReport {
    /// The event's `eventType`.
    pub event_type: String,
    /// The organization the event was routed to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Entities written.
    pub upserted: Vec<EntityRef>,
    /// Entities deleted.
    pub deleted: Vec<EntityRef>,
    /// Why (parts of) the event changed nothing.
    pub ignored: Vec<String>,
    /// Entities the sink rejected, with the reason.
    pub rejected: Vec<String>,
    /// Invalid GitOps spec files and entities (file, repository, entity index and what is
    /// wrong): not written, and nothing deleted because of them.
    pub invalid: Vec<String>,
}

/// Handles service-hook events for a mapping and a set of organizations, writing through a
/// sink.
///
/// ```no_run
/// use std::sync::Arc;
/// use ado_client::{AdoClient, Credential, Organization};
/// use ado_port_sync::{LiveEvents, NdjsonSink};
///
/// # async fn run(config: serde_json::Value, event: serde_json::Value) -> Result<(), Box<dyn std::error::Error>> {
/// let org: Organization = "https://dev.azure.com/fabrikam".parse()?;
/// let client = AdoClient::builder(org, Credential::pat("my-pat")).build()?;
/// let sink = Arc::new(NdjsonSink::blocking(std::io::stdout()));
/// let live = LiveEvents::new(&config, Default::default(), vec![client], sink)?;
/// let report = live.handle(&event).await?;
/// eprintln!("{} upserted", report.upserted.len());
/// # Ok(())
/// # }
/// ```
pub struct LiveEvents {
    plan: SyncPlan,
    sink: Arc<dyn EntitySink>,
    /// The spec files a push is read for (Port's defaults unless the mapping sets them).
    gitops: Option<GitOps>,
}

impl std::fmt::Debug for LiveEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveEvents")
            .field("plan", &self.plan)
            .finish_non_exhaustive()
    }
}

impl LiveEvents {
    /// Compiles the mapping `config` (the port app config as JSON) and checks every
    /// resource's kind and selector options (a [`SyncPlan`] of its own).
    ///
    /// # Errors
    ///
    /// [`LiveLoadError`] for a mapping that does not compile, an unknown kind, an unusable
    /// selector option, or no organization.
    pub fn new(
        config: &Value,
        options: Options,
        organizations: Vec<AdoClient>,
        sink: Arc<dyn EntitySink>,
    ) -> Result<Self, LiveLoadError> {
        if organizations.is_empty() {
            return Err(LoadError::NoOrganization.into());
        }
        let mapping = Mapping::from_value(config, options)?;
        Ok(Self::with_plan(
            SyncPlan::new(mapping, organizations)?,
            sink,
        ))
    }

    /// Handles the events of `plan`'s organizations, writing through `sink`.
    #[must_use]
    pub fn with_plan(plan: SyncPlan, sink: Arc<dyn EntitySink>) -> Self {
        Self {
            gitops: GitOps::new(&plan.mapping.spec_files),
            plan,
            sink,
        }
    }

    /// The compiled mapping.
    #[must_use]
    pub fn mapping(&self) -> &Mapping {
        &self.plan.mapping
    }

    /// The plan the events are handled with.
    #[must_use]
    pub fn plan(&self) -> &SyncPlan {
        &self.plan
    }

    /// Checks that `payload` is a service-hook envelope [`handle`](Self::handle) can read,
    /// without reading anything from Azure DevOps, and returns its `eventType`: a server can
    /// refuse a bad call at once and queue the others.
    ///
    /// # Errors
    ///
    /// [`LiveError::Envelope`] saying what is wrong with the payload.
    pub fn event_type(payload: &Value) -> Result<String, LiveError> {
        Envelope::parse(payload).map(|envelope| envelope.event_type().to_owned())
    }

    /// Handles one service-hook payload: every item it names is read again; entities that
    /// pass the selector are upserted; those that fail it, or whose item Azure DevOps confirms
    /// gone (not found), are deleted. A delete event for an item that still exists deletes
    /// nothing it does not fail. Events this crate does not handle, and events of
    /// organizations not configured, are reported as ignored.
    ///
    /// Events are independent: when several may concern the same item, the caller orders
    /// them.
    ///
    /// # Errors
    ///
    /// [`LiveError::Envelope`] for a payload that is not a service-hook envelope or whose
    /// resource does not name its items; the other variants when Azure DevOps, the mapping or
    /// the sink fail ([`LiveError::is_retryable`] tells whether to try again).
    pub async fn handle(&self, payload: &Value) -> Result<LiveReport, LiveError> {
        let envelope = Envelope::parse(payload)?;
        let mut report = LiveReport {
            event_type: envelope.event_type().to_owned(),
            ..LiveReport::default()
        };
        let Some(mut keys) = envelope.changes()? else {
            report.ignored.push(format!(
                "event type `{}` is not handled",
                envelope.event_type()
            ));
            return Ok(report);
        };
        let Some(client) = envelope.route(&self.plan.organizations) else {
            report
                .ignored
                .push("the event comes from no configured organization".into());
            return Ok(report);
        };
        report.organization = Some(client.organization().name().to_owned());
        let org = OrgScope::new(client.clone(), Arc::clone(&self.plan.excluded_tags));
        let kinds: BTreeSet<Kind> = self.plan.kinds().collect();
        let mut gitops = None;
        if let Some((project, push)) = envelope.push()? {
            keys.extend(push::pushed_paths(&org, &project, &push, &kinds).await?);
            if let (Some(spec), Some(side)) = (&self.gitops, self.sink.gitops()) {
                gitops = spec.push(&org, &project, &push).await?.map(|c| (c, side));
            }
        }
        // Keys of kinds the mapping lacks (a build's test runs...) are left out; an event
        // naming no mapped kind at all says so.
        if let Some(first) = keys
            .first()
            .filter(|_| keys.iter().all(|key| !kinds.contains(&key.kind())))
        {
            report
                .ignored
                .push(format!("the mapping has no `{}` resource", first.kind()));
        }
        keys.retain(|key| kinds.contains(&key.kind()));
        let mut work = Work::default();
        for key in &keys {
            self.collect(&org, key, &mut work, &mut report).await?;
        }
        let sink = self.sink.as_ref();
        self.upsert(sink, &work.upserts, &mut report).await?;
        self.delete(sink, work.candidates, &work.upserts, &mut report)
            .await?;
        if let Some((change, side)) = gitops {
            report.invalid.extend(change.invalid);
            report.ignored.extend(change.kept);
            self.upsert(side, &change.upserts, &mut report).await?;
            self.delete(side, change.candidates, &change.upserts, &mut report)
                .await?;
        }
        tracing::info!(
            event = %report.event_type,
            upserted = report.upserted.len(),
            deleted = report.deleted.len(),
            ignored = report.ignored.len(),
            "live event handled"
        );
        Ok(report)
    }

    /// Reads the items of one key and maps them with every resource of their kind.
    async fn collect(
        &self,
        org: &OrgScope,
        key: &ItemKey,
        work: &mut Work,
        report: &mut LiveReport,
    ) -> Result<(), LiveError> {
        let kind = key.kind();
        for (position, request) in self.plan.requests.iter().enumerate() {
            if request.kind() != kind {
                continue;
            }
            // Items, and whether they are gone.
            let batches = match request.lookup(org, key).await? {
                Lookup::Found(items) => vec![(items, false)],
                Lookup::Renamed { current, former } => {
                    vec![(vec![former], true), (vec![current], false)]
                }
                Lookup::Relisted { found, gone } => vec![(gone, true), (found, false)],
                Lookup::Gone(removed) if removed.is_empty() => {
                    report.ignored.push(format!(
                        "resources[{position}] ({kind}): the item no longer exists"
                    ));
                    continue;
                }
                Lookup::Gone(removed) => vec![(removed, true)],
                Lookup::Skipped(reason) => {
                    // A push names every path it changed; most are not selected.
                    if !matches!(key, ItemKey::File { .. } | ItemKey::Folder { .. }) {
                        report
                            .ignored
                            .push(format!("resources[{position}] ({kind}): {reason}"));
                    }
                    continue;
                }
            };
            for (items, gone) in batches {
                for mapped in self.map(position, items).await? {
                    for outcome in mapped.outcomes {
                        sort(outcome, gone, work).unwrap_or_else(|reason| {
                            report
                                .ignored
                                .push(format!("resources[{position}] ({kind}): {reason}"));
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Maps items with one resource, items failing the selector included, off the async
    /// threads.
    async fn map(&self, position: usize, items: Vec<Value>) -> Result<Vec<Mapped>, LiveError> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let mapping = Arc::clone(&self.plan.mapping);
        tokio::task::spawn_blocking(move || {
            let resource = mapping.resources.get(position).ok_or_else(|| {
                LiveError::Mapping(format!("resources[{position}] is missing from the mapping"))
            })?;
            mapping
                .map_batch_all(resource, &items)
                .map_err(|error| LiveError::Mapping(error.to_string()))
        })
        .await
        .map_err(|error| LiveError::Mapping(error.to_string()))?
    }

    async fn upsert(
        &self,
        sink: &dyn EntitySink,
        entities: &[Entity],
        report: &mut LiveReport,
    ) -> Result<(), LiveError> {
        if entities.is_empty() {
            return Ok(());
        }
        let outcomes = sink.write(entities, &self.plan.write_options()).await?;
        sink.flush().await?;
        for (entity, outcome) in entities.iter().zip(outcomes) {
            let Some(mut written) = EntityRef::of(entity) else {
                continue;
            };
            match outcome {
                WriteOutcome::Written { identifier } => {
                    if let Some(identifier) = identifier {
                        written.identifier = identifier;
                    }
                    report.upserted.push(written);
                }
                WriteOutcome::Rejected(message) => report.rejected.push(format!(
                    "{} {}: {message}",
                    written.blueprint, written.identifier
                )),
                WriteOutcome::Skipped(reason) => report.ignored.push(format!(
                    "{} {}: {reason}",
                    written.blueprint, written.identifier
                )),
            }
        }
        Ok(())
    }

    /// Deletes the candidates the event does not upsert, when the sink deletes.
    async fn delete(
        &self,
        sink: &dyn EntitySink,
        candidates: Vec<Entity>,
        upserts: &[Entity],
        report: &mut LiveReport,
    ) -> Result<(), LiveError> {
        let kept: BTreeSet<EntityRef> = upserts.iter().filter_map(EntityRef::of).collect();
        let doomed: BTreeSet<EntityRef> = candidates
            .iter()
            .filter(|e| e.identifier.is_string())
            .filter_map(EntityRef::of)
            .filter(|e| !kept.contains(e))
            .collect();
        if doomed.is_empty() {
            return Ok(());
        }
        let Some(store) = sink.store() else {
            report.ignored.push(format!(
                "the sink does not delete: {} entities kept",
                doomed.len()
            ));
            return Ok(());
        };
        let dependents = self.plan.mapping.settings.delete_dependent_entities;
        for entity in doomed {
            if store.delete_one(&entity, dependents).await? {
                report.deleted.push(entity);
            }
        }
        Ok(())
    }
}

/// Files one mapping outcome: an entity to upsert, or one to delete (failing the selector, or
/// of a gone item); why it is neither otherwise.
fn sort(outcome: Outcome, gone: bool, work: &mut Work) -> Result<(), String> {
    match outcome {
        Outcome::Entity(entity) if gone => work.candidates.push(*entity),
        Outcome::Entity(entity) => work.upserts.push(*entity),
        Outcome::Unselected(entity) => work.candidates.push(*entity),
        Outcome::Filtered => {}
        Outcome::Skipped(reason) => return Err(reason.to_string()),
        Outcome::Failed(message) => return Err(format!("selector failed: {message}")),
        _ => return Err("unexpected mapping outcome".into()),
    }
    Ok(())
}

/// What one event upserts and may delete.
#[derive(Default)]
struct Work {
    upserts: Vec<Entity>,
    candidates: Vec<Entity>,
}
