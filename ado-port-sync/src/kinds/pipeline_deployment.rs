//! `pipeline-deployment`.

use std::sync::Arc;

use futures::TryStreamExt;
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::environment::project_environments;
use super::listing::{enrich, nested, projects_of};
use super::options::OptionError;
use super::{ItemStream, KindSource};
use crate::org::OrgScope;

/// `pipeline-deployment`, which has no selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PipelineDeployment;

impl KindSource for PipelineDeployment {
    const NAME: &str = "pipeline-deployment";
    const CALLS: &[&str] = &[
        "GET {project}/_apis/distributedtask/environments per project",
        "GET {project}/_apis/distributedtask/environments/{id}/environmentdeploymentrecords per environment",
    ];
    const ENRICHMENT: &[&str] = &["__project"];

    /// The deployment records of every environment, with `__project` taken from the
    /// environment.
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        nested(
            org,
            projects_of(org),
            |org, project| project_environments(org, project),
            |org, project, env| {
                let env_project = env.raw.get("project").cloned().unwrap_or(Value::Null);
                org.client
                    .environment_deployment_records(&project.id, env.item.id)
                    .map_ok(move |record| enrich(record.raw, [("__project", env_project.clone())]))
            },
        )
    }

    fn parse(_: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self)
    }
}
