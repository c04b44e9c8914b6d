//! `pipeline`, `pipeline-run`, `environment`, `pipeline-deployment`, `release`,
//! `release-definition` and `release-deployment`.

use std::sync::Arc;

use ado_client::{ReleaseDefinitionQuery, ReleaseDeploymentQuery, ReleaseQuery};
use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use serde_json::Value;

use super::{FAN_OUT, ItemStream, enrich, for_each, projects_of};
use crate::org::{OrgScope, ProjectEntry, SharedList, listed_once};

/// `pipeline-run`: the runs of every pipeline of every project, with `__project` and
/// `__pipeline`.
pub(super) fn runs(org: &Arc<OrgScope>) -> ItemStream {
    let scope = Arc::clone(org);
    for_each(projects_of(org), move |project| {
        let client = scope.client.clone();
        let project = Arc::new(project);
        scope
            .client
            .pipelines(&project.id)
            .map_ok(move |pipeline| {
                let project = Arc::clone(&project);
                let pipeline_raw = Arc::new(pipeline.raw);
                client
                    .pipeline_runs(&project.id, pipeline.item.id)
                    .map_ok(move |run| run_item(run.raw, &project, Value::clone(&pipeline_raw)))
                    .boxed()
            })
            .try_flatten_unordered(FAN_OUT)
    })
}

/// A `pipeline-run` item: the run with `__project` and `__pipeline`.
pub(super) fn run_item(run: Value, project: &ProjectEntry, pipeline: Value) -> Value {
    enrich(
        run,
        [("__project", project.raw.clone()), ("__pipeline", pipeline)],
    )
}

/// `environment`: every project's environments.
pub(super) fn environments(org: &Arc<OrgScope>) -> ItemStream {
    let scope = Arc::clone(org);
    for_each(projects_of(org), move |project| {
        listed_once(
            &scope,
            SharedList::Environments,
            &project.id,
            scope.client.environments(&project.id),
        )
        .map_ok(|env| env.raw)
    })
}

/// `pipeline-deployment`: the deployment records of every environment, with `__project` taken
/// from the environment.
pub(super) fn deployments(org: &Arc<OrgScope>) -> ItemStream {
    let scope = Arc::clone(org);
    for_each(projects_of(org), move |project| {
        let client = scope.client.clone();
        let project_id = project.id;
        let environments = scope.client.environments(&project_id);
        listed_once(&scope, SharedList::Environments, &project_id, environments)
            .map_ok(move |env| {
                let env_project = env.raw.get("project").cloned().unwrap_or(Value::Null);
                client
                    .environment_deployment_records(&project_id, env.item.id)
                    .map_ok(move |record| enrich(record.raw, [("__project", env_project.clone())]))
                    .boxed()
            })
            .try_flatten_unordered(FAN_OUT)
    })
}

/// `release-deployment`: every project's classic release deployments (release host).
pub(super) fn release_deployments(org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream {
    let scope = Arc::clone(org);
    let query = match since {
        Some(since) => ReleaseDeploymentQuery::new().min_modified_time(since),
        None => ReleaseDeploymentQuery::new(),
    };
    for_each(projects_of(org), move |project| {
        scope
            .client
            .release_deployments(&project.id, &query)
            .map_ok(|deployment| deployment.raw)
    })
}

/// `pipeline`: every project's pipelines, with `__projectId`.
pub(super) fn pipelines(org: &Arc<OrgScope>) -> ItemStream {
    let scope = Arc::clone(org);
    for_each(projects_of(org), move |project| {
        let project_id = Value::String(project.id.clone());
        scope
            .client
            .pipelines(&project.id)
            .map_ok(move |pipeline| enrich(pipeline.raw, [("__projectId", project_id.clone())]))
    })
}

/// `release`: every project's classic releases matching the selector's filters (release host).
pub(super) fn releases(org: &Arc<OrgScope>, query: ReleaseQuery) -> ItemStream {
    let scope = Arc::clone(org);
    for_each(projects_of(org), move |project| {
        scope
            .client
            .releases(&project.id, &query)
            .map_ok(|release| release.raw)
    })
}

/// `release-definition`: every project's classic release definitions matching the selector's
/// filters (release host), with `__project`.
pub(super) fn release_definitions(
    org: &Arc<OrgScope>,
    query: ReleaseDefinitionQuery,
) -> ItemStream {
    let scope = Arc::clone(org);
    for_each(projects_of(org), move |project| {
        let project_raw = project.raw;
        scope
            .client
            .release_definitions(&project.id, &query)
            .map_ok(move |definition| enrich(definition.raw, [("__project", project_raw.clone())]))
    })
}
