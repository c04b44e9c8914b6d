//! `repository`.

use std::sync::Arc;

use futures::stream;
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::item::{ItemKey, Lookup, LookupResult, found, one};
use super::listing::{FAN_OUT, enrich, for_each_at, repositories_where};
use super::options::{OptionError, string_list};
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry, RepoEntry, repo_entry};

/// `repository`, with its selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Repository {
    /// `includedFiles`: files to read from each default branch.
    included_files: Vec<String>,
}

impl KindSource for Repository {
    const NAME: &str = "repository";
    const CALLS: &[&str] = &[
        "GET {project}/_apis/git/repositories per project",
        "with includedFiles: GET {project}/_apis/git/repositories/{id}/items per file, default branch",
    ];
    const ENRICHMENT: &[&str] = &["__includedFiles"];
    const OPTIONS: &[&str] = &["includedFiles"];

    /// Every repository of the kept projects, disabled ones included, with `__includedFiles`
    /// when files are requested.
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        let files: Arc<[String]> = self.included_files.clone().into();
        // One request (or none) per repository: as many at once as the budget allows.
        for_each_at(
            FAN_OUT,
            repositories_where(org, |_| true),
            move |repo: RepoEntry| {
                let org = Arc::clone(&scope);
                let files = Arc::clone(&files);
                stream::once(async move { repository_item(&org, repo, &files).await })
            },
        )
    }

    /// A repository read by id; after a rename, its former name as a gone entity when no
    /// repository answers to it any more.
    async fn lookup(&self, org: &OrgScope, project: &ProjectEntry, key: &ItemKey) -> LookupResult {
        let ItemKey::Repository {
            id,
            removed,
            former_name,
            ..
        } = key
        else {
            return Ok(Lookup::other_kind(Self::NAME));
        };
        let read = found(self.read(org, &project.id, id).await)?;
        Ok(match (read, former_name) {
            (Some(current), Some(name)) if current["name"] != name.as_str() => {
                // Only a name no repository answers to any more names a gone entity.
                if found(org.client.repository(&project.id, name).await)?.is_some() {
                    one(Some(current), None)
                } else {
                    let mut former = current.clone();
                    former["name"] = Value::String(name.clone());
                    Lookup::Renamed { current, former }
                }
            }
            (read, _) => one(read, removed.clone()),
        })
    }

    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self {
            included_files: string_list(options, "includedFiles")?,
        })
    }
}

impl Repository {
    /// One repository by id, as this kind lists it.
    async fn read(
        &self,
        org: &OrgScope,
        project_id: &str,
        repository_id: &str,
    ) -> ado_client::Result<Value> {
        let repo = org.client.repository(project_id, repository_id).await?;
        let entry = repo_entry(repo.item, repo.raw, project_id);
        repository_item(org, entry, &self.included_files).await
    }
}

async fn repository_item(
    org: &OrgScope,
    repo: RepoEntry,
    files: &[String],
) -> ado_client::Result<Value> {
    if files.is_empty() {
        return Ok(repo.raw);
    }
    let disabled = repo.raw["isDisabled"].as_bool().unwrap_or(false);
    let branch = repo.default_branch.as_deref().filter(|_| !disabled);
    let included = included_files(org, &repo, branch, "", files).await?;
    Ok(enrich(repo.raw, [("__includedFiles", included)]))
}

/// `{path: text or null}` for each of `files` (relative to the folder `dir`, as given when
/// `dir` is empty) at the tip of `branch`; all null without a branch.
pub(super) async fn included_files(
    org: &OrgScope,
    repo: &RepoEntry,
    branch: Option<&str>,
    dir: &str,
    files: &[String],
) -> ado_client::Result<Value> {
    let mut included = Map::new();
    for path in files {
        let text = match branch {
            Some(branch) => {
                let full = if dir.is_empty() {
                    path.clone()
                } else {
                    format!(
                        "{}/{}",
                        dir.trim_end_matches('/'),
                        path.trim_start_matches('/')
                    )
                };
                org.client
                    .file(&repo.project_id, &repo.id, &full, branch)
                    .await?
                    .and_then(|file| file.item.content)
                    .map_or(Value::Null, Value::String)
            }
            None => Value::Null,
        };
        included.insert(path.clone(), text);
    }
    Ok(Value::Object(included))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn included_files_must_be_strings() {
        assert_eq!(
            parsed::<Repository>(json!({"includedFiles": ["README.md", "a/b.yaml"]})),
            Ok(Repository {
                included_files: vec!["README.md".into(), "a/b.yaml".into()]
            })
        );
        for bad in [json!("README.md"), json!([1]), json!([""]), json!({"a": 1})] {
            let err = parsed::<Repository>(json!({ "includedFiles": bad })).unwrap_err();
            assert_eq!(err.option, "includedFiles");
            assert!(err.message.contains("list of strings"), "{err}");
        }
    }
}
