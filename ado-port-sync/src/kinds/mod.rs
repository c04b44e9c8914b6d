//! The kinds this crate syncs. Each kind lives in its own module: its name, the Azure DevOps
//! calls it makes, the enrichment fields it adds, its selector options (parsing and defaults),
//! how it lists its items (fully, or only those changed since a time) and how a live event
//! reads one of them. One registry, [`Kind::all`], lists them.
//!
//! Every item of every kind also carries `__organizationUrl` (the organization URL as
//! configured, without a trailing slash) and `__organizationName`.

mod advanced_security_alert;
mod area_path;
mod board;
mod branch;
mod build;
mod column;
mod environment;
mod file;
mod folder;
mod glob;
mod group;
mod group_member;
mod item;
mod iteration;
mod listing;
mod member;
mod options;
mod pipeline;
mod pipeline_deployment;
mod pipeline_run;
mod pipeline_stage;
mod project;
mod pull_request;
mod release;
mod release_definition;
mod release_deployment;
mod repository;
mod repository_policy;
mod team;
mod test_run;
mod user;
mod wiki;
mod work_item;

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use serde_json::{Map, Value};

pub use self::area_path::DEFAULT_AREA_DEPTH;
use self::item::LookupResult;
pub(crate) use self::item::{ItemKey, Lookup};
pub use self::options::OptionError;
pub use self::pull_request::{DEFAULT_PR_MAX_RESULTS, DEFAULT_PR_MIN_TIME_IN_DAYS};
pub use self::release_definition::DEFAULT_RELEASE_DEFINITION_EXPAND;
pub use self::test_run::DEFAULT_COVERAGE_FLAGS;
pub use self::work_item::DEFAULT_WORK_ITEM_EXPAND;
use crate::org::{OrgScope, ProjectEntry};

/// Declares a [`Kind`] constant per kind and [`REGISTRY`], the list of them all.
macro_rules! registry {
    ($($(#[$doc:meta])* $constant:ident = $kind:ty,)*) => {
        impl Kind {
            $($(#[$doc])* pub const $constant: Kind = Kind::of::<$kind>();)*
        }

        /// Every kind, in the order an unknown kind's error lists them: the one list of kinds.
        static REGISTRY: &[Kind] = &[$(Kind::$constant),*];
    };
}

registry! {
    /// `project`
    PROJECT = project::Project,
    /// `repository`
    REPOSITORY = repository::Repository,
    /// `repository-policy`
    REPOSITORY_POLICY = repository_policy::RepositoryPolicy,
    /// `user`
    USER = user::User,
    /// `team`
    TEAM = team::Team,
    /// `pull-request`
    PULL_REQUEST = pull_request::PullRequest,
    /// `build`
    BUILD = build::Build,
    /// `pipeline-stage`
    PIPELINE_STAGE = pipeline_stage::PipelineStage,
    /// `pipeline-run`
    PIPELINE_RUN = pipeline_run::PipelineRun,
    /// `environment`
    ENVIRONMENT = environment::Environment,
    /// `release-deployment`
    RELEASE_DEPLOYMENT = release_deployment::ReleaseDeployment,
    /// `pipeline-deployment`
    PIPELINE_DEPLOYMENT = pipeline_deployment::PipelineDeployment,
    /// `pipeline`
    PIPELINE = pipeline::Pipeline,
    /// `release`
    RELEASE = release::Release,
    /// `branch`
    BRANCH = branch::Branch,
    /// `member`
    MEMBER = member::Member,
    /// `iteration`
    ITERATION = iteration::Iteration,
    /// `area-path`
    AREA_PATH = area_path::AreaPath,
    /// `release-definition`
    RELEASE_DEFINITION = release_definition::ReleaseDefinition,
    /// `work-item`
    WORK_ITEM = work_item::WorkItem,
    /// `board`
    BOARD = board::Board,
    /// `column`
    COLUMN = column::Column,
    /// `test-run`
    TEST_RUN = test_run::TestRun,
    /// `group`
    GROUP = group::Group,
    /// `group-member`
    GROUP_MEMBER = group_member::GroupMember,
    /// `advanced-security-alert`
    ADVANCED_SECURITY_ALERT = advanced_security_alert::AdvancedSecurityAlert,
    /// `wiki`
    WIKI = wiki::Wiki,
    /// `folder`
    FOLDER = folder::Folder,
    /// `file`
    FILE = file::File,
}

/// Raw items of one kind, enriched; an `Err` reports a failed call and the stream goes on.
pub type ItemStream = BoxStream<'static, Result<Value, ado_client::Error>>;

/// What a kind does, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindSpec {
    /// Its name in a mapping.
    pub name: &'static str,
    /// The Azure DevOps calls it makes, in order.
    pub calls: &'static [&'static str],
    /// The enrichment fields it adds, besides the organization fields.
    pub enrichment: &'static [&'static str],
    /// Its selector options.
    pub options: &'static [&'static str],
    /// Whether an incremental resync lists only its items changed since a time (its calls say
    /// how); a kind that does not is listed fully.
    pub lists_changes: bool,
}

/// One kind, implemented in the kind's module by the kind's validated selector options, and
/// registered with one line in [`REGISTRY`]: what it is ([`KindSpec`]), how it lists its
/// items, how a live event reads one, and how its selector options are read.
pub(crate) trait KindSource: fmt::Debug + Send + Sync + Sized + 'static {
    /// Its name in a mapping.
    const NAME: &'static str;
    /// The Azure DevOps calls it makes, in order.
    const CALLS: &'static [&'static str];
    /// The enrichment fields it adds, besides the organization fields.
    const ENRICHMENT: &'static [&'static str] = &[];
    /// Its selector options.
    const OPTIONS: &'static [&'static str] = &[];
    /// Whether it lists only its items changed since a time, when given one.
    const LISTS_CHANGES: bool = false;

    /// Streams the kind's enriched raw items for one organization, without the organization
    /// fields; `since` is only given to a kind that lists changes, which then lists only the
    /// items changed at or after it.
    fn items(&self, org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream;

    /// The items a live event's `key` names in `project`, enriched as [`items`](Self::items)
    /// lists them, without the organization fields. The kinds no event names keep this
    /// default.
    fn lookup(
        &self,
        _org: &OrgScope,
        _project: &ProjectEntry,
        _key: &ItemKey,
    ) -> impl Future<Output = LookupResult> + Send {
        std::future::ready(Ok(Lookup::other_kind(Self::NAME)))
    }

    /// Validates a resource's selector options (without `query`); options the kind does not
    /// know are left alone.
    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError>;
}

/// A registered kind, whatever the type of its options.
trait Registered: Sync {
    fn spec(&self) -> &'static KindSpec;
    fn request(&self, options: &Map<String, Value>) -> Result<Arc<dyn Selected>, OptionError>;
}

/// The registration of the kind `K`.
struct Entry<K>(PhantomData<fn() -> K>);

impl<K: KindSource> Entry<K> {
    const SPEC: KindSpec = KindSpec {
        name: K::NAME,
        calls: K::CALLS,
        enrichment: K::ENRICHMENT,
        options: K::OPTIONS,
        lists_changes: K::LISTS_CHANGES,
    };
}

impl<K: KindSource> Registered for Entry<K> {
    fn spec(&self) -> &'static KindSpec {
        &Self::SPEC
    }

    fn request(&self, options: &Map<String, Value>) -> Result<Arc<dyn Selected>, OptionError> {
        Ok(Arc::new(K::parse(options)?))
    }
}

/// A kind's validated options, whatever their type.
trait Selected: fmt::Debug + Send + Sync {
    fn items(&self, org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream;
    fn lookup<'a>(
        &'a self,
        org: &'a OrgScope,
        project: &'a ProjectEntry,
        key: &'a ItemKey,
    ) -> BoxFuture<'a, LookupResult>;
}

impl<K: KindSource> Selected for K {
    fn items(&self, org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream {
        KindSource::items(self, org, since)
    }

    fn lookup<'a>(
        &'a self,
        org: &'a OrgScope,
        project: &'a ProjectEntry,
        key: &'a ItemKey,
    ) -> BoxFuture<'a, LookupResult> {
        Box::pin(KindSource::lookup(self, org, project, key))
    }
}

/// A kind this crate can sync: [`Kind::all`] lists them, each also has a constant
/// ([`Kind::PULL_REQUEST`]...), and a kind parses from its name in a mapping
/// (`"pull-request".parse::<Kind>()`).
#[derive(Clone, Copy)]
pub struct Kind(&'static dyn Registered);

impl Kind {
    /// The handle of the kind `K`, for its constant.
    const fn of<K: KindSource>() -> Self {
        Self(&Entry::<K>(PhantomData))
    }

    /// Every kind this crate syncs.
    #[must_use]
    pub fn all() -> &'static [Kind] {
        REGISTRY
    }

    /// What this kind does.
    #[must_use]
    pub fn spec(self) -> &'static KindSpec {
        self.0.spec()
    }

    /// Whether an incremental resync can list only this kind's items changed since a time
    /// ([`KindSpec::lists_changes`]); every other kind is listed fully.
    #[must_use]
    pub fn lists_changes(self) -> bool {
        self.spec().lists_changes
    }

    /// The kind's name in a mapping (`pull-request`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        self.spec().name
    }
}

impl PartialEq for Kind {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Kind {}

impl Hash for Kind {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for Kind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Kind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Kind").field(&self.as_str()).finish()
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind name that is not in [`Kind::all`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KindNameError {
    /// A name no integration knows.
    #[error("unknown kind `{0}`")]
    Unknown(String),
}

impl FromStr for Kind {
    type Err = KindNameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        REGISTRY
            .iter()
            .find(|kind| kind.as_str() == name)
            .copied()
            .ok_or_else(|| KindNameError::Unknown(name.to_owned()))
    }
}

/// A kind with validated selector options: what to fetch.
#[derive(Debug, Clone)]
pub struct KindRequest {
    kind: Kind,
    options: Arc<dyn Selected>,
}

impl KindRequest {
    /// Validates `options` (a resource's selector without `query`) for `kind`. Options the
    /// kind does not know are ignored.
    ///
    /// # Errors
    ///
    /// [`OptionError`] naming the first unusable option.
    pub fn new(kind: Kind, options: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self {
            kind,
            options: kind.0.request(options)?,
        })
    }

    /// The kind.
    #[must_use]
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Streams the enriched raw items of this kind for one organization; with `since`, a kind
    /// that [lists changes](Kind::lists_changes) lists only the items changed at or after it.
    pub(crate) fn items(&self, org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream {
        let items = self.options.items(org, since);
        let org = Arc::clone(org);
        items.map_ok(move |item| org.stamp(item)).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &kind in Kind::all() {
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
            assert_eq!(kind.spec().name, kind.as_str());
        }
        // Every kind of the reference integration.
        assert_eq!(Kind::all().len(), 29);
        let distinct: std::collections::BTreeSet<Kind> = Kind::all().iter().copied().collect();
        assert_eq!(distinct.len(), Kind::all().len());
        assert_eq!(
            "widget".parse::<Kind>(),
            Err(KindNameError::Unknown("widget".into()))
        );
    }
}
