//! `build` and `pipeline-stage`.

use std::sync::Arc;

use ado_client::models::Build;
use ado_client::{AdoClient, BuildQuery, BuildQueryOrder, Listed};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use serde_json::Value;

use super::{ItemStream, enrich, for_each, nested, projects_of};
use crate::org::{OrgScope, ProjectEntry, SharedList, listed_once};

/// A project's builds, newest first; listed once when `build` and `pipeline-stage` both read
/// them.
fn project_builds(
    org: &OrgScope,
    project: &ProjectEntry,
) -> BoxStream<'static, ado_client::Result<Listed<Build>>> {
    let builds = org.client.builds(
        &project.id,
        &BuildQuery::new().order(BuildQueryOrder::QueueTimeDescending),
    );
    listed_once(org, SharedList::Builds, &project.id, builds)
}

/// `build`: every project's builds, newest first, with `__projectId` and `__project`. With
/// `since`, only the builds queued at or after it, then those finished at or after it that
/// were queued before (the others were in the first listing).
pub(super) fn builds(org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream {
    let scope = Arc::clone(org);
    for_each(projects_of(org), move |project| {
        listed_builds(&scope, &project, since).map_ok(move |build| build_item(build.raw, &project))
    })
}

/// A project's builds: all of them, or with `since` only those changed since it.
fn listed_builds(
    org: &OrgScope,
    project: &ProjectEntry,
    since: Option<Timestamp>,
) -> BoxStream<'static, ado_client::Result<Listed<Build>>> {
    match since {
        None => project_builds(org, project),
        Some(since) => changed_builds(&org.client, &project.id, since),
    }
}

/// A project's builds queued at or after `since`, then those finished at or after it and
/// queued before.
pub(super) fn changed_builds(
    client: &AdoClient,
    project: &str,
    since: Timestamp,
) -> BoxStream<'static, ado_client::Result<Listed<Build>>> {
    let listing = |order| client.builds(project, &BuildQuery::new().order(order).min_time(since));
    let queued = listing(BuildQueryOrder::QueueTimeDescending);
    let finished = listing(BuildQueryOrder::FinishTimeDescending).try_filter(move |build| {
        let queued_before = build.item.queue_time.is_none_or(|queued| queued < since);
        std::future::ready(queued_before)
    });
    queued.chain(finished).boxed()
}

/// A `build` item: the build with `__projectId` and `__project`.
pub(super) fn build_item(build: Value, project: &ProjectEntry) -> Value {
    enrich(
        build,
        [
            ("__projectId", Value::String(project.id.clone())),
            ("__project", project.raw.clone()),
        ],
    )
}

/// `pipeline-stage`: the `Stage` records of every build's timeline, with `__project` and
/// `__build`; with `since`, of the builds changed since it only.
pub(super) fn stages(org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream {
    nested(
        org,
        projects_of(org),
        move |org, project| listed_builds(org, project, since),
        |org, project, build| build_stages(&org.client, Arc::clone(project), build),
    )
}

/// The `pipeline-stage` items of one build: its timeline's `Stage` records, with `__project`
/// and `__build`.
pub(super) fn build_stages(
    client: &AdoClient,
    project: Arc<ProjectEntry>,
    build: Listed<Build>,
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
