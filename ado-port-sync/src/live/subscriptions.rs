//! The service hook subscriptions that deliver to a server the events [`LiveEvents`] handles.
//!
//! One organization-wide web hook per event (no project filter), POSTing to
//! `{app host}/integration/webhook`. Reconciliation is idempotent: an enabled subscription with
//! the same publisher, event and URL is kept; disabled ones are deleted, and the event gets a
//! new subscription when no enabled one is left. Existing subscriptions are listed on the host
//! that creates them (see [`AdoClient::hook_subscriptions`]).
//!
//! [`LiveEvents`]: super::LiveEvents

use std::collections::BTreeSet;
use std::fmt;

use ado_client::models::HookSubscription;
use ado_client::{AdoClient, ApiProfile, NewHookSubscription, Operation};
use futures::TryStreamExt as _;

/// User name of the basic authentication a subscription sends when a password is set.
pub const WEBHOOK_USERNAME: &str = "port";

/// The path events are POSTed to, below the app host.
const WEBHOOK_PATH: &str = "/integration/webhook";

/// Events of publisher `tfs` handled everywhere.
const TFS_EVENTS: [&str; 9] = [
    "git.pullrequest.created",
    "git.pullrequest.updated",
    "git.pullrequest.merged",
    "git.push",
    "build.complete",
    "workitem.created",
    "workitem.updated",
    "workitem.restored",
    "workitem.deleted",
];
/// A `tfs` event Azure DevOps Services alone publishes.
const REPOSITORY_CREATED: &str = "git.repo.created";
/// Publisher of [`RUN_STATE_CHANGED`].
const PIPELINES: &str = "pipelines";
/// A pipeline run changed state (Azure DevOps Services and Server 2020+).
const RUN_STATE_CHANGED: &str = "ms.vss-pipelines.run-state-changed-event";

/// The `(publisher, event)` pairs to subscribe to on the server `client` talks to: the events
/// [`LiveEvents`](super::LiveEvents) handles that this server publishes.
#[must_use]
pub fn subscribed_events(client: &AdoClient) -> Vec<(&'static str, &'static str)> {
    let profile = client.profile();
    let mut events: Vec<_> = TFS_EVENTS.iter().map(|event| ("tfs", *event)).collect();
    if profile == ApiProfile::Cloud {
        events.push(("tfs", REPOSITORY_CREATED));
    }
    // The handler reads the run, so the event is useful exactly where runs can be read.
    if profile.api_version(Operation::GetPipelineRun).is_some() {
        events.push((PIPELINES, RUN_STATE_CHANGED));
    }
    events
}

/// Where subscriptions deliver: the URL, and the password of the basic authentication
/// (user [`WEBHOOK_USERNAME`]) when one is set. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    url: String,
    password: Option<String>,
}

impl WebhookTarget {
    /// Delivers to `{app_host}/integration/webhook` (a trailing slash of `app_host` is
    /// ignored), without authentication.
    #[must_use]
    pub fn new(app_host: &str) -> Self {
        Self {
            url: format!("{}{WEBHOOK_PATH}", app_host.trim().trim_end_matches('/')),
            password: None,
        }
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

    /// Whether `existing` delivers `event_type` of `publisher_id` for the whole organization
    /// to this target.
    fn matches(&self, existing: &HookSubscription, publisher_id: &str, event_type: &str) -> bool {
        existing.publisher_id == publisher_id
            && existing.event_type == event_type
            && existing.consumer_input("url") == Some(self.url.as_str())
            && existing.publisher_input("projectId").is_none()
    }

    fn subscription(&self, publisher_id: &str, event_type: &str) -> NewHookSubscription {
        let subscription = NewHookSubscription::web_hook(publisher_id, event_type, &self.url);
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
/// `target`, once.
///
/// # Errors
///
/// [`SubscriptionError`] on the first request that fails; the subscriptions created or deleted
/// before it stay.
pub async fn ensure_subscriptions(
    client: &AdoClient,
    target: &WebhookTarget,
) -> Result<SubscriptionReport, SubscriptionError> {
    let events = subscribed_events(client);
    let publishers: BTreeSet<&str> = events.iter().map(|(publisher, _)| *publisher).collect();
    let mut existing = Vec::new();
    for publisher in publishers {
        let listed: Vec<_> = client
            .hook_subscriptions(publisher, None)
            .try_collect()
            .await
            .map_err(|source| SubscriptionError {
                step: format!("listing the `{publisher}` service hook subscriptions"),
                source,
            })?;
        existing.extend(listed.into_iter().map(|listed| listed.item));
    }
    let mut report = SubscriptionReport::default();
    for (publisher, event) in events {
        let (enabled, disabled): (Vec<_>, Vec<_>) = existing
            .iter()
            .filter(|subscription| target.matches(subscription, publisher, event))
            .partition(|subscription| subscription.is_enabled());
        for subscription in disabled {
            client
                .delete_hook_subscription(publisher, &subscription.id)
                .await
                .map_err(|source| SubscriptionError {
                    step: format!(
                        "deleting the disabled {event} subscription {}",
                        subscription.id
                    ),
                    source,
                })?;
            report.deleted += 1;
        }
        if enabled.is_empty() {
            client
                .create_hook_subscription(&target.subscription(publisher, event))
                .await
                .map_err(|source| SubscriptionError {
                    step: format!("creating the {event} subscription"),
                    source,
                })?;
            report.created += 1;
        } else {
            report.kept += 1;
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
        assert_eq!(events.len(), 11);
        for (publisher, event) in events {
            let payload = json!({"eventType": event, "publisherId": publisher, "resource": {}});
            let envelope = Envelope::parse(&payload).expect("envelope");
            if let Err(reason) = envelope.changes() {
                assert!(!reason.contains("not handled"), "{event}: {reason}");
            }
        }
    }

    #[test]
    fn servers_get_the_events_they_publish() {
        let url = "https://tfs/tfs/DefaultCollection";
        let s2019 = subscribed_events(&client(url, ApiProfile::Server2019));
        assert_eq!(s2019.len(), 9);
        assert!(s2019.iter().all(|(publisher, _)| *publisher == "tfs"));
        let s2020 = subscribed_events(&client(url, ApiProfile::Server2020));
        assert!(s2020.contains(&(PIPELINES, RUN_STATE_CHANGED)));
        assert!(!s2020.contains(&("tfs", REPOSITORY_CREATED)));
    }

    #[test]
    fn the_target_url_and_debug() {
        let target = WebhookTarget::new(" https://port.example/ ").basic_auth_password("hunter2");
        assert_eq!(target.url(), "https://port.example/integration/webhook");
        let debug = format!("{target:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(!format!("{:?}", target.subscription("tfs", "git.push")).contains("hunter2"));
    }
}
