//! Every construct of `tests/data/jq_cases.json` gives jq 1.8.2's answer
//! (expected outputs recorded by `tests/data/regenerate.py` with real jq), on
//! jaq and, for programs that run on JSON, on the JSON path too.

mod common;

use mapping_engine::jq::{Program, Val, reset_budget, to_json, to_val};
use serde_json::Value;

#[test]
fn programs_give_jqs_answers() {
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(common::data("jq_cases.json")).unwrap())
            .unwrap();
    let env = Val::obj(Default::default());
    let mut failures = Vec::new();
    let (mut on_json, mut without_jaq) = (0, 0);
    for case in &cases {
        let program = case["program"].as_str().unwrap();
        let input: Value = serde_json::from_str(case["input"].as_str().unwrap()).unwrap();
        let expected = &case["expected"];
        reset_budget(100_000);
        let compiled = Program::compile(program);
        let got = compiled
            .as_ref()
            .map_err(|e| e.message.clone())
            .and_then(|p| {
                p.first(&to_val(&input), &env)
                    .map(|v| v.map(|v| to_json(&v)))
                    .map_err(|e| e.0)
            });
        let mut results = vec![("jaq", got.clone())];
        if let Some(p) = compiled.as_ref().ok().filter(|p| p.runs_on_json()) {
            on_json += 1;
            if let Some(v) = p.first_on_json(&input) {
                without_jaq += 1;
                results.push(("JSON without jaq", Ok(Some(v))));
            }
            reset_budget(100_000);
            let json = p.first_json(&input, &env).map_err(|e| e.0);
            results.push(("JSON", json));
        }
        for (path, result) in &results {
            let ok = match (expected["status"].as_str().unwrap(), result) {
                ("ok", Ok(Some(v))) => common::same(v, &expected["value"]),
                ("empty", Ok(None)) => true,
                ("error", Err(_)) => true,
                _ => false,
            };
            let agrees = match (result, &got) {
                (Ok(Some(a)), Ok(Some(b))) => a == b,
                (a, b) => a == b,
            };
            if !ok || !agrees {
                failures.push(format!(
                    "{program} on {input}: jq {expected}, {path} {result:?}, jaq {got:?}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(
        on_json >= 60 && without_jaq >= 40,
        "{on_json} cases run on JSON, {without_jaq} without jaq"
    );
    println!("{on_json} cases run on JSON, {without_jaq} without jaq");
}
