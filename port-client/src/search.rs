//! Entity search (`POST /v1/entities/search`).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::client::PortClient;
use crate::entities::Entity;
use crate::error::Result;

/// How the rules of a [`SearchQuery`] combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Combinator {
    /// Every rule must match.
    And,
    /// Any rule may match.
    Or,
}

/// A search query: rules joined by a combinator. Rules are `{property, operator, value}`
/// objects or nested queries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// How the rules combine.
    pub combinator: Combinator,
    /// The rules, as Port expects them.
    pub rules: Vec<Value>,
}

impl SearchQuery {
    /// An empty query whose rules must all match.
    pub fn all() -> Self {
        Self {
            combinator: Combinator::And,
            rules: Vec::new(),
        }
    }

    /// An empty query of which any rule may match.
    pub fn any() -> Self {
        Self {
            combinator: Combinator::Or,
            rules: Vec::new(),
        }
    }

    /// Adds a `{property, operator, value}` rule, e.g. `("$blueprint", "=", "service")`.
    #[must_use]
    pub fn rule(mut self, property: &str, operator: &str, value: impl Into<Value>) -> Self {
        self.rules.push(json!({
            "property": property,
            "operator": operator,
            "value": value.into(),
        }));
        self
    }

    /// Adds a nested query as a rule.
    #[must_use]
    pub fn nested(mut self, query: SearchQuery) -> Self {
        self.rules.push(json!(query));
        self
    }
}

/// Options of a search call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchOptions {
    include: Vec<String>,
    exclude_calculated_properties: bool,
}

impl SearchOptions {
    /// Returns only these fields of each entity (e.g. `identifier`, `blueprint`,
    /// `properties.url`). Include `identifier` so results decode as [`Entity`].
    #[must_use]
    pub fn include<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.include.extend(fields.into_iter().map(Into::into));
        self
    }

    /// Leaves calculation properties out of the results.
    #[must_use]
    pub fn exclude_calculated_properties(mut self, exclude: bool) -> Self {
        self.exclude_calculated_properties = exclude;
        self
    }
}

#[derive(Deserialize)]
struct SearchResponse {
    #[serde(default)]
    entities: Vec<Entity>,
}

impl PortClient {
    /// Searches entities across blueprints.
    pub async fn search_entities(
        &self,
        query: &SearchQuery,
        options: &SearchOptions,
    ) -> Result<Vec<Entity>> {
        let mut request = self
            .request(Method::POST, &["entities", "search"])?
            .json(query)?
            .retryable(true);
        if options.exclude_calculated_properties {
            request = request.query("exclude_calculated_properties", "true");
        }
        for field in &options.include {
            request = request.query("include", field);
        }
        let response: SearchResponse = self.send(&request, |r| r.json("entity search")).await?;
        Ok(response.entities)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_nested_queries() {
        let query = SearchQuery::all()
            .rule("$blueprint", "=", "service")
            .nested(SearchQuery::any().rule("$identifier", "in", json!(["a", "b"])));
        assert_eq!(
            json!(query),
            json!({"combinator": "and", "rules": [
                {"property": "$blueprint", "operator": "=", "value": "service"},
                {"combinator": "or", "rules": [
                    {"property": "$identifier", "operator": "in", "value": ["a", "b"]}
                ]}
            ]})
        );
    }
}
