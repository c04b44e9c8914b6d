//! GitOps on `git.push`: the entities declared before and after the push.

use ado_client::models::GitPushResource;
use mapping_engine::Entity;

use super::{At, Declaration, GitOps, Repo};
use crate::org::OrgScope;

/// What a push changes among the entities its repository's spec files declare.
#[derive(Debug, Default)]
pub(crate) struct PushChange {
    /// The entities declared after the push, to upsert.
    pub(crate) upserts: Vec<Entity>,
    /// The entities declared before the push: those not declared after it are deleted. Empty
    /// when a spec file leaves in doubt what is declared.
    pub(crate) candidates: Vec<Entity>,
    /// Invalid spec files and entities after the push.
    pub(crate) invalid: Vec<String>,
    /// Why nothing is deleted, when a spec file leaves that in doubt.
    pub(crate) kept: Vec<String>,
}

impl GitOps {
    /// What `push` changes when it moves the chosen branch of its repository: each spec file
    /// read at the commit before and after each such ref update (none for an all-zero id).
    /// `None` when it moves no chosen branch, or when the repository or its project is gone,
    /// unknown or excluded.
    ///
    /// # Errors
    ///
    /// A failed read other than "not found".
    pub(crate) async fn push(
        &self,
        org: &OrgScope,
        project: &str,
        push: &GitPushResource,
    ) -> ado_client::Result<Option<PushChange>> {
        let repository = &push.repository;
        let mut default_branch = repository.default_branch.clone();
        if self.use_default_branch && default_branch.is_none() {
            default_branch = match org.client.repository(project, &repository.id).await {
                Ok(read) => read.item.default_branch,
                Err(error) if error.is_not_found() => return Ok(None),
                Err(error) => return Err(error),
            };
        }
        let Some(branch) = self.branch(default_branch.as_deref()) else {
            return Ok(None);
        };
        let updates: Vec<_> = push
            .ref_updates
            .iter()
            .filter(|update| update.branch() == Some(branch))
            .collect();
        if updates.is_empty() {
            return Ok(None);
        }
        let Some(project) = org.project(project).await? else {
            return Ok(None);
        };
        let repo = Repo {
            client: &org.client,
            project: &project.id,
            id: &repository.id,
            name: repository.name.as_deref().unwrap_or(&repository.id),
        };
        let mut change = PushChange::default();
        for update in updates {
            let before = match update.old_commit() {
                Some(old) => self.declared(&repo, At::Commit(old), false).await?,
                None => Declaration::empty(),
            };
            let after = match update.new_commit() {
                Some(new) => self.declared(&repo, At::Commit(new), true).await?,
                None => Declaration::empty(),
            };
            if !before.complete {
                change.kept.push(format!(
                    "GitOps deleted nothing: the spec files before the push cannot be read: {}",
                    before.problems.join("; ")
                ));
            } else if !after.problems.is_empty() {
                change
                    .kept
                    .push("GitOps deleted nothing: the spec files have errors".to_owned());
            } else {
                change.candidates.extend(before.entities);
            }
            change.invalid.extend(after.problems);
            change.upserts.extend(after.entities);
        }
        Ok(Some(change))
    }
}
