//! Signing in and out, the signed-in person, and throttling of failed attempts.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tower_sessions::Session;
use uuid::Uuid;

use super::audit::{self, Actor, Entry, Outcome};
use super::{db, passwords};
use crate::domain::identity::Email;
use crate::domain::policy::{allows, Action, Role};
use crate::error::AppError;

/// Session keys.
const USER_KEY: &str = "user_id";
const TENANT_KEY: &str = "tenant_id";
const SIGNED_IN_KEY: &str = "signed_in_at";
/// Session keys of a sign-in waiting for its second factor.
const PENDING_USER_KEY: &str = "pending_2fa_user";
const PENDING_TENANT_KEY: &str = "pending_2fa_tenant";
const PENDING_EXPIRES_KEY: &str = "pending_2fa_expires";

/// How long a right password waits for its second factor.
pub const SECOND_FACTOR_WINDOW: Duration = Duration::minutes(5);

/// The longest a session lasts, however active.
pub const ABSOLUTE_SESSION_LIFETIME: Duration = Duration::days(7);

/// Failed attempts allowed (per account, and per address) before delays start.
pub const FREE_FAILURES: i64 = 5;
/// The window in which failures count.
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);

/// What kind of person is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Principal {
    /// Partner staff with a role.
    Staff(Role),
    /// A customer's user, bound to one customer account (its Vobiz auth id).
    Customer(String),
}

/// The signed-in person, loaded afresh for every request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// Their account.
    pub id: Uuid,
    /// Their tenant.
    pub tenant_id: Uuid,
    /// Their email.
    pub email: String,
    /// Staff role or customer binding.
    pub principal: Principal,
    /// Their tenant requires a second factor and they have none yet: until they set one up,
    /// only [`CurrentUser::require_for_enrolment`] lets them through.
    pub must_enrol_totp: bool,
}

impl CurrentUser {
    /// Refuses unless the person is staff whose role allows `action` and who has met their
    /// tenant's second-factor requirement.
    pub fn require(&self, action: Action) -> Result<Role, AppError> {
        if self.must_enrol_totp {
            return Err(AppError::Invalid(
                "Your organisation requires a second factor. Set up your authenticator app under Settings → Security first.".into(),
            ));
        }
        self.require_for_enrolment(action)
    }

    /// Like [`CurrentUser::require`], but also for staff who still have to set up the second
    /// factor their tenant requires (for the security page, where they do that).
    pub fn require_for_enrolment(&self, action: Action) -> Result<Role, AppError> {
        match &self.principal {
            Principal::Staff(role) if allows(*role, action) => Ok(*role),
            _ => Err(AppError::Forbidden),
        }
    }

    /// The person as an audit actor.
    pub fn actor(&self, request_id: Option<String>, client_ip: Option<IpAddr>) -> Actor {
        Actor {
            user_id: Some(self.id),
            email: Some(self.email.clone()),
            role: Some(match &self.principal {
                Principal::Staff(role) => role.as_str().to_owned(),
                Principal::Customer(_) => "customer".to_owned(),
            }),
            request_id,
            client_ip,
        }
    }
}

fn internal(error: impl std::fmt::Display) -> AppError {
    let request_id = super::request::request_id();
    tracing::error!(%request_id, %error, "request failed");
    AppError::Internal { request_id }
}

/// The person signed in to `session`, or `None`. A session ends when its user is disabled,
/// signed out everywhere, or the session is older than [`ABSOLUTE_SESSION_LIFETIME`].
pub async fn current_user(
    pool: &PgPool,
    session: &Session,
) -> Result<Option<CurrentUser>, AppError> {
    let user: Option<Uuid> = session.get(USER_KEY).await.map_err(internal)?;
    let tenant: Option<Uuid> = session.get(TENANT_KEY).await.map_err(internal)?;
    let since: Option<DateTime<Utc>> = session.get(SIGNED_IN_KEY).await.map_err(internal)?;
    let (Some(user), Some(tenant), Some(since)) = (user, tenant, since) else {
        return Ok(None);
    };
    if Utc::now() - since > ABSOLUTE_SESSION_LIFETIME {
        session.flush().await.map_err(internal)?;
        return Ok(None);
    }
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let row: Option<(String, String, Option<String>, Option<String>, bool)> = sqlx::query_as(
        "SELECT u.email, u.kind, u.role, u.customer_ref,
                u.kind = 'staff' AND t.require_totp AND u.totp_secret IS NULL
         FROM users u JOIN tenants t ON t.id = u.tenant_id
         WHERE u.id = $1 AND u.disabled_at IS NULL AND u.sessions_valid_after < $2",
    )
    .bind(user)
    .bind(since)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    let Some((email, kind, role, customer_ref, must_enrol_totp)) = row else {
        session.flush().await.map_err(internal)?;
        return Ok(None);
    };
    let principal = match (
        kind.as_str(),
        role.as_deref().and_then(Role::parse),
        customer_ref,
    ) {
        ("staff", Some(role), _) => Principal::Staff(role),
        ("customer", _, Some(customer)) => Principal::Customer(customer),
        _ => return Err(internal(format!("user {user} has an impossible kind/role"))),
    };
    Ok(Some(CurrentUser {
        id: user,
        tenant_id: tenant,
        email,
        principal,
        must_enrol_totp,
    }))
}

/// Why signing in did not work, in the words shown to the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInError {
    /// Wrong email or password (one message for both, so accounts are not revealed).
    Wrong,
    /// Too many failures recently; try again after this many seconds.
    Throttled(i64),
}

impl From<SignInError> for AppError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::Wrong => AppError::Invalid("The email or password is wrong.".into()),
            SignInError::Throttled(secs) => AppError::Invalid(format!(
                "Too many failed sign-ins. Wait {} and try again.",
                if secs >= 120 {
                    format!("{} minutes", (secs + 59) / 60)
                } else {
                    format!("{secs} seconds")
                }
            )),
        }
    }
}

/// How long someone must still wait after `failures` recent failures, the last at `last`:
/// nothing for the first [`FREE_FAILURES`], then 2 s doubling with each further failure, up
/// to 15 minutes.
pub fn required_wait(failures: i64, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> i64 {
    let Some(last) = last else { return 0 };
    if failures < FREE_FAILURES {
        return 0;
    }
    let exponent = (failures - FREE_FAILURES).min(9) as u32;
    let delay = (2i64 << exponent).min(15 * 60);
    (delay - (now - last).num_seconds()).max(0)
}

pub(crate) async fn throttle(
    pool: &PgPool,
    email: &str,
    ip: Option<IpAddr>,
) -> Result<i64, sqlx::Error> {
    let since = Utc::now() - FAILURE_WINDOW;
    let ip = ip.map(|i| i.to_string());
    let (by_email, last_email, by_ip, last_ip): (
        i64,
        Option<DateTime<Utc>>,
        i64,
        Option<DateTime<Utc>>,
    ) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE email = $1),
                    max(at) FILTER (WHERE email = $1),
                    count(*) FILTER (WHERE client_ip = $2::inet),
                    max(at) FILTER (WHERE client_ip = $2::inet)
             FROM login_attempts
             WHERE NOT succeeded AND at > $3 AND (email = $1 OR client_ip = $2::inet)",
    )
    .bind(email)
    .bind(&ip)
    .bind(since)
    .fetch_one(pool)
    .await?;
    let now = Utc::now();
    // An address gets more room than one account: a shared office signs in from one address.
    Ok(required_wait(by_email, last_email, now).max(required_wait(by_ip / 4, last_ip, now)))
}

/// Where a right email and password lead.
#[derive(Debug, Clone)]
pub enum SignInOutcome {
    /// Signed in.
    SignedIn(CurrentUser),
    /// The account has a second factor: the session waits (for [`SECOND_FACTOR_WINDOW`]) for
    /// a code, given to [`complete_second_factor`].
    NeedsCode,
}

/// Checks an email and password and, when they are right, signs `session` in (with a new
/// session id), or, when the account has a second factor, leaves the session waiting for a
/// code. Every attempt is recorded for throttling and audited when the account exists.
pub async fn sign_in(
    pool: &PgPool,
    session: &Session,
    email: &str,
    password: SecretString,
    request_id: Option<String>,
    client_ip: Option<IpAddr>,
) -> Result<SignInOutcome, AppError> {
    let email = Email::parse(email)
        .map(|e| e.as_str().to_owned())
        .unwrap_or_else(|_| email.trim().to_lowercase());
    let wait = throttle(pool, &email, client_ip).await.map_err(internal)?;
    let account: Option<(Uuid, Uuid, Option<String>, bool)> = sqlx::query_as(
        "SELECT user_id, tenant_id, password_hash, disabled FROM sign_in_lookup($1)",
    )
    .bind(&email)
    .fetch_optional(pool)
    .await
    .map_err(internal)?;
    let actor = Actor {
        user_id: account.as_ref().map(|a| a.0),
        email: Some(email.clone()),
        role: None,
        request_id,
        client_ip,
    };
    if wait > 0 {
        if let Some((_, tenant, ..)) = &account {
            audit::record(
                pool,
                &Entry::new(*tenant, &actor, "auth.sign_in", Outcome::Denied)
                    .params(serde_json::json!({ "reason": "throttled", "wait_seconds": wait })),
            )
            .await
            .map_err(internal)?;
        }
        return Err(SignInError::Throttled(wait).into());
    }
    let (hash, usable) = match &account {
        Some((_, _, hash, disabled)) => (hash.clone(), !disabled),
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
    let Some((user, tenant, ..)) = account else {
        return Err(SignInError::Wrong.into());
    };
    if !matched {
        audit::record(
            pool,
            &Entry::new(tenant, &actor, "auth.sign_in", Outcome::Failed).target("user", user),
        )
        .await
        .map_err(internal)?;
        return Err(SignInError::Wrong.into());
    }
    if super::totp::has_totp(pool, tenant, user)
        .await
        .map_err(internal)?
    {
        session.cycle_id().await.map_err(internal)?;
        for key in [USER_KEY, TENANT_KEY, SIGNED_IN_KEY] {
            session
                .remove::<serde_json::Value>(key)
                .await
                .map_err(internal)?;
        }
        session
            .insert(PENDING_USER_KEY, user)
            .await
            .map_err(internal)?;
        session
            .insert(PENDING_TENANT_KEY, tenant)
            .await
            .map_err(internal)?;
        session
            .insert(PENDING_EXPIRES_KEY, Utc::now() + SECOND_FACTOR_WINDOW)
            .await
            .map_err(internal)?;
        return Ok(SignInOutcome::NeedsCode);
    }
    let current = establish(pool, session, user, tenant).await?;
    audit::record(
        pool,
        &Entry::new(
            tenant,
            &current.actor(actor.request_id.clone(), client_ip),
            "auth.sign_in",
            Outcome::Ok,
        )
        .target("user", user),
    )
    .await
    .map_err(internal)?;
    Ok(SignInOutcome::SignedIn(current))
}

/// Signs `session` in as `user` of `tenant`, with a new session id.
async fn establish(
    pool: &PgPool,
    session: &Session,
    user: Uuid,
    tenant: Uuid,
) -> Result<CurrentUser, AppError> {
    session.cycle_id().await.map_err(internal)?;
    session.insert(USER_KEY, user).await.map_err(internal)?;
    session.insert(TENANT_KEY, tenant).await.map_err(internal)?;
    // Whole seconds, so a sign-out-everywhere in the same second also ends this session.
    let now = Utc::now();
    session.insert(SIGNED_IN_KEY, now).await.map_err(internal)?;
    current_user(pool, session)
        .await?
        .ok_or_else(|| internal("signed-in user vanished"))
}

/// Why a second-factor code did not sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeError {
    /// No sign-in is waiting for a code (never started, expired, or the account changed):
    /// start again with the password.
    Restart,
    /// The code is wrong.
    Wrong,
    /// Too many failures recently; try again after this many seconds.
    Throttled(i64),
}

impl std::fmt::Display for CodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeError::Restart => f.write_str(
                "Your sign-in timed out or was not started. Sign in again with your email and password.",
            ),
            CodeError::Wrong => f.write_str(
                "That code is not right, or was used already. Enter the 6-digit code your \
                 authenticator app shows now (a new one comes every 30 seconds).",
            ),
            CodeError::Throttled(secs) => {
                write!(f, "{}", AppError::from(SignInError::Throttled(*secs)))
            }
        }
    }
}

async fn forget_pending(session: &Session) -> Result<(), AppError> {
    for key in [PENDING_USER_KEY, PENDING_TENANT_KEY, PENDING_EXPIRES_KEY] {
        session
            .remove::<serde_json::Value>(key)
            .await
            .map_err(internal)?;
    }
    Ok(())
}

/// Whether `session` waits for a second-factor code.
pub async fn second_factor_pending(session: &Session) -> Result<bool, AppError> {
    let expires: Option<DateTime<Utc>> =
        session.get(PENDING_EXPIRES_KEY).await.map_err(internal)?;
    Ok(expires.is_some_and(|e| e > Utc::now()))
}

/// Finishes a sign-in waiting for its second factor: a right code (this, the previous or the
/// next 30-second step) signs the session in with a new id. Wrong codes count as failed
/// sign-ins for throttling and are audited.
pub async fn complete_second_factor(
    pool: &PgPool,
    vault: &super::vault::Vault,
    session: &Session,
    code: &str,
    request_id: Option<String>,
    client_ip: Option<IpAddr>,
) -> Result<Result<CurrentUser, CodeError>, AppError> {
    let user: Option<Uuid> = session.get(PENDING_USER_KEY).await.map_err(internal)?;
    let tenant: Option<Uuid> = session.get(PENDING_TENANT_KEY).await.map_err(internal)?;
    let expires: Option<DateTime<Utc>> =
        session.get(PENDING_EXPIRES_KEY).await.map_err(internal)?;
    let (Some(user), Some(tenant), Some(expires)) = (user, tenant, expires) else {
        return Ok(Err(CodeError::Restart));
    };
    if expires <= Utc::now() {
        forget_pending(session).await?;
        return Ok(Err(CodeError::Restart));
    }
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let account: Option<(String, bool)> =
        sqlx::query_as("SELECT email, disabled_at IS NOT NULL FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    let secret = super::totp::stored_secret(pool, vault, tenant, user).await?;
    let (Some((email, false)), Some(secret)) = (account, secret) else {
        forget_pending(session).await?;
        return Ok(Err(CodeError::Restart));
    };
    let actor = Actor {
        user_id: Some(user),
        email: Some(email.clone()),
        role: None,
        request_id,
        client_ip,
    };
    let wait = throttle(pool, &email, client_ip).await.map_err(internal)?;
    if wait > 0 {
        audit::record(
            pool,
            &Entry::new(tenant, &actor, "auth.sign_in_code", Outcome::Denied)
                .target("user", user)
                .params(serde_json::json!({ "reason": "throttled", "wait_seconds": wait })),
        )
        .await
        .map_err(internal)?;
        return Ok(Err(CodeError::Throttled(wait)));
    }
    let right = match super::totp::matching_step(&secret, code)? {
        Some(step) => {
            let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
            let claimed = super::totp::claim_step(&mut tx, user, step)
                .await
                .map_err(internal)?;
            tx.commit().await.map_err(internal)?;
            claimed
        }
        None => false,
    };
    sqlx::query(
        "INSERT INTO login_attempts (email, client_ip, succeeded) VALUES ($1, $2::inet, $3)",
    )
    .bind(&email)
    .bind(client_ip.map(|i| i.to_string()))
    .bind(right)
    .execute(pool)
    .await
    .map_err(internal)?;
    if !right {
        audit::record(
            pool,
            &Entry::new(tenant, &actor, "auth.sign_in_code", Outcome::Failed).target("user", user),
        )
        .await
        .map_err(internal)?;
        return Ok(Err(CodeError::Wrong));
    }
    forget_pending(session).await?;
    let current = establish(pool, session, user, tenant).await?;
    audit::record(
        pool,
        &Entry::new(
            tenant,
            &current.actor(actor.request_id.clone(), client_ip),
            "auth.sign_in",
            Outcome::Ok,
        )
        .target("user", user)
        .params(serde_json::json!({ "second_factor": "totp" })),
    )
    .await
    .map_err(internal)?;
    Ok(Ok(current))
}

/// Ends this session.
pub async fn sign_out(
    pool: &PgPool,
    session: &Session,
    user: &CurrentUser,
    actor: &Actor,
) -> Result<(), AppError> {
    audit::record(
        pool,
        &Entry::new(user.tenant_id, actor, "auth.sign_out", Outcome::Ok).target("user", user.id),
    )
    .await
    .map_err(internal)?;
    session.flush().await.map_err(internal)
}

/// Ends every session of `user`, this one included.
pub async fn sign_out_everywhere(
    pool: &PgPool,
    session: &Session,
    user: &CurrentUser,
    actor: &Actor,
) -> Result<(), AppError> {
    let mut tx = db::begin_for(pool, user.tenant_id)
        .await
        .map_err(internal)?;
    sqlx::query("UPDATE users SET sessions_valid_after = now() WHERE id = $1")
        .bind(user.id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    audit::append(
        &mut tx,
        &Entry::new(
            user.tenant_id,
            actor,
            "auth.sign_out_everywhere",
            Outcome::Ok,
        )
        .target("user", user.id),
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    session.flush().await.map_err(internal)
}

/// Changes the signed-in person's password after checking the current one. Their other
/// sessions end; this one carries on under a new id.
pub async fn change_password(
    pool: &PgPool,
    session: &Session,
    user: &CurrentUser,
    actor: &Actor,
    current: SecretString,
    new: SecretString,
) -> Result<(), AppError> {
    let mut tx = db::begin_for(pool, user.tenant_id)
        .await
        .map_err(internal)?;
    let stored: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(&mut *tx)
            .await
            .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    if !passwords::verify(stored, current).await {
        audit::record(
            pool,
            &Entry::new(
                user.tenant_id,
                actor,
                "auth.password_change",
                Outcome::Denied,
            )
            .target("user", user.id)
            .params(serde_json::json!({ "reason": "current password wrong" })),
        )
        .await
        .map_err(internal)?;
        return Err(AppError::Invalid(
            "Your current password is not right.".into(),
        ));
    }
    passwords::check_new(&new, &user.email).map_err(AppError::Invalid)?;
    let hash = passwords::hash(new).await;
    let mut tx = db::begin_for(pool, user.tenant_id)
        .await
        .map_err(internal)?;
    sqlx::query(
        "UPDATE users SET password_hash = $2, sessions_valid_after = now(), updated_at = now() WHERE id = $1",
    )
    .bind(user.id)
    .bind(hash)
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    audit::append(
        &mut tx,
        &Entry::new(user.tenant_id, actor, "auth.password_change", Outcome::Ok)
            .target("user", user.id),
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    // Sessions that began before now are over; this one starts afresh, a second later so it
    // falls after the cut-off.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    establish(pool, session, user.id, user.tenant_id).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_and_grow() {
        let now = Utc::now();
        assert_eq!(required_wait(4, Some(now), now), 0);
        assert_eq!(required_wait(5, Some(now), now), 2);
        assert_eq!(required_wait(6, Some(now), now), 4);
        assert_eq!(required_wait(9, Some(now), now), 32);
        assert_eq!(required_wait(40, Some(now), now), 15 * 60);
        assert_eq!(required_wait(6, Some(now - Duration::seconds(3)), now), 1);
        assert_eq!(required_wait(6, Some(now - Duration::seconds(10)), now), 0);
        assert_eq!(required_wait(9, None, now), 0);
    }
}
