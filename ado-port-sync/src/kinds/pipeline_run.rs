//! `pipeline-run`.

use std::collections::HashMap;
use std::sync::Arc;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt, stream};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::build::listed_builds;
use super::item::{ItemKey, Lookup, LookupResult, found, one};
use super::listing::{FAN_OUT, enrich, for_each, nested, projects_of};
use super::options::OptionError;
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry};

/// `pipeline-run`, which has no selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PipelineRun;

impl KindSource for PipelineRun {
    const NAME: &str = "pipeline-run";
    const CALLS: &[&str] = &[
        "GET {project}/_apis/pipelines per project",
        "GET {project}/_apis/pipelines/{id}/runs per pipeline",
        "incremental: GET {project}/_apis/pipelines and the builds of `build` changed since the cursor per project, then GET {project}/_apis/pipelines/{pipelineId}/runs/{buildId} per build of a listed pipeline",
    ];
    const ENRICHMENT: &[&str] = &["__project", "__pipeline"];
    const LISTS_CHANGES: bool = true;

    /// The runs of every pipeline of every project, with `__project` and `__pipeline`. With
    /// `since`, the runs of the builds changed since it (a YAML pipeline's run is a build of
    /// the same id, and the pipeline its definition), read one by one.
    fn items(&self, org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream {
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
                    changed_runs(Arc::clone(&scope), Arc::new(project), since)
                })
            }
        }
    }

    /// A run read by id, with its pipeline.
    async fn lookup(&self, org: &OrgScope, project: &ProjectEntry, key: &ItemKey) -> LookupResult {
        let ItemKey::PipelineRun { pipeline, run, .. } = key else {
            return Ok(Lookup::other_kind(Self::NAME));
        };
        let client = &org.client;
        let item = match found(client.pipeline_run(&project.id, *pipeline, *run).await)? {
            Some(run) => found(client.pipeline(&project.id, *pipeline).await)?
                .map(|p| run_item(run.raw, project, p.raw)),
            None => None,
        };
        Ok(one(item, None))
    }

    fn parse(_: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

/// The runs of a project's pipelines whose builds were queued or finished at or after
/// `since`; a run no longer found is left out.
fn changed_runs(
    org: Arc<OrgScope>,
    project: Arc<ProjectEntry>,
    since: Timestamp,
) -> BoxStream<'static, ado_client::Result<Value>> {
    let client = org.client.clone();
    let pipelines = client
        .pipelines(&project.id)
        .map_ok(|pipeline| (pipeline.item.id, Arc::new(pipeline.raw)))
        .try_collect::<HashMap<i64, Arc<Value>>>();
    stream::once(pipelines)
        .map_ok(move |pipelines| {
            let client = client.clone();
            let project = Arc::clone(&project);
            listed_builds(&org, &project, Some(since))
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
                        let run = client.pipeline_run(&project.id, pipeline_id, run_id).await;
                        Ok(found(run)?
                            .map(|run| run_item(run.raw, &project, Value::clone(&pipeline))))
                    }
                })
                .try_buffered(FAN_OUT)
                .try_filter_map(|run| std::future::ready(Ok(run)))
        })
        .try_flatten()
        .boxed()
}

/// A `pipeline-run` item: the run with `__project` and `__pipeline`.
fn run_item(run: Value, project: &ProjectEntry, pipeline: Value) -> Value {
    enrich(
        run,
        [("__project", project.raw.clone()), ("__pipeline", pipeline)],
    )
}
