//! Creating tenants and their first owner.

use uuid::Uuid;

use super::audit::{self, Actor, Entry, Outcome};
use super::db;
use super::links::{self, NewLink, Purpose};
use crate::domain::identity::{Email, Slug};
use crate::domain::policy::Role;

/// A tenant just created, with the link its first owner uses to set a password.
#[derive(Debug)]
pub struct CreatedTenant {
    /// The tenant.
    pub tenant_id: Uuid,
    /// Its owner's account.
    pub owner_id: Uuid,
    /// The owner's set-password link (shown once).
    pub owner_link: NewLink,
}

/// Why a tenant could not be created.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    /// The name is empty or too long.
    #[error("Give the tenant a name of 1 to 200 characters.")]
    Name,
    /// Another tenant has the slug.
    #[error("Another tenant already uses the short name {0}; choose another.")]
    SlugTaken(String),
    /// The owner's email belongs to someone already.
    #[error("{0} already has an account; use another email for the owner.")]
    EmailTaken(String),
    /// The database failed.
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

/// Creates a tenant and its first owner (without a password yet), and audits both.
pub async fn create(
    pool: &sqlx::PgPool,
    slug: &Slug,
    name: &str,
    owner_email: &Email,
    actor: &Actor,
) -> Result<CreatedTenant, TenantError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(TenantError::Name);
    }
    let tenant_id = Uuid::new_v4();
    let owner_id = Uuid::new_v4();
    let mut tx = db::begin_for(pool, tenant_id).await?;
    sqlx::query("INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3)")
        .bind(tenant_id)
        .bind(slug.as_str())
        .bind(name)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if db::is_unique_violation(&e, "tenants_slug_key") {
                TenantError::SlugTaken(slug.as_str().to_owned())
            } else {
                e.into()
            }
        })?;
    sqlx::query(
        "INSERT INTO users (id, tenant_id, email, kind, role) VALUES ($1, $2, $3, 'staff', $4)",
    )
    .bind(owner_id)
    .bind(tenant_id)
    .bind(owner_email.as_str())
    .bind(Role::Owner.as_str())
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        if db::is_unique_violation(&e, "users_email_key") {
            TenantError::EmailTaken(owner_email.to_string())
        } else {
            e.into()
        }
    })?;
    let owner_link = links::create(&mut tx, tenant_id, owner_id, Purpose::Invite, None).await?;
    audit::append(
        &mut tx,
        &Entry::new(tenant_id, actor, "tenant.create", Outcome::Ok)
            .target("tenant", tenant_id)
            .params(serde_json::json!({ "slug": slug.as_str(), "name": name })),
    )
    .await?;
    audit::append(
        &mut tx,
        &Entry::new(tenant_id, actor, "staff.invite", Outcome::Ok)
            .target("user", owner_id)
            .params(serde_json::json!({
                "email": owner_email.as_str(),
                "role": Role::Owner.as_str(),
                "expires_at": owner_link.expires_at,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedTenant {
        tenant_id,
        owner_id,
        owner_link,
    })
}
