//! `iteration`.

use std::sync::Arc;

use futures::TryStreamExt;
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::listing::{enrich, nested, projects_of};
use super::options::OptionError;
use super::{ItemStream, KindSource};
use crate::org::OrgScope;

/// `iteration`, which has no selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Iteration;

impl KindSource for Iteration {
    const NAME: &str = "iteration";
    const CALLS: &[&str] = &[
        "GET _apis/projects/{project}/teams per project",
        "GET {project}/{team}/_apis/work/teamsettings/iterations per team",
    ];
    const ENRICHMENT: &[&str] = &["__project", "__team"];

    /// The iterations of every team of every project, with `__project` and `__team`.
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        nested(
            org,
            projects_of(org),
            |org, project| org.client.project_teams(&project.id),
            |org, project, team| {
                let fields = [("__project", project.raw.clone()), ("__team", team.raw)];
                org.client
                    .team_iterations(&project.id, &team.item.id)
                    .map_ok(move |iteration| enrich(iteration.raw, fields.clone()))
            },
        )
    }

    fn parse(_: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self)
    }
}
