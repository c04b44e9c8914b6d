//! The integration's own record in Port: mapping config, resync state, incremental cursors,
//! kind examples.

use jiff::Timestamp;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::PortClient;
use crate::error::{Error, Result};
use crate::transport::{ApiRequest, ApiResponse};

/// Status of a resync as reported to Port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResyncStatus {
    /// A resync is in progress.
    Running,
    /// The last resync finished successfully.
    Completed,
    /// The last resync failed.
    Failed,
    /// The last resync was cancelled.
    Aborted,
}

/// The resync state shown on the integration's page in Port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResyncState {
    /// Current status.
    pub status: ResyncStatus,
    /// When the last (or current) resync started.
    pub last_resync_start: Option<Timestamp>,
    /// When the last resync ended; `None` while running.
    pub last_resync_end: Option<Timestamp>,
    /// When the next scheduled resync is due.
    pub next_resync: Option<Timestamp>,
    /// Scheduled resync interval, in minutes.
    pub interval_minutes: Option<u64>,
}

impl ResyncState {
    /// A state with the given status and no times.
    pub fn new(status: ResyncStatus) -> Self {
        Self {
            status,
            last_resync_start: None,
            last_resync_end: None,
            next_resync: None,
            interval_minutes: None,
        }
    }
}

/// The resync-state body; Port spells the interval field `intervalInMinuets`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResyncStateBody {
    status: ResyncStatus,
    last_resync_start: Option<String>,
    last_resync_end: Option<String>,
    next_resync: Option<String>,
    #[serde(rename = "intervalInMinuets")]
    interval_in_minutes: Option<u64>,
}

impl From<&ResyncState> for ResyncStateBody {
    fn from(state: &ResyncState) -> Self {
        let text = |at: Option<Timestamp>| at.map(|at| at.to_string());
        Self {
            status: state.status,
            last_resync_start: text(state.last_resync_start),
            last_resync_end: text(state.last_resync_end),
            next_resync: text(state.next_resync),
            interval_in_minutes: state.interval_minutes,
        }
    }
}

#[derive(Deserialize)]
struct IntegrationResponse {
    integration: IntegrationRecord,
}

#[derive(Deserialize)]
struct IntegrationRecord {
    #[serde(default)]
    config: Value,
}

impl PortClient {
    /// The integration's mapping config (`integration.config` of `GET /v1/integration/{id}`),
    /// as JSON; `Null` when Port holds none.
    pub async fn integration_config(&self) -> Result<Value> {
        let identifier = &self.identity().identifier;
        let request = self.request(Method::GET, &["integration", identifier])?;
        let response: IntegrationResponse =
            self.send(&request, |r| r.json("get integration")).await?;
        Ok(response.integration.config)
    }

    /// Reports the resync state (`PATCH /v1/integration/{id}/resync-state`). Retried like
    /// any idempotent call: setting a state twice sets it once, and a resync must not stay
    /// `running` in Port because of one network blip.
    pub async fn patch_resync_state(&self, state: &ResyncState) -> Result<()> {
        let identifier = &self.identity().identifier;
        let request = self
            .request(Method::PATCH, &["integration", identifier, "resync-state"])?
            .json(&ResyncStateBody::from(state))?
            .retryable(true);
        self.send(&request, |_| Ok(())).await
    }

    /// The cursor of an incremental resync for the resource at `index` of kind `kind`
    /// (`GET /v1/integration/{id}/cursor?kind&index`); `None` when Port holds none.
    pub async fn resync_cursor(&self, kind: &str, index: usize) -> Result<Option<Timestamp>> {
        let request = self.cursor_request(Method::GET, kind, index)?;
        let read = |r: &ApiResponse| r.json::<CursorAnswer>("get cursor")?.primary();
        match self.send(&request, read).await {
            Ok(cursor) => Ok(cursor),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Stores the cursor of the resource at `index` of kind `kind`: `PUT`, then `POST` when
    /// Port has no cursor to replace (404). Both are retried: storing a time twice stores it
    /// once.
    pub async fn set_resync_cursor(&self, kind: &str, index: usize, at: Timestamp) -> Result<()> {
        let body = CursorBody {
            primary: at.to_string(),
        };
        let put = self.cursor_request(Method::PUT, kind, index)?.json(&body)?;
        match self.send(&put, |_| Ok(())).await {
            Err(error) if error.is_not_found() => {
                let post = self
                    .cursor_request(Method::POST, kind, index)?
                    .json(&body)?
                    .retryable(true);
                self.send(&post, |_| Ok(())).await
            }
            other => other,
        }
    }

    fn cursor_request(&self, method: Method, kind: &str, index: usize) -> Result<ApiRequest> {
        let identifier = &self.identity().identifier;
        Ok(self
            .request(method, &["integration", identifier, "cursor"])?
            .query("kind", kind)
            .query("index", index.to_string()))
    }

    /// When a resync was last asked for in Port (`GET /v1/integration/{id}/resync-request`,
    /// the integration's Resync button or an API call); `None` when never.
    pub async fn resync_requested_at(&self) -> Result<Option<Timestamp>> {
        let identifier = &self.identity().identifier;
        let request = self.request(Method::GET, &["integration", identifier, "resync-request"])?;
        let read = |r: &ApiResponse| {
            let answer: ResyncRequestAnswer = r.json("get resync request")?;
            answer
                .request
                .and_then(|request| request.updated_at)
                .map(|time| timestamp("get resync request", "updatedAt", &time))
                .transpose()
        };
        match self.send(&request, read).await {
            Err(error) if error.is_not_found() => Ok(None),
            other => other,
        }
    }

    /// Posts example raw items of a kind, shown in Port's mapping editor. Not retried.
    pub async fn post_kind_examples(&self, kind: &str, examples: &[Value]) -> Result<()> {
        let identifier = &self.identity().identifier;
        let request = self
            .request(
                Method::POST,
                &["integration", identifier, "kinds", kind, "examples"],
            )?
            .json(&serde_json::json!({ "examples": examples }))?;
        self.send(&request, |_| Ok(())).await
    }
}

/// `text` as a time; a decode error of `what` naming `field` otherwise.
fn timestamp(what: &'static str, field: &str, text: &str) -> Result<Timestamp> {
    text.parse().map_err(|error| {
        Error::decode(what)(serde::de::Error::custom(format!(
            "{field} `{text}`: {error}"
        )))
    })
}

/// Port's answer to a resync-request read.
#[derive(Deserialize)]
struct ResyncRequestAnswer {
    request: Option<ResyncRequest>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResyncRequest {
    updated_at: Option<String>,
}

/// The body Port stores as a cursor.
#[derive(Serialize)]
struct CursorBody {
    primary: String,
}

/// Port's answer to a cursor read: the cursor, bare or under `cursor`.
#[derive(Deserialize)]
struct CursorAnswer {
    cursor: Option<CursorValue>,
    primary: Option<String>,
}

#[derive(Deserialize)]
struct CursorValue {
    primary: Option<String>,
}

impl CursorAnswer {
    /// The stored time; an error when it is not one.
    fn primary(self) -> Result<Option<Timestamp>> {
        let primary = self.cursor.and_then(|c| c.primary).or(self.primary);
        primary
            .map(|time| timestamp("get cursor", "cursor", &time))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resync_state_uses_ports_field_names() {
        let mut state = ResyncState::new(ResyncStatus::Running);
        state.last_resync_start = Some(Timestamp::from_second(1_700_000_000).expect("valid"));
        state.interval_minutes = Some(60);
        assert_eq!(
            serde_json::to_value(ResyncStateBody::from(&state)).expect("serializable"),
            json!({
                "status": "running",
                "lastResyncStart": "2023-11-14T22:13:20Z",
                "lastResyncEnd": null,
                "nextResync": null,
                "intervalInMinuets": 60
            })
        );
    }
}
