//! The stand-in Azure DevOps: serves the generated organization, paging each list as the
//! service does and filtering by time where the service does (builds, pull requests, release
//! deployments), and counts the requests per endpoint.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use crate::faults::Faults;
use crate::org::{self, Endpoint, Org, Paging};
use crate::stats::Stats;

/// Query parameters of a request.
type Query = HashMap<String, String>;

/// Answers every request to the organization after `latency`.
pub struct AzureDevOps {
    /// The organization served.
    pub org: Org,
    /// How long each answer takes.
    pub latency: Duration,
    /// Where the requests are counted.
    pub stats: Arc<Stats>,
    /// Faults answered instead of some requests (still counted).
    pub faults: Faults,
    /// Builds that changed after the organization was generated.
    pub changes: Changes,
}

/// The first `count` builds, round robin over the projects, queued a minute before `at` and
/// finished at `at` (the stand-in's start): changes a resync started later lists again when
/// it lists changes since its previous run.
#[derive(Debug, Clone, Copy)]
pub struct Changes {
    /// How many builds changed.
    pub count: usize,
    /// When they finished.
    pub at: Timestamp,
}

impl Changes {
    /// Project `p`'s builds, the changed ones with their new times.
    fn builds(&self, org: &Org, p: usize) -> Vec<Value> {
        let mut builds = org::builds(p);
        let queued = self.at - jiff::SignedDuration::from_mins(1);
        for (b, build) in builds.iter_mut().enumerate() {
            if b * org.projects + p < self.count {
                build["queueTime"] = json!(queued.to_string());
                build["startTime"] = json!(queued.to_string());
                build["finishTime"] = json!(self.at.to_string());
            }
        }
        builds
    }

    /// Project `p`'s pull requests of this status, of one repository (`None` for one the
    /// project lacks) or of the whole project; the closed ones closed a day before `at`,
    /// within any listing window.
    fn pull_requests(
        &self,
        p: usize,
        repository: Option<&String>,
        status: &str,
    ) -> Option<Vec<Value>> {
        let repositories = match repository {
            Some(id) => vec![org::repository(p, id)?],
            None => (0..org::REPOSITORIES).collect(),
        };
        let closed = (self.at - jiff::SignedDuration::from_hours(24)).to_string();
        let mut pull_requests: Vec<Value> = repositories
            .into_iter()
            .flat_map(|r| org::pull_requests(p, r, status))
            .collect();
        for pr in &mut pull_requests {
            if pr.get("closedDate").is_some() {
                pr["closedDate"] = json!(closed);
            }
        }
        Some(pull_requests)
    }
}

/// Keeps the items whose `field` is at or after the time in query parameter `since`, when the
/// query has it.
fn changed_since(items: Vec<Value>, field: &str, since: Option<&String>) -> Vec<Value> {
    let Some(since) = since.and_then(|since| since.parse::<Timestamp>().ok()) else {
        return items;
    };
    items
        .into_iter()
        .filter(|item| {
            item[field]
                .as_str()
                .and_then(|time| time.parse::<Timestamp>().ok())
                .is_some_and(|time| time >= since)
        })
        .collect()
}

impl Respond for AzureDevOps {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query: Query = request.url.query_pairs().into_owned().collect();
        let segments: Vec<&str> = request
            .url
            .path_segments()
            .map(Iterator::collect)
            .unwrap_or_default();
        let routed = match segments.as_slice() {
            [name, path @ ..] if *name == org::NAME => self.route(path, &query),
            _ => None,
        };
        let response = match routed {
            Some((endpoint, items)) => {
                self.stats.ado(endpoint.template().to_owned());
                self.faults
                    .next()
                    .unwrap_or_else(|| page(endpoint, items, &query))
            }
            None => {
                self.stats.ado(format!("unserved {}", request.url.path()));
                ResponseTemplate::new(404)
            }
        };
        response.set_delay(self.latency)
    }
}

impl AzureDevOps {
    /// The endpoint of a path under the organization and everything it lists (an object
    /// endpoint's list holds the object); `None` for anything the organization lacks.
    fn route(&self, path: &[&str], query: &Query) -> Option<(Endpoint, Vec<Value>)> {
        let org = &self.org;
        Some(match path {
            ["_apis", "projects"] => (Endpoint::Projects, org.projects()),
            ["_apis", "userentitlements"] => (Endpoint::UserEntitlements, org.users()),
            ["_apis", "teams"] => (Endpoint::Teams, org.teams()),
            ["_apis", "projects", project, "teams", team, "members"] => {
                let p = org.project(project).filter(|p| *team == org::team_id(*p))?;
                (Endpoint::TeamMembers, org::team_members(p))
            }
            [project, "_apis", path @ ..] => {
                let p = org.project(project)?;
                match path {
                    ["git", "pullrequests"] => {
                        let status = query.get("searchCriteria.status")?;
                        let repository = query.get("searchCriteria.repositoryId");
                        let pull_requests = self.changes.pull_requests(p, repository, status)?;
                        let closed = query.get("searchCriteria.queryTimeRangeType");
                        let field = match closed.map(String::as_str) {
                            Some("closed") => "closedDate",
                            _ => "creationDate",
                        };
                        let since = query.get("searchCriteria.minTime");
                        let pull_requests = changed_since(pull_requests, field, since);
                        (Endpoint::PullRequests, pull_requests)
                    }
                    ["build", "builds"] => {
                        let order = match query.get("queryOrder").map(String::as_str) {
                            Some("finishTimeDescending" | "finishTimeAscending") => "finishTime",
                            _ => "queueTime",
                        };
                        let builds = self.changes.builds(org, p);
                        let builds = changed_since(builds, order, query.get("minTime"));
                        (Endpoint::Builds, builds)
                    }
                    _ => project_route(p, path, query)?,
                }
            }
            _ => return None,
        })
    }
}

/// The endpoint of a path under project `p`'s `_apis` and everything it lists.
fn project_route(p: usize, path: &[&str], query: &Query) -> Option<(Endpoint, Vec<Value>)> {
    let repository = |name: &str| org::repository(p, query.get(name)?);
    let number = |id: &str| id.parse::<usize>().ok();
    Some(match path {
        ["git", "repositories"] => (Endpoint::Repositories, org::repositories(p)),
        ["git", "repositories", id, "items"] => {
            let r = org::repository(p, id)?;
            let readme = query.get("path").is_some_and(|path| path == "README.md");
            (Endpoint::Readme, vec![readme.then(|| org::readme(p, r))?])
        }
        ["git", "policy", "configurations"] => (
            Endpoint::PolicyConfigurations,
            org::policies(p, repository("repositoryId")?),
        ),
        ["build", "builds", id, "timeline"] => {
            let id = number(id).filter(|id| org::has_build(p, *id))?;
            (Endpoint::Timeline, org::timeline(id))
        }
        ["pipelines"] => (Endpoint::Pipelines, org::pipelines(p)),
        ["pipelines", id, "runs"] => {
            let id = number(id).filter(|id| org::has_pipeline(p, *id))?;
            (Endpoint::PipelineRuns, org::pipeline_runs(id))
        }
        ["pipelines", id, "runs", run] => {
            let id = number(id).filter(|id| org::has_pipeline(p, *id))?;
            (
                Endpoint::PipelineRun,
                vec![org::pipeline_run(id, number(run)?)],
            )
        }
        ["distributedtask", "environments"] => (Endpoint::Environments, org::environments(p)),
        [
            "distributedtask",
            "environments",
            id,
            "environmentdeploymentrecords",
        ] => {
            let id = number(id).filter(|id| org::has_environment(p, *id))?;
            (Endpoint::DeploymentRecords, org::deployment_records(id))
        }
        ["release", "deployments"] => {
            let deployments = org::release_deployments(p);
            let since = query.get("minModifiedTime");
            (
                Endpoint::ReleaseDeployments,
                changed_since(deployments, "completedOn", since),
            )
        }
        _ => return None,
    })
}

/// The page of `items` the query asks for, with the continuation the endpoint uses.
fn page(endpoint: Endpoint, items: Vec<Value>, query: &Query) -> ResponseTemplate {
    let number = |name: &str| query.get(name).and_then(|v| v.parse::<usize>().ok());
    let limit = |top: Option<&str>, size: usize| top.and_then(number).map_or(size, |t| t.min(size));
    let (start, size, token) = match endpoint.paging() {
        Paging::Object => {
            let object = items.into_iter().next().unwrap_or_default();
            return ResponseTemplate::new(200).set_body_json(object);
        }
        Paging::Whole => (0, items.len(), None),
        Paging::Token { top, size, in_body } => (
            number("continuationToken").unwrap_or(0),
            limit(top, size),
            Some(in_body),
        ),
        Paging::Offset { size } => (
            number("$skip").unwrap_or(0),
            limit(Some("$top"), size),
            None,
        ),
    };
    let end = start.saturating_add(size).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    let page: Vec<Value> = items.into_iter().take(end).skip(start).collect();
    let mut body = json!({"count": page.len(), endpoint.items_key(): page});
    let mut response = ResponseTemplate::new(200);
    match (token, next) {
        (Some(true), next) => body["continuationToken"] = json!(next),
        (Some(false), Some(next)) => {
            response = response.insert_header("x-ms-continuationtoken", next)
        }
        _ => {}
    }
    response.set_body_json(body)
}
