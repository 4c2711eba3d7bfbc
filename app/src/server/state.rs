//! The state every request shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos::prelude::use_context;
use sqlx::PgPool;

use super::vault::Vault;
use crate::error::AppError;

/// Where Vobiz calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamMode {
    /// The built-in sandbox with its demo world.
    Sandbox,
    /// The real Vobiz API.
    Live,
}

impl UpstreamMode {
    /// The mode as shown to people and in settings.
    pub fn as_str(&self) -> &'static str {
        match self {
            UpstreamMode::Sandbox => "sandbox",
            UpstreamMode::Live => "live",
        }
    }
}

/// The upstream's mode and address.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// Sandbox or live.
    pub mode: UpstreamMode,
    /// The base URL of the Vobiz API (or of the sandbox).
    pub base_url: String,
}

/// Everything a request handler needs, cloned cheaply into each request.
#[derive(Clone)]
pub struct AppState {
    /// Leptos rendering options.
    pub leptos_options: LeptosOptions,
    /// The PostgreSQL pool.
    pub pool: PgPool,
    /// The Vobiz upstream.
    pub upstream: Arc<Upstream>,
    /// The Vobiz client for the configured upstream (`at` gives one for another base URL).
    pub vobiz: vobiz::client::Client,
    /// Encryption of stored secrets.
    pub vault: Arc<Vault>,
    /// `development` or `production`.
    pub environment: &'static str,
    /// The address people reach the portal at, without a trailing slash (for links).
    pub public_url: String,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state, as provided to server functions and pages by the router.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("application state missing from the request context");
        AppError::Internal {
            request_id: super::request::request_id(),
        }
    })
}
