//! A resync into your own sink: entities counted per blueprint, nothing sent anywhere.
//!
//! Runs against the sample organization bundled with the examples, served on loopback:
//!
//! ```sh
//! cargo run -p ado-port-examples --example custom_sink
//! ```
//!
//! Only `ado-port-sync` (and `tokio`) is needed for a resync into a sink of your own: the
//! prelude brings the resync, the sink trait and the types it touches.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use ado_port_examples::sample_org::{DEFAULT_MAPPING, SampleOrganization};
use ado_port_sync::prelude::*;

/// Counts the entities written per blueprint. A sink that keeps entities would merge them as
/// Port does (`Entity::merge`; see `MemorySink`), since several resources write one entity.
#[derive(Default)]
struct PerBlueprint(Mutex<BTreeMap<String, usize>>);

#[async_trait]
impl EntitySink for PerBlueprint {
    async fn write(
        &self,
        entities: &[Entity],
        _options: &WriteOptions,
    ) -> Result<Vec<WriteOutcome>, SinkError> {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for entity in entities {
            let blueprint = entity.blueprint.as_str().unwrap_or("?").to_owned();
            *counts.entry(blueprint).or_default() += 1;
        }
        Ok(vec![
            WriteOutcome::Written { identifier: None };
            entities.len()
        ])
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let organization = SampleOrganization::serve().await?;
    let mapping = Mapping::from_yaml(DEFAULT_MAPPING, MappingOptions::default())?;
    let resync = Resync::new(mapping, vec![organization.client()?])?;
    let sink = PerBlueprint::default();
    // `into_result` fails exactly when `ado-port sync` would exit non-zero.
    let report = resync.run(&sink).await.into_result()?;
    let counts = sink.0.into_inner().unwrap_or_else(PoisonError::into_inner);
    for (blueprint, count) in &counts {
        println!("{blueprint:<32} {count:>5}");
    }
    println!(
        "{} items fetched, {} entities written",
        report.totals().fetched,
        report.totals().upserted
    );
    Ok(())
}
