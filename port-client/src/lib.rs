//! Client for Port's REST API (getport.io), as used by an integration that syncs data into Port.
//!
//! - [`PortClient`]: built with [`PortClient::builder`]; fetches and refreshes access tokens,
//!   sends the integration's User-Agent (so Port stamps `$datasource`; a client made with
//!   [`PortClient::with_datasource`] writes as the GitOps [`Datasource`]), bounds requests in
//!   flight, paces itself on rate-limit headers and retries transient failures
//!   ([`RetryPolicy`]).
//! - Entities ([`Entity`]): bulk and single upserts, bulk and single deletes, search, and the
//!   datasource listing used for reconciliation.
//! - Blueprints ([`Blueprint`]): CRUD, [`PortClient::create_blueprints`] and
//!   [`default_blueprints`].
//! - The integration record: mapping config, resync state, kind examples.
//! - Errors ([`Error`]): [`Error::is_definitive`] tells when no call can succeed as things
//!   stand (Port unreachable, credentials refused), so a caller stops instead of going on.
//!
//! ```no_run
//! use port_client::{Credentials, Entity, PortClient, UpsertOptions};
//!
//! # async fn run() -> port_client::Result<()> {
//! let port = PortClient::builder(Credentials::new("client-id", "client-secret"))
//!     .integration("azure-devops", "1.0.0", "my-azure-devops")
//!     .build()?;
//! let entity = Entity::new("azureDevopsProject", "p1").with_title("Project one");
//! let outcomes = port.upsert_entities(&[entity], &UpsertOptions::default()).await?;
//! println!("{outcomes:?}");
//! # Ok(())
//! # }
//! ```

mod auth;
mod blueprints;
mod client;
mod datasource;
mod entities;
mod error;
mod integration;
mod network;
mod retry;
mod search;
mod transport;

pub use auth::Credentials;
pub use blueprints::{Blueprint, BlueprintSchema, BlueprintSetup, Relation, default_blueprints};
pub use client::{
    DEFAULT_INTEGRATION_TYPE, Datasource, IntegrationIdentity, PortClient, PortClientBuilder,
    Region,
};
pub use datasource::DatasourcePage;
pub use entities::{
    Entity, MAX_BODY_BYTES, MAX_BULK_DELETE, MAX_BULK_UPSERT, UpsertOptions, UpsertOutcome,
};
pub use error::{ApiError, Error, Result, Unreachable};
pub use integration::{ResyncState, ResyncStatus};
pub use retry::RetryPolicy;
pub use search::{Combinator, SearchOptions, SearchQuery};
pub use transport::RequestCounts;
