//! Keeps a Port software catalog in sync with Azure DevOps: the composition of
//! [`ado_client`], [`mapping_engine`] and [`port_client`].
//!
//! - [`kinds`]: one module per kind — its name, the Azure DevOps calls it makes, the
//!   enrichment fields (`__project`, `__build`, `__includedFiles`...) it adds, its selector
//!   options (validated when a mapping is loaded), how it lists its items, fully or changed
//!   since a time, and how a live event reads one — and one registry of them,
//!   [`Kind::all`]; [`Kind::spec`] describes a kind.
//! - [`Resync`]: resources in mapping order, organizations concurrently, items streamed page by
//!   page through the mapping into an [`EntitySink`]; then reconciliation, which deletes only
//!   after every resource of every organization succeeded, within `entityDeletionThreshold`.
//!   [`Resync::incremental`] lists only what changed since the cursors of a [`CursorStore`]
//!   ([`FileCursors`], [`PortCursors`] or [`MemoryCursors`]) where the kind allows it, and
//!   deletes nothing.
//! - Sinks: [`PortSink`] (bulk upserts, resync state, deletions), [`NdjsonSink`] (one entity
//!   per line, never deletes) and [`MemorySink`] (a catalog in memory, merged as Port merges);
//!   embedders implement [`EntitySink`] themselves.
//! - [`LiveEvents`]: Azure DevOps service-hook events into single upserts and deletes;
//!   [`ensure_subscriptions`] creates the service hooks that deliver them, once.
//! - GitOps: entities repositories declare in spec files (`specPath`, default `port.yml`),
//!   applied on pushes and, when the mapping sets `specPath`, in full resyncs, and written
//!   through the sink's [`gitops`](EntitySink::gitops) side (Port's `gitops` datasource).
//! - [`fetch`]: the enriched raw items of one kind, as a mapping receives them.
//! - [`Settings`]: an installation's settings file and `OCEAN__*` variables (passed in by the
//!   caller), validated, building the Azure DevOps and Port clients.
//! - [`ResyncReport`], [`ProgressEvent`] and [`CancelHandle`] for callers that report progress,
//!   show results or stop a resync.
//!
//! The crate never reads environment variables, never prints and never installs a tracing
//! subscriber.
//!
//! A resync into an in-memory catalog, with only this crate (and `tokio`):
//!
//! ```no_run
//! use ado_port_sync::prelude::*;
//!
//! # async fn run(mapping_yaml: &str) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let mapping = Mapping::from_yaml(mapping_yaml, MappingOptions::default())?;
//! let organization = Organization::parse("https://dev.azure.com/fabrikam")?;
//! let client = AdoClient::builder(organization, Credential::pat("my-pat")).build()?;
//! let catalog = MemorySink::new();
//! let report = Resync::new(mapping, vec![client])?.run(&catalog).await.into_result()?;
//! println!("{} entities", report.totals().upserted);
//! # Ok(())
//! # }
//! ```

mod cancel;
mod cursor;
mod error;
mod fetch;
mod gitops;
pub mod kinds;
mod live;
mod memory;
mod org;
mod plan;
mod progress;
pub mod reconcile;
mod report;
mod resync;
pub mod settings;
mod sink;
mod unchanged;

/// The Azure DevOps client crate.
pub use ado_client as ado;
/// The mapping crate: Port's mapping compiled and evaluated with jq's semantics.
pub use mapping_engine as mapping;
/// The Port client crate.
pub use port_client as port;

pub use crate::cancel::CancelHandle;
pub use crate::cursor::{
    Cursor, CursorError, CursorStore, Cursors, FileCursors, MemoryCursors, PortCursors,
    resource_key,
};
pub use crate::error::LoadError;
pub use crate::fetch::fetch;
pub use crate::kinds::{ItemStream, Kind, KindNameError, KindRequest, OptionError};
pub use crate::live::{
    LiveError, LiveEvents, LiveLoadError, LiveReport, SubscriptionError, SubscriptionReport,
    WEBHOOK_PATHS, WEBHOOK_USERNAME, WebhookAuth, WebhookTarget, ensure_subscriptions,
    subscribed_events,
};
pub use crate::memory::MemorySink;
pub use crate::plan::SyncPlan;
pub use crate::progress::{ProgressEvent, ProgressFn};
pub use crate::report::{
    KindCounts, KindReport, KindStatus, MAX_MESSAGES, ReconcileReport, ReconcileStatus,
    ResyncFailed, ResyncOutcome, ResyncReport,
};
pub use crate::resync::{
    CURSOR_OVERLAP, DEFAULT_ORG_CONCURRENCY, DEFAULT_WRITE_CONCURRENCY, Resync,
};
pub use crate::settings::{Secret, Settings, SettingsError};
pub use crate::sink::{
    EntityRef, EntitySink, EntityStore, NdjsonSink, PortSink, SinkError, StoredEntity, SyncState,
    WriteOptions, WriteOutcome,
};

/// What a resync into your own sink touches, in one import: `use ado_port_sync::prelude::*;`.
pub mod prelude {
    pub use crate::{
        CancelHandle, EntitySink, EntityStore, KindReport, KindStatus, MemorySink, NdjsonSink,
        PortSink, ProgressEvent, Resync, ResyncFailed, ResyncOutcome, ResyncReport, SinkError,
        StoredEntity, SyncState, WriteOptions, WriteOutcome,
    };
    pub use ado_client::{AdoClient, ApiProfile, Credential, Organization};
    pub use async_trait::async_trait;
    pub use futures::stream::BoxStream;
    pub use jiff::Timestamp;
    pub use mapping_engine::{Entity, Mapping, Options as MappingOptions};
    pub use port_client::{Credentials as PortCredentials, PortClient, ResyncStatus};
}
