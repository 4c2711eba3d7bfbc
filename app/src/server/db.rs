//! Tenant-scoped transactions.
//!
//! Every query on tenant data runs in a transaction that first names its tenant; row-level
//! security then hides and protects every other tenant's rows, whatever the query says.

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// A transaction that sees only `tenant`'s rows.
pub async fn begin_for(
    pool: &PgPool,
    tenant: Uuid,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Whether an error is the violation of the named unique constraint.
pub fn is_unique_violation(error: &sqlx::Error, constraint: &str) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            db.is_unique_violation() && db.constraint() == Some(constraint)
        }
        _ => false,
    }
}
