//! The registry of kinds: which Azure DevOps calls each kind makes, in which order, and which
//! enrichment fields it adds to the raw items.
//!
//! Every item of every kind also carries `__organizationUrl` (the organization URL as
//! configured, without a trailing slash) and `__organizationName`.

mod build;
mod core;
mod files;
mod git;
mod glob;
mod identity;
mod item;
mod options;
mod pipelines;
mod test;
mod wiki;
mod work;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use futures::stream::BoxStream;
use futures::{Stream, StreamExt, TryStreamExt, stream};
use jiff::Timestamp;
use serde_json::{Map, Value};

pub(crate) use self::item::{ItemKey, Lookup};
pub(crate) use self::options::KindOptions;
pub use self::options::{
    DEFAULT_AREA_DEPTH, DEFAULT_COVERAGE_FLAGS, DEFAULT_PR_MAX_RESULTS,
    DEFAULT_PR_MIN_TIME_IN_DAYS, DEFAULT_RELEASE_DEFINITION_EXPAND, DEFAULT_WORK_ITEM_EXPAND,
    OptionError,
};
use crate::org::{OrgScope, ProjectEntry, RepoEntry};

/// Raw items of one kind, enriched; an `Err` reports a failed call and the stream goes on.
pub type ItemStream = BoxStream<'static, Result<Value, ado_client::Error>>;

/// Concurrent follow-up calls (one per build, team, environment...) within one kind; the
/// client's request budget bounds what is really in flight.
const FAN_OUT: usize = 16;

/// Projects or repositories whose listings [`for_each`] reads at the same time: each listing
/// holds a page (up to 1,000 items) in memory, so this bounds the memory of a resync.
const LISTS_AT_ONCE: usize = 5;

/// A kind this crate can sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Kind {
    /// `project`
    Project,
    /// `repository`
    Repository,
    /// `repository-policy`
    RepositoryPolicy,
    /// `user`
    User,
    /// `team`
    Team,
    /// `pull-request`
    PullRequest,
    /// `build`
    Build,
    /// `pipeline-stage`
    PipelineStage,
    /// `pipeline-run`
    PipelineRun,
    /// `environment`
    Environment,
    /// `release-deployment`
    ReleaseDeployment,
    /// `pipeline-deployment`
    PipelineDeployment,
    /// `pipeline`
    Pipeline,
    /// `release`
    Release,
    /// `branch`
    Branch,
    /// `member`
    Member,
    /// `iteration`
    Iteration,
    /// `area-path`
    AreaPath,
    /// `release-definition`
    ReleaseDefinition,
    /// `work-item`
    WorkItem,
    /// `board`
    Board,
    /// `column`
    Column,
    /// `test-run`
    TestRun,
    /// `group`
    Group,
    /// `group-member`
    GroupMember,
    /// `advanced-security-alert`
    AdvancedSecurityAlert,
    /// `wiki`
    Wiki,
    /// `folder`
    Folder,
    /// `file`
    File,
}

/// What a kind does, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindSpec {
    /// The kind.
    pub kind: Kind,
    /// Its name in a mapping.
    pub name: &'static str,
    /// The Azure DevOps calls it makes, in order.
    pub calls: &'static [&'static str],
    /// The enrichment fields it adds, besides the organization fields.
    pub enrichment: &'static [&'static str],
    /// Its selector options.
    pub options: &'static [&'static str],
}

/// Every kind this crate syncs.
pub const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: Kind::Project,
        name: "project",
        calls: &[
            "GET _apis/projects",
            "with defaultTeam: GET _apis/projects/{id} per project",
        ],
        enrichment: &[],
        options: &["defaultTeam"],
    },
    KindSpec {
        kind: Kind::Repository,
        name: "repository",
        calls: &[
            "GET {project}/_apis/git/repositories per project",
            "with includedFiles: GET {project}/_apis/git/repositories/{id}/items per file, default branch",
        ],
        enrichment: &["__includedFiles"],
        options: &["includedFiles"],
    },
    KindSpec {
        kind: Kind::RepositoryPolicy,
        name: "repository-policy",
        calls: &[
            "GET {project}/_apis/git/policy/configurations?repositoryId&refName={defaultBranch} per healthy repository",
        ],
        enrichment: &["__repository"],
        options: &[],
    },
    KindSpec {
        kind: Kind::User,
        name: "user",
        calls: &["GET {vsaex}/_apis/userentitlements, or GET {vssps}/_apis/graph/users"],
        enrichment: &[],
        options: &["source", "includeFields", "subjectTypes", "apiVersion"],
    },
    KindSpec {
        kind: Kind::Team,
        name: "team",
        calls: &[
            "GET _apis/teams",
            "with includeMembers: GET _apis/projects/{project}/teams/{team}/members per team",
        ],
        enrichment: &["__members"],
        options: &["includeMembers"],
    },
    KindSpec {
        kind: Kind::PullRequest,
        name: "pull-request",
        calls: &[
            "GET {project}/_apis/git/pullrequests per healthy repository: active, then abandoned and completed closed within minTimeInDays, or since the cursor when incremental and later (at most maxResults each; searchCriteria.minTime where the api-version has it, else closedDate checked here, stopping at the first older one)",
        ],
        enrichment: &[],
        options: &["minTimeInDays", "maxResults"],
    },
    KindSpec {
        kind: Kind::Build,
        name: "build",
        calls: &[
            "GET {project}/_apis/build/builds?queryOrder=queueTimeDescending per project",
            "incremental: GET {project}/_apis/build/builds?queryOrder=queueTimeDescending&minTime, then ?queryOrder=finishTimeDescending&minTime per project",
        ],
        enrichment: &["__projectId", "__project"],
        options: &[],
    },
    KindSpec {
        kind: Kind::PipelineStage,
        name: "pipeline-stage",
        calls: &[
            "GET {project}/_apis/build/builds per project",
            "GET {project}/_apis/build/builds/{id}/timeline per build, records of type Stage",
            "incremental: the builds of `build` changed since the cursor, then their timelines",
        ],
        enrichment: &["__project", "__build"],
        options: &[],
    },
    KindSpec {
        kind: Kind::PipelineRun,
        name: "pipeline-run",
        calls: &[
            "GET {project}/_apis/pipelines per project",
            "GET {project}/_apis/pipelines/{id}/runs per pipeline",
            "incremental: GET {project}/_apis/pipelines and the builds of `build` changed since the cursor per project, then GET {project}/_apis/pipelines/{pipelineId}/runs/{buildId} per build of a listed pipeline",
        ],
        enrichment: &["__project", "__pipeline"],
        options: &[],
    },
    KindSpec {
        kind: Kind::Environment,
        name: "environment",
        calls: &["GET {project}/_apis/distributedtask/environments per project"],
        enrichment: &[],
        options: &[],
    },
    KindSpec {
        kind: Kind::ReleaseDeployment,
        name: "release-deployment",
        calls: &[
            "GET {vsrm}/{project}/_apis/release/deployments per project (incremental: &minModifiedTime)",
        ],
        enrichment: &[],
        options: &[],
    },
    KindSpec {
        kind: Kind::PipelineDeployment,
        name: "pipeline-deployment",
        calls: &[
            "GET {project}/_apis/distributedtask/environments per project",
            "GET {project}/_apis/distributedtask/environments/{id}/environmentdeploymentrecords per environment",
        ],
        enrichment: &["__project"],
        options: &[],
    },
    KindSpec {
        kind: Kind::Pipeline,
        name: "pipeline",
        calls: &["GET {project}/_apis/pipelines per project"],
        enrichment: &["__projectId"],
        options: &[],
    },
    KindSpec {
        kind: Kind::Release,
        name: "release",
        calls: &[
            "GET {vsrm}/{project}/_apis/release/releases per project, with the selector's filters",
            "incremental: GET {vsrm}/{project}/_apis/release/releases?minCreatedTime (the selector's own checked here), GET {vsrm}/{project}/_apis/release/deployments?minModifiedTime&deploymentStatus=all, then GET {vsrm}/{project}/_apis/release/releases?releaseIdFilter per 100 releases of those deployments not listed yet, with the selector's filters",
        ],
        enrichment: &[],
        options: &[
            "expand",
            "statusFilter",
            "tagFilter",
            "sourceBranchFilter",
            "minCreatedTime",
            "maxCreatedTime",
        ],
    },
    KindSpec {
        kind: Kind::Branch,
        name: "branch",
        calls: &[
            "GET {project}/_apis/git/repositories/{id}/refs?filter=heads/ per healthy repository",
        ],
        enrichment: &["__repository"],
        options: &[],
    },
    KindSpec {
        kind: Kind::Member,
        name: "member",
        calls: &[
            "GET _apis/teams",
            "GET _apis/projects/{project}/teams/{team}/members per team",
        ],
        enrichment: &["__teamId"],
        options: &[],
    },
    KindSpec {
        kind: Kind::Iteration,
        name: "iteration",
        calls: &[
            "GET _apis/projects/{project}/teams per project",
            "GET {project}/{team}/_apis/work/teamsettings/iterations per team",
        ],
        enrichment: &["__project", "__team"],
        options: &[],
    },
    KindSpec {
        kind: Kind::AreaPath,
        name: "area-path",
        calls: &["GET {project}/_apis/wit/classificationnodes/Areas?$depth per project"],
        enrichment: &["__project", "__parentIdentifier", "__normalizedPath"],
        options: &["depth"],
    },
    KindSpec {
        kind: Kind::ReleaseDefinition,
        name: "release-definition",
        calls: &["GET {vsrm}/{project}/_apis/release/definitions per project"],
        enrichment: &["__project"],
        options: &["expand", "tagFilter"],
    },
    KindSpec {
        kind: Kind::WorkItem,
        name: "work-item",
        calls: &[
            "POST {project}/_apis/wit/wiql?$top=19999 per project, by ascending id ranges until a page is short (incremental: AND [System.ChangedDate] >= cursor, &timePrecision=true)",
            "POST {project}/_apis/wit/workitemsbatch per 200 ids, with $expand (default all) and no fields",
        ],
        enrichment: &["__projectId", "__project"],
        options: &["wiql", "expand"],
    },
    KindSpec {
        kind: Kind::Board,
        name: "board",
        calls: &[
            "GET _apis/projects/{project}/teams per project",
            "GET {project}/{team}/_apis/work/boards per team",
            "GET {project}/{team}/_apis/work/boards/{id} per board",
        ],
        enrichment: &["__project"],
        options: &[],
    },
    KindSpec {
        kind: Kind::Column,
        name: "column",
        calls: &["the board calls; one item per board column and mapped work item type"],
        enrichment: &["__board", "__stateType", "__stateName"],
        options: &[],
    },
    KindSpec {
        kind: Kind::TestRun,
        name: "test-run",
        calls: &[
            "GET {project}/_apis/test/runs?includeRunDetails=true per project",
            "incremental instead: GET {project}/_apis/test/runs?minLastUpdatedDate&maxLastUpdatedDate&$top=100 per project and window of at most 7 days up to now (continuation token; runs without `build`, `revision`, `comment`... of the query form)",
            "with includeResults (default): GET {project}/_apis/test/runs/{id}/results per run",
            "with codeCoverage: GET {project}/_apis/test/codecoverage?buildId&flags per run with a build (`build`, or the query form's `buildConfiguration`)",
        ],
        enrichment: &["__testResults", "__codeCoverage"],
        options: &["includeResults", "codeCoverage"],
    },
    KindSpec {
        kind: Kind::Group,
        name: "group",
        calls: &["GET {vssps}/_apis/graph/groups"],
        enrichment: &[],
        options: &[],
    },
    KindSpec {
        kind: Kind::GroupMember,
        name: "group-member",
        calls: &[
            "GET {vssps}/_apis/graph/groups",
            "GET {vssps}/_apis/graph/memberships/{descriptor}?direction=down per group",
            "POST {vssps}/_apis/graph/subjectlookup per 500 members",
        ],
        enrichment: &["__group"],
        options: &[],
    },
    KindSpec {
        kind: Kind::AdvancedSecurityAlert,
        name: "advanced-security-alert",
        calls: &[
            "GET {advsec}/{project}/_apis/alert/repositories/{id}/alerts per healthy repository (400: Advanced Security off, skipped; incremental: &criteria.modifiedSince)",
        ],
        enrichment: &["__repositoryId", "__projectId"],
        options: &["criteria"],
    },
    KindSpec {
        kind: Kind::Wiki,
        name: "wiki",
        calls: &[
            "GET {project}/_apis/wiki/wikis per project",
            "POST {project}/_apis/wiki/wikis/{id}/pagesbatch per wiki",
            "with includeContent: GET {project}/_apis/wiki/wikis/{id}/pages/{pageId}?includeContent=true per page",
        ],
        enrichment: &["__wiki", "__project"],
        options: &["wikiType", "includeContent"],
    },
    KindSpec {
        kind: Kind::Folder,
        name: "folder",
        calls: &[
            "GET {project}/_apis/git/repositories/{id}/items?scopePath={pattern base}&recursionLevel per healthy repository and pattern, at the pattern's branch",
            "with includedFiles: GET {project}/_apis/git/repositories/{id}/items per folder and file",
        ],
        enrichment: &["__repository", "__branch", "__pattern", "__includedFiles"],
        options: &["project_name", "folders", "includedFiles"],
    },
    KindSpec {
        kind: Kind::File,
        name: "file",
        calls: &[
            "for a pattern: GET {project}/_apis/git/repositories/{id}/items?scopePath={pattern base}&recursionLevel per healthy repository, default branch",
            "GET {project}/_apis/git/repositories/{id}/items?path&includeContent per file",
            "with includedFiles: GET {project}/_apis/git/repositories/{id}/items per file and included file",
        ],
        enrichment: &["__includedFiles"],
        options: &["files", "includedFiles"],
    },
];

impl Kind {
    /// This kind's registry entry.
    #[must_use]
    pub fn spec(self) -> &'static KindSpec {
        KINDS
            .iter()
            .find(|spec| spec.kind == self)
            .unwrap_or(&KINDS[0])
    }

    /// Whether an incremental resync can list only this kind's items changed since a time:
    /// `build` (queued or finished since), `pipeline-run` and `pipeline-stage` (of those
    /// builds), `pull-request` (closed since; active ones are always listed), `work-item`
    /// (changed since), `release-deployment` (modified since), `release` (created since, or
    /// with a deployment modified since), `test-run` (updated since) and
    /// `advanced-security-alert` (modified since). Every other kind is listed fully.
    #[must_use]
    pub fn lists_changes(self) -> bool {
        matches!(
            self,
            Self::Build
                | Self::PipelineRun
                | Self::PipelineStage
                | Self::PullRequest
                | Self::WorkItem
                | Self::ReleaseDeployment
                | Self::Release
                | Self::TestRun
                | Self::AdvancedSecurityAlert
        )
    }

    /// The kind's name in a mapping (`pull-request`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        self.spec().name
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind name that is not in [`KINDS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KindNameError {
    /// A name no integration knows.
    #[error("unknown kind `{0}`")]
    Unknown(String),
}

impl FromStr for Kind {
    type Err = KindNameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        KINDS
            .iter()
            .find(|spec| spec.name == name)
            .map(|spec| spec.kind)
            .ok_or_else(|| KindNameError::Unknown(name.to_owned()))
    }
}

/// A kind with validated selector options: what to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindRequest {
    options: KindOptions,
}

impl KindRequest {
    /// Validates `options` (a resource's selector without `query`) for `kind`. Options the
    /// kind does not know are ignored.
    ///
    /// # Errors
    ///
    /// [`OptionError`] naming the first unusable option.
    pub fn new(kind: Kind, options: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self {
            options: KindOptions::parse(kind, options)?,
        })
    }

    /// The kind.
    #[must_use]
    pub fn kind(&self) -> Kind {
        self.options.kind()
    }

    /// Streams the enriched raw items of this kind for one organization; with `since`, a kind
    /// that [lists changes](Kind::lists_changes) lists only the items changed at or after it.
    pub(crate) fn items(&self, org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream {
        let items = match &self.options {
            KindOptions::Project { default_team } => core::projects(org, *default_team),
            KindOptions::Team { include_members } => core::teams(org, *include_members),
            KindOptions::User {
                source,
                select,
                subject_types,
                legacy_paging,
            } => core::users(
                org,
                *source,
                select.clone(),
                subject_types.clone(),
                *legacy_paging,
            ),
            KindOptions::Repository { included_files } => {
                git::repositories(org, included_files.clone())
            }
            KindOptions::RepositoryPolicy => git::policies(org),
            KindOptions::PullRequest {
                min_time_in_days,
                max_results,
            } => git::pull_requests(org, *min_time_in_days, *max_results, since),
            KindOptions::Build => build::builds(org, since),
            KindOptions::PipelineStage => build::stages(org, since),
            KindOptions::PipelineRun => pipelines::runs(org, since),
            KindOptions::Environment => pipelines::environments(org),
            KindOptions::PipelineDeployment => pipelines::deployments(org),
            KindOptions::ReleaseDeployment => pipelines::release_deployments(org, since),
            KindOptions::Pipeline => pipelines::pipelines(org),
            KindOptions::Release(query) => pipelines::releases(org, query.clone(), since),
            KindOptions::ReleaseDefinition(query) => {
                pipelines::release_definitions(org, query.clone())
            }
            KindOptions::Branch => git::branches(org),
            KindOptions::Member => core::members(org),
            KindOptions::Iteration => work::iterations(org),
            KindOptions::AreaPath { depth } => work::area_paths(org, *depth),
            KindOptions::WorkItem { condition, expand } => {
                work::work_items(org, condition.clone(), *expand, since)
            }
            KindOptions::Board => work::boards(org),
            KindOptions::Column => work::columns(org),
            KindOptions::TestRun {
                include_results,
                coverage_flags,
            } => test::test_runs(org, *include_results, *coverage_flags, since),
            KindOptions::Group => identity::groups(org),
            KindOptions::GroupMember => identity::group_members(org),
            KindOptions::Wiki {
                wiki_type,
                include_content,
            } => wiki::wiki_pages(org, *wiki_type, *include_content),
            KindOptions::Folder(query) => git::folders(org, query.clone()),
            KindOptions::File(query) => files::files(org, query.clone()),
            KindOptions::AdvancedSecurityAlert(query) => {
                git::advanced_security_alerts(org, query.clone(), since)
            }
        };
        let org = Arc::clone(org);
        items.map_ok(move |item| org.stamp(item)).boxed()
    }
}

/// Adds enrichment fields to a raw item.
pub(crate) fn enrich<const N: usize>(mut item: Value, fields: [(&str, Value); N]) -> Value {
    if let Value::Object(map) = &mut item {
        for (name, value) in fields {
            map.insert(name.to_owned(), value);
        }
    }
    item
}

/// A listed item with the item's own payload (as read one by one) on top.
pub(crate) fn merged(listed: Value, detail: Value) -> Value {
    match (listed, detail) {
        (Value::Object(mut base), Value::Object(detail)) => {
            base.extend(detail);
            Value::Object(base)
        }
        (_, detail) => detail,
    }
}

/// Items of a list the organization scope caches (projects, repositories), one inner stream
/// per entry, [`LISTS_AT_ONCE`] inner streams at a time.
pub(crate) fn for_each<T, L, F, S>(list: L, per_entry: F) -> ItemStream
where
    T: Clone + Send + Sync + 'static,
    L: Future<Output = ado_client::Result<Arc<[T]>>> + Send + 'static,
    F: Fn(T) -> S + Send + Sync + 'static,
    S: Stream<Item = ado_client::Result<Value>> + Send + 'static,
{
    for_each_at(LISTS_AT_ONCE, list, per_entry)
}

/// [`for_each`] with `at_once` inner streams at a time, for entries whose streams hold little
/// (one small request each) and can all run within the request budget.
pub(crate) fn for_each_at<T, L, F, S>(at_once: usize, list: L, per_entry: F) -> ItemStream
where
    T: Clone + Send + Sync + 'static,
    L: Future<Output = ado_client::Result<Arc<[T]>>> + Send + 'static,
    F: Fn(T) -> S + Send + Sync + 'static,
    S: Stream<Item = ado_client::Result<Value>> + Send + 'static,
{
    let per_entry = Arc::new(per_entry);
    stream::once(list)
        .map_ok(move |entries| {
            let per_entry = Arc::clone(&per_entry);
            stream::iter(entries.to_vec())
                .map(move |entry| per_entry(entry).boxed())
                .flatten_unordered(at_once)
        })
        .try_flatten()
        .boxed()
}

/// The items `per_item` streams for each item of `listing`, [`FAN_OUT`] inner streams at a
/// time.
pub(crate) fn fan_out<T, L, F, S>(listing: L, per_item: F) -> ItemStream
where
    L: Stream<Item = ado_client::Result<T>> + Send + 'static,
    F: FnMut(T) -> S + Send + 'static,
    S: Stream<Item = ado_client::Result<Value>> + Send + 'static,
{
    let mut per_item = per_item;
    listing
        .map_ok(move |item| per_item(item).boxed())
        .try_flatten_unordered(FAN_OUT)
        .boxed()
}

/// For each entry of a cached list (projects, repositories; as [`for_each`]), what `list`
/// lists for it, then for each of those the items `per_item` streams (as [`fan_out`]): "per
/// project, its teams, then per team its iterations".
pub(crate) fn nested<E, T, N, L, LS, F, S>(
    org: &Arc<OrgScope>,
    entries: N,
    list: L,
    per_item: F,
) -> ItemStream
where
    E: Clone + Send + Sync + 'static,
    T: Send + 'static,
    N: Future<Output = ado_client::Result<Arc<[E]>>> + Send + 'static,
    L: Fn(&Arc<OrgScope>, &E) -> LS + Send + Sync + 'static,
    LS: Stream<Item = ado_client::Result<T>> + Send + 'static,
    F: Fn(&Arc<OrgScope>, &Arc<E>, T) -> S + Send + Sync + 'static,
    S: Stream<Item = ado_client::Result<Value>> + Send + 'static,
{
    let org = Arc::clone(org);
    let per_item = Arc::new(per_item);
    for_each(entries, move |entry| {
        let listing = list(&org, &entry);
        let (org, entry, per_item) = (Arc::clone(&org), Arc::new(entry), Arc::clone(&per_item));
        fan_out(listing, move |item| per_item(&org, &entry, item))
    })
}

/// Projects, for [`for_each`].
pub(crate) fn projects_of(
    org: &Arc<OrgScope>,
) -> impl Future<Output = ado_client::Result<Arc<[ProjectEntry]>>> + Send + 'static {
    let org = Arc::clone(org);
    async move { org.projects().await }
}

/// The repositories `keep` keeps, for [`for_each`].
pub(crate) fn repositories_where(
    org: &Arc<OrgScope>,
    keep: impl Fn(&RepoEntry) -> bool + Send + 'static,
) -> impl Future<Output = ado_client::Result<Arc<[RepoEntry]>>> + Send + 'static {
    let org = Arc::clone(org);
    async move {
        let repos = org.repositories().await?;
        Ok(repos.iter().filter(|r| keep(r)).cloned().collect())
    }
}

/// Healthy repositories, for [`for_each`].
pub(crate) fn healthy_repositories_of(
    org: &Arc<OrgScope>,
) -> impl Future<Output = ado_client::Result<Arc<[RepoEntry]>>> + Send + 'static {
    repositories_where(org, |r| r.healthy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn details_override_the_listed_item() {
        assert_eq!(
            merged(
                json!({"id": "b", "name": "Stories", "url": "u"}),
                json!({"id": "b", "columns": []})
            ),
            json!({"id": "b", "name": "Stories", "url": "u", "columns": []})
        );
        assert_eq!(merged(json!("odd"), json!({"id": 1})), json!({"id": 1}));
    }

    #[test]
    fn names_round_trip() {
        for spec in KINDS {
            assert_eq!(spec.name.parse::<Kind>(), Ok(spec.kind));
            assert_eq!(spec.kind.as_str(), spec.name);
        }
        // Every kind of the reference integration.
        assert_eq!(KINDS.len(), 29);
        let distinct: std::collections::BTreeSet<Kind> = KINDS.iter().map(|s| s.kind).collect();
        assert_eq!(distinct.len(), KINDS.len());
        assert_eq!(
            "widget".parse::<Kind>(),
            Err(KindNameError::Unknown("widget".into()))
        );
    }
}
