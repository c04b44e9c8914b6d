//! The datasource listing: every entity this integration wrote, for reconciliation.

use futures::{Stream, TryStreamExt, stream};
use jiff::Timestamp;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::PortClient;
use crate::entities::Entity;
use crate::error::Result;

/// One page of the datasource listing.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct DatasourcePage {
    /// The entities of this page.
    #[serde(default)]
    pub entities: Vec<Entity>,
    /// Cursor of the next page; `None` on the last page.
    #[serde(default)]
    pub next: Option<Value>,
}

#[derive(Serialize)]
struct DatasourceRequest<'a> {
    datasource_prefix: String,
    datasource_suffix: String,
    limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'a Value>,
}

/// Where the listing stands between pages.
enum Cursor {
    Start,
    From(Value),
    Done,
}

impl PortClient {
    /// Pages of the entities whose `$datasource` matches this integration and the client's
    /// [datasource](Self::datasource)
    /// (`POST /v1/blueprints/entities/datasource-entities`), across all blueprints.
    ///
    /// With `before`, only entities last updated before that time are listed: pass the
    /// resync's start so entities written during the resync are never deletion candidates.
    pub fn datasource_pages(
        &self,
        before: Option<Timestamp>,
    ) -> impl Stream<Item = Result<DatasourcePage>> + Send + 'static {
        let client = self.clone();
        let before = before.map(|at| at.to_string());
        stream::try_unfold(Cursor::Start, move |cursor| {
            let client = client.clone();
            let before = before.clone();
            async move {
                let from = match cursor {
                    Cursor::Done => return Ok(None),
                    Cursor::Start => None,
                    Cursor::From(value) => Some(value),
                };
                let page = client.datasource_page(before, from.as_ref()).await?;
                let next = match &page.next {
                    Some(Value::Null) | None => Cursor::Done,
                    Some(Value::String(text)) if text.is_empty() => Cursor::Done,
                    Some(cursor) => Cursor::From(cursor.clone()),
                };
                Ok(Some((page, next)))
            }
        })
    }

    /// The entities of [`PortClient::datasource_pages`], one by one.
    pub fn datasource_entities(
        &self,
        before: Option<Timestamp>,
    ) -> impl Stream<Item = Result<Entity>> + Send + 'static {
        self.datasource_pages(before)
            .map_ok(|page| stream::iter(page.entities.into_iter().map(Ok)))
            .try_flatten()
    }

    async fn datasource_page(
        &self,
        before: Option<String>,
        from: Option<&Value>,
    ) -> Result<DatasourcePage> {
        let identity = self.identity();
        let body = DatasourceRequest {
            datasource_prefix: identity.datasource_prefix(),
            datasource_suffix: identity.datasource_suffix(self.datasource()),
            limit: self.datasource_page_size(),
            before,
            from,
        };
        let request = self
            .request(
                Method::POST,
                &["blueprints", "entities", "datasource-entities"],
            )?
            .json(&body)?
            .retryable(true);
        self.send(&request, |r| r.json("datasource listing")).await
    }
}
