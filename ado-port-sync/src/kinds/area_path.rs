//! `area-path`.

use std::sync::Arc;

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::listing::{enrich, flattened, for_each, projects_of};
use super::options::{OptionError, positive};
use super::{ItemStream, KindSource};
use crate::org::OrgScope;

/// Default of the area-path `depth` option: the deepest tree Azure DevOps allows (14 levels
/// below the root), so the whole tree is listed.
pub const DEFAULT_AREA_DEPTH: u32 = 14;

/// `area-path`, with its selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AreaPath {
    /// `depth`: how many levels below the root to list.
    depth: u32,
}

impl KindSource for AreaPath {
    const NAME: &str = "area-path";
    const CALLS: &[&str] =
        &["GET {project}/_apis/wit/classificationnodes/Areas?$depth per project"];
    const ENRICHMENT: &[&str] = &["__project", "__parentIdentifier", "__normalizedPath"];
    const OPTIONS: &[&str] = &["depth"];

    /// Every node of every project's area tree down to `depth`, flattened (parents before
    /// children, without `children`), with `__project`, `__parentIdentifier` (`null` for the
    /// root) and `__normalizedPath` (the path as work items' `System.AreaPath` spells it).
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        let depth = self.depth;
        for_each(projects_of(org), move |project| {
            let org = Arc::clone(&scope);
            flattened(async move {
                let tree = org.client.area_tree(&project.id, Some(depth)).await?;
                Ok(flatten_areas(tree.raw, &project.raw))
            })
        })
    }

    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self {
            depth: positive(options, "depth", DEFAULT_AREA_DEPTH)?,
        })
    }
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
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn area_path_options() {
        assert_eq!(parsed::<AreaPath>(json!({})), Ok(AreaPath { depth: 14 }));
        assert_eq!(
            parsed::<AreaPath>(json!({"depth": 2})),
            Ok(AreaPath { depth: 2 })
        );
        for bad in [json!(0), json!(-1), json!("2"), json!(1.5)] {
            let err = parsed::<AreaPath>(json!({ "depth": bad })).unwrap_err();
            assert_eq!(err.option, "depth");
        }
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
