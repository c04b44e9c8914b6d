//! `pipeline`.

use std::sync::Arc;

use futures::TryStreamExt;
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::listing::{enrich, for_each, projects_of};
use super::options::{OptionError, unsupported};
use super::{ItemStream, KindSource};
use crate::org::OrgScope;

/// `pipeline`, which has no selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pipeline;

impl KindSource for Pipeline {
    const NAME: &str = "pipeline";
    const CALLS: &[&str] = &["GET {project}/_apis/pipelines per project"];
    const ENRICHMENT: &[&str] = &["__projectId"];

    /// Every project's pipelines, with `__projectId`.
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        for_each(projects_of(org), move |project| {
            let project_id = Value::String(project.id.clone());
            scope
                .client
                .pipelines(&project.id)
                .map_ok(move |pipeline| enrich(pipeline.raw, [("__projectId", project_id.clone())]))
        })
    }

    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError> {
        unsupported(options, "includeRepo")?;
        Ok(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn pipeline_options() {
        assert_eq!(parsed::<Pipeline>(json!({})), Ok(Pipeline));
        assert!(parsed::<Pipeline>(json!({"includeRepo": true})).is_err());
    }
}
