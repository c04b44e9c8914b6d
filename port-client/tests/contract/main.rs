//! Contract tests against a mock Port API.

mod auth;
mod blueprints;
mod common;
mod datasource;
mod entities;
mod faults;
mod integration;
mod transport;
