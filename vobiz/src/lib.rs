//! Vobiz partner and phone-number APIs: a typed client ([`client`]) and a stateful
//! sandbox ([`sandbox`]) that implements the same contract for tests, demos and local use.
//!
//! This crate knows nothing of the portal, its tenants or its database.

pub mod client;
pub mod sandbox;
