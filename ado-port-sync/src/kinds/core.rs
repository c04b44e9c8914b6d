//! `project`, `team` and `user`.

use std::sync::Arc;

use ado_client::UserEntitlementQuery;
use ado_client::models::Team;
use ado_client::pager::Listed;
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::Value;

use super::options::UserSource;
use super::{FAN_OUT, ItemStream, enrich, for_each, projects_of};
use crate::org::OrgScope;

/// `project`: the listed projects, or with `defaultTeam` each project's own payload (which
/// has `defaultTeam`).
pub(super) fn projects(org: &Arc<OrgScope>, default_team: bool) -> ItemStream {
    let scope = Arc::clone(org);
    for_each(projects_of(org), move |project| {
        let org = Arc::clone(&scope);
        stream::once(async move {
            if default_team {
                org.client.project(&project.id).await.map(|p| p.raw)
            } else {
                Ok(project.raw)
            }
        })
    })
}

/// `team`: the organization's teams (of kept projects), with `__members` on request.
pub(super) fn teams(org: &Arc<OrgScope>, include_members: bool) -> ItemStream {
    let scope = Arc::clone(org);
    org.client
        .teams()
        .map(move |team| {
            let org = Arc::clone(&scope);
            async move { team_item(&org, team?, include_members).await }
        })
        .buffered(FAN_OUT)
        .try_filter_map(|team| async move { Ok(team) })
        .boxed()
}

async fn team_item(
    org: &OrgScope,
    team: Listed<Team>,
    include_members: bool,
) -> ado_client::Result<Option<Value>> {
    let project_id = team.item.project_id.as_deref();
    if org.excludes_projects() {
        match project_id {
            Some(id) if org.has_project(id).await? => {}
            _ => return Ok(None),
        }
    }
    if !include_members {
        return Ok(Some(team.raw));
    }
    let members: Vec<Value> = match project_id {
        Some(project_id) => {
            org.client
                .team_members(project_id, &team.item.id)
                .map_ok(|member| member.raw)
                .try_collect()
                .await?
        }
        None => Vec::new(),
    };
    Ok(Some(enrich(
        team.raw,
        [("__members", Value::Array(members))],
    )))
}

/// `user`: user entitlements (default) or Graph users.
pub(super) fn users(
    org: &Arc<OrgScope>,
    source: UserSource,
    select: Option<String>,
    subject_types: Option<String>,
    legacy_paging: bool,
) -> ItemStream {
    match source {
        UserSource::Entitlements => {
            let mut query = UserEntitlementQuery::new().legacy_paging(legacy_paging);
            if let Some(select) = select {
                query = query.select(select);
            }
            org.client
                .user_entitlements(&query)
                .map_ok(|user| user.raw)
                .boxed()
        }
        UserSource::Graph => org
            .client
            .graph_users(subject_types.as_deref())
            .map_ok(|user| user.raw)
            .boxed(),
    }
}
