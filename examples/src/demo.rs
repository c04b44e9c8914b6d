//! `ado-port demo`: the real client, engine and sync against a sample
//! organization served on loopback, with the seed's default mapping.

use crate::Failure;
use crate::signals::Shutdown;
use crate::sync;
use ado_port_examples::sample_org::{DEFAULT_MAPPING, SampleOrganization};
use ado_port_sync::SyncPlan;
use mapping_engine::{Mapping, Options};
use std::path::PathBuf;

/// Arguments of `ado-port demo`.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Where the entities go (NDJSON, `-` for standard output).
    #[arg(long, default_value = "ado-port-demo.ndjson")]
    output: PathBuf,
}

pub async fn run(args: &DemoArgs, shutdown: &Shutdown) -> Result<(), Failure> {
    let organization = shutdown
        .interruptible(async {
            SampleOrganization::serve()
                .await
                .map_err(|e| Failure::Message(e.to_string()))
        })
        .await?;
    eprintln!("serving the sample organization at {}", organization.url());
    let client = organization.client()?;
    let mapping = Mapping::from_yaml(DEFAULT_MAPPING, Options::default())?;
    let report = sync::resync(
        SyncPlan::new(mapping, vec![client])?,
        None,
        &sync::ndjson_sink(&args.output)?,
        shutdown,
    )
    .await?;
    let summary = sync::summary(&report);
    if args.output.as_os_str() == "-" {
        eprint!("{summary}");
    } else {
        print!("{summary}");
        println!("entities written to {}", args.output.display());
    }
    sync::conclude_quietly(&report, shutdown)
}
