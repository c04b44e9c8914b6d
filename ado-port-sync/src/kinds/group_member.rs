//! `group-member` (Graph; Azure DevOps Services only).

use std::sync::Arc;

use ado_client::AdoClient;
use ado_client::pager::SUBJECT_LOOKUP_BATCH;
use futures::{StreamExt, TryStreamExt, stream};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::listing::{enrich, fan_out, flattened};
use super::options::OptionError;
use super::{ItemStream, KindSource};
use crate::org::OrgScope;

/// `group-member`, which has no selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupMember;

impl KindSource for GroupMember {
    const NAME: &str = "group-member";
    const CALLS: &[&str] = &[
        "GET {vssps}/_apis/graph/groups",
        "GET {vssps}/_apis/graph/memberships/{descriptor}?direction=down per group",
        "POST {vssps}/_apis/graph/subjectlookup per 500 members",
    ];
    const ENRICHMENT: &[&str] = &["__group"];

    /// The direct members of every Graph group, each the member's subject (user or group)
    /// with `__group`. Subjects are looked up [`SUBJECT_LOOKUP_BATCH`] at a time.
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        let client = org.client.clone();
        fan_out(org.client.graph_groups(), move |group| {
            let client = client.clone();
            let group_raw = group.raw;
            match group.item.descriptor {
                Some(descriptor) => {
                    flattened(async move { members_of(&client, &descriptor, &group_raw).await })
                }
                None => stream::empty().boxed(),
            }
        })
    }

    fn parse(_: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

/// A group's direct members, in membership order, as looked-up subjects with `__group`.
async fn members_of(
    client: &AdoClient,
    group_descriptor: &str,
    group: &Value,
) -> ado_client::Result<Vec<Value>> {
    let descriptors: Vec<String> = client
        .group_memberships(group_descriptor)
        .try_filter_map(|membership| async move { Ok(membership.item.member_descriptor) })
        .try_collect()
        .await?;
    let mut members = Vec::with_capacity(descriptors.len());
    for batch in descriptors.chunks(SUBJECT_LOOKUP_BATCH) {
        let mut found = client
            .lookup_subjects(batch)
            .await?
            .item
            .value
            .unwrap_or_default();
        members.extend(batch.iter().filter_map(|descriptor| {
            found
                .shift_remove(descriptor)
                .map(|subject| enrich(subject, [("__group", group.clone())]))
        }));
    }
    Ok(members)
}
