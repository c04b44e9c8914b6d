//! Typed models of Azure DevOps resources.
//!
//! Every model is `#[non_exhaustive]`, reads camelCase JSON, ignores unknown fields, and makes
//! optional every field some api-version may leave out. Dates are timestamps (`None` when
//! missing, unreadable or Azure DevOps' "unset" `0001-01-01T00:00:00`). The untouched JSON of each item is always available next
//! to the model through [`Listed::raw`](crate::Listed::raw).

mod advsec;
mod build;
mod core;
mod date;
mod git;
mod hook_events;
mod hooks;
mod identity;
mod pipelines;
mod release;
mod test;
mod wiki;
mod work;

pub use self::advsec::AdvancedSecurityAlert;
pub use self::build::{Build, BuildDefinitionReference, TimelineRecord};
pub use self::core::{
    IdentityRef, Project, ProjectDetails, ProjectProperty, ProjectReference, Team, TeamMember,
    TeamReference,
};
pub use self::git::{
    GitItem, GitRef, GitRepository, PolicyConfiguration, PolicyTypeRef, PullRequest,
};
pub use self::hook_events::{
    AlertEventResource, BuildResource, ChangedItem, ContainerRef, GitChange, GitPushResource,
    HookDeployment, HookEvent, HookId, HookProject, HookRelease, HookReleaseEnvironment,
    HookRepository, HookRun, HookStage, PipelineEventResource, PullRequestResource, PushCommit,
    RefUpdate, ReleaseEventResource, RepositoryResource, ResourceContainers, WorkItemResource,
    WorkItemRevision,
};
pub use self::hooks::HookSubscription;
pub use self::identity::{
    AccessLevel, GraphGroup, GraphMembership, GraphUser, SubjectLookup, UserEntitlement,
};
pub use self::pipelines::{
    Environment, EnvironmentDeploymentRecord, Pipeline, PipelineReference, PipelineRun,
};
pub use self::release::{
    Release, ReleaseDefinition, ReleaseDefinitionReference, ReleaseDeployment, ReleaseReference,
};
pub use self::test::{BuildCoverage, ShallowReference, TestCaseResult, TestRun};
pub use self::wiki::{Wiki, WikiPage, WikiVersion};
pub use self::work::{
    Board, BoardColumn, BoardReference, ClassificationNode, IterationAttributes,
    TeamSettingsIteration, WorkItem, WorkItemQueryResult, WorkItemReference,
};
