//! `project`.

use std::sync::Arc;

use futures::stream;
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::listing::{for_each, projects_of};
use super::options::{OptionError, flag};
use super::{ItemStream, KindSource};
use crate::org::OrgScope;

/// `project`, with its selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Project {
    /// `defaultTeam`: read each project on its own, for its `defaultTeam`.
    default_team: bool,
}

impl KindSource for Project {
    const NAME: &str = "project";
    const CALLS: &[&str] = &[
        "GET _apis/projects",
        "with defaultTeam: GET _apis/projects/{id} per project",
    ];
    const OPTIONS: &[&str] = &["defaultTeam"];

    /// The listed projects, or with `defaultTeam` each project's own payload (which has
    /// `defaultTeam`).
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        let default_team = self.default_team;
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

    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self {
            default_team: flag(options, "defaultTeam")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn flags_accept_booleans_and_their_strings() {
        for (value, expected) in [
            (json!(true), true),
            (json!("true"), true),
            (json!("false"), false),
            (json!(false), false),
            (Value::Null, false),
        ] {
            assert_eq!(
                parsed::<Project>(json!({ "defaultTeam": value })),
                Ok(Project {
                    default_team: expected
                })
            );
        }
    }
}
