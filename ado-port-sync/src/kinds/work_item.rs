//! `work-item`.

use std::sync::Arc;

use ado_client::WorkItemExpand;
use ado_client::pager::WORK_ITEMS_BATCH;
use futures::{StreamExt, TryStreamExt, stream};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::item::{ItemKey, Lookup, LookupResult, found, listed_if, one};
use super::listing::{FAN_OUT, enrich, for_each, projects_of};
use super::options::{OptionError, text};
use super::{ItemStream, KindSource};
use crate::org::{OrgScope, ProjectEntry};

/// Default of the work-item `expand` option: fields, relations and links (as the reference
/// integration), so mappings can read `.relations` (parent links) and `._links`.
pub const DEFAULT_WORK_ITEM_EXPAND: WorkItemExpand = WorkItemExpand::All;

/// `work-item`, with its selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WorkItem {
    /// `wiql`: the condition work items meet.
    condition: Option<String>,
    /// `expand`: what to read of each work item.
    expand: WorkItemExpand,
}

impl KindSource for WorkItem {
    const NAME: &str = "work-item";
    const CALLS: &[&str] = &[
        "POST {project}/_apis/wit/wiql?$top=19999 per project, by ascending id ranges until a page is short (incremental: AND [System.ChangedDate] >= cursor, &timePrecision=true)",
        "POST {project}/_apis/wit/workitemsbatch per 200 ids, with $expand (default all) and no fields",
    ];
    const ENRICHMENT: &[&str] = &["__projectId", "__project"];
    const OPTIONS: &[&str] = &["wiql", "expand"];
    const LISTS_CHANGES: bool = true;

    /// Every project's work items matching the selector's WIQL condition, read in batches with
    /// `expand` (relations and `_links` with the default, `All`), with `__projectId` and
    /// `__project`; with `since`, those changed since it.
    fn items(&self, org: &Arc<OrgScope>, since: Option<Timestamp>) -> ItemStream {
        let scope = Arc::clone(org);
        let (condition, expand) = (self.condition.clone(), self.expand);
        for_each(projects_of(org), move |project| {
            let client = scope.client.clone();
            let project = Arc::new(project);
            let ids = match since {
                Some(since) => scope.client.work_item_ids_changed_since(
                    &project.id,
                    condition.as_deref(),
                    since,
                ),
                None => scope
                    .client
                    .work_item_ids(&project.id, condition.as_deref()),
            };
            ids.map_ok(move |ids| {
                let client = client.clone();
                let project = Arc::clone(&project);
                let batches: Vec<Vec<i64>> =
                    ids.chunks(WORK_ITEMS_BATCH).map(<[i64]>::to_vec).collect();
                stream::iter(batches)
                    .map(move |batch| {
                        let project = Arc::clone(&project);
                        client
                            .work_items(&project.id, &batch, Some(expand))
                            .map_ok(move |item| work_item(item.raw, &project))
                    })
                    .flatten_unordered(FAN_OUT)
            })
            .try_flatten()
        })
    }

    /// A work item read by id: found when it meets the selector's WIQL, else gone.
    async fn lookup(&self, org: &OrgScope, project: &ProjectEntry, key: &ItemKey) -> LookupResult {
        let ItemKey::WorkItem { id, removed, .. } = key else {
            return Ok(Lookup::other_kind(Self::NAME));
        };
        let client = &org.client;
        let read = client
            .work_items(&project.id, &[*id], Some(self.expand))
            .try_next()
            .await;
        let item = found(read)?
            .flatten()
            .map(|item| work_item(item.raw, project));
        Ok(match (item, self.condition.as_deref()) {
            // The resync lists only work items meeting the selector's WIQL.
            (Some(item), Some(condition)) => listed_if(
                item,
                client.work_item_meets(&project.id, condition, *id).await?,
            ),
            (item, _) => one(item, removed.clone().map(|item| work_item(item, project))),
        })
    }

    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self {
            condition: wiql_condition(options)?,
            expand: work_item_expand(options)?,
        })
    }
}

/// A `work-item` item: the work item with `__projectId` and `__project`.
fn work_item(item: Value, project: &ProjectEntry) -> Value {
    enrich(
        item,
        [
            ("__projectId", Value::String(project.id.clone())),
            ("__project", project.raw.clone()),
        ],
    )
}

/// The `wiql` option: a WIQL condition, without `ORDER BY` (the listing pages by id).
fn wiql_condition(options: &Map<String, Value>) -> Result<Option<String>, OptionError> {
    let condition = text(options, "wiql")?;
    if let Some(wiql) = &condition {
        let words: Vec<String> = wiql
            .split_whitespace()
            .map(str::to_ascii_uppercase)
            .collect();
        if words
            .windows(2)
            .any(|pair| pair[0] == "ORDER" && pair[1] == "BY")
        {
            return Err(OptionError::new(
                "wiql",
                "must be a condition without ORDER BY (work items are listed by id)",
            ));
        }
    }
    Ok(condition)
}

/// The `expand` option of `work-item` ([`DEFAULT_WORK_ITEM_EXPAND`] when absent).
fn work_item_expand(options: &Map<String, Value>) -> Result<WorkItemExpand, OptionError> {
    const CHOICES: [(&str, WorkItemExpand); 5] = [
        ("none", WorkItemExpand::None),
        ("relations", WorkItemExpand::Relations),
        ("fields", WorkItemExpand::Fields),
        ("links", WorkItemExpand::Links),
        ("all", WorkItemExpand::All),
    ];
    text(options, "expand")?
        .map(|expand| {
            CHOICES
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(&expand))
                .map(|(_, value)| *value)
                .ok_or_else(|| {
                    OptionError::new(
                        "expand",
                        format!("must be None, Relations, Fields, Links or All, got \"{expand}\""),
                    )
                })
        })
        .transpose()
        .map(|expand| expand.unwrap_or(DEFAULT_WORK_ITEM_EXPAND))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn work_item_options() {
        assert_eq!(
            parsed::<WorkItem>(json!({})),
            Ok(WorkItem {
                condition: None,
                expand: WorkItemExpand::All
            })
        );
        assert_eq!(
            parsed::<WorkItem>(
                json!({"wiql": "[System.State] <> 'Closed'", "expand": "relations"})
            ),
            Ok(WorkItem {
                condition: Some("[System.State] <> 'Closed'".into()),
                expand: WorkItemExpand::Relations
            })
        );
        assert_eq!(
            parsed::<WorkItem>(json!({"expand": "None"})),
            Ok(WorkItem {
                condition: None,
                expand: WorkItemExpand::None
            })
        );
        let err =
            parsed::<WorkItem>(json!({"wiql": "[System.State] = 'New' order  by [System.Id]"}))
                .unwrap_err();
        assert_eq!(err.option, "wiql");
        assert!(err.message.contains("ORDER BY"), "{err}");
        assert!(parsed::<WorkItem>(json!({"wiql": ""})).is_err());
        assert!(parsed::<WorkItem>(json!({"wiql": 3})).is_err());
        let err = parsed::<WorkItem>(json!({"expand": "everything"})).unwrap_err();
        assert_eq!(err.option, "expand");
    }
}
