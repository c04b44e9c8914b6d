//! The endpoint table: one row per Azure DevOps REST operation this crate calls, with its host,
//! method and path template, how a listing of it pages and where the list's items are, and the
//! api-version each profile sends (`None` where the server lacks the operation).
//!
//! A path template is relative to the host's base URL; each `{name}` segment is a path
//! parameter, filled in order from the call's parameters and percent-encoded as one segment.
//! The names are those of Microsoft's REST reference.

use std::fmt;

use reqwest::Method;

use crate::organization::Service;
use crate::pager::Paging::{self, BodyToken, Offset, Single, Token};
use crate::pager::{
    COMMIT_CHANGES, ENTITLEMENTS_LEGACY, PROJECTS, PULL_REQUESTS, REFS, RELEASES, TEAMS,
    TEST_RESULTS, TEST_RUNS, TOKEN_PAGED, WIKI_PAGES,
};
use crate::profile::ApiProfile;

/// Where an operation's requests go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Host {
    /// The base URL of this service.
    Service(Service),
    /// The service each call names: service hooks live on the host of their publisher.
    PerCall,
}

/// The HTTP method of an operation, and whether sending it twice does harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    /// `GET`.
    Get,
    /// `POST` of a read-only query with a JSON body (WIQL, batch reads): safe to send again.
    Query,
    /// `POST` creating a resource from a JSON body: not sent again once it may have reached
    /// the server, so a retry never creates the resource twice.
    Create,
    /// `DELETE`.
    Delete,
}

impl Verb {
    /// The HTTP method (the documentation of [`Operation`] spells it in `endpoints!`).
    pub(crate) fn method(self) -> Method {
        match self {
            Self::Get => Method::GET,
            Self::Query | Self::Create => Method::POST,
            Self::Delete => Method::DELETE,
        }
    }

    /// Whether sending the request twice has the effect of sending it once.
    pub(crate) fn is_idempotent(self) -> bool {
        self != Self::Create
    }

    /// Whether the request carries a JSON body.
    pub(crate) fn has_body(self) -> bool {
        matches!(self, Self::Query | Self::Create)
    }
}

/// The api-versions of an operation on Cloud, Server 2019, Server 2020 and Server 2022.
type Versions = [Option<&'static str>; 4];

const RELEASED: Versions = [Some("7.1"), Some("5.0"), Some("6.0"), Some("7.0")];
const SINCE_2020: Versions = [Some("7.1"), None, Some("6.0-preview.1"), Some("7.0")];
const PREVIEW_1: Versions = [
    Some("7.1-preview.1"),
    Some("5.0-preview.1"),
    Some("6.0-preview.1"),
    Some("7.0-preview.1"),
];
const CLOUD_ONLY: Versions = [Some("7.1"), None, None, None];
const CLOUD_ONLY_PREVIEW: Versions = [Some("7.1-preview.1"), None, None, None];
const ADVANCED_SECURITY: Versions = [Some("7.2-preview.1"), None, None, None];

/// One operation's row.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub(crate) host: Host,
    pub(crate) verb: Verb,
    /// The path template, relative to the host's base URL.
    pub(crate) path: &'static str,
    /// How a listing of the operation pages ([`Single`] when one response holds it all).
    paging: Paging,
    /// Profiles whose version of the operation takes no paging parameters: one response there.
    unpaged_on: &'static [ApiProfile],
    /// Body keys that may hold a list's items, tried in order (a bare array also works).
    pub(crate) items: &'static [&'static str],
    versions: Versions,
    /// What the operation does, for messages (`listing builds`).
    doing: &'static str,
}

/// Declares [`Operation`] and its rows, in the same order. Each row gives `host` (a
/// [`Service`] variant or `PerCall`), `verb`, `path`, then optionally `paging` (default
/// [`Single`]), `unpaged_on` (default none) and `items` (default `value`), then `versions` and
/// `doing`. Each variant's documentation is its method and path, prefixed by its host when that
/// is not the organization's.
macro_rules! endpoints {
    (@or ; $default:expr) => { $default };
    (@or $value:expr; $default:expr) => { $value };
    (@host PerCall) => { Host::PerCall };
    (@host $service:ident) => { Host::Service(Service::$service) };
    (@method Get) => { "GET" };
    (@method Query) => { "POST" };
    (@method Create) => { "POST" };
    (@method Delete) => { "DELETE" };
    (@base Core) => { "" };
    (@base Release) => { "{vsrm}/" };
    (@base Graph) => { "{vssps}/" };
    (@base Entitlements) => { "{vsaex}/" };
    (@base AdvancedSecurity) => { "{advsec}/" };
    (@base PerCall) => { "{publisher host}/" };
    ($(
        $operation:ident {
            host: $host:ident,
            verb: $verb:ident,
            path: $path:literal,
            $(paging: $paging:expr,)?
            $(unpaged_on: $unpaged_on:expr,)?
            $(items: $items:expr,)?
            versions: $versions:expr,
            doing: $doing:literal,
        }
    )*) => {
        /// An Azure DevOps REST operation this crate calls. Each variant names its method and
        /// path template, relative to the organization (or collection) URL or, in braces, to
        /// another service's host.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Operation {
            $(
                #[doc = concat!(
                    "`", endpoints!(@method $verb), " ", endpoints!(@base $host), $path, "`: ",
                    $doing, "."
                )]
                $operation,
            )*
        }

        const ENDPOINTS: &[Endpoint] = &[$(
            Endpoint {
                host: endpoints!(@host $host),
                verb: Verb::$verb,
                path: $path,
                paging: endpoints!(@or $($paging)?; Single),
                unpaged_on: endpoints!(@or $($unpaged_on)?; &[]),
                items: endpoints!(@or $($items)?; &["value"]),
                versions: $versions,
                doing: $doing,
            },
        )*];

        #[cfg(test)]
        impl Operation {
            /// Every operation.
            pub(crate) const ALL: &[Self] = &[$(Self::$operation),*];
        }
    };
}

endpoints! {
    // Core: projects and teams.
    ListProjects {
        host: Core, verb: Get, path: "_apis/projects",
        paging: Token { top: Some(("$top", PROJECTS)) },
        versions: RELEASED, doing: "listing projects",
    }
    GetProject {
        host: Core, verb: Get, path: "_apis/projects/{projectId}",
        versions: RELEASED, doing: "getting a project",
    }
    GetProjectProperties {
        host: Core, verb: Get, path: "_apis/projects/{projectId}/properties",
        versions: PREVIEW_1, doing: "reading project properties",
    }
    ListAllTeams {
        host: Core, verb: Get, path: "_apis/teams",
        paging: Offset { top: "$top", skip: "$skip", size: TEAMS },
        versions: [
            Some("7.1-preview.3"),
            Some("5.0-preview.2"),
            Some("6.0-preview.3"),
            Some("7.0-preview.3"),
        ],
        doing: "listing the organization's teams",
    }
    ListProjectTeams {
        host: Core, verb: Get, path: "_apis/projects/{projectId}/teams",
        paging: Offset { top: "$top", skip: "$skip", size: TEAMS },
        versions: RELEASED, doing: "listing a project's teams",
    }
    ListTeamMembers {
        host: Core, verb: Get, path: "_apis/projects/{projectId}/teams/{teamId}/members",
        paging: Offset { top: "$top", skip: "$skip", size: TEAMS },
        versions: RELEASED, doing: "listing team members",
    }

    // Boards and work items.
    ListTeamIterations {
        host: Core, verb: Get, path: "{project}/{team}/_apis/work/teamsettings/iterations",
        // Older servers name the array `values`.
        items: &["value", "values"],
        versions: RELEASED, doing: "listing team iterations",
    }
    GetClassificationNode {
        host: Core, verb: Get, path: "{project}/_apis/wit/classificationnodes/{structureGroup}",
        versions: RELEASED, doing: "reading classification nodes",
    }
    // One page of ids per query; `AdoClient::work_item_ids` pages by id ranges.
    QueryWiql {
        host: Core, verb: Query, path: "{project}/_apis/wit/wiql",
        versions: RELEASED, doing: "running a WIQL query",
    }
    GetWorkItemsBatch {
        host: Core, verb: Query, path: "{project}/_apis/wit/workitemsbatch",
        versions: RELEASED, doing: "reading work items",
    }
    ListBoards {
        host: Core, verb: Get, path: "{project}/{team}/_apis/work/boards",
        versions: RELEASED, doing: "listing boards",
    }
    GetBoard {
        host: Core, verb: Get, path: "{project}/{team}/_apis/work/boards/{id}",
        versions: RELEASED, doing: "reading a board",
    }

    // Test plans.
    ListTestRuns {
        host: Core, verb: Get, path: "{project}/_apis/test/runs",
        paging: Offset { top: "$top", skip: "$skip", size: TEST_RUNS },
        versions: RELEASED, doing: "listing test runs",
    }
    QueryTestRuns {
        host: Core, verb: Get, path: "{project}/_apis/test/runs",
        paging: Token { top: Some(("$top", TEST_RUNS)) },
        versions: RELEASED, doing: "listing test runs updated in a time window",
    }
    ListTestResults {
        host: Core, verb: Get, path: "{project}/_apis/test/runs/{runId}/results",
        paging: Offset { top: "$top", skip: "$skip", size: TEST_RESULTS },
        versions: RELEASED, doing: "listing test results",
    }
    GetBuildCodeCoverage {
        host: Core, verb: Get, path: "{project}/_apis/test/codecoverage",
        versions: PREVIEW_1, doing: "reading build code coverage",
    }

    // Wikis.
    ListWikis {
        host: Core, verb: Get, path: "{project}/_apis/wiki/wikis",
        versions: RELEASED, doing: "listing wikis",
    }
    ListWikiPages {
        host: Core, verb: Query, path: "{project}/_apis/wiki/wikis/{wikiIdentifier}/pagesbatch",
        paging: BodyToken { top: ("top", WIKI_PAGES) },
        versions: [
            Some("7.1-preview.1"),
            None,
            Some("6.0-preview.1"),
            Some("7.0-preview.1"),
        ],
        doing: "listing wiki pages",
    }
    GetWikiPage {
        host: Core, verb: Get, path: "{project}/_apis/wiki/wikis/{wikiIdentifier}/pages/{id}",
        versions: [Some("7.1"), None, Some("6.0"), Some("7.0")],
        doing: "reading a wiki page",
    }

    // Graph and member entitlements.
    ListGraphUsers {
        host: Graph, verb: Get, path: "_apis/graph/users",
        paging: Token { top: None },
        versions: CLOUD_ONLY_PREVIEW, doing: "listing graph users",
    }
    ListGraphGroups {
        host: Graph, verb: Get, path: "_apis/graph/groups",
        paging: Token { top: None },
        versions: CLOUD_ONLY_PREVIEW, doing: "listing graph groups",
    }
    ListGraphMemberships {
        host: Graph, verb: Get, path: "_apis/graph/memberships/{subjectDescriptor}",
        versions: CLOUD_ONLY_PREVIEW, doing: "listing graph memberships",
    }
    LookupGraphSubjects {
        host: Graph, verb: Query, path: "_apis/graph/subjectlookup",
        versions: CLOUD_ONLY_PREVIEW, doing: "looking up graph subjects",
    }
    // The users are under `items` (7.1) or `members` (6.0, 7.0).
    ListUserEntitlements {
        host: Entitlements, verb: Get, path: "_apis/userentitlements",
        paging: Token { top: None },
        items: &["items", "members", "value"],
        versions: CLOUD_ONLY, doing: "listing user entitlements",
    }
    ListUserEntitlementsLegacy {
        host: Entitlements, verb: Get, path: "_apis/userentitlements",
        paging: Offset { top: "top", skip: "skip", size: ENTITLEMENTS_LEGACY },
        items: &["items", "members", "value"],
        versions: [Some("5.1-preview.2"), None, None, None],
        doing: "listing user entitlements (top/skip form)",
    }

    // Git.
    ListRepositories {
        host: Core, verb: Get, path: "{project}/_apis/git/repositories",
        versions: RELEASED, doing: "listing Git repositories",
    }
    ListAllRepositories {
        host: Core, verb: Get, path: "_apis/git/repositories",
        versions: RELEASED, doing: "listing the organization's Git repositories",
    }
    GetRepository {
        host: Core, verb: Get, path: "{project}/_apis/git/repositories/{repositoryId}",
        versions: RELEASED, doing: "getting a Git repository",
    }
    GetItem {
        host: Core, verb: Get, path: "{project}/_apis/git/repositories/{repositoryId}/items",
        versions: RELEASED, doing: "reading a Git item",
    }
    // The items of a folder (`scopePath`).
    ListItems {
        host: Core, verb: Get, path: "{project}/_apis/git/repositories/{repositoryId}/items",
        versions: RELEASED, doing: "listing Git items",
    }
    ListRefs {
        host: Core, verb: Get, path: "{project}/_apis/git/repositories/{repositoryId}/refs",
        paging: Token { top: Some(("$top", REFS)) },
        versions: RELEASED, doing: "listing Git refs",
    }
    GetCommitChanges {
        host: Core, verb: Get,
        path: "{project}/_apis/git/repositories/{repositoryId}/commits/{commitId}/changes",
        paging: Offset { top: "top", skip: "skip", size: COMMIT_CHANGES },
        items: &["changes"],
        versions: RELEASED, doing: "reading a commit's changes",
    }
    // Server 2019's `5.0-preview.1` takes no paging parameters.
    ListPolicyConfigurations {
        host: Core, verb: Get, path: "{project}/_apis/git/policy/configurations",
        paging: Token { top: Some(("$top", TOKEN_PAGED)) },
        unpaged_on: &[ApiProfile::Server2019],
        versions: [Some("7.1"), Some("5.0-preview.1"), Some("6.0-preview.1"), Some("7.0")],
        doing: "listing policy configurations",
    }
    ListPullRequests {
        host: Core, verb: Get, path: "{project}/_apis/git/pullrequests",
        paging: Offset { top: "$top", skip: "$skip", size: PULL_REQUESTS },
        versions: RELEASED, doing: "listing pull requests",
    }
    // `searchCriteria.minTime`/`maxTime` need 7.1.
    ListPullRequestsByTime {
        host: Core, verb: Get, path: "{project}/_apis/git/pullrequests",
        paging: Offset { top: "$top", skip: "$skip", size: PULL_REQUESTS },
        versions: CLOUD_ONLY, doing: "filtering pull requests by time",
    }
    GetPullRequest {
        host: Core, verb: Get, path: "_apis/git/pullrequests/{pullRequestId}",
        versions: RELEASED, doing: "getting a pull request",
    }

    // Builds.
    ListBuilds {
        host: Core, verb: Get, path: "{project}/_apis/build/builds",
        paging: Token { top: Some(("$top", TOKEN_PAGED)) },
        versions: RELEASED, doing: "listing builds",
    }
    GetBuild {
        host: Core, verb: Get, path: "{project}/_apis/build/builds/{buildId}",
        versions: RELEASED, doing: "getting a build",
    }
    GetBuildTimeline {
        host: Core, verb: Get, path: "{project}/_apis/build/builds/{buildId}/timeline",
        items: &["records"],
        versions: RELEASED, doing: "reading a build timeline",
    }

    // YAML pipelines and environments.
    ListPipelines {
        host: Core, verb: Get, path: "{project}/_apis/pipelines",
        paging: Token { top: Some(("$top", TOKEN_PAGED)) },
        versions: SINCE_2020, doing: "listing pipelines",
    }
    GetPipeline {
        host: Core, verb: Get, path: "{project}/_apis/pipelines/{pipelineId}",
        versions: SINCE_2020, doing: "getting a pipeline",
    }
    // Up to 10000 runs in one response.
    ListPipelineRuns {
        host: Core, verb: Get, path: "{project}/_apis/pipelines/{pipelineId}/runs",
        versions: SINCE_2020, doing: "listing pipeline runs",
    }
    GetPipelineRun {
        host: Core, verb: Get, path: "{project}/_apis/pipelines/{pipelineId}/runs/{runId}",
        versions: SINCE_2020, doing: "getting a pipeline run",
    }
    ListEnvironments {
        host: Core, verb: Get, path: "{project}/_apis/distributedtask/environments",
        paging: Token { top: Some(("$top", TOKEN_PAGED)) },
        versions: SINCE_2020, doing: "listing environments",
    }
    // This endpoint spells its page size `top`, without the `$`.
    ListEnvironmentDeploymentRecords {
        host: Core, verb: Get,
        path: "{project}/_apis/distributedtask/environments/{environmentId}/environmentdeploymentrecords",
        paging: Token { top: Some(("top", TOKEN_PAGED)) },
        versions: SINCE_2020, doing: "listing environment deployment records",
    }

    // Advanced Security.
    ListAdvancedSecurityAlerts {
        host: AdvancedSecurity, verb: Get,
        path: "{project}/_apis/alert/repositories/{repository}/alerts",
        paging: Token { top: None },
        versions: ADVANCED_SECURITY, doing: "listing Advanced Security alerts",
    }
    GetAdvancedSecurityAlert {
        host: AdvancedSecurity, verb: Get,
        path: "{project}/_apis/alert/repositories/{repository}/alerts/{alertId}",
        versions: ADVANCED_SECURITY, doing: "getting an Advanced Security alert",
    }

    // Classic releases.
    ListReleases {
        host: Release, verb: Get, path: "{project}/_apis/release/releases",
        paging: Token { top: Some(("$top", RELEASES)) },
        versions: RELEASED, doing: "listing releases",
    }
    GetRelease {
        host: Release, verb: Get, path: "{project}/_apis/release/releases/{releaseId}",
        versions: RELEASED, doing: "getting a release",
    }
    ListReleaseDeployments {
        host: Release, verb: Get, path: "{project}/_apis/release/deployments",
        paging: Token { top: Some(("$top", RELEASES)) },
        versions: RELEASED, doing: "listing release deployments",
    }
    ListReleaseDefinitions {
        host: Release, verb: Get, path: "{project}/_apis/release/definitions",
        paging: Token { top: Some(("$top", RELEASES)) },
        versions: RELEASED, doing: "listing release definitions",
    }
    GetReleaseDefinition {
        host: Release, verb: Get, path: "{project}/_apis/release/definitions/{definitionId}",
        versions: RELEASED, doing: "getting a release definition",
    }

    // Service hooks.
    ListHookSubscriptions {
        host: PerCall, verb: Get, path: "_apis/hooks/subscriptions",
        versions: RELEASED, doing: "listing service hook subscriptions",
    }
    CreateHookSubscription {
        host: PerCall, verb: Create, path: "_apis/hooks/subscriptions",
        versions: RELEASED, doing: "creating a service hook subscription",
    }
    DeleteHookSubscription {
        host: PerCall, verb: Delete, path: "_apis/hooks/subscriptions/{subscriptionId}",
        versions: RELEASED, doing: "deleting a service hook subscription",
    }
}

impl Operation {
    /// This operation's row.
    pub(crate) fn endpoint(self) -> &'static Endpoint {
        &ENDPOINTS[self as usize]
    }
}

/// What the operation does, e.g. `listing builds`.
impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.endpoint().doing)
    }
}

impl Endpoint {
    /// The api-version `profile` sends, `None` when the server lacks the operation.
    pub(crate) fn version(&self, profile: ApiProfile) -> Option<&'static str> {
        let [cloud, server_2019, server_2020, server_2022] = self.versions;
        match profile {
            ApiProfile::Cloud => cloud,
            ApiProfile::Server2019 => server_2019,
            ApiProfile::Server2020 => server_2020,
            ApiProfile::Server2022 => server_2022,
        }
    }

    /// How a listing pages on `profile`.
    pub(crate) fn paging(&self, profile: ApiProfile) -> Paging {
        if self.unpaged_on.contains(&profile) {
            Single
        } else {
            self.paging
        }
    }

    /// The service of a call that names `chosen` (or not), `None` when that is not what the
    /// row says.
    pub(crate) fn service(&self, chosen: Option<Service>) -> Option<Service> {
        match (self.host, chosen) {
            (Host::Service(service), None) | (Host::PerCall, Some(service)) => Some(service),
            _ => None,
        }
    }

    /// The path's segments with `params` in place of its parameters, in order; `None` when
    /// `params` are more or fewer than those.
    pub(crate) fn segments<'a>(&self, params: &'a [String]) -> Option<Vec<&'a str>> {
        let mut params = params.iter();
        let segments = self
            .path
            .split('/')
            .map(|segment| {
                if is_param(segment) {
                    params.next().map(String::as_str)
                } else {
                    Some(segment)
                }
            })
            .collect::<Option<Vec<_>>>()?;
        params.next().is_none().then_some(segments)
    }
}

/// Whether a path template segment is a parameter (`{name}`).
fn is_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

#[cfg(test)]
mod tests;
