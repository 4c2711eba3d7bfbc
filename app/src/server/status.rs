//! The status report behind the status page.

use chrono::{SecondsFormat, Utc};

use super::state::AppState;
use crate::api::status::{DatabaseStatus, KeyStatus, StatusReport, UpstreamStatus};

/// Builds the status report, asking the database for its version and migration count.
pub async fn status_report(state: &AppState) -> StatusReport {
    StatusReport {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        environment: state.environment.to_owned(),
        database: database_status(state).await,
        upstream: UpstreamStatus {
            mode: state.upstream.mode.as_str().to_owned(),
            base_url: state.upstream.base_url.clone(),
        },
        key: KeyStatus {
            key_id: state.vault.current_key_id().to_owned(),
            source: if state.vault.is_generated() {
                "development (generated)".to_owned()
            } else {
                "configured".to_owned()
            },
        },
        checked_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
    }
}

async fn database_status(state: &AppState) -> DatabaseStatus {
    let query = async {
        let version: String = sqlx::query_scalar("SHOW server_version")
            .fetch_one(&state.pool)
            .await?;
        let applied: i64 =
            sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&state.pool)
                .await?;
        Ok::<_, sqlx::Error>((version, applied))
    };
    match query.await {
        Ok((version, applied)) => DatabaseStatus {
            reachable: true,
            server_version: Some(format!(
                "PostgreSQL {}",
                version.split_whitespace().next().unwrap_or(&version)
            )),
            migrations_applied: Some(applied),
        },
        Err(error) => {
            tracing::warn!(error = %error, "status check: database query failed");
            DatabaseStatus {
                reachable: false,
                server_version: None,
                migrations_applied: None,
            }
        }
    }
}
