//! `wiki`.

use std::collections::HashSet;
use std::sync::Arc;

use ado_client::AdoClient;
use ado_client::models::Wiki;
use ado_client::pager::Listed;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use serde_json::Value;

use super::options::WikiType;
use super::{FAN_OUT, ItemStream, enrich, merged, nested, projects_of};
use crate::org::{OrgScope, ProjectEntry};

/// `wiki`: the pages of every wiki (of `wiki_type` when set) of every project, each with
/// `__wiki` and `__project`; with `include_content`, each page's own payload (with `content`)
/// is merged in.
pub(super) fn wiki_pages(
    org: &Arc<OrgScope>,
    wiki_type: Option<WikiType>,
    include_content: bool,
) -> ItemStream {
    nested(
        org,
        projects_of(org),
        move |org, project| {
            org.client
                .wikis(&project.id)
                .try_filter(move |wiki| std::future::ready(is_of_type(&wiki.item, wiki_type)))
        },
        move |org, project, wiki| {
            wiki_page_items(&org.client, Arc::clone(project), wiki, include_content)
        },
    )
}

/// Whether `wiki` is of `wiki_type` (any wiki without one).
pub(super) fn is_of_type(wiki: &Wiki, wiki_type: Option<WikiType>) -> bool {
    wiki_type.is_none_or(|wanted| wiki.wiki_type.as_deref() == Some(wanted.as_str()))
}

/// The `wiki` items of one wiki: its pages with `__wiki` and `__project`, each page's own
/// payload (with `content`) merged in when `include_content`.
pub(super) fn wiki_page_items(
    client: &AdoClient,
    project: Arc<ProjectEntry>,
    wiki: Listed<Wiki>,
    include_content: bool,
) -> BoxStream<'static, ado_client::Result<Value>> {
    let client = client.clone();
    let wiki_id: Arc<str> = wiki.item.id.into();
    let wiki_raw = Arc::new(wiki.raw);
    client
        .wiki_pages(&project.id, &wiki_id)
        .map(move |page| {
            let client = client.clone();
            let project = Arc::clone(&project);
            let wiki_id = Arc::clone(&wiki_id);
            let wiki_raw = Arc::clone(&wiki_raw);
            async move {
                let page = page?;
                let raw = if include_content {
                    let full = client
                        .wiki_page(&project.id, &wiki_id, page.item.id)
                        .await?;
                    merged(page.raw, full.raw)
                } else {
                    page.raw
                };
                Ok(page_item(raw, &wiki_raw, &project))
            }
        })
        .buffered(FAN_OUT)
        .boxed()
}

/// The pages the wiki `wiki_id` (listed as `wiki_raw`) had at `commit` that `current`, its
/// `wiki` items now, no longer has (by path), as `wiki` items without content: the pages a
/// push removed. A commit the wiki cannot list at gives none.
pub(super) async fn removed_pages(
    client: &AdoClient,
    project: &ProjectEntry,
    wiki_id: &str,
    wiki_raw: &Value,
    commit: &str,
    current: &[Value],
) -> ado_client::Result<Vec<Value>> {
    let paths: HashSet<&str> = current.iter().filter_map(|p| p["path"].as_str()).collect();
    let earlier = client
        .wiki_pages_at_commit(&project.id, wiki_id, commit)
        .try_filter(|page| {
            let path = page.item.path.as_deref();
            std::future::ready(path.is_some_and(|path| !paths.contains(path)))
        })
        .map_ok(|page| page_item(page.raw, wiki_raw, project))
        .try_collect()
        .await;
    match earlier {
        Err(error) if error.is_not_found() => Ok(Vec::new()),
        earlier => earlier,
    }
}

/// A `wiki` item: a page with `__wiki` and `__project`.
fn page_item(page: Value, wiki: &Value, project: &ProjectEntry) -> Value {
    enrich(
        page,
        [("__wiki", wiki.clone()), ("__project", project.raw.clone())],
    )
}
