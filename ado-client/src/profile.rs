//! API profiles: which Azure DevOps flavour is on the other end, and so which api-version each
//! [`Operation`] sends.

use std::fmt;
use std::str::FromStr;

pub use crate::endpoints::Operation;
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
        operation.endpoint().version(self)
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
