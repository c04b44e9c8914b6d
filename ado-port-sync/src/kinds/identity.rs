//! `group` and `group-member` (Graph; Azure DevOps Services only).

use std::sync::Arc;

use ado_client::AdoClient;
use ado_client::pager::SUBJECT_LOOKUP_BATCH;
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::Value;

use super::{ItemStream, enrich, fan_out};
use crate::org::OrgScope;

/// `group`: the organization's Graph groups.
pub(super) fn groups(org: &Arc<OrgScope>) -> ItemStream {
    org.client.graph_groups().map_ok(|group| group.raw).boxed()
}

/// `group-member`: the direct members of every Graph group, each the member's subject (user
/// or group) with `__group`. Subjects are looked up [`SUBJECT_LOOKUP_BATCH`] at a time.
pub(super) fn group_members(org: &Arc<OrgScope>) -> ItemStream {
    let client = org.client.clone();
    fan_out(org.client.graph_groups(), move |group| {
        let client = client.clone();
        let group_raw = Arc::new(group.raw);
        match group.item.descriptor {
            Some(descriptor) => {
                stream::once(async move { members_of(&client, &descriptor, &group_raw).await })
                    .map_ok(|members| stream::iter(members.into_iter().map(Ok)))
                    .try_flatten()
                    .boxed()
            }
            None => stream::empty().boxed(),
        }
    })
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
