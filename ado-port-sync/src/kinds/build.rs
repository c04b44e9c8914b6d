//! `build`.

use std::sync::Arc;

use ado_client::models::Build as ListedBuild;
use ado_client::{AdoClient, BuildQuery, BuildQueryOrder, Listed};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::item::{ItemKey, Lookup, LookupResult, found, one};
use super::listing::{enrich, for_each, projects_of};
use super::options::OptionError;
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry, SharedList, listed_once};

/// `build`, which has no selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Build;

impl KindSource for Build {
    const NAME: &str = "build";
    const CALLS: &[&str] = &[
        "GET {project}/_apis/build/builds?queryOrder=queueTimeDescending per project",
        "incremental: GET {project}/_apis/build/builds?queryOrder=queueTimeDescending&minTime, then ?queryOrder=finishTimeDescending&minTime per project",
    ];
    const ENRICHMENT: &[&str] = &["__projectId", "__project"];
    const LISTS_CHANGES: bool = true;

    /// Every project's builds, newest first, with `__projectId` and `__project`. With
    /// `since`, only the builds queued at or after it, then those finished at or after it that
    /// were queued before (the others were in the first listing).
    fn items(&self, org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        for_each(projects_of(org), move |project| {
            listed_builds(&scope, &project, since)
                .map_ok(move |build| build_item(build.raw, &project))
        })
    }

    /// A build read by id.
    async fn lookup(&self, org: &OrgScope, project: &ProjectEntry, key: &ItemKey) -> LookupResult {
        let ItemKey::Build { id, .. } = key else {
            return Ok(Lookup::other_kind(Self::NAME));
        };
        let read = found(org.client.build(&project.id, *id).await)?;
        Ok(one(read.map(|b| build_item(b.raw, project)), None))
    }

    fn parse(_: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

/// A project's builds, newest first.
fn project_builds(
    org: &OrgScope,
    project: &ProjectEntry,
) -> BoxStream<'static, ado_client::Result<Listed<ListedBuild>>> {
    let builds = org.client.builds(
        &project.id,
        &BuildQuery::new().order(BuildQueryOrder::QueueTimeDescending),
    );
    listed_once(org, SharedList::Builds, &project.id, builds)
}

/// A project's builds: all of them, or with `since` only those changed since it; each
/// listed once when several kinds of the resync read it.
pub(super) fn listed_builds(
    org: &OrgScope,
    project: &ProjectEntry,
    since: Option<Timestamp>,
) -> BoxStream<'static, ado_client::Result<Listed<ListedBuild>>> {
    match since {
        None => project_builds(org, project),
        Some(since) => {
            let changed = changed_builds(&org.client, &project.id, since);
            let key = format!("{}@{since}", project.id);
            listed_once(org, SharedList::ChangedBuilds, &key, changed)
        }
    }
}

/// A project's builds queued at or after `since`, then those finished at or after it and
/// queued before.
fn changed_builds(
    client: &AdoClient,
    project: &str,
    since: Timestamp,
) -> BoxStream<'static, ado_client::Result<Listed<ListedBuild>>> {
    let listing = |order| client.builds(project, &BuildQuery::new().order(order).min_time(since));
    let queued = listing(BuildQueryOrder::QueueTimeDescending);
    let finished = listing(BuildQueryOrder::FinishTimeDescending).try_filter(move |build| {
        let queued_before = build.item.queue_time.is_none_or(|queued| queued < since);
        std::future::ready(queued_before)
    });
    queued.chain(finished).boxed()
}

/// A `build` item: the build with `__projectId` and `__project`.
fn build_item(build: Value, project: &ProjectEntry) -> Value {
    enrich(
        build,
        [
            ("__projectId", Value::String(project.id.clone())),
            ("__project", project.raw.clone()),
        ],
    )
}
