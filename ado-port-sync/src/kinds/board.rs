//! `board`.

use std::sync::Arc;

use ado_client::AdoClient;
use futures::StreamExt;
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::listing::{FAN_OUT, enrich, merged, nested, projects_of};
use super::options::OptionError;
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry};

/// `board`, which has no selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Board;

impl KindSource for Board {
    const NAME: &str = "board";
    const CALLS: &[&str] = &[
        "GET _apis/projects/{project}/teams per project",
        "GET {project}/{team}/_apis/work/boards per team",
        "GET {project}/{team}/_apis/work/boards/{id} per board",
    ];
    const ENRICHMENT: &[&str] = &["__project"];

    /// Every board of every team of every project, the listed reference merged with the
    /// board's own payload (columns, rows...), with `__project`. A team whose boards Azure
    /// DevOps answers with a 500 and its error body, after retries (what it does for a team
    /// without iterations), has none; a 500 without that body (a proxy) or any other failure
    /// fails the kind.
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        nested(
            org,
            projects_of(org),
            |org, project| org.client.project_teams(&project.id),
            |org, project, team| team_boards(&org.client, project, team.item.id.into()),
        )
    }

    fn parse(_: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

/// The boards of one team, each merged with its own payload.
fn team_boards(client: &AdoClient, project: &Arc<ProjectEntry>, team_id: Arc<str>) -> ItemStream {
    let listing_team = Arc::clone(&team_id);
    let client = client.clone();
    let project = Arc::clone(project);
    client
        .boards(&project.id, &team_id)
        .filter(move |board| {
            let skipped = board.as_ref().is_err_and(|e| {
                e.status().map(|s| s.as_u16()) == Some(500) && e.api_error().is_some()
            });
            if skipped {
                tracing::warn!(
                    team = %listing_team,
                    "boards unavailable (a team without iterations?); the team has none"
                );
            }
            std::future::ready(!skipped)
        })
        .map(move |board| {
            let client = client.clone();
            let project = Arc::clone(&project);
            let team_id = Arc::clone(&team_id);
            async move {
                let board = board?;
                let detail = client.board(&project.id, &team_id, &board.item.id).await?;
                Ok(enrich(
                    merged(board.raw, detail.raw),
                    [("__project", project.raw.clone())],
                ))
            }
        })
        .buffered(FAN_OUT)
        .boxed()
}
