//! Wikis and their pages.

use serde::Deserialize;

/// A wiki (`WikiV2`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Wiki {
    /// Wiki id (GUID).
    pub id: String,
    /// Wiki name.
    pub name: Option<String>,
    /// `projectWiki` or `codeWiki`.
    #[serde(rename = "type")]
    pub wiki_type: Option<String>,
    /// Id of the wiki's project.
    pub project_id: Option<String>,
    /// Id of the Git repository backing the wiki.
    pub repository_id: Option<String>,
    /// Folder of the repository the wiki is published from (code wikis).
    pub mapped_path: Option<String>,
    /// The branches the wiki is published from, the one shown first (`wikiMaster` for a
    /// project wiki).
    pub versions: Option<Vec<WikiVersion>>,
    /// Browser URL of the wiki.
    pub remote_url: Option<String>,
    /// REST URL of the wiki.
    pub url: Option<String>,
}

impl Wiki {
    /// The branch the wiki shows (and lists its pages from): its first published version.
    #[must_use]
    pub fn published_branch(&self) -> Option<&str> {
        let version = self.versions.as_deref()?.first()?.version.as_deref()?;
        Some(version.strip_prefix("refs/heads/").unwrap_or(version))
    }
}

/// A published version of a wiki (`GitVersionDescriptor`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WikiVersion {
    /// The branch name, e.g. `main`.
    pub version: Option<String>,
}

/// A page of a wiki, as listed (`WikiPageDetail`) or read (`WikiPage`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WikiPage {
    /// Page id.
    pub id: i64,
    /// Page path, e.g. `/Getting started`.
    pub path: Option<String>,
    /// Markdown content, when read with content.
    pub content: Option<String>,
    /// Path of the page's file in the wiki's repository.
    pub git_item_path: Option<String>,
    /// Browser URL of the page.
    pub remote_url: Option<String>,
    /// REST URL of the page.
    pub url: Option<String>,
}
