//! Evaluation of a resource's selector and mappings over raw items.

use crate::config::{EntityMapping, Mapping, Programs, Resource, Template};
use crate::entity::{Entity, Mapped, Outcome, SkipReason, Warning};
use crate::error::MapError;
use crate::jq::{self, Val};
use crate::pool::Pool;
use serde_json::{Map, Value};
use std::num::NonZeroUsize;
use std::sync::Arc;

/// Items below which a batch is mapped on one thread.
const MIN_ITEMS_PER_THREAD: usize = 64;

/// One input of the mappings, as jq value and, for an item mapped as it came, as JSON.
struct Input<'a> {
    val: &'a Val,
    json: Option<&'a Value>,
}

/// What every evaluation of one task shares.
struct Scope<'a> {
    resource: &'a Programs,
    env: Val,
    budget: u64,
    /// Map items the selector rejects too ([`Outcome::Unselected`]).
    all: bool,
}

impl Mapping {
    /// Maps a batch of raw items with one resource on the mapping's evaluation threads
    /// (started by the first batch, sized by [`Options::threads`](crate::Options::threads)).
    ///
    /// Returns one [`Mapped`] per item, in input order, or an error when the batch could not
    /// be mapped as a whole. It blocks until the batch is mapped: from async code, call it
    /// inside `spawn_blocking`.
    ///
    /// ```
    /// use mapping_engine::{Mapping, Options, Outcome};
    /// use serde_json::json;
    ///
    /// let yaml = "resources:\n  - kind: project\n    selector:\n      query: .state == \"wellFormed\"\n    \
    ///             port:\n      entity:\n        mappings:\n          identifier: .id\n          \
    ///             title: .name | ascii_upcase\n          blueprint: '\"project\"'\n";
    /// let mapping = Mapping::from_yaml(yaml, Options::default()).unwrap();
    /// let items = [
    ///     json!({"id": "p1", "name": "web", "state": "wellFormed"}),
    ///     json!({"id": "p2", "name": "old", "state": "deleting"}),
    /// ];
    /// let mapped = mapping.map_batch(&mapping.resources[0], &items).unwrap();
    /// let Outcome::Entity(entity) = &mapped[0].outcomes[0] else { panic!() };
    /// assert_eq!(entity.title, Some(json!("WEB")));
    /// assert_eq!(mapped[1].outcomes, [Outcome::Filtered]);
    /// ```
    pub fn map_batch(&self, resource: &Resource, items: &[Value]) -> Result<Vec<Mapped>, MapError> {
        self.map_items(resource, items, false)
    }

    /// Like [`Mapping::map_batch`], but items the selector rejects are mapped too and come
    /// back as [`Outcome::Unselected`] (live events delete their entities).
    pub fn map_batch_all(
        &self,
        resource: &Resource,
        items: &[Value],
    ) -> Result<Vec<Mapped>, MapError> {
        self.map_items(resource, items, true)
    }

    /// The evaluation threads, started on first use (and again after a failed start).
    fn pool(&self) -> Result<Arc<Pool>, MapError> {
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pool) = &*pool {
            return Ok(Arc::clone(pool));
        }
        let threads = self
            .options
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get));
        let started = Arc::new(Pool::start(threads)?);
        *pool = Some(Arc::clone(&started));
        Ok(started)
    }

    fn map_items(
        &self,
        resource: &Resource,
        items: &[Value],
        all: bool,
    ) -> Result<Vec<Mapped>, MapError> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let pool = self.pool()?;
        let tasks = pool
            .threads()
            .min(items.len().div_ceil(MIN_ITEMS_PER_THREAD))
            .max(1);
        let chunk = items.len().div_ceil(tasks);
        let env = Arc::new(self.options.env.clone());
        let budget = self.options.step_budget;
        let tasks = items
            .chunks(chunk)
            .map(|part| {
                let (programs, env, part) = (
                    Arc::clone(&resource.programs),
                    Arc::clone(&env),
                    part.to_vec(),
                );
                Box::new(move || {
                    let scope = Scope {
                        resource: &programs,
                        env: env
                            .as_ref()
                            .as_ref()
                            .map_or(Val::obj(Default::default()), |e| {
                                jq::to_val(&Value::Object(e.clone()))
                            }),
                        budget,
                        all,
                    };
                    part.iter().map(|item| scope.map(item)).collect::<Vec<_>>()
                }) as Box<dyn FnOnce() -> Vec<Mapped> + Send>
            })
            .collect();
        Ok(pool.run(tasks)?.into_iter().flatten().collect())
    }
}

impl Scope<'_> {
    fn path(&self, field: &str) -> String {
        format!("resources[{}].{field}", self.resource.index)
    }

    fn map(&self, item: &Value) -> Mapped {
        let mut mapped = Mapped::default();
        let input = match &self.resource.input_keys {
            Some(keys) => jq::to_val_keys(item, keys),
            None => jq::to_val(item),
        };
        let Some(expand) = &self.resource.items_to_parse else {
            let outcome = self.map_one(&input, Some(item), &mut mapped.warnings);
            mapped.outcomes.push(outcome);
            return mapped;
        };
        jq::reset_budget(self.budget);
        let elements = match expand.program.first(&input, &self.env) {
            Ok(Some(Val::Arr(elements))) => elements,
            Ok(_) => {
                mapped
                    .outcomes
                    .push(Outcome::Skipped(SkipReason::ItemsToParseNotArray));
                return mapped;
            }
            Err(e) => {
                mapped.warnings.push(Warning {
                    field: self.path("port.itemsToParse"),
                    message: e.0,
                });
                mapped
                    .outcomes
                    .push(Outcome::Skipped(SkipReason::ItemsToParseNotArray));
                return mapped;
            }
        };
        let parent = match &expand.remove_from_parent {
            Some(del) => match del.first(&input, &self.env) {
                Ok(Some(parent)) => parent,
                _ => input,
            },
            None => input,
        };
        let Val::Obj(parent) = parent else {
            mapped
                .outcomes
                .push(Outcome::Skipped(SkipReason::ItemsToParseNotArray));
            return mapped;
        };
        for element in elements.iter() {
            let mut merged = (*parent).clone();
            merged.insert(Val::from(expand.name.clone()), element.clone());
            let outcome = self.map_one(&Val::obj(merged), None, &mut mapped.warnings);
            mapped.outcomes.push(outcome);
        }
        mapped
    }

    /// Maps one input; `json` is the same input as JSON when the item is mapped
    /// as it came (programs that run on JSON then read it directly).
    fn map_one(&self, input: &Val, json: Option<&Value>, warnings: &mut Vec<Warning>) -> Outcome {
        jq::reset_budget(self.budget);
        match self.resource.query.first(input, &self.env) {
            Ok(Some(Val::Bool(true))) => {}
            Ok(Some(Val::Bool(false))) if self.all => {
                return match self.entity(
                    &self.resource.entity,
                    &Input { val: input, json },
                    warnings,
                ) {
                    Outcome::Entity(entity) => Outcome::Unselected(entity),
                    _ => Outcome::Filtered,
                };
            }
            Ok(Some(Val::Bool(false))) => return Outcome::Filtered,
            Ok(Some(other)) => {
                return Outcome::Failed(format!(
                    "{}: the selector must evaluate to a boolean, not {}",
                    self.path("selector.query"),
                    jq::describe(&other)
                ));
            }
            Ok(None) => {
                return Outcome::Failed(format!(
                    "{}: the selector produced no output",
                    self.path("selector.query")
                ));
            }
            Err(e) => return Outcome::Failed(format!("{}: {}", self.path("selector.query"), e.0)),
        }
        self.entity(&self.resource.entity, &Input { val: input, json }, warnings)
    }

    fn entity(&self, m: &EntityMapping, input: &Input, warnings: &mut Vec<Warning>) -> Outcome {
        let mut field = |t: &Template, name: &str| {
            self.template(
                t,
                input,
                &|| format!("port.entity.mappings.{name}"),
                warnings,
            )
        };
        let identifier = field(&m.identifier, "identifier");
        let blueprint = field(&m.blueprint, "blueprint");
        let title = m.title.as_ref().map(|t| field(t, "title"));
        let team = m.team.as_ref().map(|t| field(t, "team"));
        let icon = m.icon.as_ref().map(|t| field(t, "icon"));
        let mut named = |entries: &Option<Vec<(String, Template)>>, section: &str| {
            entries.as_ref().map(|entries| {
                entries
                    .iter()
                    .map(|(k, t)| {
                        let path = || format!("port.entity.mappings.{section}.{k}");
                        (k.clone(), self.template(t, input, &path, warnings))
                    })
                    .collect::<Map<String, Value>>()
            })
        };
        let properties = named(&m.properties, "properties");
        let relations = named(&m.relations, "relations");
        if is_empty(&identifier) {
            return Outcome::Skipped(SkipReason::EmptyIdentifier);
        }
        if is_empty(&blueprint) {
            return Outcome::Skipped(SkipReason::EmptyBlueprint);
        }
        Outcome::Entity(Box::new(Entity {
            identifier,
            blueprint,
            title,
            team,
            icon,
            properties,
            relations,
        }))
    }

    /// Evaluates a mapped value; `field` names it (built only for a warning).
    fn template(
        &self,
        t: &Template,
        input: &Input,
        field: &dyn Fn() -> String,
        warnings: &mut Vec<Warning>,
    ) -> Value {
        match t {
            Template::Jq(p) => match match input.json {
                Some(json) if p.runs_on_json() => p.first_json(json, &self.env),
                _ => p.first_as_json(input.val, &self.env),
            } {
                Ok(v) => v.unwrap_or(Value::Null),
                Err(e) => {
                    warnings.push(Warning {
                        field: self.path(&field()),
                        message: e.0,
                    });
                    Value::Null
                }
            },
            Template::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, t)| {
                        (
                            k.clone(),
                            self.template(t, input, &|| format!("{}.{k}", field()), warnings),
                        )
                    })
                    .collect(),
            ),
            Template::Array(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        self.template(t, input, &|| format!("{}[{i}]", field()), warnings)
                    })
                    .collect(),
            ),
        }
    }
}

/// What Port's integration treats as false cannot identify an entity or name a
/// blueprint: null, false, 0, `""`, `[]` and `{}`.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}
