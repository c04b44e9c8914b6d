//! The per-item evaluation budgets.
//!
//! Steps: recursive definitions and generators that can run forever spend one
//! step each. Size: every string, array and object a program builds is at most
//! [`MAX_STRING_BYTES`] or [`MAX_ELEMENTS`] long, and the values built for one item
//! take at most [`MAX_ITEM_BYTES`] together, so that no program can take the
//! machine's memory. Evaluation fails once a budget is spent, even if a `try`
//! caught the error.

use jaq_core::Error;
use jaq_json::Val;
use std::cell::Cell;

/// Longest string a program may build, in bytes.
pub const MAX_STRING_BYTES: usize = 16 << 20;

/// Most elements of an array, or entries of an object, a program may build.
pub const MAX_ELEMENTS: usize = 4 << 20;

/// Most bytes of values a program may build for one item (strings by their length, array
/// elements and object entries by [`SLOT_BYTES`] each).
pub const MAX_ITEM_BYTES: usize = 256 << 20;

/// What one array element or object entry counts for in [`MAX_ITEM_BYTES`].
pub const SLOT_BYTES: usize = 64;

/// Why evaluation stopped for the current item.
#[derive(Clone, Copy)]
enum Spent {
    Steps,
    Bytes,
}

thread_local! {
    static STEPS: Cell<u64> = const { Cell::new(u64::MAX) };
    static BYTES: Cell<usize> = const { Cell::new(MAX_ITEM_BYTES) };
    static SPENT: Cell<Option<Spent>> = const { Cell::new(None) };
}

/// Starts new budgets, of `steps` steps and [`MAX_ITEM_BYTES`], for the evaluations that
/// follow on this thread.
pub fn reset(steps: u64) {
    STEPS.with(|r| r.set(steps));
    BYTES.with(|r| r.set(MAX_ITEM_BYTES));
    SPENT.with(|e| e.set(None));
}

/// Runs `f` with fresh budgets (of `steps` steps), then gives the thread its own back:
/// for evaluations outside any item's, such as constant programs at compile time.
pub fn apart<T>(steps: u64, f: impl FnOnce() -> T) -> T {
    let saved = (
        STEPS.with(Cell::get),
        BYTES.with(Cell::get),
        SPENT.with(Cell::get),
    );
    reset(steps);
    let out = f();
    STEPS.with(|r| r.set(saved.0));
    BYTES.with(|r| r.set(saved.1));
    SPENT.with(|r| r.set(saved.2));
    out
}

/// Why evaluation must fail since the last [`reset`], even if a `try` caught it.
pub fn spent() -> Option<String> {
    SPENT.with(Cell::get).map(message)
}

fn message(spent: Spent) -> String {
    match spent {
        Spent::Steps => "evaluation budget exceeded".to_owned(),
        Spent::Bytes => {
            format!(
                "value too large: more than {MAX_ITEM_BYTES} bytes of values built for one item"
            )
        }
    }
}

fn spend(spent: Spent) -> Error<Val> {
    SPENT.with(|e| e.set(Some(spent)));
    Error::str(message(spent))
}

/// Spends one step.
pub fn tick() -> Result<(), Error<Val>> {
    STEPS.with(|r| match r.get() {
        0 => Err(spend(Spent::Steps)),
        n => {
            r.set(n - 1);
            Ok(())
        }
    })
}

/// Spends `bytes` of the item's [`MAX_ITEM_BYTES`].
pub fn charge(bytes: usize) -> Result<(), Error<Val>> {
    BYTES.with(|r| match r.get().checked_sub(bytes) {
        Some(left) => {
            r.set(left);
            Ok(())
        }
        None => Err(spend(Spent::Bytes)),
    })
}

/// The error of a string longer than [`MAX_STRING_BYTES`].
pub fn string_too_long() -> String {
    format!("value too large: string of more than {MAX_STRING_BYTES} bytes")
}

/// Checks the length of a string about to be built, copying `new` bytes.
pub fn string(len: usize, new: usize) -> Result<(), Error<Val>> {
    if len > MAX_STRING_BYTES {
        return Err(Error::str(string_too_long()));
    }
    charge(new)
}

/// Checks the length of an array (`kind` "array") or object about to be built, copying
/// `new` elements.
pub fn elements(kind: &str, len: usize, new: usize) -> Result<(), Error<Val>> {
    if len > MAX_ELEMENTS {
        return Err(Error::str(format!(
            "value too large: {kind} of more than {MAX_ELEMENTS} elements"
        )));
    }
    charge(new.saturating_mul(SLOT_BYTES))
}
