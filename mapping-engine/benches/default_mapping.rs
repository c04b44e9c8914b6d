//! Throughput of the seed's default mapping over 100,000 pull requests and
//! 100,000 repositories, in items per second per core.
//!
//! `cargo bench -p mapping-engine --bench default_mapping [-- --write-data DIR]`
//! With `--write-data`, the generated items are also written to
//! `DIR/<kind>.ndjson` so that the `jq` program can be timed on the same data.

use mapping_engine::{Mapping, Options, Outcome};
use serde_json::{Value, json};
use std::time::Instant;

const ITEMS: usize = 100_000;

/// Items per `map_batch` call, the size of a page the sync maps at once.
const BATCH: usize = 1_000;

fn pull_request(i: usize) -> Value {
    let created = format!(
        "2024-0{}-{:02}T{:02}:{:02}:{:02}.{}Z",
        1 + i % 9,
        1 + i % 28,
        i % 24,
        i % 60,
        (i * 7) % 60,
        i % 1000
    );
    let closed = format!(
        "2024-0{}-{:02}T{:02}:{:02}:{:02}Z",
        1 + i % 9,
        1 + (i + 3) % 28,
        (i + 5) % 24,
        i % 60,
        i % 60
    );
    let status = ["completed", "active", "abandoned", "completed"][i % 4];
    json!({
        "repository": {"id": format!("3411ebc1-d5aa-464f-9615-{i:012}"), "name": format!("repo {}", i % 50), "url": "https://dev.azure.com/fabrikam/_apis/git/repositories/3411ebc1"},
        "pullRequestId": i,
        "codeReviewId": i,
        "status": status,
        "createdBy": {"id": "d6245f20-2af8-44f4-9451-8107cb2767db", "displayName": "Normal Paulk", "uniqueName": "fabrikamfiber16@hotmail.com"},
        "creationDate": created,
        "closedDate": if status == "active" { Value::Null } else { json!(closed) },
        "title": format!("Change {i}"),
        "sourceRefName": "refs/heads/npaulk/my_work",
        "targetRefName": "refs/heads/new_feature",
        "mergeStatus": "succeeded",
        "reviewers": [{"id": "d6245f20-2af8-44f4-9451-8107cb2767db", "uniqueName": "fabrikamfiber16@hotmail.com", "vote": 0}],
        "url": format!("https://dev.azure.com/fabrikam/_apis/git/repositories/3411ebc1/pullRequests/{i}"),
        "__organizationUrl": "https://dev.azure.com/fabrikam",
        "__organizationName": "fabrikam"
    })
}

fn repository(i: usize) -> Value {
    json!({
        "id": format!("5febef5a-833d-4e14-b9c0-{i:012}"),
        "name": format!("Repo {i}"),
        "url": format!("https://dev.azure.com/fabrikam/_apis/git/repositories/{i}"),
        "project": {"id": format!("6ce954b1-ce1f-45d1-b94d-{:012}", i % 100), "name": "Fabrikam Fiber", "state": "wellFormed", "lastUpdateTime": "2024-03-01T10:00:00Z"},
        "defaultBranch": "refs/heads/main",
        "remoteUrl": format!("https://dev.azure.com/fabrikam/_git/Repo{i}"),
        "__includedFiles": {"README.md": if i.is_multiple_of(3) { Value::Null } else { json!(format!("# Repo {i}\nHello")) }},
        "__organizationUrl": "https://dev.azure.com/fabrikam",
        "__organizationName": "fabrikam"
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let write_dir = args
        .iter()
        .position(|a| a == "--write-data")
        .and_then(|i| args.get(i + 1));
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../mappings/default-mapping.yaml"
    ))
    .expect("default mapping");
    // One thread: the figure is the throughput of one core.
    let options = Options {
        threads: Some(1),
        ..Options::default()
    };
    let mapping = Mapping::from_yaml(&text, options).expect("mapping compiles");
    for (kind, make) in [
        ("pull-request", pull_request as fn(usize) -> Value),
        ("repository", repository),
    ] {
        let items: Vec<Value> = (0..ITEMS).map(make).collect();
        if let Some(dir) = write_dir {
            let lines: String = items.iter().map(|i| format!("{i}\n")).collect();
            std::fs::write(format!("{dir}/{kind}.ndjson"), lines).expect("write data");
        }
        let resource = mapping.resources_of(kind).next().expect("kind in mapping");
        // Batches of a page, each result dropped before the next, as a resync maps them.
        let start = Instant::now();
        let entities: usize = items
            .chunks(BATCH)
            .map(|batch| {
                mapping
                    .map_batch(resource, batch)
                    .expect("batch maps")
                    .iter()
                    .flat_map(|m| &m.outcomes)
                    .filter(|o| matches!(o, Outcome::Entity(_)))
                    .count()
            })
            .sum();
        let seconds = start.elapsed().as_secs_f64();
        assert_eq!(entities, ITEMS);
        let rate = ITEMS as f64 / seconds;
        println!("{kind}: {ITEMS} items in {seconds:.2} s on one core: {rate:.0} items/s");
    }
}
