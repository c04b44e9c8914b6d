//! `ado-port blueprints`: creates the default blueprints in Port.

use crate::Failure;
use ado_port_sync::Settings;
use std::path::PathBuf;

/// Arguments of `ado-port blueprints`.
#[derive(clap::Args)]
pub struct BlueprintsArgs {
    /// Settings file (YAML); environment variables override it.
    #[arg(long)]
    config: Option<PathBuf>,
}

pub async fn run(args: &BlueprintsArgs) -> Result<(), Failure> {
    let settings = Settings::load(args.config.as_deref(), |k| std::env::var(k).ok())?;
    let port = settings.require_port_client()?;
    let blueprints = port_client::default_blueprints()
        .map_err(|e| Failure::Message(format!("default blueprints: {e}")))?;
    let setup = port
        .create_blueprints(&blueprints)
        .await
        .map_err(|e| Failure::Message(format!("creating blueprints in Port: {e}")))?;
    for id in &setup.created {
        println!("created {id}");
    }
    for id in &setup.existing {
        println!("exists  {id}");
    }
    Ok(())
}
