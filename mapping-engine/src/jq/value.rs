//! Conversion between `serde_json::Value` and jaq's `Val`, and jq's JSON text.

use super::budget;
use super::number::{format_f64, format_literal};
use jaq_json::{Map, Num, Rc, Val};
use serde_json::Value;

/// Converts a JSON value into a jaq value without re-serialising it.
///
/// Integers stay integers; other numbers keep their decimal text so that
/// `tostring` prints them as jq 1.8 prints a number it read (`1.0`, `1E+17`).
pub fn to_val(value: &Value) -> Val {
    match value {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => Val::Num(number(n)),
        Value::String(s) => Val::from(s.clone()),
        Value::Array(items) => Val::Arr(Rc::new(items.iter().map(to_val).collect())),
        Value::Object(map) => {
            let map: Map = map
                .iter()
                .map(|(k, v)| (Val::from(k.clone()), to_val(v)))
                .collect();
            Val::obj(map)
        }
    }
}

/// A JSON number as jaq's number: integers stay integers, others keep their text.
pub(super) fn number(n: &serde_json::Number) -> Num {
    match n.as_i64().and_then(|i| isize::try_from(i).ok()) {
        Some(i) => Num::Int(i),
        None => Num::Dec(Rc::new(n.to_string())),
    }
}

/// Converts only the given top-level keys of a JSON object (see [`super::Needs`]);
/// anything else is converted whole.
pub fn to_val_keys(value: &Value, keys: &[String]) -> Val {
    match value {
        Value::Object(map) => {
            let map: Map = keys
                .iter()
                .filter_map(|k| map.get(k).map(|v| (Val::from(k.clone()), to_val(v))))
                .collect();
            Val::obj(map)
        }
        other => to_val(other),
    }
}

/// Converts a jaq value into a JSON value the way jq prints it: whole doubles
/// become integers, NaN becomes null and infinities the largest double.
pub fn to_json(val: &Val) -> Value {
    match val {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(n) => num_to_json(n),
        Val::TStr(b) | Val::BStr(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
        Val::Arr(items) => Value::Array(items.iter().map(to_json).collect()),
        Val::Obj(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (key_string(k), to_json(v)))
                .collect(),
        ),
    }
}

/// [`to_json`] within the item's size budget (values that share parts can stand for far
/// more JSON than they take memory); `None`, before converting anything, once the budget
/// is spent.
pub(super) fn to_json_within_budget(val: &Val) -> Option<Value> {
    weigh(val).then(|| to_json(val))
}

/// Charges the budget [`budget::SLOT_BYTES`] for every node of the JSON of `val` and the
/// length of every string; whether the budget allows it.
fn weigh(val: &Val) -> bool {
    let len = match val {
        Val::TStr(b) | Val::BStr(b) => b.len(),
        _ => 0,
    };
    budget::charge(budget::SLOT_BYTES + len).is_ok()
        && match val {
            Val::Arr(items) => items.iter().all(weigh),
            Val::Obj(map) => map.values().all(weigh),
            _ => true,
        }
}

fn key_string(key: &Val) -> String {
    match key {
        Val::TStr(b) | Val::BStr(b) => String::from_utf8_lossy(b).into_owned(),
        other => json_text(other),
    }
}

fn num_to_json(n: &Num) -> Value {
    match n {
        Num::Int(i) => Value::from(*i as i64),
        Num::BigInt(b) => b
            .to_string()
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| float_to_json(b.to_string().parse().unwrap_or(f64::NAN))),
        Num::Float(f) => float_to_json(*f),
        Num::Dec(s) => match s.parse::<i64>() {
            Ok(i) => Value::from(i),
            Err(_) => match s.parse::<f64>() {
                // jq keeps a literal's fraction (`1.0`) but prints one with an exponent as
                // the double it is (`1e2` is 100).
                Ok(f) if f.is_finite() && !s.contains(['e', 'E']) => {
                    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
                }
                Ok(f) => float_to_json(f),
                Err(_) => Value::Null,
            },
        },
    }
}

/// A double as jq prints it, as JSON (see [`to_json`]).
pub(super) fn float_to_json(f: f64) -> Value {
    if f.is_nan() {
        return Value::Null;
    }
    let f = if f.is_infinite() {
        f64::MAX.copysign(f)
    } else {
        f
    };
    if f.fract() == 0.0 && f.abs() < 1e17 {
        Value::from(f as i64)
    } else {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

/// The text jq prints for a number.
pub fn num_text(n: &Num) -> String {
    match n {
        Num::Int(i) => i.to_string(),
        Num::BigInt(b) => b.to_string(),
        Num::Float(f) => format_f64(*f),
        Num::Dec(s) => format_literal(s).unwrap_or_else(|| s.to_string()),
    }
}

/// Compact JSON text of a value, exactly as jq's `tojson` writes it.
pub fn json_text(val: &Val) -> String {
    let mut out = String::new();
    // Without a bound, writing never stops early.
    let _ = write_json(&mut out, val, usize::MAX);
    out
}

/// [`json_text`] up to about `max` bytes (values that share parts can stand for far
/// more text than they take memory), and whether that is the whole text.
pub(super) fn json_text_within(val: &Val, max: usize) -> (String, bool) {
    let mut out = String::new();
    let whole = write_json(&mut out, val, max).is_ok();
    (out, whole)
}

/// The text is longer than the bound.
struct TooLong;

fn write_json(out: &mut String, val: &Val, max: usize) -> Result<(), TooLong> {
    match val {
        Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Num(n) => out.push_str(&num_text(n)),
        Val::TStr(b) | Val::BStr(b) => write_str(out, &String::from_utf8_lossy(b)),
        Val::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item, max)?;
            }
            out.push(']');
        }
        Val::Obj(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, &key_string(k));
                out.push(':');
                write_json(out, v, max)?;
            }
            out.push('}');
        }
    }
    if out.len() > max {
        return Err(TooLong);
    }
    Ok(())
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_keep_key_order_and_integers() {
        let v = json!({"z": 1, "a": [true, null, "x"], "m": {"k": -3}});
        assert_eq!(to_json(&to_val(&v)).to_string(), v.to_string());
    }

    #[test]
    fn whole_doubles_become_integers() {
        assert_eq!(to_json(&Val::from(24.0)), json!(24));
        assert_eq!(to_json(&Val::from(f64::NAN)), Value::Null);
        assert_eq!(to_json(&Val::from(0.5)), json!(0.5));
    }

    #[test]
    fn json_text_matches_jq() {
        let v = to_val(&json!({"f": 1.0, "s": "\u{7f}\u{0}é\"", "n": [1, 2.5]}));
        assert_eq!(
            json_text(&v),
            r#"{"f":1.0,"s":"\u007f\u0000é\"","n":[1,2.5]}"#
        );
    }
}
