//! Background work of every portal instance: refreshing each connected tenant's customer
//! and number mirrors when they are due, and settling transfers and purchases whose answer was lost.
//!
//! Several instances may run this at once: a refresh holds a per-tenant advisory lock (the
//! others skip it), and settling an intent is a conditional update, so nothing runs twice.

use std::time::Duration;

use app::server::accounts::{self, Trigger};
use app::server::state::AppState;
use app::server::{purchases, transfers};
use uuid::Uuid;

/// How often the work looks for something to do.
pub const TICK: Duration = Duration::from_secs(30);

/// Runs forever: every [`TICK`], one round over the connected tenants.
pub async fn run(state: AppState, sync_interval: Duration) {
    let mut ticker = tokio::time::interval(TICK);
    loop {
        ticker.tick().await;
        if let Err(error) = round(&state, sync_interval).await {
            tracing::warn!(%error, "background round failed; trying again later");
        }
    }
}

/// One round: for each connected tenant, refresh its mirror if due, then settle what is open.
pub async fn round(state: &AppState, sync_interval: Duration) -> anyhow::Result<()> {
    let tenants: Vec<Uuid> = sqlx::query_scalar("SELECT connected_tenants()")
        .fetch_all(&state.pool)
        .await?;
    for tenant in tenants {
        let due = match accounts::sync_status(&state.pool, tenant).await {
            Ok(status) => {
                status.running.is_none()
                    && status.last_ok_at.is_none_or(|at| {
                        chrono::Utc::now() - at
                            >= chrono::Duration::from_std(sync_interval).unwrap_or_default()
                    })
            }
            Err(_) => false,
        };
        if due {
            match accounts::refresh(state, tenant, Trigger::Schedule, &|_, _| {}).await {
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%tenant, %error, "refreshing the customer mirror failed")
                }
            }
        }
        let numbers_due = match accounts::run_status(&state.pool, tenant, "numbers").await {
            Ok(status) => {
                status.running.is_none()
                    && status.last_ok_at.is_none_or(|at| {
                        chrono::Utc::now() - at
                            >= chrono::Duration::from_std(sync_interval).unwrap_or_default()
                    })
            }
            Err(_) => false,
        };
        if numbers_due {
            if let Err(error) =
                app::server::numbers::sync(state, tenant, Trigger::Schedule, &|_, _| {}).await
            {
                tracing::warn!(%tenant, %error, "syncing the numbers mirror failed");
            }
        }
        match transfers::reconcile_open(state, tenant).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(%tenant, settled = n, "settled transfers whose answer was lost")
            }
            Err(error) => tracing::warn!(%tenant, %error, "settling transfers failed"),
        }
        match purchases::reconcile_open(state, tenant).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(%tenant, settled = n, "settled purchases whose answer was lost")
            }
            Err(error) => tracing::warn!(%tenant, %error, "settling purchases failed"),
        }
    }
    Ok(())
}
