//! What the stand-ins were asked, counted in the serving process and sent to the measuring one
//! as one line of JSON.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// Requests per route of both stand-ins.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Counts {
    /// Azure DevOps requests per endpoint template (`unserved {path}` for the rest).
    pub ado: BTreeMap<String, usize>,
    /// Port requests per route (`unserved {method} {path}` for the rest).
    pub port: BTreeMap<String, usize>,
    /// Entities of each bulk upsert request, in arrival order.
    pub bulk_sizes: Vec<usize>,
}

/// The counts both stand-ins add to while serving.
#[derive(Debug, Default)]
pub struct Stats(Mutex<Counts>);

impl Stats {
    /// Counts one Azure DevOps request.
    pub fn ado(&self, route: String) {
        *self.counts().ado.entry(route).or_default() += 1;
    }

    /// Counts one Port request.
    pub fn port(&self, route: String) {
        *self.counts().port.entry(route).or_default() += 1;
    }

    /// Records the entities of one bulk upsert request.
    pub fn bulk(&self, entities: usize) {
        self.counts().bulk_sizes.push(entities);
    }

    /// The counts since the last call (or the start), as one line of JSON; counting starts
    /// over.
    pub fn take_json(&self) -> String {
        let counts = std::mem::take(&mut *self.counts());
        serde_json::to_string(&counts).expect("counts serialize")
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
