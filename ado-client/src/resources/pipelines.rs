//! YAML pipelines, pipeline runs, environments and environment deployment records.

use crate::client::AdoClient;
use crate::error::Result;
use crate::models::{Environment, EnvironmentDeploymentRecord, Pipeline, PipelineRun};
use crate::pager::{Listed, Pager};
use crate::profile::Operation;
use crate::transport::Request;

impl AdoClient {
    /// Lists the pipelines of a project (not on Azure DevOps Server 2019).
    pub fn pipelines(&self, project: &str) -> Pager<Pipeline> {
        self.list(Request::new(Operation::ListPipelines, &[&project]))
    }

    /// Gets one pipeline by id (not on Azure DevOps Server 2019).
    ///
    /// # Errors
    ///
    /// Any request or decode error; a missing pipeline is an
    /// [`Error::Api`](crate::Error::Api) with status 404.
    pub async fn pipeline(&self, project: &str, pipeline_id: i64) -> Result<Listed<Pipeline>> {
        let request = Request::new(Operation::GetPipeline, &[&project, &pipeline_id]);
        self.get_listed(&request).await
    }

    /// Gets one run of a pipeline (not on Azure DevOps Server 2019).
    ///
    /// # Errors
    ///
    /// Any request or decode error; a missing run is an [`Error::Api`](crate::Error::Api)
    /// with status 404.
    pub async fn pipeline_run(
        &self,
        project: &str,
        pipeline_id: i64,
        run_id: i64,
    ) -> Result<Listed<PipelineRun>> {
        let request = Request::new(
            Operation::GetPipelineRun,
            &[&project, &pipeline_id, &run_id],
        );
        self.get_listed(&request).await
    }

    /// Lists the runs of a pipeline; the server returns up to 10000 in one response (not on
    /// Azure DevOps Server 2019).
    pub fn pipeline_runs(&self, project: &str, pipeline_id: i64) -> Pager<PipelineRun> {
        self.list(Request::new(
            Operation::ListPipelineRuns,
            &[&project, &pipeline_id],
        ))
    }

    /// Lists the environments of a project (not on Azure DevOps Server 2019).
    pub fn environments(&self, project: &str) -> Pager<Environment> {
        self.list(Request::new(Operation::ListEnvironments, &[&project]))
    }

    /// Lists the deployments to an environment (not on Azure DevOps Server 2019).
    pub fn environment_deployment_records(
        &self,
        project: &str,
        environment_id: i64,
    ) -> Pager<EnvironmentDeploymentRecord> {
        self.list(Request::new(
            Operation::ListEnvironmentDeploymentRecords,
            &[&project, &environment_id],
        ))
    }
}
