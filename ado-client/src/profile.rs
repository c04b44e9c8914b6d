//! API profiles (which Azure DevOps flavour is on the other end) and the api-version table.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::organization::Organization;

/// The Azure DevOps flavour a client talks to; it decides the `api-version` of every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiProfile {
    /// Azure DevOps Services (api-version 7.1).
    Cloud,
    /// Azure DevOps Server 2019 (api-version 5.0).
    Server2019,
    /// Azure DevOps Server 2020 (api-version 6.0).
    Server2020,
    /// Azure DevOps Server 2022 (api-version 7.0).
    Server2022,
}

impl ApiProfile {
    /// Every profile, in the order of [`Display`](fmt::Display) names: `cloud`,
    /// `server-2019`, `server-2020`, `server-2022`.
    pub const ALL: [Self; 4] = [
        Self::Cloud,
        Self::Server2019,
        Self::Server2020,
        Self::Server2022,
    ];

    /// Infers the profile from the organization: `dev.azure.com`, `*.visualstudio.com` and any
    /// organization with a service URL override (separate service hosts exist only on Azure
    /// DevOps Services) are [`Cloud`](Self::Cloud); anything else is
    /// [`Server2022`](Self::Server2022).
    #[must_use]
    pub fn infer(organization: &Organization) -> Self {
        if organization.is_cloud() || organization.has_service_url_overrides() {
            Self::Cloud
        } else {
            Self::Server2022
        }
    }

    /// The product this profile talks to, e.g. `Azure DevOps Server 2019`, for messages.
    #[must_use]
    pub fn product_name(self) -> &'static str {
        match self {
            Self::Cloud => "Azure DevOps Services",
            Self::Server2019 => "Azure DevOps Server 2019",
            Self::Server2020 => "Azure DevOps Server 2020",
            Self::Server2022 => "Azure DevOps Server 2022",
        }
    }

    /// The setting name: `cloud`, `server-2019`, `server-2020` or `server-2022`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Cloud => "cloud",
            Self::Server2019 => "server-2019",
            Self::Server2020 => "server-2020",
            Self::Server2022 => "server-2022",
        }
    }

    /// The api-version this profile uses for `operation`, or `None` when the server lacks it.
    #[must_use]
    pub fn api_version(self, operation: Operation) -> Option<&'static str> {
        let [cloud, s2019, s2020, s2022] = operation.versions();
        match self {
            Self::Cloud => cloud,
            Self::Server2019 => s2019,
            Self::Server2020 => s2020,
            Self::Server2022 => s2022,
        }
    }
}

/// The setting name ([`name`](ApiProfile::name)), which [`FromStr`] reads back.
impl fmt::Display for ApiProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Reads `cloud`, `server-2019`, `server-2020` or `server-2022`, ignoring ASCII case.
impl FromStr for ApiProfile {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::Config(format!(
                    "unknown API profile `{s}` (expected cloud, server-2019, server-2020 or server-2022)"
                ))
            })
    }
}

/// An Azure DevOps REST operation this crate calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `GET _apis/projects`
    ListProjects,
    /// `GET _apis/projects/{id}`
    GetProject,
    /// `GET _apis/projects/{id}/properties`
    GetProjectProperties,
    /// `GET _apis/teams` (every team of the organization)
    ListAllTeams,
    /// `GET _apis/projects/{id}/teams`
    ListProjectTeams,
    /// `GET _apis/projects/{id}/teams/{team}/members`
    ListTeamMembers,
    /// `GET {project}/{team}/_apis/work/teamsettings/iterations`
    ListTeamIterations,
    /// `GET {project}/_apis/wit/classificationnodes/{group}`
    GetClassificationNode,
    /// `POST {project}/_apis/wit/wiql`
    QueryWiql,
    /// `POST {project}/_apis/wit/workitemsbatch`
    GetWorkItemsBatch,
    /// `GET {project}/{team}/_apis/work/boards`
    ListBoards,
    /// `GET {project}/{team}/_apis/work/boards/{id}`
    GetBoard,
    /// `GET {project}/_apis/test/runs`
    ListTestRuns,
    /// `GET {project}/_apis/test/runs/{id}/results`
    ListTestResults,
    /// `GET {project}/_apis/test/codecoverage?buildId`
    GetBuildCodeCoverage,
    /// `GET {project}/_apis/wiki/wikis`
    ListWikis,
    /// `POST {project}/_apis/wiki/wikis/{id}/pagesbatch`
    ListWikiPages,
    /// `GET {project}/_apis/wiki/wikis/{id}/pages/{pageId}`
    GetWikiPage,
    /// `GET {vssps}/_apis/graph/users`
    ListGraphUsers,
    /// `GET {vssps}/_apis/graph/groups`
    ListGraphGroups,
    /// `GET {vssps}/_apis/graph/memberships/{descriptor}`
    ListGraphMemberships,
    /// `POST {vssps}/_apis/graph/subjectlookup`
    LookupGraphSubjects,
    /// `GET {vsaex}/_apis/userentitlements` (search form, continuation token in the body)
    ListUserEntitlements,
    /// `GET {vsaex}/_apis/userentitlements` (5.x form, `top`/`skip`)
    ListUserEntitlementsLegacy,
    /// `GET {project}/_apis/git/repositories`
    ListRepositories,
    /// `GET {project}/_apis/git/repositories/{id}/items`
    GetItem,
    /// `GET {project}/_apis/git/repositories/{id}/items?scopePath` (a folder's items)
    ListItems,
    /// `GET {project}/_apis/git/repositories/{id}/refs`
    ListRefs,
    /// `GET {project}/_apis/git/policy/configurations`
    ListPolicyConfigurations,
    /// `GET {project}/_apis/git/repositories/{id}`
    GetRepository,
    /// `GET {project}/_apis/git/pullrequests`
    ListPullRequests,
    /// `GET _apis/git/pullrequests/{id}` (by id, any project)
    GetPullRequest,
    /// `GET {project}/_apis/git/pullrequests` with `searchCriteria.minTime`/`maxTime`
    ListPullRequestsByTime,
    /// `GET {project}/_apis/build/builds`
    ListBuilds,
    /// `GET {project}/_apis/build/builds/{id}`
    GetBuild,
    /// `GET {project}/_apis/build/builds/{id}/timeline`
    GetBuildTimeline,
    /// `GET {project}/_apis/pipelines`
    ListPipelines,
    /// `GET {project}/_apis/pipelines/{id}`
    GetPipeline,
    /// `GET {project}/_apis/pipelines/{id}/runs`
    ListPipelineRuns,
    /// `GET {project}/_apis/pipelines/{id}/runs/{runId}`
    GetPipelineRun,
    /// `GET {project}/_apis/distributedtask/environments`
    ListEnvironments,
    /// `GET {project}/_apis/distributedtask/environments/{id}/environmentdeploymentrecords`
    ListEnvironmentDeploymentRecords,
    /// `GET {advsec}/{project}/_apis/alert/repositories/{id}/alerts`
    ListAdvancedSecurityAlerts,
    /// `GET {vsrm}/{project}/_apis/release/releases`
    ListReleases,
    /// `GET {vsrm}/{project}/_apis/release/deployments`
    ListReleaseDeployments,
    /// `GET {vsrm}/{project}/_apis/release/definitions`
    ListReleaseDefinitions,
    /// `GET _apis/hooks/subscriptions`
    ListHookSubscriptions,
    /// `POST _apis/hooks/subscriptions`
    CreateHookSubscription,
    /// `DELETE _apis/hooks/subscriptions/{id}`
    DeleteHookSubscription,
    /// `GET {project}/_apis/git/repositories/{id}/commits/{commitId}/changes`
    GetCommitChanges,
    /// `GET {vsrm}/{project}/_apis/release/releases/{id}`
    GetRelease,
    /// `GET {vsrm}/{project}/_apis/release/definitions/{id}`
    GetReleaseDefinition,
    /// `GET {advsec}/{project}/_apis/alert/repositories/{id}/alerts/{alertId}`
    GetAdvancedSecurityAlert,
}

/// Columns of the table: Cloud, Server 2019, Server 2020, Server 2022.
type Versions = [Option<&'static str>; 4];

const RELEASED: Versions = [Some("7.1"), Some("5.0"), Some("6.0"), Some("7.0")];
const SINCE_2020: Versions = [Some("7.1"), None, Some("6.0-preview.1"), Some("7.0")];
const CLOUD_ONLY_PREVIEW: Versions = [Some("7.1-preview.1"), None, None, None];

impl Operation {
    /// The api-version table: the one place that says which version each profile sends.
    fn versions(self) -> Versions {
        match self {
            Self::ListProjects
            | Self::GetProject
            | Self::ListProjectTeams
            | Self::ListTeamMembers
            | Self::ListRepositories
            | Self::GetRepository
            | Self::GetItem
            | Self::ListPullRequests
            | Self::GetPullRequest
            | Self::ListBuilds
            | Self::GetBuild
            | Self::GetBuildTimeline
            | Self::ListReleases
            | Self::ListReleaseDeployments
            | Self::ListRefs
            | Self::ListItems
            | Self::ListTeamIterations
            | Self::GetClassificationNode
            | Self::ListReleaseDefinitions
            | Self::QueryWiql
            | Self::GetWorkItemsBatch
            | Self::ListBoards
            | Self::GetBoard
            | Self::ListTestRuns
            | Self::ListTestResults
            | Self::ListWikis
            | Self::ListHookSubscriptions
            | Self::CreateHookSubscription
            | Self::DeleteHookSubscription
            | Self::GetCommitChanges
            | Self::GetRelease
            | Self::GetReleaseDefinition => RELEASED,
            Self::ListWikiPages => [
                Some("7.1-preview.1"),
                None,
                Some("6.0-preview.1"),
                Some("7.0-preview.1"),
            ],
            Self::GetWikiPage => [Some("7.1"), None, Some("6.0"), Some("7.0")],
            Self::GetBuildCodeCoverage => [
                Some("7.1-preview.1"),
                Some("5.0-preview.1"),
                Some("6.0-preview.1"),
                Some("7.0-preview.1"),
            ],
            Self::GetProjectProperties => [
                Some("7.1-preview.1"),
                Some("5.0-preview.1"),
                Some("6.0-preview.1"),
                Some("7.0-preview.1"),
            ],
            Self::ListAllTeams => [
                Some("7.1-preview.3"),
                Some("5.0-preview.2"),
                Some("6.0-preview.3"),
                Some("7.0-preview.3"),
            ],
            Self::ListPolicyConfigurations => [
                Some("7.1"),
                Some("5.0-preview.1"),
                Some("6.0-preview.1"),
                Some("7.0"),
            ],
            Self::ListGraphUsers
            | Self::ListGraphGroups
            | Self::ListGraphMemberships
            | Self::LookupGraphSubjects => CLOUD_ONLY_PREVIEW,
            Self::ListUserEntitlements => [Some("7.1"), None, None, None],
            Self::ListUserEntitlementsLegacy => [Some("5.1-preview.2"), None, None, None],
            Self::ListPullRequestsByTime => [Some("7.1"), None, None, None],
            Self::ListAdvancedSecurityAlerts | Self::GetAdvancedSecurityAlert => {
                [Some("7.2-preview.1"), None, None, None]
            }
            Self::ListPipelines
            | Self::GetPipeline
            | Self::ListPipelineRuns
            | Self::GetPipelineRun
            | Self::ListEnvironments
            | Self::ListEnvironmentDeploymentRecords => SINCE_2020,
        }
    }

    fn description(self) -> &'static str {
        match self {
            Self::ListProjects => "listing projects",
            Self::GetProject => "getting a project",
            Self::GetProjectProperties => "reading project properties",
            Self::ListAllTeams => "listing the organization's teams",
            Self::ListProjectTeams => "listing a project's teams",
            Self::ListTeamMembers => "listing team members",
            Self::ListWikis => "listing wikis",
            Self::ListWikiPages => "listing wiki pages",
            Self::GetWikiPage => "reading a wiki page",
            Self::ListGraphUsers => "listing graph users",
            Self::ListGraphGroups => "listing graph groups",
            Self::ListGraphMemberships => "listing graph memberships",
            Self::LookupGraphSubjects => "looking up graph subjects",
            Self::ListUserEntitlements => "listing user entitlements",
            Self::ListUserEntitlementsLegacy => "listing user entitlements (top/skip form)",
            Self::ListRepositories => "listing Git repositories",
            Self::GetRepository => "getting a Git repository",
            Self::GetItem => "reading a Git item",
            Self::ListItems => "listing Git items",
            Self::ListRefs => "listing Git refs",
            Self::ListTeamIterations => "listing team iterations",
            Self::GetClassificationNode => "reading classification nodes",
            Self::QueryWiql => "running a WIQL query",
            Self::GetWorkItemsBatch => "reading work items",
            Self::ListBoards => "listing boards",
            Self::GetBoard => "reading a board",
            Self::ListTestRuns => "listing test runs",
            Self::ListTestResults => "listing test results",
            Self::GetBuildCodeCoverage => "reading build code coverage",
            Self::ListPolicyConfigurations => "listing policy configurations",
            Self::ListPullRequests => "listing pull requests",
            Self::GetPullRequest => "getting a pull request",
            Self::ListPullRequestsByTime => "filtering pull requests by time",
            Self::ListBuilds => "listing builds",
            Self::GetBuild => "getting a build",
            Self::GetBuildTimeline => "reading a build timeline",
            Self::ListPipelines => "listing pipelines",
            Self::GetPipeline => "getting a pipeline",
            Self::ListPipelineRuns => "listing pipeline runs",
            Self::GetPipelineRun => "getting a pipeline run",
            Self::ListEnvironments => "listing environments",
            Self::ListEnvironmentDeploymentRecords => "listing environment deployment records",
            Self::ListAdvancedSecurityAlerts => "listing Advanced Security alerts",
            Self::ListReleases => "listing releases",
            Self::ListReleaseDeployments => "listing release deployments",
            Self::ListReleaseDefinitions => "listing release definitions",
            Self::ListHookSubscriptions => "listing service hook subscriptions",
            Self::CreateHookSubscription => "creating a service hook subscription",
            Self::DeleteHookSubscription => "deleting a service hook subscription",
            Self::GetCommitChanges => "reading a commit's changes",
            Self::GetRelease => "getting a release",
            Self::GetReleaseDefinition => "getting a release definition",
            Self::GetAdvancedSecurityAlert => "getting an Advanced Security alert",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_clear_errors() {
        for profile in ApiProfile::ALL {
            assert_eq!(
                profile.to_string().parse::<ApiProfile>().ok(),
                Some(profile)
            );
        }
        assert_eq!(
            "Server-2019".parse::<ApiProfile>().ok(),
            Some(ApiProfile::Server2019)
        );
        let error = "server-2017".parse::<ApiProfile>().expect_err("unknown");
        assert!(error.to_string().contains("`server-2017`"), "{error}");
        assert!(error.to_string().contains("server-2022"), "{error}");
    }

    #[test]
    fn service_url_overrides_infer_cloud_and_hosts_decide_otherwise() {
        let server = Organization::parse("https://tfs.local/tfs/DefaultCollection").expect("valid");
        assert_eq!(ApiProfile::infer(&server), ApiProfile::Server2022);
        assert_eq!(
            ApiProfile::infer(&Organization::parse("https://dev.azure.com/o").expect("valid")),
            ApiProfile::Cloud
        );
        let proxied = Organization::parse("http://127.0.0.1:9/fabrikam")
            .and_then(|o| {
                o.with_service_url(
                    crate::Service::Entitlements,
                    "http://127.0.0.1:9/{organization}",
                )
            })
            .expect("valid");
        assert_eq!(ApiProfile::infer(&proxied), ApiProfile::Cloud);
    }

    #[test]
    fn previews_keep_their_full_suffix() {
        assert_eq!(
            ApiProfile::Cloud.api_version(Operation::ListAllTeams),
            Some("7.1-preview.3")
        );
        assert_eq!(
            ApiProfile::Server2019.api_version(Operation::ListAllTeams),
            Some("5.0-preview.2")
        );
        assert_eq!(
            ApiProfile::Cloud.api_version(Operation::ListGraphUsers),
            Some("7.1-preview.1")
        );
        assert_eq!(
            ApiProfile::Cloud.api_version(Operation::GetProjectProperties),
            Some("7.1-preview.1")
        );
        assert_eq!(
            ApiProfile::Server2020.api_version(Operation::ListPipelines),
            Some("6.0-preview.1")
        );
        // A preview-only API: a released version number is rejected.
        assert_eq!(
            ApiProfile::Cloud.api_version(Operation::GetBuildCodeCoverage),
            Some("7.1-preview.1")
        );
    }

    #[test]
    fn servers_lack_cloud_only_and_newer_operations() {
        for profile in [
            ApiProfile::Server2019,
            ApiProfile::Server2020,
            ApiProfile::Server2022,
        ] {
            for op in [
                Operation::ListGraphUsers,
                Operation::ListGraphGroups,
                Operation::ListGraphMemberships,
                Operation::LookupGraphSubjects,
                Operation::ListAdvancedSecurityAlerts,
                Operation::ListUserEntitlements,
                Operation::ListUserEntitlementsLegacy,
                Operation::ListPullRequestsByTime,
            ] {
                assert_eq!(profile.api_version(op), None, "{profile} {op}");
            }
        }
        for op in [
            Operation::ListPipelines,
            Operation::ListPipelineRuns,
            Operation::GetPipeline,
            Operation::GetPipelineRun,
            Operation::ListEnvironments,
            Operation::ListEnvironmentDeploymentRecords,
            Operation::ListWikiPages,
            Operation::GetWikiPage,
        ] {
            assert_eq!(ApiProfile::Server2019.api_version(op), None);
            assert!(ApiProfile::Server2020.api_version(op).is_some());
        }
    }

    #[test]
    fn released_operations_follow_the_server_version() {
        let versions: Vec<_> = [
            ApiProfile::Cloud,
            ApiProfile::Server2019,
            ApiProfile::Server2020,
            ApiProfile::Server2022,
        ]
        .into_iter()
        .map(|p| p.api_version(Operation::ListReleases))
        .collect();
        assert_eq!(
            versions,
            [Some("7.1"), Some("5.0"), Some("6.0"), Some("7.0")]
        );
    }

    #[test]
    fn work_tracking_refs_release_definitions_and_hooks_exist_on_every_profile() {
        for op in [
            Operation::ListItems,
            Operation::ListRefs,
            Operation::ListTeamIterations,
            Operation::GetClassificationNode,
            Operation::ListReleaseDefinitions,
            Operation::QueryWiql,
            Operation::GetWorkItemsBatch,
            Operation::ListBoards,
            Operation::GetBoard,
            Operation::ListTestRuns,
            Operation::ListTestResults,
            Operation::ListWikis,
            Operation::ListHookSubscriptions,
            Operation::CreateHookSubscription,
            Operation::DeleteHookSubscription,
        ] {
            assert_eq!(ApiProfile::Cloud.api_version(op), Some("7.1"), "{op}");
            assert_eq!(ApiProfile::Server2019.api_version(op), Some("5.0"), "{op}");
            assert_eq!(ApiProfile::Server2020.api_version(op), Some("6.0"), "{op}");
            assert_eq!(ApiProfile::Server2022.api_version(op), Some("7.0"), "{op}");
        }
    }

    #[test]
    fn infers_from_the_host() {
        let cloud = Organization::parse("https://dev.azure.com/x").expect("valid");
        let vs = Organization::parse("https://x.visualstudio.com").expect("valid");
        let server = Organization::parse("https://tfs/tfs/DefaultCollection").expect("valid");
        assert_eq!(ApiProfile::infer(&cloud), ApiProfile::Cloud);
        assert_eq!(ApiProfile::infer(&vs), ApiProfile::Cloud);
        assert_eq!(ApiProfile::infer(&server), ApiProfile::Server2022);
    }
}
