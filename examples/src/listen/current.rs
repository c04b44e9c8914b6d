//! What the service syncs now: the plan its resyncs and live events share, replaced when the
//! mapping in Port changes.

use ado_port_sync::{EntitySink, LiveEvents, SyncPlan};
use std::sync::{Arc, PoisonError, RwLock};

/// The live events of the current plan.
pub struct Current {
    live: RwLock<Arc<LiveEvents>>,
    /// Where live events write.
    sink: Arc<dyn EntitySink>,
}

impl Current {
    /// Live events of `plan` write through `sink`.
    pub fn new(plan: SyncPlan, sink: Arc<dyn EntitySink>) -> Self {
        let live = Arc::new(LiveEvents::with_plan(plan, Arc::clone(&sink)));
        Self {
            live: RwLock::new(live),
            sink,
        }
    }

    /// The plan resyncs run now.
    pub fn plan(&self) -> SyncPlan {
        self.live().plan().clone()
    }

    /// The live events handled now.
    pub fn live(&self) -> Arc<LiveEvents> {
        Arc::clone(&self.live.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Syncs `plan` from now on: events handled from now, and the next resync.
    pub fn replace(&self, plan: SyncPlan) {
        let live = Arc::new(LiveEvents::with_plan(plan, Arc::clone(&self.sink)));
        *self.live.write().unwrap_or_else(PoisonError::into_inner) = live;
    }
}
