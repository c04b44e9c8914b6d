//! Progress events, for a CLI's progress display.

use std::sync::Arc;

use crate::report::{KindCounts, ReconcileReport};

/// Something that happened during a resync.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// A resource started for an organization.
    KindStarted {
        /// Organization name.
        organization: String,
        /// Position of the resource in the mapping.
        resource_index: usize,
        /// The resource's kind.
        kind: String,
    },
    /// A resource finished for an organization.
    KindFinished {
        /// Organization name.
        organization: String,
        /// Position of the resource in the mapping.
        resource_index: usize,
        /// The resource's kind.
        kind: String,
        /// What it fetched, mapped and wrote.
        counts: KindCounts,
        /// Whether it failed (which blocks deletions).
        failed: bool,
    },
    /// Reconciliation started.
    ReconcileStarted,
    /// Reconciliation finished (or was skipped).
    ReconcileFinished(ReconcileReport),
}

/// Receives [`ProgressEvent`]s; called from the resync's tasks, so keep it quick.
pub type ProgressFn = Arc<dyn Fn(&ProgressEvent) + Send + Sync>;
