//! `test-run`.

use std::collections::HashSet;
use std::sync::Arc;

use ado_client::AdoClient;
use ado_client::models::TestRun as ListedTestRun;
use ado_client::pager::Listed;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt, stream};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};

use super::item::{ItemKey, Lookup, LookupResult};
use super::listing::{FAN_OUT, enrich, for_each, projects_of};
use super::options::{OptionError, flag_or};
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry};

/// Default `flags` of the test-run `codeCoverage` option: modules, functions and blocks.
pub const DEFAULT_COVERAGE_FLAGS: u32 = 7;

/// The longest window the test runs query accepts.
const TEST_RUN_WINDOW: SignedDuration = SignedDuration::from_hours(7 * 24);

/// `test-run`, with its selector options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TestRun {
    /// `includeResults`: read each run's results.
    include_results: bool,
    /// `codeCoverage`: the coverage flags, when coverage is wanted.
    coverage_flags: Option<u32>,
}

impl KindSource for TestRun {
    const NAME: &str = "test-run";
    const CALLS: &[&str] = &[
        "GET {project}/_apis/test/runs?includeRunDetails=true per project",
        "incremental instead: GET {project}/_apis/test/runs?minLastUpdatedDate&maxLastUpdatedDate&$top=100 per project and window of at most 7 days up to now (continuation token; runs without `build`, `revision`, `comment`... of the query form)",
        "with includeResults (default): GET {project}/_apis/test/runs/{id}/results per run",
        "with codeCoverage: GET {project}/_apis/test/codecoverage?buildId&flags per run with a build (`build`, or the query form's `buildConfiguration`)",
    ];
    const ENRICHMENT: &[&str] = &["__testResults", "__codeCoverage"];
    const OPTIONS: &[&str] = &["includeResults", "codeCoverage"];
    const LISTS_CHANGES: bool = true;

    /// Every project's test runs, with `__testResults` (the run's results) when
    /// `includeResults`, and `__codeCoverage` (the coverage of the run's build, `{}` without a
    /// build or coverage) when `codeCoverage` is set. With `since`, only the runs updated at
    /// or after it.
    fn items(&self, org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        let kind = *self;
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
                async move { kind.item(&client, &project_id, run?).await }
            })
            .buffered(FAN_OUT)
        })
    }

    /// The test runs of a build.
    async fn lookup(&self, org: &OrgScope, project: &ProjectEntry, key: &ItemKey) -> LookupResult {
        let ItemKey::TestRuns { build, .. } = key else {
            return Ok(Lookup::other_kind(Self::NAME));
        };
        let client = &org.client;
        let runs = client.build_test_runs(&project.id, *build);
        let mut items = Vec::new();
        futures::pin_mut!(runs);
        while let Some(run) = runs.try_next().await? {
            items.push(self.item(client, &project.id, run).await?);
        }
        Ok(Lookup::Found(items))
    }

    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self {
            include_results: flag_or(options, "includeResults", true)?,
            coverage_flags: coverage_flags(options)?,
        })
    }
}

impl TestRun {
    /// A `test-run` item: the run with `__testResults` and `__codeCoverage` as requested.
    async fn item(
        self,
        client: &AdoClient,
        project_id: &str,
        run: Listed<ListedTestRun>,
    ) -> ado_client::Result<Value> {
        // The runs query form names the build in `buildConfiguration` only, its id a number.
        let build_id = run.item.build.and_then(|build| build.id).or_else(|| {
            let id = run.raw["buildConfiguration"]["id"].as_i64();
            id.filter(|id| *id > 0).map(|id| id.to_string())
        });
        let mut item = run.raw;
        if self.include_results {
            let results: Vec<Value> = client
                .test_results(project_id, run.item.id)
                .map_ok(|result| result.raw)
                .try_collect()
                .await?;
            item = enrich(item, [("__testResults", Value::Array(results))]);
        }
        if let Some(flags) = self.coverage_flags {
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
}

/// The `codeCoverage` option of `test-run`: `{flags}` with flags from 0 to 7.
fn coverage_flags(options: &Map<String, Value>) -> Result<Option<u32>, OptionError> {
    let invalid = |got: &Value| {
        OptionError::new(
            "codeCoverage",
            format!("must be an object such as {{\"flags\": 7}} with flags from 0 to 7, got {got}"),
        )
    };
    match options.get("codeCoverage") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(coverage)) => match coverage.get("flags") {
            None | Some(Value::Null) => Ok(Some(DEFAULT_COVERAGE_FLAGS)),
            Some(flags) => flags
                .as_u64()
                .filter(|f| *f <= 7)
                .and_then(|f| u32::try_from(f).ok())
                .map(Some)
                .ok_or_else(|| invalid(flags)),
        },
        Some(other) => Err(invalid(other)),
    }
}

/// A project's test runs updated from `since` to now, queried window by window, each run once.
fn updated_test_runs(
    client: &AdoClient,
    project: &str,
    since: Timestamp,
) -> BoxStream<'static, ado_client::Result<Listed<ListedTestRun>>> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn test_run_options() {
        assert_eq!(
            parsed::<TestRun>(json!({})),
            Ok(TestRun {
                include_results: true,
                coverage_flags: None
            })
        );
        assert_eq!(
            parsed::<TestRun>(json!({"includeResults": false, "codeCoverage": {"flags": 1}})),
            Ok(TestRun {
                include_results: false,
                coverage_flags: Some(1)
            })
        );
        assert_eq!(
            parsed::<TestRun>(json!({"codeCoverage": {}})),
            Ok(TestRun {
                include_results: true,
                coverage_flags: Some(7)
            })
        );
        for bad in [json!(true), json!({"flags": 8}), json!({"flags": "1"})] {
            let err = parsed::<TestRun>(json!({ "codeCoverage": bad })).unwrap_err();
            assert_eq!(err.option, "codeCoverage");
        }
        let err = parsed::<TestRun>(json!({"includeResults": 1})).unwrap_err();
        assert_eq!(err.option, "includeResults");
    }

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
