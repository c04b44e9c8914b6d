//! Graph users, groups, memberships and subject lookups, and user entitlements (Azure DevOps
//! Services only).

use serde_json::json;

use crate::client::AdoClient;
use crate::error::Result;
use crate::models::{GraphGroup, GraphMembership, GraphUser, SubjectLookup, UserEntitlement};
use crate::pager::{Listed, Pager};
use crate::profile::Operation;
use crate::transport::Request;

impl AdoClient {
    /// Lists the organization's Graph users, optionally only some subject types
    /// (comma-separated: `aad`, `msa`, `svc`, ...).
    pub fn graph_users(&self, subject_types: Option<&str>) -> Pager<GraphUser> {
        self.list(
            Request::new(Operation::ListGraphUsers, &[]).query_opt("subjectTypes", subject_types),
        )
    }

    /// Lists the organization's Graph groups.
    pub fn graph_groups(&self) -> Pager<GraphGroup> {
        self.list(Request::new(Operation::ListGraphGroups, &[]))
    }

    /// Lists the direct members of a group, as memberships.
    pub fn group_memberships(&self, group_descriptor: &str) -> Pager<GraphMembership> {
        self.list(
            Request::new(Operation::ListGraphMemberships, &[&group_descriptor])
                .query("direction", "down"),
        )
    }

    /// Looks up subjects (users or groups) by descriptor, at most
    /// [`SUBJECT_LOOKUP_BATCH`](crate::pager::SUBJECT_LOOKUP_BATCH) per call. Descriptors the server
    /// does not know are missing from the answer.
    ///
    /// # Errors
    ///
    /// Any request or decode error.
    pub async fn lookup_subjects(&self, descriptors: &[String]) -> Result<Listed<SubjectLookup>> {
        let keys: Vec<_> = descriptors
            .iter()
            .map(|descriptor| json!({ "descriptor": descriptor }))
            .collect();
        let request = Request::new(Operation::LookupGraphSubjects, &[])
            .json_body(json!({ "lookupKeys": keys }));
        self.get_listed(&request).await
    }

    /// Lists the organization's user entitlements (licenses).
    ///
    /// The current form pages with a continuation token in the body and returns the users under
    /// `items` (7.1) or `members` (6.0, 7.0); both are read. The 5.x form pages with
    /// `top`/`skip`.
    pub fn user_entitlements(&self, query: &UserEntitlementQuery) -> Pager<UserEntitlement> {
        let operation = if query.legacy_paging {
            Operation::ListUserEntitlementsLegacy
        } else {
            Operation::ListUserEntitlements
        };
        self.list(Request::new(operation, &[]).query_opt("select", query.select.as_deref()))
    }
}

/// Options of [`AdoClient::user_entitlements`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct UserEntitlementQuery {
    select: Option<String>,
    legacy_paging: bool,
}

impl UserEntitlementQuery {
    /// The current form with the server's default fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// Extra fields to include (comma-separated: `license`, `extensions`, `projects`,
    /// `groupRules`, `all`).
    pub fn select(mut self, select: impl Into<String>) -> Self {
        self.select = Some(select.into());
        self
    }

    /// Uses the 5.x form (`5.1-preview.2`, `top`/`skip` paging) instead of the current one.
    pub fn legacy_paging(mut self, legacy: bool) -> Self {
        self.legacy_paging = legacy;
        self
    }
}
