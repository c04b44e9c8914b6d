//! `test-run`.

use std::collections::HashSet;
use std::sync::Arc;

use ado_client::AdoClient;
use ado_client::models::TestRun;
use ado_client::pager::Listed;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt, stream};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::{FAN_OUT, ItemStream, enrich, for_each, projects_of};
use crate::org::OrgScope;

/// The longest window the test runs query accepts.
const TEST_RUN_WINDOW: SignedDuration = SignedDuration::from_hours(7 * 24);

/// `test-run`: every project's test runs, with `__testResults` (the run's results) when
/// `include_results`, and `__codeCoverage` (the coverage of the run's build, `{}` without a
/// build or coverage) when `coverage_flags` is set. With `since`, only the runs updated at or
/// after it.
pub(super) fn test_runs(
    org: &Arc<OrgScope>,
    include_results: bool,
    coverage_flags: Option<u32>,
    since: Option<Timestamp>,
) -> ItemStream {
    let scope = Arc::clone(org);
    for_each(projects_of(org), move |project| {
        let client = scope.client.clone();
        let project_id: Arc<str> = project.id.into();
        let runs = match since {
            None => client.test_runs(&project_id).boxed(),
            Some(since) => updated_test_runs(&client, &project_id, since),
        };
        runs.map(move |run| {
            let client = client.clone();
            let project_id = Arc::clone(&project_id);
            async move {
                test_run_item(&client, &project_id, run?, include_results, coverage_flags).await
            }
        })
        .buffered(FAN_OUT)
    })
}

/// A project's test runs updated from `since` to now, queried window by window, each run once.
fn updated_test_runs(
    client: &AdoClient,
    project: &str,
    since: Timestamp,
) -> BoxStream<'static, ado_client::Result<Listed<TestRun>>> {
    let client = client.clone();
    let project = project.to_owned();
    let mut seen = HashSet::new();
    stream::iter(windows(since, Timestamp::now()))
        .map(move |(start, end)| client.updated_test_runs(&project, start, end))
        .flatten()
        .try_filter(move |run| std::future::ready(seen.insert(run.item.id)))
        .boxed()
}

/// Consecutive windows from `since` to `until`, each at most [`TEST_RUN_WINDOW`] long.
fn windows(since: Timestamp, until: Timestamp) -> Vec<(Timestamp, Timestamp)> {
    let mut windows = Vec::new();
    let mut start = since;
    while start < until {
        let end = start
            .checked_add(TEST_RUN_WINDOW)
            .map_or(until, |end| end.min(until));
        windows.push((start, end));
        start = end;
    }
    windows
}

/// A `test-run` item: the run with `__testResults` and `__codeCoverage` as requested.
pub(super) async fn test_run_item(
    client: &AdoClient,
    project_id: &str,
    run: Listed<TestRun>,
    include_results: bool,
    coverage_flags: Option<u32>,
) -> ado_client::Result<Value> {
    // The runs query form names the build in `buildConfiguration` only, its id a number.
    let build_id = run.item.build.and_then(|build| build.id).or_else(|| {
        let id = run.raw["buildConfiguration"]["id"].as_i64();
        id.filter(|id| *id > 0).map(|id| id.to_string())
    });
    let mut item = run.raw;
    if include_results {
        let results: Vec<Value> = client
            .test_results(project_id, run.item.id)
            .map_ok(|result| result.raw)
            .try_collect()
            .await?;
        item = enrich(item, [("__testResults", Value::Array(results))]);
    }
    if let Some(flags) = coverage_flags {
        let coverage = match build_id {
            Some(build_id) => {
                let listed: ado_client::Result<Vec<Value>> = client
                    .build_code_coverage(project_id, &build_id, flags)
                    .map_ok(|coverage| coverage.raw)
                    .try_collect()
                    .await;
                match listed {
                    Ok(value) => json!({ "count": value.len(), "value": value }),
                    Err(e) if e.is_not_found() => json!({}),
                    Err(e) => return Err(e),
                }
            }
            None => json!({}),
        };
        item = enrich(item, [("__codeCoverage", coverage)]);
    }
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_consecutive_and_at_most_seven_days_long() {
        let at = |time: &str| time.parse::<Timestamp>().expect("a time");
        assert_eq!(
            windows(at("2026-11-01T00:00:00Z"), at("2026-11-16T12:00:00Z")),
            [
                (at("2026-11-01T00:00:00Z"), at("2026-11-08T00:00:00Z")),
                (at("2026-11-08T00:00:00Z"), at("2026-11-15T00:00:00Z")),
                (at("2026-11-15T00:00:00Z"), at("2026-11-16T12:00:00Z")),
            ]
        );
        let now = at("2026-11-16T12:00:00Z");
        assert_eq!(windows(now, now), []);
    }
}
