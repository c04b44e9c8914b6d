//! A typed Azure DevOps REST client for Azure DevOps Services and Azure DevOps Server
//! 2019/2020/2022.
//!
//! * [`Organization`] parses `https://dev.azure.com/{org}`, `https://{org}.visualstudio.com`
//!   and Server collection URLs, and knows each [`Service`]'s host (with overrides).
//! * [`ApiProfile`] picks the api-version of every [`Operation`] from the operation's row in one
//!   endpoint table (host, method, path, paging, versions); an operation the server lacks fails
//!   with [`Error::Unsupported`] before anything is sent.
//! * [`Credential`]: a personal access token or an Entra ID service principal
//!   (`ServicePrincipal`, with the `service-principal` feature).
//! * [`AdoClient`] sends every request through one pipeline: api-version, authentication,
//!   bounded concurrency, pacing from rate-limit headers, a timeout per attempt,
//!   [`RetryPolicy`], error classification. Each attempt is a `debug` tracing span.
//! * [`count_requests`] counts the requests a piece of work sends (for reports of what a
//!   sync cost).
//! * [`Error`] says what went wrong and where (organization and endpoint): a transport
//!   failure carries its [`TransportCause`] (certificate not trusted, name not resolved,
//!   connection refused...); [`Error::is_definitive`], [`Error::is_not_found`] and
//!   [`Error::is_feature_disabled`] give its meaning.
//! * List methods return a [`Pager`]: a [`Stream`](futures::Stream) of [`Listed`] items, each the
//!   typed model plus the JSON exactly as Azure DevOps sent it.
//!
//! # Cargo features
//!
//! * `service-principal` (on by default): Entra ID service-principal credentials
//!   (`ServicePrincipal`, `Credential::service_principal`), through `azure_identity` and
//!   `azure_core`. Personal-access-token users can turn it off
//!   (`default-features = false`) to build without those crates and their dependencies.
//!
//! Module map: [`organization`], [`profile`], [`credential`], [`retry`], [`pager`], [`models`],
//! [`error`]; resource methods are documented on [`AdoClient`].
//!
//! ```no_run
//! use ado_client::{AdoClient, Credential, Organization};
//! use futures::TryStreamExt;
//!
//! # async fn run() -> ado_client::Result<()> {
//! let org: Organization = "https://dev.azure.com/fabrikam".parse()?;
//! let client = AdoClient::builder(org, Credential::pat("my-pat")).build()?;
//! let mut repositories = client.all_repositories();
//! while let Some(repository) = repositories.try_next().await? {
//!     println!("{} {}", repository.item.name, repository.raw["remoteUrl"]);
//! }
//! # Ok(())
//! # }
//! ```

mod cause;
mod client;
mod counting;
pub mod credential;
mod endpoints;
pub mod error;
pub mod models;
pub mod organization;
pub mod pager;
pub mod profile;
mod resources;
pub mod retry;
mod transport;

pub use crate::client::{
    AdoClient, AdoClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_IN_FLIGHT,
    DEFAULT_REQUEST_TIMEOUT,
};
pub use crate::counting::{HostRequests, count_requests};
pub use crate::credential::{Credential, CredentialKind};
#[cfg(feature = "service-principal")]
pub use crate::credential::{ServicePrincipal, ServicePrincipalBuilder};
pub use crate::error::{ApiErrorBody, Error, Result, TransportCause};
pub use crate::models::*;
pub use crate::organization::{Organization, Service};
pub use crate::pager::{Continuation, Listed, Pager};
pub use crate::profile::{ApiProfile, Operation};
pub use crate::resources::{
    AlertQuery, BuildQuery, BuildQueryOrder, InProject, NewHookSubscription, PROJECT_TAG_PREFIX,
    PullRequestQuery, PullRequestStatus, PullRequestTimeRange, RecursionLevel,
    ReleaseDefinitionQuery, ReleaseDeploymentQuery, ReleaseQuery, UserEntitlementQuery,
    WorkItemExpand,
};
pub use crate::retry::{Pacing, RetryPolicy};
