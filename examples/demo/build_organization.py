#!/usr/bin/env python3
"""Builds `organization.json`, the sample organization `ado-port demo` serves on loopback.

The payloads are Microsoft's REST API examples (copied under ado-client/tests/fixtures),
varied across three projects. Each route is a GET path under the organization with the
query parameters it must carry, and either one `body` or several `pages` (served with
`x-ms-continuationtoken`). `throttle: true` answers the first request with a 429.

    python3 examples/demo/build_organization.py
"""
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "ado-client", "tests", "fixtures")


def load(path):
    with open(os.path.join(FIXTURES, path), encoding="utf-8-sig") as f:
        data = json.load(f)
    return data["responses"]["200"]["body"] if "responses" in data else data


def values(path):
    return load(path)["value"]


def listing(items):
    return {"count": len(items), "value": items}


ORG = "https://dev.azure.com/fabrikam"
routes = []


def route(path, body=None, query=None, pages=None, throttle=False):
    r = {"path": path}
    if query:
        r["query"] = query
    if pages is not None:
        r["pages"] = pages
    else:
        r["body"] = body
    if throttle:
        r["throttle"] = True
    routes.append(r)


projects = values("core/7.1/projects_list.json")
repos = values("git/7.1/repositories_list.json")
prs = values("git/7.1/pullrequests_list.json")
builds = values("build/7.1/builds_list.json")
timeline = load("build/7.1/timeline.json")
pipelines = values("pipelines/7.1/pipelines_list.json")
runs = values("pipelines/7.1/runs_list.json")
environments = values("distributedtask/7.1/environments_list.json")
records = values("distributedtask/7.1/environmentdeploymentrecords_list.json")
deployments = values("release/7.1/deployments_list.json")
policies = values("policy/7.1/configurations_list.json")
teams = values("core/7.1/teams_list.json")
members = values("core/7.1/team_members_list.json")
entitlement = load("memberentitlementmanagement/7.1/userentitlement.json")

# Projects: two pages, and the first request is throttled.
route("/_apis/projects", pages=[projects[:2], projects[2:]], throttle=True)

all_teams = []
for p_index, project in enumerate(projects):
    pid = project["id"]
    project_ref = {k: project[k] for k in ("id", "name", "state", "visibility") if k in project}
    project_ref["lastUpdateTime"] = project.get("lastUpdateTime", "2024-05-01T10:00:00Z")
    project_repos = []
    for r_index, base in enumerate(repos[: 1 + (p_index % 3)]):
        repo = copy.deepcopy(base)
        repo["id"] = f"{base['id'][:-4]}{p_index}{r_index:03d}"
        repo["name"] = f"{project['name'].split()[0].lower()}-{base['name'].lower()}"
        repo["project"] = project_ref
        repo["defaultBranch"] = "refs/heads/main"
        repo["remoteUrl"] = f"{ORG}/{project['name'].replace(' ', '%20')}/_git/{repo['name']}"
        project_repos.append(repo)
        has_readme = r_index % 2 == 0
        route(
            f"/{pid}/_apis/git/repositories/{repo['id']}/items",
            query={"path": "README.md", "versionDescriptor.version": "main"},
            body={"objectId": "61a86fdaa79e5c6f5fb6e4026508489feb6ed92c", "gitObjectType": "blob",
                  "commitId": "23d0bc5b128a10056dc68afece360d8a0fabb014", "path": "/README.md",
                  "content": f"# {repo['name']}\n\nPart of {project['name']}.\n"} if has_readme else None,
        )
        repo_policies = []
        for i, policy in enumerate(policies):
            policy = copy.deepcopy(policy)
            policy["id"] = 100 * p_index + 10 * r_index + i
            if i == 0:
                policy["type"] = {"id": "fa4e907d-c16b-4a4c-9dfa-4906e5d171dd", "displayName": "Minimum number of reviewers"}
                policy["settings"] = {"minimumApproverCount": 1 + r_index, "creatorVoteCounts": False}
            elif i == 1:
                policy["type"] = {"id": "40e92b44-2fe1-4dd6-b3d8-74a9c21d0c6e", "displayName": "Work item linking"}
                policy["isEnabled"] = True
                policy["isBlocking"] = r_index % 2 == 0
            repo_policies.append(policy)
        route(f"/{pid}/_apis/git/policy/configurations",
              query={"repositoryId": repo["id"], "refName": "refs/heads/main"}, body=listing(repo_policies))
        for status in ("active", "completed", "abandoned"):
            chosen = []
            for i, base in enumerate(prs):
                pr = copy.deepcopy(base)
                pr["pullRequestId"] = 1000 * (p_index + 1) + 100 * r_index + 10 * i + ("active", "completed", "abandoned").index(status)
                pr["status"] = status
                pr["repository"] = {"id": repo["id"], "name": repo["name"], "url": repo["url"], "project": project_ref}
                pr["creationDate"] = f"2024-05-0{1 + i}T0{8 + i}:00:00.{123 * (i + 1)}Z"
                if status != "active":
                    pr["closedDate"] = f"2024-05-0{2 + i}T1{i}:30:00Z"
                chosen.append(pr)
            query = {"searchCriteria.status": status, "searchCriteria.repositoryId": repo["id"]}
            if status != "active":
                query["searchCriteria.queryTimeRangeType"] = "closed"
            route(f"/{pid}/_apis/git/pullrequests", query=query, body=listing(chosen))
    route(f"/{pid}/_apis/git/repositories", body=listing(project_repos))

    project_builds = []
    for b_index in range(4 if p_index == 0 else 2):
        build = copy.deepcopy(builds[b_index % len(builds)])
        build["id"] = 100 * (p_index + 1) + b_index
        build["buildNumber"] = f"2024050{b_index + 1}.{p_index + 1}"
        build["project"] = project_ref
        build["repository"] = {"id": project_repos[0]["id"], "type": "TfsGit", "name": project_repos[0]["name"]}
        project_builds.append(build)
        tl = copy.deepcopy(timeline)
        for record in tl["records"]:
            record["id"] = f"{record['id'][:-4]}{build['id']:04d}"
        route(f"/{pid}/_apis/build/builds/{build['id']}/timeline", body=tl)
    # Builds of the first project come in two pages.
    pages = [project_builds[:2], project_builds[2:]] if p_index == 0 else [project_builds]
    route(f"/{pid}/_apis/build/builds", query={"queryOrder": "queueTimeDescending"}, pages=pages)

    project_pipelines = []
    for base in pipelines:
        pipeline = copy.deepcopy(base)
        pipeline["id"] = 10 * (p_index + 1) + base["id"]
        project_pipelines.append(pipeline)
        pipeline_runs = []
        for base_run in runs:
            run = copy.deepcopy(base_run)
            run["id"] = 100 * pipeline["id"] + base_run["id"]
            run["pipeline"] = {"id": pipeline["id"], "name": pipeline["name"], "folder": pipeline.get("folder", "\\")}
            pipeline_runs.append(run)
        route(f"/{pid}/_apis/pipelines/{pipeline['id']}/runs", body=listing(pipeline_runs))
    route(f"/{pid}/_apis/pipelines", body=listing(project_pipelines))

    project_envs = []
    for base in environments:
        env = copy.deepcopy(base)
        env["id"] = 10 * (p_index + 1) + base["id"]
        env["project"] = {"id": pid, "name": project["name"]}
        project_envs.append(env)
        env_records = []
        for base_record in records:
            record = copy.deepcopy(base_record)
            record["id"] = 100 * env["id"] + base_record["id"]
            record["environmentId"] = env["id"]
            env_records.append(record)
        route(f"/{pid}/_apis/distributedtask/environments/{env['id']}/environmentdeploymentrecords", body=listing(env_records))
    route(f"/{pid}/_apis/distributedtask/environments", body=listing(project_envs))

    project_deployments = []
    for base in deployments:
        deployment = copy.deepcopy(base)
        deployment["id"] = 10 * (p_index + 1) + base["id"]
        deployment.setdefault("releaseDefinition", {})["projectReference"] = {"id": pid, "name": project["name"]}
        project_deployments.append(deployment)
    route(f"/{pid}/_apis/release/deployments", body=listing(project_deployments))
    route(f"/{pid}/_apis/release/releases", body=listing([]))

    for t_index, base in enumerate(teams):
        team = copy.deepcopy(base)
        team["id"] = f"{base['id'][:-4]}{p_index}{t_index:03d}"
        team["name"] = f"{project['name']} {base['name']}"
        team["projectId"] = pid
        team["projectName"] = project["name"]
        all_teams.append(team)
        route(f"/_apis/projects/{pid}/teams/{team['id']}/members", body=listing(members[: 1 + t_index]))

route("/_apis/teams", body=listing(all_teams))
users = []
for i, name in enumerate(["Jamal Hartnett", "Chuck Reinhart", "Johnnie McLeod"]):
    user = copy.deepcopy(entitlement)
    user["id"] = f"{entitlement['id'][:-4]}{i:04d}"
    user["user"]["displayName"] = name
    user["user"]["mailAddress"] = name.lower().replace(" ", ".") + "@fabrikam.com"
    users.append(user)
route("/_apis/userentitlements", body={"items": users, "continuationToken": None, "totalCount": len(users)})

with open(os.path.join(HERE, "organization.json"), "w") as f:
    json.dump({"routes": routes}, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(len(routes), "routes")
