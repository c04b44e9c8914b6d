//! Work items, boards, iterations and classification nodes (areas, iterations) of Azure
//! Boards.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value};

/// A team's iteration (`TeamSettingsIteration`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TeamSettingsIteration {
    /// Iteration id (GUID).
    pub id: String,
    /// Iteration name.
    pub name: Option<String>,
    /// Iteration path, e.g. `Fabrikam\Sprint 2`.
    pub path: Option<String>,
    /// Dates and time frame.
    pub attributes: Option<IterationAttributes>,
    /// REST URL of the iteration.
    pub url: Option<String>,
}

/// Dates and time frame of a [`TeamSettingsIteration`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct IterationAttributes {
    /// Start date; `None` when unset.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub start_date: Option<Timestamp>,
    /// Finish date; `None` when unset.
    #[serde(default, deserialize_with = "super::date::timestamp")]
    pub finish_date: Option<Timestamp>,
    /// `past`, `current` or `future`.
    pub time_frame: Option<String>,
}

/// A node of a classification tree (`WorkItemClassificationNode`): an area or an iteration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClassificationNode {
    /// Integer id.
    pub id: i64,
    /// Id (GUID).
    pub identifier: Option<String>,
    /// Node name.
    pub name: Option<String>,
    /// `area` or `iteration`.
    pub structure_type: Option<String>,
    /// Whether the node has children (they are listed only down to the requested depth).
    pub has_children: Option<bool>,
    /// Path, e.g. `\Fabrikam\Area\Web`.
    pub path: Option<String>,
    /// Child nodes down to the requested depth.
    pub children: Option<Vec<ClassificationNode>>,
    /// REST URL of the node.
    pub url: Option<String>,
}

/// The result of a flat WIQL query (`WorkItemQueryResult`): ids only.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WorkItemQueryResult {
    /// `flat`, `tree` or `oneHop`.
    pub query_type: Option<String>,
    /// When the query ran.
    pub as_of: Option<String>,
    /// The matching work items, in query order.
    pub work_items: Option<Vec<WorkItemReference>>,
}

/// A reference to a work item (`WorkItemReference`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WorkItemReference {
    /// Work item id.
    pub id: i64,
    /// REST URL of the work item.
    pub url: Option<String>,
}

/// A work item (`WorkItem`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WorkItem {
    /// Work item id.
    pub id: i64,
    /// Revision.
    pub rev: Option<i64>,
    /// Field values by reference name (`System.Title`, ...).
    pub fields: Option<Map<String, Value>>,
    /// Relations, when expanded (kept as JSON).
    pub relations: Option<Vec<Value>>,
    /// REST URL of the work item.
    pub url: Option<String>,
}

/// A reference to a team's board (`BoardReference`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BoardReference {
    /// Board id (GUID).
    pub id: String,
    /// Board name (a backlog level, e.g. `Stories`).
    pub name: Option<String>,
    /// REST URL of the board.
    pub url: Option<String>,
}

/// A team's board with its columns (`Board`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Board {
    /// Board id (GUID).
    pub id: String,
    /// Board name.
    pub name: Option<String>,
    /// Revision.
    pub revision: Option<i64>,
    /// Whether the board's configuration is valid.
    pub is_valid: Option<bool>,
    /// Columns, left to right.
    pub columns: Option<Vec<BoardColumn>>,
    /// Swimlanes (kept as JSON).
    pub rows: Option<Vec<Value>>,
    /// REST URL of the board.
    pub url: Option<String>,
}

/// A column of a [`Board`] (`BoardColumn`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BoardColumn {
    /// Column id (GUID).
    pub id: Option<String>,
    /// Column name.
    pub name: Option<String>,
    /// Work-in-progress limit (0: none).
    pub item_limit: Option<i64>,
    /// The state each work item type has in this column.
    pub state_mappings: Option<BTreeMap<String, String>>,
    /// Whether the column is split into doing and done.
    pub is_split: Option<bool>,
    /// Description.
    pub description: Option<String>,
    /// `incoming`, `inProgress` or `outgoing`.
    pub column_type: Option<String>,
}
