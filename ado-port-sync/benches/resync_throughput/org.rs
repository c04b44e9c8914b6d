//! The generated organization: projects modelled on the sample organization
//! (`tests/fixtures/sample-org.json`), each mapping to 399 entities with the default mapping
//! (builds and their timelines' stages make up most of them), and every list call a single
//! traversal of it needs.

use serde_json::{Value, json};

/// The organization's name, the last segment of its URL.
pub const NAME: &str = "bench";

/// Repositories per project; the last one is disabled, as in the sample organization.
pub const REPOSITORIES: usize = 10;
/// Users per project, listed organization-wide as user entitlements.
const USERS_PER_PROJECT: usize = 5;
/// Members of each project's team.
const TEAM_MEMBERS: usize = 2;
/// Pull requests of each enabled repository per status.
const PULL_REQUESTS: [(&str, usize); 3] = [("active", 2), ("completed", 1), ("abandoned", 1)];
/// Builds per project.
const BUILDS: usize = 65;
/// `Stage` records of each build's timeline (each stage also has a `Job` record).
const STAGES: usize = 3;
/// Pipelines per project.
const PIPELINES: usize = 3;
/// Runs per pipeline.
const RUNS: usize = 10;
/// Environments per project.
const ENVIRONMENTS: usize = 3;
/// Deployment records per environment.
const DEPLOYMENT_RECORDS: usize = 5;
/// Classic release deployments per project.
const RELEASE_DEPLOYMENTS: usize = 20;

/// The Azure DevOps endpoints a resync with the default mapping calls (see
/// [`Endpoint::template`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Projects,
    Repositories,
    Readme,
    PolicyConfigurations,
    UserEntitlements,
    Teams,
    TeamMembers,
    PullRequests,
    Builds,
    Timeline,
    Pipelines,
    PipelineRuns,
    PipelineRun,
    Environments,
    DeploymentRecords,
    ReleaseDeployments,
}

/// How an endpoint pages, as Azure DevOps serves it.
#[derive(Debug, Clone, Copy)]
pub enum Paging {
    /// One object, not a list.
    Object,
    /// One response holds the whole list.
    Whole,
    /// Pages of at most `size` (or the `top` query parameter when smaller), continued by a
    /// token in the `x-ms-continuationtoken` header, or in the body when `in_body`.
    Token {
        top: Option<&'static str>,
        size: usize,
        in_body: bool,
    },
    /// Pages of at most `size` (or `$top` when smaller), from `$skip`.
    Offset { size: usize },
}

impl Endpoint {
    /// Every endpoint, in the order of the report.
    pub const ALL: [Self; 16] = [
        Self::Projects,
        Self::Repositories,
        Self::Readme,
        Self::PolicyConfigurations,
        Self::UserEntitlements,
        Self::Teams,
        Self::TeamMembers,
        Self::PullRequests,
        Self::Builds,
        Self::Timeline,
        Self::Pipelines,
        Self::PipelineRuns,
        Self::PipelineRun,
        Self::Environments,
        Self::DeploymentRecords,
        Self::ReleaseDeployments,
    ];

    /// The path under the organization URL, with its variable segments in braces.
    pub fn template(self) -> &'static str {
        match self {
            Self::Projects => "/_apis/projects",
            Self::Repositories => "/{project}/_apis/git/repositories",
            Self::Readme => "/{project}/_apis/git/repositories/{id}/items",
            Self::PolicyConfigurations => "/{project}/_apis/git/policy/configurations",
            Self::UserEntitlements => "/_apis/userentitlements",
            Self::Teams => "/_apis/teams",
            Self::TeamMembers => "/_apis/projects/{project}/teams/{id}/members",
            Self::PullRequests => "/{project}/_apis/git/pullrequests",
            Self::Builds => "/{project}/_apis/build/builds",
            Self::Timeline => "/{project}/_apis/build/builds/{id}/timeline",
            Self::Pipelines => "/{project}/_apis/pipelines",
            Self::PipelineRuns => "/{project}/_apis/pipelines/{id}/runs",
            Self::PipelineRun => "/{project}/_apis/pipelines/{id}/runs/{run}",
            Self::Environments => "/{project}/_apis/distributedtask/environments",
            Self::DeploymentRecords => {
                "/{project}/_apis/distributedtask/environments/{id}/environmentdeploymentrecords"
            }
            Self::ReleaseDeployments => "/{project}/_apis/release/deployments",
        }
    }

    /// How the endpoint pages. Page sizes are the service's maximum, or the size `ado-client`
    /// asks for where none is documented; user entitlements come in pages of the service's
    /// choosing.
    pub fn paging(self) -> Paging {
        let token = |top, size| Paging::Token {
            top: Some(top),
            size,
            in_body: false,
        };
        match self {
            Self::Readme | Self::PipelineRun => Paging::Object,
            Self::Repositories | Self::PipelineRuns | Self::Timeline => Paging::Whole,
            Self::Projects
            | Self::PolicyConfigurations
            | Self::Builds
            | Self::Pipelines
            | Self::Environments => token("$top", 1000),
            Self::DeploymentRecords => token("top", 1000),
            Self::ReleaseDeployments => token("$top", 100),
            Self::UserEntitlements => Paging::Token {
                top: None,
                size: 100,
                in_body: true,
            },
            Self::Teams | Self::TeamMembers => Paging::Offset { size: 100 },
            Self::PullRequests => Paging::Offset { size: 1000 },
        }
    }

    /// The body field holding a list's items.
    pub fn items_key(self) -> &'static str {
        match self {
            Self::UserEntitlements => "items",
            Self::Timeline => "records",
            _ => "value",
        }
    }

    /// The fewest requests a call listing `items` needs: one per full page, at least one.
    pub fn minimum_requests(self, items: usize) -> usize {
        match self.paging() {
            Paging::Object | Paging::Whole => 1,
            Paging::Token { size, .. } | Paging::Offset { size } => items.div_ceil(size).max(1),
        }
    }
}

/// An organization of `projects` generated projects, ids `p0`, `p1`...
#[derive(Debug, Clone, Copy)]
pub struct Org {
    /// How many projects it has.
    pub projects: usize,
}

impl Org {
    /// Every call a single traversal of the organization with the default mapping makes:
    /// the endpoint and how many items it lists.
    pub fn calls(&self) -> Vec<(Endpoint, usize)> {
        let mut calls = vec![
            (Endpoint::Projects, self.projects().len()),
            (Endpoint::UserEntitlements, self.users().len()),
            (Endpoint::Teams, self.teams().len()),
        ];
        for p in 0..self.projects {
            calls.push((Endpoint::Repositories, repositories(p).len()));
            for r in (0..REPOSITORIES).filter(|r| !disabled(*r)) {
                calls.push((Endpoint::Readme, 1));
                calls.push((Endpoint::PolicyConfigurations, policies(p, r).len()));
                for (status, _) in PULL_REQUESTS {
                    calls.push((Endpoint::PullRequests, pull_requests(p, r, status).len()));
                }
            }
            calls.push((Endpoint::TeamMembers, team_members(p).len()));
            calls.push((Endpoint::Builds, builds(p).len()));
            for b in 0..BUILDS {
                calls.push((Endpoint::Timeline, timeline(build_id(p, b)).len()));
            }
            calls.push((Endpoint::Pipelines, pipelines(p).len()));
            for k in 0..PIPELINES {
                calls.push((
                    Endpoint::PipelineRuns,
                    pipeline_runs(pipeline_id(p, k)).len(),
                ));
            }
            calls.push((Endpoint::Environments, environments(p).len()));
            for e in 0..ENVIRONMENTS {
                let records = deployment_records(environment_id(p, e)).len();
                calls.push((Endpoint::DeploymentRecords, records));
            }
            calls.push((Endpoint::ReleaseDeployments, release_deployments(p).len()));
        }
        calls
    }

    /// The entities the default mapping makes of the organization, resource by resource.
    pub fn entities(&self) -> usize {
        let enabled = REPOSITORIES - 1;
        let pull_requests: usize = PULL_REQUESTS.iter().map(|(_, n)| n).sum();
        let per_project = 1 // project
            + REPOSITORIES
            + 2 * enabled // the two repository-policy resources, one policy each
            + USERS_PER_PROJECT
            + 1 // team
            + enabled * pull_requests
            + BUILDS
            + BUILDS * STAGES
            + PIPELINES * RUNS
            + ENVIRONMENTS
            + ENVIRONMENTS * DEPLOYMENT_RECORDS
            + RELEASE_DEPLOYMENTS;
        self.projects * per_project
    }

    /// The project index of a project id, if the organization has it.
    pub fn project(&self, id: &str) -> Option<usize> {
        id.strip_prefix('p')?
            .parse()
            .ok()
            .filter(|p| *p < self.projects)
    }

    /// The projects, as the projects list returns them.
    pub fn projects(&self) -> Vec<Value> {
        (0..self.projects).map(project).collect()
    }

    /// The user entitlements of the whole organization.
    pub fn users(&self) -> Vec<Value> {
        (0..self.projects * USERS_PER_PROJECT).map(user).collect()
    }

    /// The teams of the whole organization, one per project.
    pub fn teams(&self) -> Vec<Value> {
        (0..self.projects)
            .map(|p| {
                json!({
                    "id": team_id(p), "name": format!("Team {p}"),
                    "url": format!("https://dev.azure.com/{NAME}/_apis/projects/p{p}/teams/{}", team_id(p)),
                    "description": "The project's default team",
                    "identityUrl": format!("https://spsprodeus27.vssps.visualstudio.com/_apis/Identities/{}", team_id(p)),
                    "projectName": format!("Project {p}"), "projectId": format!("p{p}")
                })
            })
            .collect()
    }
}

/// Whether repository `r` of a project is disabled.
fn disabled(r: usize) -> bool {
    r == REPOSITORIES - 1
}

/// The id of project `p`'s team.
pub fn team_id(p: usize) -> String {
    format!("p{p}-team")
}

fn repository_id(p: usize, r: usize) -> String {
    format!("p{p}-r{r}")
}

/// The repository index of a repository id of project `p`.
pub fn repository(p: usize, id: &str) -> Option<usize> {
    id.strip_prefix(&format!("p{p}-r"))?
        .parse()
        .ok()
        .filter(|r| *r < REPOSITORIES)
}

fn project(p: usize) -> Value {
    json!({
        "id": format!("p{p}"), "name": format!("Project {p}"),
        "description": format!("Generated project {p}"),
        "url": format!("https://dev.azure.com/{NAME}/_apis/projects/p{p}"),
        "state": "wellFormed", "revision": 11, "visibility": "private",
        "lastUpdateTime": "2024-01-02T00:00:00Z"
    })
}

fn project_reference(p: usize) -> Value {
    json!({"id": format!("p{p}"), "name": format!("Project {p}"), "state": "wellFormed",
           "lastUpdateTime": "2024-01-02T00:00:00Z"})
}

/// Project `p`'s repositories.
pub fn repositories(p: usize) -> Vec<Value> {
    (0..REPOSITORIES)
        .map(|r| {
            let id = repository_id(p, r);
            let branch = if disabled(r) { "master" } else { "main" };
            json!({
                "id": id, "name": format!("repo-{r}"),
                "url": format!("https://dev.azure.com/{NAME}/p{p}/_apis/git/repositories/{id}"),
                "project": project_reference(p), "defaultBranch": format!("refs/heads/{branch}"),
                "remoteUrl": format!("https://{NAME}@dev.azure.com/{NAME}/Project%20{p}/_git/repo-{r}"),
                "isDisabled": disabled(r)
            })
        })
        .collect()
}

/// The `README.md` item of repository `r`, with its content.
pub fn readme(p: usize, r: usize) -> Value {
    json!({
        "objectId": format!("{p:04x}{r:04x}"), "gitObjectType": "blob", "commitId": "c0ffee",
        "path": "/README.md",
        "content": format!("# repo-{r}\n\nService {r} of project {p}.\n\n{}", "Setup and usage notes. ".repeat(20))
    })
}

/// The policies of repository `r`'s default branch: one the first `repository-policy`
/// resource selects, one the second does.
pub fn policies(p: usize, r: usize) -> Vec<Value> {
    let scope = json!([{"repositoryId": repository_id(p, r), "refName": "refs/heads/main", "matchKind": "exact"}]);
    vec![
        json!({"id": 1, "revision": 1, "isEnabled": true, "isBlocking": true,
               "type": {"id": "fa4e907d-c16b-4a4c-9dfa-4906e5d171dd", "displayName": "Minimum number of reviewers"},
               "settings": {"minimumApproverCount": 2, "scope": scope}}),
        json!({"id": 2, "revision": 1, "isEnabled": true, "isBlocking": false,
               "type": {"id": "40e92b44-2fe1-4dd6-b3d8-74a9c21d0c6e", "displayName": "Work item linking"},
               "settings": {"scope": scope}}),
    ]
}

fn user(u: usize) -> Value {
    json!({
        "id": format!("u{u}"),
        "user": {"subjectKind": "user", "displayName": format!("User {u}"),
                 "url": format!("https://vssps.dev.azure.com/{NAME}/_apis/Graph/Users/aad.{u}"),
                 "mailAddress": format!("user{u}@example.com"), "descriptor": format!("aad.{u}")},
        "accessLevel": {"accountLicenseType": "express"}, "lastAccessedDate": "2024-05-01T00:00:00Z"
    })
}

/// The members of project `p`'s team.
pub fn team_members(p: usize) -> Vec<Value> {
    (0..TEAM_MEMBERS)
        .map(|m| {
            let u = p * USERS_PER_PROJECT + m;
            json!({"identity": {"id": format!("u{u}"), "displayName": format!("User {u}"),
                                "uniqueName": format!("user{u}@example.com")},
                   "isTeamAdmin": m == 0})
        })
        .collect()
}

/// The pull requests of repository `r` with this status (none for a disabled repository).
pub fn pull_requests(p: usize, r: usize, status: &str) -> Vec<Value> {
    let Some((s, (_, count))) = PULL_REQUESTS
        .iter()
        .enumerate()
        .find(|(_, (s, _))| *s == status)
    else {
        return Vec::new();
    };
    let count = if disabled(r) { 0 } else { *count };
    let closed = status != "active";
    (0..count)
        .map(|n| {
            let u = p * USERS_PER_PROJECT;
            let mut pr = json!({
                "pullRequestId": 100 * r + 10 * s + n, "status": status,
                "title": format!("Change {n} of repo-{r}"), "creationDate": "2024-05-01T10:00:00.123Z",
                "repository": {"id": repository_id(p, r), "name": format!("repo-{r}")},
                "createdBy": {"id": format!("u{u}"), "uniqueName": format!("user{u}@example.com")},
                "reviewers": [{"id": format!("u{}", u + 1), "uniqueName": format!("user{}@example.com", u + 1), "vote": 10}],
                "sourceRefName": format!("refs/heads/feature-{n}"), "targetRefName": "refs/heads/main"
            });
            if closed {
                pr["closedDate"] = json!("2024-05-02T13:30:00.000Z");
            }
            pr
        })
        .collect()
}

/// Project `p`'s builds.
pub fn builds(p: usize) -> Vec<Value> {
    (0..BUILDS)
        .map(|b| {
            let id = build_id(p, b);
            let pipeline = b % PIPELINES;
            json!({
                "id": id, "buildNumber": format!("20240501.{b}"), "status": "completed", "result": "succeeded",
                "queueTime": "2024-05-01T09:00:00Z", "startTime": "2024-05-01T09:01:00Z",
                "finishTime": "2024-05-01T09:05:00Z",
                "definition": {"id": pipeline_id(p, pipeline), "name": format!("ci-{pipeline}")},
                "project": {"id": format!("p{p}"), "name": format!("Project {p}")},
                "repository": {"id": repository_id(p, b % (REPOSITORIES - 1)), "type": "TfsGit"},
                "requestedFor": {"displayName": format!("User {}", p * USERS_PER_PROJECT)},
                "_links": {"web": {"href": format!("https://dev.azure.com/{NAME}/p{p}/_build/results?buildId={id}")}}
            })
        })
        .collect()
}

fn build_id(p: usize, b: usize) -> usize {
    1000 * p + b
}

/// Whether `id` is one of project `p`'s builds.
pub fn has_build(p: usize, id: usize) -> bool {
    (build_id(p, 0)..build_id(p, BUILDS)).contains(&id)
}

/// The records of a build's timeline: per stage, the `Stage` record and one `Job`.
pub fn timeline(id: usize) -> Vec<Value> {
    (0..STAGES)
        .flat_map(|s| {
            [
                json!({"id": format!("b{id}-stage-{s}"), "type": "Stage", "name": format!("Stage {s}"),
                       "state": "completed", "result": "succeeded", "order": s + 1,
                       "startTime": "2024-05-01T09:01:00Z", "finishTime": "2024-05-01T09:05:00Z"}),
                json!({"id": format!("b{id}-job-{s}"), "parentId": format!("b{id}-stage-{s}"), "type": "Job",
                       "name": format!("Job {s}"), "state": "completed", "result": "succeeded"}),
            ]
        })
        .collect()
}

fn pipeline_id(p: usize, k: usize) -> usize {
    100 * p + k
}

/// Project `p`'s pipelines.
pub fn pipelines(p: usize) -> Vec<Value> {
    (0..PIPELINES)
        .map(|k| json!({"id": pipeline_id(p, k), "name": format!("ci-{k}"), "folder": "\\", "revision": 2}))
        .collect()
}

/// Whether `id` is one of project `p`'s pipelines.
pub fn has_pipeline(p: usize, id: usize) -> bool {
    (pipeline_id(p, 0)..pipeline_id(p, PIPELINES)).contains(&id)
}

/// The runs of pipeline `id`.
pub fn pipeline_runs(id: usize) -> Vec<Value> {
    (0..RUNS).map(|n| pipeline_run(id, 100 * id + n)).collect()
}

/// Run `run` of pipeline `id`.
pub fn pipeline_run(id: usize, run: usize) -> Value {
    json!({"id": run, "name": format!("20240501.{}", run % 100), "state": "completed",
           "result": "succeeded", "createdDate": "2024-05-01T09:00:00Z",
           "finishedDate": "2024-05-01T09:05:00Z",
           "pipeline": {"id": id, "name": format!("ci-{}", id % 100), "folder": "\\"}})
}

fn environment_id(p: usize, e: usize) -> usize {
    10 * p + e
}

/// Project `p`'s environments.
pub fn environments(p: usize) -> Vec<Value> {
    (0..ENVIRONMENTS)
        .map(|e| {
            json!({"id": environment_id(p, e), "name": format!("environment-{e}"),
                   "description": format!("Environment {e}"), "createdOn": "2024-01-05T00:00:00Z",
                   "lastModifiedOn": "2024-04-05T00:00:00Z",
                   "project": {"id": format!("p{p}"), "name": format!("Project {p}")}})
        })
        .collect()
}

/// Whether `id` is one of project `p`'s environments.
pub fn has_environment(p: usize, id: usize) -> bool {
    (environment_id(p, 0)..environment_id(p, ENVIRONMENTS)).contains(&id)
}

/// The deployment records of environment `id`.
pub fn deployment_records(id: usize) -> Vec<Value> {
    (0..DEPLOYMENT_RECORDS)
        .map(|n| {
            json!({"id": 100 * id + n, "environmentId": id, "planType": "Build",
                   "requestIdentifier": format!("20240501.{n}"), "stageName": "Deploy",
                   "jobName": "DeployWeb", "result": "succeeded",
                   "startTime": "2024-05-01T09:06:00Z", "finishTime": "2024-05-01T09:08:00Z"})
        })
        .collect()
}

/// Project `p`'s classic release deployments.
pub fn release_deployments(p: usize) -> Vec<Value> {
    (0..RELEASE_DEPLOYMENTS)
        .map(|n| {
            let release = 1000 * p + n / 2;
            json!({
                "id": 1000 * p + n, "release": {"id": release, "name": format!("Release-{release}")},
                "releaseDefinition": {"id": 1, "name": "cd", "projectReference": {"id": format!("p{p}"), "name": format!("Project {p}")}},
                "releaseEnvironment": {"id": 700 + n % 2, "name": format!("Stage {}", n % 2 + 1)},
                "deploymentStatus": "succeeded", "operationStatus": "Approved", "reason": "automated",
                "url": format!("https://vsrm.dev.azure.com/{NAME}/p{p}/_apis/Release/deployments/{}", 1000 * p + n),
                "requestedBy": {"displayName": format!("User {}", p * USERS_PER_PROJECT)},
                "startedOn": "2024-05-01T10:00:00Z", "completedOn": "2024-05-01T10:10:00Z"
            })
        })
        .collect()
}
