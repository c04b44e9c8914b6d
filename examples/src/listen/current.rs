//! What the service syncs now: the plan its resyncs and live events share, replaced when the
//! mapping in Port changes.

use ado_port_sync::{EntitySink, LiveEvents, SyncPlan};
use std::sync::{Arc, PoisonError, RwLock};

/// The current plan and the live events of it.
pub struct Current {
    plan: RwLock<(SyncPlan, Arc<LiveEvents>)>,
    /// Where live events write.
    sink: Arc<dyn EntitySink>,
}

impl Current {
    /// Live events of `plan` write through `sink`.
    pub fn new(plan: SyncPlan, sink: Arc<dyn EntitySink>) -> Self {
        let live = Arc::new(LiveEvents::with_plan(plan.clone(), Arc::clone(&sink)));
        Self {
            plan: RwLock::new((plan, live)),
            sink,
        }
    }

    /// The plan resyncs run now.
    pub fn plan(&self) -> SyncPlan {
        self.read().0.clone()
    }

    /// The live events handled now.
    pub fn live(&self) -> Arc<LiveEvents> {
        Arc::clone(&self.read().1)
    }

    /// Syncs `plan` from now on: events handled from now, and the next resync.
    pub fn replace(&self, plan: SyncPlan) {
        let live = Arc::new(LiveEvents::with_plan(plan.clone(), Arc::clone(&self.sink)));
        *self.plan.write().unwrap_or_else(PoisonError::into_inner) = (plan, live);
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, (SyncPlan, Arc<LiveEvents>)> {
        self.plan.read().unwrap_or_else(PoisonError::into_inner)
    }
}
