//! Organization-wide streams of per-project listings.

use std::sync::Arc;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;

use crate::client::AdoClient;
use crate::error::Result;
use crate::models::{Project, PullRequest};
use crate::pager::{Listed, Pager};
use crate::resources::PullRequestQuery;

/// Projects whose listings are read at the same time (the client's request budget bounds
/// what is really in flight).
const PROJECTS_AT_ONCE: usize = 8;

/// An item of a per-project listing with the project it came from.
pub type InProject<T> = (Arc<Listed<Project>>, Listed<T>);

impl AdoClient {
    /// Runs a per-project listing for every project of the organization, as one stream of
    /// `(project, item)`: projects are listed first, then several projects' listings are
    /// read at the same time, each in its own order.
    ///
    /// ```no_run
    /// # async fn run(client: ado_client::AdoClient) -> ado_client::Result<()> {
    /// use futures::TryStreamExt as _;
    ///
    /// let mut builds = client.across_projects(|client, project| {
    ///     client.builds(project, &ado_client::BuildQuery::new())
    /// });
    /// while let Some((project, build)) = builds.try_next().await? {
    ///     println!("{}: {}", project.item.name, build.item.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn across_projects<T, F>(&self, list: F) -> BoxStream<'static, Result<InProject<T>>>
    where
        T: DeserializeOwned + Send + 'static,
        F: Fn(&AdoClient, &str) -> Pager<T> + Send + Sync + 'static,
    {
        let client = self.clone();
        let list = Arc::new(list);
        self.projects()
            .map_ok(move |project| {
                let project = Arc::new(project);
                list(&client, &project.item.id).map_ok(move |item| (Arc::clone(&project), item))
            })
            .try_flatten_unordered(PROJECTS_AT_ONCE)
            .boxed()
    }

    /// Every pull request of the organization that `query` selects (by default the active
    /// ones), with its project.
    ///
    /// ```no_run
    /// # async fn run(client: ado_client::AdoClient) -> ado_client::Result<()> {
    /// use futures::TryStreamExt as _;
    ///
    /// let query = ado_client::PullRequestQuery::new();
    /// let mut active = client.all_pull_requests(&query);
    /// while let Some((project, pull_request)) = active.try_next().await? {
    ///     println!("{} !{}", project.item.name, pull_request.item.pull_request_id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn all_pull_requests(
        &self,
        query: &PullRequestQuery,
    ) -> BoxStream<'static, Result<InProject<PullRequest>>> {
        let query = query.clone();
        self.across_projects(move |client, project| client.pull_requests(project, &query))
    }
}
