//! Azure DevOps and Port clients built from the [`Settings`].

use crate::Failure;
use crate::settings::Settings;
use ado_client::{AdoClient, ApiProfile, Credential, Organization, Service, ServicePrincipal};
use mapping_engine::{Mapping, Options};
use port_client::{Credentials, PortClient};
use serde_json::Value;
use std::path::Path;

/// One client per configured organization, sharing one credential.
pub fn organizations(settings: &Settings) -> Result<Vec<AdoClient>, Failure> {
    let c = &settings.integration.config;
    let multiple = c
        .account_mode
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("Multiple Accounts"));
    let urls: Vec<String> = match (&c.organization_url, multiple) {
        (Some(url), false) => vec![url.trim_end_matches('/').to_owned()],
        _ => c.organization_urls.clone(),
    };
    if urls.is_empty() {
        return Err(Failure(
            "no Azure DevOps organization: set OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL (or ORGANIZATION_URLS with ACCOUNT_MODE=\"Multiple Accounts\")".into(),
        ));
    }
    let credential = credential(settings, multiple)?;
    let profile = match c.api_profile.as_deref() {
        Some(name) => Some(parse_profile(name)?),
        // Separate service hosts (vsrm, vsaex...) exist only on Azure DevOps Services.
        None if !c.service_urls.is_empty() => Some(ApiProfile::Cloud),
        None => None,
    };
    urls.iter()
        .map(|url| {
            let mut org = Organization::parse(url)
                .map_err(|e| Failure(format!("organization URL {url}: {e}")))?;
            for (name, template) in &c.service_urls {
                org = org
                    .with_service_url(service(name)?, template)
                    .map_err(|e| Failure(format!("SERVICE_URLS.{name}: {e}")))?;
            }
            let mut builder = AdoClient::builder(org, credential.clone());
            if let Some(profile) = profile {
                builder = builder.api_profile(profile);
            }
            builder
                .build()
                .map_err(|e| Failure(format!("organization {url}: {e}")))
        })
        .collect()
}

fn credential(settings: &Settings, multiple: bool) -> Result<Credential, Failure> {
    let c = &settings.integration.config;
    if let (Some(pat), false) = (&c.personal_access_token, multiple) {
        return Ok(Credential::pat(pat.expose()));
    }
    match (&c.tenant_id, &c.client_id, &c.client_secret) {
        (Some(tenant), Some(client), Some(secret)) => {
            let mut builder = ServicePrincipal::builder(tenant, client, secret.expose());
            if let Some(host) = &c.authority_host {
                builder = builder.authority_host(host);
            }
            builder.build().map(Credential::service_principal).map_err(|e| Failure(format!("service principal: {e}")))
        }
        _ if multiple => Err(Failure(
            "multiple accounts need a service principal: set OCEAN__INTEGRATION__CONFIG__TENANT_ID, CLIENT_ID and CLIENT_SECRET".into(),
        )),
        _ => Err(Failure(
            "no Azure DevOps credential: set OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN, or TENANT_ID, CLIENT_ID and CLIENT_SECRET".into(),
        )),
    }
}

fn parse_profile(name: &str) -> Result<ApiProfile, Failure> {
    match name {
        "cloud" => Ok(ApiProfile::Cloud),
        "server-2019" => Ok(ApiProfile::Server2019),
        "server-2020" => Ok(ApiProfile::Server2020),
        "server-2022" => Ok(ApiProfile::Server2022),
        other => Err(Failure(format!(
            "API_PROFILE {other:?}: expected cloud, server-2019, server-2020 or server-2022"
        ))),
    }
}

fn service(name: &str) -> Result<Service, Failure> {
    match name {
        "vsrm" => Ok(Service::Release),
        "vssps" => Ok(Service::Graph),
        "vsaex" => Ok(Service::Entitlements),
        "advsec" => Ok(Service::AdvancedSecurity),
        "analytics" => Ok(Service::Analytics),
        other => Err(Failure(format!(
            "SERVICE_URLS: unknown service {other:?} (expected vsrm, vssps, vsaex, advsec or analytics)"
        ))),
    }
}

/// The Port client, when credentials are configured.
pub fn port(settings: &Settings) -> Result<Option<PortClient>, Failure> {
    let p = &settings.port;
    let (Some(id), Some(secret)) = (&p.client_id, &p.client_secret) else {
        return Ok(None);
    };
    let mut builder = PortClient::builder(Credentials::new(id, secret.expose())).integration(
        port_client::DEFAULT_INTEGRATION_TYPE,
        env!("CARGO_PKG_VERSION"),
        settings.identifier(),
    );
    if let Some(url) = &p.base_url {
        builder = builder.base_url(url.trim_end_matches('/'));
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| Failure(format!("Port client: {e}")))
}

/// The Port client, or a clear error naming the missing settings.
pub fn require_port(settings: &Settings) -> Result<PortClient, Failure> {
    port(settings)?.ok_or_else(|| {
        Failure(
            "no Port credentials: set OCEAN__PORT__CLIENT_ID and OCEAN__PORT__CLIENT_SECRET".into(),
        )
    })
}

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
    let port = port(settings)?.ok_or_else(|| {
        Failure("no mapping: pass --mapping FILE, or configure Port credentials to read the integration's mapping".into())
    })?;
    let config = port.integration_config().await.map_err(|e| {
        Failure(format!(
            "reading integration {} from Port: {e}",
            settings.identifier()
        ))
    })?;
    let origin = format!("mapping of integration {} in Port", settings.identifier());
    Ok((config, origin))
}

/// Loads and compiles a mapping file.
pub fn load_mapping(path: &Path, options: Options) -> Result<Mapping, Failure> {
    compile(&read_config(path)?, &path.display().to_string(), options)
}

fn compile(config: &Value, origin: &str, options: Options) -> Result<Mapping, Failure> {
    Mapping::from_value(config, options).map_err(|e| Failure(format!("{origin}: {e}")))
}

/// Reads a mapping file (YAML or JSON) without compiling it.
fn read_config(path: &Path) -> Result<Value, Failure> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Failure(format!("{}: {e}", path.display())))?;
    serde_saphyr::from_str(&text).map_err(|e| {
        let message = e.to_string();
        let first = message.lines().next().unwrap_or("invalid document");
        Failure(format!("{}: invalid YAML: {first}", path.display()))
    })
}
