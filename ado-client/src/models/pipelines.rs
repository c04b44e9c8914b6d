//! YAML pipelines, runs and environments.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use super::core::{IdentityRef, ProjectReference};

/// A pipeline (`Pipeline`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Pipeline {
    /// Pipeline id.
    pub id: i64,
    /// Pipeline name.
    pub name: String,
    /// Folder.
    pub folder: Option<String>,
    /// Revision.
    pub revision: Option<i64>,
    /// REST URL of the pipeline.
    pub url: Option<String>,
    /// Configuration (kept as JSON; only on single gets).
    pub configuration: Option<Value>,
}

/// A reference to a pipeline inside a run.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PipelineReference {
    /// Pipeline id.
    pub id: i64,
    /// Pipeline name.
    pub name: Option<String>,
    /// Folder.
    pub folder: Option<String>,
    /// Revision.
    pub revision: Option<i64>,
    /// REST URL of the pipeline.
    pub url: Option<String>,
}

/// A pipeline run (`Run`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PipelineRun {
    /// Run id.
    pub id: i64,
    /// Run name (build number).
    pub name: Option<String>,
    /// `inProgress`, `completed`, `canceling`, `unknown`.
    pub state: Option<String>,
    /// `succeeded`, `failed`, `canceled`, `unknown`, once completed.
    pub result: Option<String>,
    /// Creation time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub created_date: Option<Timestamp>,
    /// Finish time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub finished_date: Option<Timestamp>,
    /// The pipeline.
    pub pipeline: Option<PipelineReference>,
    /// REST URL of the run.
    pub url: Option<String>,
}

/// An environment (`EnvironmentInstance`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Environment {
    /// Environment id.
    pub id: i64,
    /// Environment name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Creator.
    pub created_by: Option<IdentityRef>,
    /// Creation time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub created_on: Option<Timestamp>,
    /// Last modifier.
    pub last_modified_by: Option<IdentityRef>,
    /// Last modification time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub last_modified_on: Option<Timestamp>,
    /// The project.
    pub project: Option<ProjectReference>,
}

/// A deployment to an environment (`EnvironmentDeploymentExecutionRecord`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EnvironmentDeploymentRecord {
    /// Record id.
    pub id: i64,
    /// Environment id.
    pub environment_id: Option<i64>,
    /// Run (owner) id.
    pub plan_id: Option<String>,
    /// Request identifier.
    pub request_identifier: Option<String>,
    /// Stage name.
    pub stage_name: Option<String>,
    /// Job name.
    pub job_name: Option<String>,
    /// `succeeded`, `failed`, ...
    pub result: Option<String>,
    /// Queue time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub queue_time: Option<Timestamp>,
    /// Start time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub start_time: Option<Timestamp>,
    /// Finish time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub finish_time: Option<Timestamp>,
    /// The pipeline definition (kept as JSON).
    pub definition: Option<Value>,
    /// The run (kept as JSON).
    pub owner: Option<Value>,
}
