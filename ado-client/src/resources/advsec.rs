//! Advanced Security alerts (host `advsec`, Azure DevOps Services only).

use jiff::Timestamp;

use super::time_param;
use crate::client::AdoClient;
use crate::error::Result;
use crate::models::AdvancedSecurityAlert;
use crate::pager::{Listed, Pager};
use crate::profile::Operation;
use crate::transport::Request;

impl AdoClient {
    /// Lists a repository's Advanced Security alerts matching `query`. A repository without
    /// Advanced Security answers 400.
    pub fn advanced_security_alerts(
        &self,
        project: &str,
        repository_id: &str,
        query: &AlertQuery,
    ) -> Pager<AdvancedSecurityAlert> {
        let joined = |values: &[String]| (!values.is_empty()).then(|| values.join(","));
        let request = Request::new(
            Operation::ListAdvancedSecurityAlerts,
            &[&project, &repository_id],
        )
        .query_opt("criteria.states", joined(&query.states))
        .query_opt("criteria.severities", joined(&query.severities))
        .query_opt("criteria.alertType", query.alert_type.as_deref())
        .query_opt(
            "criteria.modifiedSince",
            query.modified_since.map(time_param),
        );
        self.list(request)
    }

    /// Gets one Advanced Security alert of a repository.
    ///
    /// # Errors
    ///
    /// Any request or decode error; a missing alert is an [`Error::Api`](crate::Error::Api)
    /// with status 404.
    pub async fn advanced_security_alert(
        &self,
        project: &str,
        repository_id: &str,
        alert_id: i64,
    ) -> Result<Listed<AdvancedSecurityAlert>> {
        let request = Request::new(
            Operation::GetAdvancedSecurityAlert,
            &[&project, &repository_id, &alert_id],
        );
        self.get_listed(&request).await
    }
}

/// Options of [`AdoClient::advanced_security_alerts`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct AlertQuery {
    states: Vec<String>,
    severities: Vec<String>,
    alert_type: Option<String>,
    modified_since: Option<Timestamp>,
}

impl AlertQuery {
    /// No filters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `alert` passes these filters, as the service applies them to a listing
    /// (values compared ignoring case; the modification time is not checked).
    #[must_use]
    pub fn matches(&self, alert: &AdvancedSecurityAlert) -> bool {
        let one_of = |wanted: &[String], value: Option<&str>| {
            wanted.is_empty()
                || value.is_some_and(|value| wanted.iter().any(|w| w.eq_ignore_ascii_case(value)))
        };
        one_of(&self.states, alert.state.as_deref())
            && one_of(&self.severities, alert.severity.as_deref())
            && self.alert_type.as_deref().is_none_or(|wanted| {
                alert
                    .alert_type
                    .as_deref()
                    .is_some_and(|value| wanted.eq_ignore_ascii_case(value))
            })
    }

    /// Only alerts in one of these states (`active`, `dismissed`, `fixed`, ...).
    pub fn states<I, S>(mut self, states: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.states = states.into_iter().map(Into::into).collect();
        self
    }

    /// Only alerts of one of these severities (`critical`, `high`, `medium`, `low`, ...).
    pub fn severities<I, S>(mut self, severities: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.severities = severities.into_iter().map(Into::into).collect();
        self
    }

    /// Only alerts of this type (`dependency`, `secret`, `code`).
    pub fn alert_type(mut self, alert_type: impl Into<String>) -> Self {
        self.alert_type = Some(alert_type.into());
        self
    }

    /// Only alerts modified at or after `time`.
    pub fn modified_since(mut self, time: Timestamp) -> Self {
        self.modified_since = Some(time);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_alert_query_matches_as_the_listing_criteria() {
        let alert: AdvancedSecurityAlert = serde_json::from_value(json!({
            "alertId": 1, "state": "active", "severity": "high", "alertType": "dependency"
        }))
        .expect("alert");
        assert!(AlertQuery::new().matches(&alert));
        assert!(
            AlertQuery::new()
                .states(["Active", "dismissed"])
                .severities(["high"])
                .alert_type("dependency")
                .matches(&alert)
        );
        assert!(!AlertQuery::new().states(["fixed"]).matches(&alert));
        assert!(!AlertQuery::new().severities(["low"]).matches(&alert));
        assert!(!AlertQuery::new().alert_type("secret").matches(&alert));
    }
}
