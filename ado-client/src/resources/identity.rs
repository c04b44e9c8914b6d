//! Graph users, groups, memberships and subject lookups, and user entitlements (Azure DevOps
//! Services only).

use serde_json::json;

use crate::client::AdoClient;
use crate::error::Result;
use crate::models::{GraphGroup, GraphMembership, GraphUser, SubjectLookup, UserEntitlement};
use crate::organization::Service;
use crate::pager::{self, ListSpec, Listed, Pager, Paging};
use crate::profile::Operation;
use crate::transport::Request;

impl AdoClient {
    /// Lists the organization's Graph users, optionally only some subject types
    /// (comma-separated: `aad`, `msa`, `svc`, ...).
    pub fn graph_users(&self, subject_types: Option<&str>) -> Pager<GraphUser> {
        self.list(ListSpec::new(
            Request::new(
                Service::Graph,
                Operation::ListGraphUsers,
                ["_apis", "graph", "users"],
            )
            .query_opt("subjectTypes", subject_types),
            Paging::Token { top: None },
        ))
    }

    /// Lists the organization's Graph groups.
    pub fn graph_groups(&self) -> Pager<GraphGroup> {
        self.list(ListSpec::new(
            Request::new(
                Service::Graph,
                Operation::ListGraphGroups,
                ["_apis", "graph", "groups"],
            ),
            Paging::Token { top: None },
        ))
    }

    /// Lists the direct members of a group, as memberships.
    pub fn group_memberships(&self, group_descriptor: &str) -> Pager<GraphMembership> {
        self.list(ListSpec::new(
            Request::new(
                Service::Graph,
                Operation::ListGraphMemberships,
                ["_apis", "graph", "memberships", group_descriptor],
            )
            .query("direction", "down"),
            Paging::Single,
        ))
    }

    /// Looks up subjects (users or groups) by descriptor, at most
    /// [`SUBJECT_LOOKUP_BATCH`](pager::SUBJECT_LOOKUP_BATCH) per call. Descriptors the server
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
        let request = Request::new(
            Service::Graph,
            Operation::LookupGraphSubjects,
            ["_apis", "graph", "subjectlookup"],
        )
        .json_body(json!({ "lookupKeys": keys }));
        self.get_listed(&request).await
    }

    /// Lists the organization's user entitlements (licenses).
    ///
    /// The current form pages with a continuation token in the body and returns the users under
    /// `items` (7.1) or `members` (6.0, 7.0); both are read. The 5.x form pages with
    /// `top`/`skip`.
    pub fn user_entitlements(&self, query: &UserEntitlementQuery) -> Pager<UserEntitlement> {
        let (operation, paging) = if query.legacy_paging {
            (
                Operation::ListUserEntitlementsLegacy,
                Paging::Offset {
                    top: "top",
                    skip: "skip",
                    size: pager::ENTITLEMENTS_LEGACY,
                },
            )
        } else {
            (Operation::ListUserEntitlements, Paging::Token { top: None })
        };
        let request = Request::new(
            Service::Entitlements,
            operation,
            ["_apis", "userentitlements"],
        )
        .query_opt("select", query.select.as_deref());
        self.list(ListSpec::new(request, paging).items_in(&["items", "members", "value"]))
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
