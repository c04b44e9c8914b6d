//! GitOps in a full resync: the spec files of every healthy repository, read at the head of
//! the chosen branch; afterwards, the deletion of GitOps entities no file declares any more.

use futures::{StreamExt, stream};
use jiff::Timestamp;
use mapping_engine::Settings;

use super::{At, GitOps, Repo};
use crate::org::OrgScope;
use crate::reconcile::{Produced, reconcile};
use crate::report::{KindReport, ReconcileReport, ReconcileStatus};
use crate::resync::count_written;
use crate::sink::{EntitySink, SinkError, WriteOptions};

/// The kind name of GitOps reports in a resync report.
pub(crate) const KIND: &str = "gitops";

/// Repositories whose spec files are read at the same time; the client's request budget
/// bounds what is really in flight.
const REPOSITORIES_AT_ONCE: usize = 16;

/// Reads the spec files of every healthy repository of `org` at the head of its chosen branch
/// and writes the entities they declare through `sink` (the GitOps side of the resync's
/// sink): the organization's `gitops` report (at `resource_index`, after the mapping's
/// resources), and the entities declared, for [`delete_undeclared`]. Any failed read, invalid
/// spec file or entity, or rejected write fails the report.
pub(crate) async fn sync_organization(
    gitops: &GitOps,
    org: &OrgScope,
    sink: &dyn EntitySink,
    options: &WriteOptions,
    resource_index: usize,
) -> (KindReport, Produced) {
    let mut report = KindReport::new(org.name(), resource_index, KIND);
    let mut declared = Produced::default();
    let repositories = match org.repositories().await {
        Ok(repositories) => repositories,
        Err(error) => {
            report.error(format!("cannot list the repositories: {error}"));
            return (report, declared);
        }
    };
    let reads: Vec<_> = stream::iter(repositories.iter().filter(|repo| repo.healthy))
        .filter_map(|entry| async move {
            let branch = gitops.branch(entry.default_branch.as_deref())?;
            let repo = Repo {
                client: &org.client,
                project: &entry.project_id,
                id: &entry.id,
                name: entry.raw["name"].as_str().unwrap_or(&entry.id),
            };
            Some(async move {
                let read = gitops.declared(&repo, At::Branch(branch), true).await;
                (repo.name, read)
            })
        })
        .buffered(REPOSITORIES_AT_ONCE)
        .collect()
        .await;
    let mut entities = Vec::new();
    for (name, read) in reads {
        match read {
            Ok(declaration) => {
                report.counts.fetched += declaration.files;
                report.counts.failed += declaration.problems.len();
                for problem in declaration.problems {
                    report.error(problem);
                }
                entities.extend(declaration.entities);
            }
            Err(error) => report.error(format!("repository {name}: {error}")),
        }
    }
    report.counts.selected = entities.len();
    for entity in &entities {
        declared.record(entity, options.create_missing_related_entities);
        if let Some(blueprint) = entity.blueprint.as_str() {
            report.blueprints.insert(blueprint.to_owned());
        }
    }
    if !entities.is_empty() {
        let written = sink.write(&entities, options).await;
        count_written(&mut report, &mut declared, &entities, written);
    }
    (report, declared)
}

/// Deletes the GitOps entities of the store last updated before `started` that no spec file
/// declares any more, within `entityDeletionThreshold` of the `existing` GitOps entities
/// counted when the resync started; call it only when every part of the resync succeeded.
pub(crate) async fn delete_undeclared(
    sink: &dyn EntitySink,
    declared: &Produced,
    started: Timestamp,
    existing: Option<Result<usize, SinkError>>,
    settings: &Settings,
) -> ReconcileReport {
    match (sink.store(), existing) {
        (Some(store), Some(Ok(existing))) => {
            reconcile(store, declared, started, existing, settings).await
        }
        (Some(_), Some(Err(error))) => ReconcileReport::skipped(
            ReconcileStatus::Failed,
            format!("cannot count the existing GitOps entities: {error}"),
        ),
        _ => ReconcileReport::skipped(ReconcileStatus::Skipped, "the sink does not delete"),
    }
}
