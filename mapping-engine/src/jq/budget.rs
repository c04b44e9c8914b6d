//! The per-item evaluation budget: recursive definitions and generators that
//! can run forever spend one step each, and evaluation fails once it is spent.

use jaq_core::Error;
use jaq_json::Val;
use std::cell::Cell;

thread_local! {
    static REMAINING: Cell<u64> = const { Cell::new(u64::MAX) };
    static EXHAUSTED: Cell<bool> = const { Cell::new(false) };
}

/// Message of the error raised when the budget is spent.
pub const EXHAUSTED_MESSAGE: &str = "evaluation budget exceeded";

/// Starts a new budget of `steps` for the evaluations that follow on this thread.
pub fn reset(steps: u64) {
    REMAINING.with(|r| r.set(steps));
    EXHAUSTED.with(|e| e.set(false));
}

/// Whether the budget ran out since the last [`reset`], even if a `try` caught it.
pub fn exhausted() -> bool {
    EXHAUSTED.with(Cell::get)
}

/// Spends one step.
pub fn tick() -> Result<(), Error<Val>> {
    REMAINING.with(|r| match r.get() {
        0 => {
            EXHAUSTED.with(|e| e.set(true));
            Err(Error::str(EXHAUSTED_MESSAGE))
        }
        n => {
            r.set(n - 1);
            Ok(())
        }
    })
}
