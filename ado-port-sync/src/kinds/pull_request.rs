//! `pull-request`.

use std::sync::Arc;

use ado_client::models::PullRequest as ListedPullRequest;
use ado_client::{Operation, PullRequestQuery, PullRequestStatus, PullRequestTimeRange};
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
        "GET {project}/_apis/git/pullrequests per healthy repository: active, then abandoned and completed closed within minTimeInDays, or since the cursor when incremental and later (at most maxResults each; searchCriteria.minTime where the api-version has it, else closedDate checked here, stopping at the first older one)",
    ];
    const OPTIONS: &[&str] = &["minTimeInDays", "maxResults"];
    const LISTS_CHANGES: bool = true;

    /// Per healthy repository, the active pull requests, then the abandoned and completed ones
    /// closed within `minTimeInDays` (at most `maxResults` of each).
    ///
    /// Where the profile's api-version has the time filters (7.1), the server applies the
    /// window (`searchCriteria.minTime` with `queryTimeRangeType=closed`). Elsewhere (Azure
    /// DevOps Server) it is applied here to `closedDate`: closed pull requests come most
    /// recently closed first, so the listing stops at the first one closed before the window,
    /// without asking for more pages.
    fn items(&self, org: &Arc<OrgScope>, changed_since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        let max_results = self.max_results;
        let window = Timestamp::now()
            .saturating_sub(SignedDuration::from_hours(
                24 * i64::from(self.min_time_in_days),
            ))
            .unwrap_or(Timestamp::MIN);
        // An incremental resync lists the pull requests closed since its cursor; the active
        // ones are always listed, as they change without a time to filter on.
        let since = changed_since.map_or(window, |changed| changed.max(window));
        for_each(healthy_repositories_of(org), move |repo: RepoEntry| {
            let client = scope.client.clone();
            let time_filters = client
                .profile()
                .api_version(Operation::ListPullRequestsByTime)
                .is_some();
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
                    let listing = if time_filters {
                        let query = query
                            .min_time(since)
                            .time_range(PullRequestTimeRange::Closed);
                        client.pull_requests(&repo.project_id, &query).boxed()
                    } else {
                        client
                            .pull_requests(&repo.project_id, &query)
                            .try_take_while(move |pr| {
                                std::future::ready(Ok(!closed_before(&pr.item, since)))
                            })
                            .boxed()
                    };
                    listing.take(max_results).boxed()
                });
            // The three statuses are listed at the same time.
            stream::iter([active].into_iter().chain(closed))
                .flatten_unordered(3)
                .map_ok(|pr| pr.raw)
        })
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
