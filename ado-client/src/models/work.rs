//! Boards, iterations and classification nodes (areas, iterations) of Azure Boards.

use serde::Deserialize;

/// A team's iteration (`TeamSettingsIteration`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TeamSettingsIteration {
    /// Iteration id (GUID).
    pub id: String,
    /// Iteration name.
    pub name: Option<String>,
    /// Iteration path, e.g. `Fabrikam\\Sprint 2`.
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
    pub start_date: Option<String>,
    /// Finish date; `None` when unset.
    pub finish_date: Option<String>,
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
    /// Path, e.g. `\\Fabrikam\\Area\\Web`.
    pub path: Option<String>,
    /// Child nodes down to the requested depth.
    pub children: Option<Vec<ClassificationNode>>,
    /// REST URL of the node.
    pub url: Option<String>,
}
