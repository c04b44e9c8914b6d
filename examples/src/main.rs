//! `ado-port`: keeps a Port software catalog in sync with Azure DevOps.

mod blueprints;
mod demo;
mod fetch;
mod listen;
mod map;
mod mapping_source;
mod signals;
mod sync;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Keeps a Port software catalog in sync with Azure DevOps.
#[derive(Parser)]
#[command(
    name = "ado-port",
    version,
    about = "Keeps a Port software catalog in sync with Azure DevOps"
)]
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

/// Why a command did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// One line on stderr; exit status 1.
    Message(String),
    /// Stopped cleanly by a signal; exit status 130 (SIGINT) or 143 (SIGTERM).
    Interrupted(signals::Signal),
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Message(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let result = match &cli.command {
        // Mapping needs no runtime; a signal ends it the default way.
        Command::Map(args) => map::run(args),
        command => run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Message(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
        Err(Failure::Interrupted(signal)) => {
            eprintln!("stopped by {}", signal.name());
            ExitCode::from(signal.exit_code())
        }
    }
}

/// Runs an asynchronous command, handling SIGINT and SIGTERM from its start.
fn run(command: &Command) -> Result<(), Failure> {
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| Failure::Message(format!("starting the async runtime: {e}")))?;
    let result = runtime.block_on(async {
        let shutdown = signals::Shutdown::listen()?;
        match command {
            Command::Demo(args) => demo::run(args, &shutdown).await,
            Command::Sync(args) => sync::run(args, &shutdown).await,
            Command::Fetch(args) => shutdown.interruptible(fetch::run(args)).await,
            Command::Listen(args) => listen::run(args, &shutdown).await,
            Command::Blueprints(args) => shutdown.interruptible(blueprints::run(args)).await,
            Command::Map(args) => map::run(args),
        }
    });
    // Work a signal abandoned (a blocked read or write) must not hold the exit.
    runtime.shutdown_background();
    result
}
