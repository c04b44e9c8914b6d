//! Settings of the binary: a YAML file and the environment variables of Port's
//! own integration (`OCEAN__PORT__CLIENT_ID`, `OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL`...).

use crate::Failure;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A secret read from the settings; never printed.
#[derive(Clone, Deserialize, Default)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret value, for the client that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Everything the commands read from the settings file and the environment.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// Port credentials and API.
    #[serde(default)]
    pub port: PortSettings,
    /// The integration's identity and Azure DevOps configuration.
    #[serde(default)]
    pub integration: IntegrationSettings,
    /// The mapping file (`mapping:`), relative to the settings file.
    pub mapping: Option<PathBuf>,
}

/// `port:` of the settings file.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PortSettings {
    /// `OCEAN__PORT__CLIENT_ID`
    pub client_id: Option<String>,
    /// `OCEAN__PORT__CLIENT_SECRET`
    pub client_secret: Option<Secret>,
    /// `OCEAN__PORT__BASE_URL`
    pub base_url: Option<String>,
}

/// `integration:` of the settings file.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntegrationSettings {
    /// `OCEAN__INTEGRATION__IDENTIFIER`
    pub identifier: Option<String>,
    /// `OCEAN__INTEGRATION__CONFIG__*`
    #[serde(default)]
    pub config: AdoSettings,
}

/// `integration.config:`, the Azure DevOps side.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdoSettings {
    /// One organization (single account mode).
    pub organization_url: Option<String>,
    /// Personal access token of that organization.
    pub personal_access_token: Option<Secret>,
    /// `Single Account` (default) or `Multiple Accounts`.
    pub account_mode: Option<String>,
    /// Organizations of multiple account mode.
    #[serde(default, deserialize_with = "list")]
    pub organization_urls: Vec<String>,
    /// Service principal: application (client) id.
    pub client_id: Option<String>,
    /// Service principal: client secret.
    pub client_secret: Option<Secret>,
    /// Service principal: Entra ID tenant.
    pub tenant_id: Option<String>,
    /// Secret of incoming service hooks.
    pub webhook_secret: Option<Secret>,
    /// Public URL of this integration (for service hooks).
    pub app_host: Option<String>,
    /// Projects with any of these tags are not synced.
    #[serde(default, deserialize_with = "list")]
    pub excluded_tags: Vec<String>,
    /// `cloud`, `server-2019`, `server-2020` or `server-2022`; inferred from the URL when unset.
    pub api_profile: Option<String>,
    /// Service URL templates (`vsrm`, `vssps`, `vsaex`, `advsec`, `analytics`) with `{organization}`.
    #[serde(default)]
    pub service_urls: BTreeMap<String, String>,
    /// Entra ID authority host.
    pub authority_host: Option<String>,
}

/// A list given as a YAML list, a JSON array in a string, or a comma-separated string.
fn list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => Ok(items
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()),
        Value::String(s) => Ok(split_list(&s)),
        other => Err(serde::de::Error::custom(format!(
            "expected a list, found {other}"
        ))),
    }
}

fn split_list(s: &str) -> Vec<String> {
    if s.trim_start().starts_with('[')
        && let Ok(items) = serde_json::from_str::<Vec<String>>(s)
    {
        return items;
    }
    s.split(',')
        .map(|p| p.trim().trim_end_matches('/').to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

impl Settings {
    /// Reads `file` (when given), then lets the environment override it.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Failure> {
        let mut settings = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Failure(format!("{}: {e}", path.display())))?;
                let mut s: Settings = serde_saphyr::from_str(&text).map_err(|e| {
                    Failure(format!(
                        "{}: {}",
                        path.display(),
                        e.to_string().lines().next().unwrap_or("invalid YAML")
                    ))
                })?;
                if let (Some(mapping), Some(dir)) = (&s.mapping, path.parent()) {
                    s.mapping = Some(dir.join(mapping));
                }
                s
            }
            None => Settings::default(),
        };
        settings.apply_env(env)?;
        Ok(settings)
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), Failure> {
        let port = &mut self.port;
        set(&mut port.client_id, env("OCEAN__PORT__CLIENT_ID"));
        set(
            &mut port.client_secret,
            env("OCEAN__PORT__CLIENT_SECRET").map(Secret),
        );
        set(&mut port.base_url, env("OCEAN__PORT__BASE_URL"));
        set(
            &mut self.integration.identifier,
            env("OCEAN__INTEGRATION__IDENTIFIER"),
        );
        let c = &mut self.integration.config;
        let var = |name: &str| {
            env(&format!("OCEAN__INTEGRATION__CONFIG__{name}")).filter(|v| !v.is_empty())
        };
        set(&mut c.organization_url, var("ORGANIZATION_URL"));
        set(
            &mut c.personal_access_token,
            var("PERSONAL_ACCESS_TOKEN").map(Secret),
        );
        set(&mut c.account_mode, var("ACCOUNT_MODE"));
        if let Some(urls) = var("ORGANIZATION_URLS") {
            c.organization_urls = split_list(&urls);
        }
        set(&mut c.client_id, var("CLIENT_ID"));
        set(&mut c.client_secret, var("CLIENT_SECRET").map(Secret));
        set(&mut c.tenant_id, var("TENANT_ID"));
        set(&mut c.webhook_secret, var("WEBHOOK_SECRET").map(Secret));
        set(&mut c.app_host, var("APP_HOST"));
        if let Some(tags) = var("EXCLUDED_TAGS") {
            c.excluded_tags = split_list(&tags);
        }
        set(&mut c.api_profile, var("API_PROFILE"));
        if let Some(urls) = var("SERVICE_URLS") {
            c.service_urls = serde_json::from_str(&urls).map_err(|e| {
                Failure(format!("OCEAN__INTEGRATION__CONFIG__SERVICE_URLS: expected a JSON object of URL templates: {e}"))
            })?;
        }
        set(&mut c.authority_host, var("AUTHORITY_HOST"));
        Ok(())
    }

    /// The integration identifier Port knows this installation by.
    pub fn identifier(&self) -> &str {
        self.integration
            .identifier
            .as_deref()
            .unwrap_or("azure-devops")
    }
}

fn set<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_the_file_and_lists_parse_both_ways() {
        let dir = std::env::temp_dir().join(format!("ado-port-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config.yaml");
        std::fs::write(
            &file,
            "port:\n  clientId: from-file\nintegration:\n  identifier: my-ado\n  config:\n    organizationUrl: https://dev.azure.com/a\n    excludedTags: [archived, legacy]\nmapping: mapping.yaml\n",
        )
        .unwrap();
        let env = |name: &str| match name {
            "OCEAN__PORT__CLIENT_ID" => Some("from-env".to_owned()),
            "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URLS" => {
                Some("https://dev.azure.com/b/, https://dev.azure.com/c".to_owned())
            }
            "OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN" => Some("pat-value".to_owned()),
            _ => None,
        };
        let s = Settings::load(Some(&file), env).unwrap();
        assert_eq!(s.port.client_id.as_deref(), Some("from-env"));
        assert_eq!(s.identifier(), "my-ado");
        assert_eq!(
            s.integration.config.organization_urls,
            ["https://dev.azure.com/b", "https://dev.azure.com/c"]
        );
        assert_eq!(s.integration.config.excluded_tags, ["archived", "legacy"]);
        assert_eq!(s.mapping, Some(dir.join("mapping.yaml")));
        assert!(!format!("{s:?}").contains("pat-value"));
        assert_eq!(
            split_list(r#"["https://dev.azure.com/d"]"#),
            ["https://dev.azure.com/d"]
        );
    }
}
