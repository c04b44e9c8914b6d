//! `folder`.

use std::sync::Arc;

use ado_client::models::GitItem;
use ado_client::pager::Listed;
use futures::{StreamExt, TryStreamExt, stream};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::glob::PathPattern;
use super::item::{ItemKey, Lookup, LookupResult};
use super::listing::{FAN_OUT, enrich, nested, repositories_where};
use super::options::{OptionError, string_list, text};
use super::repository::included_files;
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry, RepoEntry};

/// `folder`, with its selector options: where to look and what to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Folder {
    /// Only repositories of the project with this name (`project_name`).
    project_name: Option<String>,
    /// The folder patterns (`folders`).
    patterns: Vec<FolderPattern>,
    /// Files to read in each folder (`includedFiles`).
    included_files: Vec<String>,
}

impl Folder {
    /// Whether `repo` is in the selected project (any project without `project_name`).
    fn has_project_of(&self, repo: &RepoEntry) -> bool {
        self.project_name.as_deref().is_none_or(|wanted| {
            repo.raw["project"]["name"]
                .as_str()
                .is_some_and(|name| name.eq_ignore_ascii_case(wanted))
        })
    }
}

/// One entry of `folders`: a path pattern and the repositories (with branches) it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FolderPattern {
    /// The path pattern.
    path: PathPattern,
    /// The repositories by name, each with an optional branch; empty means every repository.
    repos: Vec<(String, Option<String>)>,
}

impl FolderPattern {
    /// The branch to look at in `repo`, or `None` when the pattern does not name it or the
    /// repository has no default branch to fall back on.
    fn branch_for(&self, repo: &RepoEntry) -> Option<String> {
        let default = || {
            repo.default_branch
                .as_deref()
                .map(|b| b.strip_prefix("refs/heads/").unwrap_or(b).to_owned())
        };
        if self.repos.is_empty() {
            return default();
        }
        let name = repo.raw["name"].as_str()?;
        let (_, branch) = self
            .repos
            .iter()
            .find(|(wanted, _)| wanted.eq_ignore_ascii_case(name))?;
        branch.clone().or_else(default)
    }
}

impl KindSource for Folder {
    const NAME: &str = "folder";
    const CALLS: &[&str] = &[
        "GET {project}/_apis/git/repositories/{id}/items?scopePath={pattern base}&recursionLevel per healthy repository and pattern, at the pattern's branch",
        "with includedFiles: GET {project}/_apis/git/repositories/{id}/items per folder and file",
    ];
    const ENRICHMENT: &[&str] = &["__repository", "__branch", "__pattern", "__includedFiles"];
    const OPTIONS: &[&str] = &["project_name", "folders", "includedFiles"];

    /// Per healthy repository (of the `project_name` project when set) and per folder pattern
    /// naming it (or naming no repository), the folders matching the pattern at the pattern's
    /// branch (the default branch unless given), with `__repository`, `__branch`,
    /// `__pattern` and, when files are requested, `__includedFiles` (paths relative to the
    /// folder).
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        let query = Arc::new(self.clone());
        let selected = Arc::clone(&query);
        let repositories =
            repositories_where(org, move |r| r.healthy && selected.has_project_of(r));
        let files: Arc<[String]> = query.included_files.clone().into();
        nested(
            org,
            repositories,
            move |_, repo| {
                let lookups: Vec<ado_client::Result<(PathPattern, String)>> = query
                    .patterns
                    .iter()
                    .filter_map(|pattern| {
                        let branch = pattern.branch_for(repo)?;
                        Some(Ok((pattern.path.clone(), branch)))
                    })
                    .collect();
                stream::iter(lookups)
            },
            move |org, repo, (pattern, branch)| {
                pattern_folders(
                    Arc::clone(org),
                    Arc::clone(repo),
                    pattern,
                    branch,
                    Arc::clone(&files),
                )
            },
        )
    }

    /// The `folder` items of a path after a push to a branch of a repository: one per pattern
    /// of this selector that matches the path at that branch, read again; gone when Azure
    /// DevOps no longer has the folder (then `{path, isFolder}` items with the enrichment name
    /// the entities).
    async fn lookup(&self, org: &OrgScope, _project: &ProjectEntry, key: &ItemKey) -> LookupResult {
        let ItemKey::Folder { repo, branch, path } = key else {
            return Ok(Lookup::other_kind(Self::NAME));
        };
        let branch = branch.strip_prefix("refs/heads/").unwrap_or(branch);
        let patterns: Vec<&PathPattern> = self
            .patterns
            .iter()
            .filter(|pattern| {
                pattern.branch_for(repo).as_deref() == Some(branch) && pattern.path.matches(path)
            })
            .map(|pattern| &pattern.path)
            .collect();
        if !repo.healthy || !self.has_project_of(repo) || patterns.is_empty() {
            return Ok(Lookup::Skipped(format!("{path} is not selected")));
        }
        let read = org
            .client
            .file(&repo.project_id, &repo.id, path, branch)
            .await?
            .filter(|item| item.item.is_folder == Some(true));
        let Some(read) = read else {
            let stub = json!({"path": path, "isFolder": true});
            return Ok(Lookup::Gone(
                patterns
                    .into_iter()
                    .map(|pattern| folder_stub(stub.clone(), repo, pattern, branch))
                    .collect(),
            ));
        };
        let mut folders = Vec::new();
        for pattern in patterns {
            folders.push(
                folder_item(
                    org,
                    repo,
                    pattern,
                    branch,
                    read.clone(),
                    &self.included_files,
                )
                .await?,
            );
        }
        Ok(Lookup::Found(folders))
    }

    /// `project_name`, `folders` (`[{path, repos: [{name, branch}]}]`, a repository also
    /// given as a bare name) and `includedFiles`.
    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError> {
        let invalid = |message: String| OptionError::new("folders", message);
        let entries = match options.get("folders") {
            Some(Value::Array(entries)) if !entries.is_empty() => entries,
            other => {
                return Err(invalid(format!(
                    "must be a non-empty list of {{path, repos}}, got {}",
                    other.unwrap_or(&Value::Null)
                )));
            }
        };
        let patterns = entries
            .iter()
            .map(|entry| {
                let Value::Object(entry) = entry else {
                    return Err(invalid(format!(
                        "entries must be {{path, repos}}, got {entry}"
                    )));
                };
                let path = text(entry, "path")
                    .ok()
                    .flatten()
                    .ok_or_else(|| invalid("entries need a non-empty `path`".to_owned()))?;
                let repos = match entry.get("repos") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(repos)) => repos
                        .iter()
                        .map(|repo| {
                            repo_branch(repo).ok_or_else(|| {
                                invalid(format!(
                                    "repos must be names or {{name, branch}}, got {repo}"
                                ))
                            })
                        })
                        .collect::<Result<_, _>>()?,
                    Some(other) => {
                        return Err(invalid(format!("repos must be a list, got {other}")));
                    }
                };
                Ok(FolderPattern {
                    path: PathPattern::new(&path),
                    repos,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            project_name: text(options, "project_name")?,
            patterns,
            included_files: string_list(options, "includedFiles")?,
        })
    }
}

/// The folders of one repository matching one pattern.
fn pattern_folders(
    org: Arc<OrgScope>,
    repo: Arc<RepoEntry>,
    pattern: PathPattern,
    branch: String,
    files: Arc<[String]>,
) -> ItemStream {
    let listing = org.client.items(
        &repo.project_id,
        &repo.id,
        &pattern.base(),
        pattern.recursion(),
        &branch,
    );
    let pattern = Arc::new(pattern);
    let matcher = Arc::clone(&pattern);
    listing
        .try_filter(move |item| {
            let folder = item.item.is_folder == Some(true)
                && item
                    .item
                    .path
                    .as_deref()
                    .is_some_and(|p| matcher.matches(p));
            std::future::ready(folder)
        })
        .map(move |item| {
            let org = Arc::clone(&org);
            let repo = Arc::clone(&repo);
            let pattern = Arc::clone(&pattern);
            let branch = branch.clone();
            let files = Arc::clone(&files);
            async move { folder_item(&org, &repo, &pattern, &branch, item?, &files).await }
        })
        .buffered(FAN_OUT)
        .boxed()
}

/// A `folder` item: the Git item with `__repository`, `__branch`, `__pattern` and, when
/// files are requested, `__includedFiles`.
async fn folder_item(
    org: &OrgScope,
    repo: &RepoEntry,
    pattern: &PathPattern,
    branch: &str,
    item: Listed<GitItem>,
    files: &[String],
) -> ado_client::Result<Value> {
    let mut folder = folder_stub(item.raw, repo, pattern, branch);
    if !files.is_empty() {
        let dir = item.item.path.unwrap_or_default();
        let included = included_files(org, repo, Some(branch), &dir, files).await?;
        folder = enrich(folder, [("__includedFiles", included)]);
    }
    Ok(folder)
}

fn folder_stub(item: Value, repo: &RepoEntry, pattern: &PathPattern, branch: &str) -> Value {
    enrich(
        item,
        [
            ("__repository", repo.raw.clone()),
            ("__branch", Value::String(branch.to_owned())),
            ("__pattern", Value::String(pattern.as_str().to_owned())),
        ],
    )
}

/// A repository of a folder pattern: `"name"` or `{name, branch}`.
fn repo_branch(repo: &Value) -> Option<(String, Option<String>)> {
    match repo {
        Value::String(name) if !name.is_empty() => Some((name.clone(), None)),
        Value::Object(fields) => {
            let name = text(fields, "name").ok().flatten()?;
            let branch = text(fields, "branch").ok()?;
            Some((name, branch))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn folder_options() {
        let parsed_options = parsed::<Folder>(json!({
            "project_name": "Fabrikam Web",
            "folders": [
                {"path": "/services/*", "repos": ["web", {"name": "api", "branch": "dev"}]},
                {"path": "/docs"}
            ],
            "includedFiles": ["README.md"]
        }));
        assert_eq!(
            parsed_options,
            Ok(Folder {
                project_name: Some("Fabrikam Web".into()),
                patterns: vec![
                    FolderPattern {
                        path: PathPattern::new("/services/*"),
                        repos: vec![("web".into(), None), ("api".into(), Some("dev".into()))],
                    },
                    FolderPattern {
                        path: PathPattern::new("/docs"),
                        repos: Vec::new(),
                    },
                ],
                included_files: vec!["README.md".into()],
            })
        );
        for bad in [
            json!({}),
            json!({"folders": []}),
            json!({"folders": ["/services"]}),
            json!({"folders": [{"repos": ["web"]}]}),
            json!({"folders": [{"path": "/a", "repos": [{"branch": "main"}]}]}),
            json!({"folders": [{"path": "/a", "repos": "web"}]}),
        ] {
            let err = parsed::<Folder>(bad.clone()).unwrap_err();
            assert_eq!(err.option, "folders", "{bad}");
        }
        let err =
            parsed::<Folder>(json!({"folders": [{"path": "/a"}], "project_name": 1})).unwrap_err();
        assert_eq!(err.option, "project_name");
    }
}
