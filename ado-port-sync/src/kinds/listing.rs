//! The shapes kinds list their items in: per project or repository, per item of a listing,
//! and the enrichment of raw items.

use std::sync::Arc;

use futures::{Stream, StreamExt, TryStreamExt, stream};
use serde_json::Value;

use super::ItemStream;
use crate::org::{OrgScope, ProjectEntry, RepoEntry};

/// Concurrent follow-up calls (one per build, team, environment...) within one kind; the
/// client's request budget bounds what is really in flight.
pub(super) const FAN_OUT: usize = 16;

/// Projects or repositories whose listings [`for_each`] reads at the same time: each listing
/// holds a page (up to 1,000 items) in memory, so this bounds the memory of a resync.
const LISTS_AT_ONCE: usize = 4;

/// Adds enrichment fields to a raw item.
pub(super) fn enrich<const N: usize>(mut item: Value, fields: [(&str, Value); N]) -> Value {
    if let Value::Object(map) = &mut item {
        for (name, value) in fields {
            map.insert(name.to_owned(), value);
        }
    }
    item
}

/// A listed item with the item's own payload (as read one by one) on top.
pub(super) fn merged(listed: Value, detail: Value) -> Value {
    match (listed, detail) {
        (Value::Object(mut base), Value::Object(detail)) => {
            base.extend(detail);
            Value::Object(base)
        }
        (_, detail) => detail,
    }
}

/// Items of a list the organization scope caches (projects, repositories), one inner stream
/// per entry, [`LISTS_AT_ONCE`] inner streams at a time.
pub(super) fn for_each<T, L, F, S>(list: L, per_entry: F) -> ItemStream
where
    T: Clone + Send + Sync + 'static,
    L: Future<Output = ado_client::Result<Arc<[T]>>> + Send + 'static,
    F: Fn(T) -> S + Send + Sync + 'static,
    S: Stream<Item = ado_client::Result<Value>> + Send + 'static,
{
    for_each_at(LISTS_AT_ONCE, list, per_entry)
}

/// [`for_each`] with `at_once` inner streams at a time, for entries whose streams hold little
/// (one small request each) and can all run within the request budget.
pub(super) fn for_each_at<T, L, F, S>(at_once: usize, list: L, per_entry: F) -> ItemStream
where
    T: Clone + Send + Sync + 'static,
    L: Future<Output = ado_client::Result<Arc<[T]>>> + Send + 'static,
    F: Fn(T) -> S + Send + Sync + 'static,
    S: Stream<Item = ado_client::Result<Value>> + Send + 'static,
{
    let per_entry = Arc::new(per_entry);
    stream::once(list)
        .map_ok(move |entries| {
            let per_entry = Arc::clone(&per_entry);
            stream::iter(entries.to_vec())
                .map(move |entry| per_entry(entry).boxed())
                .flatten_unordered(at_once)
        })
        .try_flatten()
        .boxed()
}

/// The items `per_item` streams for each item of `listing`, [`FAN_OUT`] inner streams at a
/// time.
pub(super) fn fan_out<T, L, F, S>(listing: L, per_item: F) -> ItemStream
where
    L: Stream<Item = ado_client::Result<T>> + Send + 'static,
    F: FnMut(T) -> S + Send + 'static,
    S: Stream<Item = ado_client::Result<Value>> + Send + 'static,
{
    let mut per_item = per_item;
    listing
        .map_ok(move |item| per_item(item).boxed())
        .try_flatten_unordered(FAN_OUT)
        .boxed()
}

/// For each entry of a cached list (projects, repositories; as [`for_each`]), what `list`
/// lists for it, then for each of those the items `per_item` streams (as [`fan_out`]): "per
/// project, its teams, then per team its iterations".
pub(super) fn nested<E, T, N, L, LS, F, S>(
    org: &Arc<OrgScope>,
    entries: N,
    list: L,
    per_item: F,
) -> ItemStream
where
    E: Clone + Send + Sync + 'static,
    T: Send + 'static,
    N: Future<Output = ado_client::Result<Arc<[E]>>> + Send + 'static,
    L: Fn(&Arc<OrgScope>, &E) -> LS + Send + Sync + 'static,
    LS: Stream<Item = ado_client::Result<T>> + Send + 'static,
    F: Fn(&Arc<OrgScope>, &Arc<E>, T) -> S + Send + Sync + 'static,
    S: Stream<Item = ado_client::Result<Value>> + Send + 'static,
{
    let org = Arc::clone(org);
    let per_item = Arc::new(per_item);
    for_each(entries, move |entry| {
        let listing = list(&org, &entry);
        let (org, entry, per_item) = (Arc::clone(&org), Arc::new(entry), Arc::clone(&per_item));
        fan_out(listing, move |item| per_item(&org, &entry, item))
    })
}

/// The items `items` computes, one by one.
pub(super) fn flattened<I>(
    items: impl Future<Output = ado_client::Result<I>> + Send + 'static,
) -> ItemStream
where
    I: IntoIterator<Item = Value>,
    I::IntoIter: Send + 'static,
{
    stream::once(items)
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

/// Projects, for [`for_each`].
pub(super) fn projects_of(
    org: &Arc<OrgScope>,
) -> impl Future<Output = ado_client::Result<Arc<[ProjectEntry]>>> + Send + 'static {
    let org = Arc::clone(org);
    async move { org.projects().await }
}

/// The repositories `keep` keeps, for [`for_each`].
pub(super) fn repositories_where(
    org: &Arc<OrgScope>,
    keep: impl Fn(&RepoEntry) -> bool + Send + 'static,
) -> impl Future<Output = ado_client::Result<Arc<[RepoEntry]>>> + Send + 'static {
    let org = Arc::clone(org);
    async move {
        let repos = org.repositories().await?;
        Ok(repos.iter().filter(|r| keep(r)).cloned().collect())
    }
}

/// Healthy repositories, for [`for_each`].
pub(super) fn healthy_repositories_of(
    org: &Arc<OrgScope>,
) -> impl Future<Output = ado_client::Result<Arc<[RepoEntry]>>> + Send + 'static {
    repositories_where(org, |r| r.healthy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn details_override_the_listed_item() {
        assert_eq!(
            merged(
                json!({"id": "b", "name": "Stories", "url": "u"}),
                json!({"id": "b", "columns": []})
            ),
            json!({"id": "b", "name": "Stories", "url": "u", "columns": []})
        );
        assert_eq!(merged(json!("odd"), json!({"id": 1})), json!({"id": 1}));
    }
}
