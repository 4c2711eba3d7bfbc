//! Platform operators: their accounts, sign-in, and the tenant list they may see.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use sqlx::PgPool;
use tower_sessions::Session;
use uuid::Uuid;

use super::passwords;
use crate::domain::identity::Email;
use crate::error::AppError;

const OPERATOR_KEY: &str = "operator_id";
const OPERATOR_SINCE_KEY: &str = "operator_signed_in_at";

/// A signed-in platform operator.
#[derive(Debug, Clone)]
pub struct Operator {
    /// Their account.
    pub id: Uuid,
    /// Their email.
    pub email: String,
}

/// A tenant as the operator sees it: no business data.
#[derive(Debug, Clone)]
pub struct TenantListing {
    /// The tenant.
    pub id: Uuid,
    /// Its short name.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// How many staff accounts it has.
    pub staff: i64,
    /// Whether its Vobiz connection is stored.
    pub connected: bool,
}

fn internal(error: impl std::fmt::Display) -> AppError {
    let request_id = super::request::request_id();
    tracing::error!(%request_id, %error, "operator request failed");
    AppError::Internal { request_id }
}

/// Creates an operator account with `password` (checked by the password policy).
pub async fn create(
    pool: &PgPool,
    email: &Email,
    password: SecretString,
) -> Result<Uuid, AppError> {
    passwords::check_new(&password, email.as_str()).map_err(AppError::Invalid)?;
    let hash = passwords::hash(password).await;
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO platform_operators (id, email, password_hash) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(email.as_str())
        .bind(hash)
        .execute(pool)
        .await
        .map_err(|e| {
            if super::db::is_unique_violation(&e, "platform_operators_email_key") {
                AppError::Invalid(format!("{email} is already an operator."))
            } else {
                internal(e)
            }
        })?;
    Ok(id)
}

/// Signs an operator in (one answer for a wrong email or password; dummy hash for unknown;
/// the same throttling as staff sign-in, on the same record of attempts).
pub async fn sign_in(
    pool: &PgPool,
    session: &Session,
    email: &str,
    password: SecretString,
    client_ip: Option<std::net::IpAddr>,
) -> Result<Operator, AppError> {
    let email = email.trim().to_lowercase();
    let wait = super::auth::throttle(pool, &email, client_ip)
        .await
        .map_err(internal)?;
    if wait > 0 {
        return Err(super::auth::SignInError::Throttled(wait).into());
    }
    let row: Option<(Uuid, String, bool)> = sqlx::query_as(
        "SELECT id, password_hash, disabled_at IS NOT NULL FROM platform_operators WHERE email = $1",
    )
    .bind(&email)
    .fetch_optional(pool)
    .await
    .map_err(internal)?;
    let (hash, usable) = match &row {
        Some((_, hash, disabled)) => (Some(hash.clone()), !disabled),
        None => (None, false),
    };
    let matched = passwords::verify(hash, password).await && usable;
    sqlx::query(
        "INSERT INTO login_attempts (email, client_ip, succeeded) VALUES ($1, $2::inet, $3)",
    )
    .bind(&email)
    .bind(client_ip.map(|i| i.to_string()))
    .bind(matched)
    .execute(pool)
    .await
    .map_err(internal)?;
    if !matched {
        tracing::warn!("operator sign-in refused");
        return Err(AppError::Invalid("The email or password is wrong.".into()));
    }
    let (id, ..) = row.expect("verified rows exist");
    session.cycle_id().await.map_err(internal)?;
    session.insert(OPERATOR_KEY, id).await.map_err(internal)?;
    session
        .insert(OPERATOR_SINCE_KEY, Utc::now())
        .await
        .map_err(internal)?;
    tracing::info!(operator = %id, "operator signed in");
    Ok(Operator { id, email })
}

/// The operator signed in to `session`, if any (and still enabled).
pub async fn current(pool: &PgPool, session: &Session) -> Result<Option<Operator>, AppError> {
    let id: Option<Uuid> = session.get(OPERATOR_KEY).await.map_err(internal)?;
    let since: Option<DateTime<Utc>> = session.get(OPERATOR_SINCE_KEY).await.map_err(internal)?;
    let (Some(id), Some(since)) = (id, since) else {
        return Ok(None);
    };
    if Utc::now() - since > super::auth::ABSOLUTE_SESSION_LIFETIME {
        return Ok(None);
    }
    let email: Option<String> = sqlx::query_scalar(
        "SELECT email FROM platform_operators WHERE id = $1 AND disabled_at IS NULL AND sessions_valid_after < $2",
    )
    .bind(id)
    .bind(since)
    .fetch_optional(pool)
    .await
    .map_err(internal)?;
    Ok(email.map(|email| Operator { id, email }))
}

/// Every tenant, for the operator's overview.
pub async fn tenants(pool: &PgPool) -> Result<Vec<TenantListing>, AppError> {
    let rows: Vec<(Uuid, String, String, DateTime<Utc>, i64, bool)> = sqlx::query_as(
        "SELECT id, slug, name, created_at, staff, connected FROM operator_tenant_list()",
    )
    .fetch_all(pool)
    .await
    .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, slug, name, created_at, staff, connected)| TenantListing {
                id,
                slug,
                name,
                created_at,
                staff,
                connected,
            },
        )
        .collect())
}
