//! `file`.

use std::collections::BTreeSet;
use std::sync::Arc;

use ado_client::RecursionLevel;
use ado_client::models::GitItem;
use ado_client::pager::Listed;
use futures::TryStreamExt;
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::glob::PathPattern;
use super::item::{ItemKey, Lookup, LookupResult};
use super::listing::{flattened, for_each, repositories_where};
use super::options::{OptionError, string_list};
use super::repository::included_files;
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry, RepoEntry};

/// Files larger than this are left out (their content is not synced).
const MAX_FILE_BYTES: usize = 1024 * 1024;

/// `file`, with its selector options: which paths in which repositories, and what to read
/// next to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct File {
    /// Literal paths or patterns (`files.path`).
    paths: Vec<PathPattern>,
    /// Repository names (`files.repos`); empty means every repository.
    repos: Vec<String>,
    /// Files to read next to each file (`includedFiles`).
    included_files: Vec<String>,
}

impl File {
    /// Whether the selector names `repo` (or names no repository).
    fn includes_repo(&self, repo: &RepoEntry) -> bool {
        self.repos.is_empty()
            || repo.raw["name"]
                .as_str()
                .is_some_and(|name| self.repos.iter().any(|r| r.eq_ignore_ascii_case(name)))
    }
}

impl KindSource for File {
    const NAME: &str = "file";
    const CALLS: &[&str] = &[
        "for a pattern: GET {project}/_apis/git/repositories/{id}/items?scopePath={pattern base}&recursionLevel per healthy repository, default branch",
        "GET {project}/_apis/git/repositories/{id}/items?path&includeContent per file",
        "with includedFiles: GET {project}/_apis/git/repositories/{id}/items per file and included file",
    ];
    const ENRICHMENT: &[&str] = &["__includedFiles"];
    const OPTIONS: &[&str] = &["files", "includedFiles"];

    /// Per healthy repository (of the selector's `repos` when set), the files on the default
    /// branch matching the selector's paths, each as `{file, repo}`: `file` is the Git item
    /// with `isFolder: false` and `content: {raw, parsed}` (JSON, else YAML with several
    /// documents as a list, else the text), `repo` the repository; with `__includedFiles`
    /// (paths relative to the file's folder) when files are requested.
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        let query = Arc::new(self.clone());
        let selected = Arc::clone(&query);
        let repositories = repositories_where(org, move |r| r.healthy && selected.includes_repo(r));
        let scope = Arc::clone(org);
        for_each(repositories, move |repo: RepoEntry| {
            let org = Arc::clone(&scope);
            let query = Arc::clone(&query);
            flattened(async move { repo_files(&org, &repo, &query).await })
        })
    }

    /// The `file` item of a path after a push to a branch of a repository: read again at the
    /// tip of the default branch when this selector names the repository and the path; gone
    /// when Azure DevOps no longer has it (then a `{file: {path, isFolder}, repo}` item names
    /// the entity).
    async fn lookup(&self, org: &OrgScope, _project: &ProjectEntry, key: &ItemKey) -> LookupResult {
        let ItemKey::File { repo, branch, path } = key else {
            return Ok(Lookup::other_kind(Self::NAME));
        };
        let Some(default) = repo.default_branch.as_deref() else {
            return Ok(Lookup::Skipped(
                "the repository has no default branch".into(),
            ));
        };
        let on_default = default.strip_prefix("refs/heads/").unwrap_or(default)
            == branch.strip_prefix("refs/heads/").unwrap_or(branch);
        if !repo.healthy
            || !on_default
            || !self.includes_repo(repo)
            || !self.paths.iter().any(|pattern| pattern.matches(path))
        {
            return Ok(Lookup::Skipped(format!("{path} is not selected")));
        }
        match org
            .client
            .file(&repo.project_id, &repo.id, path, default)
            .await?
        {
            Some(file) => Ok(
                match file_entry(org, repo, default, path, file, &self.included_files).await? {
                    Some(entry) => Lookup::Found(vec![entry]),
                    None => Lookup::Skipped(format!("{path} is a folder or too large")),
                },
            ),
            None => Ok(Lookup::Gone(vec![json!({
                "file": {"path": path, "isFolder": false},
                "repo": repo.raw.clone(),
            })])),
        }
    }

    /// `files` (`{path: pattern or list, repos: [names]}`) and `includedFiles`.
    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError> {
        let files = match options.get("files") {
            Some(Value::Object(files)) => files,
            other => {
                return Err(OptionError::new(
                    "files",
                    format!(
                        "must be an object with path and repos, got {}",
                        other.unwrap_or(&Value::Null)
                    ),
                ));
            }
        };
        let nested = |error: OptionError| error.nested_in("files");
        let paths = match files.get("path") {
            Some(Value::String(path)) if !path.is_empty() => vec![path.clone()],
            Some(Value::Array(_)) => string_list(files, "path").map_err(nested)?,
            other => {
                return Err(OptionError::new(
                    "files.path",
                    format!(
                        "must be a path or a list of paths, got {}",
                        other.unwrap_or(&Value::Null)
                    ),
                ));
            }
        };
        if paths.is_empty() {
            return Err(OptionError::new(
                "files.path",
                "must name at least one path",
            ));
        }
        Ok(Self {
            paths: paths.iter().map(|p| PathPattern::new(p)).collect(),
            repos: string_list(files, "repos").map_err(nested)?,
            included_files: string_list(options, "includedFiles")?,
        })
    }
}

async fn repo_files(
    org: &OrgScope,
    repo: &RepoEntry,
    query: &File,
) -> ado_client::Result<Vec<Value>> {
    let Some(branch) = repo.default_branch.as_deref() else {
        return Ok(Vec::new());
    };
    let mut paths = BTreeSet::new();
    for pattern in &query.paths {
        if pattern.recursion() == RecursionLevel::None {
            paths.insert(pattern.base());
            continue;
        }
        let listed: Vec<String> = org
            .client
            .items(
                &repo.project_id,
                &repo.id,
                &pattern.base(),
                pattern.recursion(),
                branch,
            )
            .try_filter_map(|item| async move {
                let path = item.item.path.filter(|_| item.item.is_folder != Some(true));
                Ok(path.filter(|p| pattern.matches(p)))
            })
            .try_collect()
            .await
            .or_else(|e| {
                // A pattern whose base folder does not exist matches nothing.
                if e.is_not_found() {
                    Ok(Vec::new())
                } else {
                    Err(e)
                }
            })?;
        paths.extend(listed);
    }
    let mut files = Vec::new();
    for path in paths {
        let Some(file) = org
            .client
            .file(&repo.project_id, &repo.id, &path, branch)
            .await?
        else {
            continue;
        };
        if let Some(entry) =
            file_entry(org, repo, branch, &path, file, &query.included_files).await?
        {
            files.push(entry);
        }
    }
    Ok(files)
}

/// A `file` item from a file read at the tip of `branch`; `None` for a folder or a file over
/// the size limit.
async fn file_entry(
    org: &OrgScope,
    repo: &RepoEntry,
    branch: &str,
    path: &str,
    file: Listed<GitItem>,
    included: &[String],
) -> ado_client::Result<Option<Value>> {
    let text = file.item.content.unwrap_or_default();
    if file.item.is_folder == Some(true) || text.len() > MAX_FILE_BYTES {
        return Ok(None);
    }
    let mut item = match file.raw {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    item.entry("isFolder").or_insert(Value::Bool(false));
    let parsed = parse_content(&text);
    item.insert("content".into(), json!({ "raw": text, "parsed": parsed }));
    let mut entry = json!({ "file": Value::Object(item), "repo": repo.raw.clone() });
    if !included.is_empty() {
        let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
        let dir = if dir.is_empty() { "/" } else { dir };
        entry["__includedFiles"] = included_files(org, repo, Some(branch), dir, included).await?;
    }
    Ok(Some(entry))
}

/// JSON, else YAML (several documents as a list), else the text itself.
fn parse_content(text: &str) -> Value {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return value;
    }
    match serde_saphyr::from_multiple::<Value>(text) {
        Ok(mut documents) if documents.len() == 1 => documents.pop().unwrap_or(Value::Null),
        Ok(documents) if !documents.is_empty() => Value::Array(documents),
        _ => Value::String(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;

    #[test]
    fn file_options() {
        assert_eq!(
            parsed::<File>(
                json!({"files": {"path": "port.yml", "repos": ["web"]}, "includedFiles": ["a"]})
            ),
            Ok(File {
                paths: vec![PathPattern::new("port.yml")],
                repos: vec!["web".into()],
                included_files: vec!["a".into()],
            })
        );
        assert_eq!(
            parsed::<File>(json!({"files": {"path": ["a.yml", "**/b.json"]}})),
            Ok(File {
                paths: vec![PathPattern::new("a.yml"), PathPattern::new("**/b.json")],
                repos: Vec::new(),
                included_files: Vec::new(),
            })
        );
        let err = parsed::<File>(json!({})).unwrap_err();
        assert_eq!(err.option, "files");
        for bad in [
            json!({"path": ""}),
            json!({"path": []}),
            json!({"path": 3}),
            json!({}),
        ] {
            let err = parsed::<File>(json!({ "files": bad })).unwrap_err();
            assert_eq!(err.option, "files.path");
        }
        let err = parsed::<File>(json!({"files": {"path": "a", "repos": "web"}})).unwrap_err();
        assert_eq!(err.option, "files.repos");
    }

    #[test]
    fn content_is_json_then_yaml_then_text() {
        assert_eq!(parse_content(r#"{"a": [1]}"#), json!({"a": [1]}));
        assert_eq!(parse_content("a: 1\nb: [x]\n"), json!({"a": 1, "b": ["x"]}));
        assert_eq!(
            parse_content("---\nname: one\n---\nname: two\n"),
            json!([{"name": "one"}, {"name": "two"}])
        );
        assert_eq!(parse_content("key: [unclosed\n"), json!("key: [unclosed\n"));
    }
}
