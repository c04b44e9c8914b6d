//! What one raw item becomes: a Port entity, or the reason it is not one.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A Port entity holding exactly the keys its mapping sets.
///
/// `identifier`, `team` and relation values may be search queries (objects),
/// which Port resolves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// Identifier (a string, or a search query).
    pub identifier: Value,
    /// Blueprint identifier.
    pub blueprint: Value,
    /// Title, when mapped (a mapped null stays `Some(Null)`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub title: Option<Value>,
    /// Team, when mapped.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub team: Option<Value>,
    /// Icon, when mapped.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub icon: Option<Value>,
    /// Properties, when mapped, in mapping order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Map<String, Value>>,
    /// Relations, when mapped, in mapping order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relations: Option<Map<String, Value>>,
}

impl Entity {
    /// Folds `update` into this entity as Port does for an upsert with `merge=true`
    /// (`enableMergeEntity`, the default): the title, team and icon `update` sets replace
    /// these, each property and relation it sets replaces that one, and everything else is
    /// kept. Identifier and blueprint stay. Without merging, Port replaces the whole entity.
    ///
    /// ```
    /// use mapping_engine::Entity;
    /// use serde_json::json;
    ///
    /// let entity = |value: serde_json::Value| -> Entity { serde_json::from_value(value).unwrap() };
    /// let mut repository = entity(json!({"identifier": "r1", "blueprint": "repo", "title": "web",
    ///     "properties": {"url": "https://x", "minimumApproverCount": null}}));
    /// repository.merge(entity(json!({"identifier": "r1", "blueprint": "repo",
    ///     "properties": {"minimumApproverCount": 2}})));
    /// assert_eq!(repository.title, Some(json!("web")));
    /// assert_eq!(repository.properties.unwrap()["minimumApproverCount"], 2);
    /// ```
    pub fn merge(&mut self, update: Entity) {
        fn fold(into: &mut Option<Map<String, Value>>, from: Option<Map<String, Value>>) {
            if let Some(from) = from {
                into.get_or_insert_default().extend(from);
            }
        }
        for (field, value) in [
            (&mut self.title, update.title),
            (&mut self.team, update.team),
            (&mut self.icon, update.icon),
        ] {
            if value.is_some() {
                *field = value;
            }
        }
        fold(&mut self.properties, update.properties);
        fold(&mut self.relations, update.relations);
    }
}

/// Keeps a key set to `null` as `Some(Null)`, so an entity read back equals the one written.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// Why an item that passed the selector produced no entity.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// The identifier evaluated to null or an empty value.
    EmptyIdentifier,
    /// The blueprint evaluated to null or an empty value.
    EmptyBlueprint,
    /// `itemsToParse` did not evaluate to an array.
    ItemsToParseNotArray,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SkipReason::EmptyIdentifier => "identifier is null or empty",
            SkipReason::EmptyBlueprint => "blueprint is null or empty",
            SkipReason::ItemsToParseNotArray => "itemsToParse is not an array",
        })
    }
}

/// The result of mapping one item (or one element of its `itemsToParse`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Outcome {
    /// The selector passed and the mapping produced an entity.
    Entity(Box<Entity>),
    /// The selector evaluated to `false`.
    Filtered,
    /// The selector evaluated to `false`; the entity the item maps to regardless (only from
    /// [`Mapping::map_batch_all`](crate::Mapping::map_batch_all)).
    Unselected(Box<Entity>),
    /// The selector passed but no entity could be built.
    Skipped(SkipReason),
    /// The selector failed or did not evaluate to a boolean: an item error.
    Failed(String),
}

/// A mapping field that failed at run time and was set to null.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Field path, e.g. `resources[6].port.entity.mappings.properties.leadTimeHours`.
    pub field: String,
    /// The jq error.
    pub message: String,
}

/// Everything mapping one input item produced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mapped {
    /// One outcome per item, or per element of `itemsToParse`.
    pub outcomes: Vec<Outcome>,
    /// Fields that failed and were set to null.
    pub warnings: Vec<Warning>,
}
