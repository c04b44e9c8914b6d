//! What a resync and live events share: the compiled mapping with each resource's kind and
//! validated selector options, the organizations, and the projects left out.

use std::sync::Arc;

use ado_client::AdoClient;
use mapping_engine::Mapping;
use serde_json::Value;

use crate::error::LoadError;
use crate::kinds::{Kind, KindNameError, KindRequest};
use crate::sink::WriteOptions;

/// A mapping ready to sync `organizations`: every resource's kind and selector options
/// checked once. Cheap to clone; [`Resync::with_plan`](crate::Resync::with_plan) and
/// [`LiveEvents::with_plan`](crate::LiveEvents::with_plan) take one, so a service's resyncs
/// and live events agree on what they sync.
///
/// ```no_run
/// use std::sync::Arc;
/// use ado_port_sync::{LiveEvents, PortSink, Resync, Settings};
/// use ado_port_sync::mapping::{Mapping, Options};
///
/// # async fn run(yaml: &str) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// let settings = Settings::load(None, |name| std::env::var(name).ok())?;
/// let plan = settings.plan(Mapping::from_yaml(yaml, Options::default())?)?;
/// let port = settings.require_port_client()?;
/// let live = LiveEvents::with_plan(plan.clone(), Arc::new(PortSink::new(port.clone())));
/// let report = Resync::with_plan(plan).run(&PortSink::new(port)).await;
/// # drop((live, report));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SyncPlan {
    pub(crate) mapping: Arc<Mapping>,
    /// Each resource's kind and options, in mapping order.
    pub(crate) requests: Arc<[KindRequest]>,
    pub(crate) organizations: Vec<AdoClient>,
    pub(crate) excluded_tags: Arc<[String]>,
}

impl SyncPlan {
    /// Checks every resource's kind and selector options.
    ///
    /// # Errors
    ///
    /// [`LoadError`] for an unknown kind, an unusable selector option, or no organization.
    pub fn new(mapping: Mapping, organizations: Vec<AdoClient>) -> Result<Self, LoadError> {
        if organizations.is_empty() {
            return Err(LoadError::NoOrganization);
        }
        let requests = mapping
            .resources
            .iter()
            .enumerate()
            .map(|(index, resource)| request(index, &resource.kind, &resource.selector_options))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            mapping: Arc::new(mapping),
            requests,
            organizations,
            excluded_tags: Arc::from(Vec::new()),
        })
    }

    /// The same organizations and excluded projects with another mapping, checked as
    /// [`new`](Self::new) checks it.
    ///
    /// # Errors
    ///
    /// [`LoadError`] for an unknown kind or an unusable selector option.
    pub fn with_mapping(&self, mapping: Mapping) -> Result<Self, LoadError> {
        Ok(Self {
            excluded_tags: Arc::clone(&self.excluded_tags),
            ..Self::new(mapping, self.organizations.clone())?
        })
    }

    /// Leaves out projects carrying any of these tags (`excludedTags`), and everything in them.
    #[must_use]
    pub fn excluded_tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.excluded_tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// The compiled mapping.
    #[must_use]
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// The organizations.
    #[must_use]
    pub fn organizations(&self) -> &[AdoClient] {
        &self.organizations
    }

    /// The kinds of the mapping's resources, in mapping order.
    pub(crate) fn kinds(&self) -> impl Iterator<Item = Kind> + '_ {
        self.requests.iter().map(KindRequest::kind)
    }

    /// How the mapping's flags say entities are written.
    pub(crate) fn write_options(&self) -> WriteOptions {
        let settings = &self.mapping.settings;
        WriteOptions {
            merge: settings.enable_merge_entity,
            create_missing_related_entities: settings.create_missing_related_entities,
        }
    }
}

/// The kind and validated options of resource `index`.
fn request(
    index: usize,
    kind: &str,
    options: &serde_json::Map<String, Value>,
) -> Result<KindRequest, LoadError> {
    match kind.parse::<Kind>() {
        Ok(kind) => KindRequest::new(kind, options).map_err(|error| LoadError::InvalidOption {
            index,
            kind: kind.to_string(),
            error,
        }),
        Err(KindNameError::Unknown(kind)) => Err(LoadError::UnknownKind {
            index,
            kind,
            known: Kind::all()
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}
