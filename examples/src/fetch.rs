//! `ado-port fetch`: the raw items of one kind exactly as the mapping receives them.

use crate::Failure;
use crate::mapping_source;
use ado_port_sync::{Kind, KindRequest, Settings};
use futures::StreamExt;
use serde_json::Map;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `ado-port fetch`.
#[derive(clap::Args)]
pub struct FetchArgs {
    /// The kind to fetch, e.g. `repository`.
    #[arg(long)]
    kind: String,
    /// Settings file (YAML); environment variables override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// A mapping whose first resource of this kind gives the selector options.
    #[arg(long)]
    mapping: Option<PathBuf>,
}

pub async fn run(args: &FetchArgs) -> Result<(), Failure> {
    let settings = Settings::load(args.config.as_deref(), |k| std::env::var(k).ok())?;
    let kind: Kind = args
        .kind
        .parse()
        .map_err(|e| Failure::Message(format!("--kind {}: {e}", args.kind)))?;
    let options = match &args.mapping {
        Some(path) => {
            let mapping = mapping_source::load_mapping(path, mapping_engine::Options::default())?;
            mapping
                .resources_of(&args.kind)
                .next()
                .map(|r| r.selector_options.clone())
                .unwrap_or_default()
        }
        None => Map::new(),
    };
    let request = KindRequest::new(kind, &options)
        .map_err(|e| Failure::Message(format!("selector of {}: {e}", args.kind)))?;
    let excluded = settings.integration.config.excluded_tags.clone();
    let stdout = std::io::stdout();
    for client in settings.organizations()? {
        let organization = client.organization().url().to_owned();
        let mut items = ado_port_sync::fetch(client, &request, &excluded);
        while let Some(item) = items.next().await {
            let item = item.map_err(|e| Failure::Message(format!("{organization}: {e}")))?;
            let mut out = stdout.lock();
            serde_json::to_writer(&mut out, &item)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}
