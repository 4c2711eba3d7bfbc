//! Server functions and the data they exchange with the browser.
//!
//! Each function is thin: it fetches the state and caller, then calls a plain function in
//! [`crate::server`] that tests can call directly.

pub mod audit;
pub mod auth;
pub mod customers;
pub mod dashboard;
pub mod my;
pub mod numbers;
pub mod operator;
pub mod provisioning;
pub mod settings;
pub mod staff;
pub mod status;
pub mod wallet;
