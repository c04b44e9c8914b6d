//! Test runs, test results and build code coverage.

use jiff::Timestamp;

use super::time_param;
use crate::client::AdoClient;
use crate::models::{BuildCoverage, TestCaseResult, TestRun};
use crate::pager::Pager;
use crate::profile::Operation;
use crate::transport::Request;

impl AdoClient {
    /// Lists a project's test runs with their details.
    pub fn test_runs(&self, project: &str) -> Pager<TestRun> {
        self.list(
            Request::new(Operation::ListTestRuns, &[&project]).query("includeRunDetails", true),
        )
    }

    /// Lists a project's test runs last updated from `min` to `max`, at most 7 days apart (the
    /// runs query form). Its runs have fewer fields than those of [`test_runs`](Self::test_runs):
    /// no `build` (its id is in `buildConfiguration`), `revision`, `iteration`, `comment`,
    /// `tags`..., and `release` holds only ids. A run updated at a page boundary may come twice.
    pub fn updated_test_runs(
        &self,
        project: &str,
        min: Timestamp,
        max: Timestamp,
    ) -> Pager<TestRun> {
        self.list(
            Request::new(Operation::QueryTestRuns, &[&project])
                .query("minLastUpdatedDate", time_param(min))
                .query("maxLastUpdatedDate", time_param(max)),
        )
    }

    /// Lists the test runs of one build, with their details.
    pub fn build_test_runs(&self, project: &str, build_id: i64) -> Pager<TestRun> {
        self.list(
            Request::new(Operation::ListTestRuns, &[&project])
                .query("buildUri", format!("vstfs:///Build/Build/{build_id}"))
                .query("includeRunDetails", true),
        )
    }

    /// Lists the results of a test run.
    pub fn test_results(&self, project: &str, run_id: i64) -> Pager<TestCaseResult> {
        self.list(Request::new(
            Operation::ListTestResults,
            &[&project, &run_id],
        ))
    }

    /// Reads a build's code coverage; `flags` add details (1 modules, 2 functions, 4 blocks).
    pub fn build_code_coverage(
        &self,
        project: &str,
        build_id: &str,
        flags: u32,
    ) -> Pager<BuildCoverage> {
        self.list(
            Request::new(Operation::GetBuildCodeCoverage, &[&project])
                .query("buildId", build_id)
                .query("flags", flags),
        )
    }
}
