//! `file`.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::{TryStreamExt, stream};
use serde_json::{Map, Value, json};

use super::git::included_files;
use super::item::Lookup;
use super::options::FileQuery;
use super::{ItemStream, for_each, repositories_where};
use crate::org::{OrgScope, RepoEntry};
use ado_client::RecursionLevel;
use ado_client::models::GitItem;
use ado_client::pager::Listed;

/// Files larger than this are left out (their content is not synced).
const MAX_FILE_BYTES: usize = 1024 * 1024;

/// `file`: per healthy repository (of the selector's `repos` when set), the files on the
/// default branch matching the selector's paths, each as `{file, repo}`: `file` is the Git
/// item with `isFolder: false` and `content: {raw, parsed}` (JSON, else YAML with several
/// documents as a list, else the text), `repo` the repository; with `__includedFiles`
/// (paths relative to the file's folder) when files are requested.
pub(super) fn files(org: &Arc<OrgScope>, query: FileQuery) -> ItemStream {
    let scope = Arc::clone(org);
    let query = Arc::new(query);
    let selected = Arc::clone(&query);
    let repositories = repositories_where(org, move |r| r.healthy && selected.includes_repo(r));
    for_each(repositories, move |repo: RepoEntry| {
        let org = Arc::clone(&scope);
        let query = Arc::clone(&query);
        stream::once(async move { repo_files(&org, &repo, &query).await })
            .map_ok(|files| stream::iter(files.into_iter().map(Ok)))
            .try_flatten()
    })
}

async fn repo_files(
    org: &OrgScope,
    repo: &RepoEntry,
    query: &FileQuery,
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

/// The `file` item of `path` after a push to `branch` of `repo`: read again at the tip of
/// the default branch when this selector names the repository and the path; gone when Azure
/// DevOps no longer has it (then a `{file: {path, isFolder}, repo}` item names the entity).
pub(super) async fn changed_file(
    org: &OrgScope,
    repo: &RepoEntry,
    branch: &str,
    path: &str,
    query: &FileQuery,
) -> ado_client::Result<Lookup> {
    let Some(default) = repo.default_branch.as_deref() else {
        return Ok(Lookup::Skipped(
            "the repository has no default branch".into(),
        ));
    };
    let on_default = default.strip_prefix("refs/heads/").unwrap_or(default)
        == branch.strip_prefix("refs/heads/").unwrap_or(branch);
    if !repo.healthy
        || !on_default
        || !query.includes_repo(repo)
        || !query.paths.iter().any(|pattern| pattern.matches(path))
    {
        return Ok(Lookup::Skipped(format!("{path} is not selected")));
    }
    match org
        .client
        .file(&repo.project_id, &repo.id, path, default)
        .await?
    {
        Some(file) => Ok(
            match file_entry(org, repo, default, path, file, &query.included_files).await? {
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
