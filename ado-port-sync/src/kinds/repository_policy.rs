//! `repository-policy`.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt, stream};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::listing::{FAN_OUT, enrich, for_each_at, healthy_repositories_of};
use super::options::OptionError;
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, RepoEntry, SharedList, listed_once};

/// `repository-policy`, which has no selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RepositoryPolicy;

impl KindSource for RepositoryPolicy {
    const NAME: &str = "repository-policy";
    const CALLS: &[&str] = &[
        "GET {project}/_apis/git/policy/configurations?repositoryId&refName={defaultBranch} per healthy repository",
    ];
    const ENRICHMENT: &[&str] = &["__repository"];

    /// The policies of each healthy repository's default branch, with `__repository`; listed
    /// once when several resources read them.
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        // A repository has few policy configurations: one small page each.
        for_each_at(
            FAN_OUT,
            healthy_repositories_of(org),
            move |repo: RepoEntry| {
                let Some(branch) = repo.default_branch.clone() else {
                    return stream::empty().boxed();
                };
                let repository = repo.raw;
                let listed =
                    scope
                        .client
                        .policy_configurations(&repo.project_id, &repo.id, Some(&branch));
                listed_once(&scope, SharedList::Policies, &repo.id, listed)
                    .map_ok(move |policy| {
                        enrich(policy.raw, [("__repository", repository.clone())])
                    })
                    .boxed()
            },
        )
    }

    fn parse(_: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self)
    }
}
