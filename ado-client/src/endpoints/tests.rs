//! The endpoint table's own rules, and its rows against Microsoft's example requests.

use std::collections::HashSet;

use serde_json::{Map, Value};
use url::Url;

use super::*;
use crate::organization::Organization;

#[test]
fn paths_are_relative_segments_with_whole_segment_parameters() {
    for &operation in Operation::ALL {
        let path = operation.endpoint().path;
        let segments: Vec<_> = path.split('/').collect();
        assert_eq!(
            segments.iter().filter(|s| **s == "_apis").count(),
            1,
            "{operation:?}: {path}"
        );
        for segment in segments {
            let name = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
            match name {
                Some(name) => assert!(
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()),
                    "{operation:?}: {path}"
                ),
                None => assert!(
                    !segment.is_empty() && !segment.contains(['{', '}']),
                    "{operation:?}: {path}"
                ),
            }
        }
    }
}

#[test]
fn parameters_fill_the_path_in_order_and_must_all_be_given() {
    let timeline = Operation::GetBuildTimeline.endpoint();
    let params = ["My Project", "42", "x"].map(str::to_owned);
    assert_eq!(
        timeline.segments(&params[..2]),
        Some(vec![
            "My Project",
            "_apis",
            "build",
            "builds",
            "42",
            "timeline"
        ])
    );
    assert_eq!(timeline.segments(&params[..1]), None, "too few");
    assert_eq!(timeline.segments(&params), None, "too many");
    assert_eq!(
        Operation::ListProjects.endpoint().segments(&[]),
        Some(vec!["_apis", "projects"])
    );
}

#[test]
fn only_per_call_hosts_take_the_service_a_call_names() {
    let hooks = Operation::ListHookSubscriptions.endpoint();
    assert_eq!(
        hooks.service(Some(Service::Release)),
        Some(Service::Release)
    );
    assert_eq!(hooks.service(None), None);
    let releases = Operation::ListReleases.endpoint();
    assert_eq!(releases.service(None), Some(Service::Release));
    assert_eq!(releases.service(Some(Service::Core)), None);
}

#[test]
fn policy_configurations_are_one_response_on_server_2019_only() {
    let policies = Operation::ListPolicyConfigurations.endpoint();
    assert!(matches!(policies.paging(ApiProfile::Server2019), Single));
    for profile in [
        ApiProfile::Cloud,
        ApiProfile::Server2020,
        ApiProfile::Server2022,
    ] {
        assert!(
            matches!(policies.paging(profile), Token { .. }),
            "{profile}"
        );
    }
}

/// The operations Microsoft's 7.1 examples show a request of, by the start of the examples'
/// names in `tests/fixtures/examples/requests-7.1.json`.
const EXAMPLES: &[(&str, &[Operation])] = &[
    ("core/projects_list", &[Operation::ListProjects]),
    ("core/team_members_list", &[Operation::ListTeamMembers]),
    (
        "core/teams_list_project_teams",
        &[Operation::ListProjectTeams],
    ),
    ("git/items_get", &[Operation::GetItem]),
    ("git/items_list", &[Operation::ListItems]),
    (
        "git/pullrequests_list_by_project",
        &[
            Operation::ListPullRequests,
            Operation::ListPullRequestsByTime,
        ],
    ),
    ("git/refs_list", &[Operation::ListRefs]),
    (
        "git/repositories_list",
        &[Operation::ListAllRepositories, Operation::ListRepositories],
    ),
    ("graph/users_list", &[Operation::ListGraphUsers]),
    (
        "hooks/subscriptions_create",
        &[Operation::CreateHookSubscription],
    ),
    (
        "hooks/subscriptions_list",
        &[Operation::ListHookSubscriptions],
    ),
    (
        "release/deployments_list",
        &[Operation::ListReleaseDeployments],
    ),
    ("release/releases_list", &[Operation::ListReleases]),
    (
        "test/runs_list",
        &[Operation::ListTestRuns, Operation::QueryTestRuns],
    ),
    ("wit/wiql_query_by_wiql", &[Operation::QueryWiql]),
    ("wit/workitems_batch", &[Operation::GetWorkItemsBatch]),
    ("work/iterations_list", &[Operation::ListTeamIterations]),
];

/// The operations without a Microsoft example request. `ListAllTeams` has one, captured from
/// the project teams URL; the examples next to `ListPolicyConfigurations` are of
/// `_apis/policy/configurations`, not `_apis/git/policy/configurations`.
const WITHOUT_EXAMPLE: &[Operation] = &[
    Operation::GetProject,
    Operation::GetProjectProperties,
    Operation::ListAllTeams,
    Operation::GetClassificationNode,
    Operation::ListBoards,
    Operation::GetBoard,
    Operation::ListTestResults,
    Operation::GetBuildCodeCoverage,
    Operation::ListWikis,
    Operation::ListWikiPages,
    Operation::GetWikiPage,
    Operation::ListGraphGroups,
    Operation::ListGraphMemberships,
    Operation::LookupGraphSubjects,
    Operation::ListUserEntitlements,
    Operation::ListUserEntitlementsLegacy,
    Operation::GetRepository,
    Operation::GetCommitChanges,
    Operation::ListPolicyConfigurations,
    Operation::GetPullRequest,
    Operation::ListBuilds,
    Operation::GetBuild,
    Operation::GetBuildTimeline,
    Operation::ListPipelines,
    Operation::GetPipeline,
    Operation::ListPipelineRuns,
    Operation::GetPipelineRun,
    Operation::ListEnvironments,
    Operation::ListEnvironmentDeploymentRecords,
    Operation::ListAdvancedSecurityAlerts,
    Operation::GetAdvancedSecurityAlert,
    Operation::GetRelease,
    Operation::ListReleaseDefinitions,
    Operation::GetReleaseDefinition,
    Operation::DeleteHookSubscription,
];

fn examples() -> Map<String, Value> {
    let text = include_str!("../../tests/fixtures/examples/requests-7.1.json");
    match serde_json::from_str::<Value>(text)
        .expect("JSON")
        .get("examples")
    {
        Some(Value::Object(examples)) => examples.clone(),
        _ => panic!("no examples"),
    }
}

/// Why Microsoft's example request does not fit `operation`'s row, if it does not: another
/// method or host (service hooks: the organization's, where the examples' `tfs` publisher
/// is), or a path that is not the template filled in.
///
/// The path is compared from `_apis` on, segment by segment; before it, Microsoft captured
/// several examples without the project or team that Azure DevOps routes take as optional
/// (`{organization}[/{project}[/{team}]]/_apis/...`).
fn mismatch(operation: Operation, example: &Value) -> Option<String> {
    let endpoint = operation.endpoint();
    let request = example["x-ms-vss-request-url"].as_str().unwrap_or_default();
    let why = |what: &str| {
        Some(format!(
            "{operation:?} `{}`: {what} in {request}",
            endpoint.path
        ))
    };
    if example["method"].as_str() != Some(endpoint.verb.method().as_str()) {
        return why("another method");
    }
    let Ok(url) = Url::parse(request.trim()) else {
        return why("no URL");
    };
    let organization = Organization::parse("https://dev.azure.com/fabrikam").expect("valid");
    let service = endpoint.service(None).unwrap_or(Service::Core);
    let host = organization.service_url(service);
    if !host
        .host_str()
        .unwrap_or_default()
        .eq_ignore_ascii_case(url.host_str().unwrap_or_default())
    {
        return why("another host");
    }
    // After the organization, without the empty segment of a trailing `/`.
    let theirs: Vec<_> = url
        .path_segments()
        .into_iter()
        .flatten()
        .skip(1)
        .filter(|s| !s.is_empty())
        .collect();
    let ours: Vec<_> = endpoint.path.split('/').collect();
    let apis = |segments: &[&str]| {
        segments
            .iter()
            .position(|s| s.eq_ignore_ascii_case("_apis"))
    };
    let (Some(our_apis), Some(their_apis)) = (apis(&ours), apis(&theirs)) else {
        return why("no `_apis`");
    };
    let (our_scope, our_route) = ours.split_at(our_apis);
    let (their_scope, their_route) = theirs.split_at(their_apis);
    let omitted = our_scope.get(their_scope.len()..).unwrap_or_default();
    if their_scope.len() > our_scope.len()
        || !omitted.iter().all(|s| ["{project}", "{team}"].contains(s))
        || our_route.len() != their_route.len()
    {
        return why("another number of segments");
    }
    let parameters = example["parameters"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let pairs = our_scope
        .iter()
        .zip(their_scope)
        .chain(our_route.iter().zip(their_route));
    for (ours, theirs) in pairs {
        if !fits(ours, theirs, &parameters) {
            return why(&format!("`{theirs}` where the path has `{ours}`"));
        }
    }
    None
}

/// Whether Microsoft's path segment `theirs` fits the template segment `ours`: the same text
/// (ignoring case, as Azure DevOps does), or a parameter value that the example, when it names
/// it, names the same.
fn fits(ours: &str, theirs: &str, parameters: &Map<String, Value>) -> bool {
    let Some(name) = ours.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
        return ours.eq_ignore_ascii_case(theirs);
    };
    let mut names = parameters
        .iter()
        .filter(|(_, value)| value.as_str() == Some(theirs))
        .map(|(named, _)| named)
        .peekable();
    names.peek().is_none() || names.any(|named| named.eq_ignore_ascii_case(name))
}

#[test]
fn paths_match_microsofts_example_requests() {
    let examples = examples();
    let mut failures = Vec::new();
    for (prefix, operations) in EXAMPLES {
        let shown: Vec<_> = examples
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .collect();
        assert!(!shown.is_empty(), "no example is named {prefix}*");
        for (_, example) in shown {
            failures.extend(operations.iter().filter_map(|&op| mismatch(op, example)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for name in examples.keys() {
        let owners = EXAMPLES
            .iter()
            .filter(|(prefix, _)| name.starts_with(prefix))
            .count();
        assert_eq!(owners, 1, "{name} belongs to {owners} entries of EXAMPLES");
    }
    // The comparison does catch another operation's path or host.
    let projects = &examples["core/projects_list.json"];
    assert!(mismatch(Operation::ListAllTeams, projects).is_some());
    assert!(
        mismatch(
            Operation::ListGraphUsers,
            &examples["graph/users_list.json"]
        )
        .is_none()
    );
    assert!(
        mismatch(
            Operation::ListGraphGroups,
            &examples["graph/users_list.json"]
        )
        .is_some()
    );
    let members = &examples["core/team_members_list.json"];
    assert!(mismatch(Operation::ListProjectTeams, members).is_some());
    let runs = &examples["test/runs_list__GET__test__projectName__runs.json"];
    assert!(mismatch(Operation::ListTestResults, runs).is_some());
}

#[test]
fn every_operation_is_compared_with_an_example_or_listed_without_one() {
    let with: HashSet<_> = EXAMPLES
        .iter()
        .flat_map(|(_, ops)| ops.iter().copied())
        .collect();
    let without: HashSet<_> = WITHOUT_EXAMPLE.iter().copied().collect();
    assert_eq!(without.len(), WITHOUT_EXAMPLE.len(), "listed twice");
    let both: Vec<_> = with.intersection(&without).collect();
    assert!(both.is_empty(), "with and without an example: {both:?}");
    let missing: Vec<_> = Operation::ALL
        .iter()
        .filter(|op| !with.contains(op) && !without.contains(op))
        .collect();
    assert!(
        missing.is_empty(),
        "neither with nor without an example: {missing:?}"
    );
}
