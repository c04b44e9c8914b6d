//! `work-item`, `board`, `column`, `iteration` and `area-path`.

use std::sync::Arc;

use ado_client::pager::WORK_ITEMS_BATCH;
use ado_client::{AdoClient, WorkItemExpand};
use futures::{StreamExt, TryStreamExt, stream};
use jiff::Timestamp;
use serde_json::Value;

use super::{FAN_OUT, ItemStream, enrich, for_each, merged, nested, projects_of};
use crate::org::{OrgScope, ProjectEntry};

/// `work-item`: every project's work items matching the selector's WIQL condition, read in
/// batches with `expand` (relations and `_links` with the default, `All`), with `__projectId`
/// and `__project`.
pub(super) fn work_items(
    org: &Arc<OrgScope>,
    condition: Option<String>,
    expand: WorkItemExpand,
    since: Option<Timestamp>,
) -> ItemStream {
    let scope = Arc::clone(org);
    for_each(projects_of(org), move |project| {
        let client = scope.client.clone();
        let project = Arc::new(project);
        let ids = match since {
            Some(since) => {
                scope
                    .client
                    .work_item_ids_changed_since(&project.id, condition.as_deref(), since)
            }
            None => scope
                .client
                .work_item_ids(&project.id, condition.as_deref()),
        };
        ids.map_ok(move |ids| {
            let client = client.clone();
            let project = Arc::clone(&project);
            let batches: Vec<Vec<i64>> =
                ids.chunks(WORK_ITEMS_BATCH).map(<[i64]>::to_vec).collect();
            stream::iter(batches)
                .map(move |batch| {
                    let project = Arc::clone(&project);
                    client
                        .work_items(&project.id, &batch, Some(expand))
                        .map_ok(move |item| work_item(item.raw, &project))
                })
                .flatten_unordered(FAN_OUT)
        })
        .try_flatten()
    })
}

/// A `work-item` item: the work item with `__projectId` and `__project`.
pub(super) fn work_item(item: Value, project: &ProjectEntry) -> Value {
    enrich(
        item,
        [
            ("__projectId", Value::String(project.id.clone())),
            ("__project", project.raw.clone()),
        ],
    )
}

/// `board`: every board of every team of every project, the listed reference merged with the
/// board's own payload (columns, rows...), with `__project`. A team whose boards Azure DevOps
/// answers with a 500 and its error body, after retries (what it does for a team without
/// iterations), has none; a 500 without that body (a proxy) or any other failure fails the
/// kind.
pub(super) fn boards(org: &Arc<OrgScope>) -> ItemStream {
    nested(
        org,
        projects_of(org),
        |org, project| org.client.project_teams(&project.id),
        |org, project, team| team_boards(&org.client, project, team.item.id.into()),
    )
}

/// The boards of one team, each merged with its own payload.
fn team_boards(client: &AdoClient, project: &Arc<ProjectEntry>, team_id: Arc<str>) -> ItemStream {
    let listing_team = Arc::clone(&team_id);
    let client = client.clone();
    let project = Arc::clone(project);
    client
        .boards(&project.id, &team_id)
        .filter(move |board| {
            let skipped = board.as_ref().is_err_and(|e| {
                e.status().map(|s| s.as_u16()) == Some(500) && e.api_error().is_some()
            });
            if skipped {
                tracing::warn!(
                    team = %listing_team,
                    "boards unavailable (a team without iterations?); the team has none"
                );
            }
            std::future::ready(!skipped)
        })
        .map(move |board| {
            let client = client.clone();
            let project = Arc::clone(&project);
            let team_id = Arc::clone(&team_id);
            async move {
                let board = board?;
                let detail = client.board(&project.id, &team_id, &board.item.id).await?;
                Ok(enrich(
                    merged(board.raw, detail.raw),
                    [("__project", project.raw.clone())],
                ))
            }
        })
        .buffered(FAN_OUT)
        .boxed()
}

/// `column`: one item per column of every board and per work item type the column maps to a
/// state, with `__board` (the `board` item), `__stateType` (the work item type) and
/// `__stateName` (its state in the column).
pub(super) fn columns(org: &Arc<OrgScope>) -> ItemStream {
    boards(org)
        .map_ok(|board| stream::iter(board_columns(board).into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

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

/// `iteration`: the iterations of every team of every project, with `__project` and `__team`.
pub(super) fn iterations(org: &Arc<OrgScope>) -> ItemStream {
    nested(
        org,
        projects_of(org),
        |org, project| org.client.project_teams(&project.id),
        |org, project, team| {
            let fields = [("__project", project.raw.clone()), ("__team", team.raw)];
            org.client
                .team_iterations(&project.id, &team.item.id)
                .map_ok(move |iteration| enrich(iteration.raw, fields.clone()))
        },
    )
}

/// `area-path`: every node of every project's area tree down to `depth`, flattened (parents
/// before children, without `children`), with `__project`, `__parentIdentifier` (`null` for the
/// root) and `__normalizedPath` (the path as work items' `System.AreaPath` spells it).
pub(super) fn area_paths(org: &Arc<OrgScope>, depth: u32) -> ItemStream {
    let scope = Arc::clone(org);
    for_each(projects_of(org), move |project| {
        let org = Arc::clone(&scope);
        stream::once(async move { org.client.area_tree(&project.id, Some(depth)).await })
            .map_ok(move |tree| {
                stream::iter(flatten_areas(tree.raw, &project.raw).into_iter().map(Ok))
            })
            .try_flatten()
    })
}

/// Flattens an area tree (raw JSON) depth-first, parents first.
fn flatten_areas(root: Value, project: &Value) -> Vec<Value> {
    let mut nodes = Vec::new();
    let mut pending = vec![(root, Value::Null)];
    while let Some((mut node, parent)) = pending.pop() {
        let Value::Object(map) = &mut node else {
            continue;
        };
        let children = map.shift_remove("children");
        let identifier = map.get("identifier").cloned().unwrap_or(Value::Null);
        let normalized = map
            .get("path")
            .and_then(Value::as_str)
            .map_or(Value::Null, |path| Value::String(normalized_path(path)));
        if let Some(Value::Array(children)) = children {
            // Reversed so that the first child is visited first.
            pending.extend(children.into_iter().rev().map(|c| (c, identifier.clone())));
        }
        nodes.push(enrich(
            node,
            [
                ("__project", project.clone()),
                ("__parentIdentifier", parent),
                ("__normalizedPath", normalized),
            ],
        ));
    }
    nodes
}

/// `\Fabrikam\Area\Web\Api` becomes `Fabrikam\Web\Api`: no leading backslash and no `Area`
/// structure segment after the project name.
fn normalized_path(path: &str) -> String {
    let mut segments: Vec<&str> = path.split('\\').filter(|s| !s.is_empty()).collect();
    if segments.get(1) == Some(&"Area") {
        segments.remove(1);
    }
    segments.join("\\")
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn normalizes_area_paths() {
        assert_eq!(normalized_path("\\Fabrikam\\Area"), "Fabrikam");
        assert_eq!(
            normalized_path("\\Fabrikam\\Area\\Web\\Api"),
            "Fabrikam\\Web\\Api"
        );
        assert_eq!(normalized_path("\\Fabrikam\\Web"), "Fabrikam\\Web");
        assert_eq!(normalized_path(""), "");
    }

    #[test]
    fn flattens_parents_first_without_children() {
        let tree = json!({
            "id": 1, "identifier": "root", "path": "\\P\\Area",
            "children": [
                {"id": 2, "identifier": "a", "path": "\\P\\Area\\A",
                 "children": [{"id": 3, "identifier": "a1", "path": "\\P\\Area\\A\\One"}]},
                {"id": 4, "identifier": "b", "path": "\\P\\Area\\B"}
            ]
        });
        let nodes = flatten_areas(tree, &json!({"id": "p"}));
        let ids: Vec<_> = nodes.iter().map(|n| n["id"].clone()).collect();
        assert_eq!(ids, [json!(1), json!(2), json!(3), json!(4)]);
        assert!(nodes.iter().all(|n| n.get("children").is_none()));
        assert_eq!(nodes[0]["__parentIdentifier"], Value::Null);
        assert_eq!(nodes[2]["__parentIdentifier"], "a");
        assert_eq!(nodes[2]["__normalizedPath"], "P\\A\\One");
        assert_eq!(nodes[3]["__project"]["id"], "p");
        assert!(flatten_areas(json!("not a node"), &Value::Null).is_empty());
    }
}
