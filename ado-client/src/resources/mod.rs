//! Resource methods of [`AdoClient`], one module per Azure DevOps area, and their query options.

mod across;
mod advsec;
mod build;
mod core;
mod git;
mod hooks;
mod identity;
mod pipelines;
mod release;
mod test;
mod wiki;
mod work;

pub use self::across::InProject;
pub use self::advsec::AlertQuery;
pub use self::build::{BuildQuery, BuildQueryOrder};
pub use self::core::PROJECT_TAG_PREFIX;
pub use self::git::{PullRequestQuery, PullRequestStatus, PullRequestTimeRange, RecursionLevel};
pub use self::hooks::NewHookSubscription;
pub use self::identity::UserEntitlementQuery;
pub use self::release::{ReleaseDefinitionQuery, ReleaseDeploymentQuery, ReleaseQuery};
pub use self::work::WorkItemExpand;

use serde::de::DeserializeOwned;

use crate::client::AdoClient;
use crate::error::{Error, Result};
use crate::pager::{Listed, Pager};
use crate::transport::Request;

impl AdoClient {
    fn list<T>(&self, request: Request) -> Pager<T> {
        Pager::new(self, request)
    }

    /// Fetches one object, keeping its raw JSON next to the model.
    async fn get_listed<T: DeserializeOwned>(&self, request: &Request) -> Result<Listed<T>> {
        let response = self.inner.send(request).await?;
        Listed::decode(response.body).map_err(|(path, source)| Error::Decode {
            organization: self.inner.organization.name().to_owned(),
            endpoint: response.endpoint,
            path,
            source,
        })
    }
}

/// Formats a timestamp the way Azure DevOps query parameters expect (RFC 3339, UTC).
fn time_param(time: jiff::Timestamp) -> String {
    time.to_string()
}
