//! Git repositories, items, pull requests and branch policies.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use super::core::{IdentityRef, ProjectReference};

/// A Git repository (`GitRepository`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GitRepository {
    /// Repository id (GUID).
    pub id: String,
    /// Repository name.
    pub name: String,
    /// REST URL of the repository.
    pub url: Option<String>,
    /// The repository's project.
    pub project: Option<ProjectReference>,
    /// Default branch, e.g. `refs/heads/main`; absent for an empty repository.
    pub default_branch: Option<String>,
    /// Clone URL over HTTPS.
    pub remote_url: Option<String>,
    /// Clone URL over SSH.
    pub ssh_url: Option<String>,
    /// Browser URL.
    pub web_url: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// Whether the repository is disabled.
    pub is_disabled: Option<bool>,
    /// Whether the repository is a fork.
    pub is_fork: Option<bool>,
}

/// A file or folder in a Git repository (`GitItem`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GitItem {
    /// Blob or tree id.
    pub object_id: Option<String>,
    /// `blob`, `tree`, ...
    pub git_object_type: Option<String>,
    /// Commit the item was read at.
    pub commit_id: Option<String>,
    /// Path in the repository.
    pub path: Option<String>,
    /// Whether the item is a folder.
    pub is_folder: Option<bool>,
    /// Text content, when requested with `includeContent`.
    pub content: Option<String>,
    /// REST URL of the item.
    pub url: Option<String>,
}

/// A pull request (`GitPullRequest`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PullRequest {
    /// Pull request id.
    pub pull_request_id: i64,
    /// `active`, `abandoned` or `completed`.
    pub status: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Description (truncated to 400 characters in lists).
    pub description: Option<String>,
    /// Source branch.
    pub source_ref_name: Option<String>,
    /// Target branch.
    pub target_ref_name: Option<String>,
    /// Author.
    pub created_by: Option<IdentityRef>,
    /// Creation time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub creation_date: Option<Timestamp>,
    /// Closing time, for completed or abandoned pull requests.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub closed_date: Option<Timestamp>,
    /// Whether it is a draft.
    pub is_draft: Option<bool>,
    /// Merge status.
    pub merge_status: Option<String>,
    /// Reviewers with their votes (kept as JSON).
    pub reviewers: Option<Vec<Value>>,
    /// The target repository.
    pub repository: Option<GitRepository>,
    /// REST URL of the pull request.
    pub url: Option<String>,
}

/// A policy configuration (`PolicyConfiguration`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PolicyConfiguration {
    /// Configuration id.
    pub id: i64,
    /// Revision.
    pub revision: Option<i64>,
    /// The policy type.
    #[serde(rename = "type")]
    pub policy_type: Option<PolicyTypeRef>,
    /// Whether the policy is enabled.
    pub is_enabled: Option<bool>,
    /// Whether the policy blocks completion.
    pub is_blocking: Option<bool>,
    /// Whether the policy is deleted.
    pub is_deleted: Option<bool>,
    /// Type-specific settings, including `scope`.
    pub settings: Option<Value>,
    /// Author.
    pub created_by: Option<IdentityRef>,
    /// Creation time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub created_date: Option<Timestamp>,
    /// REST URL of the configuration.
    pub url: Option<String>,
}

/// A reference to a policy type (`PolicyTypeRef`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PolicyTypeRef {
    /// Policy type id (GUID).
    pub id: String,
    /// Display name, e.g. `Minimum number of reviewers`.
    pub display_name: Option<String>,
    /// REST URL of the policy type.
    pub url: Option<String>,
}

/// A Git ref (`GitRef`): a branch or a tag.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GitRef {
    /// Full ref name, e.g. `refs/heads/main`.
    pub name: String,
    /// The commit (or tag object) it points at.
    pub object_id: Option<String>,
    /// Who created it.
    pub creator: Option<IdentityRef>,
    /// Whether it is locked.
    pub is_locked: Option<bool>,
    /// REST URL of the ref.
    pub url: Option<String>,
}
