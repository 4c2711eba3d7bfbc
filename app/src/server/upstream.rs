//! Calling Vobiz for a tenant: opening its stored connection, and putting Vobiz's refusals
//! into plain words (for people) and into status and message (for the audit log).

use uuid::Uuid;
use vobiz::client::Error as VobizError;

use super::connections::{self, TenantConnection};
use super::state::AppState;
use crate::error::AppError;

/// Logs `error` with the request id and returns the opaque internal error.
pub fn internal(error: impl std::fmt::Display) -> AppError {
    let request_id = super::request::request_id();
    tracing::error!(%request_id, %error, "request failed");
    AppError::Internal { request_id }
}

/// The tenant's Vobiz connection, or a refusal that says how to set one up.
pub async fn connection(state: &AppState, tenant: Uuid) -> Result<TenantConnection, AppError> {
    match connections::open(&state.pool, &state.vault, &state.vobiz, tenant).await {
        Ok(Some(conn)) => Ok(conn),
        Ok(None) => Err(AppError::Invalid(
            "This organisation is not connected to Vobiz yet. An owner stores the credentials under Settings → Vobiz connection.".into(),
        )),
        Err(e) => Err(internal(e)),
    }
}

/// The pool account's credentials, or a refusal that says how to add them.
pub fn pool_of(conn: &TenantConnection) -> Result<&vobiz::client::Credentials, AppError> {
    conn.pool.as_ref().ok_or_else(|| {
        AppError::Invalid(
            "No pool account is stored with the Vobiz connection, so sub-accounts and pool numbers are not available. An owner adds it under Settings → Vobiz connection.".into(),
        )
    })
}

/// Vobiz's HTTP status for an error, when it answered.
pub fn status_of(error: &VobizError) -> Option<i32> {
    match error {
        VobizError::Unauthorized { .. } => Some(401),
        VobizError::Forbidden { .. } => Some(403),
        VobizError::NotFound { .. } => Some(404),
        VobizError::CoolOffInEffect { .. } | VobizError::Conflict { .. } => Some(409),
        VobizError::Validation { status, .. } => Some(i32::from(*status)),
        VobizError::InsufficientBalance { .. } => None,
        VobizError::RateLimited { .. } => Some(429),
        VobizError::Upstream { status, .. } => Some(i32::from(*status)),
        _ => None,
    }
}

/// The error in plain words for people: what happened and what to do next. Never a token.
pub fn words(error: &VobizError) -> String {
    match error {
        VobizError::Unauthorized { .. } => "Vobiz did not accept the stored credentials. An owner checks them under Settings → Vobiz connection.".into(),
        VobizError::Forbidden { message, .. } => format!("Vobiz refused: {message}."),
        VobizError::NotFound { message, .. } => format!("Vobiz could not find it ({message})."),
        VobizError::Validation { message, .. } => format!("Vobiz rejected the request: {message}."),
        VobizError::Conflict { message, .. } => format!("Vobiz says this conflicts with its current state: {message}."),
        VobizError::InsufficientBalance { message, .. } => format!("The wallet does not cover this ({message})."),
        VobizError::RateLimited { .. } => "Vobiz is limiting requests right now. Wait a minute and try again.".into(),
        VobizError::Timeout => "Vobiz did not answer in time.".into(),
        VobizError::Transport { .. } => "Vobiz could not be reached.".into(),
        VobizError::Upstream { status, .. } => format!("Vobiz failed with status {status}."),
        other => format!("Vobiz answered something unexpected ({other})."),
    }
}

/// A failed read from Vobiz as an error for the page: the words, and a log line.
pub fn read_failed(error: VobizError) -> AppError {
    tracing::warn!(%error, "a Vobiz read failed");
    AppError::Invalid(format!("{} Try again in a moment.", words(&error)))
}
