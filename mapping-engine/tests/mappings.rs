//! The seed's default and multi-organization mappings applied to realistic
//! Azure DevOps payloads give exactly the entities real jq computes
//! (recorded in `tests/data/expected` by `tests/data/regenerate.py`).

mod common;

use mapping_engine::{ConfigError, Mapping, Options, Outcome};
use serde_json::{Value, json};

fn load(name: &str) -> Mapping {
    let text = std::fs::read_to_string(common::seed_mapping(&format!("{name}.yaml"))).unwrap();
    Mapping::from_yaml(&text, Options::default()).unwrap()
}

fn check(name: &str) {
    let mapping = load(name);
    let mut kinds: Vec<&str> = mapping.resources.iter().map(|r| r.kind.as_str()).collect();
    kinds.dedup();
    assert!(kinds.len() >= 2);
    for kind in kinds {
        let items: Vec<Value> = serde_json::from_str(
            &std::fs::read_to_string(common::data(&format!("items/{kind}.json"))).unwrap(),
        )
        .unwrap();
        let expected: Vec<Value> =
            std::fs::read_to_string(common::data(&format!("expected/{name}/{kind}.ndjson")))
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
        let mut got = Vec::new();
        for resource in mapping.resources_of(kind) {
            for mapped in mapping.map_batch(resource, &items).unwrap() {
                for outcome in mapped.outcomes {
                    if let Outcome::Entity(e) = outcome {
                        got.push(serde_json::to_value(e).unwrap());
                    }
                }
            }
        }
        assert_eq!(got.len(), expected.len(), "{name}/{kind}: entity count");
        for (g, e) in got.iter().zip(&expected) {
            assert!(
                common::same(g, e),
                "{name}/{kind}:\n engine {g}\n jq     {e}"
            );
        }
    }
}

#[test]
fn default_mapping_matches_jq() {
    check("default-mapping");
}

#[test]
fn multi_org_mapping_matches_jq() {
    check("multi-org-mapping");
}

#[test]
fn settings_default_as_port() {
    let m = Mapping::from_yaml("resources: []", Options::default()).unwrap();
    assert!(
        m.settings.delete_dependent_entities
            && m.settings.create_missing_related_entities
            && m.settings.enable_merge_entity
    );
    assert_eq!(m.settings.entity_deletion_threshold, 0.9);
    let m = load("default-mapping");
    assert_eq!(m.resources.len(), 13);
    assert_eq!(
        m.resources[1].selector_options["includedFiles"],
        json!(["README.md"])
    );
}

#[test]
fn spec_files_take_a_path_or_a_list_and_default_as_port() {
    let spec = |yaml: &str| {
        Mapping::from_yaml(&format!("{yaml}\nresources: []"), Options::default())
            .map(|m| m.spec_files)
    };
    let default = spec("").unwrap();
    assert_eq!(default.paths, ["port.yml"]);
    assert!(!default.explicit && default.use_default_branch);
    assert_eq!(default.branch, "main");
    let one = spec("specPath: services/api/port.yaml").unwrap();
    assert_eq!(one.paths, ["services/api/port.yaml"]);
    assert!(one.explicit);
    let list = spec(
        "specPath: [port.yml, /catalog/entities.yml]\nbranch: release\nuseDefaultBranch: false",
    )
    .unwrap();
    assert_eq!(list.paths, ["port.yml", "/catalog/entities.yml"]);
    assert_eq!(list.branch, "release");
    assert!(!list.use_default_branch);
    assert!(spec("specPath: []").unwrap().paths.is_empty());
    let error = spec("specPath: [port.yml, 3]").unwrap_err().to_string();
    assert!(
        error.starts_with("specPath[1]: must be a non-empty string"),
        "{error}"
    );
    let error = spec("branch: ''").unwrap_err().to_string();
    assert!(error.starts_with("branch: "), "{error}");
    let error = spec("useDefaultBranch: maybe").unwrap_err().to_string();
    assert!(error.starts_with("useDefaultBranch: "), "{error}");
}

#[test]
fn a_program_that_does_not_compile_names_resource_field_and_position() {
    let yaml = "resources:\n  - kind: project\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"p\"'\n          properties:\n            lead: .a | foo(1)\n";
    let err = Mapping::from_yaml(yaml, Options::default()).unwrap_err();
    let ConfigError::Jq {
        path,
        index,
        kind,
        line,
        column,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(path, "resources[0].port.entity.mappings.properties.lead");
    assert_eq!(
        (*index, kind.as_str(), *line, *column),
        (0, "project", 1, 6)
    );
    assert!(err.to_string().contains("foo"), "{err}");
}

#[test]
fn unsupported_constructs_fail_at_load_with_a_clear_message() {
    for (program, needle) in [
        ("test(\"a(?=b)\")", "look-around"),
        (".[] as [$a] ?// $a | $a", "?//"),
    ] {
        let yaml = format!(
            "resources:\n  - kind: k\n    port:\n      entity:\n        mappings:\n          identifier: '{program}'\n          blueprint: '\"b\"'\n"
        );
        let err = Mapping::from_yaml(&yaml, Options::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(needle) && err.contains("resources[0].port.entity.mappings.identifier"),
            "{err}"
        );
    }
}

#[test]
fn yaml_errors_name_line_and_column() {
    let err =
        Mapping::from_yaml("resources:\n  - kind: [unclosed\n", Options::default()).unwrap_err();
    assert!(matches!(err, ConfigError::Syntax { .. }));
    assert!(err.to_string().contains("line"), "{err}");
}

fn single(yaml_mapping: &str, item: Value) -> (Vec<Outcome>, Vec<String>) {
    let yaml = format!(
        "resources:\n  - kind: k\n    selector:\n      query: {}\n    port:\n{yaml_mapping}",
        "'.keep != false'"
    );
    let m = Mapping::from_yaml(&yaml, Options::default()).unwrap();
    let mapped = m.map_batch(&m.resources[0], &[item]).unwrap().remove(0);
    (
        mapped.outcomes,
        mapped.warnings.into_iter().map(|w| w.field).collect(),
    )
}

const BASIC: &str = "      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"b\"'\n          properties:\n            x: .a + 1\n";

#[test]
fn runtime_errors_null_the_field_with_a_warning() {
    let (outcomes, warnings) = single(BASIC, json!({"id": "i", "a": "text"}));
    let Outcome::Entity(e) = &outcomes[0] else {
        panic!("{outcomes:?}")
    };
    assert_eq!(
        serde_json::to_value(e).unwrap(),
        json!({"identifier": "i", "blueprint": "b", "properties": {"x": null}})
    );
    assert_eq!(warnings, ["resources[0].port.entity.mappings.properties.x"]);
}

#[test]
fn empty_identifiers_are_skipped_and_selectors_must_be_boolean() {
    let (outcomes, _) = single(BASIC, json!({"id": ""}));
    assert!(matches!(outcomes[0], Outcome::Skipped(_)));
    let (outcomes, _) = single(BASIC, json!({"id": "x", "keep": false}));
    assert_eq!(outcomes, [Outcome::Filtered]);
    let yaml = "resources:\n  - kind: k\n    selector:\n      query: .id\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"b\"'\n";
    let m = Mapping::from_yaml(yaml, Options::default()).unwrap();
    let mapped = m.map_batch(&m.resources[0], &[json!({"id": "x"})]).unwrap();
    assert!(matches!(&mapped[0].outcomes[0], Outcome::Failed(msg) if msg.contains("boolean")));
}

#[test]
fn items_to_parse_expands_and_removes_the_array() {
    let yaml = "resources:\n  - kind: k\n    port:\n      itemsToParse: .files\n      entity:\n        mappings:\n          identifier: .item.name\n          blueprint: '\"f\"'\n          properties:\n            parent: .id\n            rest: .files\n";
    let m = Mapping::from_yaml(yaml, Options::default()).unwrap();
    let mapped = m
        .map_batch(
            &m.resources[0],
            &[json!({"id": "r", "files": [{"name": "a"}, {"name": "b"}]})],
        )
        .unwrap()
        .remove(0);
    let ids: Vec<Value> = mapped
        .outcomes
        .iter()
        .map(|o| match o {
            Outcome::Entity(e) => json!([e.identifier, e.properties.as_ref().unwrap()]),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        ids,
        [
            json!(["a", {"parent": "r", "rest": null}]),
            json!(["b", {"parent": "r", "rest": null}])
        ]
    );
}

#[test]
fn runaway_programs_stop_at_the_budget() {
    for program in [
        "def f: 1 + f; f",
        "[range(1e12)] | length",
        "[repeat(1)] | length",
        "last(range(1e12))",
    ] {
        let mapping = format!(
            "      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"b\"'\n          properties:\n            x: '{program}'\n"
        );
        let (outcomes, warnings) = single(&mapping, json!({"id": "i"}));
        assert!(matches!(outcomes[0], Outcome::Entity(_)), "{program}");
        assert_eq!(warnings.len(), 1, "{program}");
    }
}

#[test]
fn environment_is_hidden_unless_given() {
    let mapping = "      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"b\"'\n          properties:\n            e: $ENV.HOME\n            f: env | length\n";
    let (outcomes, _) = single(mapping, json!({"id": "i"}));
    let Outcome::Entity(e) = &outcomes[0] else {
        panic!()
    };
    assert_eq!(e.properties.as_ref().unwrap()["e"], Value::Null);
    assert_eq!(e.properties.as_ref().unwrap()["f"], json!(0));
}

#[test]
fn single_quoted_strings_and_falsy_identifiers_behave_as_in_port() {
    let yaml = "resources:\n  - kind: k\n    selector:\n      query: .kind == 'service'\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: \"'service'\"\n";
    let m = Mapping::from_yaml(yaml, Options::default()).unwrap();
    let mapped = m
        .map_batch(
            &m.resources[0],
            &[
                json!({"kind": "service", "id": "a"}),
                json!({"kind": "service", "id": 0}),
                json!({"kind": "other", "id": "b"}),
            ],
        )
        .unwrap();
    let Outcome::Entity(e) = &mapped[0].outcomes[0] else {
        panic!("{mapped:?}")
    };
    assert_eq!(e.blueprint, json!("service"));
    assert!(
        matches!(mapped[1].outcomes[0], Outcome::Skipped(_)),
        "{mapped:?}"
    );
    assert_eq!(mapped[2].outcomes, [Outcome::Filtered]);
}

#[test]
fn nested_objects_in_mappings_are_evaluated_leaf_by_leaf() {
    let yaml = "resources:\n  - kind: k\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"b\"'\n          properties:\n            owner:\n              name: .owner.name\n              tags: [.a, '\"x\"']\n";
    let m = Mapping::from_yaml(yaml, Options::default()).unwrap();
    let mapped = m
        .map_batch(
            &m.resources[0],
            &[json!({"id": "i", "a": 1, "owner": {"name": "n"}})],
        )
        .unwrap();
    let Outcome::Entity(e) = &mapped[0].outcomes[0] else {
        panic!("{mapped:?}")
    };
    assert_eq!(
        e.properties.as_ref().unwrap()["owner"],
        json!({"name": "n", "tags": [1, "x"]})
    );
}

#[test]
fn map_batch_all_maps_items_the_selector_rejects() {
    let yaml = "resources:\n  - kind: k\n    selector:\n      query: .keep\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"b\"'\n";
    let m = Mapping::from_yaml(yaml, Options::default()).unwrap();
    let items = [
        json!({"id": "a", "keep": true}),
        json!({"id": "b", "keep": false}),
    ];
    let all = m.map_batch_all(&m.resources[0], &items).unwrap();
    assert!(matches!(&all[0].outcomes[0], Outcome::Entity(e) if e.identifier == "a"));
    assert!(matches!(&all[1].outcomes[0], Outcome::Unselected(e) if e.identifier == "b"));
    assert_eq!(
        m.map_batch(&m.resources[0], &items).unwrap()[1].outcomes,
        [Outcome::Filtered]
    );
}

#[test]
fn constant_blueprints_are_known_at_load() {
    let yaml = "resources:\n  - kind: a\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"azureDevopsRepository\"'\n  - kind: b\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: .type\n  - kind: c\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: 'null'\n";
    let m = Mapping::from_yaml(yaml, Options::default()).unwrap();
    let blueprints: Vec<_> = m.resources.iter().map(|r| r.constant_blueprint()).collect();
    assert_eq!(blueprints, [Some("azureDevopsRepository"), None, None]);
}

#[test]
fn batches_spread_over_threads_come_back_whole_and_in_order() {
    let yaml = "resources:\n  - kind: k\n    port:\n      entity:\n        mappings:\n          identifier: .id | tostring\n          blueprint: '\"b\"'\n";
    let options = Options {
        threads: Some(3),
        ..Options::default()
    };
    let m = Mapping::from_yaml(yaml, options).unwrap();
    let items: Vec<_> = (0..500).map(|i| json!({"id": i})).collect();
    for _ in 0..2 {
        let mapped = m.map_batch(&m.resources[0], &items).unwrap();
        let ids: Vec<_> = mapped
            .iter()
            .map(|m| match &m.outcomes[..] {
                [Outcome::Entity(e)] => e.identifier.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        let expected: Vec<_> = (0..500).map(|i| json!(i.to_string())).collect();
        assert_eq!(ids, expected);
    }
    assert_eq!(m.map_batch(&m.resources[0], &[]).unwrap(), []);
}
