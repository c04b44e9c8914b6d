//! `iteration` and `area-path`.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt, stream};
use serde_json::Value;

use super::{FAN_OUT, ItemStream, enrich, for_each, projects_of};
use crate::org::OrgScope;

/// `iteration`: the iterations of every team of every project, with `__project` and `__team`.
pub(super) fn iterations(org: &Arc<OrgScope>) -> ItemStream {
    let scope = Arc::clone(org);
    for_each(projects_of(org), move |project| {
        let client = scope.client.clone();
        let project = Arc::new(project);
        scope
            .client
            .project_teams(&project.id)
            .map_ok(move |team| {
                let project = Arc::clone(&project);
                let team_raw = Arc::new(team.raw);
                client
                    .team_iterations(&project.id, &team.item.id)
                    .map_ok(move |iteration| {
                        enrich(
                            iteration.raw,
                            [
                                ("__project", project.raw.clone()),
                                ("__team", Value::clone(&team_raw)),
                            ],
                        )
                    })
                    .boxed()
            })
            .try_flatten_unordered(FAN_OUT)
    })
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
