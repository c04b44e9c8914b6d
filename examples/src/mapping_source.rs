//! Where the mapping comes from: `--mapping`, the settings file's `mapping:`, or the
//! integration's config in Port.

use crate::Failure;
use ado_port_sync::Settings;
use mapping_engine::{Mapping, Options};
use port_client::PortClient;
use serde_json::Value;
use std::path::Path;

/// The mapping from `--mapping`, the settings file, or the integration's config in Port.
pub async fn mapping(flag: Option<&Path>, settings: &Settings) -> Result<Mapping, Failure> {
    let (config, origin) = mapping_config(flag, settings).await?;
    compile(&config, &origin, Options::default())
}

/// The uncompiled mapping from `--mapping`, the settings file, or the integration's config in
/// Port, with where it came from (for messages).
pub async fn mapping_config(
    flag: Option<&Path>,
    settings: &Settings,
) -> Result<(Value, String), Failure> {
    if let Some(path) = flag.or(settings.mapping.as_deref()) {
        return Ok((read_config(path)?, path.display().to_string()));
    }
    let port = settings.port_client()?.ok_or_else(|| {
        Failure::Message("no mapping: pass --mapping FILE, or configure Port credentials to read the integration's mapping".into())
    })?;
    with_origin(integration_config(&port, settings).await?, settings)
}

/// The mapping from `--mapping` or the settings file, else the integration's in Port; reads
/// the integration from Port either way, so an unreachable Port or refused credentials stop
/// the command before it does anything else.
pub async fn mapping_checking_port(
    flag: Option<&Path>,
    settings: &Settings,
    port: &PortClient,
) -> Result<Mapping, Failure> {
    let (config, origin) = mapping_config_checking_port(flag, settings, port).await?;
    compile(&config, &origin, Options::default())
}

/// As [`mapping_checking_port`], uncompiled, with where it came from (for messages).
pub async fn mapping_config_checking_port(
    flag: Option<&Path>,
    settings: &Settings,
    port: &PortClient,
) -> Result<(Value, String), Failure> {
    let installed = integration_config(port, settings).await?;
    match flag.or(settings.mapping.as_deref()) {
        Some(path) => Ok((read_config(path)?, path.display().to_string())),
        None => with_origin(installed, settings),
    }
}

/// The integration's mapping, with where it came from (for messages).
fn with_origin(installed: Option<Value>, settings: &Settings) -> Result<(Value, String), Failure> {
    let id = settings.identifier();
    let config = installed.ok_or_else(|| {
        Failure::Message(format!(
            "Port has no integration {id}: pass --mapping FILE, or set OCEAN__INTEGRATION__IDENTIFIER to the installed integration"
        ))
    })?;
    Ok((config, format!("mapping of integration {id} in Port")))
}

/// The integration's config in Port; `None` when Port does not know the integration.
async fn integration_config(
    port: &PortClient,
    settings: &Settings,
) -> Result<Option<Value>, Failure> {
    match port.integration_config().await {
        Ok(config) => Ok(Some(config)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(Failure::Message(format!(
            "reading integration {} from Port at {}: {error}",
            settings.identifier(),
            port.base_url()
        ))),
    }
}

/// Loads and compiles a mapping file.
pub fn load_mapping(path: &Path, options: Options) -> Result<Mapping, Failure> {
    compile(&read_config(path)?, &path.display().to_string(), options)
}

fn compile(config: &Value, origin: &str, options: Options) -> Result<Mapping, Failure> {
    Mapping::from_value(config, options).map_err(|e| Failure::Message(format!("{origin}: {e}")))
}

/// Reads a mapping file (YAML or JSON) without compiling it.
fn read_config(path: &Path) -> Result<Value, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Message(format!("{}: {e}", path.display())))?;
    serde_saphyr::from_str(&text).map_err(|e| {
        let message = e.to_string();
        let first = message.lines().next().unwrap_or("invalid document");
        Failure::Message(format!("{}: invalid YAML: {first}", path.display()))
    })
}
