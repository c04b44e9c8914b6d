//! The files, folders and wikis a `git.push` touches: the changes of every commit of the
//! push, read from Azure DevOps.

use std::collections::BTreeSet;
use std::sync::Arc;

use ado_client::models::GitPushResource;
use futures::TryStreamExt;

use crate::kinds::{ItemKey, Kind};
use crate::org::{OrgScope, repo_entry};

/// The kinds a push can touch besides branches.
pub(super) const PATH_KINDS: [Kind; 3] = [Kind::FILE, Kind::FOLDER, Kind::WIKI];

/// The keys of the files, folders and wikis of `kinds` that `push` touches on each branch it
/// moved (deleted branches aside): every path changed by any of its commits (the old path of
/// a rename included), each folder holding one, and the wikis published from the repository
/// (with the commit each moved branch had before the push, so that pages gone since are
/// found). Nothing when the repository or its project is gone, unknown or excluded.
pub(super) async fn pushed_paths(
    org: &OrgScope,
    project: &str,
    push: &GitPushResource,
    kinds: &BTreeSet<Kind>,
) -> ado_client::Result<Vec<ItemKey>> {
    let branches: Vec<&str> = push
        .ref_updates
        .iter()
        .filter(|update| !update.is_deletion())
        .filter_map(|update| update.branch())
        .collect();
    if branches.is_empty() || !PATH_KINDS.iter().any(|kind| kinds.contains(kind)) {
        return Ok(Vec::new());
    }
    let Some(project) = org.project(project).await? else {
        return Ok(Vec::new());
    };
    let read = match org
        .client
        .repository(&project.id, &push.repository.id)
        .await
    {
        Ok(read) => read,
        Err(error) if error.is_not_found() => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let repo = Arc::new(repo_entry(read.item, read.raw, &project.id));
    let mut keys = Vec::new();
    if kinds.contains(&Kind::WIKI) {
        let before = push
            .ref_updates
            .iter()
            .filter(|update| !update.is_deletion())
            .filter_map(|update| {
                Some((update.branch()?.to_owned(), update.old_commit()?.to_owned()))
            })
            .collect();
        keys.push(ItemKey::Wiki {
            repo: Arc::clone(&repo),
            before,
        });
    }
    if !kinds.contains(&Kind::FILE) && !kinds.contains(&Kind::FOLDER) {
        return Ok(keys);
    }
    let mut files = BTreeSet::new();
    let mut folders = BTreeSet::new();
    for commit in &push.commits {
        let changes: Vec<_> = org
            .client
            .commit_changes(&project.id, &repo.id, &commit.commit_id)
            .try_collect()
            .await?;
        for listed in changes {
            let change = listed.item;
            let Some(item) = change.item else {
                continue;
            };
            let is_folder = item.is_folder();
            let paths = item.path.into_iter().chain(change.source_server_item);
            for path in paths {
                folders.extend(ancestors(&path));
                if is_folder {
                    folders.insert(path);
                } else {
                    files.insert(path);
                }
            }
        }
    }
    for branch in branches {
        let branch = branch.to_owned();
        if kinds.contains(&Kind::FILE) {
            keys.extend(files.iter().map(|path| ItemKey::File {
                repo: Arc::clone(&repo),
                branch: branch.clone(),
                path: path.clone(),
            }));
        }
        if kinds.contains(&Kind::FOLDER) {
            keys.extend(folders.iter().map(|path| ItemKey::Folder {
                repo: Arc::clone(&repo),
                branch: branch.clone(),
                path: path.clone(),
            }));
        }
    }
    Ok(keys)
}

/// The folders holding `path`, the root aside: `/a/b/c` gives `/a/b` and `/a`.
fn ancestors(path: &str) -> Vec<String> {
    let mut folders = Vec::new();
    let mut rest = path.trim_end_matches('/');
    while let Some((parent, _)) = rest.rsplit_once('/') {
        if parent.is_empty() {
            break;
        }
        folders.push(parent.to_owned());
        rest = parent;
    }
    folders
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_stop_below_the_root() {
        assert_eq!(ancestors("/a/b/c.txt"), ["/a/b", "/a"]);
        assert!(ancestors("/README.md").is_empty());
    }
}
