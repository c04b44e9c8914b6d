//! The service-hook envelope: validation, the organization it came from, and the items it
//! names.

use ado_client::models::{
    AlertEventResource, BuildResource, GitPushResource, HookEvent, PipelineEventResource,
    PullRequestResource, ReleaseEventResource, RepositoryResource, WorkItemResource,
};
use ado_client::{AdoClient, Service};
use serde::Deserialize as _;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::LiveError;
use crate::kinds::ItemKey;

/// A validated service-hook payload.
pub(super) struct Envelope<'a> {
    pub(super) event: HookEvent,
    raw: &'a Value,
}

impl<'a> Envelope<'a> {
    /// Checks `eventType`, `publisherId` (strings) and `resource` (an object), and reads the
    /// envelope.
    pub(super) fn parse(payload: &'a Value) -> Result<Self, LiveError> {
        let text = |name: &str| {
            payload
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| LiveError::Envelope(format!("`{name}` is missing or not a string")))
        };
        text("eventType")?;
        text("publisherId")?;
        payload
            .get("resource")
            .filter(|r| r.is_object())
            .ok_or_else(|| LiveError::Envelope("`resource` is missing or not an object".into()))?;
        let event = HookEvent::deserialize(payload)
            .map_err(|error| LiveError::Envelope(error.to_string()))?;
        Ok(Self {
            event,
            raw: payload,
        })
    }

    /// The event type.
    pub(super) fn event_type(&self) -> &str {
        &self.event.event_type
    }

    /// The organization the event came from: the only one, or the one whose URL (or release or
    /// Advanced Security host) starts a URL of the resource or its containers.
    pub(super) fn route<'c>(&self, organizations: &'c [AdoClient]) -> Option<&'c AdoClient> {
        if let [only] = organizations {
            return Some(only);
        }
        let mut urls = Vec::new();
        collect_urls(&self.event.resource, &mut urls);
        if let Some(containers) = self.raw.get("resourceContainers") {
            collect_urls(containers, &mut urls);
        }
        organizations.iter().find(|client| {
            let organization = client.organization();
            let hosts = [
                organization.url().to_owned(),
                organization.service_url(Service::Release).to_string(),
                organization
                    .service_url(Service::AdvancedSecurity)
                    .to_string(),
            ];
            hosts.iter().any(|host| {
                let base = format!("{}/", host.trim_end_matches('/').to_lowercase());
                urls.iter().any(|url| url.to_lowercase().starts_with(&base))
            })
        })
    }

    /// The push of a `git.push` event, with its project.
    pub(super) fn push(&self) -> Result<Option<(String, GitPushResource)>, LiveError> {
        if self.event_type() != "git.push" {
            return Ok(None);
        }
        let push: GitPushResource = self.resource()?;
        let own = push.repository.project.as_ref().and_then(|p| p.id.clone());
        Ok(Some((self.project(own.as_deref())?, push)))
    }

    /// The items the event names (a push's files, folders and wikis aside), or `None` for an
    /// event type this crate does not handle.
    pub(super) fn changes(&self) -> Result<Option<Vec<ItemKey>>, LiveError> {
        let keys = match self.event_type() {
            "git.pullrequest.created" | "git.pullrequest.updated" | "git.pullrequest.merged" => {
                let pr: PullRequestResource = self.resource()?;
                let own = pr
                    .repository
                    .as_ref()
                    .and_then(|r| r.project.as_ref()?.id.clone());
                vec![ItemKey::PullRequest {
                    project: self.project(own.as_deref())?,
                    id: pr.pull_request_id,
                }]
            }
            "git.repo.created" | "git.repo.renamed" | "git.repo.deleted" => {
                let repo: RepositoryResource = self.resource()?;
                let project = self.project(repo.project())?;
                let id = repo
                    .id()
                    .ok_or_else(|| self.invalid("the repository has no id"))?
                    .to_owned();
                let removed = (self.event_type() == "git.repo.deleted").then(|| {
                    json!({
                        "id": id,
                        "name": repo.repository_name,
                        "project": {"id": project},
                    })
                });
                let former_name = repo
                    .old_name
                    .filter(|_| self.event_type() == "git.repo.renamed");
                vec![ItemKey::Repository {
                    project,
                    id,
                    removed,
                    former_name,
                }]
            }
            "git.push" => self.branches()?,
            "build.complete" => {
                let build: BuildResource = self.resource()?;
                let own = build.project.as_ref().and_then(|p| p.id.clone());
                let project = self.project(own.as_deref())?;
                vec![
                    ItemKey::Build {
                        project: project.clone(),
                        id: build.id,
                    },
                    ItemKey::Stages {
                        project: project.clone(),
                        build: build.id,
                        stage: None,
                    },
                    ItemKey::TestRuns {
                        project,
                        build: build.id,
                    },
                ]
            }
            "ms.vss-pipelines.run-state-changed-event" => {
                let event: PipelineEventResource = self.resource()?;
                let own = event.run.project.as_ref().and_then(|p| p.id.clone());
                vec![ItemKey::PipelineRun {
                    project: self.project(own.as_deref())?,
                    pipeline: event
                        .pipeline_id()
                        .ok_or_else(|| self.invalid("the run names no pipeline"))?,
                    run: event.run.id,
                }]
            }
            "ms.vss-pipelines.stage-state-changed-event" => {
                let event: PipelineEventResource = self.resource()?;
                let own = event.run.project.as_ref().and_then(|p| p.id.clone());
                let stage = event.stage.and_then(|stage| stage.name.or(stage.id));
                vec![ItemKey::Stages {
                    project: self.project(own.as_deref())?,
                    build: event.run.id,
                    stage,
                }]
            }
            "workitem.created" | "workitem.restored" | "workitem.updated" | "workitem.deleted" => {
                let item: WorkItemResource = self.resource()?;
                let removed =
                    (self.event_type() == "workitem.deleted").then(|| self.event.resource.clone());
                vec![ItemKey::WorkItem {
                    project: self.project(item.team_project())?,
                    id: item
                        .work_item()
                        .ok_or_else(|| self.invalid("the work item has no id"))?,
                    removed,
                }]
            }
            "ms.vss-release.release-created-event" | "ms.vss-release.release-abandoned-event" => {
                let event: ReleaseEventResource = self.resource()?;
                let project = self.project(event.project_id())?;
                let id = event
                    .release_id()
                    .ok_or_else(|| self.invalid("the event names no release"))?;
                let mut keys = vec![ItemKey::Release {
                    project: project.clone(),
                    id,
                }];
                if let Some(definition) = event.definition_id() {
                    keys.push(ItemKey::ReleaseDefinition {
                        project,
                        id: definition,
                    });
                }
                keys
            }
            "ms.vss-release.deployment-started-event"
            | "ms.vss-release.deployment-completed-event" => {
                let event: ReleaseEventResource = self.resource()?;
                vec![ItemKey::ReleaseDeployment {
                    project: self.project(event.project_id())?,
                    release: event
                        .release_id()
                        .ok_or_else(|| self.invalid("the event names no release"))?,
                    environment: event
                        .definition_environment_id()
                        .ok_or_else(|| self.invalid("the event names no environment"))?,
                }]
            }
            "ms.vss-alerts.alert-created-event"
            | "ms.vss-alerts.alert-state-changed-event"
            | "ms.vss-alerts.alert-updated-event" => {
                let alert: AlertEventResource = self.resource()?;
                vec![ItemKey::Alert {
                    project: self.project(None)?,
                    repository: alert
                        .repository()
                        .ok_or_else(|| self.invalid("the alert names no repository"))?,
                    id: alert.alert_id,
                }]
            }
            _ => return Ok(None),
        };
        Ok(Some(keys))
    }

    /// `git.push`: one key per updated `refs/heads/` ref, deleted ones included.
    fn branches(&self) -> Result<Vec<ItemKey>, LiveError> {
        let Some((project, push)) = self.push()? else {
            return Ok(Vec::new());
        };
        let repository = self.event.resource["repository"].clone();
        Ok(push
            .ref_updates
            .iter()
            .filter(|update| update.branch().is_some())
            .map(|update| ItemKey::Branch {
                project: project.clone(),
                repository: repository.clone(),
                ref_name: update.name.clone(),
            })
            .collect())
    }

    /// The resource, typed.
    fn resource<T: DeserializeOwned>(&self) -> Result<T, LiveError> {
        self.event
            .resource_as()
            .map_err(|error| self.invalid(&error.to_string()))
    }

    /// The project: `resourceContainers.project.id`, else the resource's own (an id or a
    /// name).
    fn project(&self, own: Option<&str>) -> Result<String, LiveError> {
        self.event
            .project_id()
            .or(own)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| self.invalid("the event names no project"))
    }

    fn invalid(&self, reason: &str) -> LiveError {
        LiveError::Envelope(format!("`{}` resource: {reason}", self.event_type()))
    }
}

/// Every string that looks like an absolute URL, at any depth.
fn collect_urls<'v>(value: &'v Value, urls: &mut Vec<&'v str>) {
    match value {
        Value::String(s) if s.starts_with("http://") || s.starts_with("https://") => urls.push(s),
        Value::Array(items) => items.iter().for_each(|v| collect_urls(v, urls)),
        Value::Object(map) => map.values().for_each(|v| collect_urls(v, urls)),
        _ => {}
    }
}
