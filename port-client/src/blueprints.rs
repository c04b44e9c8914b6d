//! Blueprints: CRUD, creating a set of blueprints safely, and the default blueprints.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::PortClient;
use crate::error::{Error, Result};
use crate::transport::ApiResponse;

/// The default blueprints of the Azure DevOps mapping, as JSON.
const DEFAULT_BLUEPRINTS: &str = include_str!("../blueprints/azure-devops.json");

/// Blueprint keys that may refer to other blueprints, so they are added only after every
/// blueprint of a set exists.
const DEFERRED_KEYS: [&str; 5] = [
    "mirrorProperties",
    "calculationProperties",
    "aggregationProperties",
    "teamInheritance",
    "ownership",
];

/// A Port blueprint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Blueprint {
    /// Unique identifier.
    pub identifier: String,
    /// Display title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Icon name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Property schema.
    #[serde(default)]
    pub schema: BlueprintSchema,
    /// Relations by identifier.
    #[serde(default)]
    pub relations: BTreeMap<String, Relation>,
    /// Every other key (mirror, calculation and aggregation properties, team inheritance,
    /// ownership, and read-only metadata such as `createdAt`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A blueprint's property schema.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BlueprintSchema {
    /// Property definitions (JSON-schema-like: `type`, `format`, `title`, ...) by identifier.
    #[serde(default)]
    pub properties: Map<String, Value>,
    /// Identifiers of required properties.
    #[serde(default)]
    pub required: Vec<String>,
}

/// A relation from one blueprint to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    /// Target blueprint identifier.
    pub target: String,
    /// Display title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Whether every entity must have this relation set.
    #[serde(default)]
    pub required: bool,
    /// Whether the relation holds a list of targets.
    #[serde(default)]
    pub many: bool,
}

impl Blueprint {
    /// This blueprint without relations or the keys that may refer to other blueprints.
    pub fn bare(&self) -> Blueprint {
        let mut bare = self.clone();
        bare.relations.clear();
        for key in DEFERRED_KEYS {
            bare.extra.remove(key);
        }
        bare
    }

    /// The patch adding what [`Blueprint::bare`] leaves out, or `None` when nothing was left out.
    pub fn deferred_patch(&self) -> Option<Value> {
        let mut patch = Map::new();
        if !self.relations.is_empty() {
            patch.insert("relations".into(), serde_json::json!(self.relations));
        }
        for key in DEFERRED_KEYS {
            if let Some(value) = self.extra.get(key) {
                patch.insert(key.into(), value.clone());
            }
        }
        (!patch.is_empty()).then_some(Value::Object(patch))
    }
}

/// The default blueprints of the Azure DevOps default mapping: one per kind it writes, with the
/// properties and relations the mapping sets.
pub fn default_blueprints() -> Result<Vec<Blueprint>> {
    serde_json::from_str(DEFAULT_BLUEPRINTS).map_err(Error::decode("default blueprints"))
}

/// What [`PortClient::create_blueprints`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlueprintSetup {
    /// Blueprints created by this call.
    pub created: Vec<String>,
    /// Blueprints left untouched because they already existed.
    pub existing: Vec<String>,
}

#[derive(Deserialize)]
struct BlueprintResponse {
    blueprint: Blueprint,
}

impl PortClient {
    /// Fetches a blueprint; `None` when it does not exist.
    pub async fn get_blueprint(&self, identifier: &str) -> Result<Option<Blueprint>> {
        let request = self.request(Method::GET, &["blueprints", identifier])?;
        match self.send(&request, blueprint_of("get blueprint")).await {
            Ok(blueprint) => Ok(Some(blueprint)),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Creates a blueprint and returns Port's copy. Retried like any idempotent request: a
    /// retry after a lost answer meets a 409, see [`Error::is_already_exists`].
    pub async fn create_blueprint(&self, blueprint: &Blueprint) -> Result<Blueprint> {
        let request = self
            .request(Method::POST, &["blueprints"])?
            .json(blueprint)?
            .retryable(true);
        self.send(&request, blueprint_of("create blueprint")).await
    }

    /// Patches a blueprint with the given keys and returns Port's copy.
    pub async fn patch_blueprint(&self, identifier: &str, patch: &Value) -> Result<Blueprint> {
        let request = self
            .request(Method::PATCH, &["blueprints", identifier])?
            .json(patch)?
            .retryable(true);
        self.send(&request, blueprint_of("patch blueprint")).await
    }

    /// Deletes a blueprint (Port refuses while it still has entities).
    pub async fn delete_blueprint(&self, identifier: &str) -> Result<()> {
        let request = self.request(Method::DELETE, &["blueprints", identifier])?;
        self.send(&request, |_| Ok(())).await
    }

    /// Creates the blueprints of a set that do not exist yet, and never deletes any.
    ///
    /// Existing blueprints are skipped. The missing ones are first created bare (without
    /// relations or mirror, calculation and aggregation properties), so the order within the set
    /// does not matter, then patched with what was left out. A creation that Port answers with
    /// "already exists" (409: a retry whose first answer was lost, or a concurrent creation)
    /// counts as created. On an error, what was created stays: running again completes it.
    pub async fn create_blueprints(&self, blueprints: &[Blueprint]) -> Result<BlueprintSetup> {
        let mut setup = BlueprintSetup::default();
        let mut missing = Vec::new();
        for blueprint in blueprints {
            if self.get_blueprint(&blueprint.identifier).await?.is_some() {
                setup.existing.push(blueprint.identifier.clone());
            } else {
                missing.push(blueprint);
            }
        }
        for blueprint in &missing {
            match self.create_blueprint(&blueprint.bare()).await {
                Ok(_) => {}
                Err(err) if err.is_already_exists() => {
                    tracing::debug!(blueprint = %blueprint.identifier, "blueprint already exists");
                }
                Err(err) => return Err(err),
            }
            setup.created.push(blueprint.identifier.clone());
        }
        for blueprint in &missing {
            if let Some(patch) = blueprint.deferred_patch() {
                self.patch_blueprint(&blueprint.identifier, &patch).await?;
            }
        }
        Ok(setup)
    }
}

/// Decodes Port's `{"blueprint": ...}` answer; `what` names the operation in errors.
fn blueprint_of(what: &'static str) -> impl Fn(&ApiResponse) -> Result<Blueprint> {
    move |response| Ok(response.json::<BlueprintResponse>(what)?.blueprint)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Port's built-in blueprints, valid relation targets without being in the set.
    const BUILT_IN: [&str; 2] = ["_user", "_team"];

    #[test]
    fn default_blueprints_are_consistent() {
        let blueprints = default_blueprints().expect("default blueprints parse");
        let identifiers: BTreeSet<&str> =
            blueprints.iter().map(|b| b.identifier.as_str()).collect();
        assert_eq!(identifiers.len(), blueprints.len(), "duplicate identifiers");
        for expected in [
            "azureDevopsProject",
            "azureDevopsRepository",
            "azureDevopsMember",
            "azureDevopsTeam",
            "azureDevopsPullRequest",
            "azureDevopsBuild",
            "azureDevopsPipelineStage",
            "azureDevopsPipelineRun",
            "azureDevopsEnvironment",
            "azureDevopsReleaseDeployment",
            "azureDevopsPipelineDeployment",
            "azureDevopsWorkItem",
            "azureDevopsBoard",
            "azureDevopsColumn",
            "azureDevopsRelease",
        ] {
            assert!(identifiers.contains(expected), "{expected} missing");
        }
        for blueprint in &blueprints {
            for (name, relation) in &blueprint.relations {
                assert!(
                    identifiers.contains(relation.target.as_str())
                        || BUILT_IN.contains(&relation.target.as_str()),
                    "{}.{name} targets unknown blueprint {}",
                    blueprint.identifier,
                    relation.target
                );
            }
            for (name, property) in &blueprint.schema.properties {
                assert!(
                    property.get("type").and_then(Value::as_str).is_some(),
                    "{}.{name} has no type",
                    blueprint.identifier
                );
            }
        }
    }

    #[test]
    fn default_blueprints_hold_what_the_mapping_writes() {
        let blueprints = default_blueprints().expect("default blueprints parse");
        let find = |id: &str| {
            blueprints
                .iter()
                .find(|b| b.identifier == id)
                .expect("blueprint present")
        };
        let repository = find("azureDevopsRepository");
        assert_eq!(repository.schema.properties["readme"]["format"], "markdown");
        assert_eq!(repository.relations["project"].target, "azureDevopsProject");
        assert_eq!(
            find("azureDevopsPullRequest").relations["repository"].target,
            "azureDevopsRepository"
        );
        assert_eq!(
            find("azureDevopsBuild").relations["project"].target,
            "azureDevopsProject"
        );
        assert_eq!(
            find("azureDevopsPipelineStage").relations["build"].target,
            "azureDevopsBuild"
        );
        assert!(find("azureDevopsTeam").relations["members"].many);
    }

    #[test]
    fn bare_and_deferred_split_the_blueprint() {
        let blueprint: Blueprint = serde_json::from_value(serde_json::json!({
            "identifier": "a",
            "relations": {"b": {"target": "b"}},
            "mirrorProperties": {"m": {"path": "b.title"}},
            "changelogDestination": {"type": "WEBHOOK"}
        }))
        .expect("valid blueprint");
        let bare = blueprint.bare();
        assert!(bare.relations.is_empty());
        assert!(!bare.extra.contains_key("mirrorProperties"));
        assert!(bare.extra.contains_key("changelogDestination"));
        let patch = blueprint.deferred_patch().expect("something deferred");
        assert_eq!(patch["relations"]["b"]["target"], "b");
        assert_eq!(patch["mirrorProperties"]["m"]["path"], "b.title");
        assert!(bare.deferred_patch().is_none());
    }
}
