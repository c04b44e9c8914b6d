//! Rewrites a parsed program so that jaq evaluates it with jq 1.8's semantics:
//! arithmetic and assignment operators become calls of the engine's natives,
//! string interpolation formats numbers as jq does, `$__loc__` becomes its
//! value, user definitions spend the evaluation budget, and literal regexes
//! are checked before anything runs.

use super::regex;
use jaq_core::load::lex::StrPart;
use jaq_core::load::parse::{BinaryOp, Def, Pattern, Term};
use jaq_core::ops::Math;
use jaq_core::path::{Part, Path};

/// A problem found while rewriting, at a slice of the program text.
pub struct Problem<'s> {
    pub at: &'s str,
    pub message: String,
}

/// Rewrites `term`, a program parsed from `code`.
pub struct Rewriter<'s> {
    code: &'s str,
    lines: &'s [String],
    pub problems: Vec<Problem<'s>>,
}

const RHS: &str = "$__jq_rhs";

impl<'s> Rewriter<'s> {
    /// `lines` holds the decimal text of every line number of `code`, for `$__loc__`.
    pub fn new(code: &'s str, lines: &'s [String]) -> Self {
        Self {
            code,
            lines,
            problems: Vec::new(),
        }
    }

    fn line_of(&self, at: &str) -> &'s str {
        let offset = (at.as_ptr() as usize)
            .saturating_sub(self.code.as_ptr() as usize)
            .min(self.code.len());
        let line = self.code[..offset].matches('\n').count();
        self.lines.get(line).map_or("1", String::as_str)
    }

    fn boxed(&mut self, t: Term<&'s str>) -> Box<Term<&'s str>> {
        Box::new(self.term(t))
    }

    /// Rewrites one term and everything below it.
    pub fn term(&mut self, t: Term<&'s str>) -> Term<&'s str> {
        use Term::*;
        match t {
            Id | Recurse | Num(_) | Break(_) => t,
            Var("$__loc__") => Obj(vec![
                (str_term("file"), Some(str_term("<top-level>"))),
                (str_term("line"), Some(Num(self.line_of("$__loc__")))),
            ]),
            Var(v) => Var(v),
            Str(fmt, parts) => {
                let interpolated = parts.iter().any(|p| matches!(p, StrPart::Term(_)));
                let parts = parts
                    .into_iter()
                    .map(|p| match p {
                        StrPart::Term(t) => StrPart::Term(self.term(t)),
                        other => other,
                    })
                    .collect();
                Str(
                    if interpolated {
                        fmt.or(Some("@text"))
                    } else {
                        fmt
                    },
                    parts,
                )
            }
            Arr(a) => Arr(a.map(|a| self.boxed(*a))),
            Obj(kvs) => Obj(kvs.into_iter().map(|(k, v)| self.entry(k, v)).collect()),
            Neg(t) => Neg(self.boxed(*t)),
            BinOp(l, op, r) => self.binop(*l, op, *r),
            Label(l, t) => Label(l, self.boxed(*t)),
            Fold(name, xs, pat, args) => {
                let xs = self.boxed(*xs);
                let pat = self.pattern(pat);
                Fold(
                    name,
                    xs,
                    pat,
                    args.into_iter().map(|a| self.term(a)).collect(),
                )
            }
            TryCatch(t, c) => TryCatch(self.boxed(*t), c.map(|c| self.boxed(*c))),
            IfThenElse(branches, els) => IfThenElse(
                branches
                    .into_iter()
                    .map(|(c, t)| (self.term(c), self.term(t)))
                    .collect(),
                els.map(|e| self.boxed(*e)),
            ),
            Def(defs, rest) => {
                let defs = defs.into_iter().map(|d| self.def(d)).collect();
                Def(defs, self.boxed(*rest))
            }
            Call(name, args) => {
                self.check_regex(name, &args);
                let args: Vec<_> = args.into_iter().map(|a| self.term(a)).collect();
                sub_with_literal(name, args)
            }
            Path(t, path) => {
                let t = self.boxed(*t);
                let parts = path
                    .0
                    .into_iter()
                    .map(|(part, opt)| {
                        let part = match part {
                            Part::Index(i) => Part::Index(index(self.term(i))),
                            Part::Range(from, to) => {
                                Part::Range(from.map(|f| self.term(f)), to.map(|t| self.term(t)))
                            }
                        };
                        (part, opt)
                    })
                    .collect();
                Path(t, self::Path(parts))
            }
        }
    }

    /// An object entry; computed keys must be strings, as in jq.
    fn entry(
        &mut self,
        k: Term<&'s str>,
        v: Option<Term<&'s str>>,
    ) -> (Term<&'s str>, Option<Term<&'s str>>) {
        let k = match k {
            Term::Var(_) => k,
            Term::Str(..) => self.term(k),
            k => Term::Call("_jq_key", vec![self.term(k)]),
        };
        (k, v.map(|v| self.term(v)))
    }

    fn def(&mut self, d: Def<&'s str>) -> Def<&'s str> {
        let body = self.term(d.body);
        let body = Term::BinOp(
            Box::new(Term::Call("_tick", Vec::new())),
            BinaryOp::Pipe(None),
            Box::new(body),
        );
        Def {
            name: d.name,
            args: d.args,
            body,
        }
    }

    fn pattern(&mut self, p: Pattern<&'s str>) -> Pattern<&'s str> {
        match p {
            Pattern::Var(v) => Pattern::Var(v),
            Pattern::Arr(ps) => Pattern::Arr(ps.into_iter().map(|p| self.pattern(p)).collect()),
            Pattern::Obj(kvs) => Pattern::Obj(
                kvs.into_iter()
                    .map(|(k, p)| (self.term(k), self.pattern(p)))
                    .collect(),
            ),
        }
    }

    fn binop(
        &mut self,
        l: Term<&'s str>,
        op: BinaryOp<&'s str>,
        r: Term<&'s str>,
    ) -> Term<&'s str> {
        let (l, r) = (self.term(l), self.term(r));
        match op {
            BinaryOp::Math(m @ (Math::Add | Math::Sub)) => ordered(l, BinaryOp::Math(m), r),
            BinaryOp::Math(m) => math(l, m, r),
            BinaryOp::Cmp(c) => ordered(l, BinaryOp::Cmp(c), r),
            BinaryOp::Assign => Term::Call("_jq_assign", vec![l, r]),
            BinaryOp::Update => Term::Call("_jq_modify", vec![l, r]),
            BinaryOp::UpdateMath(m) => bind_rhs(r, l, math(Term::Id, m, Term::Var(RHS))),
            BinaryOp::UpdateAlt => bind_rhs(
                r,
                l,
                Term::BinOp(Box::new(Term::Id), BinaryOp::Alt, Box::new(Term::Var(RHS))),
            ),
            BinaryOp::Pipe(Some(p)) => Term::BinOp(
                Box::new(l),
                BinaryOp::Pipe(Some(self.pattern(p))),
                Box::new(r),
            ),
            op => Term::BinOp(Box::new(l), op, Box::new(r)),
        }
    }

    /// Checks the literal regex and flags of a regex builtin.
    fn check_regex(&mut self, name: &str, args: &[Term<&'s str>]) {
        let regex_arity = match name {
            "test" | "match" | "capture" | "scan" | "splits" => 1..=2,
            "split" => 2..=2,
            "sub" | "gsub" => 2..=3,
            _ => return,
        };
        if !regex_arity.contains(&args.len()) {
            return;
        }
        let Some((re, at)) = literal(&args[0]) else {
            return;
        };
        let flags_index = match name {
            "sub" | "gsub" => 2,
            _ => 1,
        };
        let flags = match args.get(flags_index) {
            Some(t) => match literal(t) {
                Some((f, _)) => f,
                None => return,
            },
            None => String::new(),
        };
        let flags = if matches!(name, "gsub") {
            flags + "g"
        } else {
            flags
        };
        if let Err(e) = regex::validate(&re, &flags) {
            self.problems.push(Problem {
                at,
                message: format!("regex {re:?} cannot be evaluated as jq would: {e}"),
            });
        }
    }
}

/// `sub`/`gsub` whose replacement is a plain string literal become one native
/// call; any other call is left as it is.
fn sub_with_literal<'s>(name: &'s str, mut args: Vec<Term<&'s str>>) -> Term<&'s str> {
    let global = match name {
        "sub" => false,
        "gsub" => true,
        _ => return Term::Call(name, args),
    };
    let literal_replacement = args.get(1).is_some_and(|r| literal(r).is_some());
    if !literal_replacement || !(2..=3).contains(&args.len()) {
        return Term::Call(name, args);
    }
    let flags = if args.len() == 3 { args.pop() } else { None };
    let flags = match (flags, global) {
        (Some(f), true) => Term::BinOp(
            Box::new(str_term("g")),
            BinaryOp::Math(Math::Add),
            Box::new(f),
        ),
        (Some(f), false) => f,
        (None, true) => str_term("g"),
        (None, false) => str_term(""),
    };
    args.push(flags);
    Term::Call("_jq_sub_literal", args)
}

fn str_term(s: &str) -> Term<&str> {
    Term::Str(None, vec![StrPart::Str(s)])
}

/// The text of a string literal without interpolation, and where it starts.
pub fn literal<'s>(t: &Term<&'s str>) -> Option<(String, &'s str)> {
    let Term::Str(None, parts) = t else {
        return None;
    };
    let mut out = String::new();
    let mut at = None;
    for p in parts {
        match p {
            StrPart::Str(s) => {
                at.get_or_insert(*s);
                out.push_str(s);
            }
            StrPart::Char(c) => out.push(*c),
            StrPart::Term(_) => return None,
        }
    }
    Some((out, at.unwrap_or("")))
}

/// An index expression: jq truncates a fractional array index (`.[1.7]` is `.[1]`), jaq
/// refuses it; string keys and integer literals are left as they are.
fn index(i: Term<&str>) -> Term<&str> {
    let plain =
        literal(&i).is_some() || matches!(i, Term::Num(n) if n.bytes().all(|b| b.is_ascii_digit()));
    if plain {
        return i;
    }
    Term::BinOp(
        Box::new(i),
        BinaryOp::Pipe(None),
        Box::new(Term::Call("_jq_index", Vec::new())),
    )
}

/// `l op r` with jq's division, remainder and multiplication.
fn math<'s>(l: Term<&'s str>, m: Math, r: Term<&'s str>) -> Term<&'s str> {
    let native = match m {
        Math::Div => "_jq_div",
        Math::Rem => "_jq_mod",
        Math::Mul => "_jq_mul",
        m => return Term::BinOp(Box::new(l), BinaryOp::Math(m), Box::new(r)),
    };
    // The natives bind their arguments right operand first, as jq loops.
    Term::Call(native, vec![r, l])
}

/// `l op r`, looping over the outputs of `r` outside those of `l` as jq does.
///
/// jaq loops the other way round; the order only shows when both sides can
/// have several outputs, so single-output operands keep the direct form.
fn ordered<'s>(l: Term<&'s str>, op: BinaryOp<&'s str>, r: Term<&'s str>) -> Term<&'s str> {
    if single(&l) || single(&r) {
        return Term::BinOp(Box::new(l), op, Box::new(r));
    }
    let (lv, rv) = ("$__jq_l", "$__jq_r");
    let inner = Term::BinOp(Box::new(Term::Var(lv)), op, Box::new(Term::Var(rv)));
    let inner = Term::BinOp(
        Box::new(l),
        BinaryOp::Pipe(Some(Pattern::Var(lv))),
        Box::new(inner),
    );
    Term::BinOp(
        Box::new(r),
        BinaryOp::Pipe(Some(Pattern::Var(rv))),
        Box::new(inner),
    )
}

/// Builtins with exactly one output (or an error) whenever their arguments have one.
const SINGLE_OUTPUT: &[&str] = &[
    "tostring",
    "tojson",
    "tonumber",
    "length",
    "utf8bytelength",
    "not",
    "type",
    "keys",
    "keys_unsorted",
    "ascii_downcase",
    "ascii_upcase",
    "ltrimstr",
    "rtrimstr",
    "trimstr",
    "trim",
    "ltrim",
    "rtrim",
    "startswith",
    "endswith",
    "test",
    "sub",
    "gsub",
    "split",
    "join",
    "map",
    "map_values",
    "to_entries",
    "from_entries",
    "with_entries",
    "add",
    "any",
    "all",
    "floor",
    "ceil",
    "round",
    "fabs",
    "sqrt",
    "abs",
    "min",
    "max",
    "min_by",
    "max_by",
    "sort",
    "sort_by",
    "group_by",
    "unique",
    "unique_by",
    "reverse",
    "contains",
    "inside",
    "has",
    "in",
    "index",
    "rindex",
    "indices",
    "flatten",
    "mktime",
    "gmtime",
    "strptime",
    "strftime",
    "todate",
    "fromdate",
    "todateiso8601",
    "fromdateiso8601",
    "now",
    "fromjson",
    "explode",
    "implode",
    "ascii",
    "tostream",
    "getpath",
    "setpath",
    "delpaths",
    "del",
    "paths",
    "pick",
    "splits",
    "input",
    "true",
    "false",
    "null",
    "not",
    "isempty",
    "error",
    "env",
    "builtins",
    "infinite",
    "nan",
    "isnan",
    "isinfinite",
    "isnormal",
];

/// Whether a term has at most one output for any input.
fn single(t: &Term<&str>) -> bool {
    match t {
        Term::Id | Term::Num(_) | Term::Var(_) | Term::Arr(_) => true,
        Term::Str(_, parts) => parts.iter().all(|p| match p {
            StrPart::Term(t) => single(t),
            _ => true,
        }),
        Term::Neg(t) => single(t),
        Term::Obj(kvs) => kvs
            .iter()
            .all(|(k, v)| single(k) && v.as_ref().is_none_or(single)),
        Term::Path(t, path) => {
            single(t)
                && path.0.iter().all(|(part, _)| match part {
                    Part::Index(i) => single(i),
                    Part::Range(_, _) => false,
                })
        }
        Term::BinOp(
            l,
            BinaryOp::Pipe(_) | BinaryOp::Math(_) | BinaryOp::Cmp(_) | BinaryOp::And | BinaryOp::Or,
            r,
        ) => single(l) && single(r),
        Term::IfThenElse(branches, els) => {
            branches.iter().all(|(c, t)| single(c) && single(t))
                && els.as_deref().is_none_or(single)
        }
        Term::TryCatch(t, c) => single(t) && c.as_deref().is_none_or(single),
        Term::Call(name, args) => SINGLE_OUTPUT.contains(name) && args.iter().all(single),
        _ => false,
    }
}

/// `rhs as $__jq_rhs | _jq_modify(paths; update)`
fn bind_rhs<'s>(rhs: Term<&'s str>, paths: Term<&'s str>, update: Term<&'s str>) -> Term<&'s str> {
    Term::BinOp(
        Box::new(rhs),
        BinaryOp::Pipe(Some(Pattern::Var(RHS))),
        Box::new(Term::Call("_jq_modify", vec![paths, update])),
    )
}

/// Whether a program ignores its input, so it can be evaluated once.
pub fn is_constant(t: &Term<&str>) -> bool {
    match t {
        Term::Num(_) => true,
        Term::Str(None, parts) => parts.iter().all(|p| !matches!(p, StrPart::Term(_))),
        Term::Arr(None) => true,
        Term::Arr(Some(t)) | Term::Neg(t) => is_constant(t),
        Term::Obj(kvs) => kvs
            .iter()
            .all(|(k, v)| is_constant(k) && v.as_ref().is_some_and(is_constant)),
        Term::Call(name, args) => args.is_empty() && matches!(*name, "true" | "false" | "null"),
        Term::BinOp(l, BinaryOp::Comma | BinaryOp::Math(Math::Add | Math::Sub), r) => {
            is_constant(l) && is_constant(r)
        }
        _ => false,
    }
}
