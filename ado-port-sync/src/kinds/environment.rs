//! `environment`.

use std::sync::Arc;

use ado_client::Listed;
use ado_client::models::Environment as ListedEnvironment;
use futures::TryStreamExt;
use futures::stream::BoxStream;
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::listing::{for_each, projects_of};
use super::options::OptionError;
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry, SharedList, listed_once};

/// `environment`, which has no selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Environment;

impl KindSource for Environment {
    const NAME: &str = "environment";
    const CALLS: &[&str] = &["GET {project}/_apis/distributedtask/environments per project"];

    /// Every project's environments.
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        for_each(projects_of(org), move |project| {
            project_environments(&scope, &project).map_ok(|env| env.raw)
        })
    }

    fn parse(_: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

/// A project's environments; listed once when `environment` and `pipeline-deployment` both
/// read them.
pub(super) fn project_environments(
    org: &OrgScope,
    project: &ProjectEntry,
) -> BoxStream<'static, ado_client::Result<Listed<ListedEnvironment>>> {
    let environments = org.client.environments(&project.id);
    listed_once(org, SharedList::Environments, &project.id, environments)
}
