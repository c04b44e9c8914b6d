//! Projects, project properties, teams and team members.

use crate::client::AdoClient;
use crate::error::Result;
use crate::models::{Project, ProjectDetails, ProjectProperty, Team, TeamMember};
use crate::pager::{Listed, Pager};
use crate::profile::Operation;
use crate::transport::Request;

/// Prefix of the project properties that hold project tags.
pub const PROJECT_TAG_PREFIX: &str = "Microsoft.TeamFoundation.Project.Tag.";

impl AdoClient {
    /// Lists the organization's (well-formed) projects.
    pub fn projects(&self) -> Pager<Project> {
        self.list(Request::new(Operation::ListProjects, &[]))
    }

    /// Gets one project by id or name, with its capabilities and default team.
    ///
    /// # Errors
    ///
    /// Any request or decode error; a missing project is an [`Error::Api`](crate::Error::Api)
    /// with status 404.
    pub async fn project(&self, project: &str) -> Result<Listed<ProjectDetails>> {
        let request =
            Request::new(Operation::GetProject, &[&project]).query("includeCapabilities", true);
        self.get_listed(&request).await
    }

    /// Lists a project's properties whose names match `keys` (comma-separated, `*` wildcards).
    pub fn project_properties(&self, project_id: &str, keys: &str) -> Pager<ProjectProperty> {
        self.list(Request::new(Operation::GetProjectProperties, &[&project_id]).query("keys", keys))
    }

    /// Reads a project's tags (the names of its `Microsoft.TeamFoundation.Project.Tag.*`
    /// properties, without that prefix).
    ///
    /// # Errors
    ///
    /// Any request or decode error.
    pub async fn project_tags(&self, project_id: &str) -> Result<Vec<String>> {
        use futures::TryStreamExt as _;
        let keys = format!("{PROJECT_TAG_PREFIX}*");
        self.project_properties(project_id, &keys)
            .try_filter_map(|property| {
                let tag = property
                    .item
                    .name
                    .strip_prefix(PROJECT_TAG_PREFIX)
                    .map(str::to_owned);
                async move { Ok(tag) }
            })
            .try_collect()
            .await
    }

    /// Lists every team of the organization.
    pub fn teams(&self) -> Pager<Team> {
        self.list(Request::new(Operation::ListAllTeams, &[]))
    }

    /// Lists the teams of one project.
    pub fn project_teams(&self, project_id: &str) -> Pager<Team> {
        self.list(Request::new(Operation::ListProjectTeams, &[&project_id]))
    }

    /// Lists the members of a team.
    pub fn team_members(&self, project_id: &str, team_id: &str) -> Pager<TeamMember> {
        self.list(Request::new(
            Operation::ListTeamMembers,
            &[&project_id, &team_id],
        ))
    }
}
