//! The enriched raw items of one kind, as a mapping receives them.

use std::sync::Arc;

use ado_client::AdoClient;

use crate::kinds::{ItemStream, KindRequest};
use crate::org::OrgScope;

/// Streams the raw items of one kind for one organization, with the enrichment fields the
/// mapping sees (`__organizationUrl`, `__organizationName`, `__project`...). Projects carrying
/// one of `excluded_tags` are left out, as in a resync.
///
/// ```no_run
/// use ado_client::{AdoClient, Credential, Organization};
/// use ado_port_sync::{Kind, KindRequest, fetch};
/// use futures::TryStreamExt;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let org: Organization = "https://dev.azure.com/fabrikam".parse()?;
/// let client = AdoClient::builder(org, Credential::pat("my-pat")).build()?;
/// let request = KindRequest::new(Kind::REPOSITORY, &serde_json::Map::new())?;
/// let mut items = fetch(client, &request, &[]);
/// while let Some(item) = items.try_next().await? {
///     println!("{item}");
/// }
/// # Ok(())
/// # }
/// ```
pub fn fetch(client: AdoClient, request: &KindRequest, excluded_tags: &[String]) -> ItemStream {
    let org = OrgScope::new(client, Arc::from(excluded_tags));
    request.items(&org, None)
}
