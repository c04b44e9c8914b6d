//! `repository`, `repository-policy`, `branch`, `pull-request`, `folder` and
//! `advanced-security-alert`.

use std::sync::Arc;

use ado_client::models::{GitItem, PullRequest};
use ado_client::pager::Listed;
use ado_client::{
    AlertQuery, Operation, PullRequestQuery, PullRequestStatus, PullRequestTimeRange,
};
use futures::{StreamExt, TryStreamExt, stream};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};

use super::glob::PathPattern;
use super::item::Lookup;
use super::options::FolderQuery;
use super::{
    FAN_OUT, ItemStream, enrich, for_each, for_each_at, healthy_repositories_of, nested,
    repositories_where,
};
use crate::org::{OrgScope, RepoEntry, SharedList, listed_once, repo_entry};

/// `repository`: every repository of the kept projects, disabled ones included, with
/// `__includedFiles` when files are requested.
pub(super) fn repositories(org: &Arc<OrgScope>, included_files: Vec<String>) -> ItemStream {
    let scope = Arc::clone(org);
    let list = {
        let org = Arc::clone(org);
        async move { org.repositories().await }
    };
    let files: Arc<[String]> = included_files.into();
    // One request (or none) per repository: as many at once as the budget allows.
    for_each_at(FAN_OUT, list, move |repo: RepoEntry| {
        let org = Arc::clone(&scope);
        let files = Arc::clone(&files);
        stream::once(async move { repository_item(&org, repo, &files).await })
    })
}

/// One repository by id, as the `repository` kind lists it.
pub(super) async fn repository(
    org: &OrgScope,
    project_id: &str,
    repository_id: &str,
    files: &[String],
) -> ado_client::Result<Value> {
    let repo = org.client.repository(project_id, repository_id).await?;
    repository_item(org, repo_entry(repo.item, repo.raw, project_id), files).await
}

async fn repository_item(
    org: &OrgScope,
    repo: RepoEntry,
    files: &[String],
) -> ado_client::Result<Value> {
    if files.is_empty() {
        return Ok(repo.raw);
    }
    let disabled = repo.raw["isDisabled"].as_bool().unwrap_or(false);
    let branch = repo.default_branch.as_deref().filter(|_| !disabled);
    let included = included_files(org, &repo, branch, "", files).await?;
    Ok(enrich(repo.raw, [("__includedFiles", included)]))
}

/// `{path: text or null}` for each of `files` (relative to the folder `dir`, as given when
/// `dir` is empty) at the tip of `branch`; all null without a branch.
pub(super) async fn included_files(
    org: &OrgScope,
    repo: &RepoEntry,
    branch: Option<&str>,
    dir: &str,
    files: &[String],
) -> ado_client::Result<Value> {
    let mut included = Map::new();
    for path in files {
        let text = match branch {
            Some(branch) => {
                let full = if dir.is_empty() {
                    path.clone()
                } else {
                    format!(
                        "{}/{}",
                        dir.trim_end_matches('/'),
                        path.trim_start_matches('/')
                    )
                };
                org.client
                    .file(&repo.project_id, &repo.id, &full, branch)
                    .await?
                    .and_then(|file| file.item.content)
                    .map_or(Value::Null, Value::String)
            }
            None => Value::Null,
        };
        included.insert(path.clone(), text);
    }
    Ok(Value::Object(included))
}

/// `folder`: per healthy repository (of the `project_name` project when set) and per folder
/// pattern naming it (or naming no repository), the folders matching the pattern at the
/// pattern's branch (the default branch unless given), with `__repository`, `__branch`,
/// `__pattern` and, when files are requested, `__includedFiles` (paths relative to the
/// folder).
pub(super) fn folders(org: &Arc<OrgScope>, query: FolderQuery) -> ItemStream {
    let query = Arc::new(query);
    let selected = Arc::clone(&query);
    let repositories = repositories_where(org, move |r| r.healthy && selected.has_project_of(r));
    let files: Arc<[String]> = query.included_files.clone().into();
    nested(
        org,
        repositories,
        move |_, repo| {
            let lookups: Vec<ado_client::Result<(PathPattern, String)>> = query
                .patterns
                .iter()
                .filter_map(|pattern| {
                    let branch = pattern.branch_for(repo)?;
                    Some(Ok((pattern.path.clone(), branch)))
                })
                .collect();
            stream::iter(lookups)
        },
        move |org, repo, (pattern, branch)| {
            pattern_folders(
                Arc::clone(org),
                Arc::clone(repo),
                pattern,
                branch,
                Arc::clone(&files),
            )
        },
    )
}

/// The folders of one repository matching one pattern.
fn pattern_folders(
    org: Arc<OrgScope>,
    repo: Arc<RepoEntry>,
    pattern: PathPattern,
    branch: String,
    files: Arc<[String]>,
) -> ItemStream {
    let listing = org.client.items(
        &repo.project_id,
        &repo.id,
        &pattern.base(),
        pattern.recursion(),
        &branch,
    );
    let pattern = Arc::new(pattern);
    let matcher = Arc::clone(&pattern);
    listing
        .try_filter(move |item| {
            let folder = item.item.is_folder == Some(true)
                && item
                    .item
                    .path
                    .as_deref()
                    .is_some_and(|p| matcher.matches(p));
            std::future::ready(folder)
        })
        .map(move |item| {
            let org = Arc::clone(&org);
            let repo = Arc::clone(&repo);
            let pattern = Arc::clone(&pattern);
            let branch = branch.clone();
            let files = Arc::clone(&files);
            async move { folder_item(&org, &repo, &pattern, &branch, item?, &files).await }
        })
        .buffered(FAN_OUT)
        .boxed()
}

/// A `folder` item: the Git item with `__repository`, `__branch`, `__pattern` and, when
/// files are requested, `__includedFiles`.
async fn folder_item(
    org: &OrgScope,
    repo: &RepoEntry,
    pattern: &PathPattern,
    branch: &str,
    item: Listed<GitItem>,
    files: &[String],
) -> ado_client::Result<Value> {
    let mut folder = folder_stub(item.raw, repo, pattern, branch);
    if !files.is_empty() {
        let dir = item.item.path.unwrap_or_default();
        let included = included_files(org, repo, Some(branch), &dir, files).await?;
        folder = enrich(folder, [("__includedFiles", included)]);
    }
    Ok(folder)
}

fn folder_stub(item: Value, repo: &RepoEntry, pattern: &PathPattern, branch: &str) -> Value {
    enrich(
        item,
        [
            ("__repository", repo.raw.clone()),
            ("__branch", Value::String(branch.to_owned())),
            ("__pattern", Value::String(pattern.as_str().to_owned())),
        ],
    )
}

/// The `folder` items of `path` after a push to `branch` of `repo`: one per pattern of this
/// selector that matches the path at that branch, read again; gone when Azure DevOps no longer
/// has the folder (then `{path, isFolder}` items with the enrichment name the entities).
pub(super) async fn changed_folders(
    org: &OrgScope,
    repo: &RepoEntry,
    branch: &str,
    path: &str,
    query: &FolderQuery,
) -> ado_client::Result<Lookup> {
    let branch = branch.strip_prefix("refs/heads/").unwrap_or(branch);
    let patterns: Vec<&PathPattern> = query
        .patterns
        .iter()
        .filter(|pattern| {
            pattern.branch_for(repo).as_deref() == Some(branch) && pattern.path.matches(path)
        })
        .map(|pattern| &pattern.path)
        .collect();
    if !repo.healthy || !query.has_project_of(repo) || patterns.is_empty() {
        return Ok(Lookup::Skipped(format!("{path} is not selected")));
    }
    let read = org
        .client
        .file(&repo.project_id, &repo.id, path, branch)
        .await?
        .filter(|item| item.item.is_folder == Some(true));
    let Some(read) = read else {
        let stub = json!({"path": path, "isFolder": true});
        return Ok(Lookup::Gone(
            patterns
                .into_iter()
                .map(|pattern| folder_stub(stub.clone(), repo, pattern, branch))
                .collect(),
        ));
    };
    let mut folders = Vec::new();
    for pattern in patterns {
        folders.push(
            folder_item(
                org,
                repo,
                pattern,
                branch,
                read.clone(),
                &query.included_files,
            )
            .await?,
        );
    }
    Ok(Lookup::Found(folders))
}

/// `repository-policy`: the policies of each healthy repository's default branch, with
/// `__repository`; listed once when several resources read them.
pub(super) fn policies(org: &Arc<OrgScope>) -> ItemStream {
    let scope = Arc::clone(org);
    // A repository has few policy configurations: one small page each.
    for_each_at(
        FAN_OUT,
        healthy_repositories_of(org),
        move |repo: RepoEntry| {
            let Some(branch) = repo.default_branch.clone() else {
                return stream::empty().boxed();
            };
            let repository = repo.raw;
            let listed =
                scope
                    .client
                    .policy_configurations(&repo.project_id, &repo.id, Some(&branch));
            listed_once(&scope, SharedList::Policies, &repo.id, listed)
                .map_ok(move |policy| enrich(policy.raw, [("__repository", repository.clone())]))
                .boxed()
        },
    )
}

/// `branch`: the branches of each healthy repository, as
/// `{name, refName, objectId, __repository}` (`name` without `refs/heads/`).
pub(super) fn branches(org: &Arc<OrgScope>) -> ItemStream {
    let scope = Arc::clone(org);
    for_each(healthy_repositories_of(org), move |repo: RepoEntry| {
        let repository = repo.raw;
        scope
            .client
            .branches(&repo.project_id, &repo.id)
            .map_ok(move |branch| {
                branch_item(&branch.item.name, branch.item.object_id, repository.clone())
            })
    })
}

/// A `branch` item: `{name, refName, objectId, __repository}`.
pub(super) fn branch_item(ref_name: &str, object_id: Option<String>, repository: Value) -> Value {
    json!({
        "name": ref_name.strip_prefix("refs/heads/").unwrap_or(ref_name),
        "refName": ref_name,
        "objectId": object_id,
        "__repository": repository,
    })
}

/// `pull-request`: per healthy repository, the active pull requests, then the abandoned and
/// completed ones closed within `min_time_in_days` (at most `max_results` of each).
///
/// Where the profile's api-version has the time filters (7.1), the server applies the window
/// (`searchCriteria.minTime` with `queryTimeRangeType=closed`). Elsewhere (Azure DevOps Server)
/// it is applied here to `closedDate`: closed pull requests come most recently closed first, so
/// the listing stops at the first one closed before the window, without asking for more pages.
pub(super) fn pull_requests(
    org: &Arc<OrgScope>,
    min_time_in_days: u32,
    max_results: usize,
    changed_since: Option<Timestamp>,
) -> ItemStream {
    let scope = Arc::clone(org);
    let window = Timestamp::now()
        .saturating_sub(SignedDuration::from_hours(24 * i64::from(min_time_in_days)))
        .unwrap_or(Timestamp::MIN);
    // An incremental resync lists the pull requests closed since its cursor; the active ones
    // are always listed, as they change without a time to filter on.
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
        let closed = [PullRequestStatus::Abandoned, PullRequestStatus::Completed].map(|status| {
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

/// Whether a pull request was closed before `since`; one without a readable `closedDate` is
/// not.
fn closed_before(pr: &PullRequest, since: Timestamp) -> bool {
    pr.closed_date.is_some_and(|closed| closed < since)
}

/// `advanced-security-alert`: the Advanced Security alerts of each healthy repository matching
/// the selector's criteria, with `__repositoryId` and `__projectId`. A repository without
/// Advanced Security (a 400 whose error body says it is not enabled) has none; any other
/// failure fails the kind. With `since`, only the alerts modified since it.
pub(super) fn advanced_security_alerts(
    org: &Arc<OrgScope>,
    query: AlertQuery,
    since: Option<Timestamp>,
) -> ItemStream {
    let scope = Arc::clone(org);
    let query = match since {
        Some(since) => query.modified_since(since),
        None => query,
    };
    for_each(healthy_repositories_of(org), move |repo: RepoEntry| {
        let repository_id = Value::String(repo.id.clone());
        let project_id = Value::String(repo.project_id.clone());
        scope
            .client
            .advanced_security_alerts(&repo.project_id, &repo.id, &query)
            .filter(|alert| {
                let disabled = alert
                    .as_ref()
                    .is_err_and(ado_client::Error::is_feature_disabled);
                std::future::ready(!disabled)
            })
            .map_ok(move |alert| {
                enrich(
                    alert.raw,
                    [
                        ("__repositoryId", repository_id.clone()),
                        ("__projectId", project_id.clone()),
                    ],
                )
            })
    })
}
