//! `branch`.

use std::sync::Arc;

use futures::TryStreamExt;
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::item::{ItemKey, Lookup, LookupResult, found};
use super::listing::{for_each, healthy_repositories_of};
use super::options::OptionError;
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry, RepoEntry};

/// `branch`, which has no selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Branch;

impl KindSource for Branch {
    const NAME: &str = "branch";
    const CALLS: &[&str] =
        &["GET {project}/_apis/git/repositories/{id}/refs?filter=heads/ per healthy repository"];
    const ENRICHMENT: &[&str] = &["__repository"];

    /// The branches of each healthy repository, as `{name, refName, objectId, __repository}`
    /// (`name` without `refs/heads/`).
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        for_each(healthy_repositories_of(org), move |repo: RepoEntry| {
            let repository = repo.raw;
            scope
                .client
                .branches(&repo.project_id, &repo.id)
                .map_ok(move |branch| {
                    branch_item(&branch.item.name, branch.item.object_id, repository.clone())
                })
        })
    }

    /// The branch the key names as listed now: found with its current head, or gone (the
    /// repository or the ref no longer exists).
    async fn lookup(&self, org: &OrgScope, project: &ProjectEntry, key: &ItemKey) -> LookupResult {
        let ItemKey::Branch {
            repository,
            ref_name,
            ..
        } = key
        else {
            return Ok(Lookup::other_kind(Self::NAME));
        };
        let removed =
            |repository: Value| Lookup::Gone(vec![branch_item(ref_name, None, repository)]);
        let Some(id) = repository["id"].as_str() else {
            return Ok(Lookup::Skipped("the event names no repository id".into()));
        };
        let Some(repo) = found(org.client.repository(&project.id, id).await)? else {
            return Ok(removed(repository.clone()));
        };
        let listed = org
            .client
            .branches(&project.id, id)
            .try_filter(|branch| std::future::ready(&branch.item.name == ref_name))
            .try_next()
            .await;
        Ok(match found(listed)?.flatten() {
            Some(branch) => {
                Lookup::Found(vec![branch_item(ref_name, branch.item.object_id, repo.raw)])
            }
            None => removed(repo.raw),
        })
    }

    fn parse(_: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

/// A `branch` item: `{name, refName, objectId, __repository}`.
fn branch_item(ref_name: &str, object_id: Option<String>, repository: Value) -> Value {
    json!({
        "name": ref_name.strip_prefix("refs/heads/").unwrap_or(ref_name),
        "refName": ref_name,
        "objectId": object_id,
        "__repository": repository,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn branch_takes_no_options() {
        assert_eq!(parsed::<Branch>(json!({})), Ok(Branch));
    }
}
