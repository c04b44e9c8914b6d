//! `release`.

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use ado_client::models::Release as ListedRelease;
use ado_client::{AdoClient, Listed, ReleaseDeploymentQuery, ReleaseQuery};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt, stream};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::item::{ItemKey, Lookup, LookupResult, found, listed_if};
use super::listing::{for_each, projects_of};
use super::options::{OptionError, string_list, text, timestamp};
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry};

/// Releases read by id in one request (`releaseIdFilter`): one page.
const RELEASES_BY_ID: usize = ado_client::pager::RELEASES as usize;

/// `release`, with its selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Release {
    /// The release filters (`expand`, `statusFilter`, `tagFilter`...).
    query: ReleaseQuery,
}

impl KindSource for Release {
    const NAME: &str = "release";
    const CALLS: &[&str] = &[
        "GET {vsrm}/{project}/_apis/release/releases per project, with the selector's filters",
        "incremental: GET {vsrm}/{project}/_apis/release/releases?minCreatedTime (the selector's own checked here), GET {vsrm}/{project}/_apis/release/deployments?minModifiedTime&deploymentStatus=all, then GET {vsrm}/{project}/_apis/release/releases?releaseIdFilter per 100 releases of those deployments not listed yet, with the selector's filters",
    ];
    const OPTIONS: &[&str] = &[
        "expand",
        "statusFilter",
        "tagFilter",
        "sourceBranchFilter",
        "minCreatedTime",
        "maxCreatedTime",
    ];
    const LISTS_CHANGES: bool = true;

    /// Every project's classic releases matching the selector's filters (release host). With
    /// `since`, those created since it, then those with a deployment modified since it.
    fn items(&self, org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        let query = self.query.clone();
        for_each(projects_of(org), move |project| {
            let releases = match since {
                None => scope.client.releases(&project.id, &query).boxed(),
                Some(since) => changed_releases(&scope.client, &project.id, &query, since),
            };
            releases.map_ok(|release| release.raw)
        })
    }

    /// A release read by id: found when the selector's filters keep it, else gone.
    async fn lookup(&self, org: &OrgScope, project: &ProjectEntry, key: &ItemKey) -> LookupResult {
        let ItemKey::Release { id, .. } = key else {
            return Ok(Lookup::other_kind(Self::NAME));
        };
        let Some(release) = found(org.client.release(&project.id, *id).await)? else {
            return Ok(Lookup::Gone(Vec::new()));
        };
        let listed = self.query.matches(&release.item);
        Ok(listed_if(release.raw, listed))
    }

    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError> {
        let mut query = ReleaseQuery::new();
        if let Some(expand) = text(options, "expand")? {
            query = query.expand(expand);
        }
        if let Some(status) = text(options, "statusFilter")? {
            query = query.status(status);
        }
        let tags = string_list(options, "tagFilter")?;
        if !tags.is_empty() {
            query = query.tags(tags);
        }
        if let Some(branch) = text(options, "sourceBranchFilter")? {
            query = query.source_branch(branch);
        }
        if let Some(time) = timestamp(options, "minCreatedTime")? {
            query = query.min_created_time(time);
        }
        if let Some(time) = timestamp(options, "maxCreatedTime")? {
            query = query.max_created_time(time);
        }
        Ok(Self { query })
    }
}

/// A project's releases matching `query` created at or after `since`, then the others of the
/// deployments modified at or after it, read by id ([`RELEASES_BY_ID`] a request). A release
/// changed without a deployment since (abandoned, retagged...) is not among them.
fn changed_releases(
    client: &AdoClient,
    project: &str,
    query: &ReleaseQuery,
    since: Timestamp,
) -> BoxStream<'static, ado_client::Result<Listed<ListedRelease>>> {
    let listed = Arc::new(Mutex::new(HashSet::new()));
    // The selector's own creation-time filter is applied here, as the listing replaces it.
    let created = {
        let listed = Arc::clone(&listed);
        let query = query.clone();
        client
            .releases(project, &query.clone().min_created_time(since))
            .try_filter(move |release| {
                listed
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(release.item.id);
                std::future::ready(query.matches(&release.item))
            })
    };
    let deployments = ReleaseDeploymentQuery::new()
        .min_modified_time(since)
        .deployment_status("all");
    let deployed = client
        .release_deployments(project, &deployments)
        .try_filter_map(|deployment| std::future::ready(Ok(deployment.item.release.map(|r| r.id))))
        .try_collect::<BTreeSet<i64>>();
    let (client, project, query) = (client.clone(), project.to_owned(), query.clone());
    let by_id = stream::once(deployed)
        .map_ok(move |deployed| {
            let listed = listed.lock().unwrap_or_else(PoisonError::into_inner);
            let ids: Vec<i64> = deployed
                .into_iter()
                .filter(|id| !listed.contains(id))
                .collect();
            let requests: Vec<ReleaseQuery> = ids
                .chunks(RELEASES_BY_ID)
                .map(|chunk| query.clone().ids(chunk.iter().copied()))
                .collect();
            let (client, project) = (client.clone(), project.clone());
            stream::iter(requests).flat_map(move |query| client.releases(&project, &query))
        })
        .try_flatten();
    created.chain(by_id).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn release_options() {
        let parsed_options = parsed::<Release>(
            json!({"expand": "environments", "tagFilter": ["prod"], "minCreatedTime": "2024-01-31T00:00:00Z"}),
        );
        let expected = ReleaseQuery::new()
            .expand("environments")
            .tags(["prod"])
            .min_created_time("2024-01-31T00:00:00Z".parse().expect("time"));
        assert_eq!(parsed_options, Ok(Release { query: expected }));
        let err = parsed::<Release>(json!({"maxCreatedTime": "yesterday"})).unwrap_err();
        assert_eq!(err.option, "maxCreatedTime");
        assert!(parsed::<Release>(json!({"expand": 3})).is_err());
    }
}
