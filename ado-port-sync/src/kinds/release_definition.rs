//! `release-definition`.

use std::sync::Arc;

use ado_client::ReleaseDefinitionQuery;
use futures::TryStreamExt;
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::item::{ItemKey, Lookup, LookupResult, found, one};
use super::listing::{enrich, for_each, projects_of};
use super::options::{OptionError, string_list, text};
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry};

/// Default of the release-definition `expand` option.
pub const DEFAULT_RELEASE_DEFINITION_EXPAND: &str = "environments";

/// `release-definition`, with its selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReleaseDefinition {
    /// The definition filters (`expand`, `tagFilter`).
    query: ReleaseDefinitionQuery,
}

impl KindSource for ReleaseDefinition {
    const NAME: &str = "release-definition";
    const CALLS: &[&str] = &["GET {vsrm}/{project}/_apis/release/definitions per project"];
    const ENRICHMENT: &[&str] = &["__project"];
    const OPTIONS: &[&str] = &["expand", "tagFilter"];

    /// Every project's classic release definitions matching the selector's filters (release
    /// host), with `__project`.
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        let query = self.query.clone();
        for_each(projects_of(org), move |project| {
            let project_raw = project.raw;
            scope
                .client
                .release_definitions(&project.id, &query)
                .map_ok(move |definition| {
                    enrich(definition.raw, [("__project", project_raw.clone())])
                })
        })
    }

    /// A definition read by id.
    async fn lookup(&self, org: &OrgScope, project: &ProjectEntry, key: &ItemKey) -> LookupResult {
        let ItemKey::ReleaseDefinition { id, .. } = key else {
            return Ok(Lookup::other_kind(Self::NAME));
        };
        let read = found(org.client.release_definition(&project.id, *id).await)?;
        Ok(one(
            read.map(|d| enrich(d.raw, [("__project", project.raw.clone())])),
            None,
        ))
    }

    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError> {
        let expand = text(options, "expand")?;
        let query = ReleaseDefinitionQuery::new().expand(
            expand
                .as_deref()
                .unwrap_or(DEFAULT_RELEASE_DEFINITION_EXPAND),
        );
        let tags = string_list(options, "tagFilter")?;
        Ok(Self {
            query: if tags.is_empty() {
                query
            } else {
                query.tags(tags)
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn release_definition_options() {
        assert_eq!(
            parsed::<ReleaseDefinition>(json!({})),
            Ok(ReleaseDefinition {
                query: ReleaseDefinitionQuery::new().expand("environments")
            })
        );
        assert_eq!(
            parsed::<ReleaseDefinition>(
                json!({"expand": "artifacts,triggers", "tagFilter": ["prod", "eu"]})
            ),
            Ok(ReleaseDefinition {
                query: ReleaseDefinitionQuery::new()
                    .expand("artifacts,triggers")
                    .tags(["prod", "eu"])
            })
        );
        let err = parsed::<ReleaseDefinition>(json!({"tagFilter": "prod"})).unwrap_err();
        assert_eq!(err.option, "tagFilter");
        assert!(parsed::<ReleaseDefinition>(json!({"expand": ""})).is_err());
    }
}
