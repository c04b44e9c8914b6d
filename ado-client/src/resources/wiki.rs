//! Wikis and their pages.

use serde_json::json;

use crate::client::AdoClient;
use crate::error::Result;
use crate::models::{Wiki, WikiPage};
use crate::pager::{Listed, Pager};
use crate::profile::Operation;
use crate::transport::Request;

impl AdoClient {
    /// Lists a project's wikis (project and code wikis).
    pub fn wikis(&self, project: &str) -> Pager<Wiki> {
        self.list(Request::new(Operation::ListWikis, &[&project]))
    }

    /// Lists every page of a wiki, without content.
    pub fn wiki_pages(&self, project: &str, wiki_id: &str) -> Pager<WikiPage> {
        self.list(Self::wiki_pages_request(project, wiki_id))
    }

    /// Lists every page a wiki had at `commit` of its repository (a full commit id), without
    /// content.
    pub fn wiki_pages_at_commit(
        &self,
        project: &str,
        wiki_id: &str,
        commit: &str,
    ) -> Pager<WikiPage> {
        self.list(
            Self::wiki_pages_request(project, wiki_id)
                .query("versionDescriptor.version", commit)
                .query("versionDescriptor.versionType", "commit"),
        )
    }

    fn wiki_pages_request(project: &str, wiki_id: &str) -> Request {
        Request::new(Operation::ListWikiPages, &[&project, &wiki_id]).json_body(json!({}))
    }

    /// Reads one wiki page with its content.
    ///
    /// # Errors
    ///
    /// Any request or decode error.
    pub async fn wiki_page(
        &self,
        project: &str,
        wiki_id: &str,
        page_id: i64,
    ) -> Result<Listed<WikiPage>> {
        let request = Request::new(Operation::GetWikiPage, &[&project, &wiki_id, &page_id])
            .query("includeContent", true);
        self.get_listed(&request).await
    }
}
