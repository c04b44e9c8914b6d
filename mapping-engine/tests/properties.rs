//! Properties over generated inputs: evaluation never panics, is deterministic,
//! and programs that run on JSON give jaq's answers.

use mapping_engine::jq::{Program, Val, reset_budget, to_json, to_val};
use serde_json::{Map, Value, json};

/// A small deterministic generator (xorshift), so failures reproduce.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn value(&mut self, depth: u32) -> Value {
        const KEYS: [&str; 8] = [
            "id",
            "name",
            "status",
            "creationDate",
            "closedDate",
            "repository",
            "reviewers",
            "a b",
        ];
        const STRINGS: [&str; 7] = [
            "",
            "x y",
            "2024-03-01T10:00:00.5Z",
            "completed",
            "é",
            "2024-02-30T00:00:00Z",
            "\u{7f}",
        ];
        match self.below(if depth == 0 { 5 } else { 7 }) {
            0 => Value::Null,
            1 => Value::Bool(self.below(2) == 0),
            2 => json!(self.below(1000) as i64 - 500),
            3 => json!((self.below(100_000) as f64) / 7.0),
            4 => json!(STRINGS[self.below(STRINGS.len() as u64) as usize]),
            5 => Value::Array((0..self.below(4)).map(|_| self.value(depth - 1)).collect()),
            _ => Value::Object(
                (0..self.below(5))
                    .map(|_| {
                        (
                            KEYS[self.below(KEYS.len() as u64) as usize].to_owned(),
                            self.value(depth - 1),
                        )
                    })
                    .collect::<Map<_, _>>(),
            ),
        }
    }
}

const PROGRAMS: &[&str] = &[
    ".id | gsub(\" \"; \"\")",
    ".repository.id + \"/\" + (.id | tostring)",
    "[.reviewers[].id]",
    ".creationDate | sub(\"\\\\..*Z$\"; \"Z\") | strptime(\"%Y-%m-%dT%H:%M:%SZ\") | mktime",
    "(.status == \"completed\") and (.closedDate != null)",
    "to_entries | map(.key) | join(\",\")",
    ".[] |= tostring",
    "del(.id) | keys_unsorted",
    ".a.b = .id",
    "[paths] | length",
    "tojson | fromjson",
    ".name * 2",
    ".id / .status",
    "[.. | numbers] | add",
    "walk(if type == \"string\" then ascii_downcase else . end)",
];

#[test]
fn evaluation_never_panics_and_is_deterministic() {
    let programs: Vec<Program> = PROGRAMS
        .iter()
        .map(|p| Program::compile(p).unwrap())
        .collect();
    let mut generator = Gen(0x9e37_79b9_7f4a_7c15);
    let env = Val::obj(Default::default());
    for _ in 0..2000 {
        let input = generator.value(3);
        let val = to_val(&input);
        for program in &programs {
            reset_budget(100_000);
            let first = program.first(&val, &env).map(|v| v.map(|v| to_json(&v)));
            reset_budget(100_000);
            let again = program
                .first(&to_val(&input), &env)
                .map(|v| v.map(|v| to_json(&v)));
            assert_eq!(first, again, "{} on {input}", program.source());
        }
    }
}

/// Programs of the subset that runs on JSON.
const JSON_PROGRAMS: &[&str] = &[
    ".id | gsub(\" \"; \"\")",
    ".repository.id + \"/\" + (.id | tostring)",
    "[.reviewers[].id]",
    "[.reviewers[]?.name | tojson]",
    ".creationDate | sub(\"\\\\..*Z$\"; \"Z\") | strptime(\"%Y-%m-%dT%H:%M:%SZ\") | mktime",
    ".closedDate | fromdate",
    ".id | todate",
    "(.status == \"completed\") and (.closedDate != null)",
    "[.id < .name, .id >= .status, .id == .name, .id != null]",
    ".id + .name",
    ".id - .status",
    "(.id / 3600 * 100 | floor) / 100",
    ".id % 7",
    ".id * .name",
    ".name // .id // \"none\"",
    ".id as $x | .name as $y | if $x then $y elif $y then $x else [$x, $y] end",
    "\"\\(.id)-\\(.name)\"",
    "[.[] | length]",
    "map(.id)",
    ".status | ascii_downcase",
    "select(.id) | .name",
    ".[\"a b\"]?.id?",
];

#[test]
fn the_json_path_agrees_with_jaq() {
    let programs: Vec<Program> = JSON_PROGRAMS
        .iter()
        .map(|p| Program::compile(p).unwrap())
        .collect();
    assert!(programs.iter().all(Program::runs_on_json));
    let mut generator = Gen(0x2545_f491_4f6c_dd1d);
    let env = Val::obj(Default::default());
    let mut without_jaq = 0;
    for _ in 0..3000 {
        let input = generator.value(3);
        for program in &programs {
            reset_budget(100_000);
            let jaq = program
                .first(&to_val(&input), &env)
                .map(|v| v.map(|v| to_json(&v)));
            if let Some(v) = program.first_on_json(&input) {
                without_jaq += 1;
                assert_eq!(Ok(Some(v)), jaq, "{} on {input}", program.source());
            }
            reset_budget(100_000);
            let json = program.first_json(&input, &env);
            assert_eq!(json, jaq, "{} on {input}", program.source());
        }
    }
    assert!(without_jaq > 5_000, "{without_jaq}");
}

#[test]
fn generated_programs_compile_or_fail_cleanly() {
    let parts = [
        ".",
        ".a",
        "[",
        "]",
        "|",
        "(",
        ")",
        "1",
        "\"s\"",
        "+",
        "/",
        "as $x",
        "$x",
        "def f: .;",
        "f",
        "?//",
        "@csv",
        "//",
        ",",
        "reduce",
        "$__loc__",
    ];
    let mut generator = Gen(42);
    for _ in 0..3000 {
        let program: Vec<&str> = (0..1 + generator.below(8))
            .map(|_| parts[generator.below(parts.len() as u64) as usize])
            .collect();
        let program = program.join(" ");
        if let Ok(p) = Program::compile(&program) {
            reset_budget(10_000);
            let _ = p.first(&to_val(&json!({"a": [1, "x"]})), &Val::Null);
        }
    }
}
