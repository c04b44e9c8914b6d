//! Service hook subscriptions.

use serde::Deserialize;
use serde_json::{Map, Value};

/// A service hook subscription (`Subscription`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HookSubscription {
    /// Subscription id (GUID).
    pub id: String,
    /// Publisher of the event: `tfs`, `pipelines`, `rm`, `advsec`, ...
    pub publisher_id: String,
    /// Event, e.g. `git.push`.
    pub event_type: String,
    /// `enabled`, `onProbation`, `disabledByUser`, `disabledBySystem`,
    /// `disabledByInactiveIdentity`, ...; left out by some servers for enabled subscriptions.
    pub status: Option<String>,
    /// Consumer, e.g. `webHooks`.
    pub consumer_id: Option<String>,
    /// Consumer action, e.g. `httpRequest`.
    pub consumer_action_id: Option<String>,
    /// Event filters (`projectId`, `repository`, ...). Values are strings.
    pub publisher_inputs: Option<Map<String, Value>>,
    /// Consumer settings (`url`, ...). Secrets come back masked.
    pub consumer_inputs: Option<Map<String, Value>>,
    /// REST URL of the subscription.
    pub url: Option<String>,
}

impl HookSubscription {
    /// Whether the subscription delivers events: its status is absent, `enabled` or
    /// `onProbation` (delivering, after recent failures), not one of the `disabled*` states.
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        self.status
            .as_deref()
            .is_none_or(|status| !status.to_ascii_lowercase().starts_with("disabled"))
    }

    /// A publisher input, when it is a non-empty string.
    #[must_use]
    pub fn publisher_input(&self, name: &str) -> Option<&str> {
        input(self.publisher_inputs.as_ref(), name)
    }

    /// A consumer input, when it is a non-empty string.
    #[must_use]
    pub fn consumer_input(&self, name: &str) -> Option<&str> {
        input(self.consumer_inputs.as_ref(), name)
    }
}

fn input<'a>(inputs: Option<&'a Map<String, Value>>, name: &str) -> Option<&'a str> {
    inputs?
        .get(name)?
        .as_str()
        .filter(|value| !value.is_empty())
}
