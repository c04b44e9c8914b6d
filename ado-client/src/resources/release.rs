//! Classic releases, release definitions and release deployments (release host `vsrm` on Azure DevOps Services).

use jiff::Timestamp;

use super::time_param;
use crate::client::AdoClient;
use crate::error::Result;
use crate::models::{Release, ReleaseDefinition, ReleaseDeployment};
use crate::pager::{Listed, Pager};
use crate::profile::Operation;
use crate::transport::Request;

impl AdoClient {
    /// Lists the releases of a project matching `query`.
    pub fn releases(&self, project: &str, query: &ReleaseQuery) -> Pager<Release> {
        let tags = (!query.tags.is_empty()).then(|| query.tags.join(","));
        let ids = (!query.ids.is_empty()).then(|| {
            let ids: Vec<String> = query.ids.iter().map(i64::to_string).collect();
            ids.join(",")
        });
        let request = Request::new(Operation::ListReleases, &[&project])
            .query_opt("definitionId", query.definition_id)
            .query_opt("statusFilter", query.status.as_deref())
            .query_opt("tagFilter", tags)
            .query_opt("sourceBranchFilter", query.source_branch.as_deref())
            .query_opt("minCreatedTime", query.min_created_time.map(time_param))
            .query_opt("maxCreatedTime", query.max_created_time.map(time_param))
            .query_opt("$expand", query.expand.as_deref())
            .query_opt("releaseIdFilter", ids);
        self.list(request)
    }

    /// Gets one release by id.
    ///
    /// # Errors
    ///
    /// Any request or decode error; a missing release is an [`Error::Api`](crate::Error::Api)
    /// with status 404.
    pub async fn release(&self, project: &str, release_id: i64) -> Result<Listed<Release>> {
        let request = Request::new(Operation::GetRelease, &[&project, &release_id]);
        self.get_listed(&request).await
    }

    /// Gets one release definition by id.
    ///
    /// # Errors
    ///
    /// Any request or decode error; a missing definition is an
    /// [`Error::Api`](crate::Error::Api) with status 404.
    pub async fn release_definition(
        &self,
        project: &str,
        definition_id: i64,
    ) -> Result<Listed<ReleaseDefinition>> {
        let request = Request::new(Operation::GetReleaseDefinition, &[&project, &definition_id]);
        self.get_listed(&request).await
    }

    /// Lists the release definitions of a project matching `query`.
    pub fn release_definitions(
        &self,
        project: &str,
        query: &ReleaseDefinitionQuery,
    ) -> Pager<ReleaseDefinition> {
        let tags = (!query.tags.is_empty()).then(|| query.tags.join(","));
        let request = Request::new(Operation::ListReleaseDefinitions, &[&project])
            .query_opt("tagFilter", tags)
            .query_opt("$expand", query.expand.as_deref());
        self.list(request)
    }

    /// Lists the release deployments of a project matching `query`.
    pub fn release_deployments(
        &self,
        project: &str,
        query: &ReleaseDeploymentQuery,
    ) -> Pager<ReleaseDeployment> {
        let request = Request::new(Operation::ListReleaseDeployments, &[&project])
            .query_opt("definitionId", query.definition_id)
            .query_opt("definitionEnvironmentId", query.definition_environment_id)
            .query_opt("deploymentStatus", query.deployment_status.as_deref())
            .query_opt("minModifiedTime", query.min_modified_time.map(time_param))
            .query_opt("maxModifiedTime", query.max_modified_time.map(time_param));
        self.list(request)
    }
}

/// Options of [`AdoClient::release_definitions`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct ReleaseDefinitionQuery {
    tags: Vec<String>,
    expand: Option<String>,
}

impl ReleaseDefinitionQuery {
    /// No filters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only definitions carrying all these tags.
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Extra data to include (`$expand`: `environments`, `artifacts`, `triggers`, `variables`,
    /// `tags`, `lastRelease`).
    pub fn expand(mut self, expand: impl Into<String>) -> Self {
        self.expand = Some(expand.into());
        self
    }
}

/// Options of [`AdoClient::releases`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct ReleaseQuery {
    definition_id: Option<i64>,
    status: Option<String>,
    tags: Vec<String>,
    source_branch: Option<String>,
    min_created_time: Option<Timestamp>,
    max_created_time: Option<Timestamp>,
    expand: Option<String>,
    ids: Vec<i64>,
}

impl ReleaseQuery {
    /// No filters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `release` passes the definition, status (ignoring case), tag (every one),
    /// creation-time and id filters, as the service applies them to a listing. The source
    /// branch filter needs the release's artifacts and is not checked.
    #[must_use]
    pub fn matches(&self, release: &Release) -> bool {
        let definition = self.definition_id.is_none_or(|wanted| {
            release
                .release_definition
                .as_ref()
                .is_some_and(|definition| definition.id == wanted)
        });
        let status = self.status.as_deref().is_none_or(|wanted| {
            release
                .status
                .as_deref()
                .is_some_and(|status| wanted.eq_ignore_ascii_case(status))
        });
        let tags = release.tags.as_deref().unwrap_or_default();
        let tagged = self.tags.iter().all(|wanted| tags.contains(wanted));
        let window = match release.created_on {
            Some(created) => {
                self.min_created_time.is_none_or(|min| created >= min)
                    && self.max_created_time.is_none_or(|max| created < max)
            }
            None => self.min_created_time.is_none() && self.max_created_time.is_none(),
        };
        let listed = self.ids.is_empty() || self.ids.contains(&release.id);
        definition && status && tagged && window && listed
    }

    /// Only releases of this definition.
    pub fn definition_id(mut self, id: i64) -> Self {
        self.definition_id = Some(id);
        self
    }

    /// Only releases with this status (`draft`, `active`, `abandoned`).
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Only releases carrying all these tags.
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Only releases built from this branch.
    pub fn source_branch(mut self, branch: impl Into<String>) -> Self {
        self.source_branch = Some(branch.into());
        self
    }

    /// Only releases created at or after `time`.
    pub fn min_created_time(mut self, time: Timestamp) -> Self {
        self.min_created_time = Some(time);
        self
    }

    /// Only releases created before `time`.
    pub fn max_created_time(mut self, time: Timestamp) -> Self {
        self.max_created_time = Some(time);
        self
    }

    /// Extra data to include (`$expand`: `environments`, `artifacts`, `approvals`, ...).
    pub fn expand(mut self, expand: impl Into<String>) -> Self {
        self.expand = Some(expand.into());
        self
    }

    /// Only the releases with these ids (`releaseIdFilter`).
    pub fn ids(mut self, ids: impl IntoIterator<Item = i64>) -> Self {
        self.ids = ids.into_iter().collect();
        self
    }
}

/// Options of [`AdoClient::release_deployments`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct ReleaseDeploymentQuery {
    definition_id: Option<i64>,
    definition_environment_id: Option<i64>,
    deployment_status: Option<String>,
    min_modified_time: Option<Timestamp>,
    max_modified_time: Option<Timestamp>,
}

impl ReleaseDeploymentQuery {
    /// No filters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only deployments of this release definition.
    pub fn definition_id(mut self, id: i64) -> Self {
        self.definition_id = Some(id);
        self
    }

    /// Only deployments to this environment of the release definition.
    pub fn definition_environment_id(mut self, id: i64) -> Self {
        self.definition_environment_id = Some(id);
        self
    }

    /// Only deployments in this status (`succeeded`, `failed`, ..., or `all`).
    pub fn deployment_status(mut self, status: impl Into<String>) -> Self {
        self.deployment_status = Some(status.into());
        self
    }

    /// Only deployments modified at or after `time`.
    pub fn min_modified_time(mut self, time: Timestamp) -> Self {
        self.min_modified_time = Some(time);
        self
    }

    /// Only deployments modified before `time`.
    pub fn max_modified_time(mut self, time: Timestamp) -> Self {
        self.max_modified_time = Some(time);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_release_query_matches_as_the_listing_filters() {
        let release: Release = serde_json::from_value(json!({
            "id": 1, "status": "Active", "releaseDefinition": {"id": 4},
            "tags": ["prod", "eu"], "createdOn": "2026-03-01T10:00:00Z"
        }))
        .expect("release");
        assert!(ReleaseQuery::new().matches(&release));
        let march = "2026-03-01T00:00:00Z".parse::<Timestamp>().expect("time");
        let kept = ReleaseQuery::new()
            .definition_id(4)
            .status("active")
            .tags(["prod"])
            .min_created_time(march);
        assert!(kept.matches(&release));
        assert!(!ReleaseQuery::new().status("abandoned").matches(&release));
        assert!(!ReleaseQuery::new().definition_id(5).matches(&release));
        assert!(!ReleaseQuery::new().tags(["prod", "us"]).matches(&release));
        assert!(ReleaseQuery::new().ids([3, 1]).matches(&release));
        assert!(!ReleaseQuery::new().ids([2]).matches(&release));
        assert!(
            !ReleaseQuery::new()
                .max_created_time(march)
                .matches(&release)
        );
    }
}
