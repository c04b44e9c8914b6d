//! `ado-port`: keeps a Port software catalog in sync with Azure DevOps.

mod map;

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
    /// Maps raw Azure DevOps items (a JSON array or NDJSON) to Port entities, one per line.
    Map(map::MapArgs),
}

/// A failure reported as one line on stderr.
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Map(args) => map::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
