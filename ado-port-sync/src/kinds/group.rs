//! `group` (Graph; Azure DevOps Services only).

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::options::OptionError;
use super::{ItemStream, KindSource};
use crate::org::OrgScope;

/// `group`, which has no selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group;

impl KindSource for Group {
    const NAME: &str = "group";
    const CALLS: &[&str] = &["GET {vssps}/_apis/graph/groups"];

    /// The organization's Graph groups.
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        org.client.graph_groups().map_ok(|group| group.raw).boxed()
    }

    fn parse(_: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(Self)
    }
}
