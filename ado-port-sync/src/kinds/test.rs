//! `test-run`.

use std::sync::Arc;

use ado_client::AdoClient;
use ado_client::models::TestRun;
use ado_client::pager::Listed;
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

use super::{FAN_OUT, ItemStream, enrich, for_each, projects_of};
use crate::org::OrgScope;

/// `test-run`: every project's test runs, with `__testResults` (the run's results) when
/// `include_results`, and `__codeCoverage` (the coverage of the run's build, `{}` without a
/// build or coverage) when `coverage_flags` is set.
pub(super) fn test_runs(
    org: &Arc<OrgScope>,
    include_results: bool,
    coverage_flags: Option<u32>,
) -> ItemStream {
    let scope = Arc::clone(org);
    for_each(projects_of(org), move |project| {
        let client = scope.client.clone();
        let project_id: Arc<str> = project.id.into();
        client
            .test_runs(&project_id)
            .map(move |run| {
                let client = client.clone();
                let project_id = Arc::clone(&project_id);
                async move {
                    test_run_item(&client, &project_id, run?, include_results, coverage_flags).await
                }
            })
            .buffered(FAN_OUT)
    })
}

/// A `test-run` item: the run with `__testResults` and `__codeCoverage` as requested.
pub(super) async fn test_run_item(
    client: &AdoClient,
    project_id: &str,
    run: Listed<TestRun>,
    include_results: bool,
    coverage_flags: Option<u32>,
) -> ado_client::Result<Value> {
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
        let build_id = run.item.build.and_then(|build| build.id);
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
