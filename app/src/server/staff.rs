//! Managing a tenant's staff: invitations, roles, disabling, set-password links.
//!
//! Every function checks the caller's role itself (the server functions check too), works in
//! one transaction scoped to the caller's tenant and audits the change in that transaction.
//! A user id of another tenant is invisible under row-level security, so it is answered with
//! "User was not found" and nothing changes.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::audit::{self, Actor, Entry, Outcome};
use super::auth::CurrentUser;
use super::db;
use super::links::{self, NewLink, Purpose};
use crate::domain::identity::Email;
use crate::domain::policy::{may_manage_user, may_set_role, Action, Role};
use crate::error::AppError;

/// Where a staff member's account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffStatus {
    /// Invited; has not set a password yet.
    Invited,
    /// Can sign in.
    Active,
    /// Disabled; cannot sign in.
    Disabled,
}

impl StaffStatus {
    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            StaffStatus::Invited => "Invited",
            StaffStatus::Active => "Active",
            StaffStatus::Disabled => "Disabled",
        }
    }
}

/// One staff member, as the staff list shows them.
#[derive(Debug, Clone)]
pub struct StaffMember {
    /// Their account.
    pub id: Uuid,
    /// Their email.
    pub email: String,
    /// Their role.
    pub role: Role,
    /// Invited, active or disabled.
    pub status: StaffStatus,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// When their newest unused invitation or set-password link expires, if one is pending.
    pub link_expires_at: Option<DateTime<Utc>>,
    /// They have an authenticator app set up.
    pub has_totp: bool,
}

/// A link just issued for a staff member (shown once to the person who asked for it).
#[derive(Debug)]
pub struct IssuedLink {
    /// The account the link belongs to.
    pub user_id: Uuid,
    /// Its email.
    pub email: String,
    /// Invitation (no password yet) or set-password link.
    pub purpose: Purpose,
    /// The link's token and expiry.
    pub link: NewLink,
}

/// The target of a change, locked for the rest of the transaction.
struct Target {
    email: String,
    role: Role,
    has_password: bool,
    disabled: bool,
}

fn internal(error: impl std::fmt::Display) -> AppError {
    let request_id = super::request::request_id();
    tracing::error!(%request_id, %error, "staff management failed");
    AppError::Internal { request_id }
}

fn not_found() -> AppError {
    AppError::NotFound("User".into())
}

/// Starts a staff change for `tenant`. Staff changes of one tenant run one at a time, so two
/// owners demoting or disabling each other at the same moment cannot leave it without one.
async fn begin_change(
    pool: &PgPool,
    tenant: Uuid,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('staff:' || $1::text, 0))")
        .bind(tenant)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    Ok(tx)
}

/// Loads and locks a staff member of the transaction's tenant; another tenant's id, a
/// customer user's id or an unknown id are all "not found".
async fn lock_target(conn: &mut PgConnection, user_id: Uuid) -> Result<Target, AppError> {
    let row: Option<(String, Option<String>, bool, bool)> = sqlx::query_as(
        "SELECT email, role, password_hash IS NOT NULL, disabled_at IS NOT NULL
         FROM users WHERE id = $1 AND kind = 'staff' FOR UPDATE",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(internal)?;
    let (email, role, has_password, disabled) = row.ok_or_else(not_found)?;
    let role = role
        .as_deref()
        .and_then(Role::parse)
        .ok_or_else(|| internal(format!("staff user {user_id} has no valid role")))?;
    Ok(Target {
        email,
        role,
        has_password,
        disabled,
    })
}

/// Active owners (not disabled, password set) other than `except`.
async fn other_active_owners(conn: &mut PgConnection, except: Uuid) -> Result<usize, AppError> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM users
         WHERE kind = 'staff' AND role = 'owner' AND disabled_at IS NULL
           AND password_hash IS NOT NULL AND id <> $1",
    )
    .bind(except)
    .fetch_all(&mut *conn)
    .await
    .map_err(internal)?;
    Ok(ids.len())
}

/// Invites a new staff member with `role`: makes their account (without a password) and a
/// 72-hour invitation link. Admins cannot invite owners.
pub async fn invite(
    pool: &PgPool,
    by: &CurrentUser,
    actor: &Actor,
    email: &Email,
    role: Role,
) -> Result<IssuedLink, AppError> {
    let actor_role = by.require(Action::ManageStaff)?;
    if !may_set_role(actor_role, None, role) {
        return Err(AppError::Forbidden);
    }
    let user_id = Uuid::new_v4();
    let mut tx = begin_change(pool, by.tenant_id).await?;
    sqlx::query(
        "INSERT INTO users (id, tenant_id, email, kind, role) VALUES ($1, $2, $3, 'staff', $4)",
    )
    .bind(user_id)
    .bind(by.tenant_id)
    .bind(email.as_str())
    .bind(role.as_str())
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        if db::is_unique_violation(&e, "users_email_key") {
            AppError::Invalid(format!(
                "{email} already has an account in the portal. Invite them with another email."
            ))
        } else {
            internal(e)
        }
    })?;
    let link = links::create(&mut tx, by.tenant_id, user_id, Purpose::Invite, Some(by.id))
        .await
        .map_err(internal)?;
    audit::append(
        &mut tx,
        &Entry::new(by.tenant_id, actor, "staff.invite", Outcome::Ok)
            .target("user", user_id)
            .params(serde_json::json!({
                "email": email.as_str(),
                "role": role.as_str(),
                "expires_at": link.expires_at,
            })),
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(IssuedLink {
        user_id,
        email: email.as_str().to_owned(),
        purpose: Purpose::Invite,
        link,
    })
}

/// The tenant's staff, oldest account first.
pub async fn list(pool: &PgPool, tenant: Uuid) -> Result<Vec<StaffMember>, AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        Uuid,
        String,
        Option<String>,
        bool,
        bool,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        bool,
    )> = sqlx::query_as(
        "SELECT u.id, u.email, u.role, u.password_hash IS NOT NULL, u.disabled_at IS NOT NULL,
                u.created_at,
                (SELECT max(i.expires_at) FROM invitations i
                 WHERE i.user_id = u.id AND i.used_at IS NULL AND i.expires_at > now()),
                u.totp_secret IS NOT NULL
         FROM users u
         WHERE u.tenant_id = $1 AND u.kind = 'staff'
         ORDER BY u.created_at, u.email",
    )
    .bind(tenant)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    rows.into_iter()
        .map(
            |(id, email, role, has_password, disabled, created_at, link_expires_at, has_totp)| {
                let role = role
                    .as_deref()
                    .and_then(Role::parse)
                    .ok_or_else(|| internal(format!("staff user {id} has no valid role")))?;
                let status = if disabled {
                    StaffStatus::Disabled
                } else if has_password {
                    StaffStatus::Active
                } else {
                    StaffStatus::Invited
                };
                Ok(StaffMember {
                    id,
                    email,
                    role,
                    status,
                    created_at,
                    link_expires_at,
                    has_totp,
                })
            },
        )
        .collect()
}

/// Gives a colleague another role. Nobody changes their own role, only owners touch owners,
/// and the tenant always keeps an active owner. Returns the colleague's email.
pub async fn change_role(
    pool: &PgPool,
    by: &CurrentUser,
    actor: &Actor,
    user_id: Uuid,
    new_role: Role,
) -> Result<String, AppError> {
    let actor_role = by.require(Action::ManageStaff)?;
    let mut tx = begin_change(pool, by.tenant_id).await?;
    let target = lock_target(&mut tx, user_id).await?;
    if user_id == by.id {
        return Err(AppError::Invalid(
            "You cannot change your own role. Ask another owner to do it.".into(),
        ));
    }
    if !may_set_role(actor_role, Some(target.role), new_role) {
        return Err(AppError::Forbidden);
    }
    if target.role == new_role {
        return Err(AppError::Invalid(format!(
            "{} is already {}.",
            target.email,
            new_role.label().to_lowercase()
        )));
    }
    if target.role == Role::Owner
        && !target.disabled
        && target.has_password
        && other_active_owners(&mut tx, user_id).await? == 0
    {
        return Err(AppError::Invalid(format!(
            "{} is the only active owner. Make someone else an owner first.",
            target.email
        )));
    }
    sqlx::query("UPDATE users SET role = $2, updated_at = now() WHERE id = $1")
        .bind(user_id)
        .bind(new_role.as_str())
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    audit::append(
        &mut tx,
        &Entry::new(by.tenant_id, actor, "staff.role_change", Outcome::Ok)
            .target("user", user_id)
            .params(serde_json::json!({
                "email": target.email,
                "from": target.role.as_str(),
                "to": new_role.as_str(),
            })),
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(target.email)
}

/// Disables a colleague (their sessions end at once) or enables them again. Nobody disables
/// themselves, and the tenant's last active owner cannot be disabled. Returns their email.
pub async fn set_disabled(
    pool: &PgPool,
    by: &CurrentUser,
    actor: &Actor,
    user_id: Uuid,
    disabled: bool,
) -> Result<String, AppError> {
    let actor_role = by.require(Action::ManageStaff)?;
    let mut tx = begin_change(pool, by.tenant_id).await?;
    let target = lock_target(&mut tx, user_id).await?;
    if user_id == by.id {
        return Err(AppError::Invalid(
            "You cannot disable or enable your own account.".into(),
        ));
    }
    if !may_manage_user(actor_role, target.role) {
        return Err(AppError::Forbidden);
    }
    if target.disabled == disabled {
        return Err(AppError::Invalid(format!(
            "{} is already {}.",
            target.email,
            if disabled { "disabled" } else { "enabled" }
        )));
    }
    if disabled
        && target.role == Role::Owner
        && target.has_password
        && other_active_owners(&mut tx, user_id).await? == 0
    {
        return Err(AppError::Invalid(format!(
            "{} is the only active owner and cannot be disabled. Make someone else an owner first.",
            target.email
        )));
    }
    let update = if disabled {
        "UPDATE users SET disabled_at = now(), sessions_valid_after = now(), updated_at = now()
         WHERE id = $1"
    } else {
        "UPDATE users SET disabled_at = NULL, updated_at = now() WHERE id = $1"
    };
    sqlx::query(update)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    audit::append(
        &mut tx,
        &Entry::new(
            by.tenant_id,
            actor,
            if disabled {
                "staff.disable"
            } else {
                "staff.enable"
            },
            Outcome::Ok,
        )
        .target("user", user_id)
        .params(serde_json::json!({
            "email": target.email,
            "role": target.role.as_str(),
        })),
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(target.email)
}

/// Issues a new single-use link for a colleague: a 24-hour set-password link, or a fresh
/// 72-hour invitation when they never set a password. Earlier unused links of the same kind
/// stop working.
pub async fn issue_password_link(
    pool: &PgPool,
    by: &CurrentUser,
    actor: &Actor,
    user_id: Uuid,
) -> Result<IssuedLink, AppError> {
    let actor_role = by.require(Action::ManageStaff)?;
    let mut tx = begin_change(pool, by.tenant_id).await?;
    let target = lock_target(&mut tx, user_id).await?;
    if !may_manage_user(actor_role, target.role) {
        return Err(AppError::Forbidden);
    }
    if target.disabled {
        return Err(AppError::Invalid(format!(
            "{} is disabled. Enable them first, then issue a link.",
            target.email
        )));
    }
    let purpose = if target.has_password {
        Purpose::Reset
    } else {
        Purpose::Invite
    };
    let link = links::create(&mut tx, by.tenant_id, user_id, purpose, Some(by.id))
        .await
        .map_err(internal)?;
    audit::append(
        &mut tx,
        &Entry::new(by.tenant_id, actor, "staff.password_link", Outcome::Ok)
            .target("user", user_id)
            .params(serde_json::json!({
                "email": target.email,
                "purpose": if purpose == Purpose::Invite { "invite" } else { "reset" },
                "expires_at": link.expires_at,
            })),
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(IssuedLink {
        user_id,
        email: target.email,
        purpose,
        link,
    })
}

/// Removes a colleague's second factor when they have lost their authenticator app, and ends
/// their sessions; they sign in with their password and set up a new app. Owners and admins
/// only (admins not for owners), never for oneself (the security page does that with a code).
pub async fn reset_second_factor(
    pool: &PgPool,
    by: &CurrentUser,
    actor: &Actor,
    user_id: Uuid,
) -> Result<String, AppError> {
    let actor_role = by.require(Action::ManageStaff)?;
    if user_id == by.id {
        return Err(AppError::Invalid(
            "Turn off your own second factor on the Security page, with a current code.".into(),
        ));
    }
    let mut tx = begin_change(pool, by.tenant_id).await?;
    let target = lock_target(&mut tx, user_id).await?;
    if !may_manage_user(actor_role, target.role) {
        return Err(AppError::Forbidden);
    }
    let cleared = sqlx::query(
        "UPDATE users SET totp_key_id = NULL, totp_nonce = NULL, totp_secret = NULL,
                totp_last_step = NULL, sessions_valid_after = now(), updated_at = now()
         WHERE id = $1 AND totp_secret IS NOT NULL",
    )
    .bind(user_id)
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    if cleared.rows_affected() == 0 {
        return Err(AppError::Invalid(format!(
            "{} has no second factor to reset.",
            target.email
        )));
    }
    audit::append(
        &mut tx,
        &Entry::new(by.tenant_id, actor, "staff.totp_reset", Outcome::Ok)
            .target("user", user_id)
            .params(serde_json::json!({ "email": target.email })),
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(target.email)
}
