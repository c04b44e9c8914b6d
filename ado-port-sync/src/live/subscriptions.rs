//! The service hook subscriptions that deliver to a server the events [`LiveEvents`] handles.
//!
//! One web hook per event, organization-wide or per project, POSTing to
//! `{app host}/integration/webhook`. Reconciliation is idempotent: an enabled subscription with
//! the same publisher, event, URL and project is kept; disabled ones are deleted, and the event
//! gets a new subscription when no enabled one is left. Existing subscriptions are listed on
//! the host that creates them (see [`AdoClient::hook_subscriptions`]): the release host for
//! `rm`, the Advanced Security host for `advsec`.
//!
//! [`LiveEvents`]: super::LiveEvents

use std::fmt;
use std::sync::Arc;

use ado_client::models::HookSubscription;
use ado_client::{AdoClient, ApiProfile, NewHookSubscription, Operation};
use futures::TryStreamExt as _;

use crate::org::OrgScope;

/// User name of the basic authentication a subscription sends when a password is set.
pub const WEBHOOK_USERNAME: &str = "port";

/// Where an event is published.
#[derive(Clone, Copy)]
enum Availability {
    /// Azure DevOps Services and every Server version.
    Everywhere,
    /// Azure DevOps Services only.
    Cloud,
    /// Where the profile has this operation (the one the handler reads the item with).
    With(Operation),
}

/// Publisher of the Git, build and work item events.
const TFS: &str = "tfs";
/// Publisher of the YAML pipeline events.
const PIPELINES: &str = "pipelines";
/// Publisher of the classic release events (its subscriptions live on the release host).
const RELEASES: &str = "rm";
/// Publisher of the Advanced Security alert events (its subscriptions live on its host).
const ADVANCED_SECURITY: &str = "advsec";

/// Where pipeline runs can be read.
const RUNS: Availability = Availability::With(Operation::GetPipelineRun);
/// Where Advanced Security alerts can be read.
const ALERTS: Availability = Availability::With(Operation::GetAdvancedSecurityAlert);

/// Every event [`LiveEvents`](super::LiveEvents) handles: publisher, event type, where.
const EVENTS: [(&str, &str, Availability); 21] = [
    (TFS, "git.pullrequest.created", Availability::Everywhere),
    (TFS, "git.pullrequest.updated", Availability::Everywhere),
    (TFS, "git.pullrequest.merged", Availability::Everywhere),
    (TFS, "git.push", Availability::Everywhere),
    (TFS, "build.complete", Availability::Everywhere),
    (TFS, "workitem.created", Availability::Everywhere),
    (TFS, "workitem.updated", Availability::Everywhere),
    (TFS, "workitem.restored", Availability::Everywhere),
    (TFS, "workitem.deleted", Availability::Everywhere),
    (TFS, "git.repo.created", Availability::Cloud),
    (TFS, "git.repo.deleted", Availability::Cloud),
    (TFS, "git.repo.renamed", Availability::Cloud),
    (PIPELINES, "ms.vss-pipelines.run-state-changed-event", RUNS),
    (
        PIPELINES,
        "ms.vss-pipelines.stage-state-changed-event",
        RUNS,
    ),
    (
        RELEASES,
        "ms.vss-release.release-created-event",
        Availability::Everywhere,
    ),
    (
        RELEASES,
        "ms.vss-release.release-abandoned-event",
        Availability::Everywhere,
    ),
    (
        RELEASES,
        "ms.vss-release.deployment-started-event",
        Availability::Everywhere,
    ),
    (
        RELEASES,
        "ms.vss-release.deployment-completed-event",
        Availability::Everywhere,
    ),
    (
        ADVANCED_SECURITY,
        "ms.vss-alerts.alert-created-event",
        ALERTS,
    ),
    (
        ADVANCED_SECURITY,
        "ms.vss-alerts.alert-state-changed-event",
        ALERTS,
    ),
    (
        ADVANCED_SECURITY,
        "ms.vss-alerts.alert-updated-event",
        ALERTS,
    ),
];

/// The `(publisher, event)` pairs to subscribe to on the server `client` talks to: the events
/// [`LiveEvents`](super::LiveEvents) handles that this server publishes.
#[must_use]
pub fn subscribed_events(client: &AdoClient) -> Vec<(&'static str, &'static str)> {
    let profile = client.profile();
    EVENTS
        .iter()
        .filter(|(_, _, availability)| match availability {
            Availability::Everywhere => true,
            Availability::Cloud => profile == ApiProfile::Cloud,
            Availability::With(operation) => profile.api_version(*operation).is_some(),
        })
        .map(|(publisher, event, _)| (*publisher, *event))
        .collect()
}

/// Where subscriptions deliver: the URL, and the password of the basic authentication
/// (user [`WEBHOOK_USERNAME`]) when one is set. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    url: String,
    password: Option<String>,
    /// Per project, leaving out projects carrying these tags, instead of organization-wide.
    projects: Option<Arc<[String]>>,
}

impl WebhookTarget {
    /// Delivers to `{app_host}/integration/webhook` (a trailing slash of `app_host` is
    /// ignored), without authentication.
    #[must_use]
    pub fn new(app_host: &str) -> Self {
        Self {
            url: format!(
                "{}{}",
                app_host.trim().trim_end_matches('/'),
                super::WEBHOOK_PATHS[0]
            ),
            password: None,
            projects: None,
        }
    }

    /// Subscribes once per project (`publisherInputs.projectId`) instead of once for the
    /// organization, leaving out projects carrying any of `excluded_tags` (the reference
    /// integration's `isProjectsLimited`, with its `excludedTags`).
    #[must_use]
    pub fn limited_to_projects<I, S>(mut self, excluded_tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.projects = Some(excluded_tags.into_iter().map(Into::into).collect());
        self
    }

    /// Makes every delivery carry `Authorization: Basic` with user [`WEBHOOK_USERNAME`] and
    /// `password`.
    #[must_use]
    pub fn basic_auth_password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// The URL events are POSTed to.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether `existing` delivers `event_type` of `publisher_id` of `project` (the whole
    /// organization when `None`) to this target.
    fn matches(
        &self,
        existing: &HookSubscription,
        publisher_id: &str,
        event_type: &str,
        project: Option<&str>,
    ) -> bool {
        existing.publisher_id == publisher_id
            && existing.event_type == event_type
            && existing.consumer_input("url") == Some(self.url.as_str())
            && existing.publisher_input("projectId") == project
    }

    fn subscription(
        &self,
        publisher_id: &str,
        event_type: &str,
        project: Option<&str>,
    ) -> NewHookSubscription {
        let mut subscription = NewHookSubscription::web_hook(publisher_id, event_type, &self.url);
        if let Some(project) = project {
            subscription = subscription.publisher_input("projectId", project);
        }
        match &self.password {
            Some(password) => subscription.basic_auth(WEBHOOK_USERNAME, password),
            None => subscription,
        }
    }
}

impl fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("url", &self.url)
            .field("authenticated", &self.password.is_some())
            .field("projects", &self.projects)
            .finish()
    }
}

/// What [`ensure_subscriptions`] did in one organization.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubscriptionReport {
    /// Subscriptions created.
    pub created: usize,
    /// Enabled subscriptions already in place, kept.
    pub kept: usize,
    /// Disabled subscriptions deleted (their events got new ones unless an enabled one was
    /// kept).
    pub deleted: usize,
}

/// Setting up the subscriptions of an organization failed; the steps before it took effect.
#[derive(Debug, thiserror::Error)]
#[error("{step}: {source}{}", hint(source))]
pub struct SubscriptionError {
    /// What was being done, e.g. `creating the git.push subscription`.
    pub step: String,
    /// The Azure DevOps error.
    #[source]
    pub source: ado_client::Error,
}

impl SubscriptionError {
    /// Whether Azure DevOps rejected the credential or refused it the permission (HTTP 401 or
    /// 403, or no token could be obtained).
    #[must_use]
    pub fn is_authentication(&self) -> bool {
        matches!(self.source, ado_client::Error::Credential { .. })
            || self
                .source
                .status()
                .is_some_and(|status| matches!(status.as_u16(), 401 | 403))
    }
}

fn hint(source: &ado_client::Error) -> &'static str {
    if source.status().is_some_and(|status| status.as_u16() == 403) {
        " (managing service hooks needs the \"Edit subscriptions\" permission, and a personal \
         access token the \"Service Hooks (Read & write)\" scope)"
    } else {
        ""
    }
}

/// Makes the organization of `client` deliver every event of [`subscribed_events`] to
/// `target`, once (per project when the target is
/// [limited to projects](WebhookTarget::limited_to_projects)).
///
/// Subscriptions are listed on the host of their publisher (the release host for `rm`), the
/// one that creates them, so a later start finds them: matching ones are kept, disabled ones
/// deleted and created again.
///
/// # Errors
///
/// [`SubscriptionError`] on the first request that fails; the subscriptions created or deleted
/// before it stay.
///
/// ```no_run
/// use ado_port_sync::{WebhookTarget, ensure_subscriptions};
///
/// # async fn run(client: ado_port_sync::ado::AdoClient) -> Result<(), Box<dyn std::error::Error>> {
/// let target = WebhookTarget::new("https://ado-port.example.com")
///     .limited_to_projects(Vec::<String>::new())
///     .basic_auth_password("webhook-secret");
/// let report = ensure_subscriptions(&client, &target).await?;
/// println!("{} created, {} kept", report.created, report.kept);
/// # Ok(())
/// # }
/// ```
pub async fn ensure_subscriptions(
    client: &AdoClient,
    target: &WebhookTarget,
) -> Result<SubscriptionReport, SubscriptionError> {
    let events = subscribed_events(client);
    let scopes: Vec<Option<String>> = match &target.projects {
        None => vec![None],
        Some(excluded_tags) => OrgScope::new(client.clone(), Arc::clone(excluded_tags))
            .projects()
            .await
            .map_err(|source| SubscriptionError {
                step: "listing the projects to subscribe to".into(),
                source,
            })?
            .iter()
            .map(|project| Some(project.id.clone()))
            .collect(),
    };
    // Publisher by publisher, in the order of the table (the optional ones last), so one
    // that fails leaves those before it in place.
    let mut publishers: Vec<&str> = events.iter().map(|(publisher, _)| *publisher).collect();
    publishers.dedup();
    let mut report = SubscriptionReport::default();
    for publisher in publishers {
        let existing: Vec<HookSubscription> = client
            .hook_subscriptions(publisher, None)
            .map_ok(|listed| listed.item)
            .try_collect()
            .await
            .map_err(|source| SubscriptionError {
                step: format!("listing the `{publisher}` service hook subscriptions"),
                source,
            })?;
        let mut scoped = Vec::new();
        for (_, event) in events.iter().filter(|(p, _)| *p == publisher) {
            for project in &scopes {
                scoped.push((*event, project.as_deref()));
            }
        }
        for (event, project) in scoped {
            let scope = project.map_or_else(String::new, |id| format!(" of project {id}"));
            let (enabled, disabled): (Vec<_>, Vec<_>) = existing
                .iter()
                .filter(|subscription| target.matches(subscription, publisher, event, project))
                .partition(|subscription| subscription.is_enabled());
            for subscription in disabled {
                client
                    .delete_hook_subscription(publisher, &subscription.id)
                    .await
                    .map_err(|source| SubscriptionError {
                        step: format!(
                            "deleting the disabled {event} subscription{scope} {}",
                            subscription.id
                        ),
                        source,
                    })?;
                report.deleted += 1;
            }
            if enabled.is_empty() {
                client
                    .create_hook_subscription(&target.subscription(publisher, event, project))
                    .await
                    .map_err(|source| SubscriptionError {
                        step: format!("creating the {event} subscription{scope}"),
                        source,
                    })?;
                report.created += 1;
            } else {
                report.kept += 1;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::envelope::Envelope;
    use ado_client::{Credential, Organization};
    use serde_json::json;

    fn client(url: &str, profile: ApiProfile) -> AdoClient {
        let org = Organization::parse(url).expect("valid");
        AdoClient::builder(org, Credential::pat("x"))
            .api_profile(profile)
            .build()
            .expect("client")
    }

    #[test]
    fn every_subscribed_event_is_handled() {
        let cloud = client("https://dev.azure.com/fabrikam", ApiProfile::Cloud);
        let events = subscribed_events(&cloud);
        assert_eq!(events.len(), 21);
        for (publisher, event) in events {
            let payload = json!({"eventType": event, "publisherId": publisher, "resource": {}});
            let envelope = Envelope::parse(&payload).expect("envelope");
            // An empty resource names no item, but the event type is known.
            assert!(
                !matches!(envelope.changes(), Ok(None)),
                "{event} is not handled"
            );
        }
    }

    #[test]
    fn servers_get_the_events_they_publish() {
        let url = "https://tfs/tfs/DefaultCollection";
        let s2019 = subscribed_events(&client(url, ApiProfile::Server2019));
        assert_eq!(s2019.len(), 13);
        assert!(
            s2019
                .iter()
                .all(|(publisher, _)| [TFS, RELEASES].contains(publisher))
        );
        let s2020 = subscribed_events(&client(url, ApiProfile::Server2020));
        assert!(s2020.contains(&(PIPELINES, "ms.vss-pipelines.run-state-changed-event")));
        assert!(!s2020.contains(&(TFS, "git.repo.created")));
        assert!(
            !s2020
                .iter()
                .any(|(publisher, _)| *publisher == ADVANCED_SECURITY)
        );
    }

    #[test]
    fn release_events_are_routed_by_the_release_host() {
        let clients = [
            client("https://dev.azure.com/fabrikam", ApiProfile::Cloud),
            client("https://dev.azure.com/contoso", ApiProfile::Cloud),
        ];
        let payload = json!({
            "eventType": "ms.vss-release.release-created-event", "publisherId": "rm",
            "resource": {"release": {"id": 1, "url": "https://vsrm.dev.azure.com/contoso/p/_apis/Release/releases/1"}},
        });
        let envelope = Envelope::parse(&payload).expect("envelope");
        let routed = envelope.route(&clients).expect("routed");
        assert_eq!(routed.organization().name(), "contoso");
    }

    #[test]
    fn the_target_url_and_debug() {
        let target = WebhookTarget::new(" https://port.example/ ").basic_auth_password("hunter2");
        assert_eq!(target.url(), "https://port.example/integration/webhook");
        let debug = format!("{target:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(
            !format!("{:?}", target.subscription("tfs", "git.push", Some("p"))).contains("hunter2")
        );
    }
}
