//! Service hook event payloads: the envelope Azure DevOps POSTs, and the resources of the
//! events this workspace reads.
//!
//! Every resource keeps only the ids needed to read the item again; the untouched resource is
//! [`HookEvent::resource`]. Fields are optional where some event or server version leaves them
//! out.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A service hook event (`Event`), as POSTed to a web hook.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HookEvent {
    /// Event id (GUID).
    pub id: Option<String>,
    /// Event, e.g. `git.push`.
    pub event_type: String,
    /// Publisher of the event: `tfs`, `pipelines`, `rm`, `advsec`, ...
    pub publisher_id: String,
    /// The subscription that delivered the event.
    pub subscription_id: Option<String>,
    /// The resource the event is about, exactly as sent.
    pub resource: Value,
    /// Ids of the collection, account and project the event comes from.
    pub resource_containers: Option<ResourceContainers>,
}

impl HookEvent {
    /// The project id of `resourceContainers`, when sent.
    #[must_use]
    pub fn project_id(&self) -> Option<&str> {
        self.resource_containers
            .as_ref()?
            .project
            .as_ref()?
            .id
            .as_deref()
            .filter(|id| !id.is_empty())
    }

    /// The resource read as `T`.
    ///
    /// # Errors
    ///
    /// The decode error, naming the field, when the resource does not have `T`'s shape.
    pub fn resource_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.resource)
    }
}

/// The containers of an event's resource (`resourceContainers`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourceContainers {
    /// The project collection (organization).
    pub collection: Option<ContainerRef>,
    /// The account (organization).
    pub account: Option<ContainerRef>,
    /// The project.
    pub project: Option<ContainerRef>,
}

/// One container of [`ResourceContainers`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ContainerRef {
    /// Container id (GUID).
    pub id: Option<String>,
    /// Base URL of the container, sent by newer servers.
    pub base_url: Option<String>,
}

/// A project as events name it: an object with an id and a name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HookProject {
    /// Project id (GUID).
    pub id: Option<String>,
    /// Project name.
    pub name: Option<String>,
}

/// A Git repository as events name it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HookRepository {
    /// Repository id (GUID).
    pub id: String,
    /// Repository name.
    pub name: Option<String>,
    /// The repository's project.
    pub project: Option<HookProject>,
    /// Default branch, e.g. `refs/heads/main`.
    pub default_branch: Option<String>,
}

/// `git.push`: the ref updates and commits of a push.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GitPushResource {
    /// Push id.
    pub push_id: Option<i64>,
    /// The repository pushed to.
    pub repository: HookRepository,
    /// The refs the push moved.
    #[serde(default)]
    pub ref_updates: Vec<RefUpdate>,
    /// The commits the push brought (Azure DevOps sends a bounded number of them).
    #[serde(default)]
    pub commits: Vec<PushCommit>,
}

/// A ref a push moved.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RefUpdate {
    /// Ref name, e.g. `refs/heads/main`.
    pub name: String,
    /// Commit before the push (all zeros for a new ref).
    pub old_object_id: Option<String>,
    /// Commit after the push (all zeros for a deleted ref).
    pub new_object_id: Option<String>,
}

impl RefUpdate {
    /// The branch name (`main`) when the ref is a branch (`refs/heads/main`).
    #[must_use]
    pub fn branch(&self) -> Option<&str> {
        self.name.strip_prefix("refs/heads/")
    }

    /// Whether the push deleted the ref (its new object id is all zeros).
    #[must_use]
    pub fn is_deletion(&self) -> bool {
        self.new_object_id
            .as_deref()
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b == b'0'))
    }

    /// The commit the ref pointed at before the push; `None` when the push created it (all
    /// zeros) or the event does not say.
    #[must_use]
    pub fn old_commit(&self) -> Option<&str> {
        commit(self.old_object_id.as_deref())
    }

    /// The commit the ref points at after the push; `None` when the push deleted it (all
    /// zeros) or the event does not say.
    #[must_use]
    pub fn new_commit(&self) -> Option<&str> {
        commit(self.new_object_id.as_deref())
    }
}

/// An object id that names a commit: not empty, not all zeros.
fn commit(id: Option<&str>) -> Option<&str> {
    id.filter(|id| !id.is_empty() && !id.bytes().all(|b| b == b'0'))
}

/// A commit of a push.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PushCommit {
    /// Commit id (SHA-1).
    pub commit_id: String,
}

/// `git.pullrequest.*`: the pull request's id and repository.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PullRequestResource {
    /// Pull request id.
    pub pull_request_id: i64,
    /// Its repository.
    pub repository: Option<HookRepository>,
}

/// `git.repo.created`, `git.repo.deleted` and `git.repo.renamed`: the repository by id, and
/// its names around a rename.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RepositoryResource {
    /// The repository (created and renamed events).
    pub repository: Option<HookRepository>,
    /// Repository id (deleted and renamed events).
    pub repository_id: Option<String>,
    /// Repository name (deleted and renamed events).
    pub repository_name: Option<String>,
    /// Project id (deleted and renamed events).
    pub project_id: Option<String>,
    /// Name before a rename.
    pub old_name: Option<String>,
    /// Name after a rename.
    pub new_name: Option<String>,
    /// Whether a deletion skipped the recycle bin.
    pub is_hard_delete: Option<bool>,
}

impl RepositoryResource {
    /// The repository id, from the repository object or `repositoryId`.
    #[must_use]
    pub fn id(&self) -> Option<&str> {
        self.repository
            .as_ref()
            .map(|repo| repo.id.as_str())
            .or(self.repository_id.as_deref())
            .filter(|id| !id.is_empty())
    }

    /// The project id, from `projectId` or the repository's project.
    #[must_use]
    pub fn project(&self) -> Option<&str> {
        self.project_id
            .as_deref()
            .or_else(|| self.repository.as_ref()?.project.as_ref()?.id.as_deref())
    }
}

/// `build.complete`: the build's id and project.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BuildResource {
    /// Build id.
    pub id: i64,
    /// Its project (newer payloads).
    pub project: Option<HookProject>,
}

/// `workitem.created`, `workitem.restored`, `workitem.deleted` and `workitem.updated`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WorkItemResource {
    /// Work item id (created, restored, deleted) or update id (updated).
    pub id: Option<i64>,
    /// Work item id (updated).
    pub work_item_id: Option<i64>,
    /// Fields (created, restored, deleted).
    pub fields: Option<serde_json::Map<String, Value>>,
    /// The revision after the update (updated).
    pub revision: Option<WorkItemRevision>,
}

/// The revision a `workitem.updated` event carries.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WorkItemRevision {
    /// Work item id.
    pub id: Option<i64>,
    /// Fields of the revision.
    pub fields: Option<serde_json::Map<String, Value>>,
}

impl WorkItemResource {
    /// The work item id: `workItemId` when sent (an update), else `id`.
    #[must_use]
    pub fn work_item(&self) -> Option<i64> {
        self.work_item_id.or(self.id)
    }

    /// `System.TeamProject`, the project name, from the item or its revision.
    #[must_use]
    pub fn team_project(&self) -> Option<&str> {
        team_project(self.fields.as_ref())
            .or_else(|| team_project(self.revision.as_ref()?.fields.as_ref()))
    }
}

fn team_project(fields: Option<&serde_json::Map<String, Value>>) -> Option<&str> {
    fields?.get("System.TeamProject")?.as_str()
}

/// `ms.vss-pipelines.run-state-changed-event` and `ms.vss-pipelines.stage-state-changed-event`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PipelineEventResource {
    /// The run (its id is the build id).
    pub run: HookRun,
    /// The pipeline.
    pub pipeline: Option<HookId>,
    /// The stage (stage events).
    pub stage: Option<HookStage>,
}

impl PipelineEventResource {
    /// The pipeline id: the resource's pipeline, else the run's.
    #[must_use]
    pub fn pipeline_id(&self) -> Option<i64> {
        self.pipeline
            .as_ref()
            .or(self.run.pipeline.as_ref())
            .map(|pipeline| pipeline.id)
    }
}

/// A pipeline run as events name it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HookRun {
    /// Run id (the build id).
    pub id: i64,
    /// The run's pipeline.
    pub pipeline: Option<HookId>,
    /// The run's project (some payloads).
    pub project: Option<HookProject>,
}

/// A stage as events name it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HookStage {
    /// Stage id (GUID; all zeros in some payloads).
    pub id: Option<String>,
    /// Stage name, e.g. `Build` (the timeline record's `identifier`).
    pub name: Option<String>,
}

/// An object named by a numeric id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HookId {
    /// The id.
    pub id: i64,
}

/// `ms.vss-release.*` events: the release, and for deployments the environment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReleaseEventResource {
    /// The release (created, abandoned and deployment-started events).
    pub release: Option<HookRelease>,
    /// The environment deployed to (deployment events).
    pub environment: Option<HookReleaseEnvironment>,
    /// The deployment (deployment-completed events).
    pub deployment: Option<HookDeployment>,
    /// The project.
    pub project: Option<HookProject>,
}

impl ReleaseEventResource {
    /// The release id, from the release, the deployment or the environment.
    #[must_use]
    pub fn release_id(&self) -> Option<i64> {
        self.release
            .as_ref()
            .map(|release| release.id)
            .or_else(|| Some(self.deployment.as_ref()?.release.as_ref()?.id))
            .or_else(|| self.environment.as_ref()?.release_id)
    }

    /// The release definition id, when the payload names it.
    #[must_use]
    pub fn definition_id(&self) -> Option<i64> {
        self.release
            .as_ref()
            .and_then(|release| release.release_definition)
            .or_else(|| self.environment.as_ref()?.release_definition)
            .map(|definition| definition.id)
    }

    /// The definition environment deployed to, from the deployment or the environment.
    #[must_use]
    pub fn definition_environment_id(&self) -> Option<i64> {
        self.deployment
            .as_ref()
            .and_then(|deployment| deployment.definition_environment_id)
            .or_else(|| self.environment.as_ref()?.definition_environment_id)
    }

    /// The project id, from the project or the release's project reference.
    #[must_use]
    pub fn project_id(&self) -> Option<&str> {
        self.project
            .as_ref()
            .and_then(|p| p.id.as_deref())
            .or_else(|| {
                self.release
                    .as_ref()?
                    .project_reference
                    .as_ref()?
                    .id
                    .as_deref()
            })
    }
}

/// A release as events name it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HookRelease {
    /// Release id.
    pub id: i64,
    /// Its definition.
    pub release_definition: Option<HookId>,
    /// Its project.
    pub project_reference: Option<HookProject>,
}

/// A release environment as deployment events name it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HookReleaseEnvironment {
    /// Release id.
    pub release_id: Option<i64>,
    /// The definition environment.
    pub definition_environment_id: Option<i64>,
    /// The release definition.
    pub release_definition: Option<HookId>,
}

/// A deployment as deployment-completed events name it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HookDeployment {
    /// Deployment id.
    pub id: Option<i64>,
    /// The release deployed.
    pub release: Option<HookId>,
    /// The definition environment.
    pub definition_environment_id: Option<i64>,
}

/// `ms.vss-alerts.*` (Advanced Security) events.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AlertEventResource {
    /// Alert id.
    pub alert_id: i64,
    /// URL of the alert's repository; its last segment is the repository id or name.
    pub repository_url: Option<String>,
    /// Alert state, e.g. `active`.
    pub state: Option<String>,
}

impl AlertEventResource {
    /// The repository (id or name): the last segment of `repositoryUrl`, percent-decoded.
    #[must_use]
    pub fn repository(&self) -> Option<String> {
        let url = self.repository_url.as_deref()?;
        let last = url.trim_end_matches('/').rsplit('/').next()?;
        (!last.is_empty()).then(|| percent_decode(last))
    }
}

/// Decodes `%XX` escapes; anything malformed is kept as is.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A change of a commit (`GitChange`), from `GET .../commits/{id}/changes`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GitChange {
    /// `add`, `edit`, `delete`, `rename`, or several comma-separated.
    pub change_type: Option<String>,
    /// The item changed.
    pub item: Option<ChangedItem>,
    /// The path before a rename.
    pub source_server_item: Option<String>,
}

/// The item of a [`GitChange`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChangedItem {
    /// Path in the repository.
    pub path: Option<String>,
    /// Whether the item is a folder.
    pub is_folder: Option<bool>,
    /// `blob`, `tree`, ...
    pub git_object_type: Option<String>,
}

impl ChangedItem {
    /// Whether the item is a folder (`isFolder`, or a `tree` object).
    #[must_use]
    pub fn is_folder(&self) -> bool {
        self.is_folder == Some(true) || self.git_object_type.as_deref() == Some("tree")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_push_reads_its_refs_and_commits() {
        let event: HookEvent = serde_json::from_value(json!({
            "eventType": "git.push", "publisherId": "tfs",
            "resourceContainers": {"project": {"id": "p1"}},
            "resource": {
                "pushId": 7,
                "repository": {"id": "r1", "name": "web", "project": {"id": "p1"}},
                "refUpdates": [
                    {"name": "refs/heads/gone", "oldObjectId": "61b7", "newObjectId": "0000000000"},
                    {"name": "refs/tags/v1", "oldObjectId": "0000", "newObjectId": "aaaa"}
                ],
                "commits": [{"commitId": "c1"}, {"commitId": "c2"}]
            }
        }))
        .expect("event");
        assert_eq!(event.project_id(), Some("p1"));
        let push: GitPushResource = event.resource_as().expect("push");
        assert_eq!(push.commits.len(), 2);
        assert_eq!(push.ref_updates[0].branch(), Some("gone"));
        assert!(push.ref_updates[0].is_deletion());
        assert_eq!(push.ref_updates[1].branch(), None);
        assert!(!push.ref_updates[1].is_deletion());
        let commits = |i: usize| {
            let update = &push.ref_updates[i];
            (update.old_commit(), update.new_commit())
        };
        assert_eq!(commits(0), (Some("61b7"), None));
        assert_eq!(commits(1), (None, Some("aaaa")));
    }

    #[test]
    fn a_resource_of_the_wrong_shape_names_the_field() {
        let event: HookEvent = serde_json::from_value(json!({
            "eventType": "build.complete", "publisherId": "tfs", "resource": {"id": "x"}
        }))
        .expect("event");
        let error = event.resource_as::<BuildResource>().expect_err("bad id");
        assert!(error.to_string().contains("invalid type"), "{error}");
    }

    #[test]
    fn release_and_alert_ids() {
        let deployment: ReleaseEventResource = serde_json::from_value(json!({
            "deployment": {"release": {"id": 3}, "definitionEnvironmentId": 9},
            "environment": {"releaseId": 3, "definitionEnvironmentId": 9, "releaseDefinition": {"id": 1}},
            "project": {"id": "p"}
        }))
        .expect("release");
        assert_eq!(deployment.release_id(), Some(3));
        assert_eq!(deployment.definition_id(), Some(1));
        assert_eq!(deployment.definition_environment_id(), Some(9));
        assert_eq!(deployment.project_id(), Some("p"));
        let alert: AlertEventResource = serde_json::from_value(json!({
            "alertId": 4, "state": "active",
            "repositoryUrl": "https://dev.azure.com/o/p/_git/my%20repo"
        }))
        .expect("alert");
        assert_eq!(alert.repository().as_deref(), Some("my repo"));
    }
}
