//! The one comparison of computed JSON with what jq printed, for every crate's tests.

use serde_json::Value;

/// Whether two JSON values are the same, numbers included: serde_json keeps integers and
/// doubles apart, so `24` and `24.0` differ, as they do in jq's output.
pub fn same(a: &Value, b: &Value) -> bool {
    a == b
}
