//! Routes every place where jaq builds a longer value through the natives that keep it
//! within the item's size budget (see [`super::budget`]): `+` (and `+=`) become
//! `_jq_add`, interpolated strings pass through `_jq_string`, and each element collected
//! by `[...]` through `_jq_element`. Applied to the user's program and to every library
//! definition, after the program has been compiled for the JSON path.

use jaq_core::load::lex::StrPart;
use jaq_core::load::parse::{BinaryOp, Def, Pattern, Term};
use jaq_core::ops::Math;
use jaq_core::path::{Part, Path};

/// A definition whose body builds values within the budget.
pub fn def(d: Def<&str>) -> Def<&str> {
    Def {
        name: d.name,
        args: d.args,
        body: term(d.body),
    }
}

fn boxed(t: Term<&str>) -> Box<Term<&str>> {
    Box::new(term(t))
}

fn then<'s>(t: Term<&'s str>, native: &'s str) -> Term<&'s str> {
    Term::BinOp(
        Box::new(t),
        BinaryOp::Pipe(None),
        Box::new(Term::Call(native, Vec::new())),
    )
}

/// A term that builds values within the budget.
pub fn term(t: Term<&str>) -> Term<&str> {
    use Term::*;
    match t {
        Id | Recurse | Num(_) | Break(_) | Var(_) => t,
        Str(fmt, parts) => {
            let interpolated = parts.iter().any(|p| matches!(p, StrPart::Term(_)));
            let parts = parts
                .into_iter()
                .map(|p| match p {
                    StrPart::Term(t) => StrPart::Term(term(t)),
                    other => other,
                })
                .collect();
            if interpolated {
                then(Str(fmt, parts), "_jq_string")
            } else {
                Str(fmt, parts)
            }
        }
        Arr(a) => Arr(a.map(|a| Box::new(then(term(*a), "_jq_element")))),
        Obj(kvs) => Obj(kvs
            .into_iter()
            .map(|(k, v)| (term(k), v.map(term)))
            .collect()),
        Neg(t) => Neg(boxed(*t)),
        BinOp(l, op, r) => binop(term(*l), op, term(*r)),
        Label(l, t) => Label(l, boxed(*t)),
        Fold(name, xs, pat, args) => Fold(
            name,
            boxed(*xs),
            pattern(pat),
            args.into_iter().map(term).collect(),
        ),
        TryCatch(t, c) => TryCatch(boxed(*t), c.map(|c| boxed(*c))),
        IfThenElse(branches, els) => IfThenElse(
            branches
                .into_iter()
                .map(|(c, t)| (term(c), term(t)))
                .collect(),
            els.map(|e| boxed(*e)),
        ),
        Def(defs, rest) => Def(defs.into_iter().map(def).collect(), boxed(*rest)),
        Call(name, args) => Call(name, args.into_iter().map(term).collect()),
        Path(t, path) => Path(
            boxed(*t),
            self::Path(
                path.0
                    .into_iter()
                    .map(|(part, opt)| {
                        let part = match part {
                            Part::Index(i) => Part::Index(term(i)),
                            Part::Range(from, to) => Part::Range(from.map(term), to.map(term)),
                        };
                        (part, opt)
                    })
                    .collect(),
            ),
        ),
    }
}

fn binop<'s>(l: Term<&'s str>, op: BinaryOp<&'s str>, r: Term<&'s str>) -> Term<&'s str> {
    match op {
        // The natives bind their arguments right operand first, as jq loops.
        BinaryOp::Math(Math::Add) => Term::Call("_jq_add", vec![r, l]),
        // `r as $x | l |= . + $x`, as jaq evaluates `l += r`.
        BinaryOp::UpdateMath(Math::Add) => {
            let rhs = "$__jq_add_rhs";
            let update = Term::Call("_jq_add", vec![Term::Var(rhs), Term::Id]);
            Term::BinOp(
                Box::new(r),
                BinaryOp::Pipe(Some(Pattern::Var(rhs))),
                Box::new(Term::BinOp(Box::new(l), BinaryOp::Update, Box::new(update))),
            )
        }
        BinaryOp::Pipe(Some(p)) => {
            Term::BinOp(Box::new(l), BinaryOp::Pipe(Some(pattern(p))), Box::new(r))
        }
        op => Term::BinOp(Box::new(l), op, Box::new(r)),
    }
}

fn pattern(p: Pattern<&str>) -> Pattern<&str> {
    match p {
        Pattern::Var(v) => Pattern::Var(v),
        Pattern::Arr(ps) => Pattern::Arr(ps.into_iter().map(pattern).collect()),
        Pattern::Obj(kvs) => Pattern::Obj(
            kvs.into_iter()
                .map(|(k, p)| (term(k), pattern(p)))
                .collect(),
        ),
    }
}
