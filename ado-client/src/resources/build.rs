//! Builds and build timelines.

use jiff::Timestamp;

use super::time_param;
use crate::client::AdoClient;
use crate::error::Result;
use crate::models::{Build, TimelineRecord};
use crate::pager::{Listed, Pager};
use crate::profile::Operation;
use crate::transport::Request;

impl AdoClient {
    /// Lists the builds of a project matching `query`.
    pub fn builds(&self, project: &str, query: &BuildQuery) -> Pager<Build> {
        let request = Request::new(Operation::ListBuilds, &[&project])
            .query_opt("queryOrder", query.order.map(BuildQueryOrder::as_str))
            .query_opt("minTime", query.min_time.map(time_param))
            .query_opt("maxTime", query.max_time.map(time_param))
            .query_opt("branchName", query.branch_name.as_deref());
        self.list(request)
    }

    /// Gets one build by id.
    ///
    /// # Errors
    ///
    /// Any request or decode error; a missing build is an [`Error::Api`](crate::Error::Api)
    /// with status 404.
    pub async fn build(&self, project: &str, build_id: i64) -> Result<Listed<Build>> {
        let request = Request::new(Operation::GetBuild, &[&project, &build_id]);
        self.get_listed(&request).await
    }

    /// Lists the records (stages, phases, jobs, tasks...) of a build's timeline; a build
    /// without a timeline yields nothing. Filter on
    /// [`record_type`](TimelineRecord::record_type) `Stage` for stages.
    pub fn build_timeline(&self, project: &str, build_id: i64) -> Pager<TimelineRecord> {
        self.list(Request::new(
            Operation::GetBuildTimeline,
            &[&project, &build_id],
        ))
    }
}

/// Order of [`AdoClient::builds`] (`queryOrder`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BuildQueryOrder {
    /// Most recently queued first.
    QueueTimeDescending,
    /// Least recently queued first.
    QueueTimeAscending,
    /// Most recently started first.
    StartTimeDescending,
    /// Least recently started first.
    StartTimeAscending,
    /// Most recently finished first.
    FinishTimeDescending,
    /// Least recently finished first.
    FinishTimeAscending,
}

impl BuildQueryOrder {
    fn as_str(self) -> &'static str {
        match self {
            Self::QueueTimeDescending => "queueTimeDescending",
            Self::QueueTimeAscending => "queueTimeAscending",
            Self::StartTimeDescending => "startTimeDescending",
            Self::StartTimeAscending => "startTimeAscending",
            Self::FinishTimeDescending => "finishTimeDescending",
            Self::FinishTimeAscending => "finishTimeAscending",
        }
    }
}

/// Options of [`AdoClient::builds`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct BuildQuery {
    order: Option<BuildQueryOrder>,
    min_time: Option<Timestamp>,
    max_time: Option<Timestamp>,
    branch_name: Option<String>,
}

impl BuildQuery {
    /// No filters, server order.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sort order; it also decides which time `min_time`/`max_time` filter on.
    pub fn order(mut self, order: BuildQueryOrder) -> Self {
        self.order = Some(order);
        self
    }

    /// Only builds at or after `time`.
    pub fn min_time(mut self, time: Timestamp) -> Self {
        self.min_time = Some(time);
        self
    }

    /// Only builds at or before `time`.
    pub fn max_time(mut self, time: Timestamp) -> Self {
        self.max_time = Some(time);
        self
    }

    /// Only builds of this branch (`refs/heads/main`).
    pub fn branch_name(mut self, branch: impl Into<String>) -> Self {
        self.branch_name = Some(branch.into());
        self
    }
}
