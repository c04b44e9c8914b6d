//! Work items (WIQL and batches), boards, team iterations and area classification nodes
//! (Azure Boards).

use futures::StreamExt as _;
use futures::stream::{self, BoxStream};
use jiff::Timestamp;
use serde_json::json;

use crate::client::AdoClient;
use crate::error::Result;
use crate::models::{
    Board, BoardReference, ClassificationNode, TeamSettingsIteration, WorkItem, WorkItemQueryResult,
};
use crate::pager::{self, Listed, Pager};
use crate::profile::Operation;
use crate::transport::Request;

impl AdoClient {
    /// Lists a team's iterations.
    pub fn team_iterations(&self, project: &str, team: &str) -> Pager<TeamSettingsIteration> {
        self.list(Request::new(
            Operation::ListTeamIterations,
            &[&project, &team],
        ))
    }

    /// Reads a project's area tree from its root, down to `depth` levels of children (the
    /// server's default, only the root, when `None`).
    ///
    /// # Errors
    ///
    /// Any request or decode error.
    pub async fn area_tree(
        &self,
        project: &str,
        depth: Option<u32>,
    ) -> Result<Listed<ClassificationNode>> {
        let request = Request::new(Operation::GetClassificationNode, &[&project, &"Areas"])
            .query_opt("$depth", depth);
        self.get_listed(&request).await
    }

    /// Runs a WIQL query in a project and returns at most `top` matching work-item ids.
    /// `@project` in the query means this project.
    ///
    /// # Errors
    ///
    /// Any request or decode error; a query the server rejects is an
    /// [`Error::Api`](crate::Error::Api) with status 400.
    pub async fn query_work_items(
        &self,
        project: &str,
        wiql: &str,
        top: u32,
    ) -> Result<Listed<WorkItemQueryResult>> {
        self.run_wiql(project, wiql, top, false).await
    }

    /// [`query_work_items`](Self::query_work_items), with `timePrecision=true` when the
    /// query compares dates with times.
    async fn run_wiql(
        &self,
        project: &str,
        wiql: &str,
        top: u32,
        time_precision: bool,
    ) -> Result<Listed<WorkItemQueryResult>> {
        let request = Request::new(Operation::QueryWiql, &[&project])
            .query("$top", top)
            .query_opt("timePrecision", time_precision.then_some(true))
            .json_body(json!({ "query": wiql }));
        self.get_listed(&request).await
    }

    /// Streams the ids of a project's work items matching `condition` (a WIQL `WHERE`
    /// condition; every work item of the project when `None`), in ascending order, one page of
    /// at most [`WIQL_IDS`](pager::WIQL_IDS) ids at a time.
    ///
    /// Each page asks for the ids above the last one seen, so the listing goes past the
    /// server's cap of 20,000 results per query. `condition` must not hold an `ORDER BY`.
    pub fn work_item_ids(
        &self,
        project: &str,
        condition: Option<&str>,
    ) -> BoxStream<'static, Result<Vec<i64>>> {
        self.id_pages(project, condition.map(str::to_owned), false)
    }

    /// [`work_item_ids`](Self::work_item_ids) of the work items also changed at or after
    /// `since` (`[System.ChangedDate] >= 'since'`, compared to the second with
    /// `timePrecision=true`).
    pub fn work_item_ids_changed_since(
        &self,
        project: &str,
        condition: Option<&str>,
        since: Timestamp,
    ) -> BoxStream<'static, Result<Vec<i64>>> {
        let changed = format!(
            "[System.ChangedDate] >= '{}'",
            since.strftime("%Y-%m-%dT%H:%M:%SZ")
        );
        let condition = match condition {
            Some(condition) => format!("({condition}) AND {changed}"),
            None => changed,
        };
        self.id_pages(project, Some(condition), true)
    }

    /// The id pages of [`work_item_ids`](Self::work_item_ids).
    fn id_pages(
        &self,
        project: &str,
        condition: Option<String>,
        time_precision: bool,
    ) -> BoxStream<'static, Result<Vec<i64>>> {
        let client = self.clone();
        let project = project.to_owned();
        stream::try_unfold(Some(0_i64), move |after| {
            let client = client.clone();
            let project = project.clone();
            let query = after.map(|after| id_range_query(condition.as_deref(), after));
            async move {
                let (Some(after), Some(query)) = (after, query) else {
                    return Ok(None);
                };
                let result = client
                    .run_wiql(&project, &query, pager::WIQL_IDS, time_precision)
                    .await?;
                let ids: Vec<i64> = result
                    .item
                    .work_items
                    .unwrap_or_default()
                    .into_iter()
                    .map(|reference| reference.id)
                    .collect();
                let full = ids.len() >= pager::WIQL_IDS as usize;
                // A full page may have more after it; a last id that did not grow ends the
                // listing instead of asking for the same page again.
                let next = ids.last().copied().filter(|last| full && *last > after);
                Ok((!ids.is_empty()).then_some((ids, next)))
            }
        })
        .boxed()
    }

    /// Whether the work item `id` of `project` meets the WIQL `condition` (what follows
    /// `WHERE`, as for [`work_item_ids`](Self::work_item_ids)).
    ///
    /// # Errors
    ///
    /// Any request or decode error; a query the server rejects is an
    /// [`Error::Api`](crate::Error::Api) with status 400.
    pub async fn work_item_meets(&self, project: &str, condition: &str, id: i64) -> Result<bool> {
        let query = format!("{} AND [System.Id] = {id}", project_query(Some(condition)));
        let result = self.query_work_items(project, &query, 1).await?;
        Ok(result
            .item
            .work_items
            .unwrap_or_default()
            .iter()
            .any(|reference| reference.id == id))
    }

    /// Reads work items by id (at most [`WORK_ITEMS_BATCH`](pager::WORK_ITEMS_BATCH) ids per
    /// call), every field plus what `expand` adds (`$expand`, on every profile). Ids that no
    /// longer exist are left out.
    ///
    /// The request never names `fields`: Azure DevOps rejects a batch with both `fields` and
    /// `$expand`, so, like the reference integration's read, it asks for all fields.
    pub fn work_items(
        &self,
        project: &str,
        ids: &[i64],
        expand: Option<WorkItemExpand>,
    ) -> Pager<WorkItem> {
        let mut body = json!({ "ids": ids, "errorPolicy": "omit" });
        if let Some(expand) = expand {
            body["$expand"] = json!(expand.as_str());
        }
        self.list(Request::new(Operation::GetWorkItemsBatch, &[&project]).json_body(body))
    }

    /// Lists a team's boards (one per backlog level).
    pub fn boards(&self, project: &str, team: &str) -> Pager<BoardReference> {
        self.list(Request::new(Operation::ListBoards, &[&project, &team]))
    }

    /// Reads one of a team's boards with its columns and rows.
    ///
    /// # Errors
    ///
    /// Any request or decode error.
    pub async fn board(&self, project: &str, team: &str, board: &str) -> Result<Listed<Board>> {
        let request = Request::new(Operation::GetBoard, &[&project, &team, &board]);
        self.get_listed(&request).await
    }
}

/// The WIQL of one page of [`AdoClient::work_item_ids`].
fn id_range_query(condition: Option<&str>, after: i64) -> String {
    let mut query = project_query(condition);
    if after > 0 {
        query.push_str(" AND [System.Id] > ");
        query.push_str(&after.to_string());
    }
    query.push_str(" ORDER BY [System.Id] ASC");
    query
}

/// The ids of the project's work items meeting `condition`, as WIQL.
fn project_query(condition: Option<&str>) -> String {
    let mut query =
        String::from("SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project");
    if let Some(condition) = condition {
        query.push_str(" AND (");
        query.push_str(condition);
        query.push(')');
    }
    query
}

/// What [`AdoClient::work_items`] includes besides the fields (`$expand`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WorkItemExpand {
    /// Nothing more.
    None,
    /// Relations.
    Relations,
    /// Every field.
    Fields,
    /// Links.
    Links,
    /// Fields, relations and links.
    All,
}

impl WorkItemExpand {
    /// The `$expand` value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Relations => "relations",
            Self::Fields => "fields",
            Self::Links => "links",
            Self::All => "all",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_range_queries_scope_to_the_project_and_sort_by_id() {
        assert_eq!(
            id_range_query(None, 0),
            "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project \
             ORDER BY [System.Id] ASC"
        );
        assert_eq!(
            id_range_query(Some("[System.State] = 'Active' OR [System.Id] = 1"), 19_999),
            "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project \
             AND ([System.State] = 'Active' OR [System.Id] = 1) AND [System.Id] > 19999 \
             ORDER BY [System.Id] ASC"
        );
    }
}
