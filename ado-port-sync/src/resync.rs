//! The resync engine: every resource of every organization into a sink, then reconciliation.

use std::sync::Arc;

use ado_client::AdoClient;
use futures::{StreamExt, stream};
use jiff::Timestamp;
use mapping_engine::{Entity, Mapped, Mapping, Outcome, SkipReason};
use port_client::ResyncStatus;
use serde_json::Value;

use crate::cancel::CancelHandle;
use crate::error::LoadError;
use crate::kinds::{KINDS, Kind, KindNameError, KindRequest};
use crate::org::OrgScope;
use crate::progress::{ProgressEvent, ProgressFn};
use crate::reconcile::{Produced, reconcile};
use crate::report::{
    KindReport, KindStatus, ReconcileReport, ReconcileStatus, ResyncOutcome, ResyncReport,
    push_capped,
};
use crate::sink::{EntitySink, SyncState, WriteOptions, WriteOutcome};

/// Organizations synced at the same time unless configured otherwise.
pub const DEFAULT_ORG_CONCURRENCY: usize = 3;

/// Most raw items mapped in one batch.
const MAX_BATCH: usize = 1000;

/// A configured resync: a compiled mapping, the organizations, and the resync options.
///
/// ```no_run
/// use ado_client::{AdoClient, Credential, Organization};
/// use ado_port_sync::{NdjsonSink, Resync};
/// use mapping_engine::{Mapping, Options};
///
/// # async fn run(yaml: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let mapping = Mapping::from_yaml(yaml, Options::default())?;
/// let org: Organization = "https://dev.azure.com/fabrikam".parse()?;
/// let client = AdoClient::builder(org, Credential::pat("my-pat")).build()?;
/// let resync = Resync::new(mapping, vec![client])?;
/// let report = resync.run(&NdjsonSink::blocking(std::io::stdout())).await;
/// eprintln!("{:?}", report.status);
/// # Ok(())
/// # }
/// ```
pub struct Resync {
    mapping: Arc<Mapping>,
    plans: Vec<KindRequest>,
    organizations: Vec<AdoClient>,
    excluded_tags: Arc<[String]>,
    org_concurrency: usize,
    progress: Option<ProgressFn>,
    cancel: CancelHandle,
}

impl std::fmt::Debug for Resync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resync")
            .field("plans", &self.plans)
            .field("organizations", &self.organizations)
            .field("excluded_tags", &self.excluded_tags)
            .field("org_concurrency", &self.org_concurrency)
            .finish_non_exhaustive()
    }
}

impl Resync {
    /// Checks every resource's kind and selector options and prepares a resync of
    /// `organizations`.
    ///
    /// # Errors
    ///
    /// [`LoadError`] for an unknown kind, an unusable selector option, or no organization.
    pub fn new(mapping: Mapping, organizations: Vec<AdoClient>) -> Result<Self, LoadError> {
        if organizations.is_empty() {
            return Err(LoadError::NoOrganization);
        }
        let plans = mapping
            .resources
            .iter()
            .enumerate()
            .map(|(index, resource)| plan(index, &resource.kind, &resource.selector_options))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            mapping: Arc::new(mapping),
            plans,
            organizations,
            excluded_tags: Arc::from(Vec::new()),
            org_concurrency: DEFAULT_ORG_CONCURRENCY,
            progress: None,
            cancel: CancelHandle::new(),
        })
    }

    /// Leaves out projects carrying any of these tags (`excludedTags`), and everything in them.
    #[must_use]
    pub fn excluded_tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.excluded_tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Organizations synced at the same time (default [`DEFAULT_ORG_CONCURRENCY`], at least 1).
    #[must_use]
    pub fn org_concurrency(mut self, concurrency: usize) -> Self {
        self.org_concurrency = concurrency.max(1);
        self
    }

    /// Receives progress events.
    #[must_use]
    pub fn on_progress(mut self, progress: ProgressFn) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Stops the resync when `cancel` is cancelled (default: a handle of its own, see
    /// [`cancel_handle`](Self::cancel_handle)).
    #[must_use]
    pub fn with_cancel(mut self, cancel: CancelHandle) -> Self {
        self.cancel = cancel;
        self
    }

    /// A handle that stops this resync.
    #[must_use]
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// The compiled mapping.
    #[must_use]
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// Runs one resync into `sink`: resources in mapping order, organizations concurrently;
    /// then, if every resource of every organization succeeded and the sink can delete,
    /// deletes what the resync did not produce. Never panics on bad input: every failure
    /// ends up in the report.
    pub async fn run(&self, sink: &dyn EntitySink) -> ResyncReport {
        let started = Timestamp::now();
        let mut sink_errors = Vec::new();
        let mut state = SyncState {
            status: ResyncStatus::Running,
            started,
            ended: None,
        };
        if let Err(error) = sink.report_state(&state).await {
            push_capped(
                &mut sink_errors,
                format!("cannot report the resync state: {error}"),
            );
        }

        let mut runs: Vec<(usize, OrgRun)> = stream::iter(self.organizations.iter().enumerate())
            .map(|(position, client)| async move {
                (position, self.run_org(client.clone(), sink).await)
            })
            .buffer_unordered(self.org_concurrency)
            .collect()
            .await;
        runs.sort_by_key(|(position, _)| *position);
        let mut produced = Produced::default();
        let mut kinds = Vec::new();
        for (_, run) in runs {
            produced.merge(run.produced);
            kinds.extend(run.reports);
        }

        let failed: Vec<String> = kinds
            .iter()
            .filter(|k| k.blocks_deletion())
            .map(|k| {
                format!(
                    "{} resources[{}] ({})",
                    k.organization, k.resource_index, k.kind
                )
            })
            .collect();
        let status = if self.cancel.is_cancelled() {
            ResyncOutcome::Aborted
        } else if !failed.is_empty() {
            ResyncOutcome::Failed
        } else {
            ResyncOutcome::Completed
        };
        let reconciliation = match (status, sink.store(), produced.blocked()) {
            (ResyncOutcome::Aborted, _, _) => {
                ReconcileReport::skipped(ReconcileStatus::Skipped, "the resync was aborted")
            }
            (ResyncOutcome::Failed, _, _) => ReconcileReport::skipped(
                ReconcileStatus::Skipped,
                format!("some resources failed: {}", failed.join(", ")),
            ),
            (_, None, _) => {
                ReconcileReport::skipped(ReconcileStatus::Skipped, "the sink does not delete")
            }
            (_, Some(_), Some(reason)) => {
                ReconcileReport::skipped(ReconcileStatus::Skipped, reason)
            }
            (ResyncOutcome::Completed, Some(store), None) => {
                self.emit(&ProgressEvent::ReconcileStarted);
                reconcile(store, &produced, started, &self.mapping.settings).await
            }
        };
        drop(produced);
        attribute_deletions(&mut kinds, &reconciliation);
        self.emit(&ProgressEvent::ReconcileFinished(reconciliation.clone()));

        if let Err(error) = sink.flush().await {
            push_capped(&mut sink_errors, format!("cannot flush the sink: {error}"));
        }
        let finished = Timestamp::now();
        state.status = match status {
            ResyncOutcome::Completed => ResyncStatus::Completed,
            ResyncOutcome::Failed => ResyncStatus::Failed,
            ResyncOutcome::Aborted => ResyncStatus::Aborted,
        };
        state.ended = Some(finished);
        if let Err(error) = sink.report_state(&state).await {
            push_capped(
                &mut sink_errors,
                format!("cannot report the resync state: {error}"),
            );
        }
        ResyncReport {
            started_at: started.to_string(),
            finished_at: finished.to_string(),
            status,
            kinds,
            reconciliation,
            sink_errors,
        }
    }

    fn emit(&self, event: &ProgressEvent) {
        if let Some(progress) = &self.progress {
            progress(event);
        }
    }

    /// Every resource, in mapping order, for one organization.
    async fn run_org(&self, client: AdoClient, sink: &dyn EntitySink) -> OrgRun {
        let org = OrgScope::new(client, Arc::clone(&self.excluded_tags));
        let mut run = OrgRun::default();
        for (position, (resource, plan)) in
            self.mapping.resources.iter().zip(&self.plans).enumerate()
        {
            if self.cancel.is_cancelled() {
                break;
            }
            self.emit(&ProgressEvent::KindStarted {
                organization: org.name().to_owned(),
                resource_index: position,
                kind: resource.kind.clone(),
            });
            let mut report = KindReport::new(org.name(), position, &resource.kind);
            let mut work = ResourceRun {
                resync: self,
                position,
                report: &mut report,
                produced: &mut run.produced,
            };
            work.run(&org, plan, sink).await;
            self.emit(&ProgressEvent::KindFinished {
                organization: report.organization.clone(),
                resource_index: position,
                kind: report.kind.clone(),
                counts: report.counts.clone(),
                failed: report.blocks_deletion(),
            });
            run.reports.push(report);
        }
        run
    }
}

/// What one organization produced.
#[derive(Default)]
struct OrgRun {
    reports: Vec<KindReport>,
    produced: Produced,
}

/// One resource of one organization in progress.
struct ResourceRun<'a> {
    resync: &'a Resync,
    position: usize,
    report: &'a mut KindReport,
    produced: &'a mut Produced,
}

impl ResourceRun<'_> {
    async fn run(&mut self, org: &Arc<OrgScope>, request: &KindRequest, sink: &dyn EntitySink) {
        let settings = &self.resync.mapping.settings;
        let options = WriteOptions {
            merge: settings.enable_merge_entity,
            create_missing_related_entities: settings.create_missing_related_entities,
        };
        let cancel = &self.resync.cancel;
        let mut pages = request.items(org).ready_chunks(MAX_BATCH);
        let mut empty_identifiers = 0usize;
        loop {
            let page = tokio::select! {
                biased;
                () = cancel.cancelled() => {
                    self.report.status = KindStatus::Aborted;
                    break;
                }
                page = pages.next() => page,
            };
            let Some(page) = page else { break };
            let mut items = Vec::with_capacity(page.len());
            for item in page {
                match item {
                    Ok(item) => items.push(item),
                    Err(error @ ado_client::Error::Unsupported { .. }) => {
                        self.report.unsupported(error.to_string());
                    }
                    Err(error) => self.report.error(error.to_string()),
                }
            }
            if items.is_empty() {
                continue;
            }
            self.report.counts.fetched += items.len();
            let mapped = match self.map(items).await {
                Ok(mapped) => mapped,
                Err(message) => {
                    self.report.error(message);
                    continue;
                }
            };
            let entities = self.entities(mapped, &mut empty_identifiers);
            if !entities.is_empty() {
                self.write(sink, &entities, &options).await;
            }
        }
        if empty_identifiers > 0 {
            self.protect_after_empty_identifiers(empty_identifiers);
        }
    }

    /// Maps raw items on the blocking pool.
    async fn map(&self, items: Vec<Value>) -> Result<Vec<Mapped>, String> {
        let mapping = Arc::clone(&self.resync.mapping);
        let position = self.position;
        tokio::task::spawn_blocking(move || {
            mapping
                .resources
                .get(position)
                .map(|resource| mapping.map_batch(resource, &items))
        })
        .await
        .map_err(|error| format!("mapping failed: {error}"))?
        .ok_or_else(|| format!("resources[{position}] is missing from the mapping"))?
        .map_err(|error| format!("resources[{position}]: {error}"))
    }

    /// Counts the outcomes and keeps the entities.
    fn entities(&mut self, mapped: Vec<Mapped>, empty_identifiers: &mut usize) -> Vec<Entity> {
        let report = &mut *self.report;
        let mut entities = Vec::new();
        for item in mapped {
            report.mapping_warnings += item.warnings.len();
            for outcome in item.outcomes {
                match outcome {
                    Outcome::Entity(entity) => {
                        report.counts.selected += 1;
                        entities.push(*entity);
                    }
                    Outcome::Filtered => {}
                    Outcome::Skipped(reason) => {
                        report.counts.selected += 1;
                        report.counts.skipped += 1;
                        if reason == SkipReason::EmptyIdentifier {
                            *empty_identifiers += 1;
                        }
                        *report.skip_reasons.entry(reason.to_string()).or_default() += 1;
                    }
                    Outcome::Failed(message) => {
                        report.counts.failed += 1;
                        report.error(format!("selector failed: {message}"));
                    }
                    _ => report.error("unexpected mapping outcome"),
                }
            }
        }
        entities
    }

    /// Records the entities for reconciliation and writes them.
    async fn write(&mut self, sink: &dyn EntitySink, entities: &[Entity], options: &WriteOptions) {
        for entity in entities {
            self.produced
                .record(entity, options.create_missing_related_entities);
            if let Some(blueprint) = entity.blueprint.as_str() {
                self.report.blueprints.insert(blueprint.to_owned());
            }
        }
        let outcomes = match sink.write(entities, options).await {
            Ok(outcomes) => outcomes,
            Err(error) => {
                self.report.counts.failed += entities.len();
                self.report.error(format!(
                    "writing {} entities failed: {error}",
                    entities.len()
                ));
                return;
            }
        };
        for (entity, outcome) in entities.iter().zip(outcomes) {
            match outcome {
                WriteOutcome::Written { identifier } => {
                    self.report.counts.upserted += 1;
                    if let (Some(stored), Some(blueprint), false) = (
                        identifier,
                        entity.blueprint.as_str(),
                        entity.identifier.is_string(),
                    ) {
                        self.produced.record_stored(blueprint, &stored);
                    }
                }
                WriteOutcome::Rejected(message) => {
                    self.report.counts.failed += 1;
                    push_capped(
                        &mut self.report.rejected,
                        format!("{} {}: {message}", entity.blueprint, entity.identifier),
                    );
                }
            }
        }
    }

    /// Items skipped for an empty identifier must not make their entities look deleted:
    /// keep every entity of this resource's blueprints, or block deletions when the
    /// blueprint is unknown (nothing was produced).
    fn protect_after_empty_identifiers(&mut self, count: usize) {
        if self.report.blueprints.is_empty() {
            self.produced.block(format!(
                "{} resources[{}] ({}): {count} items had an empty identifier and no entity \
                 names the blueprint, so no entity may be deleted",
                self.report.organization, self.position, self.report.kind
            ));
        } else {
            for blueprint in &self.report.blueprints {
                self.produced.protect_blueprint(blueprint);
            }
        }
    }
}

/// Validates one resource's kind and options.
pub(crate) fn plan(
    index: usize,
    kind: &str,
    options: &serde_json::Map<String, Value>,
) -> Result<KindRequest, LoadError> {
    match kind.parse::<Kind>() {
        Ok(kind) => KindRequest::new(kind, options).map_err(|error| LoadError::InvalidOption {
            index,
            kind: kind.to_string(),
            error,
        }),
        Err(KindNameError::Unknown(kind)) => Err(LoadError::UnknownKind {
            index,
            kind,
            known: KINDS.iter().map(|k| k.name).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// Counts each blueprint's deletions on the first kind report that wrote that blueprint.
fn attribute_deletions(kinds: &mut [KindReport], reconciliation: &ReconcileReport) {
    for (blueprint, deleted) in &reconciliation.deleted_by_blueprint {
        if let Some(report) = kinds.iter_mut().find(|k| k.blueprints.contains(blueprint)) {
            report.counts.deleted += deleted;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapping_engine::Options;

    fn load(yaml: &str) -> Result<Resync, LoadError> {
        let mapping = Mapping::from_yaml(yaml, Options::default()).expect("valid mapping");
        let org = "https://dev.azure.com/fabrikam".parse().expect("valid url");
        let client = AdoClient::builder(org, ado_client::Credential::pat("x"))
            .build()
            .expect("client");
        Resync::new(mapping, vec![client])
    }

    const RESOURCE: &str = r#"
    port:
      entity:
        mappings:
          identifier: .id
          blueprint: '"b"'
"#;

    #[test]
    fn unknown_kinds_fail_at_load() {
        let yaml = format!("resources:\n  - kind: project\n{RESOURCE}  - kind: widget\n{RESOURCE}");
        let error = load(&yaml).unwrap_err();
        assert!(
            matches!(&error, LoadError::UnknownKind { index: 1, kind, .. } if kind == "widget")
        );
        assert!(
            error
                .to_string()
                .starts_with("resources[1]: unknown kind `widget`"),
            "{error}"
        );
    }

    #[test]
    fn bad_options_name_the_resource_kind_and_option() {
        let yaml = format!(
            "resources:\n  - kind: pull-request\n    selector:\n      query: 'true'\n      minTimeInDays: 0\n{RESOURCE}"
        );
        let error = load(&yaml).unwrap_err().to_string();
        assert!(error.contains("resources[0]"), "{error}");
        assert!(error.contains("pull-request"), "{error}");
        assert!(error.contains("minTimeInDays"), "{error}");
    }

    #[test]
    fn every_reference_kind_loads_and_no_organization_is_an_error() {
        let yaml = format!(
            "resources:\n  - kind: file\n    selector:\n      query: 'true'\n      files: {{path: port.yml}}\n{RESOURCE}"
        );
        let resync = load(&yaml).expect("file loads");
        assert_eq!(resync.plans[0].kind(), Kind::File);
        let mapping = Mapping::from_yaml(&yaml, Options::default()).expect("valid");
        assert!(matches!(
            Resync::new(mapping, Vec::new()),
            Err(LoadError::NoOrganization)
        ));
    }
}
