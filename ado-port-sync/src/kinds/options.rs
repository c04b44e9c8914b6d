//! What every kind's selector options are made of: their error and their value types.

use jiff::Timestamp;
use serde_json::{Map, Value};

/// A selector option with an unusable value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("selector option `{option}` {message}")]
pub struct OptionError {
    /// The option's name as written in the mapping.
    pub option: String,
    /// What is wrong with it.
    pub message: String,
}

impl OptionError {
    pub(super) fn new(option: &str, message: impl Into<String>) -> Self {
        Self {
            option: option.to_owned(),
            message: message.into(),
        }
    }

    /// This error of an option nested in `parent` (`criteria.states`).
    pub(super) fn nested_in(self, parent: &str) -> Self {
        Self {
            option: format!("{parent}.{}", self.option),
            message: self.message,
        }
    }
}

/// A flag this integration does not support yet: absent or false.
pub(super) fn unsupported(options: &Map<String, Value>, name: &str) -> Result<(), OptionError> {
    if flag(options, name)? {
        return Err(OptionError::new(
            name,
            "is not supported yet; remove it or set it to false",
        ));
    }
    Ok(())
}

/// A non-empty string option; absent is `None`.
pub(super) fn text(
    options: &Map<String, Value>,
    name: &str,
) -> Result<Option<String>, OptionError> {
    match options.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(other) => Err(OptionError::new(
            name,
            format!("must be a non-empty string, got {other}"),
        )),
    }
}

/// An RFC 3339 timestamp option; absent is `None`.
pub(super) fn timestamp(
    options: &Map<String, Value>,
    name: &str,
) -> Result<Option<Timestamp>, OptionError> {
    text(options, name)?
        .map(|s| {
            s.parse::<Timestamp>().map_err(|_| {
                OptionError::new(
                    name,
                    format!("must be an RFC 3339 time such as 2024-01-31T00:00:00Z, got \"{s}\""),
                )
            })
        })
        .transpose()
}

/// A boolean option, also accepted as the strings `"true"` and `"false"`; absent is false.
pub(super) fn flag(options: &Map<String, Value>, name: &str) -> Result<bool, OptionError> {
    flag_or(options, name, false)
}

/// A boolean option like [`flag`]; absent is `default`.
pub(super) fn flag_or(
    options: &Map<String, Value>,
    name: &str,
    default: bool,
) -> Result<bool, OptionError> {
    match options.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(other) => Err(OptionError::new(
            name,
            format!("must be true or false, got {other}"),
        )),
    }
}

/// A list of strings; absent is empty.
pub(super) fn string_list(
    options: &Map<String, Value>,
    name: &str,
) -> Result<Vec<String>, OptionError> {
    let invalid =
        |got: &Value| OptionError::new(name, format!("must be a list of strings, got {got}"));
    match options.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(values)) => values
            .iter()
            .map(|v| match v {
                Value::String(s) if !s.is_empty() => Ok(s.clone()),
                other => Err(invalid(other)),
            })
            .collect(),
        Some(other) => Err(invalid(other)),
    }
}

/// An integer at least 1; absent is `default`.
pub(super) fn positive<T>(
    options: &Map<String, Value>,
    name: &str,
    default: T,
) -> Result<T, OptionError>
where
    T: TryFrom<u64>,
{
    match options.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value
            .as_u64()
            .filter(|n| *n >= 1)
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| OptionError::new(name, format!("must be an integer >= 1, got {value}"))),
    }
}

/// The options of kind `K` parsed from a JSON object, for the kinds' tests.
#[cfg(test)]
pub(super) fn parsed<K: super::KindSource>(options: Value) -> Result<K, OptionError> {
    let Value::Object(map) = options else {
        panic!("options must be an object")
    };
    K::parse(&map)
}
