//! jq evaluation with jq 1.8's semantics on top of jaq.

mod budget;
mod fast;
mod growth;
mod inputs;
mod natives;
mod number;
mod program;
mod regex;
mod rewrite;
mod time;
mod value;

pub use budget::{
    MAX_ELEMENTS, MAX_ITEM_BYTES, MAX_STRING_BYTES, SLOT_BYTES, reset as reset_budget,
};
pub use inputs::Needs;
pub use jaq_json::Val;
pub(crate) use natives::describe;
pub use program::{CompileError, EvalError, Program};
pub use value::{json_text, to_json, to_val, to_val_keys};
