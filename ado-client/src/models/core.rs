//! Projects, teams and identities.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value};

/// A project as listed by `_apis/projects` (`TeamProjectReference`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Project {
    /// Project id (GUID).
    pub id: String,
    /// Project name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// REST URL of the project.
    pub url: Option<String>,
    /// `wellFormed`, `createPending`, `deleting`, `new`, ...
    pub state: Option<String>,
    /// Revision of the project.
    pub revision: Option<i64>,
    /// `private` or `public`.
    pub visibility: Option<String>,
    /// Time of the last update.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub last_update_time: Option<Timestamp>,
}

/// One project as returned by `_apis/projects/{id}` (`TeamProject`), with its default team.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProjectDetails {
    /// Project id (GUID).
    pub id: String,
    /// Project name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// REST URL of the project.
    pub url: Option<String>,
    /// Project state.
    pub state: Option<String>,
    /// `private` or `public`.
    pub visibility: Option<String>,
    /// Capabilities (`versioncontrol`, `processTemplate`), when `includeCapabilities` was sent.
    pub capabilities: Option<Map<String, Value>>,
    /// The project's default team.
    pub default_team: Option<TeamReference>,
    /// Time of the last update.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub last_update_time: Option<Timestamp>,
}

/// A reference to a team (`WebApiTeamRef`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TeamReference {
    /// Team id (GUID).
    pub id: String,
    /// Team name.
    pub name: Option<String>,
    /// REST URL of the team.
    pub url: Option<String>,
}

/// A project reference embedded in other resources.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProjectReference {
    /// Project id (GUID).
    pub id: Option<String>,
    /// Project name.
    pub name: Option<String>,
    /// REST URL of the project.
    pub url: Option<String>,
    /// Project state.
    pub state: Option<String>,
}

/// A project property (`ProjectProperty`), e.g. a tag `Microsoft.TeamFoundation.Project.Tag.*`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProjectProperty {
    /// Property name.
    pub name: String,
    /// Property value (any JSON).
    pub value: Option<Value>,
}

/// A team (`WebApiTeam`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Team {
    /// Team id (GUID).
    pub id: String,
    /// Team name.
    pub name: String,
    /// REST URL of the team.
    pub url: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// URL of the team's identity.
    pub identity_url: Option<String>,
    /// Name of the team's project.
    pub project_name: Option<String>,
    /// Id of the team's project.
    pub project_id: Option<String>,
}

/// A member of a team (`TeamMember`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TeamMember {
    /// The member's identity.
    pub identity: IdentityRef,
    /// Whether the member administers the team.
    pub is_team_admin: Option<bool>,
}

/// A reference to an identity (`IdentityRef`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct IdentityRef {
    /// Identity id (GUID).
    pub id: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Unique name (often the e-mail address).
    pub unique_name: Option<String>,
    /// REST URL of the identity.
    pub url: Option<String>,
    /// Avatar URL.
    pub image_url: Option<String>,
    /// Graph subject descriptor.
    pub descriptor: Option<String>,
}
