//! Native filters that give jq 1.8's answers where jaq's own differ.
//!
//! They are registered under private names (`_jq_*`) and bound to the public
//! jq names by `prelude.jq`.

use super::budget;
use super::regex;
use super::time;
use super::value::{json_text_within, num_text};
use jaq_core::box_iter::box_once;
use jaq_core::native::{Fun, v};
use jaq_core::{Error, Exn, Native, ValR, ValXs, data::JustLut};
use jaq_json::{Num, Rc, Val};

/// The data type every program of the engine runs on.
pub type Data = JustLut<Val>;

type Cv<'a> = jaq_core::Cv<'a, Data>;

pub(super) fn fail<T>(msg: impl ToString) -> ValR<T, Val> {
    Err(Error::str(msg))
}

fn one<'a>(r: ValR<Val>) -> ValXs<'a, Val> {
    box_once(r.map_err(Exn::from))
}

/// jq's name for the type of a value.
pub fn type_name(v: &Val) -> &'static str {
    match v {
        Val::Null => "null",
        Val::Bool(_) => "boolean",
        Val::Num(_) => "number",
        Val::TStr(_) | Val::BStr(_) => "string",
        Val::Arr(_) => "array",
        Val::Obj(_) => "object",
    }
}

/// `type (value)` as jq's error messages show a value, truncated.
pub fn describe(v: &Val) -> String {
    let (mut text, _) = json_text_within(v, 11);
    if text.len() > 11 {
        let cut = (0..=10)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push_str("...");
    }
    format!("{} ({text})", type_name(v))
}

pub(super) fn as_str(v: &Val) -> Option<String> {
    match v {
        Val::TStr(b) | Val::BStr(b) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

pub(super) fn as_f64(v: &Val) -> Option<f64> {
    match v {
        Val::Num(Num::Int(i)) => Some(*i as f64),
        Val::Num(Num::Float(f)) => Some(*f),
        Val::Num(Num::Dec(s)) => s.parse().ok(),
        Val::Num(Num::BigInt(b)) => b.to_string().parse().ok(),
        _ => None,
    }
}

/// jq's `tostring`, failing rather than building text longer than the budget allows.
fn to_string(v: &Val) -> ValR<String, Val> {
    match as_str(v) {
        Some(s) => Ok(s),
        None => to_json_text(v),
    }
}

/// jq's `tojson`, failing rather than building text longer than the budget allows.
fn to_json_text(v: &Val) -> ValR<String, Val> {
    match json_text_within(v, budget::MAX_STRING_BYTES) {
        (text, true) => budget::charge(text.len()).map(|()| text),
        _ => fail(budget::string_too_long()),
    }
}

/// Pops the two variable arguments of a binary native, written `f(rhs; lhs)`
/// so that the right operand is the outer loop, as in jq.
fn binary(mut cv: Cv) -> (Val, Val, Val) {
    let lhs = cv.0.pop_var();
    let rhs = cv.0.pop_var();
    (cv.1, lhs, rhs)
}

fn div(l: Val, r: Val) -> ValR<Val> {
    match (as_f64(&l), as_f64(&r)) {
        (Some(_), Some(0.0)) => fail(format!(
            "{} and {} cannot be divided because the divisor is zero",
            describe(&l),
            describe(&r)
        )),
        (Some(n), Some(d)) => Ok(Val::from(n / d)),
        _ => l / r,
    }
}

fn rem(l: Val, r: Val) -> ValR<Val> {
    match (as_f64(&l), as_f64(&r)) {
        (Some(n), Some(d)) => match remainder(n, d) {
            Some(m) => Ok(Val::Num(Num::Int(m as isize))),
            None => fail(format!(
                "{} and {} cannot be divided (remainder) because the divisor is zero",
                describe(&l),
                describe(&r)
            )),
        },
        _ => l % r,
    }
}

/// jq's `%` of two numbers: integer remainder, `None` when the divisor truncates to zero.
pub(super) fn remainder(n: f64, d: f64) -> Option<i64> {
    let (n, d) = (n as i64, d as i64);
    (d != 0).then(|| n.wrapping_rem(d))
}

fn mul(l: Val, r: Val) -> ValR<Val> {
    let repeat = |s: &Val, n: &Val| -> Option<ValR<Val>> {
        let s = as_str(s)?;
        let n = as_f64(n)?.trunc();
        Some(if n < 0.0 || n.is_nan() {
            Ok(Val::Null)
        } else if s.len() as f64 * n > budget::MAX_STRING_BYTES as f64 {
            fail(budget::string_too_long())
        } else {
            let text = s.repeat(n as usize);
            budget::charge(text.len()).map(|()| Val::from(text))
        })
    };
    if let Some(r) = repeat(&l, &r).or_else(|| repeat(&r, &l)) {
        return r;
    }
    if let (Val::Obj(a), Val::Obj(b)) = (&l, &r) {
        budget::elements("object", a.len() + b.len(), a.len() + b.len())?;
    }
    l * r
}

/// `l + r`, within the size budget: a string, array or object is copied unless jaq can
/// append to its only copy.
fn add(l: Val, r: Val) -> ValR<Val> {
    match (&l, &r) {
        (Val::TStr(a), Val::TStr(b)) | (Val::BStr(a), Val::BStr(b)) => {
            let copied = if a.is_unique() { 0 } else { a.len() };
            budget::string(a.len() + b.len(), copied + b.len())?;
        }
        (Val::Arr(a), Val::Arr(b)) => {
            let copied = if Rc::strong_count(a) == 1 { 0 } else { a.len() };
            budget::elements("array", a.len() + b.len(), copied + b.len())?;
        }
        (Val::Obj(a), Val::Obj(b)) => {
            let copied = if Rc::strong_count(a) == 1 { 0 } else { a.len() };
            budget::elements("object", a.len() + b.len(), copied + b.len())?;
        }
        _ => {}
    }
    l + r
}

/// `join($sep)` as jq 1.8 (null as "", booleans and numbers as JSON, strings as they are),
/// in one pass within the size budget.
fn join(v: &Val, sep: &Val) -> ValR<Val> {
    let items: Box<dyn Iterator<Item = &Val> + '_> = match v {
        Val::Arr(items) => Box::new(items.iter()),
        Val::Obj(map) => Box::new(map.values()),
        other => return fail(format!("Cannot iterate over {}", describe(other))),
    };
    let sep_text = match sep {
        Val::Null => Some(String::new()),
        _ => as_str(sep),
    };
    let cannot_add = |out: String, r: &Val| {
        fail(format!(
            "{} and {} cannot be added",
            describe(&Val::from(out)),
            describe(r)
        ))
    };
    let mut out = String::new();
    for (i, item) in items.enumerate() {
        if i > 0 {
            match &sep_text {
                Some(s) => out.push_str(s),
                None => return cannot_add(out, sep),
            }
        }
        match item {
            Val::Null => {}
            Val::Bool(_) | Val::Num(_) => out.push_str(&to_json_text(item)?),
            Val::TStr(_) | Val::BStr(_) => out.push_str(&as_str(item).unwrap_or_default()),
            other => return cannot_add(out, other),
        }
        budget::string(out.len(), 0)?;
    }
    budget::charge(out.len())?;
    Ok(Val::from(out))
}

/// A string built by interpolation or a jaq native, within the size budget.
fn built_string(v: Val) -> ValR<Val> {
    if let Val::TStr(s) | Val::BStr(s) = &v {
        budget::string(s.len(), s.len())?;
    }
    Ok(v)
}

/// One element collected into an array, within the size budget.
fn element(v: Val) -> ValR<Val> {
    budget::charge(budget::SLOT_BYTES).map(|()| v)
}

fn tonumber(v: Val) -> ValR<Val> {
    let Some(s) = as_str(&v) else {
        return match v {
            Val::Num(_) => Ok(v),
            _ => fail(format!("{} cannot be parsed as a number", describe(&v))),
        };
    };
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(&s);
    if unsigned == "nan" {
        return Ok(Val::from(f64::NAN));
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let exp_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) || !exp_ok {
        return fail(format!("{} cannot be parsed as a number", describe(&v)));
    }
    let text = s.strip_prefix('+').unwrap_or(&s);
    match text.parse::<isize>() {
        Ok(i) => Ok(Val::Num(Num::Int(i))),
        Err(_) => Ok(Val::Num(Num::Dec(Rc::new(text.to_owned())))),
    }
}

fn csv_tsv(v: Val, csv: bool) -> ValR<Val> {
    let Val::Arr(items) = &v else {
        return fail(format!(
            "{} cannot be {}-formatted, only an array can be",
            describe(&v),
            if csv { "csv" } else { "tsv" }
        ));
    };
    let mut out = Vec::with_capacity(items.len());
    let mut len = 0;
    for item in items.iter() {
        out.push(match item {
            Val::Null => String::new(),
            Val::Bool(b) => b.to_string(),
            Val::Num(n) => num_text(n),
            Val::TStr(_) | Val::BStr(_) => {
                let s = as_str(item).unwrap_or_default();
                if csv {
                    format!("\"{}\"", s.replace('"', "\"\""))
                } else {
                    s.replace('\\', "\\\\")
                        .replace('\t', "\\t")
                        .replace('\r', "\\r")
                        .replace('\n', "\\n")
                }
            }
            _ => {
                return fail(format!(
                    "{} is not valid in a {} row",
                    describe(item),
                    if csv { "csv" } else { "tsv" }
                ));
            }
        });
        len += out.last().map_or(0, String::len) + 1;
        budget::string(len, 0)?;
    }
    let text = out.join(if csv { "," } else { "\t" });
    budget::charge(text.len())?;
    Ok(Val::from(text))
}

fn base64_decode(v: Val) -> ValR<Val> {
    let s = to_string(&v)?;
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for c in s.bytes() {
        let d = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return fail(format!("{} is not valid base64 data", describe(&v))),
        };
        bits = (bits << 6) | u32::from(d);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
        }
    }
    if s.len() % 4 == 1 && !s.ends_with('=') {
        return fail(format!(
            "{} trailing base64 data is incomplete",
            describe(&v)
        ));
    }
    Ok(Val::from(String::from_utf8_lossy(&out).into_owned()))
}

// ---- paths with jq's semantics (assignment through null, key order kept) ----

fn index_of(i: &Val) -> Option<isize> {
    as_f64(i).map(|f| f.floor() as isize)
}

/// A path's array index, counting negative ones from the end as jq does.
fn array_index(i: &Val, len: usize) -> Result<usize, Error<Val>> {
    let i = index_of(i).unwrap_or(0);
    let i = if i < 0 { i + len as isize } else { i };
    if i < 0 {
        return fail("Out of bounds negative array index");
    }
    Ok(i as usize)
}

/// `setpath(path; x)` as jq: missing containers are created from null.
pub(super) fn set_path(v: Val, path: &[Val], x: Val) -> ValR<Val> {
    let Some((head, rest)) = path.split_first() else {
        return Ok(x);
    };
    match (v, head) {
        (Val::Null, Val::TStr(_) | Val::BStr(_)) => set_path(Val::obj(Default::default()), path, x),
        (Val::Null, Val::Num(_) | Val::Obj(_)) => set_path(Val::Arr(Rc::new(Vec::new())), path, x),
        (Val::Obj(map), Val::TStr(_) | Val::BStr(_)) => {
            let mut map = Rc::unwrap_or_clone(map);
            let child = map.get(head).cloned().unwrap_or(Val::Null);
            map.insert(head.clone(), set_path(child, rest, x)?);
            Ok(Val::Obj(Rc::new(map)))
        }
        (Val::Arr(items), Val::Num(_)) => {
            let mut items = Rc::unwrap_or_clone(items);
            let i = array_index(head, items.len())?;
            if i >= items.len() {
                budget::elements("array", i + 1, i + 1 - items.len())?;
                items.resize(i + 1, Val::Null);
            }
            let child = std::mem::take(&mut items[i]);
            items[i] = set_path(child, rest, x)?;
            Ok(Val::Arr(Rc::new(items)))
        }
        (Val::Arr(items), Val::Obj(slice)) => {
            let len = items.len();
            let (from, to) = slice_bounds(slice, len)?;
            let current = Val::Arr(Rc::new(items[from..to].to_vec()));
            let Val::Arr(new) = set_path(current, rest, x)? else {
                return fail("A slice of an array can only be assigned another array");
            };
            let mut items = Rc::unwrap_or_clone(items);
            items.splice(from..to, new.iter().cloned());
            Ok(Val::Arr(Rc::new(items)))
        }
        (v, head) => fail(format!(
            "Cannot index {} with {}",
            type_name(&v),
            type_name(head)
        )),
    }
}

fn slice_bounds(slice: &jaq_json::Map, len: usize) -> Result<(usize, usize), Error<Val>> {
    let bound = |key: &str, default: usize| -> Result<usize, Error<Val>> {
        match slice.get(&Val::from(key.to_owned())) {
            None | Some(Val::Null) => Ok(default),
            Some(b) => {
                let Some(f) = as_f64(b) else {
                    return fail("Start and end indices of an array slice must be numbers");
                };
                let i = f.floor() as isize;
                let i = if i < 0 { i + len as isize } else { i };
                Ok(i.clamp(0, len as isize) as usize)
            }
        }
    };
    let from = bound("start", 0)?;
    let to = bound("end", len)?.max(from);
    Ok((from, to))
}

/// `delpaths(paths)` as jq: paths deleted last first, object key order kept.
fn del_paths(v: Val, paths: Val) -> ValR<Val> {
    let Val::Arr(paths) = paths else {
        return fail("Paths must be specified as an array");
    };
    let mut paths: Vec<Val> = paths.iter().cloned().collect();
    paths.sort();
    let mut v = v;
    for path in paths.iter().rev() {
        let Val::Arr(path) = path else {
            return fail("Path must be specified as an array");
        };
        v = del_path(v, path)?;
    }
    Ok(v)
}

fn del_path(v: Val, path: &[Val]) -> ValR<Val> {
    let Some((head, rest)) = path.split_first() else {
        return Ok(Val::Null);
    };
    match (v, head) {
        (Val::Null, _) => Ok(Val::Null),
        (Val::Obj(map), Val::TStr(_) | Val::BStr(_)) => {
            let mut map = Rc::unwrap_or_clone(map);
            if rest.is_empty() {
                map.shift_remove(head);
            } else if let Some(child) = map.get_mut(head) {
                *child = del_path(std::mem::take(child), rest)?;
            }
            Ok(Val::Obj(Rc::new(map)))
        }
        (Val::Arr(items), Val::Num(_)) => {
            let mut items = Rc::unwrap_or_clone(items);
            let i = array_index(head, items.len())?;
            if i < items.len() {
                if rest.is_empty() {
                    items.remove(i);
                } else {
                    items[i] = del_path(std::mem::take(&mut items[i]), rest)?;
                }
            }
            Ok(Val::Arr(Rc::new(items)))
        }
        (Val::Arr(items), Val::Obj(slice)) => {
            let (from, to) = slice_bounds(slice, items.len())?;
            let mut items = Rc::unwrap_or_clone(items);
            if rest.is_empty() {
                items.drain(from..to);
                Ok(Val::Arr(Rc::new(items)))
            } else {
                let Val::Arr(new) = del_path(Val::Arr(Rc::new(items[from..to].to_vec())), rest)?
                else {
                    return fail("A slice of an array can only be assigned another array");
                };
                items.splice(from..to, new.iter().cloned());
                Ok(Val::Arr(Rc::new(items)))
            }
        }
        (v, head) => fail(format!(
            "Cannot delete field at index {} of {}",
            type_name(head),
            type_name(&v)
        )),
    }
}

fn path_list(v: &Val) -> Result<Vec<Val>, Error<Val>> {
    match v {
        Val::Arr(p) => Ok(p.to_vec()),
        _ => fail("Path must be specified as an array"),
    }
}

/// Every native filter of the engine.
pub fn funs() -> impl Iterator<Item = Fun<Data>> {
    let v2 = || v(2);
    let natives: Vec<Fun<Data>> = vec![
        (
            "_jq_tostring",
            v(0),
            Native::new(|cv| one(to_string(&cv.1).map(Val::from))),
        ),
        (
            "_jq_tojson",
            v(0),
            Native::new(|cv| one(to_json_text(&cv.1).map(Val::from))),
        ),
        (
            "_jq_div",
            v2(),
            Native::new(|cv| {
                let (_, l, r) = binary(cv);
                one(div(l, r))
            }),
        ),
        (
            "_jq_mod",
            v2(),
            Native::new(|cv| {
                let (_, l, r) = binary(cv);
                one(rem(l, r))
            }),
        ),
        (
            "_jq_mul",
            v2(),
            Native::new(|cv| {
                let (_, l, r) = binary(cv);
                one(mul(l, r))
            }),
        ),
        (
            "_jq_add",
            v2(),
            Native::new(|cv| {
                let (_, l, r) = binary(cv);
                one(add(l, r))
            }),
        ),
        (
            "_jq_string",
            v(0),
            Native::new(|cv| one(built_string(cv.1))),
        ),
        ("_jq_element", v(0), Native::new(|cv| one(element(cv.1)))),
        (
            "_jq_join",
            v(1),
            Native::new(|mut cv| {
                let sep = cv.0.pop_var();
                one(join(&cv.1, &sep))
            }),
        ),
        (
            "_jq_setpath",
            v2(),
            Native::new(|mut cv| {
                let x = cv.0.pop_var();
                let path = cv.0.pop_var();
                one(path_list(&path).and_then(|p| set_path(cv.1, &p, x)))
            }),
        ),
        (
            "_jq_delpaths",
            v(1),
            Native::new(|mut cv| {
                let paths = cv.0.pop_var();
                one(del_paths(cv.1, paths))
            }),
        ),
        ("_jq_tonumber", v(0), Native::new(|cv| one(tonumber(cv.1)))),
        (
            "_jq_index",
            v(0),
            Native::new(|cv| {
                one(Ok(match cv.1 {
                    Val::Num(Num::Float(_) | Num::Dec(_)) => as_f64(&cv.1)
                        .filter(|f| f.is_finite())
                        .map_or(cv.1.clone(), |f| Val::Num(Num::Int(f.trunc() as isize))),
                    other => other,
                }))
            }),
        ),
        ("_jq_csv", v(0), Native::new(|cv| one(csv_tsv(cv.1, true)))),
        ("_jq_tsv", v(0), Native::new(|cv| one(csv_tsv(cv.1, false)))),
        (
            "_jq_base64d",
            v(0),
            Native::new(|cv| one(base64_decode(cv.1))),
        ),
        (
            "_tick",
            v(0),
            Native::new(|cv| one(budget::tick().map(|()| cv.1)))
                .with_paths(|cv| box_once(budget::tick().map(|()| cv.1).map_err(Exn::from))),
        ),
        (
            "_jq_strptime",
            v(1),
            Native::new(|mut cv| {
                let fmt = cv.0.pop_var();
                one(time::strptime(&cv.1, &fmt))
            }),
        ),
        (
            "_jq_strftime",
            v(1),
            Native::new(|mut cv| {
                let fmt = cv.0.pop_var();
                one(time::strftime(&cv.1, &fmt).and_then(built_string))
            }),
        ),
        (
            "_jq_mktime",
            v(0),
            Native::new(|cv| one(time::mktime(&cv.1))),
        ),
        (
            "_jq_gmtime",
            v(0),
            Native::new(|cv| one(time::gmtime(&cv.1))),
        ),
        (
            "matches",
            v2(),
            Native::new(|mut cv| {
                let flags = cv.0.pop_var();
                let re = cv.0.pop_var();
                one(regex::apply(&cv.1, &re, &flags, regex::Output::Matches))
            }),
        ),
        (
            "split_matches",
            v2(),
            Native::new(|mut cv| {
                let flags = cv.0.pop_var();
                let re = cv.0.pop_var();
                one(regex::apply(&cv.1, &re, &flags, regex::Output::Both))
            }),
        ),
        (
            "_jq_sub_literal",
            v(3),
            Native::new(|mut cv| {
                let flags = cv.0.pop_var();
                let replacement = cv.0.pop_var();
                let re = cv.0.pop_var();
                one(regex::replace_literal(&cv.1, &re, &replacement, &flags).and_then(built_string))
            }),
        ),
        (
            "split_",
            v2(),
            Native::new(|mut cv| {
                let flags = cv.0.pop_var();
                let re = cv.0.pop_var();
                one(regex::apply(&cv.1, &re, &flags, regex::Output::Gaps))
            }),
        ),
    ];
    natives.into_iter()
}
