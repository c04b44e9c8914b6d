//! Service hook subscriptions.
//!
//! Every call goes to the host of the subscription's publisher: the release host (`vsrm`) for
//! `rm`, the Advanced Security host for `advsec`, the organization otherwise. Listing on the
//! host that creates keeps a lookup from missing subscriptions another host holds.

use std::fmt;

use serde_json::{Map, Value, json};

use crate::client::AdoClient;
use crate::error::Result;
use crate::models::HookSubscription;
use crate::organization::Service;
use crate::pager::{Listed, Pager};
use crate::profile::Operation;
use crate::transport::Request;

/// The consumer of a web hook subscription.
const WEB_HOOKS: &str = "webHooks";
/// The consumer action of a web hook subscription: an HTTP POST of the event.
const HTTP_REQUEST: &str = "httpRequest";

/// The host that holds the subscriptions of `publisher_id`.
fn service(publisher_id: &str) -> Service {
    match publisher_id {
        "rm" => Service::Release,
        "advsec" => Service::AdvancedSecurity,
        _ => Service::Core,
    }
}

impl AdoClient {
    /// Lists the service hook subscriptions of a publisher, only those of `event_type` when
    /// set.
    pub fn hook_subscriptions(
        &self,
        publisher_id: &str,
        event_type: Option<&str>,
    ) -> Pager<HookSubscription> {
        let request =
            Request::on_host(service(publisher_id), Operation::ListHookSubscriptions, &[])
                .query("publisherId", publisher_id)
                .query_opt("eventType", event_type);
        self.list(request)
    }

    /// Creates a service hook subscription. A failure that may have reached the server is not
    /// retried, so the subscription is never created twice.
    ///
    /// # Errors
    ///
    /// Any request or decode error; a subscription the server refuses (an unknown event,
    /// missing permission) is an [`Error::Api`](crate::Error::Api).
    pub async fn create_hook_subscription(
        &self,
        subscription: &NewHookSubscription,
    ) -> Result<Listed<HookSubscription>> {
        let request = Request::on_host(
            service(&subscription.publisher_id),
            Operation::CreateHookSubscription,
            &[],
        )
        .json_body(subscription.body());
        self.get_listed(&request).await
    }

    /// Deletes the service hook subscription `id` of `publisher_id`.
    ///
    /// # Errors
    ///
    /// Any request error; an unknown id is an [`Error::Api`](crate::Error::Api) with status 404.
    pub async fn delete_hook_subscription(&self, publisher_id: &str, id: &str) -> Result<()> {
        let request = Request::on_host(
            service(publisher_id),
            Operation::DeleteHookSubscription,
            &[&id],
        );
        self.inner.send(&request).await.map(drop)
    }
}

/// A web hook subscription to create: Azure DevOps POSTs each `event_type` event of
/// `publisher_id` to a URL. Its `Debug` output never shows the basic authentication password.
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct NewHookSubscription {
    publisher_id: String,
    event_type: String,
    url: String,
    publisher_inputs: Map<String, Value>,
    basic_auth: Option<(String, String)>,
}

impl NewHookSubscription {
    /// A web hook (`webHooks`/`httpRequest`) for every `event_type` event of `publisher_id` in
    /// the organization, POSTed to `url`.
    pub fn web_hook(
        publisher_id: impl Into<String>,
        event_type: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        Self {
            publisher_id: publisher_id.into(),
            event_type: event_type.into(),
            url: url.into(),
            publisher_inputs: Map::new(),
            basic_auth: None,
        }
    }

    /// Adds an event filter (`projectId`, `repository`, `branch`, ...).
    pub fn publisher_input(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.publisher_inputs
            .insert(name.into(), Value::String(value.into()));
        self
    }

    /// Makes every delivery carry `Authorization: Basic` with these credentials.
    pub fn basic_auth(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.basic_auth = Some((username.into(), password.into()));
        self
    }

    /// The publisher, e.g. `tfs`.
    #[must_use]
    pub fn publisher_id(&self) -> &str {
        &self.publisher_id
    }

    /// The event, e.g. `git.push`.
    #[must_use]
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The URL events are POSTed to.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    fn body(&self) -> Value {
        let mut consumer_inputs = Map::new();
        consumer_inputs.insert("url".to_owned(), Value::String(self.url.clone()));
        if let Some((username, password)) = &self.basic_auth {
            consumer_inputs.insert("basicAuthUsername".to_owned(), json!(username));
            consumer_inputs.insert("basicAuthPassword".to_owned(), json!(password));
        }
        json!({
            "publisherId": self.publisher_id,
            "eventType": self.event_type,
            "consumerId": WEB_HOOKS,
            "consumerActionId": HTTP_REQUEST,
            "publisherInputs": self.publisher_inputs,
            "consumerInputs": consumer_inputs,
        })
    }
}

impl fmt::Debug for NewHookSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewHookSubscription")
            .field("publisher_id", &self.publisher_id)
            .field("event_type", &self.event_type)
            .field("url", &self.url)
            .field("publisher_inputs", &self.publisher_inputs)
            .field(
                "basic_auth_username",
                &self.basic_auth.as_ref().map(|(username, _)| username),
            )
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishers_map_to_their_hosts() {
        assert_eq!(service("tfs"), Service::Core);
        assert_eq!(service("pipelines"), Service::Core);
        assert_eq!(service("rm"), Service::Release);
        assert_eq!(service("advsec"), Service::AdvancedSecurity);
    }

    #[test]
    fn debug_hides_the_password() {
        let subscription = NewHookSubscription::web_hook("tfs", "git.push", "https://h/x")
            .basic_auth("port", "hunter2");
        let debug = format!("{subscription:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("port"), "{debug}");
        assert_eq!(
            subscription.body()["consumerInputs"]["basicAuthPassword"],
            "hunter2"
        );
    }
}
