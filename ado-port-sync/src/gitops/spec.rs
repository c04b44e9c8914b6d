//! The text of a spec file: a single entity or a list of entities in Port's entity shape, and
//! the `file://` references of their properties.

use mapping_engine::Entity;
use serde_json::{Map, Value};

/// The prefix of a property value naming a file of the repository.
const FILE_PREFIX: &str = "file://";

/// The entities a spec file declares, each valid or with what is wrong with it; `Err` when
/// the file as a whole is neither an entity nor a list of them. An empty file declares none.
pub(super) fn parse(text: &str) -> Result<Vec<Result<Entity, String>>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let value: Value = serde_saphyr::from_str(text).map_err(|error| {
        let message = error.to_string();
        format!(
            "invalid YAML: {}",
            message.lines().next().unwrap_or("invalid document")
        )
    })?;
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => Ok(items.into_iter().map(entity).collect()),
        Value::Object(_) => Ok(vec![entity(value)]),
        _ => Err("must be an entity or a list of entities".to_owned()),
    }
}

/// One entity: `identifier` and `blueprint` non-empty strings, `properties` and `relations`
/// mappings when present; `title`, `team` and `icon` as written. Other keys are ignored.
fn entity(value: Value) -> Result<Entity, String> {
    let Value::Object(mut fields) = value else {
        return Err("is not a mapping of keys to values".to_owned());
    };
    let mut name = |key: &str| match fields.remove(key) {
        Some(Value::String(text)) if !text.trim().is_empty() => Ok(Value::String(text)),
        Some(_) => Err(format!("`{key}` must be a non-empty string")),
        None => Err(format!("has no `{key}`")),
    };
    let identifier = name("identifier")?;
    let blueprint = name("blueprint")?;
    let mut mapping = |key: &str| match fields.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(format!("`{key}` must be a mapping")),
    };
    let properties = mapping("properties")?;
    let relations = mapping("relations")?;
    Ok(Entity {
        identifier,
        blueprint,
        title: fields.remove("title"),
        team: fields.remove("team"),
        icon: fields.remove("icon"),
        properties,
        relations,
    })
}

/// The properties whose value is a `file://` reference, with the path each names: relative
/// to `dir` (the spec file's folder), or to the repository root when it starts with `/`.
pub(super) fn file_references(
    properties: &Map<String, Value>,
    dir: &str,
) -> Vec<(String, Result<String, String>)> {
    properties
        .iter()
        .filter_map(|(key, value)| {
            let reference = value.as_str()?.strip_prefix(FILE_PREFIX)?;
            Some((key.clone(), resolve(dir, reference)))
        })
        .collect()
}

/// The folder of a repository path: `/a/b/port.yml` gives `/a/b`, `/port.yml` gives `/`.
pub(super) fn folder(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((dir, _)) => dir,
    }
}

/// `reference` resolved against `dir`, `.` and `..` applied; an error when it leaves the
/// repository.
fn resolve(dir: &str, reference: &str) -> Result<String, String> {
    let base = if reference.starts_with('/') { "" } else { dir };
    let mut segments: Vec<&str> = Vec::new();
    for segment in base.split('/').chain(reference.split('/')) {
        match segment {
            "" | "." => {}
            ".." => {
                if segments.pop().is_none() {
                    return Err(format!("{FILE_PREFIX}{reference} leaves the repository"));
                }
            }
            name => segments.push(name),
        }
    }
    if segments.is_empty() {
        return Err(format!("{FILE_PREFIX}{reference} names no file"));
    }
    Ok(format!("/{}", segments.join("/")))
}

/// A file's text as a property value: parsed when the path ends in `.json`.
pub(super) fn file_value(path: &str, text: String) -> Result<Value, String> {
    if path.to_ascii_lowercase().ends_with(".json") {
        serde_json::from_str(&text).map_err(|error| format!("{path} is not valid JSON: {error}"))
    } else {
        Ok(Value::String(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_spec_file_is_an_entity_or_a_list() {
        let one = parse("identifier: svc\nblueprint: service\ntitle: Service\n").expect("valid");
        let entity = one[0].as_ref().expect("entity");
        assert_eq!(entity.identifier, json!("svc"));
        assert_eq!(entity.title, Some(json!("Service")));
        assert_eq!(entity.properties, None);
        let list = parse(
            "- identifier: a\n  blueprint: service\n  properties: {tier: gold}\n  relations: {team: t}\n\
             - blueprint: service\n- identifier: c\n  blueprint: ''\n- 3\n- identifier: e\n  blueprint: s\n  properties: [1]\n",
        )
        .expect("a list");
        let a = list[0].as_ref().expect("entity");
        assert_eq!(
            a.properties,
            Some(json!({"tier": "gold"}).as_object().cloned().unwrap())
        );
        assert_eq!(list[1].as_ref().unwrap_err(), "has no `identifier`");
        assert_eq!(
            list[2].as_ref().unwrap_err(),
            "`blueprint` must be a non-empty string"
        );
        assert_eq!(
            list[3].as_ref().unwrap_err(),
            "is not a mapping of keys to values"
        );
        assert_eq!(
            list[4].as_ref().unwrap_err(),
            "`properties` must be a mapping"
        );
        assert!(parse("").expect("empty").is_empty());
        assert!(parse("# nothing yet\n").expect("a comment").is_empty());
        assert!(
            parse("identifier: [unclosed\n")
                .unwrap_err()
                .starts_with("invalid YAML: ")
        );
        assert_eq!(
            parse("just text").unwrap_err(),
            "must be an entity or a list of entities"
        );
    }

    #[test]
    fn file_references_resolve_against_the_spec_folder() {
        let properties = json!({
            "readme": "file://README.md",
            "api": "file://../api/openapi.json",
            "root": "file:///docs/x.md",
            "up": "file://../../../x",
            "plain": "file:/not-a-reference",
            "count": 3
        });
        let found = file_references(properties.as_object().expect("object"), "/services/web");
        assert_eq!(
            found,
            [
                (
                    "readme".to_owned(),
                    Ok("/services/web/README.md".to_owned())
                ),
                (
                    "api".to_owned(),
                    Ok("/services/api/openapi.json".to_owned())
                ),
                ("root".to_owned(), Ok("/docs/x.md".to_owned())),
                (
                    "up".to_owned(),
                    Err("file://../../../x leaves the repository".to_owned())
                ),
            ]
        );
        assert_eq!(folder("/services/web/port.yml"), "/services/web");
        assert_eq!(folder("/port.yml"), "/");
        assert_eq!(resolve("/", "./a/./b.md"), Ok("/a/b.md".to_owned()));
    }

    #[test]
    fn json_files_are_parsed() {
        assert_eq!(
            file_value("/a.JSON", r#"{"x": 1}"#.into()),
            Ok(json!({"x": 1}))
        );
        assert_eq!(file_value("/a.md", "# A".into()), Ok(json!("# A")));
        assert!(
            file_value("/a.json", "{".into())
                .unwrap_err()
                .starts_with("/a.json is not valid JSON")
        );
    }
}
