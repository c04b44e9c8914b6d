//! Team iterations and area classification nodes (Azure Boards).

use crate::client::AdoClient;
use crate::error::Result;
use crate::models::{ClassificationNode, TeamSettingsIteration};
use crate::organization::Service;
use crate::pager::{ListSpec, Listed, Pager, Paging};
use crate::profile::Operation;
use crate::transport::Request;

impl AdoClient {
    /// Lists a team's iterations.
    pub fn team_iterations(&self, project: &str, team: &str) -> Pager<TeamSettingsIteration> {
        self.list(
            ListSpec::new(
                Request::new(
                    Service::Core,
                    Operation::ListTeamIterations,
                    [project, team, "_apis", "work", "teamsettings", "iterations"],
                ),
                Paging::Single,
            )
            // Older servers name the array `values`.
            .items_in(&["value", "values"]),
        )
    }

    /// Reads a project's area tree from its root, down to `depth` levels of children (the
    /// server's default, only the root, when `None`).
    ///
    /// # Errors
    ///
    /// Any request or decode error.
    pub async fn area_tree(
        &self,
        project: &str,
        depth: Option<u32>,
    ) -> Result<Listed<ClassificationNode>> {
        let request = Request::new(
            Service::Core,
            Operation::GetClassificationNode,
            [project, "_apis", "wit", "classificationnodes", "Areas"],
        )
        .query_opt("$depth", depth);
        self.get_listed(&request).await
    }
}
