//! What the server counts, its readiness, and both as `/metrics` (Prometheus text format) and
//! `/readyz`.

use ado_client::{AdoClient, HostRequests};
use ado_port_sync::{KindStatus, ResyncOutcome, ResyncReport};
use port_client::PortClient;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Event types counted under their own label; further ones count as `other`, so a sender
/// cannot grow the metrics without bound.
const MAX_EVENT_TYPES: usize = 64;

/// Counters and states shared by the server, the queue and the scheduler.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    upstream: OnceLock<Upstream>,
}

/// The clients whose requests to Azure DevOps and Port the metrics count, by host.
pub struct Upstream {
    /// One client per organization.
    pub ado: Vec<AdoClient>,
    /// Port.
    pub port: PortClient,
}

impl Upstream {
    /// Requests and retries per host, over every client.
    fn by_host(&self) -> BTreeMap<String, HostRequests> {
        let mut hosts: BTreeMap<String, HostRequests> = BTreeMap::new();
        let port = self.port.request_counts();
        let port_host = url::Url::parse(self.port.base_url())
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_default();
        let port = (
            port_host,
            HostRequests {
                requests: port.requests,
                retries: port.retries,
            },
        );
        let ado = self.ado.iter().flat_map(AdoClient::requests_by_host);
        for (host, counts) in ado.chain([port]) {
            let total = hosts.entry(host).or_default();
            total.requests += counts.requests;
            total.retries += counts.retries;
        }
        hosts
    }
}

#[derive(Default)]
struct Inner {
    events: BTreeMap<String, EventCounts>,
    requests: BTreeMap<(&'static str, u16), u64>,
    resyncs: BTreeMap<&'static str, u64>,
    resync_running: bool,
    last_resync: Option<LastResync>,
}

#[derive(Default, Clone, Copy)]
struct EventCounts {
    received: u64,
    applied: u64,
    failed: u64,
    retried: u64,
}

/// How an event ended, or that it is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStep {
    /// Accepted into the queue.
    Received,
    /// Handled.
    Applied,
    /// Given up on.
    Failed,
    /// Failed transiently; tried again.
    Retried,
}

struct LastResync {
    duration: Duration,
    status: &'static str,
    failure: Option<String>,
    organizations: BTreeMap<String, OrgResync>,
}

#[derive(Default)]
struct OrgResync {
    failed_kinds: usize,
    upserted: usize,
    rejected: usize,
    requests: usize,
}

impl Metrics {
    /// Counts one step of an event of `event_type`.
    pub fn event(&self, event_type: &str, step: EventStep) {
        self.with(|inner| {
            let known = inner.events.contains_key(event_type);
            let label = if known || inner.events.len() < MAX_EVENT_TYPES {
                event_type
            } else {
                "other"
            };
            let counts = inner.events.entry(label.to_owned()).or_default();
            let counter = match step {
                EventStep::Received => &mut counts.received,
                EventStep::Applied => &mut counts.applied,
                EventStep::Failed => &mut counts.failed,
                EventStep::Retried => &mut counts.retried,
            };
            *counter += 1;
        });
    }

    /// Counts one answered request of `route` (`webhook`, `healthz`...).
    pub fn request(&self, route: &'static str, status: u16) {
        self.with(|inner| *inner.requests.entry((route, status)).or_default() += 1);
    }

    /// Counts the requests of `upstream`'s clients in the metrics (once; later calls are
    /// ignored).
    pub fn count_upstream(&self, upstream: Upstream) {
        let _ = self.upstream.set(upstream);
    }

    /// A resync started.
    pub fn resync_started(&self) {
        self.with(|inner| inner.resync_running = true);
    }

    /// A resync ended after `duration` with `report`, or could not start (`Err`, why).
    pub fn resync_finished(&self, report: Result<&ResyncReport, String>, duration: Duration) {
        let last = match report {
            Ok(report) => LastResync {
                duration,
                status: match report.status {
                    ResyncOutcome::Completed if report.failure().is_none() => "completed",
                    ResyncOutcome::Aborted => "aborted",
                    _ => "failed",
                },
                failure: report.failure(),
                organizations: organizations(report),
            },
            Err(failure) => LastResync {
                duration,
                status: "failed",
                failure: Some(failure),
                organizations: BTreeMap::new(),
            },
        };
        self.with(|inner| {
            inner.resync_running = false;
            *inner.resyncs.entry(last.status).or_default() += 1;
            inner.last_resync = Some(last);
        });
    }

    /// Why the server is not ready (the last resync failed), or `None`.
    pub fn unready_reason(&self) -> Option<String> {
        let mut reason = None;
        self.with(|inner| {
            reason = inner
                .last_resync
                .as_ref()
                .filter(|last| last.status == "failed")
                .map(|last| {
                    let why = last.failure.as_deref().unwrap_or("see the logs");
                    format!("the last resync failed: {why}")
                });
        });
        reason
    }

    /// Every metric in Prometheus text format, with the queue's depth and capacity.
    pub fn render(&self, queue_depth: usize, queue_capacity: usize) -> String {
        let mut out = String::new();
        self.with(|inner| {
            let events = [
                ("received", "Webhook events accepted into the queue."),
                ("applied", "Webhook events handled."),
                ("failed", "Webhook events given up on after their retries."),
                (
                    "retried",
                    "Retries of webhook events after a transient failure.",
                ),
            ];
            for (step, help) in events {
                let name = format!("ado_port_events_{step}_total");
                header(&mut out, &name, "counter", help);
                for (event_type, counts) in &inner.events {
                    let value = match step {
                        "received" => counts.received,
                        "applied" => counts.applied,
                        "failed" => counts.failed,
                        _ => counts.retried,
                    };
                    sample(&mut out, &name, &[("event_type", event_type)], value);
                }
            }
            let name = "ado_port_http_requests_total";
            header(
                &mut out,
                name,
                "counter",
                "Requests answered, by route and status.",
            );
            for ((route, status), count) in &inner.requests {
                let status = status.to_string();
                sample(
                    &mut out,
                    name,
                    &[("route", route), ("status", &status)],
                    *count,
                );
            }
            let name = "ado_port_queue_depth";
            header(&mut out, name, "gauge", "Events waiting or being handled.");
            sample(&mut out, name, &[], queue_depth);
            let name = "ado_port_queue_capacity";
            header(&mut out, name, "gauge", "Events the queue holds at most.");
            sample(&mut out, name, &[], queue_capacity);
            let name = "ado_port_resync_running";
            header(&mut out, name, "gauge", "1 while a resync runs.");
            sample(&mut out, name, &[], u8::from(inner.resync_running));
            let name = "ado_port_resyncs_total";
            header(&mut out, name, "counter", "Resyncs ended, by status.");
            for (status, count) in &inner.resyncs {
                sample(&mut out, name, &[("status", status)], *count);
            }
            if let Some(last) = &inner.last_resync {
                render_last(&mut out, last);
            }
        });
        if let Some(upstream) = self.upstream.get() {
            render_upstream(&mut out, &upstream.by_host());
        }
        out
    }

    fn with(&self, f: impl FnOnce(&mut Inner)) {
        // A panic elsewhere cannot leave counters half-updated: keep counting.
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut inner);
    }
}

fn render_upstream(out: &mut String, hosts: &BTreeMap<String, HostRequests>) {
    let counters = [
        (
            "ado_port_upstream_requests_total",
            "Requests sent to Azure DevOps and Port, by host (each attempt counted).",
        ),
        (
            "ado_port_upstream_retries_total",
            "Of those, retries after a transient failure or a rate limit, by host.",
        ),
    ];
    for (position, (name, help)) in counters.into_iter().enumerate() {
        header(out, name, "counter", help);
        for (host, counts) in hosts {
            let value = [counts.requests, counts.retries][position];
            sample(out, name, &[("host", host)], value);
        }
    }
}

fn render_last(out: &mut String, last: &LastResync) {
    let name = "ado_port_last_resync_duration_seconds";
    header(out, name, "gauge", "Duration of the last resync.");
    let _ = writeln!(out, "{name} {}", last.duration.as_secs_f64());
    let name = "ado_port_last_resync_status";
    header(out, name, "gauge", "1 for the status of the last resync.");
    sample(out, name, &[("status", last.status)], 1);
    let per_org = [
        (
            "ado_port_last_resync_organization_failed_kinds",
            "Resources that failed in the last resync, per organization.",
        ),
        (
            "ado_port_last_resync_organization_upserted",
            "Entities written by the last resync, per organization.",
        ),
        (
            "ado_port_last_resync_organization_rejected",
            "Entities rejected or items failing in the last resync, per organization.",
        ),
        (
            "ado_port_last_resync_organization_requests",
            "Azure DevOps requests of the last resync, per organization.",
        ),
    ];
    for (position, (name, help)) in per_org.into_iter().enumerate() {
        header(out, name, "gauge", help);
        for (organization, org) in &last.organizations {
            let value = [org.failed_kinds, org.upserted, org.rejected, org.requests][position];
            sample(out, name, &[("organization", organization)], value);
        }
    }
    let name = "ado_port_last_resync_organization_status";
    header(
        out,
        name,
        "gauge",
        "1 for the status of the last resync, per organization.",
    );
    for (organization, org) in &last.organizations {
        let status = if org.failed_kinds > 0 {
            "failed"
        } else {
            "completed"
        };
        sample(
            out,
            name,
            &[("organization", organization), ("status", status)],
            1,
        );
    }
}

/// Per organization: failed resources and entity counts.
fn organizations(report: &ResyncReport) -> BTreeMap<String, OrgResync> {
    let mut organizations: BTreeMap<String, OrgResync> = BTreeMap::new();
    for kind in &report.kinds {
        let org = organizations.entry(kind.organization.clone()).or_default();
        org.failed_kinds += usize::from(kind.status == KindStatus::Failed);
        org.upserted += kind.counts.upserted;
        org.rejected += kind.counts.failed;
        org.requests += kind.counts.requests as usize;
    }
    organizations
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
    out.push_str(name);
    if !labels.is_empty() {
        let labels: Vec<String> = labels
            .iter()
            .map(|(key, value)| format!("{key}=\"{}\"", escape(value)))
            .collect();
        let _ = write!(out, "{{{}}}", labels.join(","));
    }
    let _ = writeln!(out, " {value}");
}

/// A label value as the text format needs it: backslash, quote and newline escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_in_the_text_format_with_escaped_labels() {
        let metrics = Metrics::default();
        metrics.event("git.push", EventStep::Received);
        metrics.event("git.push", EventStep::Applied);
        metrics.event("a\"b\\c\nd", EventStep::Failed);
        metrics.request("webhook", 202);
        let text = metrics.render(3, 1000);
        for line in [
            "# TYPE ado_port_events_received_total counter",
            "ado_port_events_received_total{event_type=\"git.push\"} 1",
            "ado_port_events_applied_total{event_type=\"git.push\"} 1",
            "ado_port_events_failed_total{event_type=\"a\\\"b\\\\c\\nd\"} 1",
            "ado_port_http_requests_total{route=\"webhook\",status=\"202\"} 1",
            "ado_port_queue_depth 3",
            "ado_port_queue_capacity 1000",
            "ado_port_resync_running 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        assert!(metrics.unready_reason().is_none());
    }

    #[test]
    fn event_types_beyond_the_limit_count_as_other() {
        let metrics = Metrics::default();
        for n in 0..MAX_EVENT_TYPES + 5 {
            metrics.event(&format!("type.{n}"), EventStep::Received);
        }
        let text = metrics.render(0, 1);
        assert!(text.contains("ado_port_events_received_total{event_type=\"other\"} 5"));
    }

    #[test]
    fn a_resync_that_could_not_start_makes_the_server_unready() {
        let metrics = Metrics::default();
        metrics.resync_started();
        assert!(metrics.render(0, 1).contains("ado_port_resync_running 1"));
        metrics.resync_finished(Err("no mapping".into()), Duration::from_millis(1500));
        let text = metrics.render(0, 1);
        assert!(
            text.contains("ado_port_last_resync_duration_seconds 1.5"),
            "{text}"
        );
        assert!(text.contains("ado_port_last_resync_status{status=\"failed\"} 1"));
        assert!(text.contains("ado_port_resyncs_total{status=\"failed\"} 1"));
        assert_eq!(
            metrics.unready_reason().as_deref(),
            Some("the last resync failed: no mapping")
        );
    }
}
