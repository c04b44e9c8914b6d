//! `advanced-security-alert`.

use std::sync::Arc;

use ado_client::AlertQuery;
use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::item::{ItemKey, Lookup, LookupResult, found, listed_if};
use super::listing::{enrich, for_each, healthy_repositories_of};
use super::options::{OptionError, string_list, text};
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry, RepoEntry};

/// `advanced-security-alert`, with its selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AdvancedSecurityAlert {
    /// `criteria`: which alerts.
    criteria: AlertQuery,
}

impl KindSource for AdvancedSecurityAlert {
    const NAME: &str = "advanced-security-alert";
    const CALLS: &[&str] = &[
        "GET {advsec}/{project}/_apis/alert/repositories/{id}/alerts per healthy repository (400: Advanced Security off, skipped; incremental: &criteria.modifiedSince)",
    ];
    const ENRICHMENT: &[&str] = &["__repositoryId", "__projectId"];
    const OPTIONS: &[&str] = &["criteria"];
    const LISTS_CHANGES: bool = true;

    /// The Advanced Security alerts of each healthy repository matching the selector's
    /// criteria, with `__repositoryId` and `__projectId`. A repository without Advanced
    /// Security (a 400 whose error body says it is not enabled) has none; any other failure
    /// fails the kind. With `since`, only the alerts modified since it.
    fn items(&self, org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        let query = match since {
            Some(since) => self.criteria.clone().modified_since(since),
            None => self.criteria.clone(),
        };
        for_each(healthy_repositories_of(org), move |repo: RepoEntry| {
            scope
                .client
                .advanced_security_alerts(&repo.project_id, &repo.id, &query)
                .filter(|alert| {
                    let disabled = alert
                        .as_ref()
                        .is_err_and(ado_client::Error::is_feature_disabled);
                    std::future::ready(!disabled)
                })
                .map_ok(move |alert| alert_item(alert.raw, &repo.id, &repo.project_id))
        })
    }

    /// An alert read by id: found when the selector's criteria keep it, else gone.
    async fn lookup(&self, org: &OrgScope, project: &ProjectEntry, key: &ItemKey) -> LookupResult {
        let ItemKey::Alert { repository, id, .. } = key else {
            return Ok(Lookup::other_kind(Self::NAME));
        };
        let client = &org.client;
        let Some(repo) = found(client.repository(&project.id, repository).await)? else {
            return Ok(Lookup::Gone(Vec::new()));
        };
        let read = client
            .advanced_security_alert(&project.id, &repo.item.id, *id)
            .await;
        let Some(alert) = found(read)? else {
            return Ok(Lookup::Gone(Vec::new()));
        };
        let kept = self.criteria.matches(&alert.item);
        Ok(listed_if(
            alert_item(alert.raw, &repo.item.id, &project.id),
            kept,
        ))
    }

    /// `criteria`: `{states, severities, alertType}` (`severity` is read as `severities`).
    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError> {
        let criteria = match options.get("criteria") {
            None | Some(Value::Null) => {
                return Ok(Self {
                    criteria: AlertQuery::new(),
                });
            }
            Some(Value::Object(criteria)) => criteria,
            Some(other) => {
                return Err(OptionError::new(
                    "criteria",
                    format!("must be an object with states, severities and alertType, got {other}"),
                ));
            }
        };
        let nested = |error: OptionError| error.nested_in("criteria");
        let mut query = AlertQuery::new().states(string_list(criteria, "states").map_err(nested)?);
        let severity_key = if criteria.contains_key("severities") {
            "severities"
        } else {
            "severity"
        };
        query = query.severities(string_list(criteria, severity_key).map_err(nested)?);
        if let Some(alert_type) = text(criteria, "alertType").map_err(nested)? {
            query = query.alert_type(alert_type);
        }
        Ok(Self { criteria: query })
    }
}

/// An `advanced-security-alert` item: the alert with `__repositoryId` and `__projectId`.
fn alert_item(alert: Value, repository_id: &str, project_id: &str) -> Value {
    enrich(
        alert,
        [
            ("__repositoryId", Value::String(repository_id.to_owned())),
            ("__projectId", Value::String(project_id.to_owned())),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn advanced_security_alert_options() {
        assert_eq!(
            parsed::<AdvancedSecurityAlert>(json!({})),
            Ok(AdvancedSecurityAlert {
                criteria: AlertQuery::new()
            })
        );
        let expected = AlertQuery::new()
            .states(["active"])
            .severities(["high", "critical"])
            .alert_type("secret");
        for severity in ["severities", "severity"] {
            assert_eq!(
                parsed::<AdvancedSecurityAlert>(
                    json!({"criteria": {"states": ["active"], severity: ["high", "critical"], "alertType": "secret"}})
                ),
                Ok(AdvancedSecurityAlert {
                    criteria: expected.clone()
                })
            );
        }
        let err = parsed::<AdvancedSecurityAlert>(json!({"criteria": "active"})).unwrap_err();
        assert_eq!(err.option, "criteria");
        let err =
            parsed::<AdvancedSecurityAlert>(json!({"criteria": {"states": "active"}})).unwrap_err();
        assert_eq!(err.option, "criteria.states");
    }
}
