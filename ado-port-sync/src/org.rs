//! One organization during one resync: its client, its identity fields, and the lists several
//! kinds share (projects, repositories), fetched once.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use ado_client::AdoClient;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt, TryStreamExt, stream};
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::kinds::Kind;

/// Concurrent per-project requests (tags, repository lists); the client's request budget
/// bounds what is really in flight.
const PER_PROJECT_CONCURRENCY: usize = 16;

/// Project states whose repositories are not synced by the per-repository kinds.
const UNHEALTHY_PROJECT_STATES: [&str; 4] = ["deleted", "deleting", "new", "createPending"];

/// A project as listed, kept for the kinds derived from it.
#[derive(Debug, Clone)]
pub(crate) struct ProjectEntry {
    pub(crate) id: String,
    /// The project exactly as Azure DevOps listed it.
    pub(crate) raw: Value,
}

/// A repository as listed, with what the per-repository kinds need.
#[derive(Debug, Clone)]
pub(crate) struct RepoEntry {
    pub(crate) id: String,
    pub(crate) project_id: String,
    pub(crate) default_branch: Option<String>,
    /// Not disabled, and its project is in a usable state.
    pub(crate) healthy: bool,
    /// The repository exactly as Azure DevOps listed it.
    pub(crate) raw: Value,
}

/// The state one organization's kinds share during a resync (or one fetch).
///
/// Dropped when the organization is done, so nothing outlives the resync.
pub(crate) struct OrgScope {
    pub(crate) client: AdoClient,
    excluded_tags: Arc<[String]>,
    url: Value,
    name: Value,
    projects: OnceCell<Arc<[ProjectEntry]>>,
    repositories: OnceCell<Arc<[RepoEntry]>>,
    /// The lists several resources of the resync read, fetched once.
    shared: Vec<SharedList>,
    memo: Arc<Memo>,
}

/// A list that several kinds read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SharedList {
    /// A project's builds: `build` and `pipeline-stage`.
    Builds,
    /// A project's builds changed since a cursor, in an incremental resync: `build`,
    /// `pipeline-stage` and `pipeline-run`.
    ChangedBuilds,
    /// A project's environments: `environment` and `pipeline-deployment`.
    Environments,
    /// A repository's policy configurations: every `repository-policy` resource.
    Policies,
    /// The organization's teams: `team` and `member`.
    Teams,
}

impl SharedList {
    const ALL: [SharedList; 5] = [
        Self::Builds,
        Self::ChangedBuilds,
        Self::Environments,
        Self::Policies,
        Self::Teams,
    ];

    fn readers(self) -> &'static [Kind] {
        match self {
            Self::Builds => &[Kind::BUILD, Kind::PIPELINE_STAGE],
            Self::ChangedBuilds => &[Kind::BUILD, Kind::PIPELINE_STAGE, Kind::PIPELINE_RUN],
            Self::Environments => &[Kind::ENVIRONMENT, Kind::PIPELINE_DEPLOYMENT],
            Self::Policies => &[Kind::REPOSITORY_POLICY],
            Self::Teams => &[Kind::TEAM, Kind::MEMBER],
        }
    }
}

/// One list, fetched by its first reader (an `Arc<Vec<T>>` of the list's item type).
type ListCell = Arc<OnceCell<Arc<dyn Any + Send + Sync>>>;

/// Lists fetched once per list and key (a project, a repository) and replayed to every
/// reader.
#[derive(Default)]
pub(crate) struct Memo {
    cells: Mutex<HashMap<String, ListCell>>,
}

/// The items of `list` as they come or, when several resources of the resync read that
/// list, fetched once per `key` and replayed to every reader.
pub(crate) fn listed_once<T, S>(
    org: &OrgScope,
    shared: SharedList,
    key: &str,
    list: S,
) -> BoxStream<'static, ado_client::Result<T>>
where
    T: Clone + Send + Sync + 'static,
    S: Stream<Item = ado_client::Result<T>> + Send + 'static,
{
    if !org.shared.contains(&shared) {
        return list.boxed();
    }
    let memo = Arc::clone(&org.memo);
    // The item type is part of the key, so a cell always holds this type.
    let key = format!("{shared:?}/{}/{key}", std::any::type_name::<T>());
    stream::once(async move {
        let cell = Arc::clone(
            memo.cells
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(key)
                .or_default(),
        );
        let items = cell
            .get_or_try_init(|| async {
                let items: Vec<T> = list.try_collect().await?;
                Ok::<_, ado_client::Error>(Arc::new(items) as Arc<dyn Any + Send + Sync>)
            })
            .await?;
        Arc::clone(items).downcast::<Vec<T>>().map_err(|_| {
            ado_client::Error::Config(format!("the shared {shared:?} list holds another type"))
        })
    })
    .map_ok(|items| stream::iter((0..items.len()).map(move |i| Ok(items[i].clone()))))
    .try_flatten()
    .boxed()
}

impl OrgScope {
    pub(crate) fn new(client: AdoClient, excluded_tags: Arc<[String]>) -> Arc<Self> {
        Self::for_kinds(client, excluded_tags, &[])
    }

    /// A scope for a resync of these resources' kinds: lists that several of them read are
    /// fetched once.
    pub(crate) fn for_kinds(
        client: AdoClient,
        excluded_tags: Arc<[String]>,
        kinds: &[Kind],
    ) -> Arc<Self> {
        let shared = SharedList::ALL
            .into_iter()
            .filter(|list| kinds.iter().filter(|k| list.readers().contains(k)).count() > 1)
            .collect();
        let organization = client.organization();
        let url = Value::String(organization.url().trim_end_matches('/').to_owned());
        let name = Value::String(organization.name().to_owned());
        Arc::new(Self {
            client,
            excluded_tags,
            url,
            name,
            projects: OnceCell::new(),
            repositories: OnceCell::new(),
            shared,
            memo: Arc::default(),
        })
    }

    /// The organization's name as reported (`fabrikam`, or a Server collection's name).
    pub(crate) fn name(&self) -> &str {
        self.client.organization().name()
    }

    /// Adds `__organizationUrl` and `__organizationName` to an item.
    pub(crate) fn stamp(&self, mut item: Value) -> Value {
        if let Value::Object(map) = &mut item {
            map.insert("__organizationUrl".into(), self.url.clone());
            map.insert("__organizationName".into(), self.name.clone());
        }
        item
    }

    /// The organization's projects, without those carrying an excluded tag; listed once.
    pub(crate) async fn projects(&self) -> ado_client::Result<Arc<[ProjectEntry]>> {
        self.projects
            .get_or_try_init(|| async {
                let listed: Vec<ProjectEntry> = self
                    .client
                    .projects()
                    .map_ok(|p| ProjectEntry {
                        id: p.item.id,
                        raw: p.raw,
                    })
                    .try_collect()
                    .await?;
                Ok(self.without_excluded(listed).await.into())
            })
            .await
            .cloned()
    }

    /// Drops projects carrying an excluded tag; a project whose tags cannot be read is kept.
    async fn without_excluded(&self, projects: Vec<ProjectEntry>) -> Vec<ProjectEntry> {
        if self.excluded_tags.is_empty() {
            return projects;
        }
        stream::iter(projects)
            .map(|project| async move {
                let excluded = match self.client.project_tags(&project.id).await {
                    Ok(tags) => tags.iter().any(|t| self.excluded_tags.contains(t)),
                    Err(error) => {
                        tracing::warn!(project = %project.id, %error, "cannot read project tags; keeping the project");
                        false
                    }
                };
                (!excluded).then_some(project)
            })
            .buffered(PER_PROJECT_CONCURRENCY)
            .filter_map(|p| async move { p })
            .collect()
            .await
    }

    /// The kept project with this id or name; `None` when unknown or excluded.
    pub(crate) async fn project(
        &self,
        id_or_name: &str,
    ) -> ado_client::Result<Option<ProjectEntry>> {
        Ok(self
            .projects()
            .await?
            .iter()
            .find(|p| p.id == id_or_name || p.raw["name"].as_str() == Some(id_or_name))
            .cloned())
    }

    /// Whether the project with this id survived the tag exclusion.
    pub(crate) async fn has_project(&self, project_id: &str) -> ado_client::Result<bool> {
        Ok(self.projects().await?.iter().any(|p| p.id == project_id))
    }

    /// Whether projects are filtered at all (so org-wide lists need filtering too).
    pub(crate) fn excludes_projects(&self) -> bool {
        !self.excluded_tags.is_empty()
    }

    /// Every repository of the kept projects (disabled ones included); listed once.
    pub(crate) async fn repositories(&self) -> ado_client::Result<Arc<[RepoEntry]>> {
        self.repositories
            .get_or_try_init(|| async {
                let projects = self.projects().await?;
                let ids: Vec<String> = projects.iter().map(|p| p.id.clone()).collect();
                let per_project: Vec<Vec<RepoEntry>> = stream::iter(ids)
                    .map(|project_id| {
                        let client = self.client.clone();
                        async move {
                            client
                                .repositories(&project_id)
                                .map_ok(|r| repo_entry(r.item, r.raw, &project_id))
                                .try_collect::<Vec<_>>()
                                .await
                        }
                    })
                    .buffered(PER_PROJECT_CONCURRENCY)
                    .try_collect()
                    .await?;
                Ok(per_project.into_iter().flatten().collect())
            })
            .await
            .cloned()
    }
}

/// A listed (or read) repository, reduced to what the per-repository kinds need.
pub(crate) fn repo_entry(
    repo: ado_client::models::GitRepository,
    raw: Value,
    project_id: &str,
) -> RepoEntry {
    let project_state = repo.project.as_ref().and_then(|p| p.state.as_deref());
    let healthy = !repo.is_disabled.unwrap_or(false)
        && !project_state.is_some_and(|s| UNHEALTHY_PROJECT_STATES.contains(&s));
    RepoEntry {
        project_id: repo
            .project
            .as_ref()
            .and_then(|p| p.id.clone())
            .unwrap_or_else(|| project_id.to_owned()),
        id: repo.id,
        default_branch: repo.default_branch,
        healthy,
        raw,
    }
}
