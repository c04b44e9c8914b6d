//! Builds and build timelines.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use super::core::{IdentityRef, ProjectReference};

/// A build (`Build`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Build {
    /// Build id.
    pub id: i64,
    /// Build number, e.g. `20240101.1`.
    pub build_number: Option<String>,
    /// `inProgress`, `completed`, ...
    pub status: Option<String>,
    /// `succeeded`, `failed`, ... once completed.
    pub result: Option<String>,
    /// Why it was queued.
    pub reason: Option<String>,
    /// Queue time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub queue_time: Option<Timestamp>,
    /// Start time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub start_time: Option<Timestamp>,
    /// Finish time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub finish_time: Option<Timestamp>,
    /// Source branch.
    pub source_branch: Option<String>,
    /// Source commit.
    pub source_version: Option<String>,
    /// The build definition (pipeline).
    pub definition: Option<BuildDefinitionReference>,
    /// The project.
    pub project: Option<ProjectReference>,
    /// Who the build ran for.
    pub requested_for: Option<IdentityRef>,
    /// The repository (kept as JSON).
    pub repository: Option<Value>,
    /// REST URL of the build.
    pub url: Option<String>,
}

/// A reference to a build definition.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BuildDefinitionReference {
    /// Definition id.
    pub id: i64,
    /// Definition name.
    pub name: Option<String>,
    /// Folder path.
    pub path: Option<String>,
    /// REST URL of the definition.
    pub url: Option<String>,
}

/// A record of a build timeline (`TimelineRecord`): a stage, phase, job, task or checkpoint.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TimelineRecord {
    /// Record id (GUID).
    pub id: String,
    /// Parent record id.
    pub parent_id: Option<String>,
    /// `Stage`, `Phase`, `Job`, `Task`, `Checkpoint`, ...
    #[serde(rename = "type")]
    pub record_type: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Stable identifier within the pipeline.
    pub identifier: Option<String>,
    /// Order among siblings.
    pub order: Option<i64>,
    /// `pending`, `inProgress` or `completed`.
    pub state: Option<String>,
    /// `succeeded`, `failed`, `skipped`, ... once completed.
    pub result: Option<String>,
    /// Start time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub start_time: Option<Timestamp>,
    /// Finish time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub finish_time: Option<Timestamp>,
    /// Attempt number.
    pub attempt: Option<i64>,
    /// Error count.
    pub error_count: Option<i64>,
    /// Warning count.
    pub warning_count: Option<i64>,
}
