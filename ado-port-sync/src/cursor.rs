//! Cursors of incremental resyncs: for each organization and resource, when its last
//! successful resync started, and what its last full resync cost.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use futures::future::try_join_all;
use jiff::Timestamp;
use port_client::PortClient;

/// Cursors by organization name, then resource ([`resource_key`]).
pub type Cursors = BTreeMap<String, BTreeMap<String, Cursor>>;

/// Where a resource's next incremental resync starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// When the resource's last successful resync started.
    pub at: Timestamp,
    /// The Azure DevOps requests of its last successful full resync, when known: what an
    /// incremental resync is compared with.
    pub full_requests: Option<u64>,
}

impl Cursor {
    /// A cursor at `at` with no known cost.
    #[must_use]
    pub fn at(at: Timestamp) -> Self {
        Self {
            at,
            full_requests: None,
        }
    }
}

/// The key of a resource's cursor: its position in the mapping and its kind (`3:build`), so
/// that a cursor never serves another kind after the mapping changes.
#[must_use]
pub fn resource_key(index: usize, kind: &str) -> String {
    format!("{index}:{kind}")
}

/// A cursor store failed to load or save.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct CursorError {
    /// Where the store is.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Where a resync keeps its cursors between runs.
#[async_trait]
pub trait CursorStore: Send + Sync {
    /// The stored cursors; none when nothing was saved yet.
    ///
    /// # Errors
    ///
    /// [`CursorError`] when the store cannot be read or holds something else.
    async fn load(&self) -> Result<Cursors, CursorError>;

    /// Replaces the stored cursors with `cursors`.
    ///
    /// # Errors
    ///
    /// [`CursorError`] when the store cannot be written.
    async fn save(&self, cursors: &Cursors) -> Result<(), CursorError>;
}

/// Cursors in a JSON file, `{"<organization>": {"<index>:<kind>": {"at": "<RFC 3339 time>",
/// "fullRequests": <count>}}}` (a bare time string is read as a cursor of unknown cost),
/// written atomically (a temporary file beside it, then renamed over it).
#[derive(Debug, Clone)]
pub struct FileCursors {
    path: PathBuf,
}

impl FileCursors {
    /// The store in the file at `path` (created at the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, message: impl std::fmt::Display) -> CursorError {
        CursorError {
            path: self.path.display().to_string(),
            message: message.to_string(),
        }
    }
}

#[async_trait]
impl CursorStore for FileCursors {
    async fn load(&self) -> Result<Cursors, CursorError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Cursors::new());
            }
            Err(error) => return Err(self.error(error)),
        };
        let stored: BTreeMap<String, BTreeMap<String, StoredCursor>> =
            serde_json::from_str(&text).map_err(|error| self.error(error))?;
        stored
            .into_iter()
            .map(|(organization, resources)| {
                let resources = resources
                    .into_iter()
                    .map(|(resource, stored)| {
                        let (time, full_requests) = match stored {
                            StoredCursor::Time(time) => (time, None),
                            StoredCursor::Costed { at, full_requests } => (at, full_requests),
                        };
                        let at = time.parse::<Timestamp>().map_err(|error| {
                            self.error(format!("{organization}.{resource}: `{time}`: {error}"))
                        })?;
                        Ok((resource, Cursor { at, full_requests }))
                    })
                    .collect::<Result<_, _>>()?;
                Ok((organization, resources))
            })
            .collect()
    }

    async fn save(&self, cursors: &Cursors) -> Result<(), CursorError> {
        let stored: BTreeMap<&str, BTreeMap<&str, StoredCursor>> = cursors
            .iter()
            .map(|(organization, resources)| {
                let resources = resources
                    .iter()
                    .map(|(resource, cursor)| {
                        let stored = StoredCursor::Costed {
                            at: cursor.at.to_string(),
                            full_requests: cursor.full_requests,
                        };
                        (resource.as_str(), stored)
                    })
                    .collect();
                (organization.as_str(), resources)
            })
            .collect();
        let text = serde_json::to_string_pretty(&stored).map_err(|error| self.error(error))?;
        let mut temporary = self.path.clone().into_os_string();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        std::fs::write(&temporary, text + "\n").map_err(|error| self.error(error))?;
        std::fs::rename(&temporary, &self.path).map_err(|error| {
            let _ = std::fs::remove_file(&temporary);
            self.error(error)
        })
    }
}

/// Cursors held in memory, for a long-running process that runs incremental resyncs between
/// full ones (a restart starts from a full resync).
#[derive(Debug, Default)]
pub struct MemoryCursors {
    cursors: std::sync::Mutex<Cursors>,
}

impl MemoryCursors {
    fn held(&self) -> std::sync::MutexGuard<'_, Cursors> {
        self.cursors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl CursorStore for MemoryCursors {
    async fn load(&self) -> Result<Cursors, CursorError> {
        Ok(self.held().clone())
    }

    async fn save(&self, cursors: &Cursors) -> Result<(), CursorError> {
        self.held().clone_from(cursors);
        Ok(())
    }
}

/// A cursor as [`FileCursors`] writes it.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum StoredCursor {
    Time(String),
    Costed {
        at: String,
        #[serde(rename = "fullRequests", skip_serializing_if = "Option::is_none")]
        full_requests: Option<u64>,
    },
}

/// Cursors in Port's integration state (`/v1/integration/{id}/cursor?kind&index`), one per
/// resource of the mapping. Port keeps one cursor per resource for the whole integration, so
/// with several organizations a resource's cursor is the earliest of theirs, and none is
/// stored while an organization has none (it would skip that organization's history). Port
/// keeps only the time, so an incremental resync's saving is not known.
#[derive(Clone)]
pub struct PortCursors {
    client: PortClient,
    resources: Vec<(usize, String)>,
    organizations: Vec<String>,
}

impl PortCursors {
    /// The cursors of the `resources` (position in the mapping, kind) of `organizations`.
    pub fn new(
        client: PortClient,
        resources: impl IntoIterator<Item = (usize, String)>,
        organizations: impl IntoIterator<Item = String>,
    ) -> Self {
        Self {
            client,
            resources: resources.into_iter().collect(),
            organizations: organizations.into_iter().collect(),
        }
    }

    fn error(&self, kind: &str, index: usize, error: impl std::fmt::Display) -> CursorError {
        CursorError {
            path: format!(
                "Port integration {} cursor {kind}#{index}",
                self.client.identity().identifier
            ),
            message: error.to_string(),
        }
    }
}

impl std::fmt::Debug for PortCursors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortCursors")
            .field("integration", &self.client.identity().identifier)
            .field("resources", &self.resources)
            .field("organizations", &self.organizations)
            .finish()
    }
}

#[async_trait]
impl CursorStore for PortCursors {
    async fn load(&self) -> Result<Cursors, CursorError> {
        let read = self.resources.iter().map(|(index, kind)| async move {
            self.client
                .resync_cursor(kind, *index)
                .await
                .map(|cursor| cursor.map(|at| (resource_key(*index, kind), Cursor::at(at))))
                .map_err(|error| self.error(kind, *index, error))
        });
        let stored: Vec<(String, Cursor)> =
            try_join_all(read).await?.into_iter().flatten().collect();
        Ok(self
            .organizations
            .iter()
            .map(|organization| (organization.clone(), stored.iter().cloned().collect()))
            .collect())
    }

    async fn save(&self, cursors: &Cursors) -> Result<(), CursorError> {
        let write = self.resources.iter().filter_map(|(index, kind)| {
            let key = resource_key(*index, kind);
            let earliest = self
                .organizations
                .iter()
                .map(|organization| Some(cursors.get(organization)?.get(&key)?.at))
                .collect::<Option<Vec<Timestamp>>>()?
                .into_iter()
                .min()?;
            Some(async move {
                self.client
                    .set_resync_cursor(kind, *index, earliest)
                    .await
                    .map_err(|error| self.error(kind, *index, error))
            })
        });
        try_join_all(write).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_file_has_no_cursors_and_a_bad_one_names_the_entry() {
        let dir = std::env::temp_dir().join(format!("cursors-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let store = FileCursors::new(dir.join("missing.json"));
        assert_eq!(store.load().await.expect("empty"), Cursors::new());

        let bad = dir.join("bad.json");
        std::fs::write(&bad, r#"{"fabrikam": {"0:project": "yesterday"}}"#).expect("write");
        let error = FileCursors::new(&bad).load().await.unwrap_err().to_string();
        assert!(error.contains("bad.json"), "{error}");
        assert!(error.contains("fabrikam.0:project"), "{error}");

        // A bare time (an older file) is a cursor of unknown cost; saving adds the cost.
        let old = dir.join("old.json");
        std::fs::write(&old, r#"{"fabrikam": {"0:build": "2026-11-30T10:00:00Z"}}"#)
            .expect("write");
        let store = FileCursors::new(&old);
        let mut cursors = store.load().await.expect("loads");
        let at: Timestamp = "2026-11-30T10:00:00Z".parse().expect("a time");
        assert_eq!(cursors["fabrikam"]["0:build"], Cursor::at(at));
        cursors.get_mut("fabrikam").expect("org").insert(
            "1:project".into(),
            Cursor {
                at,
                full_requests: Some(3),
            },
        );
        store.save(&cursors).await.expect("saved");
        assert_eq!(store.load().await.expect("loads"), cursors);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
