//! `member`.

use std::sync::Arc;

use futures::TryStreamExt;
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::listing::{enrich, fan_out};
use super::options::OptionError;
use super::team::{kept_teams, team_members};
use super::{ItemStream, KindSource};
use crate::org::OrgScope;

/// `member`, which has no selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member;

impl KindSource for Member {
    const NAME: &str = "member";
    const CALLS: &[&str] = &[
        "GET _apis/teams",
        "GET _apis/projects/{project}/teams/{team}/members per team",
    ];
    const ENRICHMENT: &[&str] = &["__teamId"];

    /// The members of every team (of kept projects), with `__teamId`.
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        fan_out(kept_teams(org), move |team| {
            let team_id = Value::String(team.item.id.clone());
            team_members(&scope, &team)
                .map_ok(move |member| enrich(member.raw, [("__teamId", team_id.clone())]))
        })
    }

    fn parse(_: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self)
    }
}
