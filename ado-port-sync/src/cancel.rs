//! Stopping a running resync from elsewhere.

use std::sync::Arc;

use tokio::sync::watch;

/// A handle that stops a resync: clone it, pass one clone to the resync and call
/// [`cancel`](Self::cancel) on another. A stopped resync deletes nothing and reports
/// `aborted`.
#[derive(Debug, Clone, Default)]
pub struct CancelHandle {
    latch: Arc<Latch>,
}

/// A flag that is set once and can be awaited.
#[derive(Debug)]
pub(crate) struct Latch {
    sender: watch::Sender<bool>,
}

impl Default for Latch {
    fn default() -> Self {
        Self {
            sender: watch::Sender::new(false),
        }
    }
}

impl Latch {
    /// Sets the flag and wakes every waiter.
    pub(crate) fn set(&self) {
        self.sender.send_replace(true);
    }

    /// Whether the flag is set.
    pub(crate) fn is_set(&self) -> bool {
        *self.sender.borrow()
    }

    /// Completes once the flag is set.
    pub(crate) async fn wait(&self) {
        let mut receiver = self.sender.subscribe();
        // The sender lives in `self`, so waiting cannot fail while `self` is borrowed.
        let _ = receiver.wait_for(|set| *set).await;
    }
}

impl CancelHandle {
    /// A handle that has not been cancelled.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops every resync holding a clone of this handle.
    pub fn cancel(&self) {
        self.latch.set();
    }

    /// Whether [`cancel`](Self::cancel) was called.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.latch.is_set()
    }

    /// Completes once [`cancel`](Self::cancel) is called.
    pub async fn cancelled(&self) {
        self.latch.wait().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cancel_wakes_waiters() {
        let handle = CancelHandle::new();
        assert!(!handle.is_cancelled());
        let waiter = {
            let handle = handle.clone();
            tokio::spawn(async move { handle.cancelled().await })
        };
        handle.cancel();
        waiter.await.expect("waiter finishes");
        assert!(handle.is_cancelled());
        handle.cancelled().await;
    }
}
