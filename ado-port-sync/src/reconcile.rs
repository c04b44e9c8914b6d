//! Reconciliation: deciding which stored entities the resync did not produce, and deleting
//! them safely.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use futures::TryStreamExt;
use jiff::Timestamp;
use mapping_engine::{Entity, Settings};
use serde_json::{Map, Value};

use crate::report::{ReconcileReport, ReconcileStatus, push_capped};
use crate::sink::{EntityStore, SinkError, StoredEntity};
use crate::unchanged::Held;

/// The identifiers a relations map points to: string values and strings inside arrays.
/// Search queries (objects) point to nothing known in advance.
pub fn relation_targets(relations: &Map<String, Value>) -> impl Iterator<Item = &str> {
    relations.values().flat_map(|value| match value {
        Value::String(id) => vec![id.as_str()],
        Value::Array(ids) => ids.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    })
}

/// What a resync produced, kept for the whole resync: the (blueprint, identifier) pairs, the
/// relation targets of those entities, and the blueprints that must not lose entities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Produced {
    seen: HashSet<(String, String)>,
    relation_targets: HashSet<String>,
    protected_blueprints: BTreeSet<String>,
    blocked: Option<String>,
}

impl Produced {
    /// Records a produced entity (whether or not its write succeeded). Entities with a search
    /// identifier protect their blueprint, as their stored identifier is not known. Relation
    /// targets are kept when `keep_relation_targets` (`createMissingRelatedEntities`).
    pub fn record(&mut self, entity: &Entity, keep_relation_targets: bool) {
        let Some(blueprint) = entity.blueprint.as_str() else {
            return;
        };
        match &entity.identifier {
            Value::String(identifier) => {
                self.seen.insert((blueprint.to_owned(), identifier.clone()));
            }
            _ => self.protect_blueprint(blueprint),
        }
        if keep_relation_targets && let Some(relations) = &entity.relations {
            self.relation_targets
                .extend(relation_targets(relations).map(str::to_owned));
        }
    }

    /// Records the identifier a sink stored for an entity (a resolved search identifier).
    pub fn record_stored(&mut self, blueprint: &str, identifier: &str) {
        self.seen
            .insert((blueprint.to_owned(), identifier.to_owned()));
    }

    /// Keeps every stored entity of `blueprint`.
    pub fn protect_blueprint(&mut self, blueprint: &str) {
        self.protected_blueprints.insert(blueprint.to_owned());
    }

    /// Forbids every deletion, for `reason`.
    pub fn block(&mut self, reason: impl Into<String>) {
        self.blocked.get_or_insert_with(|| reason.into());
    }

    /// Why deletions are forbidden, if they are.
    #[must_use]
    pub fn blocked(&self) -> Option<&str> {
        self.blocked.as_deref()
    }

    /// Whether (blueprint, identifier) was produced.
    #[must_use]
    pub fn contains(&self, blueprint: &str, identifier: &str) -> bool {
        self.seen
            .contains(&(blueprint.to_owned(), identifier.to_owned()))
    }

    /// Number of (blueprint, identifier) pairs produced.
    #[must_use]
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether nothing was produced.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Adds what another organization produced.
    pub fn merge(&mut self, other: Produced) {
        self.seen.extend(other.seen);
        self.relation_targets.extend(other.relation_targets);
        self.protected_blueprints.extend(other.protected_blueprints);
        if let Some(reason) = other.blocked {
            self.block(reason);
        }
    }
}

/// Stored entities split into deletion candidates and kept ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// Stored entities last updated before the resync started.
    pub stale: usize,
    /// Not produced and not protected: to delete.
    pub candidates: Vec<StoredEntity>,
    /// Not produced but kept: a protected blueprint, or a relation target of a kept entity
    /// when `createMissingRelatedEntities` is on.
    pub protected: usize,
}

/// Splits `stored` into deletion candidates and kept entities.
#[must_use]
pub fn select_candidates(
    stored: Vec<StoredEntity>,
    produced: &Produced,
    create_missing_related_entities: bool,
) -> Selection {
    let stale = stored.len();
    let (kept, missing): (Vec<_>, Vec<_>) = stored
        .into_iter()
        .partition(|e| produced.contains(&e.blueprint, &e.identifier));
    let mut targets: HashSet<&str> = HashSet::new();
    if create_missing_related_entities {
        targets.extend(produced.relation_targets.iter().map(String::as_str));
        targets.extend(
            kept.iter()
                .flat_map(|e| e.relation_targets.iter().map(String::as_str)),
        );
    }
    let (protected, candidates): (Vec<_>, Vec<_>) = missing.into_iter().partition(|e| {
        produced.protected_blueprints.contains(&e.blueprint)
            || targets.contains(e.identifier.as_str())
    });
    Selection {
        stale,
        candidates,
        protected: protected.len(),
    }
}

/// Whether deleting `candidates` of `existing` entities stays within `threshold`
/// (`entityDeletionThreshold`, a share between 0 and 1).
#[must_use]
pub fn within_threshold(candidates: usize, existing: usize, threshold: f64) -> bool {
    if candidates == 0 {
        return true;
    }
    if existing == 0 {
        return false;
    }
    (candidates as f64 / existing as f64) <= threshold
}

/// Orders candidates so that an entity comes before the entities it relates to (dependents
/// before their targets); entities in a cycle keep their input order, after the rest.
#[must_use]
pub fn dependents_first(candidates: Vec<StoredEntity>) -> Vec<StoredEntity> {
    let mut by_identifier: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, entity) in candidates.iter().enumerate() {
        by_identifier
            .entry(entity.identifier.as_str())
            .or_default()
            .push(index);
    }
    // pending[i]: candidates relating to i that are not deleted yet.
    let mut pending = vec![0usize; candidates.len()];
    let mut targets_of: Vec<Vec<usize>> = vec![Vec::new(); candidates.len()];
    for (source, entity) in candidates.iter().enumerate() {
        let mut targets: Vec<usize> = entity
            .relation_targets
            .iter()
            .flat_map(|t| by_identifier.get(t.as_str()).into_iter().flatten().copied())
            .filter(|&target| target != source)
            .collect();
        targets.sort_unstable();
        targets.dedup();
        for &target in &targets {
            pending[target] += 1;
        }
        targets_of[source] = targets;
    }
    let mut order = Vec::with_capacity(candidates.len());
    let mut ready: Vec<usize> = (0..candidates.len())
        .filter(|&i| pending[i] == 0)
        .rev()
        .collect();
    let mut done = vec![false; candidates.len()];
    while let Some(next) = ready.pop() {
        done[next] = true;
        order.push(next);
        for &target in targets_of[next].iter().rev() {
            pending[target] -= 1;
            if pending[target] == 0 {
                ready.push(target);
            }
        }
    }
    order.extend((0..candidates.len()).filter(|&i| !done[i]));
    let mut slots: Vec<Option<StoredEntity>> = candidates.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// What the store holds of this integration when a resync starts: how many entities (the
/// base of the deletion rate) and, as compact hashes, what they hold.
pub(crate) async fn snapshot(store: &dyn EntityStore) -> Result<(usize, Held), SinkError> {
    store
        .existing(None)
        .try_fold(
            (0usize, Held::default()),
            |(count, mut held), stored| async move {
                if let Some(entity) = &stored.content {
                    held.insert(entity);
                }
                Ok((count + 1, held))
            },
        )
        .await
}

/// Lists the entities last updated before the resync started (`before`; entities that live
/// events touched since are never candidates), selects the candidates and deletes them,
/// honouring `deleteDependentEntities` and the threshold. The deletion rate is candidates over
/// `existing_before`, the entities the store held when the resync started.
pub(crate) async fn reconcile(
    store: &dyn EntityStore,
    produced: &Produced,
    before: Timestamp,
    existing_before: usize,
    settings: &Settings,
) -> ReconcileReport {
    let stored: Vec<StoredEntity> = match store.existing(Some(before)).try_collect().await {
        Ok(stored) => stored,
        Err(error) => {
            return ReconcileReport::skipped(
                ReconcileStatus::Failed,
                format!("cannot list the existing entities: {error}"),
            );
        }
    };
    let selection = select_candidates(stored, produced, settings.create_missing_related_entities);
    let mut report = ReconcileReport::skipped(ReconcileStatus::Done, "");
    report.reason = None;
    // Entities listed as stale existed before the resync, whatever the first count saw.
    report.existing = existing_before.max(selection.stale);
    report.candidates = selection.candidates.len();
    report.protected = selection.protected;
    if !within_threshold(
        selection.candidates.len(),
        report.existing,
        settings.entity_deletion_threshold,
    ) {
        report.status = ReconcileStatus::ThresholdExceeded;
        report.reason = Some(format!(
            "{} of {} entities ({:.0} %) would be deleted, above the entityDeletionThreshold of {}",
            selection.candidates.len(),
            report.existing,
            100.0 * selection.candidates.len() as f64 / report.existing.max(1) as f64,
            settings.entity_deletion_threshold
        ));
        return report;
    }
    let batches: Vec<(String, Vec<String>)> = if settings.delete_dependent_entities {
        let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for entity in selection.candidates {
            grouped
                .entry(entity.blueprint)
                .or_default()
                .push(entity.identifier);
        }
        grouped.into_iter().collect()
    } else {
        dependents_first(selection.candidates)
            .into_iter()
            .map(|e| (e.blueprint, vec![e.identifier]))
            .collect()
    };
    for (blueprint, identifiers) in batches {
        match store
            .delete(&blueprint, &identifiers, settings.delete_dependent_entities)
            .await
        {
            Ok(deleted) => {
                report.deleted += deleted.len();
                *report.deleted_by_blueprint.entry(blueprint).or_default() += deleted.len();
            }
            Err(error) => {
                report.failed += identifiers.len();
                push_capped(
                    &mut report.errors,
                    format!(
                        "cannot delete {} `{blueprint}` entities: {error}",
                        identifiers.len()
                    ),
                );
            }
        }
    }
    if report.failed > 0 {
        report.status = ReconcileStatus::Failed;
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stored(blueprint: &str, identifier: &str, targets: &[&str]) -> StoredEntity {
        StoredEntity {
            blueprint: blueprint.into(),
            identifier: identifier.into(),
            relation_targets: targets.iter().map(|t| (*t).to_owned()).collect(),
            content: None,
        }
    }

    fn entity(value: Value) -> Entity {
        Entity {
            identifier: value["identifier"].clone(),
            blueprint: value["blueprint"].clone(),
            title: None,
            team: None,
            icon: None,
            properties: None,
            relations: value["relations"].as_object().cloned(),
        }
    }

    fn identifiers(selection: &Selection) -> Vec<&str> {
        selection
            .candidates
            .iter()
            .map(|e| e.identifier.as_str())
            .collect()
    }

    #[test]
    fn relation_targets_are_strings_and_string_arrays() {
        let relations = json!({
            "project": "p1",
            "members": ["u1", "u2", 3],
            "service": {"combinator": "and", "rules": []},
            "none": null
        });
        let targets: Vec<&str> = relation_targets(relations.as_object().unwrap()).collect();
        assert_eq!(targets, ["p1", "u1", "u2"]);
    }

    #[test]
    fn candidates_are_what_was_not_produced() {
        let mut produced = Produced::default();
        produced.record(
            &entity(json!({"identifier": "r1", "blueprint": "repo"})),
            true,
        );
        let selection = select_candidates(
            vec![
                stored("repo", "r1", &[]),
                stored("repo", "r2", &[]),
                stored("build", "r1", &[]),
            ],
            &produced,
            true,
        );
        assert_eq!(selection.stale, 3);
        assert_eq!(identifiers(&selection), ["r2", "r1"]);
        assert_eq!(selection.candidates[1].blueprint, "build");
        assert_eq!(selection.protected, 0);
    }

    #[test]
    fn relation_targets_of_kept_entities_are_protected_with_create_missing() {
        let mut produced = Produced::default();
        produced.record(
            &entity(json!({"identifier": "pr1", "blueprint": "pr", "relations": {"repository": "r-new"}})),
            true,
        );
        produced.record(
            &entity(json!({"identifier": "t1", "blueprint": "team"})),
            true,
        );
        let stored_now = || {
            vec![
                stored("team", "t1", &["u1"]),
                stored("user", "u1", &[]),
                stored("repo", "r-new", &[]),
                stored("repo", "r-gone", &[]),
            ]
        };
        let selection = select_candidates(stored_now(), &produced, true);
        assert_eq!(identifiers(&selection), ["r-gone"]);
        assert_eq!(selection.protected, 2);
        let selection = select_candidates(stored_now(), &produced, false);
        assert_eq!(identifiers(&selection), ["u1", "r-new", "r-gone"]);
    }

    #[test]
    fn search_identifiers_and_protected_blueprints_never_cause_deletions() {
        let mut produced = Produced::default();
        produced.record(
            &entity(json!({"identifier": {"combinator": "and", "rules": []}, "blueprint": "svc"})),
            true,
        );
        produced.protect_blueprint("repo");
        let selection = select_candidates(
            vec![
                stored("svc", "s1", &[]),
                stored("repo", "r1", &[]),
                stored("build", "b1", &[]),
            ],
            &produced,
            true,
        );
        assert_eq!(identifiers(&selection), ["b1"]);
        assert_eq!(selection.protected, 2);
    }

    #[test]
    fn threshold() {
        assert!(within_threshold(0, 0, 0.0));
        assert!(within_threshold(0, 10, 0.0));
        assert!(!within_threshold(1, 10, 0.0));
        assert!(within_threshold(9, 10, 0.9));
        assert!(!within_threshold(10, 10, 0.9));
        assert!(within_threshold(10, 10, 1.0));
        assert!(!within_threshold(1, 0, 1.0));
    }

    #[test]
    fn dependents_come_before_their_targets() {
        let ordered = dependents_first(vec![
            stored("project", "p1", &[]),
            stored("repo", "r1", &["p1"]),
            stored("pr", "pr1", &["r1", "u-elsewhere"]),
            stored("build", "b1", &["p1"]),
        ]);
        let ids: Vec<&str> = ordered.iter().map(|e| e.identifier.as_str()).collect();
        let position = |id: &str| ids.iter().position(|x| *x == id).unwrap();
        assert_eq!(ids.len(), 4);
        assert!(position("pr1") < position("r1"));
        assert!(position("r1") < position("p1"));
        assert!(position("b1") < position("p1"));
    }

    #[test]
    fn cycles_are_still_deleted() {
        let ordered = dependents_first(vec![
            stored("a", "x", &["y"]),
            stored("a", "y", &["x"]),
            stored("a", "z", &["x"]),
        ]);
        let ids: Vec<&str> = ordered.iter().map(|e| e.identifier.as_str()).collect();
        assert_eq!(ids, ["z", "x", "y"]);
    }

    #[test]
    fn merge_keeps_the_first_block_reason() {
        let mut a = Produced::default();
        a.record(&entity(json!({"identifier": "1", "blueprint": "b"})), false);
        let mut b = Produced::default();
        b.block("first");
        b.record(&entity(json!({"identifier": "2", "blueprint": "b"})), false);
        let mut c = Produced::default();
        c.block("second");
        a.merge(b);
        a.merge(c);
        assert_eq!(a.len(), 2);
        assert_eq!(a.blocked(), Some("first"));
    }
}
