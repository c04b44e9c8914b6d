//! YAML pipelines, pipeline runs, environments and environment deployment records.

use crate::client::AdoClient;
use crate::error::Result;
use crate::models::{Environment, EnvironmentDeploymentRecord, Pipeline, PipelineRun};
use crate::organization::Service;
use crate::pager::{self, ListSpec, Listed, Pager, Paging};
use crate::profile::Operation;
use crate::transport::Request;

impl AdoClient {
    /// Lists the pipelines of a project (not on Azure DevOps Server 2019).
    pub fn pipelines(&self, project: &str) -> Pager<Pipeline> {
        self.list(ListSpec::new(
            Request::new(
                Service::Core,
                Operation::ListPipelines,
                [project, "_apis", "pipelines"],
            ),
            Paging::Token {
                top: Some(("$top", pager::TOKEN_PAGED)),
            },
        ))
    }

    /// Gets one pipeline by id (not on Azure DevOps Server 2019).
    ///
    /// # Errors
    ///
    /// Any request or decode error; a missing pipeline is an
    /// [`Error::Api`](crate::Error::Api) with status 404.
    pub async fn pipeline(&self, project: &str, pipeline_id: i64) -> Result<Listed<Pipeline>> {
        let pipeline_id = pipeline_id.to_string();
        let request = Request::new(
            Service::Core,
            Operation::GetPipeline,
            [project, "_apis", "pipelines", &pipeline_id],
        );
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
        let pipeline_id = pipeline_id.to_string();
        let run_id = run_id.to_string();
        let request = Request::new(
            Service::Core,
            Operation::GetPipelineRun,
            [project, "_apis", "pipelines", &pipeline_id, "runs", &run_id],
        );
        self.get_listed(&request).await
    }

    /// Lists the runs of a pipeline; the server returns up to 10000 in one response (not on
    /// Azure DevOps Server 2019).
    pub fn pipeline_runs(&self, project: &str, pipeline_id: i64) -> Pager<PipelineRun> {
        let pipeline_id = pipeline_id.to_string();
        self.list(ListSpec::new(
            Request::new(
                Service::Core,
                Operation::ListPipelineRuns,
                [project, "_apis", "pipelines", &pipeline_id, "runs"],
            ),
            Paging::Single,
        ))
    }

    /// Lists the environments of a project (not on Azure DevOps Server 2019).
    pub fn environments(&self, project: &str) -> Pager<Environment> {
        self.list(ListSpec::new(
            Request::new(
                Service::Core,
                Operation::ListEnvironments,
                [project, "_apis", "distributedtask", "environments"],
            ),
            Paging::Token {
                top: Some(("$top", pager::TOKEN_PAGED)),
            },
        ))
    }

    /// Lists the deployments to an environment (not on Azure DevOps Server 2019).
    pub fn environment_deployment_records(
        &self,
        project: &str,
        environment_id: i64,
    ) -> Pager<EnvironmentDeploymentRecord> {
        let environment_id = environment_id.to_string();
        self.list(ListSpec::new(
            Request::new(
                Service::Core,
                Operation::ListEnvironmentDeploymentRecords,
                [
                    project,
                    "_apis",
                    "distributedtask",
                    "environments",
                    &environment_id,
                    "environmentdeploymentrecords",
                ],
            ),
            // This endpoint spells its page size `top`, without the `$`.
            Paging::Token {
                top: Some(("top", pager::TOKEN_PAGED)),
            },
        ))
    }
}
