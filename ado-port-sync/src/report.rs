//! The final report of a resync, per kind and organization.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::gitops;

/// Messages kept per list in a report; the rest are only counted.
pub const MAX_MESSAGES: usize = 20;

/// How a resync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResyncOutcome {
    /// Every resource of every organization succeeded (deletions may still have been skipped
    /// by the threshold).
    Completed,
    /// At least one resource failed; nothing was deleted.
    Failed,
    /// The resync was cancelled; nothing was deleted.
    Aborted,
}

/// How one resource of one organization ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KindStatus {
    /// Every call and every selector succeeded.
    Succeeded,
    /// A call, a selector or the sink failed, or the kind is not supported.
    Failed,
    /// Cancelled before it finished.
    Aborted,
    /// The organization's API profile lacks an operation of the kind (an Azure DevOps
    /// Server without that API): nothing was synced, which does not block deletions.
    Unsupported,
}

/// Counters of one resource of one organization.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    /// Raw items fetched from Azure DevOps.
    pub fetched: usize,
    /// Items (or `itemsToParse` elements) that passed the selector.
    pub selected: usize,
    /// Entities the sink wrote.
    pub upserted: usize,
    /// Entities not written because the sink's store already held them as they were.
    pub unchanged: usize,
    /// Entities the sink rejected, plus items whose selector failed.
    pub failed: usize,
    /// Entities of the blueprints this resource writes that reconciliation deleted (counted on
    /// the first report writing that blueprint).
    pub deleted: usize,
    /// Selected items that produced no entity (see `skip_reasons`).
    pub skipped: usize,
    /// Azure DevOps requests sent, retries included (a listing several resources share
    /// counts for the one that read it).
    pub requests: u64,
    /// In an incremental resync, the requests this resource's last full resync sent less
    /// those it sent now; `None` when it was listed fully or that cost is not known.
    pub requests_saved: Option<u64>,
}

/// What one resource did for one organization.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindReport {
    /// Organization name.
    pub organization: String,
    /// Position of the resource in the mapping.
    pub resource_index: usize,
    /// The resource's kind.
    pub kind: String,
    /// How it ended.
    pub status: KindStatus,
    /// Counters.
    pub counts: KindCounts,
    /// Why selected items were skipped, with counts.
    pub skip_reasons: BTreeMap<String, usize>,
    /// Failed calls, selectors or sink writes (the first [`MAX_MESSAGES`]).
    pub errors: Vec<String>,
    /// Entities the sink rejected (the first [`MAX_MESSAGES`]).
    pub rejected: Vec<String>,
    /// Mapping fields that failed and were set to null.
    pub mapping_warnings: usize,
    /// Blueprints of the entities produced.
    pub blueprints: BTreeSet<String>,
    /// In an incremental resync, the time from which this resource listed changes; `None`
    /// when it was listed fully.
    pub listed_since: Option<String>,
}

impl KindReport {
    pub(crate) fn new(organization: &str, resource_index: usize, kind: &str) -> Self {
        Self {
            organization: organization.to_owned(),
            resource_index,
            kind: kind.to_owned(),
            status: KindStatus::Succeeded,
            counts: KindCounts::default(),
            skip_reasons: BTreeMap::new(),
            errors: Vec::new(),
            rejected: Vec::new(),
            mapping_warnings: 0,
            blueprints: BTreeSet::new(),
            listed_since: None,
        }
    }

    /// Records an error; the resource fails.
    pub(crate) fn error(&mut self, message: impl Into<String>) {
        self.status = KindStatus::Failed;
        push_capped(&mut self.errors, message.into());
    }

    /// Records an entity the sink rejected; the resource fails, and its first rejection is
    /// its first error.
    pub(crate) fn reject(&mut self, message: String) {
        self.counts.failed += 1;
        if self.rejected.is_empty() {
            self.error(format!("Port rejected {message}"));
        } else {
            self.status = KindStatus::Failed;
        }
        push_capped(&mut self.rejected, message);
    }

    /// Records that the resource was stopped before it finished; a failure stays a failure.
    pub(crate) fn aborted(&mut self) {
        if self.status != KindStatus::Failed {
            self.status = KindStatus::Aborted;
        }
    }

    /// Records that the organization's API profile lacks the kind; a failure stays a failure.
    pub(crate) fn unsupported(&mut self, message: impl Into<String>) {
        if self.status == KindStatus::Succeeded {
            self.status = KindStatus::Unsupported;
        }
        push_capped(&mut self.errors, message.into());
    }

    /// Whether this resource blocks deletions.
    #[must_use]
    pub fn blocks_deletion(&self) -> bool {
        matches!(self.status, KindStatus::Failed | KindStatus::Aborted)
    }
}

/// How reconciliation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ReconcileStatus {
    /// Deletions ran (possibly none were needed).
    Done,
    /// Not attempted: the sink cannot delete, or the resync failed or was aborted.
    Skipped,
    /// Not attempted: more than `entityDeletionThreshold` of the entities would go.
    ThresholdExceeded,
    /// Listing the existing entities failed, or some deletions failed.
    Failed,
}

/// What reconciliation did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReconcileReport {
    /// How it ended.
    pub status: ReconcileStatus,
    /// Why it was skipped or stopped.
    pub reason: Option<String>,
    /// Entities of this integration in Port before the resync started.
    pub existing: usize,
    /// Entities the resync did not produce, after protections.
    pub candidates: usize,
    /// Entities kept although not produced (relation targets, protected blueprints).
    pub protected: usize,
    /// Entities deleted.
    pub deleted: usize,
    /// Entities whose deletion failed.
    pub failed: usize,
    /// Deleted entities per blueprint.
    pub deleted_by_blueprint: BTreeMap<String, usize>,
    /// Failed listings or deletions (the first [`MAX_MESSAGES`]).
    pub errors: Vec<String>,
}

impl ReconcileReport {
    /// A reconciliation that was not attempted.
    pub(crate) fn skipped(status: ReconcileStatus, reason: impl Into<String>) -> Self {
        Self {
            status,
            reason: Some(reason.into()),
            existing: 0,
            candidates: 0,
            protected: 0,
            deleted: 0,
            failed: 0,
            deleted_by_blueprint: BTreeMap::new(),
            errors: Vec::new(),
        }
    }
}

/// The final report of a resync.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResyncReport {
    /// When the resync started (RFC 3339).
    pub started_at: String,
    /// When it finished (RFC 3339).
    pub finished_at: String,
    /// How it ended.
    pub status: ResyncOutcome,
    /// Why the whole resync stopped early (the sink could not work at all), if it did.
    pub stopped: Option<String>,
    /// One report per organization and resource, organizations in the order given, resources
    /// in mapping order; then, when the resync reads spec files, one `gitops` report per
    /// organization (its `resource_index` is the number of resources).
    pub kinds: Vec<KindReport>,
    /// What reconciliation did.
    pub reconciliation: ReconcileReport,
    /// What the deletion of GitOps entities no spec file declares any more did, when the
    /// resync reads spec files.
    pub gitops_reconciliation: Option<ReconcileReport>,
    /// Failures to report the resync state or to flush the sink (the first [`MAX_MESSAGES`]).
    pub sink_errors: Vec<String>,
    /// Why the cursors could not be loaded or saved, when the resync keeps cursors. Not a
    /// failure of the resync: a resource without a usable cursor is listed fully next time.
    pub cursor_error: Option<String>,
}

impl ResyncReport {
    /// Sum of the counters of every kind report.
    #[must_use]
    pub fn totals(&self) -> KindCounts {
        self.kinds.iter().fold(KindCounts::default(), |mut sum, k| {
            sum.fetched += k.counts.fetched;
            sum.selected += k.counts.selected;
            sum.upserted += k.counts.upserted;
            sum.unchanged += k.counts.unchanged;
            sum.failed += k.counts.failed;
            sum.deleted += k.counts.deleted;
            sum.skipped += k.counts.skipped;
            sum.requests += k.counts.requests;
            sum.requests_saved = match (sum.requests_saved, k.counts.requests_saved) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            };
            sum
        })
    }
}

impl ResyncReport {
    /// Why the resync counts as failed, in one line naming the first failing kind, its
    /// organization and the first error; `None` when it succeeded (every resource succeeded or
    /// is unsupported by the server, every spec file was read, no entity was rejected, neither
    /// reconciliation failed). A deletion refused by `entityDeletionThreshold` is not a
    /// failure.
    #[must_use]
    pub fn failure(&self) -> Option<String> {
        let first_error = || {
            self.kinds.iter().find_map(|k| {
                k.errors.first().map(|e| match k.kind.as_str() {
                    gitops::KIND => format!("{} ({}): {e}", k.kind, k.organization),
                    _ => format!(
                        "{} (resources[{}], {}): {e}",
                        k.kind, k.resource_index, k.organization
                    ),
                })
            })
        };
        let failed_reconciliation = [
            ("reconciliation", Some(&self.reconciliation)),
            ("GitOps reconciliation", self.gitops_reconciliation.as_ref()),
        ]
        .into_iter()
        .find_map(|(name, report)| {
            let report = report.filter(|r| r.status == ReconcileStatus::Failed)?;
            Some(format!(
                "{name} failed: {}",
                report
                    .reason
                    .clone()
                    .or_else(|| report.errors.first().cloned())
                    .unwrap_or_else(|| "see the report".into())
            ))
        });
        match self.status {
            ResyncOutcome::Aborted => Some("the resync was stopped; nothing was deleted".into()),
            ResyncOutcome::Failed => Some(format!(
                "the resync failed, nothing was deleted: {}",
                self.stopped
                    .clone()
                    .or_else(first_error)
                    .unwrap_or_else(|| "see the report".into())
            )),
            ResyncOutcome::Completed => failed_reconciliation,
        }
    }

    /// The report when the resync succeeded, else an error holding it (see
    /// [`failure`](Self::failure)).
    ///
    /// # Errors
    ///
    /// [`ResyncFailed`] when the resync failed, was stopped, or its reconciliation failed.
    pub fn into_result(self) -> Result<Self, ResyncFailed> {
        match self.failure() {
            None => Ok(self),
            Some(message) => Err(ResyncFailed {
                message,
                report: Box::new(self),
            }),
        }
    }
}

/// A resync that failed, was stopped, or whose reconciliation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ResyncFailed {
    /// One line saying why.
    pub message: String,
    /// The whole report.
    pub report: Box<ResyncReport>,
}

/// Appends `message` unless `list` already holds [`MAX_MESSAGES`].
pub(crate) fn push_capped(list: &mut Vec<String>, message: String) {
    if list.len() < MAX_MESSAGES {
        list.push(message);
    }
}
