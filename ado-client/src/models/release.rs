//! Classic releases and their deployments.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use super::core::IdentityRef;

/// A release (`Release`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Release {
    /// Release id.
    pub id: i64,
    /// Release name.
    pub name: Option<String>,
    /// `draft`, `active`, `abandoned`, ...
    pub status: Option<String>,
    /// Creation time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub created_on: Option<Timestamp>,
    /// Last modification time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub modified_on: Option<Timestamp>,
    /// Creator.
    pub created_by: Option<IdentityRef>,
    /// Description.
    pub description: Option<String>,
    /// Why it was created.
    pub reason: Option<String>,
    /// The release definition.
    pub release_definition: Option<ReleaseDefinitionReference>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Environments, when expanded (kept as JSON).
    pub environments: Option<Vec<Value>>,
    /// REST URL of the release.
    pub url: Option<String>,
}

/// A reference to a release definition.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReleaseDefinitionReference {
    /// Definition id.
    pub id: i64,
    /// Definition name.
    pub name: Option<String>,
    /// REST URL of the definition.
    pub url: Option<String>,
}

/// A reference to a release inside a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReleaseReference {
    /// Release id.
    pub id: i64,
    /// Release name.
    pub name: Option<String>,
    /// REST URL of the release.
    pub url: Option<String>,
}

/// A deployment of a release to an environment (`Deployment`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReleaseDeployment {
    /// Deployment id.
    pub id: i64,
    /// The release.
    pub release: Option<ReleaseReference>,
    /// The release definition.
    pub release_definition: Option<ReleaseDefinitionReference>,
    /// The release environment (kept as JSON).
    pub release_environment: Option<Value>,
    /// Attempt number.
    pub attempt: Option<i64>,
    /// `succeeded`, `failed`, `notDeployed`, ...
    pub deployment_status: Option<String>,
    /// Operation status.
    pub operation_status: Option<String>,
    /// Why it was deployed.
    pub reason: Option<String>,
    /// Who requested it.
    pub requested_by: Option<IdentityRef>,
    /// Who it was requested for.
    pub requested_for: Option<IdentityRef>,
    /// Queue time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub queued_on: Option<Timestamp>,
    /// Start time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub started_on: Option<Timestamp>,
    /// Completion time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub completed_on: Option<Timestamp>,
    /// Last modification time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub last_modified_on: Option<Timestamp>,
}

/// A classic release definition (`ReleaseDefinition`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReleaseDefinition {
    /// Definition id.
    pub id: i64,
    /// Definition name.
    pub name: Option<String>,
    /// Folder path, e.g. `\`.
    pub path: Option<String>,
    /// Revision number.
    pub revision: Option<i64>,
    /// Description.
    pub description: Option<String>,
    /// Format of the names of its releases.
    pub release_name_format: Option<String>,
    /// Creator.
    pub created_by: Option<IdentityRef>,
    /// Creation time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub created_on: Option<Timestamp>,
    /// Last modifier.
    pub modified_by: Option<IdentityRef>,
    /// Last modification time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub modified_on: Option<Timestamp>,
    /// Environments, when expanded (kept as JSON).
    pub environments: Option<Vec<Value>>,
    /// Tags, when expanded.
    pub tags: Option<Vec<String>>,
    /// REST URL of the definition.
    pub url: Option<String>,
}
