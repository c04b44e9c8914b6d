//! Advanced Security alerts.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

/// An Advanced Security alert (`Alert`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AdvancedSecurityAlert {
    /// Alert id, unique in the organization.
    pub alert_id: i64,
    /// `dependency`, `secret` or `code`.
    pub alert_type: Option<String>,
    /// `active`, `dismissed`, `fixed`, ...
    pub state: Option<String>,
    /// `critical`, `high`, `medium`, `low`, ...
    pub severity: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// When the alert was first seen.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub introduced_date: Option<Timestamp>,
    /// When the alert was last seen.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub last_seen_date: Option<Timestamp>,
    /// The rule that raised it (kept as JSON).
    pub rule: Option<Value>,
    /// The repository URL.
    pub repository_url: Option<String>,
}
