//! `ado-port map`: raw items in, entities out.

use crate::Failure;
use mapping_engine::{Options, Outcome};
use serde_json::Value;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;

/// Items mapped per batch (each batch is spread over all cores).
const BATCH: usize = 8192;

/// Arguments of `ado-port map`.
#[derive(clap::Args)]
pub struct MapArgs {
    /// The Port mapping (YAML).
    #[arg(long)]
    mapping: PathBuf,
    /// The kind whose resources map the items, e.g. `pull-request`.
    #[arg(long)]
    kind: String,
    /// Raw items: a JSON array or NDJSON; `-` or nothing reads standard input.
    input: Option<PathBuf>,
    /// Let jq programs read the process environment through `env` and `$ENV`.
    #[arg(long)]
    allow_env: bool,
}

pub fn run(args: &MapArgs) -> Result<(), Failure> {
    let options = Options {
        env: args
            .allow_env
            .then(|| std::env::vars().map(|(k, v)| (k, Value::from(v))).collect()),
        ..Options::default()
    };
    let mapping = crate::clients::load_mapping(&args.mapping, options)?;
    let (name, items) = read_items(args.input.as_deref())?;
    let resources: Vec<_> = mapping.resources_of(&args.kind).collect();
    if resources.is_empty() {
        eprintln!(
            "warning: {} has no resource of kind {:?}",
            args.mapping.display(),
            args.kind
        );
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut skipped = 0usize;
    for resource in resources {
        for (start, batch) in (0..).step_by(BATCH).zip(items.chunks(BATCH)) {
            for (offset, mapped) in mapping.map_batch(resource, batch).into_iter().enumerate() {
                let item = start + offset + 1;
                for w in &mapped.warnings {
                    eprintln!("warning: {name} item {item}: {}: {}", w.field, w.message);
                }
                for outcome in mapped.outcomes {
                    match outcome {
                        Outcome::Entity(entity) => {
                            serde_json::to_writer(&mut out, &entity)?;
                            out.write_all(b"\n")?;
                        }
                        Outcome::Skipped(reason) => {
                            skipped += 1;
                            eprintln!(
                                "skipped: {name} item {item} (resources[{}], kind {}): {reason}",
                                resource.index, resource.kind
                            );
                        }
                        Outcome::Failed(message) => {
                            eprintln!("error: {name} item {item}: {message}")
                        }
                        Outcome::Filtered | _ => {}
                    }
                }
            }
        }
    }
    out.flush()?;
    if skipped > 0 {
        eprintln!("{skipped} item(s) skipped");
    }
    Ok(())
}

/// Reads a JSON array of items, or one JSON value per line.
fn read_items(input: Option<&std::path::Path>) -> Result<(String, Vec<Value>), Failure> {
    let (name, reader): (String, Box<dyn Read>) = match input {
        None => ("<stdin>".into(), Box::new(std::io::stdin())),
        Some(p) if p.as_os_str() == "-" => ("<stdin>".into(), Box::new(std::io::stdin())),
        Some(p) => (
            p.display().to_string(),
            Box::new(std::fs::File::open(p).map_err(|e| Failure(format!("{}: {e}", p.display())))?),
        ),
    };
    let reader = BufReader::new(reader);
    let mut values = Vec::new();
    for (line, text) in reader.lines().enumerate() {
        let text = text.map_err(|e| Failure(format!("{name}: {e}")))?;
        values.push((line + 1, text));
    }
    let whole: String = values
        .iter()
        .map(|(_, t)| t.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    if whole.trim_start().starts_with('[') {
        return match serde_json::from_str::<Value>(&whole) {
            Ok(Value::Array(items)) => Ok((name, items)),
            Ok(_) => Err(Failure(format!("{name}: expected a JSON array of items"))),
            Err(e) => Err(Failure(format!(
                "{name}: invalid JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            ))),
        };
    }
    let mut items = Vec::new();
    for (line, text) in values {
        if text.trim().is_empty() {
            continue;
        }
        let item = serde_json::from_str(&text).map_err(|e| {
            Failure(format!(
                "{name}: invalid JSON at line {line}, column {}: {e}",
                e.column()
            ))
        })?;
        items.push(item);
    }
    Ok((name, items))
}
