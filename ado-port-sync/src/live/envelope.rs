//! The service-hook envelope: validation, the organization it came from, and the items it
//! names.

use ado_client::AdoClient;
use serde_json::Value;

use super::LiveError;
use crate::kinds::ItemKey;

/// A validated service-hook payload.
pub(super) struct Envelope<'a> {
    pub(super) event_type: &'a str,
    resource: &'a Value,
    containers: Option<&'a Value>,
}

/// An item an event names, and whether the event deleted it.
pub(super) struct Change {
    pub(super) key: ItemKey,
    pub(super) deleted: bool,
}

impl<'a> Envelope<'a> {
    /// Checks `eventType`, `publisherId` (strings) and `resource` (an object).
    pub(super) fn parse(payload: &'a Value) -> Result<Self, LiveError> {
        let text = |name: &str| {
            payload
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| LiveError::Envelope(format!("`{name}` is missing or not a string")))
        };
        let event_type = text("eventType")?;
        text("publisherId")?;
        let resource = payload
            .get("resource")
            .filter(|r| r.is_object())
            .ok_or_else(|| LiveError::Envelope("`resource` is missing or not an object".into()))?;
        Ok(Self {
            event_type,
            resource,
            containers: payload.get("resourceContainers"),
        })
    }

    /// The organization the event came from: the only one, or the one whose URL starts a URL
    /// of the resource or its containers.
    pub(super) fn route<'c>(&self, organizations: &'c [AdoClient]) -> Option<&'c AdoClient> {
        if let [only] = organizations {
            return Some(only);
        }
        let mut urls = Vec::new();
        collect_urls(self.resource, &mut urls);
        if let Some(containers) = self.containers {
            collect_urls(containers, &mut urls);
        }
        organizations.iter().find(|client| {
            let base = format!(
                "{}/",
                client
                    .organization()
                    .url()
                    .trim_end_matches('/')
                    .to_lowercase()
            );
            urls.iter().any(|url| url.to_lowercase().starts_with(&base))
        })
    }

    /// The items the event names, or why it is ignored.
    pub(super) fn changes(&self) -> Result<Vec<Change>, String> {
        let r = self.resource;
        let upsert = |key| {
            Ok(vec![Change {
                key,
                deleted: false,
            }])
        };
        match self.event_type {
            "git.pullrequest.created" | "git.pullrequest.updated" | "git.pullrequest.merged" => {
                upsert(ItemKey::PullRequest {
                    project: self.project(&r["repository"]["project"])?,
                    id: number(&r["pullRequestId"], "pullRequestId")?,
                })
            }
            "git.repo.created" => {
                let repo = if r["repository"].is_object() {
                    &r["repository"]
                } else {
                    r
                };
                upsert(ItemKey::Repository {
                    project: self.project(&repo["project"])?,
                    id: string(&repo["id"], "repository id")?,
                })
            }
            "git.push" => self.push(),
            "build.complete" => upsert(ItemKey::Build {
                project: self.project(&r["project"])?,
                id: number(&r["id"], "build id")?,
            }),
            "ms.vss-pipelines.run-state-changed-event" => upsert(ItemKey::PipelineRun {
                project: self.project(&r["run"]["project"])?,
                pipeline: number(&r["pipeline"]["id"], "pipeline id")?,
                run: number(&r["run"]["id"], "run id")?,
            }),
            "workitem.created" | "workitem.restored" => upsert(ItemKey::WorkItem {
                project: self.project(&r["fields"]["System.TeamProject"])?,
                id: number(&r["id"], "work item id")?,
            }),
            "workitem.updated" => upsert(ItemKey::WorkItem {
                project: self.project(&r["revision"]["fields"]["System.TeamProject"])?,
                id: number(&r["workItemId"], "workItemId")?,
            }),
            "workitem.deleted" => Ok(vec![Change {
                key: ItemKey::WorkItemPayload {
                    project: self.project(&r["fields"]["System.TeamProject"])?,
                    item: r.clone(),
                },
                deleted: true,
            }]),
            other => Err(format!("event type `{other}` is not handled")),
        }
    }

    /// `git.push`: one branch per updated `refs/heads/` ref; a zero new object id deletes it.
    fn push(&self) -> Result<Vec<Change>, String> {
        let repo = &self.resource["repository"];
        let project = self.project(&repo["project"])?;
        let repository = string(&repo["id"], "repository id")?;
        let updates = self.resource["refUpdates"]
            .as_array()
            .ok_or("`refUpdates` is missing")?;
        let changes: Vec<Change> = updates
            .iter()
            .filter_map(|update| {
                let ref_name = update["name"].as_str()?;
                ref_name.starts_with("refs/heads/").then_some(())?;
                let object_id = update["newObjectId"].as_str()?;
                Some(Change {
                    deleted: !object_id.is_empty() && object_id.bytes().all(|b| b == b'0'),
                    key: ItemKey::Branch {
                        project: project.clone(),
                        repository: repository.clone(),
                        ref_name: ref_name.to_owned(),
                        object_id: object_id.to_owned(),
                    },
                })
            })
            .collect();
        if changes.is_empty() {
            Err("the push updated no branch".into())
        } else {
            Ok(changes)
        }
    }

    /// The project: `resourceContainers.project.id`, else the resource's own reference (an
    /// object with an `id`, or a project name).
    fn project(&self, own: &Value) -> Result<String, String> {
        self.containers
            .and_then(|c| c["project"]["id"].as_str())
            .or_else(|| own["id"].as_str())
            .or_else(|| own.as_str())
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| "the event names no project".to_owned())
    }
}

fn number(value: &Value, name: &str) -> Result<i64, String> {
    value
        .as_i64()
        .ok_or_else(|| format!("`{name}` is missing or not a number"))
}

fn string(value: &Value, name: &str) -> Result<String, String> {
    value
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| format!("`{name}` is missing or not a string"))
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
