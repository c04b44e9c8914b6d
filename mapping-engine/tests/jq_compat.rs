//! Every construct of `tests/data/jq_cases.json` gives jq 1.8.2's answer
//! (expected outputs recorded by `tests/data/regenerate.py` with real jq).

mod common;

use mapping_engine::jq::{Program, Val, reset_budget, to_json, to_val};
use serde_json::Value;

#[test]
fn programs_give_jqs_answers() {
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(common::data("jq_cases.json")).unwrap())
            .unwrap();
    let mut failures = Vec::new();
    for case in &cases {
        let program = case["program"].as_str().unwrap();
        let input: Value = serde_json::from_str(case["input"].as_str().unwrap()).unwrap();
        let expected = &case["expected"];
        reset_budget(100_000);
        let got = Program::compile(program)
            .map_err(|e| e.message)
            .and_then(|p| {
                p.first(&to_val(&input), &Val::obj(Default::default()))
                    .map_err(|e| e.0)
            });
        let ok = match (expected["status"].as_str().unwrap(), &got) {
            ("ok", Ok(Some(v))) => common::same(&to_json(v), &expected["value"]),
            ("empty", Ok(None)) => true,
            ("error", Err(_)) => true,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{program} on {input}: jq {expected}, engine {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
