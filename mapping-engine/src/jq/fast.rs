//! A single-output subset of jq, compiled to a tree that runs directly on
//! `serde_json::Value`, without jaq.
//!
//! [`Fast::compile`] accepts a rewritten program (see [`super::rewrite`]) only
//! when each of its constructs has at most one output. [`Fast::run`] evaluates
//! the common cases; wherever the answer is not a plain value (an error, no
//! output) or would take jaq's representation into account (arrays or objects
//! where scalars are expected, integers beyond 2^53, `-0`), it returns `None`
//! and the program runs on jaq instead, so both paths always agree. Nothing in
//! the subset recurses or loops, so it spends no evaluation budget; values too
//! large for the size budget (see [`super::budget`]) are jaq's to report.

use super::budget;
use super::natives;
use super::regex;
use super::rewrite::literal;
use super::time;
use super::value::{float_to_json, json_text_within, to_val};
use jaq_core::load::lex::StrPart;
use jaq_core::load::parse::{BinaryOp, Pattern, Term};
use jaq_core::ops::{Cmp, Math};
use jaq_core::path::Part;
use jaq_json::Val;
use serde_json::Value;
use std::cmp::Ordering;

/// Largest magnitude below which doubles and jaq's integers print alike.
const EXACT: f64 = 9_007_199_254_740_992.0;

/// The format of `todate` and `fromdate` (`todateiso8601` in `prelude.jq`).
const ISO_8601: &str = "%Y-%m-%dT%H:%M:%SZ";

/// A program of the subset.
pub struct Fast {
    root: Node,
    /// The most variables bound at once.
    depth: usize,
}

/// A compiled construct.
enum Node {
    Id,
    Lit(Value),
    /// A variable, by its depth in the stack of bindings.
    Var(usize),
    /// `.a.b` (with or without `?`) applied to the output of a node.
    Path(Box<Node>, Vec<String>),
    Pipe(Box<Node>, Box<Node>),
    /// `l as $x | r`.
    Bind(Box<Node>, Box<Node>),
    If(Vec<(Node, Node)>, Option<Box<Node>>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Alt(Box<Node>, Box<Node>),
    Cmp(Box<Node>, Cmp, Box<Node>),
    Math(Box<Node>, Math, Box<Node>),
    /// A string with interpolation (`@text`).
    Text(Vec<Piece>),
    /// `[...]`.
    Collect(Vec<Item>),
    Unary(Unary),
    Select(Box<Node>),
    Strptime(Box<Node>),
    Strftime(Box<Node>),
    /// `sub`/`gsub` with a literal replacement: regex, replacement, flags.
    Sub(Box<[Node; 3]>),
}

/// A part of an interpolated string.
enum Piece {
    Str(String),
    Term(Node),
}

/// What an element of `[...]` contributes.
enum Item {
    One(Node),
    /// `over[]? | then` (`optional` with `?`).
    Each {
        over: Node,
        optional: bool,
        then: Node,
    },
}

/// A builtin without arguments.
#[derive(Clone, Copy)]
enum Unary {
    ToString,
    ToJson,
    Length,
    Downcase,
    Upcase,
    Floor,
    Not,
    Mktime,
    Todate,
    Fromdate,
}

impl Fast {
    /// Compiles a rewritten program, `None` when it is outside the subset.
    pub fn compile(t: &Term<&str>) -> Option<Self> {
        let mut compiler = Compiler::default();
        let root = compiler.node(t)?;
        Some(Fast {
            root,
            depth: compiler.depth,
        })
    }

    /// The output for `input`, `None` when jaq must evaluate the program.
    pub fn run(&self, input: &Value) -> Option<Value> {
        let mut vars = Vec::with_capacity(self.depth);
        let mut left = budget::MAX_ITEM_BYTES;
        self.root
            .eval(&V::Ref(input), &mut vars)
            .and_then(|v| v.into_json(&mut left))
    }
}

#[derive(Default)]
struct Compiler<'s> {
    vars: Vec<&'s str>,
    depth: usize,
}

fn boxed(n: Node) -> Box<Node> {
    Box::new(n)
}

/// The literal keys of path parts (`.a`, `."a"`, `.["a"]`, each maybe with `?`).
fn keys(parts: &[(Part<Term<&str>>, jaq_core::path::Opt)]) -> Option<Vec<String>> {
    parts
        .iter()
        .map(|(part, _)| match part {
            Part::Index(key) => literal(key).map(|(key, _)| key),
            _ => None,
        })
        .collect()
}

fn path(base: Node, keys: Vec<String>) -> Node {
    if keys.is_empty() {
        base
    } else {
        Node::Path(boxed(base), keys)
    }
}

impl<'s> Compiler<'s> {
    fn node(&mut self, t: &Term<&'s str>) -> Option<Node> {
        Some(match t {
            Term::Id => Node::Id,
            Term::Num(n) => {
                let i: i64 = n.parse().ok()?;
                if i as f64 >= EXACT {
                    return None;
                }
                Node::Lit(Value::from(i))
            }
            Term::Str(None, _) => Node::Lit(Value::String(literal(t)?.0)),
            Term::Str(Some("@text"), parts) => Node::Text(
                parts
                    .iter()
                    .map(|p| match p {
                        StrPart::Str(s) => Some(Piece::Str((*s).to_owned())),
                        StrPart::Char(c) => Some(Piece::Str(c.to_string())),
                        StrPart::Term(t) => self.node(t).map(Piece::Term),
                    })
                    .collect::<Option<_>>()?,
            ),
            Term::Var(v) => Node::Var(self.vars.iter().rposition(|x| x == v)?),
            Term::Arr(None) => Node::Collect(Vec::new()),
            Term::Arr(Some(t)) => {
                let mut items = Vec::new();
                self.items(t, &mut items)?;
                Node::Collect(items)
            }
            Term::Path(base, p) => path(self.node(base)?, keys(&p.0)?),
            Term::IfThenElse(branches, els) => Node::If(
                branches
                    .iter()
                    .map(|(c, t)| Some((self.node(c)?, self.node(t)?)))
                    .collect::<Option<_>>()?,
                match els {
                    Some(e) => Some(boxed(self.node(e)?)),
                    None => None,
                },
            ),
            Term::BinOp(l, op, r) => self.binop(l, op, r)?,
            Term::Call(name, args) => self.call(name, args)?,
            _ => return None,
        })
    }

    fn binop(
        &mut self,
        l: &Term<&'s str>,
        op: &BinaryOp<&'s str>,
        r: &Term<&'s str>,
    ) -> Option<Node> {
        if let BinaryOp::Pipe(Some(pattern)) = op {
            let Pattern::Var(v) = pattern else {
                return None;
            };
            let value = self.node(l)?;
            self.vars.push(v);
            self.depth = self.depth.max(self.vars.len());
            let body = self.node(r);
            self.vars.pop();
            return Some(Node::Bind(boxed(value), boxed(body?)));
        }
        let (l, r) = (boxed(self.node(l)?), boxed(self.node(r)?));
        Some(match op {
            BinaryOp::Pipe(_) => Node::Pipe(l, r),
            BinaryOp::Alt => Node::Alt(l, r),
            BinaryOp::And => Node::And(l, r),
            BinaryOp::Or => Node::Or(l, r),
            BinaryOp::Math(m @ (Math::Add | Math::Sub)) => Node::Math(l, *m, r),
            BinaryOp::Cmp(c) => Node::Cmp(l, *c, r),
            _ => return None,
        })
    }

    fn call(&mut self, name: &str, args: &[Term<&'s str>]) -> Option<Node> {
        let unary = |u| Some(Node::Unary(u));
        match (name, args) {
            ("true", []) => Some(Node::Lit(Value::Bool(true))),
            ("false", []) => Some(Node::Lit(Value::Bool(false))),
            ("null", []) => Some(Node::Lit(Value::Null)),
            ("tostring", []) => unary(Unary::ToString),
            ("tojson", []) => unary(Unary::ToJson),
            ("length", []) => unary(Unary::Length),
            ("ascii_downcase", []) => unary(Unary::Downcase),
            ("ascii_upcase", []) => unary(Unary::Upcase),
            ("floor", []) => unary(Unary::Floor),
            ("not", []) => unary(Unary::Not),
            ("mktime", []) => unary(Unary::Mktime),
            ("todate" | "todateiso8601", []) => unary(Unary::Todate),
            ("fromdate" | "fromdateiso8601", []) => unary(Unary::Fromdate),
            ("select", [f]) => Some(Node::Select(boxed(self.node(f)?))),
            ("strptime", [f]) => Some(Node::Strptime(boxed(self.node(f)?))),
            ("strftime", [f]) => Some(Node::Strftime(boxed(self.node(f)?))),
            ("map", [f]) => Some(Node::Collect(vec![Item::Each {
                over: Node::Id,
                optional: false,
                then: self.node(f)?,
            }])),
            ("_jq_sub_literal", [re, replacement, flags]) => Some(Node::Sub(Box::new([
                self.node(re)?,
                self.node(replacement)?,
                self.node(flags)?,
            ]))),
            // The rewrite passes the right operand first.
            ("_jq_div" | "_jq_mod" | "_jq_mul", [r, l]) => {
                let m = match name {
                    "_jq_div" => Math::Div,
                    "_jq_mod" => Math::Rem,
                    _ => Math::Mul,
                };
                Some(Node::Math(boxed(self.node(l)?), m, boxed(self.node(r)?)))
            }
            _ => None,
        }
    }

    /// The elements of `[t]`, where `t` may iterate once with `[]`.
    fn items(&mut self, t: &Term<&'s str>, out: &mut Vec<Item>) -> Option<()> {
        let (head, rest) = match t {
            Term::BinOp(l, BinaryOp::Comma, r) => {
                self.items(l, out)?;
                return self.items(r, out);
            }
            Term::BinOp(l, BinaryOp::Pipe(None), r) if iterates(l) => (&**l, Some(r)),
            t if iterates(t) => (t, None),
            t => {
                out.push(Item::One(self.node(t)?));
                return Some(());
            }
        };
        let Term::Path(base, p) = head else {
            return None;
        };
        let i =
            p.0.iter()
                .position(|(part, _)| matches!(part, Part::Range(..)))?;
        let (Part::Range(None, None), opt) = &p.0[i] else {
            return None;
        };
        let mut then = path(Node::Id, keys(&p.0[i + 1..])?);
        if let Some(r) = rest {
            then = Node::Pipe(boxed(then), boxed(self.node(r)?));
        }
        out.push(Item::Each {
            over: path(self.node(base)?, keys(&p.0[..i])?),
            optional: matches!(opt, jaq_core::path::Opt::Optional),
            then,
        });
        Some(())
    }
}

/// Whether `t` is a path that iterates (`.a[]`, `.[1:]`).
fn iterates(t: &Term<&str>) -> bool {
    matches!(t, Term::Path(_, p) if p.0.iter().any(|(part, _)| matches!(part, Part::Range(..))))
}

/// A value during evaluation: a part of the input or of the program, or computed.
#[derive(Clone)]
enum V<'a> {
    Ref(&'a Value),
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<V<'a>>),
}

/// A computed number, unless jaq could print it differently (as an integer
/// beyond 2^53, as `0` for `-0`) or it is not finite.
fn num<'a>(f: f64) -> Option<V<'a>> {
    let exact = f.is_finite() && f.abs() < EXACT && (f != 0.0 || f.is_sign_positive());
    exact.then_some(V::Num(f))
}

impl<'a> V<'a> {
    fn is_null(&self) -> bool {
        matches!(self, V::Null | V::Ref(Value::Null))
    }

    fn truthy(&self) -> bool {
        !matches!(
            self,
            V::Null | V::Bool(false) | V::Ref(Value::Null | Value::Bool(false))
        )
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            V::Ref(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            V::Num(f) => Some(*f),
            V::Ref(Value::Number(n)) => match n.as_i64() {
                Some(i) => ((i as f64).abs() < EXACT).then_some(i as f64),
                None if n.is_f64() => n.as_f64(),
                None => None,
            },
            _ => None,
        }
    }

    /// Position of the value's type in jq's order of types.
    fn rank(&self) -> u8 {
        match self {
            V::Null | V::Ref(Value::Null) => 0,
            V::Bool(_) | V::Ref(Value::Bool(_)) => 1,
            V::Num(_) | V::Ref(Value::Number(_)) => 2,
            V::Str(_) | V::Ref(Value::String(_)) => 3,
            V::Arr(_) | V::Ref(Value::Array(_)) => 4,
            V::Ref(Value::Object(_)) => 5,
        }
    }

    fn index(&self, key: &str) -> Option<V<'a>> {
        match *self {
            V::Null | V::Ref(Value::Null) => Some(V::Null),
            V::Ref(Value::Object(map)) => Some(get(map, key).map_or(V::Null, V::Ref)),
            _ => None,
        }
    }

    fn to_val(&self) -> Val {
        match self {
            V::Ref(v) => to_val(v),
            V::Null => Val::Null,
            V::Bool(b) => Val::Bool(*b),
            V::Num(f) => Val::from(*f),
            V::Str(s) => Val::from(s.clone()),
            V::Arr(items) => items.iter().map(V::to_val).collect(),
        }
    }

    /// The value as JSON, spending `left` bytes ([`budget::SLOT_BYTES`] a node and the
    /// length of each string); `None` when they run out.
    fn into_json(self, left: &mut usize) -> Option<Value> {
        Some(match self {
            V::Ref(v) => return copy(v, left),
            V::Null => Value::Null,
            V::Bool(b) => Value::Bool(b),
            V::Num(f) => float_to_json(f),
            V::Str(s) => {
                spend(left, s.len())?;
                Value::String(s)
            }
            V::Arr(items) => {
                spend(left, 0)?;
                Value::Array(
                    items
                        .into_iter()
                        .map(|v| v.into_json(left))
                        .collect::<Option<_>>()?,
                )
            }
        })
    }

    /// Spends the memory this value takes (a reference to the input counts as one node)
    /// from `left`; `None` when it runs out.
    fn weigh(&self, left: &mut usize) -> Option<()> {
        match self {
            V::Str(s) => spend(left, s.len()),
            V::Arr(items) => {
                spend(left, 0)?;
                items.iter().try_for_each(|v| v.weigh(left))
            }
            _ => spend(left, 0),
        }
    }

    /// `tostring`: strings as they are, anything else as JSON text; `None` for text
    /// longer than a string may be.
    fn text(&self) -> Option<String> {
        match self.as_str() {
            Some(s) => Some(s.to_owned()),
            None => json(self),
        }
    }
}

/// Spends one node of `extra` bytes from `left`.
fn spend(left: &mut usize, extra: usize) -> Option<()> {
    *left = left.checked_sub(budget::SLOT_BYTES + extra)?;
    Some(())
}

/// A copy of part of the input, spending `left` as [`V::into_json`] does.
fn copy(v: &Value, left: &mut usize) -> Option<Value> {
    Some(match v {
        Value::String(s) => {
            spend(left, s.len())?;
            v.clone()
        }
        Value::Array(items) => {
            spend(left, 0)?;
            Value::Array(items.iter().map(|v| copy(v, left)).collect::<Option<_>>()?)
        }
        Value::Object(map) => {
            spend(left, 0)?;
            Value::Object(
                map.iter()
                    .map(|(k, v)| Some((k.clone(), copy(v, left)?)))
                    .collect::<Option<_>>()?,
            )
        }
        _ => {
            spend(left, 0)?;
            v.clone()
        }
    })
}

/// `tojson`, `None` for text longer than a string may be.
fn json(v: &V) -> Option<String> {
    match json_text_within(&v.to_val(), budget::MAX_STRING_BYTES) {
        (text, true) => Some(text),
        _ => None,
    }
}

/// A string no longer than a string may be.
fn string<'a>(s: String) -> Option<V<'a>> {
    (s.len() <= budget::MAX_STRING_BYTES).then_some(V::Str(s))
}

/// `map.get(key)`, scanning small objects rather than hashing the key.
fn get<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    if map.len() <= 32 {
        map.iter().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        map.get(key)
    }
}

/// jq's order: by type first, then by value.
fn compare(l: &V, r: &V) -> Ordering {
    match (l.as_str(), r.as_str()) {
        (Some(a), Some(b)) => a.cmp(b),
        _ if l.rank() != r.rank() => l.rank().cmp(&r.rank()),
        _ => l.to_val().cmp(&r.to_val()),
    }
}

fn math<'a>(l: V<'a>, m: Math, r: V<'a>) -> Option<V<'a>> {
    if let (Some(a), Some(b)) = (l.as_f64(), r.as_f64()) {
        return num(match m {
            Math::Add => a + b,
            Math::Sub => a - b,
            Math::Mul => a * b,
            Math::Div if b != 0.0 => a / b,
            Math::Rem => natives::remainder(a, b)? as f64,
            _ => return None,
        });
    }
    match (m, l) {
        (Math::Add, l) if l.is_null() => Some(r),
        (Math::Add, l) if r.is_null() => Some(l),
        (Math::Add, V::Str(mut s)) => {
            s.push_str(r.as_str()?);
            string(s)
        }
        (Math::Add, l) => string([l.as_str()?, r.as_str()?].concat()),
        _ => None,
    }
}

/// Fills `fields` from the numbers of an array (at most its length), giving
/// the array's length; `None` if a filled element is not a number.
fn fill(fields: &mut [f64; 8], items: impl ExactSizeIterator<Item = Option<f64>>) -> Option<usize> {
    let len = items.len();
    for (slot, item) in fields.iter_mut().zip(items) {
        *slot = item?;
    }
    Some(len)
}

impl Unary {
    fn apply<'a>(self, x: &V<'a>) -> Option<V<'a>> {
        Some(match self {
            Unary::ToString if x.as_str().is_some() => x.clone(),
            Unary::ToString => V::Str(x.text()?),
            Unary::ToJson => V::Str(json(x)?),
            Unary::Length => match x {
                V::Null | V::Ref(Value::Null) => V::Num(0.0),
                V::Arr(items) => V::Num(items.len() as f64),
                V::Ref(Value::Array(items)) => V::Num(items.len() as f64),
                V::Ref(Value::Object(map)) => V::Num(map.len() as f64),
                _ => V::Num(x.as_str()?.chars().count() as f64),
            },
            Unary::Downcase => V::Str(x.as_str()?.to_ascii_lowercase()),
            Unary::Upcase => V::Str(x.as_str()?.to_ascii_uppercase()),
            Unary::Floor => num(x.as_f64()?.floor())?,
            Unary::Not => V::Bool(!x.truthy()),
            Unary::Mktime => {
                let mut fields = [0.0; 8];
                let len = match x {
                    V::Arr(items) => fill(&mut fields, items.iter().map(V::as_f64))?,
                    V::Ref(Value::Array(items)) => {
                        fill(&mut fields, items.iter().map(|i| V::Ref(i).as_f64()))?
                    }
                    _ => return None,
                };
                if len < 6 {
                    return None;
                }
                num(time::timegm(&fields) as f64)?
            }
            Unary::Todate => V::Str(time::format_epoch(x.as_f64()?, ISO_8601)),
            Unary::Fromdate => {
                let fields = time::parse(x.as_str()?, ISO_8601)?;
                num(time::timegm(&fields) as f64)?
            }
        })
    }
}

impl Node {
    fn eval<'a>(&'a self, x: &V<'a>, vars: &mut Vec<V<'a>>) -> Option<V<'a>> {
        Some(match self {
            Node::Id => x.clone(),
            Node::Lit(v) => V::Ref(v),
            Node::Var(i) => vars.get(*i)?.clone(),
            Node::Path(base, keys) => {
                let mut v = base.eval(x, vars)?;
                for key in keys {
                    v = v.index(key)?;
                }
                v
            }
            Node::Pipe(l, r) => r.eval(&l.eval(x, vars)?, vars)?,
            Node::Bind(value, body) => {
                let v = value.eval(x, vars)?;
                vars.push(v);
                let out = body.eval(x, vars);
                vars.pop();
                out?
            }
            Node::If(branches, els) => {
                for (cond, then) in branches {
                    if cond.eval(x, vars)?.truthy() {
                        return then.eval(x, vars);
                    }
                }
                match els {
                    Some(e) => e.eval(x, vars)?,
                    None => x.clone(),
                }
            }
            Node::And(l, r) => V::Bool(l.eval(x, vars)?.truthy() && r.eval(x, vars)?.truthy()),
            Node::Or(l, r) => V::Bool(l.eval(x, vars)?.truthy() || r.eval(x, vars)?.truthy()),
            Node::Alt(l, r) => match l.eval(x, vars)? {
                v if v.truthy() => v,
                _ => r.eval(x, vars)?,
            },
            Node::Cmp(l, c, r) => {
                let o = compare(&l.eval(x, vars)?, &r.eval(x, vars)?);
                V::Bool(match c {
                    Cmp::Lt => o.is_lt(),
                    Cmp::Le => o.is_le(),
                    Cmp::Gt => o.is_gt(),
                    Cmp::Ge => o.is_ge(),
                    Cmp::Eq => o.is_eq(),
                    Cmp::Ne => o.is_ne(),
                })
            }
            Node::Math(l, m, r) => math(l.eval(x, vars)?, *m, r.eval(x, vars)?)?,
            Node::Text(pieces) => {
                let mut out = String::new();
                for p in pieces {
                    match p {
                        Piece::Str(s) => out.push_str(s),
                        Piece::Term(t) => out.push_str(&t.eval(x, vars)?.text()?),
                    }
                }
                string(out)?
            }
            Node::Collect(items) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Item::One(n) => out.push(n.eval(x, vars)?),
                        Item::Each {
                            over,
                            optional,
                            then,
                        } => match over.eval(x, vars)? {
                            V::Arr(items) => {
                                for v in &items {
                                    out.push(then.eval(v, vars)?);
                                }
                            }
                            V::Ref(Value::Array(items)) => {
                                for v in items {
                                    out.push(then.eval(&V::Ref(v), vars)?);
                                }
                            }
                            V::Ref(Value::Object(map)) => {
                                for v in map.values() {
                                    out.push(then.eval(&V::Ref(v), vars)?);
                                }
                            }
                            _ if *optional => {}
                            _ => return None,
                        },
                    }
                }
                let out = V::Arr(out);
                let mut left = budget::MAX_ITEM_BYTES;
                out.weigh(&mut left)?;
                out
            }
            Node::Unary(u) => u.apply(x)?,
            Node::Select(cond) => {
                if !cond.eval(x, vars)?.truthy() {
                    return None;
                }
                x.clone()
            }
            Node::Strptime(format) => {
                let format = format.eval(x, vars)?;
                let fields = time::parse(x.as_str()?, format.as_str()?)?;
                V::Arr(fields.into_iter().map(V::Num).collect())
            }
            Node::Strftime(format) => {
                let format = format.eval(x, vars)?;
                V::Str(time::format_epoch(x.as_f64()?, format.as_str()?))
            }
            Node::Sub(args) => {
                let [re, replacement, flags] = &**args;
                let (re, replacement, flags) = (
                    re.eval(x, vars)?,
                    replacement.eval(x, vars)?,
                    flags.eval(x, vars)?,
                );
                V::Str(
                    regex::replace(
                        x.as_str()?,
                        re.as_str()?,
                        replacement.as_str()?,
                        flags.as_str()?,
                    )
                    .ok()?,
                )
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::jq::Program;
    use serde_json::json;

    fn fast(code: &str) -> bool {
        Program::compile(code).unwrap().runs_on_json()
    }

    #[test]
    fn accepts_single_output_programs() {
        for code in [
            ".",
            ".a.b?",
            r#".["a"]."b""#,
            r#".repository.id + "/" + (.pullRequestId | tostring)"#,
            "[.reviewers[].uniqueName]",
            "[(.a[]?.b | tostring), .c]",
            "map(.id)",
            r#".id | gsub(" "; "")"#,
            r#".d | sub("\\..*Z$"; "Z") | strptime("%Y-%m-%dT%H:%M:%SZ") | mktime"#,
            ".a as $x | if $x == null then 1 elif $x < 2 then 2 else $x end",
            r#".a // "x" | ascii_downcase"#,
            ".a and (.b or (.c | not))",
            "(.a - .b) / 3600 * 100 % 7 | floor",
            r#""\(.a)-\(.b)""#,
            "[(.a | length), (.b | tojson), (.c | todate), (.d | fromdate)]",
            "select(.a != 1) | .b",
        ] {
            assert!(fast(code), "{code}");
        }
    }

    #[test]
    fn leaves_the_rest_to_jaq() {
        for code in [
            ".a[]",
            ".a, .b",
            "empty",
            ".[0]",
            ".[1:]",
            "[.a[][]]",
            "1.5",
            "-1",
            "{a: 1}",
            "$ENV",
            ". as [$a] | $a",
            "try .a",
            "reduce .[] as $x (0; . + $x)",
            "def f: .; f",
            r#"sub("a"; "\(.)")"#,
            "test(\"a\")",
            "[.[] | .[]]",
            "@json \"\\(.)\"",
        ] {
            assert!(!fast(code), "{code}");
        }
    }

    #[test]
    fn runs_without_jaq_where_the_answer_is_plain() {
        let run = |code: &str, input| Program::compile(code).unwrap().first_on_json(&input);
        assert_eq!(
            run("[.a[].b]", json!({"a": [{"b": 1}, {}]})),
            Some(json!([1, null]))
        );
        assert_eq!(run(".a + 1", json!({"a": 1.5})), Some(json!(2.5)));
        assert_eq!(run(".a | tostring", json!({"a": 1.0})), Some(json!("1.0")));
        assert_eq!(
            run(".a + 0 | tostring", json!({"a": 1.0})),
            Some(json!("1"))
        );
        // Errors, no output and big integers are jaq's to answer.
        assert_eq!(run("[.a[].b]", json!({})), None);
        assert_eq!(run("select(.a)", json!({})), None);
        assert_eq!(run(".a + 1", json!({"a": 9_007_199_254_740_993_u64})), None);
    }
}
