//! Wall time, requests and peak memory of a full resync of a generated organization, with
//! simulated latency on both sides.
//!
//! `cargo bench -p ado-port-sync --bench resync_throughput -- [--projects N]
//! [--ado-latency-ms MS] [--port-latency-ms MS] [--fault-every N]
//! [--second-run | --incremental-after N]` resyncs N generated projects (default 8, 399
//! entities each) with the default mapping into Port, with default client settings, and
//! prints the wall time of `Resync::run`, the Azure DevOps requests per endpoint next to the
//! fewest the data needs, the Port requests per route, the entities per bulk upsert and the
//! peak resident set. The stand-in Azure DevOps and Port answer every request after the given
//! latency (default 50 and 40 ms); they run in a child process (this program with `--serve`),
//! so their memory is not counted; the stand-in Port keeps what it is sent. With
//! `--fault-every N`, every N-th request of each stand-in is answered with a 503, a 429 asking
//! to wait a second, or a body cut short (in turn); the resync must still complete.
//!
//! After that first resync, `--second-run` resyncs again with nothing changed, and
//! `--incremental-after N` runs an incremental resync (changed kinds only) after N builds
//! changed; the same figures are printed for that second run.

mod ado;
mod faults;
mod org;
mod port;
mod stats;
#[path = "../support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ado_client::{AdoClient, ApiProfile, Credential, Organization};
use ado_port_sync::{
    CursorStore, KindStatus, MemoryCursors, PortSink, ProgressEvent, Resync, ResyncOutcome,
    ResyncReport,
};
use mapping_engine::{Mapping, Options};
use port_client::{Credentials, PortClient};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Respond};

use crate::faults::Faults;
use crate::org::{Endpoint, Org};
use crate::stats::{Counts, Stats};
use crate::support::{StandIn, rss_mib};

/// The command line.
#[derive(Debug, Clone, Copy)]
struct Args {
    serve: bool,
    org: Org,
    ado_latency: Duration,
    port_latency: Duration,
    /// Every n-th request of each stand-in gets a fault (0: none).
    fault_every: u64,
    /// What runs after the first resync.
    then: Then,
}

/// What runs after the first resync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Then {
    /// Nothing.
    Stop,
    /// The same full resync, nothing having changed.
    Again,
    /// An incremental resync of the kinds that list changes, after this many builds changed.
    Incremental(usize),
}

impl Then {
    /// The builds that change after the first resync.
    fn changes(self) -> usize {
        match self {
            Self::Incremental(changes) => changes,
            Self::Stop | Self::Again => 0,
        }
    }
}

impl Args {
    fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut parsed = Self {
            serve: false,
            org: Org { projects: 8 },
            ado_latency: Duration::from_millis(50),
            port_latency: Duration::from_millis(40),
            fault_every: 0,
            then: Then::Stop,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut number = || -> Result<u64, String> {
                let value = args.next().ok_or(format!("{arg} needs a value"))?;
                value
                    .parse()
                    .map_err(|_| format!("{arg}: `{value}` is not a whole number"))
            };
            match arg.as_str() {
                "--serve" => parsed.serve = true,
                "--projects" => parsed.org.projects = number()? as usize,
                "--ado-latency-ms" => parsed.ado_latency = Duration::from_millis(number()?),
                "--port-latency-ms" => parsed.port_latency = Duration::from_millis(number()?),
                "--fault-every" => parsed.fault_every = number()?,
                "--second-run" => parsed.then = Then::Again,
                "--incremental-after" => parsed.then = Then::Incremental(number()? as usize),
                // `cargo bench` passes this to every benchmark.
                "--bench" => {}
                other => {
                    return Err(format!(
                        "unknown argument `{other}`; expected --projects N, --ado-latency-ms MS, \
                         --port-latency-ms MS, --fault-every N, --second-run, \
                         --incremental-after N"
                    ));
                }
            }
        }
        Ok(parsed)
    }

    /// The arguments of the stand-in process.
    fn serving(&self) -> Vec<String> {
        vec![
            "--serve".to_owned(),
            "--projects".to_owned(),
            self.org.projects.to_string(),
            "--ado-latency-ms".to_owned(),
            self.ado_latency.as_millis().to_string(),
            "--port-latency-ms".to_owned(),
            self.port_latency.as_millis().to_string(),
            "--fault-every".to_owned(),
            self.fault_every.to_string(),
            "--incremental-after".to_owned(),
            self.then.changes().to_string(),
        ]
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse(std::env::args().skip(1)).unwrap_or_else(|message| {
        eprintln!("resync_throughput: {message}");
        std::process::exit(2);
    });
    if args.serve {
        return serve(args).await;
    }
    let mut stand_in = StandIn::start(&args.serving());
    let ado_url = stand_in.read_line();
    let port_url = stand_in.read_line();
    let clients = Clients::new(&ado_url, &port_url);
    let first = clients.resync(false).await;
    let counts: Counts = serde_json::from_str(&stand_in.ask("counts")).expect("stand-in counts");
    println!("First resync");
    print_figures(&args, &first, &counts);
    let second = match args.then {
        Then::Stop => None,
        Then::Again => Some((
            "Second resync, nothing changed".to_owned(),
            clients.resync(false).await,
        )),
        Then::Incremental(changes) => Some((
            format!("Incremental resync (changed kinds only) after {changes} builds changed"),
            clients.resync(true).await,
        )),
    };
    if let Some((title, second)) = second {
        let counts: Counts =
            serde_json::from_str(&stand_in.ask("counts")).expect("stand-in counts");
        println!("\n{title}");
        print_figures(&args, &second, &counts);
    }
    stand_in.finish();
}

/// Serves the stand-ins, prints their addresses and, once standard input closes, the counts.
async fn serve(args: Args) {
    let stats = Arc::new(Stats::default());
    let ado = stand_in(ado::AzureDevOps {
        org: args.org,
        latency: args.ado_latency,
        stats: Arc::clone(&stats),
        faults: Faults::every(args.fault_every),
        changes: ado::Changes {
            count: args.then.changes(),
            at: jiff::Timestamp::now(),
        },
    })
    .await;
    let port = stand_in(port::Port {
        latency: args.port_latency,
        stats: Arc::clone(&stats),
        faults: Faults::every(args.fault_every),
        catalog: port::Catalog::default(),
    })
    .await;
    println!("{}\n{}", ado.uri(), port.uri());
    support::answer_until_closed(move |_| stats.take_json()).await;
}

/// A server answering every request with `responder`, keeping no record of them.
async fn stand_in(responder: impl Respond + 'static) -> MockServer {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    Mock::given(any())
        .respond_with(responder)
        .mount(&server)
        .await;
    server
}

/// What the measuring process saw.
struct Measured {
    report: ResyncReport,
    seconds: f64,
    /// When each resource of the mapping started and finished (seconds), by position.
    resource_spans: BTreeMap<usize, (f64, f64)>,
    rss_before_mib: f64,
    peak_rss_mib: f64,
}

/// The clients of both stand-ins, and the cursors the resyncs keep.
struct Clients {
    ado: AdoClient,
    port: PortClient,
    cursors: Arc<MemoryCursors>,
}

impl Clients {
    fn new(ado_url: &str, port_url: &str) -> Self {
        let organization = Organization::parse(&format!("{ado_url}/{}", org::NAME)).expect("url");
        Self {
            ado: AdoClient::builder(organization, Credential::pat("bench"))
                .api_profile(ApiProfile::Cloud)
                .build()
                .expect("Azure DevOps client"),
            port: PortClient::builder(Credentials::new("bench-id", "bench-secret"))
                .base_url(port_url)
                .integration("azure-devops", "bench", "bench")
                .build()
                .expect("Port client"),
            cursors: Arc::new(MemoryCursors::default()),
        }
    }

    /// A resync of the organization into Port with the default mapping, keeping cursors;
    /// `incremental`: of the kinds that list changes, since the cursors.
    async fn resync(&self, incremental: bool) -> Measured {
        let yaml = include_str!("../../../mappings/default-mapping.yaml");
        let mapping = Mapping::from_yaml(yaml, Options::default()).expect("default mapping");
        let sink = PortSink::new(self.port.clone());
        let timer = Arc::new(ResourceTimer::new());
        let on_progress = Arc::clone(&timer);
        let resync = Resync::new(mapping, vec![self.ado.clone()])
            .expect("resync")
            .on_progress(Arc::new(move |event| on_progress.record(event)));
        let store: Arc<dyn CursorStore> = Arc::clone(&self.cursors) as _;
        let resync = if incremental {
            resync.incremental(store).changed_kinds_only(true)
        } else {
            resync.save_cursors(store)
        };
        let rss_before_mib = rss_mib("VmRSS:");
        let start = Instant::now();
        let report = resync.run(&sink).await;
        let seconds = start.elapsed().as_secs_f64();
        let failed: Vec<String> = report
            .kinds
            .iter()
            .filter(|k| k.status == KindStatus::Failed)
            .map(|k| format!("{} (resource {}): {:?}", k.kind, k.resource_index, k.errors))
            .collect();
        assert!(
            report.status == ResyncOutcome::Completed && failed.is_empty(),
            "the resync ended {:?} (stopped: {:?}); failed kinds: {failed:#?}",
            report.status,
            report.stopped,
        );
        Measured {
            report,
            seconds,
            resource_spans: timer.spans(),
            rss_before_mib,
            peak_rss_mib: rss_mib("VmHWM:"),
        }
    }
}

/// When each resource of the mapping started and finished, in seconds since the timer was
/// made (just before the resync started).
struct ResourceTimer {
    origin: Instant,
    spans: Mutex<BTreeMap<usize, (f64, f64)>>,
}

impl ResourceTimer {
    fn new() -> Self {
        Self {
            origin: Instant::now(),
            spans: Mutex::default(),
        }
    }

    fn record(&self, event: &ProgressEvent) {
        let now = self.origin.elapsed().as_secs_f64();
        let mut spans = self.spans.lock().expect("resource spans");
        match event {
            ProgressEvent::KindStarted { resource_index, .. } => {
                spans.insert(*resource_index, (now, now));
            }
            ProgressEvent::KindFinished { resource_index, .. } => {
                if let Some((_, finished)) = spans.get_mut(resource_index) {
                    *finished = now;
                }
            }
            _ => {}
        }
    }

    fn spans(&self) -> BTreeMap<usize, (f64, f64)> {
        self.spans.lock().expect("resource spans").clone()
    }
}

/// Prints the figures as compact tables.
fn print_figures(args: &Args, measured: &Measured, counts: &Counts) {
    let written: usize = measured
        .report
        .kinds
        .iter()
        .map(|k| k.counts.upserted)
        .sum();
    println!(
        "Resync of {} project(s), Azure DevOps latency {} ms, Port latency {} ms, a fault every \
         {} requests: {:.2} s",
        args.org.projects,
        args.ado_latency.as_millis(),
        args.port_latency.as_millis(),
        args.fault_every,
        measured.seconds
    );
    println!(
        "{written} entities written (the generated data maps to {}), {:.0}/s; peak RSS {:.1} MiB \
         ({:.1} MiB before the resync; the stand-ins run apart)\n",
        args.org.entities(),
        written as f64 / measured.seconds,
        measured.peak_rss_mib,
        measured.rss_before_mib
    );
    print_resources(measured);
    // One width for both request tables, so that they line up.
    let width = Endpoint::ALL
        .iter()
        .map(|e| e.template().len())
        .chain(counts.ado.keys().map(String::len))
        .chain(counts.port.keys().map(String::len))
        .max()
        .unwrap_or(0);
    print_ado_requests(&args.org, counts, width);
    print_port_requests(counts, width);
}

/// When each resource started and finished, and the entities it wrote.
fn print_resources(measured: &Measured) {
    println!(
        "{:<8} {:<20} {:>8} {:>8} {:>8} {:>9} {:>8} {:>5}",
        "resource", "kind", "from s", "to s", "entities", "unchanged", "requests", "saved"
    );
    for kind in &measured.report.kinds {
        let (from, to) = measured
            .resource_spans
            .get(&kind.resource_index)
            .copied()
            .unwrap_or_default();
        let c = &kind.counts;
        let saved = c.requests_saved.map_or("-".to_owned(), |n| n.to_string());
        println!(
            "{:<8} {:<20} {from:>8.2} {to:>8.2} {:>8} {:>9} {:>8} {saved:>5}",
            kind.resource_index, kind.kind, c.upserted, c.unchanged, c.requests
        );
    }
    println!();
}

/// Azure DevOps requests per endpoint next to the fewest the generated data needs.
fn print_ado_requests(org: &Org, counts: &Counts, width: usize) {
    let mut minimum: BTreeMap<&str, usize> = BTreeMap::new();
    for (endpoint, items) in org.calls() {
        *minimum.entry(endpoint.template()).or_default() += endpoint.minimum_requests(items);
    }
    let served = Endpoint::ALL.iter().map(|e| e.template());
    let unserved = counts.ado.keys().filter(|r| r.starts_with("unserved "));
    println!(
        "{:<width$} {:>8} {:>8}",
        "Azure DevOps endpoint", "requests", "minimum"
    );
    let (mut total, mut total_minimum) = (0, 0);
    for route in served.chain(unserved.map(String::as_str)) {
        let requests = counts.ado.get(route).copied().unwrap_or(0);
        let least = minimum.get(route).copied().unwrap_or(0);
        println!("{route:<width$} {requests:>8} {least:>8}");
        total += requests;
        total_minimum += least;
    }
    println!("{:<width$} {total:>8} {total_minimum:>8}\n", "total");
}

/// Port requests per route and the entities per bulk upsert.
fn print_port_requests(counts: &Counts, width: usize) {
    println!("{:<width$} {:>8}", "Port route", "requests");
    let unserved = counts.port.keys().filter(|r| r.starts_with("unserved "));
    for route in port::ROUTES.into_iter().chain(unserved.map(String::as_str)) {
        let requests = counts.port.get(route).copied().unwrap_or(0);
        println!("{route:<width$} {requests:>8}");
    }
    let total: usize = counts.port.values().sum();
    println!("{:<width$} {total:>8}", "total");
    let sizes = &counts.bulk_sizes;
    let entities: usize = sizes.iter().sum();
    println!(
        "entities per bulk upsert: min {}, avg {:.1}, max {}",
        sizes.iter().min().unwrap_or(&0),
        entities as f64 / sizes.len().max(1) as f64,
        sizes.iter().max().unwrap_or(&0),
    );
}
