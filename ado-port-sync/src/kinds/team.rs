//! `team`.

use std::sync::Arc;

use ado_client::models::{Team as ListedTeam, TeamMember};
use ado_client::pager::Listed;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt, stream};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::listing::{FAN_OUT, enrich};
use super::options::{OptionError, flag, unsupported};
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, SharedList, listed_once};

/// `team`, with its selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Team {
    /// `includeMembers`: read each team's members.
    include_members: bool,
}

impl KindSource for Team {
    const NAME: &str = "team";
    const CALLS: &[&str] = &[
        "GET _apis/teams",
        "with includeMembers: GET _apis/projects/{project}/teams/{team}/members per team",
    ];
    const ENRICHMENT: &[&str] = &["__members"];
    const OPTIONS: &[&str] = &["includeMembers"];

    /// The organization's teams (of kept projects), with `__members` on request.
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        let include_members = self.include_members;
        kept_teams(org)
            .map(move |team| {
                let org = Arc::clone(&scope);
                async move { team_item(&org, team?, include_members).await }
            })
            .buffered(FAN_OUT)
            .boxed()
    }

    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError> {
        unsupported(options, "includeAreaPaths")?;
        Ok(Self {
            include_members: flag(options, "includeMembers")?,
        })
    }
}

/// The organization's teams whose project is kept; listed once when `team` and `member` both
/// read them.
pub(super) fn kept_teams(
    org: &Arc<OrgScope>,
) -> BoxStream<'static, ado_client::Result<Listed<ListedTeam>>> {
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

async fn team_item(
    org: &OrgScope,
    team: Listed<ListedTeam>,
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
pub(super) fn team_members(
    org: &OrgScope,
    team: &Listed<ListedTeam>,
) -> BoxStream<'static, ado_client::Result<Listed<TeamMember>>> {
    match team.item.project_id.as_deref() {
        Some(project_id) => org.client.team_members(project_id, &team.item.id).boxed(),
        None => stream::empty().boxed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn include_members_is_a_flag_and_area_paths_are_not_supported() {
        let err = parsed::<Team>(json!({"includeMembers": "yes"})).unwrap_err();
        assert_eq!(err.option, "includeMembers");
        assert!(parsed::<Team>(json!({"includeAreaPaths": true})).is_err());
    }
}
