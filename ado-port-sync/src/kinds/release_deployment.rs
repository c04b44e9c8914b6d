//! `release-deployment`.

use std::sync::Arc;

use ado_client::ReleaseDeploymentQuery;
use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::item::{ItemKey, Lookup, LookupResult, found, one};
use super::listing::{for_each, projects_of};
use super::options::OptionError;
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry};

/// Deployments of one definition environment looked at to find one release's deployment.
const DEPLOYMENTS_SCANNED: usize = 100;

/// `release-deployment`, which has no selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReleaseDeployment;

impl KindSource for ReleaseDeployment {
    const NAME: &str = "release-deployment";
    const CALLS: &[&str] = &[
        "GET {vsrm}/{project}/_apis/release/deployments per project (incremental: &minModifiedTime)",
    ];
    const LISTS_CHANGES: bool = true;

    /// Every project's classic release deployments (release host); with `since`, those
    /// modified since it.
    fn items(&self, org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        let query = match since {
            Some(since) => ReleaseDeploymentQuery::new().min_modified_time(since),
            None => ReleaseDeploymentQuery::new(),
        };
        for_each(projects_of(org), move |project| {
            scope
                .client
                .release_deployments(&project.id, &query)
                .map_ok(|deployment| deployment.raw)
        })
    }

    /// The latest deployment of a release to one definition environment, among the newest
    /// deployments of that environment.
    async fn lookup(&self, org: &OrgScope, project: &ProjectEntry, key: &ItemKey) -> LookupResult {
        let ItemKey::ReleaseDeployment {
            release,
            environment,
            ..
        } = key
        else {
            return Ok(Lookup::other_kind(Self::NAME));
        };
        let Some(read) = found(org.client.release(&project.id, *release).await)? else {
            return Ok(Lookup::Gone(Vec::new()));
        };
        let Some(definition) = read.raw["releaseDefinition"]["id"].as_i64() else {
            return Ok(Lookup::Skipped("the release names no definition".into()));
        };
        let query = ReleaseDeploymentQuery::new()
            .definition_id(definition)
            .definition_environment_id(*environment)
            .deployment_status("all");
        let deployment = org
            .client
            .release_deployments(&project.id, &query)
            .take(DEPLOYMENTS_SCANNED)
            .try_filter(|deployment| {
                std::future::ready(deployment.raw["release"]["id"].as_i64() == Some(*release))
            })
            .try_next()
            .await?;
        Ok(one(deployment.map(|deployment| deployment.raw), None))
    }

    fn parse(_: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn unknown_options_are_left_alone() {
        assert_eq!(
            parsed::<ReleaseDeployment>(json!({"includeRelease": true})),
            Ok(ReleaseDeployment)
        );
    }
}
