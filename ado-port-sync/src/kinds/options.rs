//! Kind-specific selector options, validated when the mapping is loaded.

use ado_client::{AlertQuery, ReleaseDefinitionQuery, ReleaseQuery, WorkItemExpand};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::Kind;
use super::glob::PathPattern;
use crate::org::RepoEntry;

/// Default of the pull-request `minTimeInDays` option.
pub const DEFAULT_PR_MIN_TIME_IN_DAYS: u32 = 7;
/// Default of the pull-request `maxResults` option.
pub const DEFAULT_PR_MAX_RESULTS: usize = 100;

/// Default of the area-path `depth` option: the deepest tree Azure DevOps allows (14 levels
/// below the root), so the whole tree is listed.
pub const DEFAULT_AREA_DEPTH: u32 = 14;
/// Default `flags` of the test-run `codeCoverage` option: modules, functions and blocks.
pub const DEFAULT_COVERAGE_FLAGS: u32 = 7;
/// Default of the work-item `expand` option: fields, relations and links (as the reference
/// integration), so mappings can read `.relations` (parent links) and `._links`.
pub const DEFAULT_WORK_ITEM_EXPAND: WorkItemExpand = WorkItemExpand::All;
/// Default of the release-definition `expand` option.
pub const DEFAULT_RELEASE_DEFINITION_EXPAND: &str = "environments";

/// A selector option with an unusable value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("selector option `{option}` {message}")]
pub struct OptionError {
    /// The option's name as written in the mapping.
    pub option: String,
    /// What is wrong with it.
    pub message: String,
}

impl OptionError {
    fn new(option: &str, message: impl Into<String>) -> Self {
        Self {
            option: option.to_owned(),
            message: message.into(),
        }
    }
}

/// Where `user` items come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserSource {
    /// User entitlements (licenses), the default.
    Entitlements,
    /// Graph users.
    Graph,
}

/// Which wikis the `wiki` kind lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WikiType {
    /// The project wiki.
    Project,
    /// Wikis published from code.
    Code,
}

impl WikiType {
    /// The wiki `type` Azure DevOps reports.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Project => "projectWiki",
            Self::Code => "codeWiki",
        }
    }
}

/// The `folder` selector: where to look and what to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FolderQuery {
    /// Only repositories of the project with this name (`project_name`).
    pub(crate) project_name: Option<String>,
    /// The folder patterns (`folders`).
    pub(crate) patterns: Vec<FolderPattern>,
    /// Files to read in each folder (`includedFiles`).
    pub(crate) included_files: Vec<String>,
}

impl FolderQuery {
    /// Whether `repo` is in the selected project (any project without `project_name`).
    pub(crate) fn has_project_of(&self, repo: &RepoEntry) -> bool {
        self.project_name.as_deref().is_none_or(|wanted| {
            repo.raw["project"]["name"]
                .as_str()
                .is_some_and(|name| name.eq_ignore_ascii_case(wanted))
        })
    }
}

/// The `file` selector: which paths in which repositories, and what to read next to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileQuery {
    /// Literal paths or patterns (`files.path`).
    pub(crate) paths: Vec<PathPattern>,
    /// Repository names (`files.repos`); empty means every repository.
    pub(crate) repos: Vec<String>,
    /// Files to read next to each file (`includedFiles`).
    pub(crate) included_files: Vec<String>,
}

impl FileQuery {
    /// Whether the selector names `repo` (or names no repository).
    pub(crate) fn includes_repo(&self, repo: &RepoEntry) -> bool {
        self.repos.is_empty()
            || repo.raw["name"]
                .as_str()
                .is_some_and(|name| self.repos.iter().any(|r| r.eq_ignore_ascii_case(name)))
    }
}

/// One entry of `folders`: a path pattern and the repositories (with branches) it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FolderPattern {
    /// The path pattern.
    pub(crate) path: PathPattern,
    /// The repositories by name, each with an optional branch; empty means every repository.
    pub(crate) repos: Vec<(String, Option<String>)>,
}

impl FolderPattern {
    /// The branch to look at in `repo`, or `None` when the pattern does not name it or the
    /// repository has no default branch to fall back on.
    pub(crate) fn branch_for(&self, repo: &RepoEntry) -> Option<String> {
        let default = || {
            repo.default_branch
                .as_deref()
                .map(|b| b.strip_prefix("refs/heads/").unwrap_or(b).to_owned())
        };
        if self.repos.is_empty() {
            return default();
        }
        let name = repo.raw["name"].as_str()?;
        let (_, branch) = self
            .repos
            .iter()
            .find(|(wanted, _)| wanted.eq_ignore_ascii_case(name))?;
        branch.clone().or_else(default)
    }
}

/// A kind with its validated options: one variant per kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KindOptions {
    /// `repository-policy`
    RepositoryPolicy,
    /// `build`
    Build,
    /// `pipeline-stage`
    PipelineStage,
    /// `pipeline-run`
    PipelineRun,
    /// `environment`
    Environment,
    /// `release-deployment`
    ReleaseDeployment,
    /// `pipeline-deployment`
    PipelineDeployment,
    /// `pipeline`
    Pipeline,
    /// `release`: the release filters.
    Release(ReleaseQuery),
    /// `release-definition`: the definition filters.
    ReleaseDefinition(ReleaseDefinitionQuery),
    /// `branch`
    Branch,
    /// `member`
    Member,
    /// `iteration`
    Iteration,
    /// `area-path`: how many levels below the root to list.
    AreaPath { depth: u32 },
    /// `work-item`: the WIQL condition and what to expand.
    WorkItem {
        condition: Option<String>,
        expand: WorkItemExpand,
    },
    /// `test-run`: whether to read results, and the code coverage flags when coverage is
    /// wanted.
    TestRun {
        include_results: bool,
        coverage_flags: Option<u32>,
    },
    /// `group`
    Group,
    /// `group-member`
    GroupMember,
    /// `advanced-security-alert`: the alert criteria.
    AdvancedSecurityAlert(AlertQuery),
    /// `wiki`: which wikis, and whether to read each page's content.
    Wiki {
        wiki_type: Option<WikiType>,
        include_content: bool,
    },
    /// `folder`: the folder selector.
    Folder(FolderQuery),
    /// `file`: the file selector.
    File(FileQuery),
    /// `board`
    Board,
    /// `column`
    Column,
    /// `project`: fetch each project to get its default team.
    Project { default_team: bool },
    /// `repository`: files to read from each default branch.
    Repository { included_files: Vec<String> },
    /// `team`: fetch each team's members.
    Team { include_members: bool },
    /// `pull-request`: how far back and how many closed pull requests to list.
    PullRequest {
        min_time_in_days: u32,
        max_results: usize,
    },
    /// `user`: source and its filters.
    User {
        source: UserSource,
        select: Option<String>,
        subject_types: Option<String>,
        legacy_paging: bool,
    },
}

impl KindOptions {
    /// Validates the selector options of `kind`. Options a kind does not know are left alone.
    pub(crate) fn parse(kind: Kind, options: &Map<String, Value>) -> Result<Self, OptionError> {
        Ok(match kind {
            Kind::Project => Self::Project {
                default_team: flag(options, "defaultTeam")?,
            },
            Kind::Repository => Self::Repository {
                included_files: string_list(options, "includedFiles")?,
            },
            Kind::Team => {
                if flag(options, "includeAreaPaths")? {
                    return Err(OptionError::new(
                        "includeAreaPaths",
                        "is not supported yet; remove it or set it to false",
                    ));
                }
                Self::Team {
                    include_members: flag(options, "includeMembers")?,
                }
            }
            Kind::PullRequest => Self::PullRequest {
                min_time_in_days: positive(options, "minTimeInDays", DEFAULT_PR_MIN_TIME_IN_DAYS)?,
                max_results: positive(options, "maxResults", DEFAULT_PR_MAX_RESULTS)?,
            },
            Kind::User => user_options(options)?,
            Kind::RepositoryPolicy => Self::RepositoryPolicy,
            Kind::Build => Self::Build,
            Kind::PipelineStage => Self::PipelineStage,
            Kind::PipelineRun => Self::PipelineRun,
            Kind::Environment => Self::Environment,
            Kind::ReleaseDeployment => Self::ReleaseDeployment,
            Kind::PipelineDeployment => Self::PipelineDeployment,
            Kind::Pipeline => {
                if flag(options, "includeRepo")? {
                    return Err(OptionError::new(
                        "includeRepo",
                        "is not supported yet; remove it or set it to false",
                    ));
                }
                Self::Pipeline
            }
            Kind::Release => Self::Release(release_query(options)?),
            Kind::ReleaseDefinition => Self::ReleaseDefinition(release_definition_query(options)?),
            Kind::Branch => Self::Branch,
            Kind::Member => Self::Member,
            Kind::Iteration => Self::Iteration,
            Kind::AreaPath => Self::AreaPath {
                depth: positive(options, "depth", DEFAULT_AREA_DEPTH)?,
            },
            Kind::WorkItem => Self::WorkItem {
                condition: wiql_condition(options)?,
                expand: work_item_expand(options)?,
            },
            Kind::Group => Self::Group,
            Kind::GroupMember => Self::GroupMember,
            Kind::AdvancedSecurityAlert => Self::AdvancedSecurityAlert(alert_query(options)?),
            Kind::Wiki => Self::Wiki {
                wiki_type: wiki_type(options)?,
                include_content: flag(options, "includeContent")?,
            },
            Kind::Folder => Self::Folder(folder_query(options)?),
            Kind::File => Self::File(file_query(options)?),
            Kind::Board => Self::Board,
            Kind::Column => Self::Column,
            Kind::TestRun => Self::TestRun {
                include_results: flag_or(options, "includeResults", true)?,
                coverage_flags: coverage_flags(options)?,
            },
        })
    }

    /// The kind these options belong to.
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Self::Project { .. } => Kind::Project,
            Self::Repository { .. } => Kind::Repository,
            Self::Team { .. } => Kind::Team,
            Self::PullRequest { .. } => Kind::PullRequest,
            Self::User { .. } => Kind::User,
            Self::RepositoryPolicy => Kind::RepositoryPolicy,
            Self::Build => Kind::Build,
            Self::PipelineStage => Kind::PipelineStage,
            Self::PipelineRun => Kind::PipelineRun,
            Self::Environment => Kind::Environment,
            Self::ReleaseDeployment => Kind::ReleaseDeployment,
            Self::PipelineDeployment => Kind::PipelineDeployment,
            Self::Pipeline => Kind::Pipeline,
            Self::Release(_) => Kind::Release,
            Self::ReleaseDefinition(_) => Kind::ReleaseDefinition,
            Self::Branch => Kind::Branch,
            Self::Member => Kind::Member,
            Self::Iteration => Kind::Iteration,
            Self::AreaPath { .. } => Kind::AreaPath,
            Self::WorkItem { .. } => Kind::WorkItem,
            Self::Group => Kind::Group,
            Self::GroupMember => Kind::GroupMember,
            Self::AdvancedSecurityAlert(_) => Kind::AdvancedSecurityAlert,
            Self::Wiki { .. } => Kind::Wiki,
            Self::Folder(_) => Kind::Folder,
            Self::File(_) => Kind::File,
            Self::Board => Kind::Board,
            Self::Column => Kind::Column,
            Self::TestRun { .. } => Kind::TestRun,
        }
    }
}

fn user_options(options: &Map<String, Value>) -> Result<KindOptions, OptionError> {
    let source = match options.get("source") {
        None | Some(Value::Null) => UserSource::Entitlements,
        Some(Value::String(s)) if s == "entitlements" => UserSource::Entitlements,
        Some(Value::String(s)) if s == "graph" => UserSource::Graph,
        Some(other) => {
            return Err(OptionError::new(
                "source",
                format!("must be \"entitlements\" or \"graph\", got {other}"),
            ));
        }
    };
    if flag(options, "includeGroupMemberships")? {
        return Err(OptionError::new(
            "includeGroupMemberships",
            "is not supported yet; remove it or set it to false",
        ));
    }
    const FIELDS: [&str; 4] = ["license", "extensions", "projects", "groupRules"];
    let fields = string_list(options, "includeFields")?;
    if let Some(bad) = fields.iter().find(|f| !FIELDS.contains(&f.as_str())) {
        return Err(OptionError::new(
            "includeFields",
            format!("must only name {}, got `{bad}`", FIELDS.join(", ")),
        ));
    }
    let subject_types = match options.get("subjectTypes") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(_)) => Some(string_list(options, "subjectTypes")?.join(",")),
        Some(other) => {
            return Err(OptionError::new(
                "subjectTypes",
                format!("must be a string or a list of strings, got {other}"),
            ));
        }
    };
    let legacy_paging = match options.get("apiVersion") {
        None | Some(Value::Null) => false,
        Some(Value::String(v)) => {
            let major = v.split('.').next().and_then(|m| m.parse::<u32>().ok());
            match major {
                Some(major) => major < 7,
                None => {
                    return Err(OptionError::new(
                        "apiVersion",
                        format!("must look like \"7.1\", got \"{v}\""),
                    ));
                }
            }
        }
        Some(other) => {
            return Err(OptionError::new(
                "apiVersion",
                format!("must be a string such as \"7.1\", got {other}"),
            ));
        }
    };
    Ok(KindOptions::User {
        source,
        select: (!fields.is_empty()).then(|| fields.join(",")),
        subject_types,
        legacy_paging,
    })
}

fn release_query(options: &Map<String, Value>) -> Result<ReleaseQuery, OptionError> {
    let mut query = ReleaseQuery::new();
    if let Some(expand) = text(options, "expand")? {
        query = query.expand(expand);
    }
    if let Some(status) = text(options, "statusFilter")? {
        query = query.status(status);
    }
    let tags = string_list(options, "tagFilter")?;
    if !tags.is_empty() {
        query = query.tags(tags);
    }
    if let Some(branch) = text(options, "sourceBranchFilter")? {
        query = query.source_branch(branch);
    }
    if let Some(time) = timestamp(options, "minCreatedTime")? {
        query = query.min_created_time(time);
    }
    if let Some(time) = timestamp(options, "maxCreatedTime")? {
        query = query.max_created_time(time);
    }
    Ok(query)
}

fn release_definition_query(
    options: &Map<String, Value>,
) -> Result<ReleaseDefinitionQuery, OptionError> {
    let expand = text(options, "expand")?;
    let query = ReleaseDefinitionQuery::new().expand(
        expand
            .as_deref()
            .unwrap_or(DEFAULT_RELEASE_DEFINITION_EXPAND),
    );
    let tags = string_list(options, "tagFilter")?;
    Ok(if tags.is_empty() {
        query
    } else {
        query.tags(tags)
    })
}

/// The `wiql` option: a WIQL condition, without `ORDER BY` (the listing pages by id).
fn wiql_condition(options: &Map<String, Value>) -> Result<Option<String>, OptionError> {
    let condition = text(options, "wiql")?;
    if let Some(wiql) = &condition {
        let words: Vec<String> = wiql
            .split_whitespace()
            .map(str::to_ascii_uppercase)
            .collect();
        if words
            .windows(2)
            .any(|pair| pair[0] == "ORDER" && pair[1] == "BY")
        {
            return Err(OptionError::new(
                "wiql",
                "must be a condition without ORDER BY (work items are listed by id)",
            ));
        }
    }
    Ok(condition)
}

/// The `expand` option of `work-item` ([`DEFAULT_WORK_ITEM_EXPAND`] when absent).
fn work_item_expand(options: &Map<String, Value>) -> Result<WorkItemExpand, OptionError> {
    const CHOICES: [(&str, WorkItemExpand); 5] = [
        ("none", WorkItemExpand::None),
        ("relations", WorkItemExpand::Relations),
        ("fields", WorkItemExpand::Fields),
        ("links", WorkItemExpand::Links),
        ("all", WorkItemExpand::All),
    ];
    text(options, "expand")?
        .map(|expand| {
            CHOICES
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(&expand))
                .map(|(_, value)| *value)
                .ok_or_else(|| {
                    OptionError::new(
                        "expand",
                        format!("must be None, Relations, Fields, Links or All, got \"{expand}\""),
                    )
                })
        })
        .transpose()
        .map(|expand| expand.unwrap_or(DEFAULT_WORK_ITEM_EXPAND))
}

/// The `criteria` option of `advanced-security-alert`: `{states, severities, alertType}`
/// (`severity` is read as `severities`).
fn alert_query(options: &Map<String, Value>) -> Result<AlertQuery, OptionError> {
    let criteria = match options.get("criteria") {
        None | Some(Value::Null) => return Ok(AlertQuery::new()),
        Some(Value::Object(criteria)) => criteria,
        Some(other) => {
            return Err(OptionError::new(
                "criteria",
                format!("must be an object with states, severities and alertType, got {other}"),
            ));
        }
    };
    let nested = |error: OptionError| OptionError {
        option: format!("criteria.{}", error.option),
        message: error.message,
    };
    let mut query = AlertQuery::new().states(string_list(criteria, "states").map_err(nested)?);
    let severity_key = if criteria.contains_key("severities") {
        "severities"
    } else {
        "severity"
    };
    query = query.severities(string_list(criteria, severity_key).map_err(nested)?);
    if let Some(alert_type) = text(criteria, "alertType").map_err(nested)? {
        query = query.alert_type(alert_type);
    }
    Ok(query)
}

/// The `folder` selector: `project_name`, `folders` (`[{path, repos: [{name, branch}]}]`,
/// a repository also given as a bare name) and `includedFiles`.
fn folder_query(options: &Map<String, Value>) -> Result<FolderQuery, OptionError> {
    let invalid = |message: String| OptionError::new("folders", message);
    let entries = match options.get("folders") {
        Some(Value::Array(entries)) if !entries.is_empty() => entries,
        other => {
            return Err(invalid(format!(
                "must be a non-empty list of {{path, repos}}, got {}",
                other.unwrap_or(&Value::Null)
            )));
        }
    };
    let patterns = entries
        .iter()
        .map(|entry| {
            let Value::Object(entry) = entry else {
                return Err(invalid(format!(
                    "entries must be {{path, repos}}, got {entry}"
                )));
            };
            let path = text(entry, "path")
                .ok()
                .flatten()
                .ok_or_else(|| invalid("entries need a non-empty `path`".to_owned()))?;
            let repos = match entry.get("repos") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(repos)) => repos
                    .iter()
                    .map(|repo| {
                        repo_branch(repo).ok_or_else(|| {
                            invalid(format!(
                                "repos must be names or {{name, branch}}, got {repo}"
                            ))
                        })
                    })
                    .collect::<Result<_, _>>()?,
                Some(other) => {
                    return Err(invalid(format!("repos must be a list, got {other}")));
                }
            };
            Ok(FolderPattern {
                path: PathPattern::new(&path),
                repos,
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(FolderQuery {
        project_name: text(options, "project_name")?,
        patterns,
        included_files: string_list(options, "includedFiles")?,
    })
}

/// The `file` selector: `files` (`{path: pattern or list, repos: [names]}`) and
/// `includedFiles`.
fn file_query(options: &Map<String, Value>) -> Result<FileQuery, OptionError> {
    let files = match options.get("files") {
        Some(Value::Object(files)) => files,
        other => {
            return Err(OptionError::new(
                "files",
                format!(
                    "must be an object with path and repos, got {}",
                    other.unwrap_or(&Value::Null)
                ),
            ));
        }
    };
    let nested = |error: OptionError| OptionError {
        option: format!("files.{}", error.option),
        message: error.message,
    };
    let paths = match files.get("path") {
        Some(Value::String(path)) if !path.is_empty() => vec![path.clone()],
        Some(Value::Array(_)) => string_list(files, "path").map_err(nested)?,
        other => {
            return Err(OptionError::new(
                "files.path",
                format!(
                    "must be a path or a list of paths, got {}",
                    other.unwrap_or(&Value::Null)
                ),
            ));
        }
    };
    if paths.is_empty() {
        return Err(OptionError::new(
            "files.path",
            "must name at least one path",
        ));
    }
    Ok(FileQuery {
        paths: paths.iter().map(|p| PathPattern::new(p)).collect(),
        repos: string_list(files, "repos").map_err(nested)?,
        included_files: string_list(options, "includedFiles")?,
    })
}

/// A repository of a folder pattern: `"name"` or `{name, branch}`.
fn repo_branch(repo: &Value) -> Option<(String, Option<String>)> {
    match repo {
        Value::String(name) if !name.is_empty() => Some((name.clone(), None)),
        Value::Object(fields) => {
            let name = text(fields, "name").ok().flatten()?;
            let branch = text(fields, "branch").ok()?;
            Some((name, branch))
        }
        _ => None,
    }
}

/// The `wikiType` option of `wiki`: `projectWiki` or `codeWiki`; absent is every wiki.
fn wiki_type(options: &Map<String, Value>) -> Result<Option<WikiType>, OptionError> {
    text(options, "wikiType")?
        .map(|name| {
            [WikiType::Project, WikiType::Code]
                .into_iter()
                .find(|t| t.as_str() == name)
                .ok_or_else(|| {
                    OptionError::new(
                        "wikiType",
                        format!("must be \"projectWiki\" or \"codeWiki\", got \"{name}\""),
                    )
                })
        })
        .transpose()
}

/// The `codeCoverage` option of `test-run`: `{flags}` with flags from 0 to 7.
fn coverage_flags(options: &Map<String, Value>) -> Result<Option<u32>, OptionError> {
    let invalid = |got: &Value| {
        OptionError::new(
            "codeCoverage",
            format!("must be an object such as {{\"flags\": 7}} with flags from 0 to 7, got {got}"),
        )
    };
    match options.get("codeCoverage") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(coverage)) => match coverage.get("flags") {
            None | Some(Value::Null) => Ok(Some(DEFAULT_COVERAGE_FLAGS)),
            Some(flags) => flags
                .as_u64()
                .filter(|f| *f <= 7)
                .and_then(|f| u32::try_from(f).ok())
                .map(Some)
                .ok_or_else(|| invalid(flags)),
        },
        Some(other) => Err(invalid(other)),
    }
}

/// A non-empty string option; absent is `None`.
fn text(options: &Map<String, Value>, name: &str) -> Result<Option<String>, OptionError> {
    match options.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(other) => Err(OptionError::new(
            name,
            format!("must be a non-empty string, got {other}"),
        )),
    }
}

/// An RFC 3339 timestamp option; absent is `None`.
fn timestamp(options: &Map<String, Value>, name: &str) -> Result<Option<Timestamp>, OptionError> {
    text(options, name)?
        .map(|s| {
            s.parse::<Timestamp>().map_err(|_| {
                OptionError::new(
                    name,
                    format!("must be an RFC 3339 time such as 2024-01-31T00:00:00Z, got \"{s}\""),
                )
            })
        })
        .transpose()
}

/// A boolean option, also accepted as the strings `"true"` and `"false"`; absent is false.
fn flag(options: &Map<String, Value>, name: &str) -> Result<bool, OptionError> {
    flag_or(options, name, false)
}

/// A boolean option like [`flag`]; absent is `default`.
fn flag_or(options: &Map<String, Value>, name: &str, default: bool) -> Result<bool, OptionError> {
    match options.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(other) => Err(OptionError::new(
            name,
            format!("must be true or false, got {other}"),
        )),
    }
}

/// A list of strings; absent is empty.
fn string_list(options: &Map<String, Value>, name: &str) -> Result<Vec<String>, OptionError> {
    let invalid =
        |got: &Value| OptionError::new(name, format!("must be a list of strings, got {got}"));
    match options.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(values)) => values
            .iter()
            .map(|v| match v {
                Value::String(s) if !s.is_empty() => Ok(s.clone()),
                other => Err(invalid(other)),
            })
            .collect(),
        Some(other) => Err(invalid(other)),
    }
}

/// An integer at least 1; absent is `default`.
fn positive<T>(options: &Map<String, Value>, name: &str, default: T) -> Result<T, OptionError>
where
    T: TryFrom<u64>,
{
    match options.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value
            .as_u64()
            .filter(|n| *n >= 1)
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| OptionError::new(name, format!("must be an integer >= 1, got {value}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(kind: Kind, options: Value) -> Result<KindOptions, OptionError> {
        let Value::Object(map) = options else {
            panic!("options must be an object")
        };
        KindOptions::parse(kind, &map)
    }

    #[test]
    fn pull_request_defaults_and_bounds() {
        assert_eq!(
            parse(Kind::PullRequest, json!({})),
            Ok(KindOptions::PullRequest {
                min_time_in_days: 7,
                max_results: 100
            })
        );
        assert_eq!(
            parse(
                Kind::PullRequest,
                json!({"minTimeInDays": 30, "maxResults": 5})
            ),
            Ok(KindOptions::PullRequest {
                min_time_in_days: 30,
                max_results: 5
            })
        );
        let err = parse(Kind::PullRequest, json!({"minTimeInDays": 0})).unwrap_err();
        assert_eq!(err.option, "minTimeInDays");
        assert!(err.to_string().contains(">= 1"), "{err}");
        assert!(parse(Kind::PullRequest, json!({"maxResults": -3})).is_err());
        assert!(parse(Kind::PullRequest, json!({"maxResults": "10"})).is_err());
        assert!(parse(Kind::PullRequest, json!({"maxResults": 1.5})).is_err());
    }

    #[test]
    fn included_files_must_be_strings() {
        assert_eq!(
            parse(
                Kind::Repository,
                json!({"includedFiles": ["README.md", "a/b.yaml"]})
            ),
            Ok(KindOptions::Repository {
                included_files: vec!["README.md".into(), "a/b.yaml".into()]
            })
        );
        for bad in [json!("README.md"), json!([1]), json!([""]), json!({"a": 1})] {
            let err = parse(Kind::Repository, json!({ "includedFiles": bad })).unwrap_err();
            assert_eq!(err.option, "includedFiles");
            assert!(err.message.contains("list of strings"), "{err}");
        }
    }

    #[test]
    fn flags_accept_booleans_and_their_strings() {
        for (value, expected) in [
            (json!(true), true),
            (json!("true"), true),
            (json!("false"), false),
            (json!(false), false),
            (Value::Null, false),
        ] {
            assert_eq!(
                parse(Kind::Project, json!({ "defaultTeam": value })),
                Ok(KindOptions::Project {
                    default_team: expected
                })
            );
        }
        let err = parse(Kind::Team, json!({"includeMembers": "yes"})).unwrap_err();
        assert_eq!(err.option, "includeMembers");
        assert!(parse(Kind::Team, json!({"includeAreaPaths": true})).is_err());
    }

    #[test]
    fn user_options() {
        assert_eq!(
            parse(
                Kind::User,
                json!({"includeFields": ["license", "projects"], "apiVersion": "6.0"})
            ),
            Ok(KindOptions::User {
                source: UserSource::Entitlements,
                select: Some("license,projects".into()),
                subject_types: None,
                legacy_paging: true,
            })
        );
        assert_eq!(
            parse(
                Kind::User,
                json!({"source": "graph", "subjectTypes": ["aad", "msa"]})
            ),
            Ok(KindOptions::User {
                source: UserSource::Graph,
                select: None,
                subject_types: Some("aad,msa".into()),
                legacy_paging: false,
            })
        );
        assert!(parse(Kind::User, json!({"source": "ldap"})).is_err());
        assert!(parse(Kind::User, json!({"includeFields": ["secrets"]})).is_err());
        assert!(parse(Kind::User, json!({"apiVersion": "latest"})).is_err());
        assert!(parse(Kind::User, json!({"includeGroupMemberships": true})).is_err());
    }

    #[test]
    fn release_and_pipeline_options() {
        let parsed = parse(
            Kind::Release,
            json!({"expand": "environments", "tagFilter": ["prod"], "minCreatedTime": "2024-01-31T00:00:00Z"}),
        );
        let expected = ReleaseQuery::new()
            .expand("environments")
            .tags(["prod"])
            .min_created_time("2024-01-31T00:00:00Z".parse().expect("time"));
        assert_eq!(parsed, Ok(KindOptions::Release(expected)));
        let err = parse(Kind::Release, json!({"maxCreatedTime": "yesterday"})).unwrap_err();
        assert_eq!(err.option, "maxCreatedTime");
        assert!(parse(Kind::Release, json!({"expand": 3})).is_err());
        assert_eq!(parse(Kind::Pipeline, json!({})), Ok(KindOptions::Pipeline));
        assert!(parse(Kind::Pipeline, json!({"includeRepo": true})).is_err());
    }

    #[test]
    fn area_path_and_release_definition_options() {
        assert_eq!(
            parse(Kind::AreaPath, json!({})),
            Ok(KindOptions::AreaPath { depth: 14 })
        );
        assert_eq!(
            parse(Kind::AreaPath, json!({"depth": 2})),
            Ok(KindOptions::AreaPath { depth: 2 })
        );
        for bad in [json!(0), json!(-1), json!("2"), json!(1.5)] {
            let err = parse(Kind::AreaPath, json!({ "depth": bad })).unwrap_err();
            assert_eq!(err.option, "depth");
        }
        assert_eq!(
            parse(Kind::ReleaseDefinition, json!({})),
            Ok(KindOptions::ReleaseDefinition(
                ReleaseDefinitionQuery::new().expand("environments")
            ))
        );
        assert_eq!(
            parse(
                Kind::ReleaseDefinition,
                json!({"expand": "artifacts,triggers", "tagFilter": ["prod", "eu"]})
            ),
            Ok(KindOptions::ReleaseDefinition(
                ReleaseDefinitionQuery::new()
                    .expand("artifacts,triggers")
                    .tags(["prod", "eu"])
            ))
        );
        let err = parse(Kind::ReleaseDefinition, json!({"tagFilter": "prod"})).unwrap_err();
        assert_eq!(err.option, "tagFilter");
        assert!(parse(Kind::ReleaseDefinition, json!({"expand": ""})).is_err());
        assert_eq!(parse(Kind::Branch, json!({})), Ok(KindOptions::Branch));
    }

    #[test]
    fn work_item_options() {
        assert_eq!(
            parse(Kind::WorkItem, json!({})),
            Ok(KindOptions::WorkItem {
                condition: None,
                expand: WorkItemExpand::All
            })
        );
        assert_eq!(
            parse(
                Kind::WorkItem,
                json!({"wiql": "[System.State] <> 'Closed'", "expand": "relations"})
            ),
            Ok(KindOptions::WorkItem {
                condition: Some("[System.State] <> 'Closed'".into()),
                expand: WorkItemExpand::Relations
            })
        );
        assert_eq!(
            parse(Kind::WorkItem, json!({"expand": "None"})),
            Ok(KindOptions::WorkItem {
                condition: None,
                expand: WorkItemExpand::None
            })
        );
        let err = parse(
            Kind::WorkItem,
            json!({"wiql": "[System.State] = 'New' order  by [System.Id]"}),
        )
        .unwrap_err();
        assert_eq!(err.option, "wiql");
        assert!(err.message.contains("ORDER BY"), "{err}");
        assert!(parse(Kind::WorkItem, json!({"wiql": ""})).is_err());
        assert!(parse(Kind::WorkItem, json!({"wiql": 3})).is_err());
        let err = parse(Kind::WorkItem, json!({"expand": "everything"})).unwrap_err();
        assert_eq!(err.option, "expand");
        assert_eq!(parse(Kind::Column, json!({})), Ok(KindOptions::Column));
    }

    #[test]
    fn test_run_options() {
        assert_eq!(
            parse(Kind::TestRun, json!({})),
            Ok(KindOptions::TestRun {
                include_results: true,
                coverage_flags: None
            })
        );
        assert_eq!(
            parse(
                Kind::TestRun,
                json!({"includeResults": false, "codeCoverage": {"flags": 1}})
            ),
            Ok(KindOptions::TestRun {
                include_results: false,
                coverage_flags: Some(1)
            })
        );
        assert_eq!(
            parse(Kind::TestRun, json!({"codeCoverage": {}})),
            Ok(KindOptions::TestRun {
                include_results: true,
                coverage_flags: Some(7)
            })
        );
        for bad in [json!(true), json!({"flags": 8}), json!({"flags": "1"})] {
            let err = parse(Kind::TestRun, json!({ "codeCoverage": bad })).unwrap_err();
            assert_eq!(err.option, "codeCoverage");
        }
        let err = parse(Kind::TestRun, json!({"includeResults": 1})).unwrap_err();
        assert_eq!(err.option, "includeResults");
    }

    #[test]
    fn advanced_security_alert_options() {
        assert_eq!(
            parse(Kind::AdvancedSecurityAlert, json!({})),
            Ok(KindOptions::AdvancedSecurityAlert(AlertQuery::new()))
        );
        let expected = AlertQuery::new()
            .states(["active"])
            .severities(["high", "critical"])
            .alert_type("secret");
        for severity in ["severities", "severity"] {
            assert_eq!(
                parse(
                    Kind::AdvancedSecurityAlert,
                    json!({"criteria": {"states": ["active"], severity: ["high", "critical"], "alertType": "secret"}})
                ),
                Ok(KindOptions::AdvancedSecurityAlert(expected.clone()))
            );
        }
        let err = parse(Kind::AdvancedSecurityAlert, json!({"criteria": "active"})).unwrap_err();
        assert_eq!(err.option, "criteria");
        let err = parse(
            Kind::AdvancedSecurityAlert,
            json!({"criteria": {"states": "active"}}),
        )
        .unwrap_err();
        assert_eq!(err.option, "criteria.states");
    }

    #[test]
    fn wiki_options() {
        assert_eq!(
            parse(Kind::Wiki, json!({})),
            Ok(KindOptions::Wiki {
                wiki_type: None,
                include_content: false
            })
        );
        assert_eq!(
            parse(
                Kind::Wiki,
                json!({"wikiType": "codeWiki", "includeContent": true})
            ),
            Ok(KindOptions::Wiki {
                wiki_type: Some(WikiType::Code),
                include_content: true
            })
        );
        let err = parse(Kind::Wiki, json!({"wikiType": "team"})).unwrap_err();
        assert_eq!(err.option, "wikiType");
    }

    #[test]
    fn folder_options() {
        let parsed = parse(
            Kind::Folder,
            json!({
                "project_name": "Fabrikam Web",
                "folders": [
                    {"path": "/services/*", "repos": ["web", {"name": "api", "branch": "dev"}]},
                    {"path": "/docs"}
                ],
                "includedFiles": ["README.md"]
            }),
        );
        assert_eq!(
            parsed,
            Ok(KindOptions::Folder(FolderQuery {
                project_name: Some("Fabrikam Web".into()),
                patterns: vec![
                    FolderPattern {
                        path: PathPattern::new("/services/*"),
                        repos: vec![("web".into(), None), ("api".into(), Some("dev".into()))],
                    },
                    FolderPattern {
                        path: PathPattern::new("/docs"),
                        repos: Vec::new(),
                    },
                ],
                included_files: vec!["README.md".into()],
            }))
        );
        for bad in [
            json!({}),
            json!({"folders": []}),
            json!({"folders": ["/services"]}),
            json!({"folders": [{"repos": ["web"]}]}),
            json!({"folders": [{"path": "/a", "repos": [{"branch": "main"}]}]}),
            json!({"folders": [{"path": "/a", "repos": "web"}]}),
        ] {
            let err = parse(Kind::Folder, bad.clone()).unwrap_err();
            assert_eq!(err.option, "folders", "{bad}");
        }
        let err = parse(
            Kind::Folder,
            json!({"folders": [{"path": "/a"}], "project_name": 1}),
        )
        .unwrap_err();
        assert_eq!(err.option, "project_name");
    }

    #[test]
    fn file_options() {
        assert_eq!(
            parse(
                Kind::File,
                json!({"files": {"path": "port.yml", "repos": ["web"]}, "includedFiles": ["a"]})
            ),
            Ok(KindOptions::File(FileQuery {
                paths: vec![PathPattern::new("port.yml")],
                repos: vec!["web".into()],
                included_files: vec!["a".into()],
            }))
        );
        assert_eq!(
            parse(
                Kind::File,
                json!({"files": {"path": ["a.yml", "**/b.json"]}})
            ),
            Ok(KindOptions::File(FileQuery {
                paths: vec![PathPattern::new("a.yml"), PathPattern::new("**/b.json")],
                repos: Vec::new(),
                included_files: Vec::new(),
            }))
        );
        let err = parse(Kind::File, json!({})).unwrap_err();
        assert_eq!(err.option, "files");
        for bad in [
            json!({"path": ""}),
            json!({"path": []}),
            json!({"path": 3}),
            json!({}),
        ] {
            let err = parse(Kind::File, json!({ "files": bad })).unwrap_err();
            assert_eq!(err.option, "files.path");
        }
        let err = parse(Kind::File, json!({"files": {"path": "a", "repos": "web"}})).unwrap_err();
        assert_eq!(err.option, "files.repos");
    }

    #[test]
    fn unknown_options_are_left_alone() {
        assert_eq!(
            parse(Kind::ReleaseDeployment, json!({"includeRelease": true})),
            Ok(KindOptions::ReleaseDeployment)
        );
    }
}
