//! Regular expressions for `test`, `match`, `capture`, `scan`, `split`, `sub`
//! and `gsub`, with jq's flags and match objects, each regex compiled once per
//! thread and reused.

use super::budget;
use super::natives::{as_str, describe, fail};
use jaq_core::ValR;
use jaq_json::{Map, Num, Rc, Val};
use regex::{Regex, RegexBuilder};
use std::cell::RefCell;
use std::collections::HashMap;

/// What a regex application returns.
#[derive(Clone, Copy)]
pub enum Output {
    /// The matches, each an array of the whole match and its groups.
    Matches,
    /// The text between matches.
    Gaps,
    /// Text between matches alternating with the matches.
    Both,
}

#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
struct Flags {
    global: bool,
    skip_empty: bool,
    case_insensitive: bool,
    extended: bool,
    dot_all: bool,
    longest: bool,
}

impl Flags {
    fn parse(flags: &str) -> Result<Self, String> {
        let mut f = Flags::default();
        for c in flags.chars() {
            match c {
                'g' => f.global = true,
                'n' => f.skip_empty = true,
                'i' => f.case_insensitive = true,
                'x' => f.extended = true,
                'm' | 'p' => f.dot_all = true,
                's' => {}
                'l' => f.longest = true,
                _ => return Err(format!("{flags} is not a valid modifier string")),
            }
        }
        Ok(f)
    }

    fn build(self, re: &str) -> Result<Regex, String> {
        RegexBuilder::new(&unicode_posix_classes(re))
            .case_insensitive(self.case_insensitive)
            .ignore_whitespace(self.extended)
            .dot_matches_new_line(self.dot_all)
            .swap_greed(self.longest)
            .build()
            .map_err(|e| describe_error(&e))
    }

    /// The flags that change the compiled regex (cache key).
    fn compiled(self) -> Self {
        Flags {
            global: false,
            skip_empty: false,
            ..self
        }
    }
}

/// Oniguruma's POSIX bracket classes match Unicode; the `regex` crate's are ASCII.
fn unicode_posix_classes(re: &str) -> std::borrow::Cow<'_, str> {
    const CLASSES: [(&str, &str); 8] = [
        ("[:alpha:]", r"\p{Alphabetic}"),
        ("[:digit:]", r"\p{Nd}"),
        ("[:alnum:]", r"\p{Alphabetic}\p{Nd}"),
        ("[:upper:]", r"\p{Uppercase}"),
        ("[:lower:]", r"\p{Lowercase}"),
        ("[:space:]", r"\s"),
        ("[:punct:]", r"\p{P}"),
        ("[:word:]", r"\w"),
    ];
    if !re.contains("[:") {
        return re.into();
    }
    let mut out = re.to_owned();
    for (posix, unicode) in CLASSES {
        out = out.replace(posix, unicode);
    }
    out.into()
}

fn describe_error(e: &regex::Error) -> String {
    let text = e.to_string();
    if text.contains("look-around") {
        "look-around assertions are not supported".to_owned()
    } else if text.contains("backreferences") {
        "backreferences are not supported".to_owned()
    } else {
        text.lines()
            .last()
            .unwrap_or("invalid regex")
            .trim()
            .trim_start_matches("error: ")
            .to_owned()
    }
}

/// Checks at load time that a regex (and its flags) can be evaluated.
pub fn validate(re: &str, flags: &str) -> Result<(), String> {
    Flags::parse(flags)?.build(re).map(drop)
}

thread_local! {
    /// Compiled regexes by flags and text (looked up without allocating).
    static CACHE: RefCell<HashMap<Flags, HashMap<String, Rc<Regex>>>> =
        RefCell::new(HashMap::new());
}

fn compiled(re: &str, flags: Flags) -> Result<Rc<Regex>, String> {
    let flags = flags.compiled();
    let hit = CACHE.with(|c| c.borrow().get(&flags).and_then(|m| m.get(re)).cloned());
    if let Some(hit) = hit {
        return Ok(hit);
    }
    let regex = Rc::new(flags.build(re)?);
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        let same_flags = cache.entry(flags).or_default();
        if same_flags.len() >= 1024 {
            same_flags.clear();
        }
        same_flags.insert(re.to_owned(), regex.clone());
    });
    Ok(regex)
}

fn key(k: &str) -> Val {
    Val::from(k.to_owned())
}

fn int(i: usize) -> Val {
    Val::Num(Num::Int(i as isize))
}

/// Applies `re` with `flags` to the input string.
pub fn apply(input: &Val, re: &Val, flags: &Val, output: Output) -> ValR<Val> {
    let Some(text) = as_str(input) else {
        return fail(format!(
            "{} cannot be matched, as it is not a string",
            describe(input)
        ));
    };
    let Some(re) = as_str(re) else {
        return fail(format!("{} is not a string", describe(re)));
    };
    let flags = match flags {
        Val::Null => Flags::default(),
        other => match as_str(other) {
            Some(f) => Flags::parse(&f).map_err(jaq_core::Error::str)?,
            None => return fail(format!("{} is not a string", describe(other))),
        },
    };
    let regex = compiled(&re, flags).map_err(|e| {
        jaq_core::Error::str(format!("{re} (at offset 0) is not a valid regex: {e}"))
    })?;
    let names: Vec<Option<&str>> = regex.capture_names().collect();
    let mut out = Vec::new();
    let mut last = 0;
    let mut chars = CharIndex::default();
    for caps in regex.captures_iter(&text) {
        let Some(whole) = caps.get(0) else { continue };
        if flags.skip_empty && whole.is_empty() {
            continue;
        }
        if matches!(output, Output::Gaps | Output::Both) {
            out.push(Val::from(text[last..whole.start()].to_owned()));
            last = whole.end();
        }
        if matches!(output, Output::Matches | Output::Both) {
            let groups = names.iter().enumerate().map(|(i, name)| {
                let mut obj = Map::default();
                match caps.get(i) {
                    Some(m) => {
                        obj.insert(key("offset"), int(chars.offset(&text, m.start())));
                        obj.insert(key("length"), int(m.as_str().chars().count()));
                        obj.insert(key("string"), Val::from(m.as_str().to_owned()));
                    }
                    None => {
                        obj.insert(key("offset"), Val::Num(Num::Int(-1)));
                        obj.insert(key("length"), int(0));
                        obj.insert(key("string"), Val::Null);
                    }
                }
                if i > 0 {
                    obj.insert(
                        key("name"),
                        name.map_or(Val::Null, |n| Val::from(n.to_owned())),
                    );
                }
                Val::obj(obj)
            });
            out.push(Val::Arr(Rc::new(groups.collect())));
        }
        if !flags.global {
            break;
        }
    }
    if matches!(output, Output::Gaps | Output::Both) {
        out.push(Val::from(text[last..].to_owned()));
    }
    Ok(Val::Arr(Rc::new(out)))
}

/// `sub`/`gsub` with a replacement that is a plain string (it cannot refer to
/// captures), replaced in one pass without building match objects.
pub fn replace_literal(input: &Val, re: &Val, replacement: &Val, flags: &Val) -> ValR<Val> {
    let Some(text) = as_str(input) else {
        return fail(format!(
            "{} cannot be matched, as it is not a string",
            describe(input)
        ));
    };
    let (Some(re), Some(replacement)) = (as_str(re), as_str(replacement)) else {
        return fail(format!("{} is not a string", describe(re)));
    };
    let flags = as_str(flags).unwrap_or_default();
    replace(&text, &re, &replacement, &flags)
        .map(Val::from)
        .map_err(jaq_core::Error::str)
}

/// [`replace_literal`] on strings.
pub fn replace(text: &str, re: &str, replacement: &str, flags: &str) -> Result<String, String> {
    let flags = Flags::parse(flags)?;
    let regex =
        compiled(re, flags).map_err(|e| format!("{re} (at offset 0) is not a valid regex: {e}"))?;
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in regex.find_iter(text) {
        if flags.skip_empty && m.is_empty() {
            continue;
        }
        out.push_str(&text[last..m.start()]);
        out.push_str(replacement);
        if out.len() > budget::MAX_STRING_BYTES {
            return Err(budget::string_too_long());
        }
        last = m.end();
        if !flags.global {
            break;
        }
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// Converts increasing byte offsets to character offsets.
#[derive(Default)]
struct CharIndex {
    byte: usize,
    char: usize,
}

impl CharIndex {
    fn offset(&mut self, text: &str, byte: usize) -> usize {
        if byte < self.byte {
            *self = CharIndex::default();
        }
        self.char += text[self.byte..byte].chars().count();
        self.byte = byte;
        self.char
    }
}
