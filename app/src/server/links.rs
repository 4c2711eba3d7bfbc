//! Single-use links (invitations and set-password links). The token travels only in the
//! link; the database keeps its SHA-256, so a database reader cannot use a pending link.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::audit::{self, Actor, Entry, Outcome};
use super::{db, passwords};

/// How long an invitation stays valid.
pub const INVITE_VALID_FOR: Duration = Duration::hours(72);
/// How long a set-password link stays valid.
pub const RESET_VALID_FOR: Duration = Duration::hours(24);

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A new person sets their first password.
    Invite,
    /// Someone sets a new password.
    Reset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }

    fn valid_for(self) -> Duration {
        match self {
            Purpose::Invite => INVITE_VALID_FOR,
            Purpose::Reset => RESET_VALID_FOR,
        }
    }
}

/// A link just made: the token to put in the URL, shown once.
#[derive(Debug)]
pub struct NewLink {
    /// The token (goes into `/accept/<token>`).
    pub token: SecretString,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Makes a link for `user`, on a transaction scoped to `tenant`. Earlier unused links of the
/// same user and purpose stop working.
pub async fn create(
    conn: &mut PgConnection,
    tenant: Uuid,
    user: Uuid,
    purpose: Purpose,
    created_by: Option<Uuid>,
) -> Result<NewLink, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let expires_at = Utc::now() + purpose.valid_for();
    sqlx::query(
        "UPDATE invitations SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
    )
    .bind(user)
    .bind(purpose.as_str())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO invitations (id, tenant_id, user_id, token_hash, purpose, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Uuid::new_v4())
    .bind(tenant)
    .bind(user)
    .bind(token_hash(&token))
    .bind(purpose.as_str())
    .bind(created_by)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(NewLink {
        token: SecretString::from(token),
        expires_at,
    })
}

/// Why a link could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// No such link (or a mistyped one).
    #[error("This link is not valid. Ask your administrator for a new one.")]
    Unknown,
    /// Used before.
    #[error("This link has already been used. Sign in, or ask your administrator for a new one.")]
    Used,
    /// Too old.
    #[error("This link has expired. Ask your administrator for a new one.")]
    Expired,
    /// The account was disabled after the link was made.
    #[error("This account is disabled. Ask your administrator.")]
    Disabled,
    /// The new password is not acceptable.
    #[error("{0}")]
    Password(String),
    /// The database failed.
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

/// The person a link belongs to.
#[derive(Debug, Clone)]
pub struct LinkHolder {
    /// Their tenant.
    pub tenant_id: Uuid,
    /// Their account.
    pub user_id: Uuid,
    /// Their email.
    pub email: String,
}

/// Looks a link up without using it (for showing the set-password form).
pub async fn inspect(pool: &PgPool, token: &str) -> Result<LinkHolder, LinkError> {
    let (holder, _) = find(pool, token).await?;
    Ok(holder)
}

async fn find(pool: &PgPool, token: &str) -> Result<(LinkHolder, Uuid), LinkError> {
    let row: Option<(Uuid, Uuid, Uuid, DateTime<Utc>, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT invitation_id, tenant_id, user_id, expires_at, used_at FROM link_lookup($1)",
    )
    .bind(token_hash(token))
    .fetch_optional(pool)
    .await?;
    let (invitation, tenant_id, user_id, expires_at, used_at) = row.ok_or(LinkError::Unknown)?;
    if used_at.is_some() {
        return Err(LinkError::Used);
    }
    if expires_at <= Utc::now() {
        return Err(LinkError::Expired);
    }
    let mut tx = db::begin_for(pool, tenant_id).await?;
    let (email, disabled): (String, bool) =
        sqlx::query_as("SELECT email, disabled_at IS NOT NULL FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;
    if disabled {
        return Err(LinkError::Disabled);
    }
    Ok((
        LinkHolder {
            tenant_id,
            user_id,
            email,
        },
        invitation,
    ))
}

/// Uses a link: checks the new password, stores its hash, marks the link used, and audits
/// it, all at once. A link works exactly once, even when submitted twice at the same time.
pub async fn redeem(
    pool: &PgPool,
    token: &str,
    password: SecretString,
    actor: &Actor,
) -> Result<LinkHolder, LinkError> {
    let (holder, invitation) = find(pool, token).await?;
    passwords::check_new(&password, &holder.email).map_err(LinkError::Password)?;
    let phc = passwords::hash(password).await;
    let mut tx = db::begin_for(pool, holder.tenant_id).await?;
    let claimed = sqlx::query(
        "UPDATE invitations SET used_at = now() WHERE id = $1 AND used_at IS NULL AND expires_at > now()",
    )
    .bind(invitation)
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() != 1 {
        return Err(LinkError::Used);
    }
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1")
        .bind(holder.user_id)
        .bind(phc)
        .execute(&mut *tx)
        .await?;
    let mut who = actor.clone();
    who.user_id = Some(holder.user_id);
    who.email = Some(holder.email.clone());
    audit::append(
        &mut tx,
        &Entry::new(holder.tenant_id, &who, "auth.set_password", Outcome::Ok)
            .target("user", holder.user_id),
    )
    .await?;
    tx.commit().await?;
    Ok(holder)
}
