//! `pipeline-stage`.

use std::sync::Arc;

use ado_client::models::Build as ListedBuild;
use ado_client::{AdoClient, Listed};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::build::listed_builds;
use super::item::{ItemKey, Lookup, LookupResult, found};
use super::listing::{enrich, nested, projects_of};
use super::options::OptionError;
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry};

/// `pipeline-stage`, which has no selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PipelineStage;

impl KindSource for PipelineStage {
    const NAME: &str = "pipeline-stage";
    const CALLS: &[&str] = &[
        "GET {project}/_apis/build/builds per project",
        "GET {project}/_apis/build/builds/{id}/timeline per build, records of type Stage",
        "incremental: the builds of `build` changed since the cursor, then their timelines",
    ];
    const ENRICHMENT: &[&str] = &["__project", "__build"];
    const LISTS_CHANGES: bool = true;

    /// The `Stage` records of every build's timeline, with `__project` and `__build`; with
    /// `since`, of the builds changed since it only.
    fn items(&self, org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream {
        nested(
            org,
            projects_of(org),
            move |org, project| listed_builds(org, project, since),
            |org, project, build| build_stages(&org.client, Arc::clone(project), build),
        )
    }

    /// The stages of a build read by id, or the one the key names (by timeline
    /// `identifier`, `name` or `id`).
    async fn lookup(&self, org: &OrgScope, project: &ProjectEntry, key: &ItemKey) -> LookupResult {
        let ItemKey::Stages { build, stage, .. } = key else {
            return Ok(Lookup::other_kind(Self::NAME));
        };
        let client = &org.client;
        let Some(read) = found(client.build(&project.id, *build).await)? else {
            return Ok(Lookup::Gone(Vec::new()));
        };
        let stages: Vec<Value> = build_stages(client, Arc::new(project.clone()), read)
            .try_filter(|record| {
                std::future::ready(stage.as_deref().is_none_or(|wanted| {
                    ["identifier", "name", "id"]
                        .iter()
                        .any(|field| record[field].as_str() == Some(wanted))
                }))
            })
            .try_collect()
            .await?;
        Ok(Lookup::Found(stages))
    }

    fn parse(_: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

/// The `pipeline-stage` items of one build: its timeline's `Stage` records, with `__project`
/// and `__build`.
fn build_stages(
    client: &AdoClient,
    project: Arc<ProjectEntry>,
    build: Listed<ListedBuild>,
) -> BoxStream<'static, ado_client::Result<Value>> {
    let id = build.item.id;
    let build = Arc::new(build.raw);
    client
        .build_timeline(&project.id, id)
        .try_filter(|record| {
            let stage = record.item.record_type.as_deref() == Some("Stage");
            async move { stage }
        })
        .map_ok(move |record| {
            enrich(
                record.raw,
                [
                    ("__project", project.raw.clone()),
                    ("__build", Value::clone(&build)),
                ],
            )
        })
        .boxed()
}
