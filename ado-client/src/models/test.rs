//! Test runs, their results and build code coverage.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use super::core::IdentityRef;

/// A test run (`TestRun`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TestRun {
    /// Run id.
    pub id: i64,
    /// Run name.
    pub name: Option<String>,
    /// `NotStarted`, `InProgress`, `Completed`, `Aborted`, ...
    pub state: Option<String>,
    /// Whether the run is automated.
    pub is_automated: Option<bool>,
    /// The build the run tested, if any.
    pub build: Option<ShallowReference>,
    /// Owner.
    pub owner: Option<IdentityRef>,
    /// Start time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub started_date: Option<Timestamp>,
    /// Completion time.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub completed_date: Option<Timestamp>,
    /// Number of tests.
    pub total_tests: Option<i64>,
    /// Number of passed tests.
    pub passed_tests: Option<i64>,
    /// REST URL of the run.
    pub url: Option<String>,
}

/// A reference to another resource (`ShallowReference`); its id is a string.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ShallowReference {
    /// Id, as a string.
    pub id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// REST URL.
    pub url: Option<String>,
}

/// A test result of a run (`TestCaseResult`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TestCaseResult {
    /// Result id (unique within the run).
    pub id: i64,
    /// `Passed`, `Failed`, `NotExecuted`, ...
    pub outcome: Option<String>,
    /// Title of the test case.
    pub test_case_title: Option<String>,
    /// Fully qualified name of the test.
    pub automated_test_name: Option<String>,
    /// Duration in milliseconds.
    pub duration_in_ms: Option<f64>,
    /// Error message of a failure.
    pub error_message: Option<String>,
    /// REST URL of the result.
    pub url: Option<String>,
}

/// Code coverage of one build configuration (`BuildCoverage`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BuildCoverage {
    /// Processing state of the coverage data.
    pub state: Option<String>,
    /// The build configuration (flavor, platform; kept as JSON).
    pub configuration: Option<Value>,
    /// Per-module coverage, as requested by the flags (kept as JSON).
    pub modules: Option<Vec<Value>>,
    /// URL of the coverage file.
    pub code_coverage_file_url: Option<String>,
    /// Last error while processing the coverage.
    pub last_error: Option<String>,
}
