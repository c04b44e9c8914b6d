//! Items of a kind, read by a key an event names, enriched exactly as the kind lists them:
//! what live events upsert and delete.

use std::sync::Arc;

use ado_client::ReleaseDeploymentQuery;
use futures::{StreamExt, TryStreamExt};
use serde_json::Value;

use super::options::{DEFAULT_WORK_ITEM_EXPAND, KindOptions};
use super::{Kind, KindRequest, build, enrich, files, git, pipelines, test, wiki, work};
use crate::org::{OrgScope, ProjectEntry, RepoEntry};

/// Deployments of one definition environment looked at to find one release's deployment.
const DEPLOYMENTS_SCANNED: usize = 100;

/// Which items of which kind, as an event names them. Every key names the items' project (id
/// or name), so projects carrying an excluded tag are left out as in a resync.
#[derive(Debug, Clone)]
pub(crate) enum ItemKey {
    /// A pull request by id.
    PullRequest { project: String, id: i64 },
    /// A repository by id; `removed` names its entity once Azure DevOps no longer has it;
    /// `former_name` is its name before a rename.
    Repository {
        project: String,
        id: String,
        removed: Option<Value>,
        former_name: Option<String>,
    },
    /// A branch of a repository; `repository` is the repository as the event names it.
    Branch {
        project: String,
        repository: Value,
        ref_name: String,
    },
    /// A build by id.
    Build { project: String, id: i64 },
    /// The stages of a build, or the one named (by timeline `identifier`, `name` or `id`).
    Stages {
        project: String,
        build: i64,
        stage: Option<String>,
    },
    /// The test runs of a build.
    TestRuns { project: String, build: i64 },
    /// A run of a YAML pipeline.
    PipelineRun {
        project: String,
        pipeline: i64,
        run: i64,
    },
    /// A work item by id; `removed` (the item as the event carried it) names its entity once
    /// Azure DevOps no longer has it.
    WorkItem {
        project: String,
        id: i64,
        removed: Option<Value>,
    },
    /// A file a push to `branch` changed.
    File {
        repo: Arc<RepoEntry>,
        branch: String,
        path: String,
    },
    /// A folder a push to `branch` changed (itself or something in it).
    Folder {
        repo: Arc<RepoEntry>,
        branch: String,
        path: String,
    },
    /// The wikis published from a repository a push changed; `before` holds each branch the
    /// push moved with its commit before the push, to find the pages gone since.
    Wiki {
        repo: Arc<RepoEntry>,
        before: Vec<(String, String)>,
    },
    /// A classic release.
    Release { project: String, id: i64 },
    /// A classic release definition.
    ReleaseDefinition { project: String, id: i64 },
    /// The deployment of a release to one definition environment.
    ReleaseDeployment {
        project: String,
        release: i64,
        environment: i64,
    },
    /// An Advanced Security alert of a repository (id or name).
    Alert {
        project: String,
        repository: String,
        id: i64,
    },
}

/// What Azure DevOps answered for a key.
#[derive(Debug)]
pub(crate) enum Lookup {
    /// The items, read again and enriched.
    Found(Vec<Value>),
    /// The kind no longer lists the items: Azure DevOps confirmed them gone (not found), or
    /// the kind's selector options now leave them out. The values (enriched like the kind's
    /// items) name their entities, when the event says enough to name them.
    Gone(Vec<Value>),
    /// A renamed item as it is now, and as it was (named as before), which Azure DevOps
    /// confirms no longer exists under that name.
    Renamed { current: Value, former: Value },
    /// The items listed now, and the items an earlier listing had that Azure DevOps no
    /// longer lists.
    Relisted { found: Vec<Value>, gone: Vec<Value> },
    /// Nothing to read, and why.
    Skipped(String),
}

impl ItemKey {
    /// The kind of the items.
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Self::PullRequest { .. } => Kind::PullRequest,
            Self::Repository { .. } => Kind::Repository,
            Self::Branch { .. } => Kind::Branch,
            Self::Build { .. } => Kind::Build,
            Self::Stages { .. } => Kind::PipelineStage,
            Self::TestRuns { .. } => Kind::TestRun,
            Self::PipelineRun { .. } => Kind::PipelineRun,
            Self::WorkItem { .. } => Kind::WorkItem,
            Self::File { .. } => Kind::File,
            Self::Folder { .. } => Kind::Folder,
            Self::Wiki { .. } => Kind::Wiki,
            Self::Release { .. } => Kind::Release,
            Self::ReleaseDefinition { .. } => Kind::ReleaseDefinition,
            Self::ReleaseDeployment { .. } => Kind::ReleaseDeployment,
            Self::Alert { .. } => Kind::AdvancedSecurityAlert,
        }
    }

    fn project(&self) -> &str {
        match self {
            Self::PullRequest { project, .. }
            | Self::Repository { project, .. }
            | Self::Branch { project, .. }
            | Self::Build { project, .. }
            | Self::Stages { project, .. }
            | Self::TestRuns { project, .. }
            | Self::PipelineRun { project, .. }
            | Self::WorkItem { project, .. }
            | Self::Release { project, .. }
            | Self::ReleaseDefinition { project, .. }
            | Self::ReleaseDeployment { project, .. }
            | Self::Alert { project, .. } => project,
            Self::File { repo, .. } | Self::Folder { repo, .. } | Self::Wiki { repo, .. } => {
                &repo.project_id
            }
        }
    }
}

impl KindRequest {
    /// The enriched items `key` names, with this request's selector options; whether Azure
    /// DevOps confirms them gone (404); or why there is nothing to read (unknown or excluded
    /// project, a key of another kind, a path the selector does not name).
    pub(crate) async fn lookup(&self, org: &OrgScope, key: &ItemKey) -> ado_client::Result<Lookup> {
        if key.kind() != self.kind() {
            return Ok(Lookup::Skipped(format!("not a {} item", self.kind())));
        }
        let Some(project) = org.project(key.project()).await? else {
            return Ok(Lookup::Skipped(
                "its project is unknown or excluded".to_owned(),
            ));
        };
        let lookup = self.read(org, &project, key).await?;
        Ok(match lookup {
            Lookup::Found(items) => Lookup::Found(stamped(org, items)),
            Lookup::Gone(items) => Lookup::Gone(stamped(org, items)),
            Lookup::Renamed { current, former } => Lookup::Renamed {
                current: org.stamp(current),
                former: org.stamp(former),
            },
            Lookup::Relisted { found, gone } => Lookup::Relisted {
                found: stamped(org, found),
                gone: stamped(org, gone),
            },
            skipped @ Lookup::Skipped(_) => skipped,
        })
    }

    async fn read(
        &self,
        org: &OrgScope,
        project: &ProjectEntry,
        key: &ItemKey,
    ) -> ado_client::Result<Lookup> {
        let client = &org.client;
        Ok(match key {
            ItemKey::PullRequest { id, .. } => one(
                found(client.pull_request(*id).await)?.map(|pr| pr.raw),
                None,
            ),
            ItemKey::Repository {
                id,
                removed,
                former_name,
                ..
            } => {
                let files = match &self.options {
                    KindOptions::Repository { included_files } => included_files.as_slice(),
                    _ => &[],
                };
                let read = found(git::repository(org, &project.id, id, files).await)?;
                match (read, former_name) {
                    (Some(current), Some(name)) if current["name"] != name.as_str() => {
                        // Only a name no repository answers to any more names a gone entity.
                        if found(client.repository(&project.id, name).await)?.is_some() {
                            one(Some(current), None)
                        } else {
                            let mut former = current.clone();
                            former["name"] = Value::String(name.clone());
                            Lookup::Renamed { current, former }
                        }
                    }
                    (read, _) => one(read, removed.clone()),
                }
            }
            ItemKey::Branch {
                repository,
                ref_name,
                ..
            } => branch(org, project, repository, ref_name).await?,
            ItemKey::Build { id, .. } => one(
                found(client.build(&project.id, *id).await)?
                    .map(|b| build::build_item(b.raw, project)),
                None,
            ),
            ItemKey::Stages { build, stage, .. } => {
                let Some(read) = found(client.build(&project.id, *build).await)? else {
                    return Ok(Lookup::Gone(Vec::new()));
                };
                let stages: Vec<Value> =
                    build::build_stages(client, Arc::new(project.clone()), read)
                        .try_filter(|record| {
                            std::future::ready(stage.as_deref().is_none_or(|wanted| {
                                ["identifier", "name", "id"]
                                    .iter()
                                    .any(|field| record[field].as_str() == Some(wanted))
                            }))
                        })
                        .try_collect()
                        .await?;
                Lookup::Found(stages)
            }
            ItemKey::TestRuns { build, .. } => {
                let KindOptions::TestRun {
                    include_results,
                    coverage_flags,
                } = self.options
                else {
                    return Ok(Lookup::Skipped("not a test-run resource".into()));
                };
                let runs = client.build_test_runs(&project.id, *build);
                let mut items = Vec::new();
                futures::pin_mut!(runs);
                while let Some(run) = runs.try_next().await? {
                    items.push(
                        test::test_run_item(
                            client,
                            &project.id,
                            run,
                            include_results,
                            coverage_flags,
                        )
                        .await?,
                    );
                }
                Lookup::Found(items)
            }
            ItemKey::PipelineRun { pipeline, run, .. } => {
                let item = match found(client.pipeline_run(&project.id, *pipeline, *run).await)? {
                    Some(run) => found(client.pipeline(&project.id, *pipeline).await)?
                        .map(|p| pipelines::run_item(run.raw, project, p.raw)),
                    None => None,
                };
                one(item, None)
            }
            ItemKey::WorkItem { id, removed, .. } => {
                let (condition, expand) = match &self.options {
                    KindOptions::WorkItem { condition, expand } => (condition.as_deref(), *expand),
                    _ => (None, DEFAULT_WORK_ITEM_EXPAND),
                };
                let item = found(
                    client
                        .work_items(&project.id, &[*id], Some(expand))
                        .try_next()
                        .await,
                )?
                .flatten()
                .map(|item| work::work_item(item.raw, project));
                match (item, condition) {
                    // The resync lists only work items meeting the selector's WIQL.
                    (Some(item), Some(condition)) => listed_if(
                        item,
                        client.work_item_meets(&project.id, condition, *id).await?,
                    ),
                    (item, _) => one(
                        item,
                        removed.clone().map(|item| work::work_item(item, project)),
                    ),
                }
            }
            ItemKey::File { repo, branch, path } => match &self.options {
                KindOptions::File(query) => {
                    files::changed_file(org, repo, branch, path, query).await?
                }
                _ => Lookup::Skipped("not a file resource".into()),
            },
            ItemKey::Folder { repo, branch, path } => match &self.options {
                KindOptions::Folder(query) => {
                    git::changed_folders(org, repo, branch, path, query).await?
                }
                _ => Lookup::Skipped("not a folder resource".into()),
            },
            ItemKey::Wiki { repo, before } => {
                let KindOptions::Wiki {
                    wiki_type,
                    include_content,
                } = self.options
                else {
                    return Ok(Lookup::Skipped("not a wiki resource".into()));
                };
                let project = Arc::new(project.clone());
                let wikis: Vec<_> = client
                    .wikis(&project.id)
                    .try_filter(|listed| {
                        std::future::ready(
                            listed.item.repository_id.as_deref() == Some(repo.id.as_str())
                                && wiki::is_of_type(&listed.item, wiki_type),
                        )
                    })
                    .try_collect()
                    .await?;
                let (mut found, mut gone) = (Vec::new(), Vec::new());
                for listed in wikis {
                    // The commit the wiki's published branch had before the push, if it moved.
                    let earlier = before
                        .iter()
                        .find(|(branch, _)| listed.item.published_branch() == Some(branch))
                        .map(|(_, commit)| commit.as_str());
                    let (wiki_id, wiki_raw) = (listed.item.id.clone(), listed.raw.clone());
                    let pages: Vec<Value> = wiki::wiki_page_items(
                        client,
                        Arc::clone(&project),
                        listed,
                        include_content,
                    )
                    .try_collect()
                    .await?;
                    if let Some(commit) = earlier {
                        let removed = wiki::removed_pages(
                            client, &project, &wiki_id, &wiki_raw, commit, &pages,
                        );
                        gone.extend(removed.await?);
                    }
                    found.extend(pages);
                }
                Lookup::Relisted { found, gone }
            }
            ItemKey::Release { id, .. } => {
                let Some(release) = found(client.release(&project.id, *id).await)? else {
                    return Ok(Lookup::Gone(Vec::new()));
                };
                let listed = match &self.options {
                    KindOptions::Release(query) => query.matches(&release.item),
                    _ => true,
                };
                listed_if(release.raw, listed)
            }
            ItemKey::ReleaseDefinition { id, .. } => one(
                found(client.release_definition(&project.id, *id).await)?
                    .map(|d| enrich(d.raw, [("__project", project.raw.clone())])),
                None,
            ),
            ItemKey::ReleaseDeployment {
                release,
                environment,
                ..
            } => release_deployment(org, project, *release, *environment).await?,
            ItemKey::Alert { repository, id, .. } => {
                let Some(repo) = found(client.repository(&project.id, repository).await)? else {
                    return Ok(Lookup::Gone(Vec::new()));
                };
                let Some(alert) = found(
                    client
                        .advanced_security_alert(&project.id, &repo.item.id, *id)
                        .await,
                )?
                else {
                    return Ok(Lookup::Gone(Vec::new()));
                };
                let criteria = match &self.options {
                    KindOptions::AdvancedSecurityAlert(criteria) => criteria.matches(&alert.item),
                    _ => true,
                };
                let item = enrich(
                    alert.raw,
                    [
                        ("__repositoryId", Value::String(repo.item.id.clone())),
                        ("__projectId", Value::String(project.id.clone())),
                    ],
                );
                listed_if(item, criteria)
            }
        })
    }
}

/// The branch `ref_name` as listed now: found with its current head, or gone (the repository
/// or the ref no longer exists).
async fn branch(
    org: &OrgScope,
    project: &ProjectEntry,
    repository: &Value,
    ref_name: &str,
) -> ado_client::Result<Lookup> {
    let removed =
        |repository: Value| Lookup::Gone(vec![git::branch_item(ref_name, None, repository)]);
    let Some(id) = repository["id"].as_str() else {
        return Ok(Lookup::Skipped("the event names no repository id".into()));
    };
    let Some(repo) = found(org.client.repository(&project.id, id).await)? else {
        return Ok(removed(repository.clone()));
    };
    let listed = org
        .client
        .branches(&project.id, id)
        .try_filter(|branch| std::future::ready(branch.item.name == ref_name))
        .try_next()
        .await;
    Ok(match found(listed)?.flatten() {
        Some(branch) => Lookup::Found(vec![git::branch_item(
            ref_name,
            branch.item.object_id,
            repo.raw,
        )]),
        None => removed(repo.raw),
    })
}

/// The latest deployment of `release` to the definition environment `environment`, among the
/// newest deployments of that environment.
async fn release_deployment(
    org: &OrgScope,
    project: &ProjectEntry,
    release: i64,
    environment: i64,
) -> ado_client::Result<Lookup> {
    let Some(read) = found(org.client.release(&project.id, release).await)? else {
        return Ok(Lookup::Gone(Vec::new()));
    };
    let Some(definition) = read.raw["releaseDefinition"]["id"].as_i64() else {
        return Ok(Lookup::Skipped("the release names no definition".into()));
    };
    let query = ReleaseDeploymentQuery::new()
        .definition_id(definition)
        .definition_environment_id(environment)
        .deployment_status("all");
    let deployment = org
        .client
        .release_deployments(&project.id, &query)
        .take(DEPLOYMENTS_SCANNED)
        .try_filter(|deployment| {
            std::future::ready(deployment.raw["release"]["id"].as_i64() == Some(release))
        })
        .try_next()
        .await?;
    Ok(one(deployment.map(|deployment| deployment.raw), None))
}

/// An item the kind lists only when its selector options keep it: found, or gone (its
/// entity goes).
fn listed_if(item: Value, kept: bool) -> Lookup {
    if kept {
        Lookup::Found(vec![item])
    } else {
        Lookup::Gone(vec![item])
    }
}

/// One item read by id: found, or gone (named by `removed` when the event says enough).
fn one(item: Option<Value>, removed: Option<Value>) -> Lookup {
    match item {
        Some(item) => Lookup::Found(vec![item]),
        None => Lookup::Gone(removed.into_iter().collect()),
    }
}

fn stamped(org: &OrgScope, items: Vec<Value>) -> Vec<Value> {
    items.into_iter().map(|item| org.stamp(item)).collect()
}

/// "Not found" (a 404 with an Azure DevOps error body) as `None`.
fn found<T>(result: ado_client::Result<T>) -> ado_client::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}
