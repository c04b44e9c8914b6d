//! A jq program compiled once with the engine's jq-compatible library.

use super::budget;
use super::fast::Fast;
use super::growth;
use super::inputs::{self, Needs};
use super::natives::{self, Data};
use super::rewrite::{self, Rewriter};
use super::value::{to_json, to_json_within_budget, to_val};
use jaq_core::load::parse::{Def, Parser, Term};
use jaq_core::load::{self, Arena, File, Lexer, Loader};
use jaq_core::{Compiler, Ctx, Vars};
use jaq_json::Val;
use serde_json::Value;
use std::sync::OnceLock;

/// Where and why a program does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// What is wrong.
    pub message: String,
    /// Line (from 1) in the program text.
    pub line: usize,
    /// Column (from 1, in characters) in the program text.
    pub column: usize,
}

/// Why an evaluation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError(pub String);

enum Body {
    /// A program that ignores its input, evaluated once at compile time.
    Constant(Result<Option<Value>, EvalError>),
    Filter(Box<jaq_core::Filter<Data>>),
    /// A program that runs on JSON: jaq's filter (about 300 KiB) is compiled again
    /// only when the JSON path hands an item over.
    OnDemand(OnceLock<Result<Box<jaq_core::Filter<Data>>, EvalError>>),
}

/// A compiled jq program.
pub struct Program {
    source: String,
    body: Body,
    needs: Needs,
    /// The program compiled to run on JSON, when it is in [`Fast`]'s subset.
    fast: Option<Fast>,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Program").field(&self.source).finish()
    }
}

static PRELUDE: &str = include_str!("prelude.jq");
static BUILTINS: &str = include_str!("builtins.json");

/// jaq's standard definitions followed by the engine's, parsed once.
fn prelude() -> &'static [Def<&'static str>] {
    static DEFS: OnceLock<Vec<Def<&'static str>>> = OnceLock::new();
    DEFS.get_or_init(|| {
        let builtins: &'static str =
            Box::leak(format!("def builtins: {BUILTINS};").into_boxed_str());
        let own = [PRELUDE, builtins]
            .into_iter()
            .flat_map(|code| load::parse(code, |p| p.defs()).expect("the engine's prelude parses"));
        jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs())
            .chain(own)
            .map(growth::def)
            .collect()
    })
}

fn natives() -> Vec<jaq_core::native::Fun<Data>> {
    let own: Vec<_> = natives::funs().collect();
    let replaced =
        |name: &str, arity: usize| own.iter().any(|(n, a, _)| *n == name && a.len() == arity);
    let jaq = jaq_core::funs::<Data>()
        .chain(jaq_std::funs::<Data>())
        .chain(jaq_json::funs::<Data>())
        .filter(|(name, args, _)| !replaced(name, args.len()))
        .collect::<Vec<_>>();
    jaq.into_iter().chain(own).collect()
}

fn position(code: &str, at: &str) -> (usize, usize) {
    let start = at.as_ptr() as usize;
    let base = code.as_ptr() as usize;
    let offset = if start >= base && start <= base + code.len() {
        start - base
    } else {
        code.len()
    };
    let before = &code[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn error_at(code: &str, at: &str, message: impl Into<String>) -> CompileError {
    let (line, column) = position(code, at);
    CompileError {
        message: message.into(),
        line,
        column,
    }
}

impl Program {
    /// Compiles `code`, failing with the position of the first problem.
    pub fn compile(code: &str) -> Result<Self, CompileError> {
        let lines = line_numbers(code);
        let term = Self::term(code, &lines)?;
        let constant = rewrite::is_constant(&term);
        let fast = Fast::compile(&term);
        let needs = if constant {
            Needs::Keys(Default::default())
        } else {
            inputs::needs(&term)
        };
        let filter = Self::filter(code, term)?;
        let body = match (&fast, constant) {
            (Some(_), false) => Body::OnDemand(OnceLock::new()),
            _ => Body::Filter(filter),
        };
        let mut program = Program {
            source: code.to_owned(),
            body,
            needs,
            fast,
        };
        if constant {
            // Constants neither loop nor recurse: the step budget does not matter.
            let value = budget::apart(u64::MAX, || program.first(&Val::Null, &Val::Null));
            program.body = Body::Constant(value.map(|v| v.map(|v| to_json(&v))));
        }
        Ok(program)
    }

    /// Parses and rewrites `code` into the term jaq compiles.
    fn term<'s>(code: &'s str, lines: &'s [String]) -> Result<Term<&'s str>, CompileError> {
        let tokens = Lexer::new(code).lex().map_err(|errs| {
            let (expect, at) = &errs[0];
            error_at(code, at, format!("expected {}", expect.as_str()))
        })?;
        let term: Term<&str> = Parser::new(&tokens).parse(|p| p.term()).map_err(|errs| {
            let (expect, found) = &errs[0];
            let at = found.map_or(&code[code.len()..], |t| t.0);
            let mut message = match found {
                Some(t) => format!("expected {}, found {:?}", expect.as_str(), t.0),
                None => format!("expected {}, found the end of the program", expect.as_str()),
            };
            if code.contains("?//") {
                message.push_str(" (the ?// alternative destructuring operator is not supported)");
            }
            error_at(code, at, message)
        })?;
        let mut rewriter = Rewriter::new(code, lines);
        let term = rewriter.term(term);
        match rewriter.problems.first() {
            Some(problem) => Err(error_at(code, problem.at, problem.message.clone())),
            None => Ok(term),
        }
    }

    /// Compiles a rewritten program with the engine's library.
    fn filter(code: &str, term: Term<&str>) -> Result<Box<jaq_core::Filter<Data>>, CompileError> {
        let mut defs = prelude().to_vec();
        defs.push(growth::def(Def {
            name: "__main",
            args: Vec::new(),
            body: term,
        }));
        let arena = Arena::default();
        let modules = Loader::new(defs)
            .load(
                &arena,
                File {
                    code: "__main",
                    path: (),
                },
            )
            .map_err(|_| CompileError {
                message: "the program does not load".into(),
                line: 1,
                column: 1,
            })?;
        Compiler::default()
            .with_funs(natives())
            .with_global_vars(["$ENV"])
            .compile(modules)
            .map_err(|errs| {
                let undefined = errs.iter().flat_map(|(_, e)| e.iter()).next();
                match undefined {
                    Some((name, kind)) => error_at(
                        code,
                        name,
                        format!("{name} is not defined ({kind:?})")
                            .replace("(Filter(", "(")
                            .replace("))", ")"),
                    ),
                    None => CompileError {
                        message: "the program does not compile".into(),
                        line: 1,
                        column: 1,
                    },
                }
            })
            .map(Box::new)
    }

    /// The program text as written in the configuration.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// What the program reads of its input.
    pub fn needs(&self) -> &Needs {
        &self.needs
    }

    /// Whether [`Program::first_json`] evaluates the program on JSON directly
    /// (it falls back to jaq on a full conversion of its input only for errors,
    /// no output and rare cases).
    pub fn runs_on_json(&self) -> bool {
        self.fast.is_some()
    }

    /// Whether the program ignores its input (evaluated once, at compile time).
    pub fn is_constant(&self) -> bool {
        matches!(self.body, Body::Constant(_))
    }

    /// The first output of the program for `input`, `None` when it has none.
    ///
    /// `env` is the value of `$ENV` (and `env`).
    pub fn first(&self, input: &Val, env: &Val) -> Result<Option<Val>, EvalError> {
        let filter = match &self.body {
            Body::Constant(result) => return result.clone().map(|v| v.as_ref().map(to_val)),
            Body::Filter(filter) => filter,
            Body::OnDemand(filter) => match filter.get_or_init(|| self.recompile()) {
                Ok(filter) => filter,
                Err(e) => return Err(e.clone()),
            },
        };
        let ctx = Ctx::<Data>::new(&filter.lut, Vars::new([env.clone()]));
        let result = filter.id.run((ctx, input.clone())).next();
        if let Some(message) = budget::spent() {
            return Err(EvalError(message));
        }
        match result {
            None => Ok(None),
            Some(Ok(v)) => Ok(Some(v)),
            Some(Err(exn)) => match exn.get_err() {
                Ok(e) => Err(EvalError(error_text(e))),
                // A halted program has no (more) output, as in Port's own integration.
                Err(_) => Ok(None),
            },
        }
    }

    /// Compiles jaq's filter of a program that runs on JSON (it compiled at load time).
    fn recompile(&self) -> Result<Box<jaq_core::Filter<Data>>, EvalError> {
        let lines = line_numbers(&self.source);
        Self::term(&self.source, &lines)
            .and_then(|term| Self::filter(&self.source, term))
            .map_err(|e| EvalError(e.message))
    }

    /// The output of a program that [runs on JSON](Program::runs_on_json),
    /// computed without jaq; `None` when jaq must evaluate it.
    pub fn first_on_json(&self, input: &Value) -> Option<Value> {
        self.fast.as_ref().and_then(|f| f.run(input))
    }

    /// Like [`Program::first`], with JSON values.
    pub fn first_json(&self, input: &Value, env: &Val) -> Result<Option<Value>, EvalError> {
        if let Body::Constant(result) = &self.body {
            return result.clone();
        }
        if let Some(v) = self.first_on_json(input) {
            return Ok(Some(v));
        }
        self.first_as_json(&to_val(input), env)
    }

    /// Like [`Program::first`], converted to JSON within the item's size budget.
    pub fn first_as_json(&self, input: &Val, env: &Val) -> Result<Option<Value>, EvalError> {
        let Some(v) = self.first(input, env)? else {
            return Ok(None);
        };
        to_json_within_budget(&v)
            .map(Some)
            .ok_or_else(|| EvalError(budget::spent().unwrap_or_default()))
    }
}

/// The decimal text of every line number of `code`, for `$__loc__`.
fn line_numbers(code: &str) -> Vec<String> {
    (1..=code.matches('\n').count() + 1)
        .map(|n| n.to_string())
        .collect()
}

fn error_text(e: jaq_core::Error<Val>) -> String {
    let v = e.into_val();
    match &v {
        Val::TStr(b) | Val::BStr(b) => String::from_utf8_lossy(b).into_owned(),
        other => match super::value::json_text_within(other, budget::MAX_STRING_BYTES) {
            (text, true) => text,
            _ => budget::string_too_long(),
        },
    }
}
