//! The portal's server: settings, database, sessions, routes and serving.
//!
//! `main.rs` is the command line; everything it runs lives here so tests can build the
//! same application on port 0.

pub mod admin;
pub mod audit_export;
pub mod customers_export;
pub mod database;
pub mod demo;
pub mod http;
pub mod jobs;
pub mod keys;
pub mod settings;
pub mod startup;
pub mod telemetry;
pub mod upstream;
