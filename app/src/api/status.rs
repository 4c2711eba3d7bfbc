//! The status page's data: version, database and upstream.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What the status page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    /// The portal's version.
    pub version: String,
    /// `development` or `production`.
    pub environment: String,
    /// Whether the database answered, and what it said.
    pub database: DatabaseStatus,
    /// Where Vobiz calls go.
    pub upstream: UpstreamStatus,
    /// Where the credentials encryption key comes from (never the key itself).
    pub key: KeyStatus,
    /// When the report was made, RFC 3339 UTC.
    pub checked_at: String,
}

/// The database as seen from the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseStatus {
    /// The database answered a query.
    pub reachable: bool,
    /// The server version, e.g. `PostgreSQL 15.19`, when reachable.
    pub server_version: Option<String>,
    /// How many schema migrations are applied.
    pub migrations_applied: Option<i64>,
}

/// The Vobiz upstream the portal talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamStatus {
    /// `sandbox` (built in, demo data) or `live`.
    pub mode: String,
    /// The base URL calls go to.
    pub base_url: String,
}

/// The credentials encryption key, described without revealing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyStatus {
    /// The key's identifier (a fingerprint, not the key).
    pub key_id: String,
    /// `configured` or `development (generated)`.
    pub source: String,
}

/// Reports the portal's version, database state and upstream mode.
#[server(prefix = "/api", endpoint = "status")]
pub async fn get_status() -> Result<StatusReport, AppError> {
    let state = crate::server::state::app_state()?;
    Ok(crate::server::status::status_report(&state).await)
}
