//! `pull-request`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ado_client::models::PullRequest as ListedPullRequest;
use ado_client::pager::Listed;
use ado_client::{AdoClient, Operation, PullRequestQuery, PullRequestStatus, PullRequestTimeRange};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt, stream};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value};

use super::item::{ItemKey, Lookup, LookupResult, found, one};
use super::listing::{for_each, healthy_repositories_of};
use super::options::{OptionError, positive};
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry, RepoEntry};

/// Default of the pull-request `minTimeInDays` option.
pub const DEFAULT_PR_MIN_TIME_IN_DAYS: u32 = 7;
/// Default of the pull-request `maxResults` option.
pub const DEFAULT_PR_MAX_RESULTS: usize = 100;

/// `pull-request`, with its selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PullRequest {
    /// `minTimeInDays`: how far back to list closed pull requests.
    min_time_in_days: u32,
    /// `maxResults`: how many pull requests of each closed status to list.
    max_results: usize,
}

impl KindSource for PullRequest {
    const NAME: &str = "pull-request";
    const CALLS: &[&str] = &[
        "GET {project}/_apis/git/pullrequests?searchCriteria.repositoryId per healthy repository: active, then abandoned and completed closed within minTimeInDays (at most maxResults each; searchCriteria.minTime where the api-version has it, else closedDate checked here, stopping at the first older one)",
        "incremental: GET {project}/_apis/git/pullrequests per project with a healthy repository: active, then abandoned and completed closed since the cursor (and within minTimeInDays), kept to healthy repositories and maxResults per repository",
    ];
    const OPTIONS: &[&str] = &["minTimeInDays", "maxResults"];
    const LISTS_CHANGES: bool = true;

    /// The active pull requests and those closed within `minTimeInDays`: per healthy
    /// repository, or per project since the cursor of an incremental resync.
    fn items(&self, org: &Arc<OrgScope>, changed_since: Option<Timestamp>) -> ItemStream {
        let window = Timestamp::now()
            .saturating_sub(SignedDuration::from_hours(
                24 * i64::from(self.min_time_in_days),
            ))
            .unwrap_or(Timestamp::MIN);
        match changed_since {
            Some(changed) => self.changed(org, changed.max(window)),
            None => self.listed(org, window),
        }
    }

    /// A pull request read by id.
    async fn lookup(&self, org: &OrgScope, _project: &ProjectEntry, key: &ItemKey) -> LookupResult {
        let ItemKey::PullRequest { id, .. } = key else {
            return Ok(Lookup::other_kind(Self::NAME));
        };
        let read = found(org.client.pull_request(*id).await)?;
        Ok(one(read.map(|pr| pr.raw), None))
    }

    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self {
            min_time_in_days: positive(options, "minTimeInDays", DEFAULT_PR_MIN_TIME_IN_DAYS)?,
            max_results: positive(options, "maxResults", DEFAULT_PR_MAX_RESULTS)?,
        })
    }
}

impl PullRequest {
    /// Per healthy repository, the active pull requests and those closed since `since` (at
    /// most `maxResults` of each closed status).
    fn listed(&self, org: &Arc<OrgScope>, since: Timestamp) -> ItemStream {
        let scope = Arc::clone(org);
        let max_results = self.max_results;
        for_each(healthy_repositories_of(org), move |repo: RepoEntry| {
            let client = scope.client.clone();
            let base = PullRequestQuery::new().repository_id(repo.id.clone());
            let active = client
                .pull_requests(
                    &repo.project_id,
                    &base.clone().status(PullRequestStatus::Active),
                )
                .boxed();
            let closed =
                [PullRequestStatus::Abandoned, PullRequestStatus::Completed].map(|status| {
                    let query = base.clone().status(status);
                    closed_since(&client, &repo.project_id, query, since)
                        .take(max_results)
                        .boxed()
                });
            // The three statuses are listed at the same time.
            stream::iter([active].into_iter().chain(closed))
                .flatten_unordered(3)
                .map_ok(|pr| pr.raw)
        })
    }

    /// An incremental listing: per project, its active pull requests and those closed since
    /// `since` (the active ones always, as they change without a time to filter on), kept to
    /// its healthy repositories and to `maxResults` per repository and closed status. Three
    /// listings per project instead of three per repository.
    fn changed(&self, org: &Arc<OrgScope>, since: Timestamp) -> ItemStream {
        let scope = Arc::clone(org);
        let max_results = self.max_results;
        let repositories = healthy_repositories_of(org);
        let projects = async move {
            let mut projects: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for repo in repositories.await?.iter() {
                projects
                    .entry(repo.project_id.clone())
                    .or_default()
                    .insert(repo.id.clone());
            }
            Ok(projects
                .into_iter()
                .map(|(project, healthy)| (project, Arc::new(healthy)))
                .collect::<Arc<[_]>>())
        };
        for_each(
            projects,
            move |(project, healthy): (String, Arc<BTreeSet<String>>)| {
                let client = scope.client.clone();
                let listings = [
                    PullRequestStatus::Active,
                    PullRequestStatus::Abandoned,
                    PullRequestStatus::Completed,
                ]
                .map(|status| {
                    let query = PullRequestQuery::new().status(status);
                    let listing = if status == PullRequestStatus::Active {
                        client.pull_requests(&project, &query).boxed()
                    } else {
                        closed_since(&client, &project, query, since)
                    };
                    let healthy = Arc::clone(&healthy);
                    let mut listed: BTreeMap<String, usize> = BTreeMap::new();
                    listing.try_filter(move |pr| {
                        let repository = pr.raw["repository"]["id"].as_str().unwrap_or_default();
                        let count = listed.entry(repository.to_owned()).or_default();
                        *count += 1;
                        let within = status == PullRequestStatus::Active || *count <= max_results;
                        std::future::ready(within && healthy.contains(repository))
                    })
                });
                stream::iter(listings)
                    .flatten_unordered(3)
                    .map_ok(|pr| pr.raw)
            },
        )
    }
}

/// The pull requests of `query` (a closed status) closed since `since`, most recently closed
/// first. Where the profile's api-version has the time filters (7.1), the server applies
/// them (`searchCriteria.minTime` with `queryTimeRangeType=closed`); elsewhere (Azure DevOps
/// Server) `closedDate` is checked here and the listing stops at the first one closed before
/// `since`, without asking for more pages.
fn closed_since(
    client: &AdoClient,
    project: &str,
    query: PullRequestQuery,
    since: Timestamp,
) -> BoxStream<'static, ado_client::Result<Listed<ListedPullRequest>>> {
    let time_filters = client
        .profile()
        .api_version(Operation::ListPullRequestsByTime)
        .is_some();
    if time_filters {
        let query = query
            .min_time(since)
            .time_range(PullRequestTimeRange::Closed);
        client.pull_requests(project, &query).boxed()
    } else {
        client
            .pull_requests(project, &query)
            .try_take_while(move |pr| std::future::ready(Ok(!closed_before(&pr.item, since))))
            .boxed()
    }
}

/// Whether a pull request was closed before `since`; one without a readable `closedDate` is
/// not.
fn closed_before(pr: &ListedPullRequest, since: Timestamp) -> bool {
    pr.closed_date.is_some_and(|closed| closed < since)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn pull_request_defaults_and_bounds() {
        assert_eq!(
            parsed::<PullRequest>(json!({})),
            Ok(PullRequest {
                min_time_in_days: 7,
                max_results: 100
            })
        );
        assert_eq!(
            parsed::<PullRequest>(json!({"minTimeInDays": 30, "maxResults": 5})),
            Ok(PullRequest {
                min_time_in_days: 30,
                max_results: 5
            })
        );
        let err = parsed::<PullRequest>(json!({"minTimeInDays": 0})).unwrap_err();
        assert_eq!(err.option, "minTimeInDays");
        assert!(err.to_string().contains(">= 1"), "{err}");
        assert!(parsed::<PullRequest>(json!({"maxResults": -3})).is_err());
        assert!(parsed::<PullRequest>(json!({"maxResults": "10"})).is_err());
        assert!(parsed::<PullRequest>(json!({"maxResults": 1.5})).is_err());
    }
}
