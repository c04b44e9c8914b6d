//! `pipeline`, `pipeline-run`, `environment`, `pipeline-deployment`, `release`,
//! `release-definition` and `release-deployment`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use ado_client::models::{Environment, Release};
use ado_client::{AdoClient, Listed, ReleaseDefinitionQuery, ReleaseDeploymentQuery, ReleaseQuery};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt, stream};
use jiff::Timestamp;
use serde_json::Value;

use super::{FAN_OUT, ItemStream, build, enrich, for_each, nested, projects_of};
use crate::org::{OrgScope, ProjectEntry, SharedList, listed_once};

/// Releases read by id in one request (`releaseIdFilter`): one page.
const RELEASES_BY_ID: usize = ado_client::pager::RELEASES as usize;

/// `pipeline-run`: the runs of every pipeline of every project, with `__project` and
/// `__pipeline`. With `since`, the runs of the builds changed since it (a YAML pipeline's run
/// is a build of the same id, and the pipeline its definition), read one by one.
pub(super) fn runs(org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream {
    match since {
        None => nested(
            org,
            projects_of(org),
            |org, project| org.client.pipelines(&project.id),
            |org, project, pipeline| {
                let project = Arc::clone(project);
                let pipeline_raw = pipeline.raw;
                org.client
                    .pipeline_runs(&project.id, pipeline.item.id)
                    .map_ok(move |run| run_item(run.raw, &project, pipeline_raw.clone()))
            },
        ),
        Some(since) => {
            let scope = Arc::clone(org);
            for_each(projects_of(org), move |project| {
                changed_runs(scope.client.clone(), Arc::new(project), since)
            })
        }
    }
}

/// The runs of a project's pipelines whose builds were queued or finished at or after
/// `since`; a run no longer found is left out.
fn changed_runs(
    client: AdoClient,
    project: Arc<ProjectEntry>,
    since: Timestamp,
) -> BoxStream<'static, ado_client::Result<Value>> {
    let pipelines = client
        .pipelines(&project.id)
        .map_ok(|pipeline| (pipeline.item.id, Arc::new(pipeline.raw)))
        .try_collect::<HashMap<i64, Arc<Value>>>();
    stream::once(pipelines)
        .map_ok(move |pipelines| {
            let client = client.clone();
            let project = Arc::clone(&project);
            build::changed_builds(&client, &project.id, since)
                .try_filter_map(move |build| {
                    let pipeline = build.item.definition.and_then(|definition| {
                        let raw = pipelines.get(&definition.id)?;
                        Some((definition.id, Arc::clone(raw)))
                    });
                    std::future::ready(Ok(pipeline.map(|pipeline| (build.item.id, pipeline))))
                })
                .map_ok(move |(run_id, (pipeline_id, pipeline))| {
                    let client = client.clone();
                    let project = Arc::clone(&project);
                    async move {
                        match client.pipeline_run(&project.id, pipeline_id, run_id).await {
                            Ok(run) => {
                                Ok(Some(run_item(run.raw, &project, Value::clone(&pipeline))))
                            }
                            Err(error) if error.is_not_found() => Ok(None),
                            Err(error) => Err(error),
                        }
                    }
                })
                .try_buffered(FAN_OUT)
                .try_filter_map(|run| std::future::ready(Ok(run)))
        })
        .try_flatten()
        .boxed()
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
        project_environments(&scope, &project).map_ok(|env| env.raw)
    })
}

/// A project's environments; listed once when `environment` and `pipeline-deployment` both
/// read them.
fn project_environments(
    org: &OrgScope,
    project: &ProjectEntry,
) -> BoxStream<'static, ado_client::Result<Listed<Environment>>> {
    let environments = org.client.environments(&project.id);
    listed_once(org, SharedList::Environments, &project.id, environments)
}

/// `pipeline-deployment`: the deployment records of every environment, with `__project` taken
/// from the environment.
pub(super) fn deployments(org: &Arc<OrgScope>) -> ItemStream {
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
/// With `since`, those created since it, then those with a deployment modified since it.
pub(super) fn releases(
    org: &Arc<OrgScope>,
    query: ReleaseQuery,
    since: Option<Timestamp>,
) -> ItemStream {
    let scope = Arc::clone(org);
    for_each(projects_of(org), move |project| {
        let releases = match since {
            None => scope.client.releases(&project.id, &query).boxed(),
            Some(since) => changed_releases(&scope.client, &project.id, &query, since),
        };
        releases.map_ok(|release| release.raw)
    })
}

/// A project's releases matching `query` created at or after `since`, then the others of the
/// deployments modified at or after it, read by id ([`RELEASES_BY_ID`] a request). A release
/// changed without a deployment since (abandoned, retagged...) is not among them.
fn changed_releases(
    client: &AdoClient,
    project: &str,
    query: &ReleaseQuery,
    since: Timestamp,
) -> BoxStream<'static, ado_client::Result<Listed<Release>>> {
    let listed = Arc::new(Mutex::new(HashSet::new()));
    // The selector's own creation-time filter is applied here, as the listing replaces it.
    let created = {
        let listed = Arc::clone(&listed);
        let query = query.clone();
        client
            .releases(project, &query.clone().min_created_time(since))
            .try_filter(move |release| {
                listed
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(release.item.id);
                std::future::ready(query.matches(&release.item))
            })
    };
    let deployments = ReleaseDeploymentQuery::new()
        .min_modified_time(since)
        .deployment_status("all");
    let deployed = client
        .release_deployments(project, &deployments)
        .try_filter_map(|deployment| std::future::ready(Ok(deployment.item.release.map(|r| r.id))))
        .try_collect::<BTreeSet<i64>>();
    let (client, project, query) = (client.clone(), project.to_owned(), query.clone());
    let by_id = stream::once(deployed)
        .map_ok(move |deployed| {
            let listed = listed.lock().unwrap_or_else(PoisonError::into_inner);
            let ids: Vec<i64> = deployed
                .into_iter()
                .filter(|id| !listed.contains(id))
                .collect();
            let requests: Vec<ReleaseQuery> = ids
                .chunks(RELEASES_BY_ID)
                .map(|chunk| query.clone().ids(chunk.iter().copied()))
                .collect();
            let (client, project) = (client.clone(), project.clone());
            stream::iter(requests).flat_map(move |query| client.releases(&project, &query))
        })
        .try_flatten();
    created.chain(by_id).boxed()
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
