//! `ado-port map`: raw items in, entities out.

use crate::Failure;
use mapping_engine::{Options, Outcome};
use serde_json::Value;
use std::io::{BufReader, BufWriter, Read, Write};
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
    let mapping = crate::mapping_source::load_mapping(&args.mapping, options)?;
    let resources: Vec<_> = mapping.resources_of(&args.kind).collect();
    if resources.is_empty() {
        let mut kinds: Vec<&str> = Vec::new();
        for resource in &mapping.resources {
            if !kinds.contains(&resource.kind.as_str()) {
                kinds.push(&resource.kind);
            }
        }
        return Err(Failure::Message(format!(
            "{} has no resource of kind `{}` (its kinds: {})",
            args.mapping.display(),
            args.kind,
            if kinds.is_empty() {
                "none".to_owned()
            } else {
                kinds.join(", ")
            }
        )));
    }
    let (name, items) = read_items(args.input.as_deref())?;
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

/// Reads a JSON array of items, or a sequence of JSON values (NDJSON); a leading byte-order
/// mark is ignored.
fn read_items(input: Option<&std::path::Path>) -> Result<(String, Vec<Value>), Failure> {
    let (name, reader): (String, Box<dyn Read>) = match input {
        None => ("<stdin>".into(), Box::new(std::io::stdin())),
        Some(p) if p.as_os_str() == "-" => ("<stdin>".into(), Box::new(std::io::stdin())),
        Some(p) => (
            p.display().to_string(),
            Box::new(
                std::fs::File::open(p)
                    .map_err(|e| Failure::Message(format!("{}: {e}", p.display())))?,
            ),
        ),
    };
    let mut text = String::new();
    BufReader::new(reader)
        .read_to_string(&mut text)
        .map_err(|e| Failure::Message(format!("{name}: {e}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let invalid = |e: serde_json::Error| {
        Failure::Message(format!(
            "{name}: invalid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    };
    if text.trim_start().starts_with('[') {
        return match serde_json::from_str::<Value>(text).map_err(invalid)? {
            Value::Array(items) => Ok((name, items)),
            _ => Err(Failure::Message(format!(
                "{name}: expected a JSON array of items"
            ))),
        };
    }
    let items = serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    Ok((name, items))
}
