//! Upserts one entity into Port.
//!
//! ```text
//! PORT_CLIENT_ID=... PORT_CLIENT_SECRET=... [PORT_BASE_URL=https://api.us.getport.io] \
//!     cargo run -p ado-port-examples --example upsert_entity -- [BLUEPRINT] [IDENTIFIER]
//! ```

use std::process::ExitCode;

use port_client::{Credentials, Entity, PortClient, UpsertOptions};

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

async fn run() -> Result<(), String> {
    let env = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let credentials = Credentials::new(env("PORT_CLIENT_ID")?, env("PORT_CLIENT_SECRET")?);
    let mut args = std::env::args().skip(1);
    let blueprint = args
        .next()
        .unwrap_or_else(|| "azureDevopsProject".to_owned());
    let identifier = args.next().unwrap_or_else(|| "example-project".to_owned());

    let mut builder = PortClient::builder(credentials);
    if let Ok(base_url) = std::env::var("PORT_BASE_URL") {
        builder = builder.base_url(base_url);
    }
    let port = builder.build().map_err(|e| e.to_string())?;

    let entity = Entity::new(blueprint, identifier.as_str())
        .with_title(format!("Example {identifier}"))
        .with_property("state", "wellFormed");
    let stored = port
        .upsert_entity(&entity, &UpsertOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::to_string_pretty(&stored).map_err(|e| e.to_string())?
    );
    Ok(())
}
