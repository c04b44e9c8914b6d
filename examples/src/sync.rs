//! `ado-port sync`: a full resync into Port (with reconciliation) or into a file, or an
//! incremental one (`--incremental`: changes since the cursors of the state file, no
//! deletion).

use crate::Failure;
use crate::mapping_source;
use crate::signals::Shutdown;
use ado_port_sync::{
    CursorStore, EntitySink, FileCursors, KindStatus, NdjsonSink, PortCursors, PortSink,
    ProgressEvent, Resync, ResyncReport, Settings, SyncPlan,
};
use indicatif::{ProgressBar, ProgressStyle};
use port_client::PortClient;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

/// Arguments of `ado-port sync`.
#[derive(clap::Args)]
pub struct SyncArgs {
    /// Settings file (YAML); environment variables override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The mapping (YAML); default: the settings file's, else the integration's in Port.
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Write entities to this file (`-`: standard output) instead of Port; deletes nothing.
    #[arg(long)]
    output: Option<PathBuf>,
    /// List only what changed since the last resync (builds and their pipeline runs and
    /// stages, pull requests, work items, releases and their deployments, test runs, Advanced
    /// Security alerts; other kinds fully) and delete nothing.
    #[arg(long)]
    incremental: bool,
    /// With --incremental, leave out the kinds that cannot list only their changes instead
    /// of listing them fully.
    #[arg(long, requires = "incremental")]
    changed_kinds_only: bool,
    /// Where the cursors of the resyncs are kept: a JSON file, or `port` for the
    /// integration's state in Port. Saved after each resync when given; an incremental
    /// resync into Port without it uses ado-port-state.json.
    #[arg(long)]
    state: Option<PathBuf>,
}

/// The state file used when `--state` is not given.
const DEFAULT_STATE: &str = "ado-port-state.json";

/// `--state` naming Port's integration state rather than a file.
const PORT_STATE: &str = "port";

/// Where a resync keeps its cursors, and whether it lists only the changes since them.
struct CursorPlan {
    location: StateLocation,
    listing: Listing,
}

/// What a resync keeping cursors lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Everything; the cursors are only saved.
    Full,
    /// The changes since the cursors; the kinds that cannot list their changes fully, or not
    /// at all with `changed_kinds_only`.
    Changes { changed_kinds_only: bool },
}

/// Where cursors are kept.
enum StateLocation {
    File(PathBuf),
    Port,
}

impl SyncArgs {
    /// The cursors of this sync: those of `--state`, or of the default file for an
    /// incremental sync into Port; none for a full sync without `--state`.
    fn cursors(&self) -> Result<Option<CursorPlan>, Failure> {
        let location = match (&self.state, self.incremental, &self.output) {
            (Some(path), _, _) if path.as_os_str() == PORT_STATE => StateLocation::Port,
            (Some(path), _, _) => StateLocation::File(path.clone()),
            (None, true, None) => StateLocation::File(PathBuf::from(DEFAULT_STATE)),
            (None, true, Some(_)) => {
                return Err(Failure::Message(
                    "--incremental with --output needs --state FILE".into(),
                ));
            }
            (None, false, _) => return Ok(None),
        };
        let listing = if self.incremental {
            Listing::Changes {
                changed_kinds_only: self.changed_kinds_only,
            }
        } else {
            Listing::Full
        };
        Ok(Some(CursorPlan { location, listing }))
    }
}

impl CursorPlan {
    /// The store: the file, or Port's cursors of `plan`'s resources and organizations
    /// (through `port`, else a client of `settings`).
    fn open(
        self,
        port: Option<&PortClient>,
        settings: &Settings,
        plan: &SyncPlan,
    ) -> Result<KeptCursors, Failure> {
        let store: Arc<dyn CursorStore> = match self.location {
            StateLocation::File(path) => Arc::new(FileCursors::new(path)),
            StateLocation::Port => Arc::new(PortCursors::new(
                match port {
                    Some(port) => port.clone(),
                    None => settings.require_port_client()?,
                },
                plan.mapping()
                    .resources
                    .iter()
                    .enumerate()
                    .map(|(index, resource)| (index, resource.kind.clone())),
                plan.organizations()
                    .iter()
                    .map(|client| client.organization().name().to_owned()),
            )),
        };
        Ok(KeptCursors {
            store,
            listing: self.listing,
        })
    }
}

/// Where a resync keeps its cursors, and whether it lists only the changes since them.
pub struct KeptCursors {
    /// The store.
    pub store: Arc<dyn CursorStore>,
    /// What the resync lists.
    pub listing: Listing,
}

pub async fn run(args: &SyncArgs, shutdown: &Shutdown) -> Result<(), Failure> {
    let settings = Settings::load(args.config.as_deref(), |k| std::env::var(k).ok())?;
    let organizations = settings.organizations()?;
    let excluded = settings.integration.config.excluded_tags.clone();
    let flag = args.mapping.as_deref();
    let cursors = args.cursors()?;
    let report = match &args.output {
        Some(path) => {
            let mapping = shutdown
                .interruptible(mapping_source::mapping(flag, &settings))
                .await?;
            let plan = SyncPlan::new(mapping, organizations)?.excluded_tags(excluded);
            let cursors = cursors
                .map(|cursors| cursors.open(None, &settings, &plan))
                .transpose()?;
            let sink = ndjson_sink(path)?;
            resync(plan, cursors, &sink, shutdown).await
        }
        None => {
            let port = settings.require_port_client()?;
            let mapping = shutdown
                .interruptible(mapping_source::mapping_checking_port(
                    flag, &settings, &port,
                ))
                .await?;
            let plan = SyncPlan::new(mapping, organizations)?.excluded_tags(excluded);
            let cursors = cursors
                .map(|cursors| cursors.open(Some(&port), &settings, &plan))
                .transpose()?;
            let sink = PortSink::new(port);
            resync(plan, cursors, &sink, shutdown).await
        }
    }?;
    conclude(&report, shutdown)
}

/// An NDJSON sink writing to `path`, or to standard output for `-`.
pub fn ndjson_sink(path: &std::path::Path) -> Result<NdjsonSink, Failure> {
    if path.as_os_str() == "-" {
        return Ok(NdjsonSink::blocking(std::io::stdout()));
    }
    let file = std::fs::File::create(path)
        .map_err(|e| Failure::Message(format!("{}: {e}", path.display())))?;
    Ok(NdjsonSink::blocking(std::io::BufWriter::new(file)))
}

/// Runs one resync, printing progress on stderr; SIGINT or SIGTERM stops it cleanly: nothing
/// deleted, the resync state (when the sink reports one) not left running. With `cursors`,
/// the resync keeps its cursors there, and lists only the changes since them when
/// incremental.
pub async fn resync(
    plan: SyncPlan,
    cursors: Option<KeptCursors>,
    sink: &dyn EntitySink,
    shutdown: &Shutdown,
) -> Result<ResyncReport, Failure> {
    let display = Arc::new(Progress::new());
    let events = Arc::clone(&display);
    let mut resync = Resync::with_plan(plan)
        .on_progress(Arc::new(move |event: &ProgressEvent| events.show(event)));
    resync = match cursors {
        Some(KeptCursors {
            store,
            listing: Listing::Changes { changed_kinds_only },
        }) => resync
            .incremental(store)
            .changed_kinds_only(changed_kinds_only),
        Some(KeptCursors {
            store,
            listing: Listing::Full,
        }) => resync.save_cursors(store),
        None => resync,
    };
    let cancel = resync.cancel_handle();
    let signals = shutdown.clone();
    let stop = tokio::spawn(async move {
        let signal = signals.requested().await;
        eprintln!(
            "{}: stopping; the resync will delete nothing",
            signal.name()
        );
        cancel.cancel();
    });
    let report = resync.run(sink).await;
    stop.abort();
    display.finish();
    Ok(report)
}

/// Progress on stderr: a spinner naming the kinds in flight on a terminal, plain lines
/// otherwise; finished kinds are always printed as lines.
struct Progress {
    spinner: Option<ProgressBar>,
    running: std::sync::Mutex<Vec<String>>,
}

impl Progress {
    fn new() -> Self {
        let spinner = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {wide_msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Progress {
            spinner,
            running: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn line(&self, text: String) {
        match &self.spinner {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn show(&self, event: &ProgressEvent) {
        match event {
            ProgressEvent::KindStarted {
                organization,
                resource_index,
                kind,
            } => {
                let name = format!("[{organization}] {kind} (resources[{resource_index}])");
                if self.spinner.is_none() {
                    self.line(format!("{name}: fetching"));
                }
                self.running(|running| running.push(name));
            }
            ProgressEvent::KindFinished {
                organization,
                resource_index,
                kind,
                counts,
                failed,
            } => {
                let name = format!("[{organization}] {kind} (resources[{resource_index}])");
                self.running(|running| running.retain(|r| *r != name));
                let state = if *failed { "FAILED" } else { "done" };
                self.line(format!(
                    "{name}: {state}: fetched {}, selected {}, upserted {}, unchanged {}, failed {}, skipped {}, requests {} (saved {})",
                    counts.fetched,
                    counts.selected,
                    counts.upserted,
                    counts.unchanged,
                    counts.failed,
                    counts.skipped,
                    counts.requests,
                    saved(counts.requests_saved)
                ));
            }
            ProgressEvent::ReconcileStarted => self.line("reconciling".into()),
            ProgressEvent::ReconcileFinished(r) => {
                self.line(format!(
                    "reconciliation: {:?}, deleted {}",
                    r.status, r.deleted
                ));
            }
            _ => {}
        }
    }

    fn running(&self, change: impl FnOnce(&mut Vec<String>)) {
        if let Ok(mut running) = self.running.lock() {
            change(&mut running);
            if let Some(bar) = &self.spinner {
                bar.set_message(running.join(", "));
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.spinner {
            bar.finish_and_clear();
        }
    }
}

/// Requests saved against a full resync, `-` when not known.
fn saved(requests: Option<u64>) -> String {
    requests.map_or_else(|| "-".to_owned(), |n| n.to_string())
}

/// A table of the counts per kind and organization, with skip reasons and errors.
pub fn summary(report: &ResyncReport) -> String {
    let mut out = String::from(
        "kind                     organization          fetched  selected  upserted  unchanged  failed  deleted  skipped  requests  saved  status\n",
    );
    for k in &report.kinds {
        let c = &k.counts;
        out.push_str(&format!(
            "{:<24} {:<21} {:>7}  {:>8}  {:>8}  {:>9}  {:>6}  {:>7}  {:>7}  {:>8}  {:>5}  {}\n",
            format!("{}#{}", k.kind, k.resource_index),
            k.organization,
            c.fetched,
            c.selected,
            c.upserted,
            c.unchanged,
            c.failed,
            c.deleted,
            c.skipped,
            c.requests,
            saved(c.requests_saved),
            match k.status {
                KindStatus::Succeeded => "ok",
                KindStatus::Unsupported => "unsupported",
                KindStatus::Aborted => "stopped",
                _ => "FAILED",
            }
        ));
        for reason in k
            .skip_reasons
            .iter()
            .map(|(r, n)| format!("  skipped {n}: {r}"))
            .chain(k.errors.iter().map(|e| format!("  error: {e}")))
        {
            out.push_str(&reason);
            out.push('\n');
        }
    }
    let t = report.totals();
    out.push_str(&format!(
        "total: fetched {}, selected {}, upserted {}, unchanged {}, failed {}, deleted {}, skipped {}, requests {}, saved {}\n",
        t.fetched,
        t.selected,
        t.upserted,
        t.unchanged,
        t.failed,
        report.reconciliation.deleted
            + report.gitops_reconciliation.as_ref().map_or(0, |r| r.deleted),
        t.skipped,
        t.requests,
        saved(t.requests_saved)
    ));
    let reconciliations = [
        ("reconciliation", Some(&report.reconciliation)),
        (
            "GitOps reconciliation",
            report.gitops_reconciliation.as_ref(),
        ),
    ];
    for (name, r) in reconciliations {
        let Some(r) = r else { continue };
        out.push_str(&format!(
            "{name}: {:?}{}\n",
            r.status,
            r.reason
                .as_ref()
                .map(|x| format!(" ({x})"))
                .unwrap_or_default()
        ));
    }
    out
}

/// Prints the summary on stderr and turns a failed or stopped resync into one clear line.
pub fn conclude(report: &ResyncReport, shutdown: &Shutdown) -> Result<(), Failure> {
    eprint!("{}", summary(report));
    if let Some(error) = &report.cursor_error {
        eprintln!("warning: {error}");
    }
    conclude_quietly(report, shutdown)
}

/// Turns a failed or stopped resync into one clear line, or into the signal that stopped it.
pub fn conclude_quietly(report: &ResyncReport, shutdown: &Shutdown) -> Result<(), Failure> {
    if let Some(signal) = shutdown.received() {
        return Err(Failure::Interrupted(signal));
    }
    match report.failure() {
        None => Ok(()),
        // Port answers a write to a missing blueprint with "blueprint `X` does not exist".
        Some(message) if message.contains("` does not exist") => Err(Failure::Message(format!(
            "{message}: create the default blueprints with `ado-port blueprints`"
        ))),
        Some(message) => Err(Failure::Message(message)),
    }
}
