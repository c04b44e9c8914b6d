//! `user`.

use std::sync::Arc;

use ado_client::UserEntitlementQuery;
use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::options::{OptionError, string_list, unsupported};
use super::{ItemStream, KindSource};
use crate::org::OrgScope;

/// `user`, with its selector options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct User {
    /// `source`: where users come from.
    source: UserSource,
    /// `includeFields`, as the entitlements' `select`.
    select: Option<String>,
    /// `subjectTypes` of Graph users, comma-separated.
    subject_types: Option<String>,
    /// An `apiVersion` before 7: entitlements paged the old way.
    legacy_paging: bool,
}

/// Where `user` items come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserSource {
    /// User entitlements (licenses), the default.
    Entitlements,
    /// Graph users.
    Graph,
}

impl KindSource for User {
    const NAME: &str = "user";
    const CALLS: &[&str] =
        &["GET {vsaex}/_apis/userentitlements, or GET {vssps}/_apis/graph/users"];
    const OPTIONS: &[&str] = &["source", "includeFields", "subjectTypes", "apiVersion"];

    /// User entitlements (default) or Graph users.
    fn items(&self, org: &Arc<OrgScope>, _since: Option<Timestamp>) -> ItemStream {
        match self.source {
            UserSource::Entitlements => {
                let mut query = UserEntitlementQuery::new().legacy_paging(self.legacy_paging);
                if let Some(select) = &self.select {
                    query = query.select(select.as_str());
                }
                org.client
                    .user_entitlements(&query)
                    .map_ok(|user| user.raw)
                    .boxed()
            }
            UserSource::Graph => org
                .client
                .graph_users(self.subject_types.as_deref())
                .map_ok(|user| user.raw)
                .boxed(),
        }
    }

    fn parse(options: &Map<String, Value>) -> Result<Self, OptionError> {
        let source = match options.get("source") {
            None | Some(Value::Null) => UserSource::Entitlements,
            Some(Value::String(s)) if s == "entitlements" => UserSource::Entitlements,
            Some(Value::String(s)) if s == "graph" => UserSource::Graph,
            Some(other) => {
                return Err(OptionError::new(
                    "source",
                    format!("must be \"entitlements\" or \"graph\", got {other}"),
                ));
            }
        };
        unsupported(options, "includeGroupMemberships")?;
        const FIELDS: [&str; 4] = ["license", "extensions", "projects", "groupRules"];
        let fields = string_list(options, "includeFields")?;
        if let Some(bad) = fields.iter().find(|f| !FIELDS.contains(&f.as_str())) {
            return Err(OptionError::new(
                "includeFields",
                format!("must only name {}, got `{bad}`", FIELDS.join(", ")),
            ));
        }
        let subject_types = match options.get("subjectTypes") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Array(_)) => Some(string_list(options, "subjectTypes")?.join(",")),
            Some(other) => {
                return Err(OptionError::new(
                    "subjectTypes",
                    format!("must be a string or a list of strings, got {other}"),
                ));
            }
        };
        let legacy_paging = match options.get("apiVersion") {
            None | Some(Value::Null) => false,
            Some(Value::String(v)) => {
                let major = v.split('.').next().and_then(|m| m.parse::<u32>().ok());
                match major {
                    Some(major) => major < 7,
                    None => {
                        return Err(OptionError::new(
                            "apiVersion",
                            format!("must look like \"7.1\", got \"{v}\""),
                        ));
                    }
                }
            }
            Some(other) => {
                return Err(OptionError::new(
                    "apiVersion",
                    format!("must be a string such as \"7.1\", got {other}"),
                ));
            }
        };
        Ok(Self {
            source,
            select: (!fields.is_empty()).then(|| fields.join(",")),
            subject_types,
            legacy_paging,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::options::parsed;
    use serde_json::json;

    #[test]
    fn user_options() {
        assert_eq!(
            parsed::<User>(json!({"includeFields": ["license", "projects"], "apiVersion": "6.0"})),
            Ok(User {
                source: UserSource::Entitlements,
                select: Some("license,projects".into()),
                subject_types: None,
                legacy_paging: true,
            })
        );
        assert_eq!(
            parsed::<User>(json!({"source": "graph", "subjectTypes": ["aad", "msa"]})),
            Ok(User {
                source: UserSource::Graph,
                select: None,
                subject_types: Some("aad,msa".into()),
                legacy_paging: false,
            })
        );
        assert!(parsed::<User>(json!({"source": "ldap"})).is_err());
        assert!(parsed::<User>(json!({"includeFields": ["secrets"]})).is_err());
        assert!(parsed::<User>(json!({"apiVersion": "latest"})).is_err());
        assert!(parsed::<User>(json!({"includeGroupMemberships": true})).is_err());
    }
}
