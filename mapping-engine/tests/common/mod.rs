//! Helpers shared by the integration tests.

mod same;

pub use self::same::same;

/// Path of a file under `tests/data`.
pub fn data(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

/// One of the seed's mappings (`mappings/` at the workspace root, shared by every crate's
/// tests).
#[allow(dead_code)] // Not every test binary reads them.
pub fn seed_mapping(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../mappings")
        .join(name)
}
