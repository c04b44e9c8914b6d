//! One item of a kind, read by its key, enriched exactly as the kind lists it: what live
//! events upsert and delete.

use futures::TryStreamExt;
use serde_json::Value;

use super::options::{DEFAULT_WORK_ITEM_EXPAND, KindOptions};
use super::{Kind, KindRequest, build, git, pipelines, work};
use crate::org::OrgScope;

/// Which item of which kind, as an event names it. Every key names the item's project (id or
/// name), so projects carrying an excluded tag are left out as in a resync.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ItemKey {
    /// A pull request by id.
    PullRequest { project: String, id: i64 },
    /// A repository by id.
    Repository { project: String, id: String },
    /// A branch of a repository, at `object_id` (all zeros when deleted).
    Branch {
        project: String,
        repository: String,
        ref_name: String,
        object_id: String,
    },
    /// A build by id.
    Build { project: String, id: i64 },
    /// A run of a YAML pipeline.
    PipelineRun {
        project: String,
        pipeline: i64,
        run: i64,
    },
    /// A work item by id.
    WorkItem { project: String, id: i64 },
    /// A work item as an event carried it (it can no longer be read).
    WorkItemPayload { project: String, item: Value },
}

impl ItemKey {
    /// The kind of the item.
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Self::PullRequest { .. } => Kind::PullRequest,
            Self::Repository { .. } => Kind::Repository,
            Self::Branch { .. } => Kind::Branch,
            Self::Build { .. } => Kind::Build,
            Self::PipelineRun { .. } => Kind::PipelineRun,
            Self::WorkItem { .. } | Self::WorkItemPayload { .. } => Kind::WorkItem,
        }
    }

    fn project(&self) -> &str {
        match self {
            Self::PullRequest { project, .. }
            | Self::Repository { project, .. }
            | Self::Branch { project, .. }
            | Self::Build { project, .. }
            | Self::PipelineRun { project, .. }
            | Self::WorkItem { project, .. }
            | Self::WorkItemPayload { project, .. } => project,
        }
    }
}

impl KindRequest {
    /// The enriched item `key` names, with this request's selector options (`includedFiles`,
    /// `expand`); `None` when it does not exist (404), its project is unknown or excluded, or
    /// the key is of another kind.
    pub(crate) async fn item(
        &self,
        org: &OrgScope,
        key: &ItemKey,
    ) -> ado_client::Result<Option<Value>> {
        if key.kind() != self.kind() {
            return Ok(None);
        }
        let Some(project) = org.project(key.project()).await? else {
            return Ok(None);
        };
        let client = &org.client;
        let item = match key {
            ItemKey::PullRequest { id, .. } => {
                found(client.pull_request(*id).await)?.map(|pr| pr.raw)
            }
            ItemKey::Repository { id, .. } => {
                let files = match &self.options {
                    KindOptions::Repository { included_files } => included_files.as_slice(),
                    _ => &[],
                };
                found(git::repository(org, &project.id, id, files).await)?
            }
            ItemKey::Branch {
                repository,
                ref_name,
                object_id,
                ..
            } => found(client.repository(&project.id, repository).await)?
                .map(|repo| git::branch_item(ref_name, Some(object_id.clone()), repo.raw)),
            ItemKey::Build { id, .. } => found(client.build(&project.id, *id).await)?
                .map(|b| build::build_item(b.raw, &project)),
            ItemKey::PipelineRun { pipeline, run, .. } => {
                match found(client.pipeline_run(&project.id, *pipeline, *run).await)? {
                    Some(run) => found(client.pipeline(&project.id, *pipeline).await)?
                        .map(|p| pipelines::run_item(run.raw, &project, p.raw)),
                    None => None,
                }
            }
            ItemKey::WorkItem { id, .. } => {
                let expand = match &self.options {
                    KindOptions::WorkItem { expand, .. } => *expand,
                    _ => DEFAULT_WORK_ITEM_EXPAND,
                };
                found(
                    client
                        .work_items(&project.id, &[*id], Some(expand))
                        .try_next()
                        .await,
                )?
                .flatten()
                .map(|item| work::work_item(item.raw, &project))
            }
            ItemKey::WorkItemPayload { item, .. } => Some(work::work_item(item.clone(), &project)),
        };
        Ok(item.map(|item| org.stamp(item)))
    }
}

/// A 404 as `None`.
fn found<T>(result: ado_client::Result<T>) -> ado_client::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.status().map(|s| s.as_u16()) == Some(404) => Ok(None),
        Err(error) => Err(error),
    }
}
