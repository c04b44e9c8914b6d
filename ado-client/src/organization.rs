//! An Azure DevOps organization (cloud) or project collection (Server) and its service hosts.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::error::{Error, Result};

/// An Azure DevOps service that may live on its own host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Service {
    /// Core, Git, Build, Pipelines, Policy, Distributed Task...: the organization URL itself.
    Core,
    /// Classic release management (`vsrm`).
    Release,
    /// Graph: users, groups, memberships (`vssps`).
    Graph,
    /// Member entitlement management (`vsaex`).
    Entitlements,
    /// Advanced Security (`advsec`).
    AdvancedSecurity,
    /// Analytics OData (`analytics`).
    Analytics,
}

impl Service {
    /// Every service, in declaration order.
    pub const ALL: [Self; 6] = [
        Self::Core,
        Self::Release,
        Self::Graph,
        Self::Entitlements,
        Self::AdvancedSecurity,
        Self::Analytics,
    ];

    /// The cloud subdomain of the service, `None` for [`Service::Core`].
    #[must_use]
    pub fn subdomain(self) -> Option<&'static str> {
        match self {
            Self::Core => None,
            Self::Release => Some("vsrm"),
            Self::Graph => Some("vssps"),
            Self::Entitlements => Some("vsaex"),
            Self::AdvancedSecurity => Some("advsec"),
            Self::Analytics => Some("analytics"),
        }
    }
}

/// The service's cloud subdomain (`vsrm`, `vssps`, `vsaex`, `advsec`, `analytics`), or `core`;
/// [`FromStr`] reads it back.
impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.subdomain().unwrap_or("core"))
    }
}

/// Reads a service by its [`Display`](fmt::Display) name, ignoring ASCII case.
impl FromStr for Service {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|service| service.to_string().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::Config(format!(
                    "unknown service `{s}` (expected vsrm, vssps, vsaex, advsec, analytics or core)"
                ))
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HostForm {
    /// `https://dev.azure.com/{org}`
    DevAzure,
    /// `https://{org}.visualstudio.com`
    VisualStudio,
    /// Azure DevOps Server collection URL, or any other host.
    Other,
}

/// An organization (Azure DevOps Services) or project collection (Azure DevOps Server).
///
/// Parsed from the URL users copy from their browser:
///
/// | URL | [`name`](Self::name) | release host |
/// |---|---|---|
/// | `https://dev.azure.com/fabrikam` | `fabrikam` | `https://vsrm.dev.azure.com/fabrikam` |
/// | `https://fabrikam.visualstudio.com` | `fabrikam` | `https://fabrikam.vsrm.visualstudio.com` |
/// | `https://tfs.local:8080/tfs/DefaultCollection` | `DefaultCollection` | the collection URL |
///
/// Any service host can be overridden with a URL template containing `{organization}`, for
/// proxies, sovereign clouds and tests:
///
/// ```
/// use ado_client::{Organization, Service};
///
/// let org: Organization = "https://dev.azure.com/fabrikam/".parse()?;
/// assert_eq!(org.name(), "fabrikam");
/// assert_eq!(org.url(), "https://dev.azure.com/fabrikam");
/// assert_eq!(org.service_url(Service::Release).as_str(), "https://vsrm.dev.azure.com/fabrikam");
///
/// let org = org.with_service_url(Service::Release, "https://proxy.example/vsrm/{organization}")?;
/// assert_eq!(org.service_url(Service::Release).as_str(), "https://proxy.example/vsrm/fabrikam");
/// # Ok::<(), ado_client::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Organization {
    url: Url,
    name: String,
    form: HostForm,
    overrides: BTreeMap<Service, Url>,
}

impl Organization {
    /// Parses an organization or collection URL. A trailing slash is ignored.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] when the URL is not http(s), carries credentials, a query or a
    /// fragment, or lacks the organization (collection) part.
    pub fn parse(url: &str) -> Result<Self> {
        let trimmed = url.trim().trim_end_matches('/');
        let parsed = Url::parse(trimmed).map_err(|e| invalid(format!("`{trimmed}`: {e}")))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(invalid(
                "the URL must not contain credentials; pass them as a Credential".to_owned(),
            ));
        }
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid(format!(
                "`{trimmed}`: the scheme must be http or https"
            )));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(invalid(format!(
                "`{trimmed}`: the URL must not have a query or fragment"
            )));
        }
        let host = parsed
            .host_str()
            .ok_or_else(|| invalid(format!("`{trimmed}`: the URL has no host")))?
            .to_ascii_lowercase();
        let segments: Vec<&str> = parsed
            .path_segments()
            .map(|s| s.filter(|seg| !seg.is_empty()).collect())
            .unwrap_or_default();

        let (form, name) = if host == "dev.azure.com" {
            match segments.as_slice() {
                [org] => (HostForm::DevAzure, (*org).to_owned()),
                _ => {
                    return Err(invalid(format!(
                        "`{trimmed}`: expected https://dev.azure.com/{{organization}}"
                    )));
                }
            }
        } else if let Some(org) = host.strip_suffix(".visualstudio.com") {
            if org.is_empty() || org.contains('.') || !segments.is_empty() {
                return Err(invalid(format!(
                    "`{trimmed}`: expected https://{{organization}}.visualstudio.com"
                )));
            }
            (HostForm::VisualStudio, org.to_owned())
        } else {
            match segments.last() {
                Some(last) => (HostForm::Other, percent_decode(last)),
                None => {
                    return Err(invalid(format!(
                        "`{trimmed}`: a Server URL must end with the collection, e.g. https://server/tfs/DefaultCollection"
                    )));
                }
            }
        };
        Ok(Self {
            url: parsed,
            name,
            form,
            overrides: BTreeMap::new(),
        })
    }

    /// Points `service` at a URL built from `template`, where `{organization}` stands for
    /// [`name`](Self::name). A trailing slash is ignored.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] when the expanded template is not an http(s) URL.
    pub fn with_service_url(mut self, service: Service, template: &str) -> Result<Self> {
        let expanded = template.replace("{organization}", &self.name);
        let expanded = expanded.trim().trim_end_matches('/');
        let url = Url::parse(expanded)
            .map_err(|e| invalid(format!("service URL for {service} `{expanded}`: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(invalid(format!(
                "service URL for {service} `{expanded}` must be an http(s) URL"
            )));
        }
        self.overrides.insert(service, url);
        Ok(self)
    }

    /// The organization (cloud) or collection (Server) name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL as configured, without a trailing slash.
    #[must_use]
    pub fn url(&self) -> &str {
        self.url.as_str().trim_end_matches('/')
    }

    /// Whether any service has a URL override ([`with_service_url`](Self::with_service_url)).
    #[must_use]
    pub fn has_service_url_overrides(&self) -> bool {
        !self.overrides.is_empty()
    }

    /// Whether this is Azure DevOps Services (`dev.azure.com` or `*.visualstudio.com`).
    #[must_use]
    pub fn is_cloud(&self) -> bool {
        self.form != HostForm::Other
    }

    /// The base URL of `service`: its override if one is set, else the cloud service host, else
    /// (Server and other hosts) the collection URL itself.
    #[must_use]
    pub fn service_url(&self, service: Service) -> Url {
        if let Some(url) = self.overrides.get(&service) {
            return url.clone();
        }
        let built = match (service.subdomain(), self.form) {
            (None, _) | (_, HostForm::Other) => None,
            (Some(sub), HostForm::DevAzure) => {
                Url::parse(&format!("https://{sub}.dev.azure.com/{}", self.name)).ok()
            }
            (Some(sub), HostForm::VisualStudio) => {
                Url::parse(&format!("https://{}.{sub}.visualstudio.com", self.name)).ok()
            }
        };
        built.unwrap_or_else(|| self.url.clone())
    }
}

fn invalid(reason: String) -> Error {
    Error::InvalidUrl { reason }
}

fn percent_decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("n={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map_or_else(|| segment.to_owned(), |(_, v)| v.into_owned())
}

impl FromStr for Organization {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl fmt::Display for Organization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url())
    }
}

impl fmt::Debug for Organization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Organization")
            .field("url", &self.url())
            .field("name", &self.name)
            .field("overrides", &self.overrides.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(url: &str) -> Organization {
        Organization::parse(url).expect("valid organization URL")
    }

    #[test]
    fn dev_azure_com() {
        let o = org("https://dev.azure.com/fabrikam/");
        assert_eq!(o.name(), "fabrikam");
        assert_eq!(o.url(), "https://dev.azure.com/fabrikam");
        assert!(o.is_cloud());
        assert_eq!(
            o.service_url(Service::Core).as_str(),
            "https://dev.azure.com/fabrikam"
        );
        assert_eq!(
            o.service_url(Service::Release).as_str(),
            "https://vsrm.dev.azure.com/fabrikam"
        );
        assert_eq!(
            o.service_url(Service::Graph).as_str(),
            "https://vssps.dev.azure.com/fabrikam"
        );
        assert_eq!(
            o.service_url(Service::Entitlements).as_str(),
            "https://vsaex.dev.azure.com/fabrikam"
        );
        assert_eq!(
            o.service_url(Service::AdvancedSecurity).as_str(),
            "https://advsec.dev.azure.com/fabrikam"
        );
        assert_eq!(
            o.service_url(Service::Analytics).as_str(),
            "https://analytics.dev.azure.com/fabrikam"
        );
    }

    #[test]
    fn visualstudio_com() {
        let o = org("https://Fabrikam.visualstudio.com");
        assert_eq!(o.name(), "fabrikam");
        assert!(o.is_cloud());
        assert_eq!(
            o.service_url(Service::Release).as_str(),
            "https://fabrikam.vsrm.visualstudio.com/"
        );
        assert_eq!(
            o.service_url(Service::Graph).as_str(),
            "https://fabrikam.vssps.visualstudio.com/"
        );
        // A "dev." inside the name does not confuse the advsec host.
        let o = org("https://mydev.visualstudio.com");
        assert_eq!(
            o.service_url(Service::AdvancedSecurity).as_str(),
            "https://mydev.advsec.visualstudio.com/"
        );
    }

    #[test]
    fn server_collection() {
        let o = org("https://tfs.local:8080/tfs/DefaultCollection/");
        assert_eq!(o.name(), "DefaultCollection");
        assert_eq!(o.url(), "https://tfs.local:8080/tfs/DefaultCollection");
        assert!(!o.is_cloud());
        for service in [Service::Core, Service::Release, Service::Graph] {
            assert_eq!(
                o.service_url(service).as_str(),
                "https://tfs.local:8080/tfs/DefaultCollection"
            );
        }
        let o = org("http://127.0.0.1:4321/my%20org");
        assert_eq!(o.name(), "my org");
    }

    #[test]
    fn overrides_expand_the_organization() {
        let o = org("https://dev.azure.com/fabrikam")
            .with_service_url(Service::Release, "http://127.0.0.1:9/vsrm/{organization}/")
            .expect("valid template");
        assert_eq!(
            o.service_url(Service::Release).as_str(),
            "http://127.0.0.1:9/vsrm/fabrikam"
        );
        assert!(
            org("https://dev.azure.com/fabrikam")
                .with_service_url(Service::Graph, "not a url")
                .is_err()
        );
    }

    #[test]
    fn service_names_round_trip() {
        for service in Service::ALL {
            assert_eq!(service.to_string().parse::<Service>().ok(), Some(service));
        }
        assert_eq!("VSAEX".parse::<Service>().ok(), Some(Service::Entitlements));
        let error = "vsts".parse::<Service>().expect_err("unknown").to_string();
        assert!(
            error.contains("`vsts`") && error.contains("vsrm"),
            "{error}"
        );
    }

    #[test]
    fn malformed_urls_are_clear_errors() {
        for (url, needle) in [
            ("dev.azure.com/fabrikam", "relative URL"),
            ("ftp://dev.azure.com/fabrikam", "scheme"),
            ("https://dev.azure.com", "dev.azure.com/{organization}"),
            ("https://dev.azure.com/a/b", "dev.azure.com/{organization}"),
            ("https://fabrikam.visualstudio.com/x", "visualstudio.com"),
            ("https://server:8080", "collection"),
            ("https://dev.azure.com/fabrikam?x=1", "query"),
        ] {
            let error = Organization::parse(url).expect_err(url).to_string();
            assert!(error.contains(needle), "{url}: {error}");
        }
        let error = Organization::parse("https://user:hunter2@dev.azure.com/fabrikam")
            .expect_err("credentials")
            .to_string();
        assert!(!error.contains("hunter2"), "{error}");
    }
}
