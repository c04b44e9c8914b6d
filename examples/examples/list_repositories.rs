//! Prints the name of every Git repository of an organization.
//!
//! ```sh
//! ADO_ORGANIZATION_URL=https://dev.azure.com/fabrikam ADO_PAT=... \
//!     cargo run -p ado-port-examples --example list_repositories
//! ```
//!
//! Instead of `ADO_PAT`, a service principal can be given with `ADO_TENANT_ID`,
//! `ADO_CLIENT_ID` and `ADO_CLIENT_SECRET`.

use std::env;
use std::process::ExitCode;

use ado_client::{AdoClient, Credential, Organization, ServicePrincipal};
use futures::TryStreamExt as _;

fn credential() -> Result<Credential, String> {
    if let Ok(pat) = env::var("ADO_PAT") {
        return Ok(Credential::pat(&pat));
    }
    let var = |name: &str| env::var(name).map_err(|_| format!("{name} is not set"));
    match (
        var("ADO_TENANT_ID"),
        var("ADO_CLIENT_ID"),
        var("ADO_CLIENT_SECRET"),
    ) {
        (Ok(tenant), Ok(client), Ok(secret)) => ServicePrincipal::builder(tenant, client, secret)
            .build()
            .map(Credential::from)
            .map_err(|e| e.to_string()),
        _ => Err("set ADO_PAT, or ADO_TENANT_ID, ADO_CLIENT_ID and ADO_CLIENT_SECRET".to_owned()),
    }
}

async fn run() -> Result<(), String> {
    let url = env::var("ADO_ORGANIZATION_URL").map_err(|_| "ADO_ORGANIZATION_URL is not set")?;
    let organization: Organization = url.parse().map_err(|e: ado_client::Error| e.to_string())?;
    let client = AdoClient::builder(organization, credential()?)
        .build()
        .map_err(|e| e.to_string())?;
    let mut repositories = client.all_repositories();
    while let Some(repository) = repositories.try_next().await.map_err(|e| e.to_string())? {
        println!("{}", repository.item.name);
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
