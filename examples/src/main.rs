//! `ado-port`: keeps a Port software catalog in sync with Azure DevOps.

mod blueprints;
mod clients;
mod demo;
mod fetch;
mod listen;
mod map;
mod settings;
mod sync;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Keeps a Port software catalog in sync with Azure DevOps.
#[derive(Parser)]
#[command(name = "ado-port", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Syncs a bundled sample organization, served on loopback, into a file (no credentials needed).
    Demo(demo::DemoArgs),
    /// Resyncs Azure DevOps into Port (or into a file with --output).
    Sync(sync::SyncArgs),
    /// Maps raw Azure DevOps items (a JSON array or NDJSON) to Port entities, one per line.
    Map(map::MapArgs),
    /// Prints the raw items of one kind, with enrichment fields, as NDJSON.
    Fetch(fetch::FetchArgs),
    /// Serves Azure DevOps service hooks (live events) into Port.
    Listen(listen::ListenArgs),
    /// Creates the default blueprints in Port.
    Blueprints(blueprints::BlueprintsArgs),
}

/// A failure reported as one line on stderr.
#[derive(Debug)]
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(async {
            match &cli.command {
                Command::Demo(args) => demo::run(args).await,
                Command::Sync(args) => sync::run(args).await,
                Command::Map(args) => map::run(args),
                Command::Fetch(args) => fetch::run(args).await,
                Command::Listen(args) => listen::run(args).await,
                Command::Blueprints(args) => blueprints::run(args).await,
            }
        }),
        Err(e) => Err(Failure(format!("starting the async runtime: {e}"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
