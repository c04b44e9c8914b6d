//! Programs that would build values without bound fail their evaluation with a
//! message naming the limit (quickly, and with bounded memory: the test process
//! stays alive), as a mapping warning or an item failure; other fields map
//! normally and values within the limits are built as before.

use mapping_engine::jq::{Program, Val, reset_budget};
use mapping_engine::{Mapping, Options, Outcome, Warning};
use serde_json::json;

/// Runaway programs and the words their error must contain.
const RUNAWAY: &[(&str, &str)] = &[
    (
        r#"reduce range(40) as $i ("xx"; .+.)"#,
        "value too large: string of more than 16777216 bytes",
    ),
    (
        r#"reduce range(40) as $i ("xx"; "\(.)\(.)")"#,
        "value too large: string of more than 16777216 bytes",
    ),
    (
        r#""x" * 1e10"#,
        "value too large: string of more than 16777216 bytes",
    ),
    (
        r#"reduce range(80) as $i ("x"; @base64)"#,
        "value too large: string of more than 16777216 bytes",
    ),
    (
        "reduce range(40) as $i (0; [., .]) | tojson",
        "value too large: string of more than 16777216 bytes",
    ),
    ("reduce range(40) as $i (0; [., .])", "value too large"),
    (
        "reduce range(40) as $i ([1]; [.[], .[]])",
        "value too large",
    ),
    ("reduce range(40) as $i ([1]; . + .)", "value too large"),
    (
        "reduce range(40) as $i ({a: 1}; {a: ., b: .}) | tostring",
        "value too large",
    ),
    (
        "error(reduce range(40) as $i (0; [., .]))",
        "value too large: string of more than 16777216 bytes",
    ),
    ("[range(1e9)]", "budget exceeded"),
    ("[limit(1e9; repeat(1))]", "budget exceeded"),
    ("reduce range(1e8) as $i ([]; . + [$i])", ""),
    (
        r#"[range(1000) | "x" * 16000000] | tojson"#,
        "value too large",
    ),
];

fn mapping(properties: &str) -> Mapping {
    let yaml = format!(
        "resources:\n  - kind: k\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"b\"'\n          properties:\n{properties}"
    );
    Mapping::from_yaml(&yaml, Options::default()).unwrap()
}

#[test]
fn runaway_programs_fail_with_the_limit_named() {
    for (program, words) in RUNAWAY {
        reset_budget(100_000);
        let result = Program::compile(program)
            .unwrap()
            .first_as_json(&Val::Null, &Val::Null);
        assert!(
            matches!(&result, Err(e) if e.0.contains(words)),
            "{program}: {result:?}"
        );
    }
}

#[test]
fn a_runaway_field_is_a_warning_naming_it() {
    let m = mapping(&format!(
        "            big: {}\n            ok: .id + \"!\"\n",
        json!(RUNAWAY[0].0)
    ));
    let mapped = m
        .map_batch(&m.resources[0], &[json!({"id": "a"})])
        .unwrap()
        .remove(0);
    let [Outcome::Entity(entity)] = &mapped.outcomes[..] else {
        panic!("{mapped:?}");
    };
    assert_eq!(
        entity.properties.as_ref().unwrap(),
        json!({"big": null, "ok": "a!"}).as_object().unwrap()
    );
    assert_eq!(
        mapped.warnings,
        [Warning {
            field: "resources[0].port.entity.mappings.properties.big".into(),
            message: RUNAWAY[0].1.into(),
        }]
    );
}

#[test]
fn a_runaway_selector_fails_the_item() {
    let yaml = "resources:\n  - kind: k\n    selector:\n      query: 'reduce range(40) as $i (\"xx\"; .+.) | length > 0'\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"b\"'\n";
    let m = Mapping::from_yaml(yaml, Options::default()).unwrap();
    let mapped = m.map_batch(&m.resources[0], &[json!({"id": "a"})]).unwrap();
    assert!(
        matches!(&mapped[0].outcomes[..], [Outcome::Failed(message)]
            if message.starts_with("resources[0].selector.query: value too large")),
        "{mapped:?}"
    );
}

#[test]
fn values_within_the_limits_are_built() {
    let m = mapping(
        "            s: '\"x\" * 1000000 | length'\n            a: '[range(50000)] | length'\n            j: '[range(3000) | tostring] | join(\",\") | length'\n            o: '[range(3000) | {key: tostring, value: .}] | from_entries | length'\n",
    );
    let mapped = m
        .map_batch(&m.resources[0], &[json!({"id": "a"})])
        .unwrap()
        .remove(0);
    assert_eq!(mapped.warnings, []);
    let [Outcome::Entity(entity)] = &mapped.outcomes[..] else {
        panic!("{mapped:?}");
    };
    assert_eq!(
        entity.properties.as_ref().unwrap(),
        json!({"s": 1000000, "a": 50000, "j": 13889, "o": 3000})
            .as_object()
            .unwrap()
    );
}

#[test]
fn constants_compile_on_a_thread_that_spent_its_budget() {
    reset_budget(100_000);
    let spent = Program::compile(r#"[range(1000) | "x" * 16000000] | tojson"#)
        .unwrap()
        .first_as_json(&Val::Null, &Val::Null);
    assert!(spent.is_err());
    let constant = Program::compile(r#""a" + "b""#).unwrap();
    assert!(constant.is_constant());
    assert_eq!(
        constant.first_json(&json!(null), &Val::Null),
        Ok(Some(json!("ab")))
    );
}

#[test]
fn a_selector_output_too_large_to_print_is_described_briefly() {
    let yaml = "resources:\n  - kind: k\n    selector:\n      query: 'reduce range(40) as $i (0; [., .])'\n    port:\n      entity:\n        mappings:\n          identifier: .id\n          blueprint: '\"b\"'\n";
    let m = Mapping::from_yaml(yaml, Options::default()).unwrap();
    let mapped = m.map_batch(&m.resources[0], &[json!({"id": "a"})]).unwrap();
    assert_eq!(
        mapped[0].outcomes,
        [Outcome::Failed(
            "resources[0].selector.query: the selector must evaluate to a boolean, not array ([[[[[[[[[[...)"
                .into()
        )]
    );
}
