//! Which entities the store already holds as a write would leave them, so they are not sent
//! again.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use mapping_engine::Entity;
use serde_json::Value;

/// What the store held of each entity when the resync started, reduced to hashes of its
/// fields (a few dozen bytes per entity, whatever its size).
#[derive(Debug, Default)]
pub(crate) struct Held {
    entities: HashMap<(String, String), Fields>,
}

/// One stored entity: sorted hashes of its (field, value) pairs and of its field names, for
/// the fields whose value is not null.
#[derive(Debug)]
struct Fields {
    hashes: Box<[u64]>,
    set: usize,
}

impl Held {
    /// Remembers a stored entity.
    pub(crate) fn insert(&mut self, entity: &Entity) {
        let (Some(blueprint), Some(identifier)) =
            (entity.blueprint.as_str(), entity.identifier.as_str())
        else {
            return;
        };
        let mut hashes = Vec::new();
        let mut set = 0;
        for (section, name, value) in fields(entity).filter(|(_, _, v)| !v.is_null()) {
            hashes.push(field_hash(section, name, Some(value)));
            hashes.push(field_hash(section, name, None));
            set += 1;
        }
        hashes.sort_unstable();
        self.entities.insert(
            (blueprint.to_owned(), identifier.to_owned()),
            Fields {
                hashes: hashes.into(),
                set,
            },
        );
    }

    /// Whether writing `entity` would leave the stored entity as it is. Merged
    /// (`enableMergeEntity`): every field it sets holds that value already (a null field is
    /// missing or null). Replaced: besides, the stored entity sets no other field. Entities
    /// whose identifier, team or relations are search queries are never unchanged: only Port
    /// knows what they resolve to.
    pub(crate) fn unchanged(&self, entity: &Entity, merge: bool) -> bool {
        let (Some(blueprint), Some(identifier)) =
            (entity.blueprint.as_str(), entity.identifier.as_str())
        else {
            return false;
        };
        if has_search(entity) {
            return false;
        }
        let Some(held) = self
            .entities
            .get(&(blueprint.to_owned(), identifier.to_owned()))
        else {
            return false;
        };
        let holds = |hash: u64| held.hashes.binary_search(&hash).is_ok();
        let mut set = 0;
        for (section, name, value) in fields(entity) {
            if value.is_null() {
                if holds(field_hash(section, name, None)) {
                    return false;
                }
            } else if holds(field_hash(section, name, Some(value))) {
                set += 1;
            } else {
                return false;
            }
        }
        merge || set == held.set
    }

    /// Forgets an entity about to be written, so that a later resource writing the same
    /// entity is compared with what this run wrote, not with the old copy: it is sent.
    pub(crate) fn forget(&mut self, entity: &Entity) {
        if let (Some(blueprint), Some(identifier)) =
            (entity.blueprint.as_str(), entity.identifier.as_str())
        {
            self.entities
                .remove(&(blueprint.to_owned(), identifier.to_owned()));
        }
    }
}

/// The entity's fields as (section, name, value): title, team, icon, each property and each
/// relation.
fn fields(entity: &Entity) -> impl Iterator<Item = (&'static str, &str, &Value)> {
    let top = [
        ("title", &entity.title),
        ("team", &entity.team),
        ("icon", &entity.icon),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.as_ref().map(|v| ("", name, v)));
    top.chain(named("properties", entity.properties.as_ref()))
        .chain(named("relations", entity.relations.as_ref()))
}

/// The entries of a properties or relations map, as fields of `section`.
fn named<'a>(
    section: &'static str,
    map: Option<&'a serde_json::Map<String, Value>>,
) -> impl Iterator<Item = (&'static str, &'a str, &'a Value)> {
    map.into_iter()
        .flatten()
        .map(move |(name, value)| (section, name.as_str(), value))
}

/// A hash of a field's name and, when given, its value.
fn field_hash(section: &str, name: &str, value: Option<&Value>) -> u64 {
    let mut hasher = DefaultHasher::new();
    (section, name).hash(&mut hasher);
    if let Some(value) = value {
        hasher.write_u8(1);
        value.to_string().hash(&mut hasher);
    }
    hasher.finish()
}

/// Whether Port resolves part of the entity from a search query.
fn has_search(entity: &Entity) -> bool {
    let search = |value: &Value| match value {
        Value::Object(_) => true,
        Value::Array(items) => items.iter().any(Value::is_object),
        _ => false,
    };
    !entity.identifier.is_string()
        || entity.team.as_ref().is_some_and(search)
        || entity.relations.iter().flatten().any(|(_, v)| search(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entity(value: Value) -> Entity {
        serde_json::from_value(value).expect("entity")
    }

    fn held(value: Value) -> Held {
        let mut held = Held::default();
        held.insert(&entity(value));
        held
    }

    #[test]
    fn a_merged_write_of_fields_already_held_is_unchanged() {
        let held = held(
            json!({"identifier": "r1", "blueprint": "repo", "title": "web",
            "properties": {"url": "https://x", "approvers": 2, "gone": null},
            "relations": {"project": "p1"}}),
        );
        let same = json!({"identifier": "r1", "blueprint": "repo", "properties": {"approvers": 2}});
        assert!(held.unchanged(&entity(same.clone()), true));
        // Replacing would drop the title, the url and the relation.
        assert!(!held.unchanged(&entity(same), false));
        let whole = json!({"identifier": "r1", "blueprint": "repo", "title": "web",
            "properties": {"url": "https://x", "approvers": 2, "gone": null},
            "relations": {"project": "p1"}});
        assert!(held.unchanged(&entity(whole), false));
        for changed in [
            json!({"identifier": "r1", "blueprint": "repo", "properties": {"approvers": 3}}),
            json!({"identifier": "r1", "blueprint": "repo", "properties": {"approvers": null}}),
            json!({"identifier": "r1", "blueprint": "repo", "title": "api"}),
            json!({"identifier": "r1", "blueprint": "repo", "properties": {"new": 1}}),
            json!({"identifier": "r2", "blueprint": "repo", "title": "web"}),
            json!({"identifier": "r1", "blueprint": "other", "title": "web"}),
        ] {
            assert!(!held.unchanged(&entity(changed.clone()), true), "{changed}");
        }
        // A null the store does not hold is no change.
        let null = json!({"identifier": "r1", "blueprint": "repo", "properties": {"gone": null}});
        assert!(held.unchanged(&entity(null), true));
    }

    #[test]
    fn search_queries_are_always_sent() {
        let held =
            held(json!({"identifier": "r1", "blueprint": "repo", "relations": {"team": "t"}}));
        let search = json!({"identifier": "r1", "blueprint": "repo",
            "relations": {"team": {"combinator": "and", "rules": []}}});
        assert!(!held.unchanged(&entity(search), true));
    }
}
