//! The generic pager behind every list method.
//!
//! Azure DevOps pages lists in three ways, all handled by [`Pager`]:
//!
//! * a continuation token in the `x-ms-continuationtoken` response header or in the body's
//!   `continuationToken` field, sent back as the `continuationToken` query parameter (or, for
//!   POSTed list queries such as wiki page batches, as the request body's `continuationToken`);
//!   the list ends when no (new) token comes back;
//! * `$top`/`$skip` offsets (`top`/`skip` on legacy endpoints); the list ends on the first page
//!   shorter than the page size, so no trailing empty page is requested;
//! * no paging: one response holds the whole list.
//!
//! `null` entries of an item array (work items a batch left out) are skipped.
//!
//! # Page sizes
//!
//! Every paged request asks for as many items as the endpoint allows. Offset-paged endpoints must
//! not ask for more than the server caps silently, because a capped page would look short and end
//! the listing early. Which operation pages how, with which page size, is in its row of the
//! endpoint table (`src/endpoints.rs`); the sizes are the constants below.

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures::Stream;
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::client::{AdoClient, ClientInner};
use crate::error::{Error, Result};
use crate::transport::Request;

/// `$top` for projects (token paged, so a server cap cannot truncate the listing).
pub const PROJECTS: u32 = 1000;
/// `$top` for teams and team members.
pub const TEAMS: u32 = 100;
/// `$top` for pull requests: the server never returns more than 1000 per request.
pub const PULL_REQUESTS: u32 = 1000;
/// `$top` for test runs: the maximum of the runs query form; the list form documents none.
pub const TEST_RUNS: u32 = 100;
/// `$top` for test results: the server maximum when no details are included.
pub const TEST_RESULTS: u32 = 1000;
/// `$top` of one WIQL page of work-item ids, under the server's cap of 20,000 results.
pub const WIQL_IDS: u32 = 19_999;
/// Most ids one work-items batch accepts.
pub const WORK_ITEMS_BATCH: usize = 200;
/// `top` of one wiki page batch: the server maximum.
pub const WIKI_PAGES: u32 = 100;
/// Most descriptors one Graph subject lookup is given.
pub const SUBJECT_LOOKUP_BATCH: usize = 500;
/// `$top` for refs: the server maximum.
pub const REFS: u32 = 1000;
/// `$top` for token-paged endpoints without a documented maximum.
pub const TOKEN_PAGED: u32 = 1000;
/// `$top` for releases, release deployments and release definitions (the server default is 50).
pub const RELEASES: u32 = 100;
/// Changes per page of a commit's changes.
pub const COMMIT_CHANGES: u32 = 1000;
/// `top` for the 5.x user entitlements form (documented maximum 10000).
pub const ENTITLEMENTS_LEGACY: u32 = 10_000;

/// One item of a list: the typed model and the JSON exactly as Azure DevOps sent it (same keys,
/// same key order).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Listed<T> {
    /// The typed model.
    pub item: T,
    /// The untouched JSON object.
    pub raw: Value,
}

impl<T: DeserializeOwned> Listed<T> {
    /// Decodes `raw` into `T`, keeping `raw`. On failure returns the JSON path that failed.
    pub(crate) fn decode(raw: Value) -> std::result::Result<Self, (String, serde_json::Error)> {
        match serde_path_to_error::deserialize::<_, T>(&raw) {
            Ok(item) => Ok(Self { item, raw }),
            Err(e) => Err((e.path().to_string(), e.into_inner())),
        }
    }
}

/// Where the next page of a list starts; pass it to [`Pager::resume_from`] to resume.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Continuation {
    /// A continuation token from the previous response.
    Token(String),
    /// The number of items to skip.
    Skip(u64),
}

/// How a list endpoint pages.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Paging {
    /// One response holds the whole list.
    Single,
    /// Continuation token from the header or the body; optional page-size parameter.
    Token { top: Option<(&'static str, u32)> },
    /// Like [`Token`](Self::Token), but the page size and the token go into the JSON body
    /// of a POST.
    BodyToken { top: (&'static str, u32) },
    /// Offsets with the given parameter names and page size.
    Offset {
        top: &'static str,
        skip: &'static str,
        size: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Start,
    Next(Continuation),
    Done,
}

struct Fetched {
    items: Vec<Value>,
    key: &'static str,
    endpoint: String,
    next: State,
}

/// A stream of [`Listed`] items, fetching pages lazily.
///
/// It is `Send + 'static` (it holds a clone of the client), so it can be moved into a spawned
/// task. A page that fails yields one `Err` and ends the stream; [`continuation`] then still
/// points at the failed page. An item that fails to decode yields an `Err` naming its JSON path
/// and the stream goes on with the next item.
///
/// [`continuation`]: Pager::continuation
#[must_use = "streams do nothing unless polled"]
pub struct Pager<T> {
    client: Arc<ClientInner>,
    request: Arc<Request>,
    state: State,
    failed: bool,
    buffer: VecDeque<Result<Listed<T>>>,
    fetch: Option<BoxFuture<'static, Result<Fetched>>>,
    _item: PhantomData<fn() -> T>,
}

impl<T> Pager<T> {
    /// The listing of `request`'s operation, paged as its row says.
    pub(crate) fn new(client: &AdoClient, request: Request) -> Self {
        Self {
            client: Arc::clone(&client.inner),
            request: Arc::new(request),
            state: State::Start,
            failed: false,
            buffer: VecDeque::new(),
            fetch: None,
            _item: PhantomData,
        }
    }

    /// The position of the next page to request, or `None` before the first page and after the
    /// last one. Items of the current page still buffered in the stream are not included.
    #[must_use]
    pub fn continuation(&self) -> Option<&Continuation> {
        match &self.state {
            State::Next(continuation) => Some(continuation),
            State::Start | State::Done => None,
        }
    }

    /// Starts (or restarts) the listing at `continuation`, as returned by
    /// [`continuation`](Self::continuation) of an earlier stream.
    pub fn resume_from(mut self, continuation: Continuation) -> Self {
        self.state = State::Next(continuation);
        self.failed = false;
        self.buffer.clear();
        self.fetch = None;
        self
    }
}

// Nothing in a pager is structurally pinned: items are only moved in and out of the buffer.
impl<T> Unpin for Pager<T> {}

impl<T> fmt::Debug for Pager<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pager")
            .field("request", &self.request)
            .field("state", &self.state)
            .field("buffered", &self.buffer.len())
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned> Stream for Pager<T> {
    type Item = Result<Listed<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.buffer.pop_front() {
                return Poll::Ready(Some(item));
            }
            if let Some(fetch) = this.fetch.as_mut() {
                let fetched = ready!(fetch.as_mut().poll(cx));
                this.fetch = None;
                match fetched {
                    Ok(page) => {
                        this.state = page.next;
                        let organization = this.client.organization.name();
                        this.buffer.extend(page.items.into_iter().enumerate().map(
                            |(index, raw)| {
                                Listed::decode(raw).map_err(|(path, source)| Error::Decode {
                                    organization: organization.to_owned(),
                                    endpoint: page.endpoint.clone(),
                                    path: format!("{}[{index}].{path}", page.key),
                                    source,
                                })
                            },
                        ));
                    }
                    Err(e) => {
                        this.failed = true;
                        return Poll::Ready(Some(Err(e)));
                    }
                }
                continue;
            }
            if this.failed || this.state == State::Done {
                return Poll::Ready(None);
            }
            this.fetch = Some(Box::pin(fetch_page(
                Arc::clone(&this.client),
                Arc::clone(&this.request),
                this.state.clone(),
            )));
        }
    }
}

async fn fetch_page(
    client: Arc<ClientInner>,
    first: Arc<Request>,
    state: State,
) -> Result<Fetched> {
    let endpoint = first.operation.endpoint();
    let paging = endpoint.paging(client.profile);
    let mut request = Request::clone(&first);
    let mut skipped = 0;
    let mut previous_token = None;
    match (paging, &state) {
        (Paging::Single, _) => {}
        (Paging::Token { top }, _) => {
            if let Some((name, size)) = top {
                request = request.query(name, size);
            }
            if let State::Next(Continuation::Token(token)) = &state {
                request = request.query("continuationToken", token);
                previous_token = Some(token.as_str());
            }
        }
        (Paging::BodyToken { top: (name, size) }, _) => {
            let mut body = request
                .body
                .take()
                .unwrap_or_else(|| Value::Object(Map::new()));
            if let Value::Object(fields) = &mut body {
                fields.insert(name.to_owned(), size.into());
                if let State::Next(Continuation::Token(token)) = &state {
                    fields.insert("continuationToken".to_owned(), token.as_str().into());
                    previous_token = Some(token.as_str());
                }
            }
            request.body = Some(body);
        }
        (Paging::Offset { top, skip, size }, _) => {
            request = request.query(top, size);
            if let State::Next(Continuation::Skip(n)) = state {
                skipped = n;
                request = request.query(skip, n);
            }
        }
    }
    let response = client.send(&request).await?;
    let body_token = response.body.get("continuationToken").and_then(token_text);
    let (key, items) =
        extract_items(response.body, endpoint.items).map_err(|source| Error::Decode {
            organization: client.organization.name().to_owned(),
            endpoint: response.endpoint.clone(),
            path: endpoint.items.join("|"),
            source,
        })?;
    let next = match paging {
        Paging::Single => State::Done,
        Paging::Token { .. } | Paging::BodyToken { .. } => {
            let header_token = response
                .headers
                .get("x-ms-continuationtoken")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            match header_token.or(body_token) {
                Some(token) if Some(token.as_str()) != previous_token => {
                    State::Next(Continuation::Token(token))
                }
                _ => State::Done,
            }
        }
        Paging::Offset { size, .. } => {
            let count = items.len() as u64;
            if count < u64::from(size) {
                State::Done
            } else {
                State::Next(Continuation::Skip(skipped + count))
            }
        }
    };
    Ok(Fetched {
        items,
        key,
        endpoint: response.endpoint,
        next,
    })
}

fn token_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Takes the item array out of a list body: the first of `keys` holding an array, or the body
/// itself when it is an array. `null` (or a missing key) means no items.
fn extract_items(
    body: Value,
    keys: &'static [&'static str],
) -> std::result::Result<(&'static str, Vec<Value>), serde_json::Error> {
    let first = keys.first().copied().unwrap_or("value");
    match body {
        Value::Null => Ok((first, Vec::new())),
        Value::Array(items) => Ok(("", without_nulls(items))),
        Value::Object(mut map) => {
            for key in keys {
                match map.shift_remove(*key) {
                    Some(Value::Array(items)) => return Ok((key, without_nulls(items))),
                    Some(Value::Null) | None => {}
                    Some(other) => {
                        return Err(serde::de::Error::invalid_type(
                            unexpected(&other),
                            &"an array of items",
                        ));
                    }
                }
            }
            Ok((first, Vec::new()))
        }
        other => Err(serde::de::Error::invalid_type(
            unexpected(&other),
            &"a list response",
        )),
    }
}

fn without_nulls(mut items: Vec<Value>) -> Vec<Value> {
    items.retain(|item| !item.is_null());
    items
}

fn unexpected(value: &Value) -> serde::de::Unexpected<'_> {
    use serde::de::Unexpected;
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(_) => Unexpected::Other("a number"),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extracts_items_from_known_shapes() {
        let (key, items) = extract_items(json!({"count": 1, "value": [{"a": 1}]}), &["value"])
            .expect("value list");
        assert_eq!((key, items.len()), ("value", 1));
        let (key, items) = extract_items(
            json!({"members": [{"a": 1}, {"a": 2}], "continuationToken": "x"}),
            &["items", "members", "value"],
        )
        .expect("members list");
        assert_eq!((key, items.len()), ("members", 2));
        let (_, items) = extract_items(Value::Null, &["records"]).expect("no content");
        assert!(items.is_empty());
        let (_, items) = extract_items(json!([1, 2, 3]), &["value"]).expect("bare array");
        assert_eq!(items.len(), 3);
        let (_, items) = extract_items(json!({"value": [{"id": 1}, null, {"id": 3}]}), &["value"])
            .expect("omitted items");
        assert_eq!(items, [json!({"id": 1}), json!({"id": 3})]);
        assert!(extract_items(json!({"value": "nope"}), &["value"]).is_err());
        assert!(extract_items(json!("nope"), &["value"]).is_err());
    }

    #[test]
    fn reads_tokens_from_strings_and_numbers() {
        assert_eq!(token_text(&json!("abc")), Some("abc".to_owned()));
        assert_eq!(token_text(&json!(42)), Some("42".to_owned()));
        assert_eq!(token_text(&json!("  ")), None);
        assert_eq!(token_text(&Value::Null), None);
    }

    #[test]
    fn decode_keeps_raw_key_order_and_reports_paths() {
        #[derive(serde::Deserialize, Debug)]
        struct Item {
            #[allow(dead_code)]
            id: u32,
        }
        let raw: Value = serde_json::from_str(r#"{"z":1,"id":3,"a":2}"#).expect("json");
        let listed = Listed::<Item>::decode(raw).expect("decodes");
        assert_eq!(listed.raw.to_string(), r#"{"z":1,"id":3,"a":2}"#);
        let (path, _) = Listed::<Item>::decode(json!({"id": "x"})).expect_err("bad id");
        assert_eq!(path, "id");
    }
}
