//! What the `ado-port` binary and the library examples share: the sample organization,
//! served on loopback, that `ado-port demo` and the examples run against without
//! credentials.

pub mod sample_org;
