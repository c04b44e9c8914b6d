//! Graph users, groups, memberships and user entitlements (Azure DevOps Services only).

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value};

/// A Graph user (`GraphUser`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GraphUser {
    /// Subject descriptor, e.g. `aad.…`.
    pub descriptor: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Principal name (often the e-mail address).
    pub principal_name: Option<String>,
    /// E-mail address.
    pub mail_address: Option<String>,
    /// Origin directory, e.g. `aad`, `msa`, `vsts`.
    pub origin: Option<String>,
    /// Id in the origin directory.
    pub origin_id: Option<String>,
    /// `user`.
    pub subject_kind: Option<String>,
    /// Domain.
    pub domain: Option<String>,
    /// REST URL of the user.
    pub url: Option<String>,
}

/// A user's entitlements (`UserEntitlement`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserEntitlement {
    /// User id (GUID).
    pub id: String,
    /// The user (a Graph user).
    pub user: Option<GraphUser>,
    /// The user's access level (license).
    pub access_level: Option<AccessLevel>,
    /// Last access time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub last_accessed_date: Option<Timestamp>,
    /// Creation time.
    pub date_created: Option<String>,
    /// Project entitlements (kept as JSON).
    pub project_entitlements: Option<Vec<Value>>,
    /// Extensions (kept as JSON).
    pub extensions: Option<Vec<Value>>,
    /// Group assignments (kept as JSON).
    pub group_assignments: Option<Vec<Value>>,
}

/// A license assignment (`AccessLevel`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccessLevel {
    /// `account` or `msdn`.
    pub licensing_source: Option<String>,
    /// e.g. `express`, `stakeholder`.
    pub account_license_type: Option<String>,
    /// Display name, e.g. `Basic`.
    pub license_display_name: Option<String>,
    /// `active`, `disabled`, ...
    pub status: Option<String>,
}

/// A Graph group (`GraphGroup`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GraphGroup {
    /// Subject descriptor (`vssgp.…`, `aadgp.…`).
    pub descriptor: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Principal name, e.g. `[Fabrikam]\Contributors`.
    pub principal_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// `vsts` or `aad`.
    pub origin: Option<String>,
    /// Id in the origin.
    pub origin_id: Option<String>,
    /// Domain, e.g. `vstfs:///Classification/TeamProject/{id}`.
    pub domain: Option<String>,
    /// REST URL of the group.
    pub url: Option<String>,
}

/// A membership of a subject in a container group (`GraphMembership`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GraphMembership {
    /// The container (group) descriptor.
    pub container_descriptor: Option<String>,
    /// The member descriptor.
    pub member_descriptor: Option<String>,
}

/// The answer of a Graph subject lookup: each found subject by descriptor.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SubjectLookup {
    /// Subjects (users or groups, kept as JSON) by descriptor.
    pub value: Option<Map<String, Value>>,
}
