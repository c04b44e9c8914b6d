//! The resync engine: every resource of every organization into a sink, then reconciliation.

use std::sync::Arc;

use ado_client::{AdoClient, count_requests};
use futures::stream::FuturesUnordered;
use futures::{StreamExt, stream};
use jiff::{SignedDuration, Timestamp};
use mapping_engine::{Entity, Mapped, Mapping, Outcome, Resource, SkipReason};
use port_client::ResyncStatus;
use serde_json::Value;

use crate::cancel::{CancelHandle, Latch};
use crate::cursor::{Cursor, CursorStore, Cursors, resource_key};
use crate::error::LoadError;
use crate::gitops::{self, GitOps};
use crate::kinds::{Kind, KindRequest};
use crate::org::OrgScope;
use crate::plan::SyncPlan;
use crate::progress::{ProgressEvent, ProgressFn};
use crate::reconcile::{Produced, reconcile, snapshot};
use crate::report::{
    KindReport, KindStatus, ReconcileReport, ReconcileStatus, ResyncOutcome, ResyncReport,
    push_capped,
};
use crate::sink::{EntitySink, SinkError, SyncState, WriteOptions, WriteOutcome};
use crate::unchanged::Held;
use tokio::sync::Semaphore;

/// Organizations synced at the same time unless configured otherwise.
pub const DEFAULT_ORG_CONCURRENCY: usize = 3;

/// Sink writes in flight at once unless configured otherwise.
pub const DEFAULT_WRITE_CONCURRENCY: usize = 8;

/// How far before its cursor an incremental resync lists a resource's changes, for clock
/// skew between this machine and Azure DevOps and for changes saved while the last resync ran.
pub const CURSOR_OVERLAP: SignedDuration = SignedDuration::from_mins(5);

/// Most raw items mapped in one batch.
const MAX_BATCH: usize = 1000;

/// Entities of one blueprint written to the sink in one call: a full Port bulk request.
const WRITE_BATCH: usize = port_client::MAX_BULK_UPSERT;

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
    plan: SyncPlan,
    /// For each resource, the earlier resources it waits for.
    waits_for: Vec<Vec<usize>>,
    org_concurrency: usize,
    write_concurrency: usize,
    skip_unchanged: bool,
    progress: Option<ProgressFn>,
    cancel: CancelHandle,
    cursors: Option<Arc<dyn CursorStore>>,
    incremental: bool,
    /// In an incremental resync, whether resources whose kind cannot list its changes are
    /// left out rather than listed fully.
    changed_kinds_only: bool,
    /// The spec files a full resync reads, when the mapping sets `specPath`.
    gitops: Option<GitOps>,
}

impl std::fmt::Debug for Resync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resync")
            .field("plan", &self.plan)
            .field("org_concurrency", &self.org_concurrency)
            .field("write_concurrency", &self.write_concurrency)
            .field("incremental", &self.incremental)
            .finish_non_exhaustive()
    }
}

impl Resync {
    /// Checks every resource's kind and selector options and prepares a resync of
    /// `organizations` (a [`SyncPlan`] of its own).
    ///
    /// # Errors
    ///
    /// [`LoadError`] for an unknown kind, an unusable selector option, or no organization.
    pub fn new(mapping: Mapping, organizations: Vec<AdoClient>) -> Result<Self, LoadError> {
        Ok(Self::with_plan(SyncPlan::new(mapping, organizations)?))
    }

    /// Prepares a resync of `plan`.
    #[must_use]
    pub fn with_plan(plan: SyncPlan) -> Self {
        let mapping = &plan.mapping;
        let gitops = GitOps::new(&mapping.spec_files).filter(|_| mapping.spec_files.explicit);
        Self {
            gitops,
            waits_for: resource_order(&mapping.resources),
            plan,
            org_concurrency: DEFAULT_ORG_CONCURRENCY,
            write_concurrency: DEFAULT_WRITE_CONCURRENCY,
            skip_unchanged: true,
            changed_kinds_only: false,
            progress: None,
            cancel: CancelHandle::new(),
            cursors: None,
            incremental: false,
        }
    }

    /// Organizations synced at the same time (default [`DEFAULT_ORG_CONCURRENCY`], at least 1).
    #[must_use]
    pub fn org_concurrency(mut self, concurrency: usize) -> Self {
        self.org_concurrency = concurrency.max(1);
        self
    }

    /// Sink writes in flight at once across the resync (default
    /// [`DEFAULT_WRITE_CONCURRENCY`], at least 1); each carries up to 20 entities of one
    /// blueprint.
    #[must_use]
    pub fn write_concurrency(mut self, concurrency: usize) -> Self {
        self.write_concurrency = concurrency.max(1);
        self
    }

    /// Whether entities the sink's store already holds as they would be written are left
    /// out of the writes (default true; only sinks that list their stored entities, such as
    /// [`PortSink`](crate::PortSink), know). Entities with search queries are always sent.
    #[must_use]
    pub fn skip_unchanged(mut self, skip: bool) -> Self {
        self.skip_unchanged = skip;
        self
    }

    /// Makes this an incremental resync keeping its cursors in `store`: a resource whose kind
    /// [lists changes](crate::Kind::lists_changes) and that has a cursor lists only the items
    /// changed since its cursor less [`CURSOR_OVERLAP`]; the others are listed fully.
    /// Nothing is deleted. The resync state is reported to the sink as in a full resync,
    /// and the cursors are saved as with [`save_cursors`](Self::save_cursors).
    #[must_use]
    pub fn incremental(mut self, store: Arc<dyn CursorStore>) -> Self {
        self.cursors = Some(store);
        self.incremental = true;
        self
    }

    /// In an [incremental](Self::incremental) resync, leaves out the resources whose kind
    /// cannot [list its changes](crate::Kind::lists_changes) instead of listing them fully
    /// (default false): they have no report, and keep their cursors.
    #[must_use]
    pub fn changed_kinds_only(mut self, only: bool) -> Self {
        self.changed_kinds_only = only;
        self
    }

    /// Saves cursors in `store` after the run: each resource of each organization that
    /// succeeded gets the time this resync started, so that a later incremental resync
    /// lists from there; a resource that failed, stopped or is unsupported keeps its cursor.
    #[must_use]
    pub fn save_cursors(mut self, store: Arc<dyn CursorStore>) -> Self {
        self.cursors = Some(store);
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
        &self.plan.mapping
    }

    /// Runs one resync into `sink`: resources in mapping order, organizations concurrently;
    /// then, if every resource of every organization succeeded and the sink can delete,
    /// deletes what the resync did not produce (never in an
    /// [incremental](Self::incremental) resync). Never panics on bad input: every failure
    /// ends up in the report.
    pub async fn run(&self, sink: &dyn EntitySink) -> ResyncReport {
        let started = Timestamp::now();
        let loaded = match &self.cursors {
            Some(store) => Some(store.load().await),
            None => None,
        };
        let since = match &loaded {
            Some(Ok(cursors)) if self.incremental => cursors.clone(),
            _ => Cursors::new(),
        };
        let stop = Stop::default();
        let mut sink_errors = Vec::new();
        let mut state = SyncState {
            status: ResyncStatus::Running,
            started,
            ended: None,
        };
        if let Err(error) = sink.report_state(&state).await {
            let message = format!("cannot report the resync state: {error}");
            if error.is_definitive() {
                stop.stop(&message);
            }
            push_capped(&mut sink_errors, message);
        }
        // What the store holds: the base of the deletion rate, and the entities a write
        // would leave as they are.
        let (existing_before, held) = match sink.store() {
            Some(store) if !stop.is_stopped() => match snapshot(store).await {
                Ok((count, held)) => (Some(Ok(count)), self.skip_unchanged.then_some(held)),
                Err(error) => {
                    if error.is_definitive() {
                        stop.stop(&format!("cannot list the stored entities: {error}"));
                    }
                    (Some(Err(error)), None)
                }
            },
            _ => (None, None),
        };
        let gitops = self.gitops_side(sink);
        // The GitOps entities Port holds: the base of their deletion rate.
        let gitops_existing = match gitops.and_then(|(_, side)| side.store()) {
            Some(store) if !stop.is_stopped() => Some(snapshot(store).await.map(|(n, _)| n)),
            _ => None,
        };
        let shared = RunShared {
            stop,
            writes: Semaphore::new(self.write_concurrency),
            held: held.map(std::sync::Mutex::new),
            since,
        };
        let stop = &shared.stop;

        let mut runs = stream::iter(self.plan.organizations.iter().enumerate())
            .map(|(position, client)| {
                let shared = &shared;
                async move {
                    let run = self.run_org(client.clone(), sink, gitops, shared).await;
                    (position, run)
                }
            })
            .buffer_unordered(self.org_concurrency)
            .collect::<Vec<(usize, OrgRun)>>()
            .await;
        runs.sort_by_key(|(position, _)| *position);
        let mut produced = Produced::default();
        let mut kinds = Vec::new();
        let mut gitops_reports = Vec::new();
        let mut declared = Produced::default();
        for (_, run) in runs {
            produced.merge(run.produced);
            kinds.extend(run.reports);
            if let Some((report, run_declared)) = run.gitops {
                gitops_reports.push(report);
                declared.merge(run_declared);
            }
        }

        let failed: Vec<String> = kinds
            .iter()
            .chain(&gitops_reports)
            .filter(|k| k.status == KindStatus::Failed)
            .map(|k| {
                format!(
                    "{} resources[{}] ({})",
                    k.organization, k.resource_index, k.kind
                )
            })
            .collect();
        let stopped = stop.reason();
        let status = if self.cancel.is_cancelled() {
            ResyncOutcome::Aborted
        } else if !failed.is_empty() || stopped.is_some() {
            ResyncOutcome::Failed
        } else {
            ResyncOutcome::Completed
        };
        let reconciliation = match (status, sink.store(), produced.blocked(), existing_before) {
            (ResyncOutcome::Aborted, ..) => {
                ReconcileReport::skipped(ReconcileStatus::Skipped, "the resync was aborted")
            }
            (ResyncOutcome::Failed, ..) => ReconcileReport::skipped(
                ReconcileStatus::Skipped,
                match &stopped {
                    Some(reason) => format!("the resync stopped: {reason}"),
                    None => format!("some resources failed: {}", failed.join(", ")),
                },
            ),
            _ if self.incremental => ReconcileReport::skipped(
                ReconcileStatus::Skipped,
                "an incremental resync deletes nothing",
            ),
            (_, None, ..) | (_, _, _, None) => {
                ReconcileReport::skipped(ReconcileStatus::Skipped, "the sink does not delete")
            }
            (_, Some(_), Some(reason), _) => {
                ReconcileReport::skipped(ReconcileStatus::Skipped, reason)
            }
            (_, Some(_), None, Some(Err(error))) => ReconcileReport::skipped(
                ReconcileStatus::Failed,
                format!("cannot count the existing entities: {error}"),
            ),
            (ResyncOutcome::Completed, Some(store), None, Some(Ok(existing_before))) => {
                self.emit(&ProgressEvent::ReconcileStarted);
                reconcile(
                    store,
                    &produced,
                    started,
                    existing_before,
                    &self.plan.mapping.settings,
                )
                .await
            }
        };
        drop(produced);
        attribute_deletions(&mut kinds, &reconciliation);
        let cursor_error = self.save(loaded, &kinds, started).await;
        let gitops_reconciliation = match gitops {
            Some((_, side))
                if status == ResyncOutcome::Completed
                    && reconciliation.status != ReconcileStatus::Failed =>
            {
                let settings = &self.plan.mapping.settings;
                let deleted =
                    gitops::delete_undeclared(side, &declared, started, gitops_existing, settings)
                        .await;
                if let Some(first) = gitops_reports.first_mut() {
                    first.counts.deleted = deleted.deleted;
                }
                Some(deleted)
            }
            Some(_) => Some(ReconcileReport::skipped(
                ReconcileStatus::Skipped,
                reconciliation
                    .reason
                    .clone()
                    .unwrap_or_else(|| "the reconciliation failed".to_owned()),
            )),
            None => None,
        };
        kinds.extend(gitops_reports);
        self.emit(&ProgressEvent::ReconcileFinished(reconciliation.clone()));

        if let Err(error) = sink.flush().await {
            push_capped(&mut sink_errors, format!("cannot flush the sink: {error}"));
        }
        let finished = Timestamp::now();
        // Port's resync state never stays `running`: a stopped resync is a failed one there.
        state.status = match status {
            ResyncOutcome::Completed => ResyncStatus::Completed,
            ResyncOutcome::Failed | ResyncOutcome::Aborted => ResyncStatus::Failed,
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
            stopped,
            kinds,
            reconciliation,
            gitops_reconciliation,
            sink_errors,
            cursor_error,
        }
    }

    /// The spec files and the sink their entities go to, when this resync reads them: a full
    /// resync of a mapping that sets `specPath`, into a sink with a GitOps side.
    fn gitops_side<'s>(&self, sink: &'s dyn EntitySink) -> Option<(&GitOps, &'s dyn EntitySink)> {
        let gitops = self.gitops.as_ref().filter(|_| !self.incremental)?;
        let side = sink.gitops();
        if side.is_none() {
            tracing::warn!("the sink takes no GitOps entities: the spec files are not read");
        }
        Some((gitops, side?))
    }

    /// Advances the cursors of the resources that succeeded to `started` and saves them;
    /// what went wrong, if anything. Cursors that could not be loaded are not overwritten.
    async fn save(
        &self,
        loaded: Option<Result<Cursors, crate::CursorError>>,
        kinds: &[KindReport],
        started: Timestamp,
    ) -> Option<String> {
        let store = self.cursors.as_ref()?;
        let mut cursors = match loaded? {
            Ok(cursors) => cursors,
            Err(error) => return Some(format!("cannot load the cursors: {error}")),
        };
        for kind in kinds.iter().filter(|k| k.status == KindStatus::Succeeded) {
            let resources = cursors.entry(kind.organization.clone()).or_default();
            let key = resource_key(kind.resource_index, &kind.kind);
            // A resource listed fully sets the cost its incremental resyncs are compared with.
            let full_requests = match kind.listed_since {
                None => Some(kind.counts.requests),
                Some(_) => resources.get(&key).and_then(|c| c.full_requests),
            };
            resources.insert(
                key,
                Cursor {
                    at: started,
                    full_requests,
                },
            );
        }
        store
            .save(&cursors)
            .await
            .err()
            .map(|error| format!("cannot save the cursors: {error}"))
    }

    fn emit(&self, event: &ProgressEvent) {
        if let Some(progress) = &self.progress {
            progress(event);
        }
    }

    /// Every resource for one organization: resources run concurrently, except that a
    /// resource starts once the earlier resources writing one of its blueprints are done, so
    /// the catalog ends as a resync in mapping order leaves it.
    async fn run_org(
        &self,
        client: AdoClient,
        sink: &dyn EntitySink,
        gitops: Option<(&GitOps, &dyn EntitySink)>,
        shared: &RunShared,
    ) -> OrgRun {
        let kinds: Vec<Kind> = self.plan.kinds().collect();
        let org = OrgScope::for_kinds(client, Arc::clone(&self.plan.excluded_tags), &kinds);
        let done: Vec<Latch> = self
            .plan
            .requests
            .iter()
            .map(|_| Latch::default())
            .collect();
        let resources = self
            .plan
            .requests
            .iter()
            .enumerate()
            .map(|(position, plan)| {
                let (org, done) = (&org, &done);
                async move {
                    // A resource starts once the earlier resources of its blueprints are done: were
                    // it to list while its writes wait, its idle requests would hold the
                    // organization's request budget that those resources need to finish.
                    for &earlier in &self.waits_for[position] {
                        done[earlier].wait().await;
                    }
                    let left_out =
                        self.incremental && self.changed_kinds_only && !plan.kind().lists_changes();
                    let outcome =
                        if left_out || self.cancel.is_cancelled() || shared.stop.is_stopped() {
                            None
                        } else {
                            let writer = Writer {
                                sink,
                                shared,
                                options: self.plan.write_options(),
                            };
                            Some(self.run_resource(org, position, plan, &writer).await)
                        };
                    done[position].set();
                    outcome
                }
            });
        let mut run = OrgRun::default();
        for (report, produced) in futures::future::join_all(resources)
            .await
            .into_iter()
            .flatten()
        {
            run.produced.merge(produced);
            run.reports.push(report);
        }
        if let Some((gitops, side)) = gitops {
            // After the resources, so that what a spec file declares is written last.
            let index = self.plan.requests.len();
            let options = self.plan.write_options();
            let work = gitops::sync_organization(gitops, &org, side, &options, index);
            let aborted = || {
                let mut report = KindReport::new(org.name(), index, gitops::KIND);
                report.aborted();
                (report, Produced::default())
            };
            run.gitops = Some(tokio::select! {
                biased;
                () = self.cancel.cancelled() => aborted(),
                () = shared.stop.stopped() => aborted(),
                done = work => done,
            });
        }
        run
    }

    /// One resource for one organization.
    async fn run_resource(
        &self,
        org: &Arc<OrgScope>,
        position: usize,
        plan: &KindRequest,
        writer: &Writer<'_>,
    ) -> (KindReport, Produced) {
        let kind = &self.plan.mapping.resources[position].kind;
        self.emit(&ProgressEvent::KindStarted {
            organization: org.name().to_owned(),
            resource_index: position,
            kind: kind.clone(),
        });
        let mut report = KindReport::new(org.name(), position, kind);
        let cursor = writer
            .shared
            .since
            .get(org.name())
            .and_then(|cursors| cursors.get(&resource_key(position, kind)))
            .copied();
        let since = cursor
            .filter(|_| plan.kind().lists_changes())
            .map(|cursor| {
                cursor
                    .at
                    .saturating_sub(CURSOR_OVERLAP)
                    .unwrap_or(Timestamp::MIN)
            });
        report.listed_since = since.map(|since| since.to_string());
        let mut produced = Produced::default();
        let mut work = ResourceRun {
            resync: self,
            position,
            report: &mut report,
            produced: &mut produced,
        };
        let ((), requests) = count_requests(work.run(org, plan, since, writer)).await;
        report.counts.requests = requests;
        report.counts.requests_saved = since
            .and(cursor.and_then(|cursor| cursor.full_requests))
            .map(|full| full.saturating_sub(requests));
        self.emit(&ProgressEvent::KindFinished {
            organization: report.organization.clone(),
            resource_index: position,
            kind: report.kind.clone(),
            counts: report.counts.clone(),
            failed: report.blocks_deletion(),
        });
        (report, produced)
    }
}

/// For each resource, the earlier resources it must wait for: those writing one of its
/// blueprints (any earlier resource when either blueprint is not a constant).
fn resource_order(resources: &[Resource]) -> Vec<Vec<usize>> {
    resources
        .iter()
        .enumerate()
        .map(|(position, resource)| {
            let blueprint = resource.constant_blueprint();
            resources[..position]
                .iter()
                .enumerate()
                .filter(
                    |(_, earlier)| match (blueprint, earlier.constant_blueprint()) {
                        (Some(a), Some(b)) => a == b,
                        _ => true,
                    },
                )
                .map(|(index, _)| index)
                .collect()
        })
        .collect()
}

/// What every resource of every organization shares during one resync.
struct RunShared {
    stop: Stop,
    /// Sink writes in flight across the resync.
    writes: Semaphore,
    /// What the store held when the resync started, when unchanged entities are skipped.
    held: Option<std::sync::Mutex<Held>>,
    /// The cursors of an incremental resync; empty otherwise.
    since: Cursors,
}

/// Stops every resource of every organization when the sink cannot work at all (Port
/// unreachable, credentials refused): the resync fails at once, with the reason.
#[derive(Default)]
struct Stop {
    latch: Latch,
    reason: std::sync::OnceLock<String>,
}

impl Stop {
    fn stop(&self, reason: &str) {
        self.reason.get_or_init(|| reason.to_owned());
        self.latch.set();
    }

    fn is_stopped(&self) -> bool {
        self.latch.is_set()
    }

    async fn stopped(&self) {
        self.latch.wait().await;
    }

    fn reason(&self) -> Option<String> {
        self.reason.get().cloned()
    }
}

/// What one organization produced.
#[derive(Default)]
struct OrgRun {
    reports: Vec<KindReport>,
    produced: Produced,
    /// The `gitops` report and the entities the spec files declare, when the resync reads
    /// them.
    gitops: Option<(KindReport, Produced)>,
}

/// One resource of one organization in progress.
struct ResourceRun<'a> {
    resync: &'a Resync,
    position: usize,
    report: &'a mut KindReport,
    produced: &'a mut Produced,
}

/// What the resource loop waits for next.
enum Next<P> {
    Page(Option<P>),
    Written(Option<Written>),
    Stop,
}

/// A finished write of one batch.
struct Written {
    /// The entities sent.
    entities: Vec<Entity>,
    /// Entities of the batch not sent: the store held them as they were.
    unchanged: usize,
    /// What the sink said of the entities sent.
    result: Result<Vec<WriteOutcome>, SinkError>,
}

impl ResourceRun<'_> {
    /// Streams the kind's items page by page through the mapping into the sink: entities are
    /// buffered per blueprint into full batches, written with several writes in flight, and
    /// flushed when the resource ends, so failures stay attributable to it.
    async fn run(
        &mut self,
        org: &Arc<OrgScope>,
        request: &KindRequest,
        since: Option<Timestamp>,
        writer: &Writer<'_>,
    ) {
        let cancel = self.resync.cancel.clone();
        let shared = writer.shared;
        let mut pages = request.items(org, since).ready_chunks(MAX_BATCH);
        let mut batches = Batches::default();
        let mut writes = FuturesUnordered::new();
        let mut empty_identifiers = 0usize;
        loop {
            let next = tokio::select! {
                biased;
                () = cancel.cancelled() => Next::Stop,
                () = shared.stop.stopped() => Next::Stop,
                Some(written) = writes.next(), if !writes.is_empty() => Next::Written(written),
                page = pages.next() => Next::Page(page),
            };
            let page = match next {
                Next::Stop => {
                    self.report.aborted();
                    return;
                }
                Next::Written(written) => {
                    if let Some(written) = written {
                        self.written(written);
                    }
                    continue;
                }
                Next::Page(None) => break,
                Next::Page(Some(page)) => page,
            };
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
            self.record(&entities, &writer.options);
            batches.extend(entities);
            for batch in batches.take_full() {
                while writes.len() >= self.resync.write_concurrency {
                    if let Some(Some(written)) = writes.next().await {
                        self.written(written);
                    }
                }
                writes.push(writer.write(batch));
            }
        }
        for batch in batches.take_all() {
            writes.push(writer.write(batch));
        }
        while let Some(written) = writes.next().await {
            if let Some(written) = written {
                self.written(written);
            }
        }
        if cancel.is_cancelled() || shared.stop.is_stopped() {
            self.report.aborted();
            return;
        }
        if empty_identifiers > 0 {
            self.protect_after_empty_identifiers(empty_identifiers);
        }
        if self.report.status == KindStatus::Unsupported {
            self.protect_unsupported();
        }
    }

    /// Maps raw items on the blocking pool.
    async fn map(&self, items: Vec<Value>) -> Result<Vec<Mapped>, String> {
        let mapping = Arc::clone(&self.resync.plan.mapping);
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

    /// Records the entities for reconciliation, whether or not their write succeeds.
    fn record(&mut self, entities: &[Entity], options: &WriteOptions) {
        for entity in entities {
            self.produced
                .record(entity, options.create_missing_related_entities);
            if let Some(blueprint) = entity.blueprint.as_str() {
                self.report.blueprints.insert(blueprint.to_owned());
            }
        }
    }

    /// Counts what the sink said of a write.
    fn written(&mut self, written: Written) {
        let Written {
            entities,
            unchanged,
            result,
        } = written;
        self.report.counts.unchanged += unchanged;
        count_written(self.report, self.produced, &entities, result);
    }

    /// A kind the server lacks produced nothing: keep every entity of its blueprint, or of
    /// every blueprint when its blueprint is not a constant.
    fn protect_unsupported(&mut self) {
        match self.resync.plan.mapping.resources[self.position].constant_blueprint() {
            Some(blueprint) => self.produced.protect_blueprint(blueprint),
            None => self.produced.block(format!(
                "{} resources[{}] ({}) is not supported by the server and its blueprint is not \
                 a constant, so no entity may be deleted",
                self.report.organization, self.position, self.report.kind
            )),
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

/// Counts what the sink said of a write of `entities` in `report`; the identifiers it stored
/// for search identifiers are recorded in `produced`.
pub(crate) fn count_written(
    report: &mut KindReport,
    produced: &mut Produced,
    entities: &[Entity],
    result: Result<Vec<WriteOutcome>, SinkError>,
) {
    let outcomes = match result {
        Ok(outcomes) => outcomes,
        Err(error) => {
            report.counts.failed += entities.len();
            report.error(write_failure(entities.len(), &error));
            return;
        }
    };
    for (entity, outcome) in entities.iter().zip(outcomes) {
        match outcome {
            WriteOutcome::Written { identifier } => {
                report.counts.upserted += 1;
                if let (Some(stored), Some(blueprint), false) = (
                    identifier,
                    entity.blueprint.as_str(),
                    entity.identifier.is_string(),
                ) {
                    produced.record_stored(blueprint, &stored);
                }
            }
            WriteOutcome::Rejected(message) => {
                report.reject(format!("{}: {message}", label(entity)));
            }
            WriteOutcome::Skipped(reason) => {
                report.counts.skipped += 1;
                *report.skip_reasons.entry(reason).or_default() += 1;
            }
        }
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

/// `blueprint identifier`, strings unquoted, for messages.
fn label(entity: &Entity) -> String {
    let text = |value: &Value| {
        value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned)
    };
    format!("{} {}", text(&entity.blueprint), text(&entity.identifier))
}

/// How one resource writes its batches.
struct Writer<'a> {
    sink: &'a dyn EntitySink,
    shared: &'a RunShared,
    options: WriteOptions,
}

impl Writer<'_> {
    /// Writes one batch once a write slot of the resync is free, leaving out the entities
    /// the store already holds as they would be written; `None` when the resync stopped
    /// meanwhile.
    async fn write(&self, batch: Vec<Entity>) -> Option<Written> {
        let before = batch.len();
        let entities = self.changed(batch);
        let unchanged = before - entities.len();
        if entities.is_empty() {
            return Some(Written {
                entities,
                unchanged,
                result: Ok(Vec::new()),
            });
        }
        let _slot = self.shared.writes.acquire().await;
        if self.shared.stop.is_stopped() {
            return None;
        }
        let result = self.sink.write(&entities, &self.options).await;
        // Stop before the slot is released, so that no queued write goes out after this one.
        if let Err(error) = &result
            && error.is_definitive()
        {
            self.shared.stop.stop(&write_failure(entities.len(), error));
        }
        Some(Written {
            entities,
            unchanged,
            result,
        })
    }

    /// The entities of `batch` the store does not hold as they would be written. Those sent
    /// are forgotten, so that a later resource writing the same entity sends it too.
    fn changed(&self, batch: Vec<Entity>) -> Vec<Entity> {
        let Some(held) = &self.shared.held else {
            return batch;
        };
        let mut held = held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        batch
            .into_iter()
            .filter(|entity| {
                let unchanged = held.unchanged(entity, self.options.merge);
                if !unchanged {
                    held.forget(entity);
                }
                !unchanged
            })
            .collect()
    }
}

fn write_failure(count: usize, error: &SinkError) -> String {
    format!("writing {count} entities failed: {error}")
}

/// Entities waiting to be written, per blueprint, in order of arrival.
#[derive(Default)]
struct Batches {
    pending: Vec<(Value, Vec<Entity>)>,
}

impl Batches {
    fn extend(&mut self, entities: Vec<Entity>) {
        for entity in entities {
            match self
                .pending
                .iter_mut()
                .find(|(b, _)| *b == entity.blueprint)
            {
                Some((_, list)) => list.push(entity),
                None => self.pending.push((entity.blueprint.clone(), vec![entity])),
            }
        }
    }

    /// Full batches of [`WRITE_BATCH`] entities of one blueprint; the rest stays.
    fn take_full(&mut self) -> Vec<Vec<Entity>> {
        let mut full = Vec::new();
        for (_, list) in &mut self.pending {
            while list.len() >= WRITE_BATCH {
                let rest = list.split_off(WRITE_BATCH);
                full.push(std::mem::replace(list, rest));
            }
        }
        full
    }

    /// Everything left, in batches of at most [`WRITE_BATCH`] entities of one blueprint.
    fn take_all(&mut self) -> Vec<Vec<Entity>> {
        let mut all = self.take_full();
        all.extend(
            self.pending
                .drain(..)
                .map(|(_, list)| list)
                .filter(|list| !list.is_empty()),
        );
        all
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
        assert_eq!(resync.plan.requests[0].kind(), Kind::FILE);
        let mapping = Mapping::from_yaml(&yaml, Options::default()).expect("valid");
        assert!(matches!(
            Resync::new(mapping, Vec::new()),
            Err(LoadError::NoOrganization)
        ));
    }
}
