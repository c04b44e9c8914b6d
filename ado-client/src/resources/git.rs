//! Git repositories, items and file content, refs, branch policies and pull requests.

use jiff::Timestamp;

use super::time_param;
use crate::client::AdoClient;
use crate::error::Result;
use crate::models::{GitChange, GitItem, GitRef, GitRepository, PolicyConfiguration, PullRequest};
use crate::pager::{Listed, Pager};
use crate::profile::Operation;
use crate::transport::Request;

impl AdoClient {
    /// Lists the Git repositories of a project (disabled ones included).
    pub fn repositories(&self, project: &str) -> Pager<GitRepository> {
        self.list(Request::new(Operation::ListRepositories, &[&project]))
    }

    /// Gets one Git repository by id or name.
    ///
    /// # Errors
    ///
    /// Any request or decode error; a missing repository is an
    /// [`Error::Api`](crate::Error::Api) with status 404.
    pub async fn repository(
        &self,
        project: &str,
        repository: &str,
    ) -> Result<Listed<GitRepository>> {
        let request = Request::new(Operation::GetRepository, &[&project, &repository]);
        self.get_listed(&request).await
    }

    /// Lists every Git repository of the organization.
    pub fn all_repositories(&self) -> Pager<GitRepository> {
        self.list(Request::new(Operation::ListAllRepositories, &[]))
    }

    /// Reads a file with its text content at the tip of `branch` (`main` or `refs/heads/main`).
    /// A missing file, branch or repository is `Ok(None)`.
    ///
    /// # Errors
    ///
    /// Any request or decode error other than "not found" ([`Error::is_not_found`]).
    ///
    /// [`Error::is_not_found`]: crate::Error::is_not_found
    pub async fn file(
        &self,
        project: &str,
        repository_id: &str,
        path: &str,
        branch: &str,
    ) -> Result<Option<Listed<GitItem>>> {
        let branch = branch.strip_prefix("refs/heads/").unwrap_or(branch);
        self.file_at(project, repository_id, path, branch, "branch")
            .await
    }

    /// Reads a file with its text content as it is at `commit` (a full commit id). A missing
    /// file, commit or repository is `Ok(None)`.
    ///
    /// # Errors
    ///
    /// Any request or decode error other than "not found" ([`Error::is_not_found`]).
    ///
    /// [`Error::is_not_found`]: crate::Error::is_not_found
    pub async fn file_at_commit(
        &self,
        project: &str,
        repository_id: &str,
        path: &str,
        commit: &str,
    ) -> Result<Option<Listed<GitItem>>> {
        self.file_at(project, repository_id, path, commit, "commit")
            .await
    }

    /// `GET items?path=` with content at `version` of `version_type` (`branch`, `commit`).
    async fn file_at(
        &self,
        project: &str,
        repository_id: &str,
        path: &str,
        version: &str,
        version_type: &str,
    ) -> Result<Option<Listed<GitItem>>> {
        let request = Request::new(Operation::GetItem, &[&project, &repository_id])
            .query("path", path)
            .query("versionDescriptor.version", version)
            .query("versionDescriptor.versionType", version_type)
            .query("includeContent", true);
        match self.get_listed(&request).await {
            Ok(item) => Ok(Some(item)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Lists the items (files and folders) under `scope_path` at the tip of `branch`
    /// (`main` or `refs/heads/main`), `scope_path` itself included, down to `recursion`.
    pub fn items(
        &self,
        project: &str,
        repository_id: &str,
        scope_path: &str,
        recursion: RecursionLevel,
        branch: &str,
    ) -> Pager<GitItem> {
        let branch = branch.strip_prefix("refs/heads/").unwrap_or(branch);
        self.list(
            Request::new(Operation::ListItems, &[&project, &repository_id])
                .query("scopePath", scope_path)
                .query("recursionLevel", recursion.as_str())
                .query("versionDescriptor.version", branch)
                .query("versionDescriptor.versionType", "branch"),
        )
    }

    /// Lists the branches of a repository (refs under `refs/heads/`).
    pub fn branches(&self, project: &str, repository_id: &str) -> Pager<GitRef> {
        self.list(
            Request::new(Operation::ListRefs, &[&project, &repository_id])
                .query("filter", "heads/"),
        )
    }

    /// Lists the policy configurations that apply to a repository, optionally to one branch
    /// (`refs/heads/main`).
    ///
    /// Uses `_apis/git/policy/configurations` on every profile. Azure DevOps Server 2019 has it
    /// as `5.0-preview.1` without paging parameters, so there it is one request.
    pub fn policy_configurations(
        &self,
        project: &str,
        repository_id: &str,
        ref_name: Option<&str>,
    ) -> Pager<PolicyConfiguration> {
        self.list(
            Request::new(Operation::ListPolicyConfigurations, &[&project])
                .query("repositoryId", repository_id)
                .query_opt("refName", ref_name),
        )
    }

    /// Lists the changes (files and folders added, edited, deleted or renamed) of a commit.
    pub fn commit_changes(
        &self,
        project: &str,
        repository_id: &str,
        commit_id: &str,
    ) -> Pager<GitChange> {
        self.list(Request::new(
            Operation::GetCommitChanges,
            &[&project, &repository_id, &commit_id],
        ))
    }

    /// Gets one pull request by id, whatever its project and repository.
    ///
    /// # Errors
    ///
    /// Any request or decode error; a missing pull request is an
    /// [`Error::Api`](crate::Error::Api) with status 404.
    pub async fn pull_request(&self, pull_request_id: i64) -> Result<Listed<PullRequest>> {
        let request = Request::new(Operation::GetPullRequest, &[&pull_request_id]);
        self.get_listed(&request).await
    }

    /// Lists the pull requests of a project matching `query`.
    ///
    /// Time filters need api-version 7.1; on Azure DevOps Server they fail with
    /// [`Error::Unsupported`](crate::Error::Unsupported) before anything is sent.
    pub fn pull_requests(&self, project: &str, query: &PullRequestQuery) -> Pager<PullRequest> {
        let timed =
            query.min_time.is_some() || query.max_time.is_some() || query.time_range.is_some();
        let operation = if timed {
            Operation::ListPullRequestsByTime
        } else {
            Operation::ListPullRequests
        };
        let request = Request::new(operation, &[&project])
            .query_opt(
                "searchCriteria.status",
                query.status.map(PullRequestStatus::as_str),
            )
            .query_opt(
                "searchCriteria.repositoryId",
                query.repository_id.as_deref(),
            )
            .query_opt(
                "searchCriteria.targetRefName",
                query.target_ref_name.as_deref(),
            )
            .query_opt("searchCriteria.minTime", query.min_time.map(time_param))
            .query_opt("searchCriteria.maxTime", query.max_time.map(time_param))
            .query_opt(
                "searchCriteria.queryTimeRangeType",
                query.time_range.map(PullRequestTimeRange::as_str),
            );
        self.list(request)
    }
}

/// How deep [`AdoClient::items`] lists below its scope path (`recursionLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecursionLevel {
    /// Only the scope path itself.
    None,
    /// The scope path and its direct children.
    OneLevel,
    /// The scope path and everything below it.
    Full,
}

impl RecursionLevel {
    fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::OneLevel => "oneLevel",
            Self::Full => "full",
        }
    }
}

/// Pull request status filter (`searchCriteria.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PullRequestStatus {
    /// Active pull requests (the server default).
    Active,
    /// Abandoned pull requests.
    Abandoned,
    /// Completed pull requests.
    Completed,
    /// Every status.
    All,
}

impl PullRequestStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Abandoned => "abandoned",
            Self::Completed => "completed",
            Self::All => "all",
        }
    }
}

/// Which time `searchCriteria.minTime`/`maxTime` apply to (`queryTimeRangeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PullRequestTimeRange {
    /// Creation time.
    Created,
    /// Closing time.
    Closed,
}

impl PullRequestTimeRange {
    fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Closed => "closed",
        }
    }
}

/// Options of [`AdoClient::pull_requests`]; the default asks for the server's default (active).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct PullRequestQuery {
    status: Option<PullRequestStatus>,
    repository_id: Option<String>,
    target_ref_name: Option<String>,
    min_time: Option<Timestamp>,
    max_time: Option<Timestamp>,
    time_range: Option<PullRequestTimeRange>,
}

impl PullRequestQuery {
    /// No filters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only pull requests with this status.
    pub fn status(mut self, status: PullRequestStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only pull requests of this repository.
    pub fn repository_id(mut self, repository_id: impl Into<String>) -> Self {
        self.repository_id = Some(repository_id.into());
        self
    }

    /// Only pull requests into this branch (`refs/heads/main`).
    pub fn target_ref_name(mut self, ref_name: impl Into<String>) -> Self {
        self.target_ref_name = Some(ref_name.into());
        self
    }

    /// Only pull requests whose [time range](Self::time_range) time is at or after `time`
    /// (api-version 7.1).
    pub fn min_time(mut self, time: Timestamp) -> Self {
        self.min_time = Some(time);
        self
    }

    /// Only pull requests whose [time range](Self::time_range) time is at or before `time`
    /// (api-version 7.1).
    pub fn max_time(mut self, time: Timestamp) -> Self {
        self.max_time = Some(time);
        self
    }

    /// Whether the time filters apply to creation or closing (api-version 7.1).
    pub fn time_range(mut self, range: PullRequestTimeRange) -> Self {
        self.time_range = Some(range);
        self
    }
}
