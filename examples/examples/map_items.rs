//! The mapping engine alone: Port's mapping YAML applied to raw items, with jq's semantics.
//!
//! ```sh
//! cargo run -p ado-port-examples --example map_items
//! ```

use ado_port_sync::mapping::{Mapping, Options, Outcome};
use serde_json::json;

const MAPPING: &str = r#"
resources:
  - kind: repository
    selector:
      query: '.isDisabled | not'
    port:
      entity:
        mappings:
          identifier: .id
          title: .name
          blueprint: '"azureDevopsRepository"'
          properties:
            url: .remoteUrl
            defaultBranch: .defaultBranch | ltrimstr("refs/heads/")
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Compiled once: every jq program of the mapping, with errors naming resource and field.
    let mapping = Mapping::from_yaml(MAPPING, Options::default())?;
    let items = [
        json!({"id": "r1", "name": "web", "isDisabled": false,
               "remoteUrl": "https://dev.azure.com/fabrikam/_git/web",
               "defaultBranch": "refs/heads/main"}),
        json!({"id": "r2", "name": "archive", "isDisabled": true}),
    ];
    for resource in &mapping.resources {
        for (item, mapped) in items.iter().zip(mapping.map_batch(resource, &items)?) {
            for outcome in mapped.outcomes {
                match outcome {
                    Outcome::Entity(entity) => println!("{}", serde_json::to_string(&entity)?),
                    Outcome::Filtered => println!("{} left out by the selector", item["id"]),
                    other => println!("{}: {other:?}", item["id"]),
                }
            }
        }
    }
    Ok(())
}
