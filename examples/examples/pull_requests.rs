//! Every active pull request of an organization, across its projects, as one stream.
//!
//! ```sh
//! ADO_ORGANIZATION_URL=https://dev.azure.com/fabrikam ADO_PAT=... \
//!     cargo run -p ado-port-examples --example pull_requests
//! ```
//!
//! Without `ADO_ORGANIZATION_URL`, it lists the sample organization bundled with the
//! examples, served on loopback.

use std::env;

use ado_client::{AdoClient, Credential, Organization, PullRequestQuery};
use ado_port_examples::sample_org::SampleOrganization;
use futures::TryStreamExt as _;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // Kept alive while the client uses it.
    let mut sample = None;
    let client = match env::var("ADO_ORGANIZATION_URL") {
        Ok(url) => {
            let pat = env::var("ADO_PAT").map_err(|_| "ADO_PAT is not set")?;
            AdoClient::builder(Organization::parse(&url)?, Credential::pat(&pat)).build()?
        }
        Err(_) => sample.insert(SampleOrganization::serve().await?).client()?,
    };
    let mut active = client.all_pull_requests(&PullRequestQuery::new());
    while let Some((project, pull_request)) = active.try_next().await? {
        println!(
            "{:<24} !{:<6} {}",
            project.item.name,
            pull_request.item.pull_request_id,
            pull_request.item.title.as_deref().unwrap_or_default()
        );
    }
    Ok(())
}
