//! Errors of loading a mapping configuration.

/// A configuration that cannot be loaded, with where the problem is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The text is not valid YAML (or JSON).
    #[error("invalid YAML: {message}")]
    Syntax {
        /// The parser's message, with line and column.
        message: String,
    },
    /// A field is missing or has the wrong shape.
    #[error("{path}: {message}")]
    Invalid {
        /// Field path, e.g. `resources[2].port.entity.mappings`.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A jq program does not compile.
    #[error(
        "{path} (resource {index}, kind {kind}): jq error at line {line}, column {column}: {message}: {program}"
    )]
    Jq {
        /// Field path, e.g. `resources[6].port.entity.mappings.properties.leadTimeHours`.
        path: String,
        /// Index of the resource in `resources`.
        index: usize,
        /// Kind of the resource.
        kind: String,
        /// Line in the program (from 1).
        line: usize,
        /// Column in the program (from 1).
        column: usize,
        /// What is wrong.
        message: String,
        /// The program text.
        program: String,
    },
}

/// A batch that could not be mapped as a whole; no partial result is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    /// An evaluation thread could not be started.
    #[error("mapping thread could not start: {0}")]
    ThreadStart(String),
    /// An evaluation panicked (a bug in the engine), with the panic's message.
    #[error("mapping evaluation panicked: {0}")]
    Panicked(String),
    /// The evaluation threads stopped before answering.
    #[error("mapping threads stopped before mapping every item")]
    Stopped,
}
