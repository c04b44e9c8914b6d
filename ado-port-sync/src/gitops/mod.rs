//! GitOps: entities repositories declare in spec files (`specPath`, default `port.yml`),
//! written through the sink's [`gitops`](crate::EntitySink::gitops) side (Port's `gitops`
//! datasource), so that the exporter's reconciliation never deletes them.
//!
//! - Live events: a `git.push` that moves the chosen branch (the repository's default
//!   branch, or `branch` with `useDefaultBranch: false`) reads the spec files at the commits
//!   before and after the push; the entities declared after are upserted, those declared only
//!   before are deleted.
//! - Resyncs, when the mapping sets `specPath`: the spec files of every healthy repository
//!   are read at the head of the chosen branch and their entities upserted; once every part
//!   of the resync succeeded, GitOps entities no spec file declares any more are deleted.
//!
//! A spec file that cannot be parsed, an entity without identifier or blueprint, or a
//! `file://` value that cannot be read is reported with the file, the repository and the
//! entity's index, and never leads to a deletion.

mod live;
mod resync;
mod spec;

use std::fmt;

use ado_client::AdoClient;
use ado_client::models::GitItem;
use ado_client::pager::Listed;
use mapping_engine::{Entity, SpecFiles};

pub(crate) use self::resync::{KIND, delete_undeclared, sync_organization};

/// Which spec files GitOps reads, on which branch.
#[derive(Debug, Clone)]
pub(crate) struct GitOps {
    /// Repository paths, each starting with `/`.
    paths: Vec<String>,
    /// The branch read when not the repository's default one, without `refs/heads/`.
    branch: String,
    use_default_branch: bool,
}

impl GitOps {
    /// GitOps as the mapping configures it; `None` when `specPath` lists no file.
    pub(crate) fn new(spec: &SpecFiles) -> Option<Self> {
        if spec.paths.is_empty() {
            return None;
        }
        Some(Self {
            paths: spec
                .paths
                .iter()
                .map(|path| format!("/{}", path.trim_start_matches('/')))
                .collect(),
            branch: short_branch(&spec.branch).to_owned(),
            use_default_branch: spec.use_default_branch,
        })
    }

    /// The branch read in a repository whose default branch is `default_branch`; `None` when
    /// it is the default branch and the repository has none (an empty repository).
    fn branch<'a>(&'a self, default_branch: Option<&'a str>) -> Option<&'a str> {
        if self.use_default_branch {
            default_branch.map(short_branch)
        } else {
            Some(&self.branch)
        }
    }

    /// What the spec files of `repo` declare at `at`; with `read_files`, `file://` property
    /// values are replaced by the content of the files they name, at the same commit. A
    /// missing spec file declares nothing.
    ///
    /// # Errors
    ///
    /// A read of a spec file or a `file://` file that failed other than with "not found".
    async fn declared(
        &self,
        repo: &Repo<'_>,
        at: At<'_>,
        read_files: bool,
    ) -> ado_client::Result<Declaration> {
        let mut declaration = Declaration::empty();
        for path in &self.paths {
            let Some(file) = repo.read(path, at).await? else {
                continue;
            };
            declaration.files += 1;
            let place = format!("{path} in repository {} at {at}", repo.name);
            if file.item.is_folder == Some(true) {
                declaration.unreadable(format!("{place}: is a folder"));
                continue;
            }
            let entities = match spec::parse(file.item.content.as_deref().unwrap_or_default()) {
                Ok(entities) => entities,
                Err(why) => {
                    declaration.unreadable(format!("{place}: {why}"));
                    continue;
                }
            };
            // Files named by `file://` are read at the commit the spec file was read at.
            let commit = file.item.commit_id.as_deref().map_or(at, At::Commit);
            for (index, entity) in entities.into_iter().enumerate() {
                let entity = match entity {
                    Ok(entity) if read_files => repo.with_files(entity, path, commit).await?,
                    entity => entity,
                };
                match entity {
                    Ok(entity) => declaration.entities.push(entity),
                    Err(why) => declaration
                        .problems
                        .push(format!("{place}: entity [{index}]: {why}")),
                }
            }
        }
        Ok(declaration)
    }
}

/// `main` for `refs/heads/main`.
fn short_branch(branch: &str) -> &str {
    branch.strip_prefix("refs/heads/").unwrap_or(branch)
}

/// A repository spec files are read from.
struct Repo<'a> {
    client: &'a AdoClient,
    project: &'a str,
    id: &'a str,
    /// The name messages use.
    name: &'a str,
}

/// The version a file is read at.
#[derive(Debug, Clone, Copy)]
enum At<'a> {
    /// The head of a branch.
    Branch(&'a str),
    /// A commit (full id).
    Commit(&'a str),
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Branch(branch) => write!(f, "branch {branch}"),
            Self::Commit(commit) => write!(f, "commit {}", commit.get(..8).unwrap_or(commit)),
        }
    }
}

impl Repo<'_> {
    /// A file with its content at `at`; `None` when it does not exist there.
    async fn read(&self, path: &str, at: At<'_>) -> ado_client::Result<Option<Listed<GitItem>>> {
        match at {
            At::Branch(branch) => self.client.file(self.project, self.id, path, branch).await,
            At::Commit(commit) => {
                self.client
                    .file_at_commit(self.project, self.id, path, commit)
                    .await
            }
        }
    }

    /// `entity` with each `file://` property value replaced by the content of the file it
    /// names (relative to the spec file at `spec_path`), read at `at`; what is wrong when a
    /// file cannot be read.
    async fn with_files(
        &self,
        mut entity: Entity,
        spec_path: &str,
        at: At<'_>,
    ) -> ado_client::Result<Result<Entity, String>> {
        let Some(properties) = entity.properties.as_mut() else {
            return Ok(Ok(entity));
        };
        for (key, path) in spec::file_references(properties, spec::folder(spec_path)) {
            let value = match path {
                Ok(path) => match self.read(&path, at).await? {
                    Some(file) => spec::file_value(&path, file.item.content.unwrap_or_default()),
                    None => Err(format!("{path} does not exist at {at}")),
                },
                Err(why) => Err(why),
            };
            match value {
                Ok(value) => {
                    properties.insert(key, value);
                }
                Err(why) => return Ok(Err(format!("property `{key}`: {why}"))),
            }
        }
        Ok(Ok(entity))
    }
}

/// What a repository's spec files declare at one version.
#[derive(Debug)]
struct Declaration {
    /// The valid entities, in file order.
    entities: Vec<Entity>,
    /// Spec files found.
    files: usize,
    /// What is wrong, one line per file or entity (file, repository, version, index).
    problems: Vec<String>,
    /// Whether every spec file could be read as a whole; when not, what the files declare is
    /// not known.
    complete: bool,
}

impl Declaration {
    /// Nothing declared: no spec file, or no commit (a ref created or deleted).
    fn empty() -> Self {
        Self {
            entities: Vec::new(),
            files: 0,
            problems: Vec::new(),
            complete: true,
        }
    }

    /// A spec file that cannot be read as a whole.
    fn unreadable(&mut self, problem: String) {
        self.problems.push(problem);
        self.complete = false;
    }
}
