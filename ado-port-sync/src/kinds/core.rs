//! `project`, `team`, `member` and `user`.

use std::sync::Arc;

use ado_client::UserEntitlementQuery;
use ado_client::models::{Team, TeamMember};
use ado_client::pager::Listed;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::Value;

use super::options::UserSource;
use super::{FAN_OUT, ItemStream, enrich, fan_out, for_each, projects_of};
use crate::org::{OrgScope, SharedList, listed_once};

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

/// The organization's teams whose project is kept; listed once when `team` and `member` both
/// read them.
fn kept_teams(org: &Arc<OrgScope>) -> BoxStream<'static, ado_client::Result<Listed<Team>>> {
    let scope = Arc::clone(org);
    listed_once(org, SharedList::Teams, "", org.client.teams())
        .try_filter_map(move |team| {
            let org = Arc::clone(&scope);
            async move {
                if !org.excludes_projects() {
                    return Ok(Some(team));
                }
                match team.item.project_id.as_deref() {
                    Some(id) if org.has_project(id).await? => Ok(Some(team)),
                    _ => Ok(None),
                }
            }
        })
        .boxed()
}

/// `team`: the organization's teams (of kept projects), with `__members` on request.
pub(super) fn teams(org: &Arc<OrgScope>, include_members: bool) -> ItemStream {
    let scope = Arc::clone(org);
    kept_teams(org)
        .map(move |team| {
            let org = Arc::clone(&scope);
            async move { team_item(&org, team?, include_members).await }
        })
        .buffered(FAN_OUT)
        .boxed()
}

async fn team_item(
    org: &OrgScope,
    team: Listed<Team>,
    include_members: bool,
) -> ado_client::Result<Value> {
    if !include_members {
        return Ok(team.raw);
    }
    let members: Vec<Value> = team_members(org, &team)
        .map_ok(|member| member.raw)
        .try_collect()
        .await?;
    Ok(enrich(team.raw, [("__members", Value::Array(members))]))
}

/// A team's members; none for a team without a project id.
fn team_members(
    org: &OrgScope,
    team: &Listed<Team>,
) -> BoxStream<'static, ado_client::Result<Listed<TeamMember>>> {
    match team.item.project_id.as_deref() {
        Some(project_id) => org.client.team_members(project_id, &team.item.id).boxed(),
        None => stream::empty().boxed(),
    }
}

/// `member`: the members of every team (of kept projects), with `__teamId`.
pub(super) fn members(org: &Arc<OrgScope>) -> ItemStream {
    let scope = Arc::clone(org);
    fan_out(kept_teams(org), move |team| {
        let team_id = Value::String(team.item.id.clone());
        team_members(&scope, &team)
            .map_ok(move |member| enrich(member.raw, [("__teamId", team_id.clone())]))
    })
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
