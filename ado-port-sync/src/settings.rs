//! Settings of an installation, as Port's own Azure DevOps integration reads them: a YAML file
//! and the `OCEAN__*` environment variables, which override the file.
//!
//! The caller passes the variable lookup (`|name| std::env::var(name).ok()` in a binary), so
//! this crate never reads the environment itself. [`Settings`] validates every value when it is
//! loaded and builds the clients ([`Settings::organizations`], [`Settings::port_client`]).
//!
//! ```
//! use ado_port_sync::Settings;
//!
//! let env = |name: &str| match name {
//!     "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL" => Some("https://dev.azure.com/fabrikam".to_owned()),
//!     "OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN" => Some("my-pat".to_owned()),
//!     "OCEAN__INTEGRATION__CONFIG__EXCLUDED_TAGS" => Some("archived, legacy".to_owned()),
//!     _ => None,
//! };
//! let settings = Settings::load(None, env)?;
//! let organizations = settings.organizations()?;
//! assert_eq!(organizations[0].organization().name(), "fabrikam");
//! assert_eq!(settings.integration.config.excluded_tags, ["archived", "legacy"]);
//! assert!(settings.port_client()?.is_none());
//! # Ok::<(), ado_port_sync::SettingsError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use ado_client::{AdoClient, ApiProfile, Credential, Organization, Service, ServicePrincipal};
use mapping_engine::Mapping;
use port_client::{Credentials, PortClient};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::{Resync, SyncPlan};

/// Prefix of the Azure DevOps variables (`OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL`...).
const CONFIG_PREFIX: &str = "OCEAN__INTEGRATION__CONFIG__";

/// The integration identifier when none is configured.
pub const DEFAULT_IDENTIFIER: &str = "azure-devops";

/// A secret read from the settings (token, client secret, webhook secret); `Debug` never shows it.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value, for the client that sends it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How organizations and credentials are configured (`ACCOUNT_MODE`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountMode {
    /// `Single Account`: `ORGANIZATION_URL` with a personal access token or a service principal.
    #[default]
    Single,
    /// `Multiple Accounts`: `ORGANIZATION_URLS` sharing one service principal.
    Multiple,
}

/// The reference integration's spelling: `Single Account` or `Multiple Accounts`.
impl fmt::Display for AccountMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Single => "Single Account",
            Self::Multiple => "Multiple Accounts",
        })
    }
}

/// Reads `Single Account` or `Multiple Accounts`, ignoring ASCII case; the error says what is
/// accepted.
impl FromStr for AccountMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        [Self::Single, Self::Multiple]
            .into_iter()
            .find(|mode| mode.to_string().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown account mode `{s}` (expected \"Single Account\" or \"Multiple Accounts\")"
                )
            })
    }
}

/// Everything an installation configures: Port, the integration and its Azure DevOps side, and
/// the mapping file.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Settings {
    /// `port:` Port credentials and API.
    #[serde(default)]
    pub port: PortSettings,
    /// `integration:` the integration's identity and Azure DevOps configuration.
    #[serde(default)]
    pub integration: IntegrationSettings,
    /// `mapping:` the mapping file, relative to the settings file.
    pub mapping: Option<PathBuf>,
    /// `scheduledResyncInterval`, `OCEAN__SCHEDULED_RESYNC_INTERVAL`: time between scheduled
    /// resyncs, given in minutes (fractions allowed); unset: no scheduled resync.
    #[serde(default, deserialize_with = "minutes")]
    pub scheduled_resync_interval: Option<Duration>,
    /// `incrementalResyncInterval`, `OCEAN__INCREMENTAL_RESYNC_INTERVAL`: time between the
    /// incremental resyncs a long-running process runs between full ones, in minutes
    /// (fractions allowed); unset: none.
    #[serde(default, deserialize_with = "minutes")]
    pub incremental_resync_interval: Option<Duration>,
    /// `eventListenerInterval`, `OCEAN__EVENT_LISTENER__INTERVAL`: how often a long-running
    /// process asks Port whether a resync was requested, in seconds (fractions allowed);
    /// unset: every 60 s.
    #[serde(default, deserialize_with = "seconds")]
    pub event_listener_interval: Option<Duration>,
    /// PEM bundles both clients trust besides the platform's store. With `SSL_CERT_FILE` or
    /// `SSL_CERT_DIR` set, the platform store holds only the certificates they name, so the
    /// system's bundle is added here: trusted are the system's roots plus those.
    #[serde(skip)]
    pub extra_root_certificates: Vec<Vec<u8>>,
}

/// Where Linux and BSD distributions keep the system's CA bundle; the first that exists is it.
const SYSTEM_CA_BUNDLES: [&str; 7] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
    "/usr/local/share/certs/ca-root-nss.crt",
    "/usr/local/etc/openssl/cert.pem",
];

/// The first of `candidates` that can be read.
fn first_bundle(candidates: &[&str]) -> Option<Vec<u8>> {
    candidates.iter().find_map(|path| std::fs::read(path).ok())
}

/// `port:` of the settings file.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct PortSettings {
    /// `clientId`, `OCEAN__PORT__CLIENT_ID`.
    pub client_id: Option<String>,
    /// `clientSecret`, `OCEAN__PORT__CLIENT_SECRET`.
    pub client_secret: Option<Secret>,
    /// `baseUrl`, `OCEAN__PORT__BASE_URL` (default: Port's EU API).
    pub base_url: Option<String>,
}

/// `integration:` of the settings file.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct IntegrationSettings {
    /// `identifier`, `OCEAN__INTEGRATION__IDENTIFIER` (see [`Settings::identifier`]).
    pub identifier: Option<String>,
    /// `config:`, `OCEAN__INTEGRATION__CONFIG__*`.
    #[serde(default)]
    pub config: AdoSettings,
}

/// `integration.config:`, the Azure DevOps side. Each field is also read from
/// `OCEAN__INTEGRATION__CONFIG__<FIELD>` (`organizationUrl` from `..._ORGANIZATION_URL`...).
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AdoSettings {
    /// The organization of single account mode.
    pub organization_url: Option<String>,
    /// Personal access token of that organization.
    pub personal_access_token: Option<Secret>,
    /// `Single Account` (default) or `Multiple Accounts`.
    #[serde(default, deserialize_with = "parsed")]
    pub account_mode: AccountMode,
    /// Organizations of multiple account mode: a list, a JSON array or a comma list.
    #[serde(default, deserialize_with = "list")]
    pub organization_urls: Vec<String>,
    /// Service principal: application (client) id.
    pub client_id: Option<String>,
    /// Service principal: client secret.
    pub client_secret: Option<Secret>,
    /// Service principal: Entra ID tenant.
    pub tenant_id: Option<String>,
    /// Password of incoming service hooks.
    pub webhook_secret: Option<Secret>,
    /// Public URL of this integration (where service hooks are delivered).
    pub app_host: Option<String>,
    /// Whether the service hooks `listen` creates are one per project not excluded by
    /// `excludedTags` rather than one per organization (`isProjectsLimited`; unset: true, as
    /// in Port's integration).
    pub is_projects_limited: Option<bool>,
    /// Projects with any of these tags are not synced: a list, a JSON array or a comma list.
    #[serde(default, deserialize_with = "list")]
    pub excluded_tags: Vec<String>,
    /// `cloud`, `server-2019`, `server-2020` or `server-2022`; unset: inferred per organization
    /// (see [`ApiProfile::infer`]).
    #[serde(default, deserialize_with = "parsed_some")]
    pub api_profile: Option<ApiProfile>,
    /// URL templates containing `{organization}` per service (`vsrm`, `vssps`, `vsaex`,
    /// `advsec`, `analytics`); a JSON object in the environment.
    #[serde(default, deserialize_with = "service_urls")]
    pub service_urls: BTreeMap<Service, String>,
    /// Entra ID authority host of the service principal.
    pub authority_host: Option<String>,
}

/// Secrets and credentials inside URLs are redacted.
impl fmt::Debug for PortSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortSettings")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("base_url", &self.base_url.as_deref().map(redact_url))
            .finish()
    }
}

/// Secrets and credentials inside URLs are redacted.
impl fmt::Debug for AdoSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let urls = |urls: &[String]| urls.iter().map(|u| redact_url(u)).collect::<Vec<_>>();
        let templates: BTreeMap<_, _> = self
            .service_urls
            .iter()
            .map(|(service, template)| (service, redact_url(template)))
            .collect();
        f.debug_struct("AdoSettings")
            .field(
                "organization_url",
                &self.organization_url.as_deref().map(redact_url),
            )
            .field("personal_access_token", &self.personal_access_token)
            .field("account_mode", &self.account_mode)
            .field("organization_urls", &urls(&self.organization_urls))
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("tenant_id", &self.tenant_id)
            .field("webhook_secret", &self.webhook_secret)
            .field("app_host", &self.app_host.as_deref().map(redact_url))
            .field("is_projects_limited", &self.is_projects_limited)
            .field("excluded_tags", &self.excluded_tags)
            .field("api_profile", &self.api_profile)
            .field("service_urls", &templates)
            .field(
                "authority_host",
                &self.authority_host.as_deref().map(redact_url),
            )
            .finish()
    }
}

/// `url` with the user name and password it may carry replaced by `<redacted>`.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => format!("{scheme}://<redacted>@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// Settings that cannot be read or used; the message names the file or variable and never
/// holds a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// The settings file cannot be read or parsed.
    #[error("{}: {message}", path.display())]
    File {
        /// The settings file.
        path: PathBuf,
        /// What is wrong, with the line when known.
        message: String,
    },
    /// An environment variable holds an unusable value.
    #[error("{variable}: {message}")]
    Variable {
        /// The variable, e.g. `OCEAN__INTEGRATION__CONFIG__ACCOUNT_MODE`.
        variable: String,
        /// What is wrong and what is accepted.
        message: String,
    },
    /// No organization is configured.
    #[error(
        "no Azure DevOps organization: set {CONFIG_PREFIX}ORGANIZATION_URL (or ORGANIZATION_URLS with ACCOUNT_MODE=\"Multiple Accounts\")"
    )]
    NoOrganization,
    /// No Azure DevOps credential is configured.
    #[error(
        "no Azure DevOps credential: set {CONFIG_PREFIX}PERSONAL_ACCESS_TOKEN, or TENANT_ID, CLIENT_ID and CLIENT_SECRET"
    )]
    NoCredential,
    /// Multiple account mode without a service principal.
    #[error(
        "multiple accounts need a service principal: set {CONFIG_PREFIX}TENANT_ID, CLIENT_ID and CLIENT_SECRET"
    )]
    NoServicePrincipal,
    /// No Port credentials, where Port is needed.
    #[error("no Port credentials: set OCEAN__PORT__CLIENT_ID and OCEAN__PORT__CLIENT_SECRET")]
    NoPortCredentials,
    /// An organization URL, service URL template or client setting is unusable.
    #[error("Azure DevOps: {0}")]
    Ado(#[source] ado_client::Error),
    /// The Port client settings are unusable.
    #[error("Port: {0}")]
    Port(#[source] port_client::Error),
    /// The mapping does not fit the kinds (an unknown kind, an unusable selector option).
    #[error(transparent)]
    Mapping(#[from] crate::LoadError),
}

impl Settings {
    /// Reads `file` (when given), then lets the `OCEAN__*` variables `env` finds override it.
    /// A relative `mapping:` is resolved against the file's folder. Empty
    /// `OCEAN__INTEGRATION__CONFIG__*` values count as unset.
    ///
    /// # Errors
    ///
    /// [`SettingsError::File`] for an unreadable or invalid file (unknown keys included),
    /// [`SettingsError::Variable`] for an invalid variable (`ACCOUNT_MODE`, `API_PROFILE`,
    /// `SERVICE_URLS`, a list that starts with `[` but is not a JSON array of strings...).
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        let mut settings = match file {
            Some(path) => Self::read(path)?,
            None => Self::default(),
        };
        settings.apply_env(env)?;
        Ok(settings)
    }

    fn read(path: &Path) -> Result<Self, SettingsError> {
        let file_error = |message: String| SettingsError::File {
            path: path.to_owned(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
        let mut settings: Self = serde_saphyr::from_str(&text).map_err(|e| {
            let message = e.to_string();
            let first = message.lines().next().unwrap_or("invalid YAML");
            file_error(first.trim_start_matches("error: ").to_owned())
        })?;
        if let (Some(mapping), Some(dir)) = (&settings.mapping, path.parent()) {
            settings.mapping = Some(dir.join(mapping));
        }
        Ok(settings)
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), SettingsError> {
        if ["SSL_CERT_FILE", "SSL_CERT_DIR"]
            .iter()
            .any(|name| env(name).is_some_and(|value| !value.is_empty()))
        {
            self.extra_root_certificates
                .extend(first_bundle(&SYSTEM_CA_BUNDLES));
        }
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
        let intervals: [(_, _, ParseDuration); 3] = [
            (
                "OCEAN__SCHEDULED_RESYNC_INTERVAL",
                &mut self.scheduled_resync_interval,
                parse_minutes,
            ),
            (
                "OCEAN__INCREMENTAL_RESYNC_INTERVAL",
                &mut self.incremental_resync_interval,
                parse_minutes,
            ),
            (
                "OCEAN__EVENT_LISTENER__INTERVAL",
                &mut self.event_listener_interval,
                parse_seconds,
            ),
        ];
        for (variable, interval, parse) in intervals {
            if let Some(value) = env(variable).filter(|value| !value.is_empty()) {
                let text = Var {
                    variable: variable.to_owned(),
                    value,
                };
                *interval = Some(text.parse_with(parse)?);
            }
        }
        let var = |field: &str| {
            let variable = format!("{CONFIG_PREFIX}{field}");
            env(&variable)
                .filter(|value| !value.is_empty())
                .map(|value| Var { variable, value })
        };
        let c = &mut self.integration.config;
        set(
            &mut c.organization_url,
            var("ORGANIZATION_URL").map(Var::text),
        );
        set(
            &mut c.personal_access_token,
            var("PERSONAL_ACCESS_TOKEN").map(Var::secret),
        );
        if let Some(mode) = var("ACCOUNT_MODE") {
            c.account_mode = mode.parse()?;
        }
        if let Some(urls) = var("ORGANIZATION_URLS") {
            c.organization_urls = urls.parse_with(parse_list)?;
        }
        set(&mut c.client_id, var("CLIENT_ID").map(Var::text));
        set(&mut c.client_secret, var("CLIENT_SECRET").map(Var::secret));
        set(&mut c.tenant_id, var("TENANT_ID").map(Var::text));
        set(
            &mut c.webhook_secret,
            var("WEBHOOK_SECRET").map(Var::secret),
        );
        set(&mut c.app_host, var("APP_HOST").map(Var::text));
        if let Some(limited) = var("IS_PROJECTS_LIMITED") {
            c.is_projects_limited = Some(limited.parse_with(|v| {
                v.trim()
                    .to_ascii_lowercase()
                    .parse::<bool>()
                    .map_err(|_| format!("expected true or false, got {v:?}"))
            })?);
        }
        if let Some(tags) = var("EXCLUDED_TAGS") {
            c.excluded_tags = tags.parse_with(parse_list)?;
        }
        if let Some(profile) = var("API_PROFILE") {
            c.api_profile = Some(profile.parse()?);
        }
        if let Some(urls) = var("SERVICE_URLS") {
            c.service_urls = urls.parse_with(|v| {
                let map = serde_json::from_str(v).map_err(|e| {
                    format!("expected a JSON object from service name to URL template: {e}")
                })?;
                parse_service_urls(map)
            })?;
        }
        set(&mut c.authority_host, var("AUTHORITY_HOST").map(Var::text));
        Ok(())
    }

    /// The integration identifier Port knows this installation by (default
    /// [`DEFAULT_IDENTIFIER`]).
    #[must_use]
    pub fn identifier(&self) -> &str {
        self.integration
            .identifier
            .as_deref()
            .unwrap_or(DEFAULT_IDENTIFIER)
    }

    /// One client per configured organization, sharing one credential: in single account mode
    /// `organizationUrl` (else `organizationUrls`) with the personal access token, else the
    /// service principal; in multiple account mode `organizationUrls` with the service
    /// principal. The API profile is `apiProfile` when set, else inferred per organization.
    ///
    /// # Errors
    ///
    /// A [`SettingsError`] naming what to set, or the organization URL or service URL template
    /// that is unusable.
    pub fn organizations(&self) -> Result<Vec<AdoClient>, SettingsError> {
        let c = &self.integration.config;
        let urls = match (&c.organization_url, c.account_mode) {
            (Some(url), AccountMode::Single) => std::slice::from_ref(url),
            _ => c.organization_urls.as_slice(),
        };
        if urls.is_empty() {
            return Err(SettingsError::NoOrganization);
        }
        let credential = self.credential()?;
        urls.iter()
            .map(|url| {
                let mut organization = Organization::parse(url).map_err(SettingsError::Ado)?;
                for (service, template) in &c.service_urls {
                    organization = organization
                        .with_service_url(*service, template)
                        .map_err(SettingsError::Ado)?;
                }
                let mut builder = AdoClient::builder(organization, credential.clone());
                if let Some(profile) = c.api_profile {
                    builder = builder.api_profile(profile);
                }
                for pem in &self.extra_root_certificates {
                    builder = builder.root_certificates_pem(pem.clone());
                }
                builder.build().map_err(SettingsError::Ado)
            })
            .collect()
    }

    fn credential(&self) -> Result<Credential, SettingsError> {
        let c = &self.integration.config;
        let multiple = c.account_mode == AccountMode::Multiple;
        if let (Some(pat), false) = (&c.personal_access_token, multiple) {
            return Ok(Credential::pat(pat.expose()));
        }
        match (&c.tenant_id, &c.client_id, &c.client_secret) {
            (Some(tenant), Some(client), Some(secret)) => {
                let mut builder = ServicePrincipal::builder(tenant, client, secret.expose());
                if let Some(host) = &c.authority_host {
                    builder = builder.authority_host(host);
                }
                builder
                    .build()
                    .map(Credential::service_principal)
                    .map_err(SettingsError::Ado)
            }
            _ if multiple => Err(SettingsError::NoServicePrincipal),
            _ => Err(SettingsError::NoCredential),
        }
    }

    /// The Port client, or `None` when no Port credentials are configured. It identifies
    /// itself as this integration ([`identifier`](Self::identifier)), so Port stamps and finds
    /// its entities.
    ///
    /// # Errors
    ///
    /// [`SettingsError::Port`] when the base URL or another client setting is unusable.
    pub fn port_client(&self) -> Result<Option<PortClient>, SettingsError> {
        let p = &self.port;
        let (Some(id), Some(secret)) = (&p.client_id, &p.client_secret) else {
            return Ok(None);
        };
        let mut builder = PortClient::builder(Credentials::new(id, secret.expose())).integration(
            port_client::DEFAULT_INTEGRATION_TYPE,
            env!("CARGO_PKG_VERSION"),
            self.identifier(),
        );
        if let Some(url) = &p.base_url {
            builder = builder.base_url(url.trim_end_matches('/'));
        }
        for pem in &self.extra_root_certificates {
            builder = builder.root_certificates_pem(pem.clone());
        }
        builder.build().map(Some).map_err(SettingsError::Port)
    }

    /// The Port client, or [`SettingsError::NoPortCredentials`] naming the variables to set.
    ///
    /// # Errors
    ///
    /// As [`port_client`](Self::port_client), plus missing credentials.
    pub fn require_port_client(&self) -> Result<PortClient, SettingsError> {
        self.port_client()?.ok_or(SettingsError::NoPortCredentials)
    }

    /// A resync of the configured organizations with `mapping`, leaving out the projects
    /// that carry an excluded tag.
    ///
    /// ```no_run
    /// use ado_port_sync::{PortSink, Settings};
    /// use ado_port_sync::mapping::{Mapping, Options};
    ///
    /// # async fn run(yaml: &str) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// let settings = Settings::load(None, |name| std::env::var(name).ok())?;
    /// let resync = settings.resync(Mapping::from_yaml(yaml, Options::default())?)?;
    /// let sink = PortSink::new(settings.require_port_client()?);
    /// resync.run(&sink).await.into_result()?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// A [`SettingsError`] for unusable organizations or credentials, or a mapping whose
    /// kinds or selector options do not load.
    pub fn resync(&self, mapping: Mapping) -> Result<Resync, SettingsError> {
        Ok(Resync::with_plan(self.plan(mapping)?))
    }

    /// The [`SyncPlan`] of `mapping` for the configured organizations, leaving out the
    /// projects that carry an excluded tag: what a resync and live events share.
    ///
    /// # Errors
    ///
    /// As [`resync`](Self::resync).
    pub fn plan(&self, mapping: Mapping) -> Result<SyncPlan, SettingsError> {
        Ok(SyncPlan::new(mapping, self.organizations()?)?
            .excluded_tags(self.integration.config.excluded_tags.clone()))
    }
}

/// A non-empty environment variable and its name, for messages.
struct Var {
    variable: String,
    value: String,
}

impl Var {
    fn text(self) -> String {
        self.value
    }

    fn secret(self) -> Secret {
        Secret(self.value)
    }

    /// The value read with its type's [`FromStr`], or an error naming the variable.
    fn parse<T: FromStr<Err: fmt::Display>>(self) -> Result<T, SettingsError> {
        self.parse_with(|value| value.parse().map_err(|e: T::Err| e.to_string()))
    }

    /// The value read by `parse`, or an error naming the variable.
    fn parse_with<T>(
        self,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, SettingsError> {
        parse(&self.value).map_err(|message| SettingsError::Variable {
            variable: self.variable,
            message,
        })
    }
}

fn set<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

/// A list in one string: a JSON array of strings when it starts with `[`, else comma-separated
/// (blank items dropped).
fn parse_list(text: &str) -> Result<Vec<String>, String> {
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(text).map_err(|e| {
            format!("expected a JSON array of strings or a comma-separated list: {e}")
        });
    }
    Ok(text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect())
}

/// A positive number of minutes (`60`, `0.5`) as a duration.
/// Reads a duration written in some unit.
type ParseDuration = fn(&str) -> Result<Duration, String>;

fn parse_minutes(text: &str) -> Result<Duration, String> {
    parse_positive(text, "minutes", 60.0)
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    parse_positive(text, "seconds", 1.0)
}

/// A positive number of `unit`s (of `seconds_per_unit` seconds each), fractions allowed.
fn parse_positive(text: &str, unit: &str, seconds_per_unit: f64) -> Result<Duration, String> {
    let invalid = || format!("expected a positive number of {unit}, found `{text}`");
    let count: f64 = text.trim().parse().map_err(|_| invalid())?;
    if count <= 0.0 {
        return Err(invalid());
    }
    Duration::try_from_secs_f64(count * seconds_per_unit).map_err(|_| invalid())
}

/// Service URL templates keyed by service name.
fn parse_service_urls(
    templates: BTreeMap<String, String>,
) -> Result<BTreeMap<Service, String>, String> {
    templates
        .into_iter()
        .map(|(name, template)| {
            let service = name.parse::<Service>().map_err(|e| e.to_string())?;
            Ok((service, template))
        })
        .collect()
}

/// A value of the file read with its type's [`FromStr`].
fn parsed<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err: fmt::Display>,
{
    String::deserialize(d)?.parse().map_err(D::Error::custom)
}

/// An optional value of the file read with its type's [`FromStr`].
fn parsed_some<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err: fmt::Display>,
{
    parsed(d).map(Some)
}

/// A list of the file: a YAML list of strings, or one string as [`parse_list`] reads it.
fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::String(text) => parse_list(&text).map_err(D::Error::custom),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(text) => Ok(text),
                other => Err(D::Error::custom(format!(
                    "expected a list of strings, found {other}"
                ))),
            })
            .collect(),
        other => Err(D::Error::custom(format!("expected a list, found {other}"))),
    }
}

/// A number of minutes of the file, as a number or a string.
fn minutes<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    duration(d, "minutes", parse_minutes)
}

/// A number of seconds of the file, as a number or a string.
fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    duration(d, "seconds", parse_seconds)
}

/// A duration of the file in `unit`s, read by `parse`.
fn duration<'de, D: Deserializer<'de>>(
    d: D,
    unit: &str,
    parse: ParseDuration,
) -> Result<Option<Duration>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(text) => parse(&text).map(Some).map_err(D::Error::custom),
        Value::Number(n) => parse(&n.to_string()).map(Some).map_err(D::Error::custom),
        other => Err(D::Error::custom(format!(
            "expected a number of {unit}, found {other}"
        ))),
    }
}

/// `serviceUrls:` of the file.
fn service_urls<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<Service, String>, D::Error> {
    parse_service_urls(BTreeMap::deserialize(d)?).map_err(D::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lookup over `vars`, as the environment would answer.
    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn load_env(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        Settings::load(None, env(vars))
    }

    fn error(vars: &[(&str, &str)]) -> String {
        load_env(vars).expect_err("invalid settings").to_string()
    }

    #[test]
    fn a_resync_of_the_configured_organizations_checks_the_mapping() {
        let settings = load_env(&[
            (
                "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL",
                "https://dev.azure.com/fabrikam",
            ),
            ("OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN", "pat"),
        ])
        .expect("settings");
        let mapping = |kind: &str| {
            let yaml = format!(
                "resources:\n  - kind: {kind}\n    port:\n      entity:\n        mappings:\n          \
                 identifier: .id\n          blueprint: '\"b\"'\n"
            );
            Mapping::from_yaml(&yaml, mapping_engine::Options::default()).expect("mapping")
        };
        assert!(settings.resync(mapping("project")).is_ok());
        let error = settings
            .resync(mapping("widget"))
            .expect_err("unknown kind");
        assert!(matches!(error, SettingsError::Mapping(_)), "{error}");
        assert!(error.to_string().contains("widget"), "{error}");
    }

    #[test]
    fn environment_overrides_the_file_and_lists_parse_both_ways() {
        let dir = std::env::temp_dir().join(format!("ado-port-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("config.yaml");
        std::fs::write(
            &file,
            "port:\n  clientId: from-file\nintegration:\n  identifier: my-ado\n  config:\n    organizationUrl: https://dev.azure.com/a\n    excludedTags: [archived, legacy]\n    apiProfile: server-2020\n    accountMode: multiple accounts\nmapping: mapping.yaml\nscheduledResyncInterval: 60\n",
        )
        .expect("write settings");
        let vars = [
            ("OCEAN__PORT__CLIENT_ID", "from-env"),
            (
                "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URLS",
                "https://dev.azure.com/b/, https://dev.azure.com/c",
            ),
            (
                "OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN",
                "pat-value",
            ),
            ("OCEAN__INTEGRATION__CONFIG__CLIENT_SECRET", "sp-secret"),
            ("OCEAN__INTEGRATION__CONFIG__ACCOUNT_MODE", ""),
            ("OCEAN__SCHEDULED_RESYNC_INTERVAL", "1.5"),
            ("OCEAN__INCREMENTAL_RESYNC_INTERVAL", "0.25"),
            ("OCEAN__EVENT_LISTENER__INTERVAL", "2.5"),
        ];
        let s = Settings::load(Some(&file), env(&vars)).expect("valid settings");
        assert_eq!(s.port.client_id.as_deref(), Some("from-env"));
        assert_eq!(s.identifier(), "my-ado");
        assert_eq!(
            s.integration.config.organization_urls,
            ["https://dev.azure.com/b/", "https://dev.azure.com/c"]
        );
        assert_eq!(s.integration.config.excluded_tags, ["archived", "legacy"]);
        assert_eq!(
            s.integration.config.api_profile,
            Some(ApiProfile::Server2020)
        );
        assert_eq!(s.integration.config.account_mode, AccountMode::Multiple);
        assert_eq!(s.mapping, Some(dir.join("mapping.yaml")));
        assert_eq!(s.scheduled_resync_interval, Some(Duration::from_secs(90)));
        assert_eq!(s.incremental_resync_interval, Some(Duration::from_secs(15)));
        assert_eq!(s.event_listener_interval, Some(Duration::from_millis(2500)));
        let debug = format!("{s:?}");
        assert!(
            !debug.contains("pat-value") && !debug.contains("sp-secret"),
            "{debug}"
        );
        assert_eq!(
            parse_list(r#"["https://dev.azure.com/d"]"#),
            Ok(vec!["https://dev.azure.com/d".to_owned()])
        );
    }

    #[test]
    fn invalid_values_name_the_variable_and_what_is_accepted() {
        let message = error(&[("OCEAN__INTEGRATION__CONFIG__ACCOUNT_MODE", "Bogus")]);
        assert!(
            message.starts_with("OCEAN__INTEGRATION__CONFIG__ACCOUNT_MODE: ")
                && message.contains("`Bogus`")
                && message.contains("\"Multiple Accounts\""),
            "{message}"
        );
        for tags in ["[1,", "[1, 2]"] {
            let message = error(&[("OCEAN__INTEGRATION__CONFIG__EXCLUDED_TAGS", tags)]);
            assert!(
                message.starts_with("OCEAN__INTEGRATION__CONFIG__EXCLUDED_TAGS: ")
                    && message.contains("JSON array of strings"),
                "{message}"
            );
        }
        let message = error(&[("OCEAN__INTEGRATION__CONFIG__API_PROFILE", "server-2017")]);
        assert!(
            message.starts_with("OCEAN__INTEGRATION__CONFIG__API_PROFILE: ")
                && message.contains("server-2022"),
            "{message}"
        );
        let message = error(&[(
            "OCEAN__INTEGRATION__CONFIG__SERVICE_URLS",
            r#"{"vsts": "x"}"#,
        )]);
        assert!(
            message.starts_with("OCEAN__INTEGRATION__CONFIG__SERVICE_URLS: ")
                && message.contains("`vsts`"),
            "{message}"
        );
        let message = error(&[("OCEAN__INTEGRATION__CONFIG__SERVICE_URLS", "vsrm=x")]);
        assert!(message.contains("JSON object"), "{message}");
        for minutes in ["0", "-5", "soon", "NaN", "inf"] {
            let message = error(&[("OCEAN__SCHEDULED_RESYNC_INTERVAL", minutes)]);
            assert!(
                message.starts_with("OCEAN__SCHEDULED_RESYNC_INTERVAL: ")
                    && message.contains("positive number of minutes"),
                "{message}"
            );
        }
    }

    #[test]
    fn invalid_file_values_name_the_file() {
        let dir = std::env::temp_dir().join(format!("ado-port-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        for (name, text, needle) in [
            (
                "mode.yaml",
                "integration:\n  config:\n    accountMode: Bogus\n",
                "`Bogus`",
            ),
            (
                "tags.yaml",
                "integration:\n  config:\n    excludedTags: [1]\n",
                "list of strings",
            ),
            ("key.yaml", "port:\n  clientSecrets: x\n", "clientSecrets"),
            (
                "interval.yaml",
                "scheduledResyncInterval: [1]\n",
                "number of minutes",
            ),
        ] {
            let file = dir.join(name);
            std::fs::write(&file, text).expect("write settings");
            let message = Settings::load(Some(&file), env(&[]))
                .expect_err(name)
                .to_string();
            assert!(
                message.contains(name) && message.contains(needle),
                "{message}"
            );
        }
    }

    #[test]
    fn account_modes_pick_organizations_and_credentials() {
        let single = [
            (
                "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL",
                "https://dev.azure.com/a/",
            ),
            (
                "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URLS",
                "https://dev.azure.com/b",
            ),
            ("OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN", "pat"),
        ];
        let clients = load_env(&single)
            .and_then(|s| s.organizations())
            .expect("single account");
        let urls: Vec<_> = clients.iter().map(|c| c.organization().url()).collect();
        assert_eq!(urls, ["https://dev.azure.com/a"]);

        let mut multiple = single.to_vec();
        multiple.push((
            "OCEAN__INTEGRATION__CONFIG__ACCOUNT_MODE",
            "Multiple Accounts",
        ));
        let message = load_env(&multiple)
            .and_then(|s| s.organizations())
            .expect_err("a PAT is not enough")
            .to_string();
        assert!(message.contains("service principal"), "{message}");
        multiple.extend([
            ("OCEAN__INTEGRATION__CONFIG__TENANT_ID", "tenant"),
            ("OCEAN__INTEGRATION__CONFIG__CLIENT_ID", "app"),
            ("OCEAN__INTEGRATION__CONFIG__CLIENT_SECRET", "sp-secret"),
        ]);
        let clients = load_env(&multiple)
            .and_then(|s| s.organizations())
            .expect("multiple accounts");
        let urls: Vec<_> = clients.iter().map(|c| c.organization().url()).collect();
        assert_eq!(urls, ["https://dev.azure.com/b"]);
        assert!(!format!("{clients:?}").contains("sp-secret"));

        let message = load_env(&[])
            .and_then(|s| s.organizations())
            .expect_err("nothing configured")
            .to_string();
        assert!(
            message.contains("OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL"),
            "{message}"
        );
        let message = load_env(&single[..1])
            .and_then(|s| s.organizations())
            .expect_err("no credential")
            .to_string();
        assert!(message.contains("PERSONAL_ACCESS_TOKEN"), "{message}");
    }

    #[test]
    fn profiles_are_explicit_or_inferred_with_service_urls() {
        let server = [
            (
                "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL",
                "http://127.0.0.1:9/fabrikam",
            ),
            ("OCEAN__INTEGRATION__CONFIG__PERSONAL_ACCESS_TOKEN", "pat"),
        ];
        let profile = |vars: &[(&str, &str)]| {
            load_env(vars)
                .and_then(|s| s.organizations())
                .expect("valid")[0]
                .profile()
        };
        assert_eq!(profile(&server), ApiProfile::Server2022);
        let mut proxied = server.to_vec();
        proxied.push((
            "OCEAN__INTEGRATION__CONFIG__SERVICE_URLS",
            r#"{"vsaex": "http://127.0.0.1:9/vsaex/{organization}"}"#,
        ));
        assert_eq!(profile(&proxied), ApiProfile::Cloud);
        proxied.push(("OCEAN__INTEGRATION__CONFIG__API_PROFILE", "server-2019"));
        assert_eq!(profile(&proxied), ApiProfile::Server2019);
    }

    #[test]
    fn debug_hides_credentials_inside_urls() {
        let settings = load_env(&[
            (
                "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL",
                "https://user:hunter2@dev.azure.com/a",
            ),
            (
                "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URLS",
                "https://hunter2@dev.azure.com/b/x?y=@",
            ),
            ("OCEAN__PORT__BASE_URL", "https://u:hunter2@api.getport.io"),
        ])
        .expect("valid");
        let debug = format!("{settings:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(
            debug.contains("https://<redacted>@dev.azure.com/b/x?y=@"),
            "{debug}"
        );
        assert_eq!(
            redact_url("https://dev.azure.com/a"),
            "https://dev.azure.com/a"
        );
    }

    #[test]
    fn ssl_cert_variables_add_the_system_bundle_to_what_they_name() {
        let dir = std::env::temp_dir().join(format!("ado-port-bundles-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let second = dir.join("second.pem");
        std::fs::write(&second, "second").expect("write");
        let missing = dir.join("missing.pem");
        let candidates = [
            missing.to_str().expect("utf-8"),
            second.to_str().expect("utf-8"),
        ];
        assert_eq!(first_bundle(&candidates), Some(b"second".to_vec()));
        assert_eq!(first_bundle(&candidates[..1]), None);
        std::fs::remove_dir_all(&dir).expect("cleanup");

        let system = first_bundle(&SYSTEM_CA_BUNDLES);
        for variable in ["SSL_CERT_FILE", "SSL_CERT_DIR"] {
            let settings = load_env(&[(variable, "/corp/ca.pem")]).expect("valid");
            assert_eq!(
                settings.extra_root_certificates,
                Vec::from_iter(system.clone())
            );
        }
        let plain = load_env(&[]).expect("valid");
        assert!(plain.extra_root_certificates.is_empty());
    }

    #[test]
    fn port_client_needs_both_credentials() {
        let id_only = load_env(&[("OCEAN__PORT__CLIENT_ID", "id")]).expect("valid");
        assert!(id_only.port_client().expect("valid").is_none());
        let message = id_only
            .require_port_client()
            .expect_err("no secret")
            .to_string();
        assert!(message.contains("OCEAN__PORT__CLIENT_SECRET"), "{message}");
        let settings = load_env(&[
            ("OCEAN__PORT__CLIENT_ID", "id"),
            ("OCEAN__PORT__CLIENT_SECRET", "port-secret"),
            ("OCEAN__PORT__BASE_URL", "http://127.0.0.1:9/"),
            ("OCEAN__INTEGRATION__IDENTIFIER", "my-ado"),
        ])
        .expect("valid");
        let port = settings.require_port_client().expect("client");
        assert_eq!(port.identity().identifier, "my-ado");
        assert!(!format!("{settings:?} {port:?}").contains("port-secret"));
    }
}
