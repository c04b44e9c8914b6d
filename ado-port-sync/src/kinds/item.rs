//! Items of a kind, read by a key an event names, enriched exactly as the kind lists them:
//! what live events upsert and delete.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use super::{Kind, KindRequest};
use crate::org::{OrgScope, RepoEntry};

/// Which items of which kind, as an event names them. Every key names the items' project (id
/// or name), so projects carrying an excluded tag are left out as in a resync.
#[derive(Debug, Clone)]
pub(crate) enum ItemKey {
    /// A pull request by id.
    PullRequest { project: String, id: i64 },
    /// A repository by id; `removed` names its entity once Azure DevOps no longer has it;
    /// `former_name` is its name before a rename.
    Repository {
        project: String,
        id: String,
        removed: Option<Value>,
        former_name: Option<String>,
    },
    /// A branch of a repository; `repository` is the repository as the event names it.
    Branch {
        project: String,
        repository: Value,
        ref_name: String,
    },
    /// A build by id.
    Build { project: String, id: i64 },
    /// The stages of a build, or the one named (by timeline `identifier`, `name` or `id`).
    Stages {
        project: String,
        build: i64,
        stage: Option<String>,
    },
    /// The test runs of a build.
    TestRuns { project: String, build: i64 },
    /// A run of a YAML pipeline.
    PipelineRun {
        project: String,
        pipeline: i64,
        run: i64,
    },
    /// A work item by id; `removed` (the item as the event carried it) names its entity once
    /// Azure DevOps no longer has it.
    WorkItem {
        project: String,
        id: i64,
        removed: Option<Value>,
    },
    /// A file a push to `branch` changed.
    File {
        repo: Arc<RepoEntry>,
        branch: String,
        path: String,
    },
    /// A folder a push to `branch` changed (itself or something in it).
    Folder {
        repo: Arc<RepoEntry>,
        branch: String,
        path: String,
    },
    /// The wikis published from a repository a push changed; `before` holds each branch the
    /// push moved with its commit before the push, to find the pages gone since.
    Wiki {
        repo: Arc<RepoEntry>,
        before: Vec<(String, String)>,
    },
    /// A classic release.
    Release { project: String, id: i64 },
    /// A classic release definition.
    ReleaseDefinition { project: String, id: i64 },
    /// The deployment of a release to one definition environment.
    ReleaseDeployment {
        project: String,
        release: i64,
        environment: i64,
    },
    /// An Advanced Security alert of a repository (id or name).
    Alert {
        project: String,
        repository: String,
        id: i64,
    },
}

/// What Azure DevOps answered for a key: what [`KindSource::lookup`](super::KindSource::lookup)
/// gives.
#[derive(Debug)]
pub(crate) enum Lookup {
    /// The items, read again and enriched.
    Found(Vec<Value>),
    /// The kind no longer lists the items: Azure DevOps confirmed them gone (not found), or
    /// the kind's selector options now leave them out. The values (enriched like the kind's
    /// items) name their entities, when the event says enough to name them.
    Gone(Vec<Value>),
    /// A renamed item as it is now, and as it was (named as before), which Azure DevOps
    /// confirms no longer exists under that name.
    Renamed { current: Value, former: Value },
    /// The items listed now, and the items an earlier listing had that Azure DevOps no
    /// longer lists.
    Relisted { found: Vec<Value>, gone: Vec<Value> },
    /// Nothing to read, and why.
    Skipped(String),
}

/// What Azure DevOps answered for a key, or the failed call.
pub(crate) type LookupResult = ado_client::Result<Lookup>;

impl Lookup {
    /// What a kind answers for a key of another kind.
    pub(super) fn other_kind(kind: impl fmt::Display) -> Self {
        Self::Skipped(format!("not a {kind} item"))
    }
}

impl ItemKey {
    /// The kind of the items.
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Self::PullRequest { .. } => Kind::PULL_REQUEST,
            Self::Repository { .. } => Kind::REPOSITORY,
            Self::Branch { .. } => Kind::BRANCH,
            Self::Build { .. } => Kind::BUILD,
            Self::Stages { .. } => Kind::PIPELINE_STAGE,
            Self::TestRuns { .. } => Kind::TEST_RUN,
            Self::PipelineRun { .. } => Kind::PIPELINE_RUN,
            Self::WorkItem { .. } => Kind::WORK_ITEM,
            Self::File { .. } => Kind::FILE,
            Self::Folder { .. } => Kind::FOLDER,
            Self::Wiki { .. } => Kind::WIKI,
            Self::Release { .. } => Kind::RELEASE,
            Self::ReleaseDefinition { .. } => Kind::RELEASE_DEFINITION,
            Self::ReleaseDeployment { .. } => Kind::RELEASE_DEPLOYMENT,
            Self::Alert { .. } => Kind::ADVANCED_SECURITY_ALERT,
        }
    }

    fn project(&self) -> &str {
        match self {
            Self::PullRequest { project, .. }
            | Self::Repository { project, .. }
            | Self::Branch { project, .. }
            | Self::Build { project, .. }
            | Self::Stages { project, .. }
            | Self::TestRuns { project, .. }
            | Self::PipelineRun { project, .. }
            | Self::WorkItem { project, .. }
            | Self::Release { project, .. }
            | Self::ReleaseDefinition { project, .. }
            | Self::ReleaseDeployment { project, .. }
            | Self::Alert { project, .. } => project,
            Self::File { repo, .. } | Self::Folder { repo, .. } | Self::Wiki { repo, .. } => {
                &repo.project_id
            }
        }
    }
}

impl KindRequest {
    /// The enriched items `key` names, with this request's selector options; whether Azure
    /// DevOps confirms them gone (404); or why there is nothing to read (unknown or excluded
    /// project, a key of another kind, a path the selector does not name).
    pub(crate) async fn lookup(&self, org: &OrgScope, key: &ItemKey) -> LookupResult {
        if key.kind() != self.kind() {
            return Ok(Lookup::other_kind(self.kind()));
        }
        let Some(project) = org.project(key.project()).await? else {
            return Ok(Lookup::Skipped(
                "its project is unknown or excluded".to_owned(),
            ));
        };
        let lookup = self.options.lookup(org, &project, key).await?;
        Ok(match lookup {
            Lookup::Found(items) => Lookup::Found(stamped(org, items)),
            Lookup::Gone(items) => Lookup::Gone(stamped(org, items)),
            Lookup::Renamed { current, former } => Lookup::Renamed {
                current: org.stamp(current),
                former: org.stamp(former),
            },
            Lookup::Relisted { found, gone } => Lookup::Relisted {
                found: stamped(org, found),
                gone: stamped(org, gone),
            },
            skipped @ Lookup::Skipped(_) => skipped,
        })
    }
}

/// An item the kind lists only when its selector options keep it: found, or gone (its
/// entity goes).
pub(super) fn listed_if(item: Value, kept: bool) -> Lookup {
    if kept {
        Lookup::Found(vec![item])
    } else {
        Lookup::Gone(vec![item])
    }
}

/// One item read by id: found, or gone (named by `removed` when the event says enough).
pub(super) fn one(item: Option<Value>, removed: Option<Value>) -> Lookup {
    match item {
        Some(item) => Lookup::Found(vec![item]),
        None => Lookup::Gone(removed.into_iter().collect()),
    }
}

fn stamped(org: &OrgScope, items: Vec<Value>) -> Vec<Value> {
    items.into_iter().map(|item| org.stamp(item)).collect()
}

/// "Not found" (a 404 with an Azure DevOps error body) as `None`.
pub(super) fn found<T>(result: ado_client::Result<T>) -> ado_client::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}
