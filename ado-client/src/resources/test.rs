//! Test runs, test results and build code coverage.

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
