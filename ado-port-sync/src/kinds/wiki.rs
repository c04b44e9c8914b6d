//! `wiki`.

use std::collections::HashSet;
use std::sync::Arc;

use ado_client::AdoClient;
use ado_client::models::Wiki as ListedWiki;
use ado_client::pager::Listed;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::item::{ItemKey, Lookup, LookupResult};
use super::listing::{FAN_OUT, enrich, merged, nested, projects_of};
use super::options::{OptionError, flag, text};
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry};

/// `wiki`, with its selector options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wiki {
    /// `wikiType`: which wikis; every wiki without one.
    wiki_type: Option<WikiType>,
    /// `includeContent`: read each page's own payload, with `content`.
    include_content: bool,
}

/// Which wikis the `wiki` kind lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WikiType {
    /// The project wiki.
    Project,
    /// Wikis published from code.
    Code,
}

impl WikiType {
    /// The wiki `type` Azure DevOps reports.
    fn as_str(self) -> &'static str {
        match self {
            Self::Project => "projectWiki",
            Self::Code => "codeWiki",
        }
    }
}

impl KindSource for Wiki {
    const NAME: &str = "wiki";
    const CALLS: &[&str] = &[
        "GET {project}/_apis/wiki/wikis per project",
        "POST {project}/_apis/wiki/wikis/{id}/pagesbatch per wiki",
        "with includeContent: GET {project}/_apis/wiki/wikis/{id}/pages/{pageId}?includeContent=true per page",
    ];
    const ENRICHMENT: &[&str] = &["__wiki", "__project"];
    const OPTIONS: &[&str] = &["wikiType", "includeContent"];

    /// The pages of every wiki (of `wikiType` when set) of every project, each with `__wiki`
    /// and `__project`; with `includeContent`, each page's own payload (with `content`) is
    /// merged in.
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        let kind = *self;
        nested(
            org,
            projects_of(org),
            move |org, project| {
                org.client
                    .wikis(&project.id)
                    .try_filter(move |wiki| std::future::ready(kind.lists(&wiki.item)))
            },
            move |org, project, wiki| kind.pages(&org.client, Arc::clone(project), wiki),
        )
    }

    /// The pages of the wikis published from a pushed repository, listed again, and the pages
    /// those wikis had before the push and no longer have.
    async fn lookup(&self, org: &OrgScope, project: &ProjectEntry, key: &ItemKey) -> LookupResult {
        let ItemKey::Wiki { repo, before } = key else {
            return Ok(Lookup::other_kind(Self::NAME));
        };
        let client = &org.client;
        let project = Arc::new(project.clone());
        let wikis: Vec<_> = client
            .wikis(&project.id)
            .try_filter(|listed| {
                std::future::ready(
                    listed.item.repository_id.as_deref() == Some(repo.id.as_str())
                        && self.lists(&listed.item),
                )
            })
            .try_collect()
            .await?;
        let (mut found, mut gone) = (Vec::new(), Vec::new());
        for listed in wikis {
            // The commit the wiki's published branch had before the push, if it moved.
            let earlier = before
                .iter()
                .find(|(branch, _)| listed.item.published_branch() == Some(branch))
                .map(|(_, commit)| commit.as_str());
            let (wiki_id, wiki_raw) = (listed.item.id.clone(), listed.raw.clone());
            let pages: Vec<Value> = self
                .pages(client, Arc::clone(&project), listed)
                .try_collect()
                .await?;
            if let Some(commit) = earlier {
                let removed = removed_pages(client, &project, &wiki_id, &wiki_raw, commit, &pages);
                gone.extend(removed.await?);
            }
            found.extend(pages);
        }
        Ok(Lookup::Relisted { found, gone })
    }

    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError> {
        let wiki_type = text(options, "wikiType")?
            .map(|name| {
                [WikiType::Project, WikiType::Code]
                    .into_iter()
                    .find(|t| t.as_str() == name)
                    .ok_or_else(|| {
                        OptionError::new(
                            "wikiType",
                            format!("must be \"projectWiki\" or \"codeWiki\", got \"{name}\""),
                        )
                    })
            })
            .transpose()?;
        Ok(Self {
            wiki_type,
            include_content: flag(options, "includeContent")?,
        })
    }
}

impl Wiki {
    /// Whether `wiki` is of the selected type (any wiki without one).
    fn lists(self, wiki: &ListedWiki) -> bool {
        self.wiki_type
            .is_none_or(|wanted| wiki.wiki_type.as_deref() == Some(wanted.as_str()))
    }

    /// The `wiki` items of one wiki: its pages with `__wiki` and `__project`, each page's own
    /// payload (with `content`) merged in when `includeContent`.
    fn pages(
        self,
        client: &AdoClient,
        project: Arc<ProjectEntry>,
        wiki: Listed<ListedWiki>,
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
                    let raw = if self.include_content {
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
}

/// The pages the wiki `wiki_id` (listed as `wiki_raw`) had at `commit` that `current`, its
/// `wiki` items now, no longer has (by path), as `wiki` items without content: the pages a
/// push removed. A commit the wiki cannot list at gives none.
async fn removed_pages(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn wiki_options() {
        assert_eq!(
            parsed::<Wiki>(json!({})),
            Ok(Wiki {
                wiki_type: None,
                include_content: false
            })
        );
        assert_eq!(
            parsed::<Wiki>(json!({"wikiType": "codeWiki", "includeContent": true})),
            Ok(Wiki {
                wiki_type: Some(WikiType::Code),
                include_content: true
            })
        );
        let err = parsed::<Wiki>(json!({"wikiType": "team"})).unwrap_err();
        assert_eq!(err.option, "wikiType");
    }
}
