//! `column`.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt, stream};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::board::Board;
use super::listing::enrich;
use super::options::OptionError;
use super::{ItemStream, KindSource};
use crate::org::OrgScope;

/// `column`, which has no selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column;

impl KindSource for Column {
    const NAME: &str = "column";
    const CALLS: &[&str] =
        &["the board calls; one item per board column and mapped work item type"];
    const ENRICHMENT: &[&str] = &["__board", "__stateType", "__stateName"];

    /// One item per column of every board and per work item type the column maps to a state,
    /// with `__board` (the `board` item), `__stateType` (the work item type) and
    /// `__stateName` (its state in the column).
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        Board
            .items(org, None)
            .map_ok(|board| stream::iter(board_columns(board).into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    fn parse(_: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

/// The `column` items of one `board` item.
fn board_columns(board: Value) -> Vec<Value> {
    let columns = board
        .get("columns")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let board = Arc::new(board);
    columns
        .into_iter()
        .flat_map(|column| {
            let mappings = column
                .get("stateMappings")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let board = Arc::clone(&board);
            mappings.into_iter().map(move |(work_item_type, state)| {
                enrich(
                    column.clone(),
                    [
                        ("__board", Value::clone(&board)),
                        ("__stateType", Value::String(work_item_type)),
                        ("__stateName", state),
                    ],
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn one_column_item_per_mapped_work_item_type() {
        let board = json!({
            "id": "b-1",
            "columns": [
                {"name": "New", "stateMappings": {"Bug": "New", "User Story": "New"}},
                {"name": "Odd"},
                {"name": "Done", "stateMappings": {"Bug": "Closed"}}
            ]
        });
        let columns = board_columns(board);
        let pairs: Vec<(Value, Value, Value)> = columns
            .iter()
            .map(|c| {
                (
                    c["name"].clone(),
                    c["__stateType"].clone(),
                    c["__stateName"].clone(),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            [
                (json!("New"), json!("Bug"), json!("New")),
                (json!("New"), json!("User Story"), json!("New")),
                (json!("Done"), json!("Bug"), json!("Closed")),
            ]
        );
        assert!(columns.iter().all(|c| c["__board"]["id"] == "b-1"));
        assert!(board_columns(json!({"id": "b-2", "columns": null})).is_empty());
    }

    #[test]
    fn column_takes_no_options() {
        assert_eq!(parsed::<Column>(json!({})), Ok(Column));
    }
}
