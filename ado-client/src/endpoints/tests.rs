//! The endpoint table's own rules.

use super::*;

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
