//! Port's mapping configuration, compiled once and evaluated with jq 1.8's semantics.
//!
//! A [`Mapping`] is loaded from the YAML users write in Port (or the JSON Port
//! stores); every jq program in it is compiled once, with errors that name the
//! resource, the field and the position in the program. [`Mapping::map_batch`]
//! turns raw items into [`Entity`] values exactly as Port's own integration
//! would, on all cores.
//!
//! ```
//! use mapping_engine::{Mapping, Options, Outcome};
//! use serde_json::json;
//!
//! let mapping = Mapping::from_yaml(r#"
//! resources:
//!   - kind: project
//!     selector:
//!       query: 'true'
//!     port:
//!       entity:
//!         mappings:
//!           identifier: .id | gsub(" "; "")
//!           blueprint: '"azureDevopsProject"'
//!           title: .name
//! "#, Options::default()).unwrap();
//! let resource = &mapping.resources[0];
//! let mapped = mapping.map_batch(resource, &[json!({"id": "a b", "name": "Fabrikam"})]).unwrap();
//! let Outcome::Entity(entity) = &mapped[0].outcomes[0] else { panic!() };
//! assert_eq!(entity.identifier, json!("ab"));
//! ```
mod config;
mod entity;
mod error;
mod eval;
pub mod jq;
mod pool;
mod quotes;

pub use config::{Mapping, Options, Resource, Settings, SpecFiles};
pub use entity::{Entity, Mapped, Outcome, SkipReason, Warning};
pub use error::{ConfigError, MapError};
