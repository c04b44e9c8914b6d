//! Which top-level keys of its input a program can read, so that only those
//! are converted for it.

use jaq_core::load::lex::StrPart;
use jaq_core::load::parse::{BinaryOp, Pattern, Term};
use jaq_core::path::Part;
use std::collections::BTreeSet;

/// The part of its input a program reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Needs {
    /// Potentially all of it.
    All,
    /// At most these top-level keys.
    Keys(BTreeSet<String>),
}

impl Needs {
    /// What two programs read together.
    pub fn union(self, other: Needs) -> Needs {
        match (self, other) {
            (Needs::Keys(mut a), Needs::Keys(b)) => {
                a.extend(b);
                Needs::Keys(a)
            }
            _ => Needs::All,
        }
    }
}

/// Calls that never read their input (their arguments are analysed separately).
const INPUT_FREE: &[&str] = &[
    "true",
    "false",
    "null",
    "empty",
    "error",
    "now",
    "env",
    "input",
    "inputs",
    "builtins",
    "infinite",
    "nan",
    "range",
    "_jq_div",
    "_jq_mod",
    "_jq_mul",
    "_jq_key",
    "halt",
    "halt_error",
];

/// What a rewritten program reads of its input.
pub fn needs(t: &Term<&str>) -> Needs {
    let mut keys = BTreeSet::new();
    if walk(t, true, &mut keys) {
        Needs::Keys(keys)
    } else {
        Needs::All
    }
}

fn literal(t: &Term<&str>) -> Option<String> {
    let Term::Str(None, parts) = t else {
        return None;
    };
    let mut out = String::new();
    for p in parts {
        match p {
            StrPart::Str(s) => out.push_str(s),
            StrPart::Char(c) => out.push(*c),
            StrPart::Term(_) => return None,
        }
    }
    Some(out)
}

/// Collects the keys read at the root; `false` when the whole input may be read.
/// `root` says whether `.` at this position is the program's input.
fn walk(t: &Term<&str>, root: bool, keys: &mut BTreeSet<String>) -> bool {
    use Term::*;
    match t {
        Id | Recurse => !root,
        Num(_) | Var(_) | Break(_) => true,
        Str(_, parts) => parts.iter().all(|p| match p {
            StrPart::Term(t) => walk(t, root, keys),
            _ => true,
        }),
        Arr(a) => a.as_deref().is_none_or(|a| walk(a, root, keys)),
        Neg(t) | Label(_, t) => walk(t, root, keys),
        Obj(kvs) => kvs.iter().all(|(k, v)| match v {
            Some(v) => walk(k, root, keys) && walk(v, root, keys),
            None => match (k, literal(k)) {
                (_, Some(key)) => {
                    if root {
                        keys.insert(key);
                    }
                    true
                }
                (Var(_), None) => true,
                _ => false,
            },
        }),
        Path(base, path) => {
            let mut parts = path.0.iter();
            let base_ok = match (&**base, path.0.first()) {
                (Id, Some((Part::Index(i), _))) if root => match literal(i) {
                    Some(key) => {
                        keys.insert(key);
                        parts.next();
                        true
                    }
                    None => false,
                },
                _ => walk(base, root, keys),
            };
            base_ok
                && parts.all(|(part, _)| match part {
                    Part::Index(i) => walk(i, root, keys),
                    Part::Range(from, to) => {
                        from.as_ref().is_none_or(|f| walk(f, root, keys))
                            && to.as_ref().is_none_or(|t| walk(t, root, keys))
                    }
                })
        }
        BinOp(l, BinaryOp::Pipe(None), r) => walk(l, root, keys) && walk(r, false, keys),
        BinOp(l, BinaryOp::Pipe(Some(p)), r) => {
            walk(l, root, keys) && pattern(p, root, keys) && walk(r, root, keys)
        }
        BinOp(l, _, r) => walk(l, root, keys) && walk(r, root, keys),
        Fold(_, xs, p, args) => {
            walk(xs, root, keys)
                && pattern(p, root, keys)
                && args
                    .iter()
                    .enumerate()
                    .all(|(i, a)| walk(a, root && i == 0, keys))
        }
        TryCatch(t, c) => walk(t, root, keys) && c.as_deref().is_none_or(|c| walk(c, false, keys)),
        IfThenElse(branches, els) => {
            branches
                .iter()
                .all(|(c, t)| walk(c, root, keys) && walk(t, root, keys))
                && els.as_deref().is_none_or(|e| walk(e, root, keys))
        }
        Def(..) => false,
        Call(name, args) => {
            (!root || INPUT_FREE.contains(name)) && args.iter().all(|a| walk(a, root, keys))
        }
    }
}

fn pattern(p: &Pattern<&str>, root: bool, keys: &mut BTreeSet<String>) -> bool {
    match p {
        Pattern::Var(_) => true,
        Pattern::Arr(ps) => ps.iter().all(|p| pattern(p, root, keys)),
        Pattern::Obj(kvs) => kvs
            .iter()
            .all(|(k, p)| walk(k, root, keys) && pattern(p, root, keys)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_of(code: &str) -> Needs {
        let tokens = jaq_core::load::Lexer::new(code).lex().ok().unwrap();
        let term = jaq_core::load::parse::Parser::new(&tokens)
            .parse(|p| p.term())
            .ok()
            .unwrap();
        needs(&term)
    }

    fn keys(list: &[&str]) -> Needs {
        Needs::Keys(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn paths_from_the_root_name_their_keys() {
        assert_eq!(
            keys_of(r#".repository.id + "/" + (.pullRequestId | tostring)"#),
            keys(&["pullRequestId", "repository"])
        );
        assert_eq!(
            keys_of(r#"[.reviewers[].uniqueName]"#),
            keys(&["reviewers"])
        );
        assert_eq!(keys_of(r#".a as $x | .b | .c"#), keys(&["a", "b"]));
        assert_eq!(keys_of(r#"{a, b: .c}"#), keys(&["a", "c"]));
        assert_eq!(
            keys_of(r#"reduce .xs[] as $x (.init; . + $x)"#),
            keys(&["init", "xs"])
        );
        assert_eq!(
            keys_of(r#".__includedFiles["README.md"]"#),
            keys(&["__includedFiles"])
        );
        assert_eq!(keys_of(r#"{(.k): 1}"#), keys(&["k"]));
    }

    #[test]
    fn whole_input_readers_need_everything() {
        for code in [
            ".",
            "keys",
            "tostring",
            "..",
            ".[.k]",
            "def f: .a; f",
            "to_entries",
            ".a + .",
        ] {
            assert_eq!(keys_of(code), Needs::All, "{code}");
        }
    }
}
