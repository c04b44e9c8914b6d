//! Errors raised when a mapping is loaded for syncing.

use crate::kinds::OptionError;

/// A mapping that cannot be synced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A resource names a kind no integration knows.
    #[error("resources[{index}]: unknown kind `{kind}` (known kinds: {known})")]
    UnknownKind {
        /// Position of the resource in the mapping.
        index: usize,
        /// The kind as written.
        kind: String,
        /// The kinds this crate syncs, comma-separated.
        known: String,
    },
    /// A resource's selector has an unusable kind-specific option.
    #[error("resources[{index}] (kind `{kind}`): {error}")]
    InvalidOption {
        /// Position of the resource in the mapping.
        index: usize,
        /// The resource's kind.
        kind: String,
        /// The option and what is wrong with it.
        error: OptionError,
    },
    /// No organization to sync.
    #[error("no Azure DevOps organization to sync")]
    NoOrganization,
}
