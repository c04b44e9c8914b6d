//! The Port app config: loaded from YAML or JSON and compiled once.

use crate::error::ConfigError;
use crate::jq::{Needs, Program};
use crate::pool::Pool;
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex};

/// Flags that steer how entities are written and reconciled.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Delete dependent entities with an entity (`deleteDependentEntities`, default true).
    pub delete_dependent_entities: bool,
    /// Create missing relation targets (`createMissingRelatedEntities`, default true).
    pub create_missing_related_entities: bool,
    /// Merge upserts into existing entities (`enableMergeEntity`, default true).
    pub enable_merge_entity: bool,
    /// Largest share of entities one reconciliation may delete (`entityDeletionThreshold`, default 0.9).
    pub entity_deletion_threshold: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            delete_dependent_entities: true,
            create_missing_related_entities: true,
            enable_merge_entity: true,
            entity_deletion_threshold: 0.9,
        }
    }
}

/// Where repositories declare entities of their own in spec files (GitOps): the top-level keys
/// `specPath`, `branch` and `useDefaultBranch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecFiles {
    /// Paths of the spec files in each repository (`specPath`: one path or a list, default
    /// `port.yml`), as written.
    pub paths: Vec<String>,
    /// Whether the configuration sets `specPath`.
    pub explicit: bool,
    /// The branch read when `use_default_branch` is off (`branch`, default `main`).
    pub branch: String,
    /// Read each repository's default branch (`useDefaultBranch`, default true).
    pub use_default_branch: bool,
}

impl Default for SpecFiles {
    fn default() -> Self {
        SpecFiles {
            paths: vec!["port.yml".to_owned()],
            explicit: false,
            branch: "main".to_owned(),
            use_default_branch: true,
        }
    }
}

/// Options of the jq evaluation.
#[derive(Debug, Clone)]
pub struct Options {
    /// The value of `$ENV` and `env`; `None` (the default) hides the environment
    /// behind an empty object.
    pub env: Option<Map<String, Value>>,
    /// Steps (recursive calls, generated values) one item may spend. The values its
    /// programs build are bounded too: see [`jq::MAX_STRING_BYTES`](crate::jq::MAX_STRING_BYTES),
    /// [`jq::MAX_ELEMENTS`](crate::jq::MAX_ELEMENTS) and
    /// [`jq::MAX_ITEM_BYTES`](crate::jq::MAX_ITEM_BYTES).
    pub step_budget: u64,
    /// Threads a batch is spread over; `None` uses every core.
    pub threads: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            env: None,
            step_budget: 100_000,
            threads: None,
        }
    }
}

/// A compiled mapping configuration.
#[derive(Debug)]
pub struct Mapping {
    /// Top-level flags.
    pub settings: Settings,
    /// The spec files repositories declare entities in (GitOps).
    pub spec_files: SpecFiles,
    /// Resources, in configuration order.
    pub resources: Vec<Resource>,
    /// Top-level keys this crate does not interpret, kept as written.
    pub extra: Map<String, Value>,
    pub(crate) options: Options,
    /// The evaluation threads, started by the first batch.
    pub(crate) pool: Mutex<Option<Arc<Pool>>>,
}

/// One entry of `resources`.
#[derive(Debug)]
pub struct Resource {
    /// Position in `resources`.
    pub index: usize,
    /// The kind, e.g. `repository`.
    pub kind: String,
    /// Selector options besides `query` (kind-specific, e.g. `includedFiles`), as written.
    pub selector_options: Map<String, Value>,
    /// The blueprint when its program is a constant string.
    constant_blueprint: Option<String>,
    /// The compiled programs, shared with the evaluation threads.
    pub(crate) programs: Arc<Programs>,
}

/// The compiled programs of one resource.
#[derive(Debug)]
pub(crate) struct Programs {
    /// Position of the resource in `resources`.
    pub index: usize,
    pub query: Program,
    pub items_to_parse: Option<ItemsToParse>,
    pub entity: EntityMapping,
    /// The top-level item keys any program of the resource reads; `None` for all.
    pub input_keys: Option<Vec<String>>,
}

#[derive(Debug)]
pub(crate) struct ItemsToParse {
    pub program: Program,
    pub name: String,
    /// `del(<itemsToParse>)`, applied to the parent when the top-level transform is on.
    pub remove_from_parent: Option<Program>,
}

#[derive(Debug)]
pub(crate) struct EntityMapping {
    pub identifier: Template,
    pub blueprint: Template,
    pub title: Option<Template>,
    pub team: Option<Template>,
    pub icon: Option<Template>,
    pub properties: Option<Vec<(String, Template)>>,
    pub relations: Option<Vec<(String, Template)>>,
}

/// A mapped value: a jq program, or objects and lists whose leaves are jq programs.
#[derive(Debug)]
pub(crate) enum Template {
    Jq(Program),
    Object(Vec<(String, Template)>),
    Array(Vec<Template>),
}

impl Template {
    /// What the template reads of the jq input (programs that run on JSON read the item instead).
    fn needs(&self) -> Needs {
        match self {
            Template::Jq(p) if p.runs_on_json() => Needs::Keys(Default::default()),
            Template::Jq(p) => p.needs().clone(),
            Template::Object(entries) => entries
                .iter()
                .fold(Needs::Keys(Default::default()), |n, (_, t)| {
                    n.union(t.needs())
                }),
            Template::Array(items) => items
                .iter()
                .fold(Needs::Keys(Default::default()), |n, t| n.union(t.needs())),
        }
    }
}

impl EntityMapping {
    fn templates(&self) -> impl Iterator<Item = &Template> {
        let named = [&self.properties, &self.relations]
            .into_iter()
            .flatten()
            .flatten()
            .map(|(_, t)| t);
        [
            Some(&self.identifier),
            Some(&self.blueprint),
            self.title.as_ref(),
            self.team.as_ref(),
            self.icon.as_ref(),
        ]
        .into_iter()
        .flatten()
        .chain(named)
    }
}

impl Mapping {
    /// Loads and compiles a configuration from YAML (JSON is YAML too).
    ///
    /// ```
    /// use mapping_engine::{Mapping, Options};
    ///
    /// let yaml = "resources:\n  - kind: project\n    port:\n      entity:\n        \
    ///             mappings:\n          identifier: .id\n          blueprint: '\"project\"'\n";
    /// let mapping = Mapping::from_yaml(yaml, Options::default()).unwrap();
    /// assert_eq!(mapping.resources[0].kind, "project");
    /// assert_eq!(mapping.resources[0].constant_blueprint(), Some("project"));
    /// // Errors name the resource and field.
    /// let error = Mapping::from_yaml(&yaml.replace(".id", ".id |"), Options::default());
    /// assert!(error.unwrap_err().to_string().contains("resources[0]"));
    /// ```
    pub fn from_yaml(text: &str, options: Options) -> Result<Self, ConfigError> {
        let value: Value = serde_saphyr::from_str(text).map_err(|e| ConfigError::Syntax {
            message: e
                .to_string()
                .lines()
                .next()
                .unwrap_or("invalid document")
                .to_owned(),
        })?;
        Self::from_value(&value, options)
    }

    /// Compiles a configuration given as JSON, e.g. an integration's config in Port.
    pub fn from_value(value: &Value, options: Options) -> Result<Self, ConfigError> {
        let root = object(value, "")?;
        let mut settings = Settings::default();
        let mut spec_files = SpecFiles::default();
        let mut extra = Map::new();
        let mut resources = Vec::new();
        for (key, v) in root {
            match key.as_str() {
                "deleteDependentEntities" => settings.delete_dependent_entities = boolean(v, key)?,
                "createMissingRelatedEntities" => {
                    settings.create_missing_related_entities = boolean(v, key)?
                }
                "enableMergeEntity" => settings.enable_merge_entity = boolean(v, key)?,
                "entityDeletionThreshold" => {
                    settings.entity_deletion_threshold = match v.as_f64() {
                        Some(t) if (0.0..=1.0).contains(&t) => t,
                        _ => return Err(invalid(key, "must be a number from 0 to 1")),
                    }
                }
                "specPath" => {
                    spec_files.paths = spec_paths(v)?;
                    spec_files.explicit = true;
                }
                "branch" => match v {
                    Value::String(branch) if !branch.trim().is_empty() => {
                        spec_files.branch = branch.trim().to_owned();
                    }
                    _ => return Err(invalid(key, "must be a non-empty string")),
                },
                "useDefaultBranch" => spec_files.use_default_branch = boolean(v, key)?,
                "resources" => {
                    let Value::Array(items) = v else {
                        return Err(invalid(key, "must be a list"));
                    };
                    for (index, item) in items.iter().enumerate() {
                        resources.push(Resource::compile(index, item)?);
                    }
                }
                _ => {
                    extra.insert(key.clone(), v.clone());
                }
            }
        }
        Ok(Mapping {
            settings,
            spec_files,
            resources,
            extra,
            options,
            pool: Mutex::new(None),
        })
    }

    /// The resources of one kind, in configuration order.
    pub fn resources_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources.iter().filter(move |r| r.kind == kind)
    }
}

fn invalid(path: &str, message: &str) -> ConfigError {
    ConfigError::Invalid {
        path: if path.is_empty() {
            "(top level)".into()
        } else {
            path.to_owned()
        },
        message: message.to_owned(),
    }
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ConfigError> {
    v.as_object()
        .ok_or_else(|| invalid(path, "must be a mapping of keys to values"))
}

/// `specPath`: one path, or a list of them (possibly empty).
fn spec_paths(v: &Value) -> Result<Vec<String>, ConfigError> {
    let path = |v: &Value, at: &str| match v {
        Value::String(p) if !p.trim().is_empty() => Ok(p.trim().to_owned()),
        _ => Err(invalid(
            at,
            "must be a non-empty string (a path in the repository)",
        )),
    };
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| path(item, &format!("specPath[{i}]")))
            .collect(),
        _ => Ok(vec![path(v, "specPath")?]),
    }
}

fn boolean(v: &Value, path: &str) -> Result<bool, ConfigError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" || s == "false" => Ok(s == "true"),
        _ => Err(invalid(path, "must be true or false")),
    }
}

/// Compiles jq programs of one resource, naming each problem's place.
struct Compiling<'a> {
    index: usize,
    kind: &'a str,
}

impl Compiling<'_> {
    fn path(&self, field: &str) -> String {
        format!("resources[{}].{field}", self.index)
    }

    fn program(&self, v: &Value, field: &str) -> Result<Program, ConfigError> {
        let code = match v {
            Value::String(s) => s.clone(),
            Value::Bool(_) | Value::Number(_) | Value::Null => v.to_string(),
            _ => {
                return Err(invalid(
                    &self.path(field),
                    "must be a jq program (a string)",
                ));
            }
        };
        Program::compile(&crate::quotes::double_quote_strings(&code)).map_err(|e| ConfigError::Jq {
            path: self.path(field),
            index: self.index,
            kind: self.kind.to_owned(),
            line: e.line,
            column: e.column,
            message: e.message,
            program: code.clone(),
        })
    }

    /// A mapped value: a jq program, or (as in Port) objects and lists of them, such as
    /// search queries, evaluated leaf by leaf.
    fn template(&self, v: &Value, field: &str) -> Result<Template, ConfigError> {
        match v {
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| Ok((k.clone(), self.template(v, &format!("{field}.{k}"))?)))
                .collect::<Result<_, _>>()
                .map(Template::Object),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| self.template(v, &format!("{field}[{i}]")))
                .collect::<Result<_, _>>()
                .map(Template::Array),
            _ => self.program(v, field).map(Template::Jq),
        }
    }

    fn named(
        &self,
        v: Option<&Value>,
        field: &str,
    ) -> Result<Option<Vec<(String, Template)>>, ConfigError> {
        let Some(v) = v else { return Ok(None) };
        if v.is_null() {
            return Ok(Some(Vec::new()));
        }
        let map = object(v, &self.path(field))?;
        map.iter()
            .map(|(k, v)| Ok((k.clone(), self.template(v, &format!("{field}.{k}"))?)))
            .collect::<Result<_, _>>()
            .map(Some)
    }
}

impl Resource {
    fn compile(index: usize, v: &Value) -> Result<Self, ConfigError> {
        let here = format!("resources[{index}]");
        let map = object(v, &here)?;
        let kind = match map.get("kind") {
            Some(Value::String(k)) if !k.is_empty() => k.clone(),
            _ => {
                return Err(invalid(
                    &format!("{here}.kind"),
                    "must be a non-empty string",
                ));
            }
        };
        let c = Compiling { index, kind: &kind };
        let (query, selector_options) = match map.get("selector") {
            None | Some(Value::Null) => (
                c.program(&Value::from("true"), "selector.query")?,
                Map::new(),
            ),
            Some(selector) => {
                let selector = object(selector, &c.path("selector"))?;
                let query = selector
                    .get("query")
                    .cloned()
                    .unwrap_or(Value::from("true"));
                let options = selector
                    .iter()
                    .filter(|(k, _)| *k != "query")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                (c.program(&query, "selector.query")?, options)
            }
        };
        let port = object(
            map.get("port")
                .ok_or_else(|| invalid(&c.path("port"), "is missing"))?,
            &c.path("port"),
        )?;
        let entity = port
            .get("entity")
            .ok_or_else(|| invalid(&c.path("port.entity"), "is missing"))?;
        let entity = object(entity, &c.path("port.entity"))?;
        let mappings = entity
            .get("mappings")
            .ok_or_else(|| invalid(&c.path("port.entity.mappings"), "is missing"))?;
        let mappings = object(mappings, &c.path("port.entity.mappings"))?;
        let field = |name: &str| -> Result<Option<Template>, ConfigError> {
            mappings
                .get(name)
                .map(|v| c.template(v, &format!("port.entity.mappings.{name}")))
                .transpose()
        };
        let required = |name: &str| -> Result<Template, ConfigError> {
            field(name)?.ok_or_else(|| {
                invalid(
                    &c.path(&format!("port.entity.mappings.{name}")),
                    "is missing",
                )
            })
        };
        let entity = EntityMapping {
            identifier: required("identifier")?,
            blueprint: required("blueprint")?,
            title: field("title")?,
            team: field("team")?,
            icon: field("icon")?,
            properties: c.named(
                mappings.get("properties"),
                "port.entity.mappings.properties",
            )?,
            relations: c.named(mappings.get("relations"), "port.entity.mappings.relations")?,
        };
        let items_to_parse = match port.get("itemsToParse") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let program = c.program(v, "port.itemsToParse")?;
                let name = match port.get("itemsToParseName") {
                    None | Some(Value::Null) => "item".to_owned(),
                    Some(Value::String(n)) if !n.is_empty() => n.clone(),
                    Some(_) => {
                        return Err(invalid(
                            &c.path("port.itemsToParseName"),
                            "must be a non-empty string",
                        ));
                    }
                };
                let transform = match port.get("itemsToParseTopLevelTransform") {
                    None | Some(Value::Null) => true,
                    Some(v) => boolean(v, &c.path("port.itemsToParseTopLevelTransform"))?,
                };
                let remove_from_parent = transform
                    .then(|| Program::compile(&format!("del({})", program.source())).ok())
                    .flatten();
                Some(ItemsToParse {
                    program,
                    name,
                    remove_from_parent,
                })
            }
        };
        let needs = entity
            .templates()
            .fold(query.needs().clone(), |n, t| n.union(t.needs()));
        let input_keys = match (&items_to_parse, needs) {
            (None, Needs::Keys(keys)) => Some(keys.into_iter().collect()),
            _ => None,
        };
        let constant_blueprint = match &entity.blueprint {
            Template::Jq(p) if p.is_constant() => {
                match p.first_json(&Value::Null, &Default::default()) {
                    Ok(Some(Value::String(blueprint))) if !blueprint.is_empty() => Some(blueprint),
                    _ => None,
                }
            }
            _ => None,
        };
        Ok(Resource {
            index,
            kind,
            selector_options,
            constant_blueprint,
            programs: Arc::new(Programs {
                index,
                query,
                items_to_parse,
                entity,
                input_keys,
            }),
        })
    }

    /// The blueprint of every entity of the resource when its program is a constant
    /// string (such as `'"azureDevopsRepository"'`), evaluated once at load; `None` when
    /// the blueprint depends on the item.
    pub fn constant_blueprint(&self) -> Option<&str> {
        self.constant_blueprint.as_deref()
    }
}
