//! The optional second factor for staff: time-based one-time codes (RFC 6238: 6 digits,
//! 30-second steps, SHA-1, one step of clock drift either way), with each secret sealed by the
//! vault for its tenant, and the owner's switch that makes it required for the whole tenant.
//!
//! Enrolment happens in two steps: the secret is made and kept (sealed) in the person's
//! session until they confirm it with a code from their app; only then is it stored on their
//! account.

use chrono::Utc;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tower_sessions::Session;
use uuid::Uuid;

use super::audit::{self, Actor, Entry, Outcome};
use super::auth::{CurrentUser, Principal};
use super::db;
use super::vault::{Sealed, Vault};
use crate::error::AppError;

/// The vault purpose of a stored secret.
pub const PURPOSE: &str = "totp";
/// The vault purpose of a secret waiting to be confirmed.
const PENDING_PURPOSE: &str = "totp.pending";
/// The session key of a secret waiting to be confirmed.
const PENDING_KEY: &str = "pending_totp_enrolment";
/// The name authenticator apps show above the code.
const ISSUER: &str = "Vobiz reseller portal";

fn internal(error: impl std::fmt::Display) -> AppError {
    let request_id = super::request::request_id();
    tracing::error!(%request_id, %error, "request failed");
    AppError::Internal { request_id }
}

/// A fresh secret: 20 random bytes, base32 without padding (as authenticator apps take it).
pub fn new_secret() -> SecretString {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    SecretString::from(totp_rs::Secret::from(bytes.to_vec()).to_base32())
}

fn build(secret: &SecretString, account: &str) -> Result<totp_rs::Totp, AppError> {
    let bytes = totp_rs::Secret::try_from_base32(secret.expose_secret())
        .map_err(|_| internal("a stored second-factor secret is not base32"))?;
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(bytes.as_bytes().to_vec())
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| internal(format!("second-factor set-up failed: {e}")))
}

/// The code for `secret` at `unix_time` (seconds), as an authenticator app shows it.
pub fn code_at(secret: &SecretString, unix_time: u64) -> Result<String, AppError> {
    Ok(build(secret, "code")?.generate(unix_time).to_string())
}

/// Whether `code` is right for `secret` now, or one step before or after.
pub fn check(secret: &SecretString, code: &str) -> Result<bool, AppError> {
    Ok(matching_step(secret, code)?.is_some())
}

/// The 30-second step `code` is right for (now, or one step before or after), if any.
pub fn matching_step(secret: &SecretString, code: &str) -> Result<Option<u64>, AppError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    Ok(build(secret, "code")?.check_current(&code))
}

/// Records `step` as used for `user`; false when it (or a later step) was used already, so
/// each code is accepted once.
pub async fn claim_step(
    conn: &mut sqlx::PgConnection,
    user: Uuid,
    step: u64,
) -> Result<bool, sqlx::Error> {
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    let claimed = sqlx::query(
        "UPDATE users SET totp_last_step = $2
         WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind(user)
    .bind(step)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(claimed == 1)
}

/// What a person needs to add the portal to their authenticator app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The secret, base32, for typing in.
    pub secret: String,
    /// The `otpauth://` address, for apps that take one.
    pub uri: String,
    /// The address as a QR code, an inline SVG document for scanning.
    pub qr_svg: String,
}

/// `text` as a QR code in SVG (no XML prolog, so it can sit inside HTML).
fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| internal(format!("QR code failed: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    Ok(match svg.find("<svg") {
        Some(at) => svg[at..].to_owned(),
        None => svg,
    })
}

#[derive(Serialize, Deserialize)]
struct PendingEnrolment {
    user: Uuid,
    key_id: String,
    /// Base64, like the ciphertext (the session store does not round-trip byte arrays).
    nonce: String,
    ciphertext: String,
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

fn only_staff(user: &CurrentUser) -> Result<(), AppError> {
    match user.principal {
        Principal::Staff(_) => Ok(()),
        Principal::Customer(_) => Err(AppError::Forbidden),
    }
}

/// Starts enrolment: a new secret, kept sealed in the session until confirmed.
pub async fn start_enrolment(
    vault: &Vault,
    session: &Session,
    user: &CurrentUser,
) -> Result<Enrolment, AppError> {
    only_staff(user)?;
    let secret = new_secret();
    let sealed = vault.seal(user.tenant_id, PENDING_PURPOSE, &secret);
    session
        .insert(
            PENDING_KEY,
            PendingEnrolment {
                user: user.id,
                key_id: sealed.key_id,
                nonce: b64(&sealed.nonce),
                ciphertext: b64(&sealed.ciphertext),
            },
        )
        .await
        .map_err(internal)?;
    enrolment(&secret, &user.email)
}

fn enrolment(secret: &SecretString, email: &str) -> Result<Enrolment, AppError> {
    let uri = build(secret, email)?
        .to_url()
        .map_err(|e| internal(format!("second-factor address failed: {e}")))?;
    Ok(Enrolment {
        secret: secret.expose_secret().to_owned(),
        qr_svg: qr_svg(&uri)?,
        uri,
    })
}

async fn pending_secret(
    vault: &Vault,
    session: &Session,
    user: &CurrentUser,
) -> Result<Option<SecretString>, AppError> {
    let pending: Option<PendingEnrolment> = session.get(PENDING_KEY).await.map_err(internal)?;
    let Some(p) = pending.filter(|p| p.user == user.id) else {
        return Ok(None);
    };
    let (Some(nonce), Some(ciphertext)) = (unb64(&p.nonce), unb64(&p.ciphertext)) else {
        return Ok(None);
    };
    let sealed = Sealed {
        key_id: p.key_id,
        nonce,
        ciphertext,
    };
    match vault.open(user.tenant_id, PENDING_PURPOSE, &sealed) {
        Ok(secret) => Ok(Some(secret)),
        // Sealed under a key that has since gone: start again.
        Err(_) => Ok(None),
    }
}

/// The enrolment waiting for confirmation in this session, if any.
pub async fn pending_enrolment(
    vault: &Vault,
    session: &Session,
    user: &CurrentUser,
) -> Result<Option<Enrolment>, AppError> {
    match pending_secret(vault, session, user).await? {
        Some(secret) => Ok(Some(enrolment(&secret, &user.email)?)),
        None => Ok(None),
    }
}

/// Forgets an unconfirmed enrolment.
pub async fn cancel_enrolment(session: &Session) -> Result<(), AppError> {
    session
        .remove::<serde_json::Value>(PENDING_KEY)
        .await
        .map_err(internal)?;
    Ok(())
}

/// Whether the person has a second factor, and whether their tenant requires one.
pub async fn status(pool: &PgPool, user: &CurrentUser) -> Result<(bool, bool), AppError> {
    let mut tx = db::begin_for(pool, user.tenant_id)
        .await
        .map_err(internal)?;
    let row: (bool, bool) = sqlx::query_as(
        "SELECT u.totp_secret IS NOT NULL, t.require_totp
         FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.id = $1",
    )
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(row)
}

/// Whether the account `user` of `tenant` has a second factor.
pub async fn has_totp(pool: &PgPool, tenant: Uuid, user: Uuid) -> Result<bool, sqlx::Error> {
    let mut tx = db::begin_for(pool, tenant).await?;
    let has: Option<bool> =
        sqlx::query_scalar("SELECT totp_secret IS NOT NULL FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok(has.unwrap_or(false))
}

/// The stored secret of account `user` of `tenant`, opened.
pub async fn stored_secret(
    pool: &PgPool,
    vault: &Vault,
    tenant: Uuid,
    user: Uuid,
) -> Result<Option<SecretString>, AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let row: Option<(Option<String>, Option<Vec<u8>>, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT totp_key_id, totp_nonce, totp_secret FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    let Some((Some(key_id), Some(nonce), Some(ciphertext))) = row else {
        return Ok(None);
    };
    vault
        .open(
            tenant,
            PURPOSE,
            &Sealed {
                key_id,
                nonce,
                ciphertext,
            },
        )
        .map(Some)
        .map_err(internal)
}

const WRONG_CODE: &str = "That code is not right, or was used already. Enter the 6-digit code \
    your authenticator app shows now (a new one comes every 30 seconds).";

/// Confirms the enrolment in this session with a current code and stores the secret sealed.
pub async fn confirm_enrolment(
    pool: &PgPool,
    vault: &Vault,
    session: &Session,
    user: &CurrentUser,
    actor: &Actor,
    code: &str,
) -> Result<(), AppError> {
    only_staff(user)?;
    let Some(secret) = pending_secret(vault, session, user).await? else {
        return Err(AppError::Invalid(
            "Start setting up the authenticator app first, then enter its code.".into(),
        ));
    };
    let Some(step) = matching_step(&secret, code)? else {
        audit::record(
            pool,
            &Entry::new(user.tenant_id, actor, "auth.totp_enrol", Outcome::Failed)
                .target("user", user.id)
                .params(serde_json::json!({ "reason": "wrong_code" })),
        )
        .await
        .map_err(internal)?;
        return Err(AppError::Invalid(WRONG_CODE.into()));
    };
    let sealed = vault.seal(user.tenant_id, PURPOSE, &secret);
    let mut tx = db::begin_for(pool, user.tenant_id)
        .await
        .map_err(internal)?;
    let updated = sqlx::query(
        "UPDATE users SET totp_key_id = $2, totp_nonce = $3, totp_secret = $4,
                totp_last_step = $5, updated_at = now()
         WHERE id = $1 AND totp_secret IS NULL",
    )
    .bind(user.id)
    .bind(&sealed.key_id)
    .bind(&sealed.nonce)
    .bind(&sealed.ciphertext)
    .bind(i64::try_from(step).unwrap_or(i64::MAX))
    .execute(&mut *tx)
    .await
    .map_err(internal)?
    .rows_affected();
    if updated == 0 {
        cancel_enrolment(session).await?;
        return Err(AppError::Invalid(
            "Your account already has an authenticator app. Turn it off first to set up another."
                .into(),
        ));
    }
    audit::append(
        &mut tx,
        &Entry::new(user.tenant_id, actor, "auth.totp_enrol", Outcome::Ok).target("user", user.id),
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    cancel_enrolment(session).await
}

/// Turns the person's second factor off, given a current code. Refused while their tenant
/// requires one.
pub async fn disable(
    pool: &PgPool,
    vault: &Vault,
    user: &CurrentUser,
    actor: &Actor,
    code: &str,
) -> Result<(), AppError> {
    only_staff(user)?;
    let (_, required) = status(pool, user).await?;
    if required {
        return Err(AppError::Invalid(
            "Your organisation requires a second factor, so it cannot be turned off.".into(),
        ));
    }
    let Some(secret) = stored_secret(pool, vault, user.tenant_id, user.id).await? else {
        return Err(AppError::Invalid(
            "Your account has no authenticator app to turn off.".into(),
        ));
    };
    // Guessing codes to turn the factor off counts like guessing passwords.
    let wait = super::auth::throttle(pool, &user.email, actor.client_ip)
        .await
        .map_err(internal)?;
    if wait > 0 {
        return Err(super::auth::SignInError::Throttled(wait).into());
    }
    let step = matching_step(&secret, code)?;
    let mut tx = db::begin_for(pool, user.tenant_id)
        .await
        .map_err(internal)?;
    let right = match step {
        Some(step) => claim_step(&mut tx, user.id, step).await.map_err(internal)?,
        None => false,
    };
    if !right {
        tx.rollback().await.map_err(internal)?;
        sqlx::query(
            "INSERT INTO login_attempts (email, client_ip, succeeded) VALUES ($1, $2::inet, false)",
        )
        .bind(&user.email)
        .bind(actor.client_ip.map(|i| i.to_string()))
        .execute(pool)
        .await
        .map_err(internal)?;
        audit::record(
            pool,
            &Entry::new(user.tenant_id, actor, "auth.totp_disable", Outcome::Failed)
                .target("user", user.id)
                .params(serde_json::json!({ "reason": "wrong_code" })),
        )
        .await
        .map_err(internal)?;
        return Err(AppError::Invalid(WRONG_CODE.into()));
    }
    sqlx::query(
        "UPDATE users SET totp_key_id = NULL, totp_nonce = NULL, totp_secret = NULL,
                totp_last_step = NULL, updated_at = now()
         WHERE id = $1",
    )
    .bind(user.id)
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    audit::append(
        &mut tx,
        &Entry::new(user.tenant_id, actor, "auth.totp_disable", Outcome::Ok)
            .target("user", user.id),
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)
}

/// Makes a second factor required (or optional) for every staff member of the tenant.
/// The caller has checked [`crate::domain::policy::Action::ManageSecurity`].
pub async fn set_required(
    pool: &PgPool,
    tenant: Uuid,
    actor: &Actor,
    required: bool,
) -> Result<(), AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let old: bool = sqlx::query_scalar("SELECT require_totp FROM tenants WHERE id = $1 FOR UPDATE")
        .bind(tenant)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
    sqlx::query("UPDATE tenants SET require_totp = $2, updated_at = now() WHERE id = $1")
        .bind(tenant)
        .bind(required)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    audit::append(
        &mut tx,
        &Entry::new(tenant, actor, "settings.require_totp", Outcome::Ok)
            .target("tenant", tenant)
            .params(serde_json::json!({ "old": old, "new": required })),
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)
}

/// Seconds since the Unix epoch, for [`code_at`].
pub fn now_unix() -> u64 {
    Utc::now().timestamp().max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_this_and_the_neighbouring_steps_are_accepted() {
        let secret = new_secret();
        let now = now_unix();
        assert!(check(&secret, &code_at(&secret, now).unwrap()).unwrap());
        assert!(check(&secret, &code_at(&secret, now - 30).unwrap()).unwrap());
        assert!(check(&secret, &code_at(&secret, now + 30).unwrap()).unwrap());
        let old = code_at(&secret, now - 300).unwrap();
        let current = code_at(&secret, now).unwrap();
        if old != current {
            assert!(!check(&secret, &old).unwrap());
        }
        assert!(!check(&secret, "12345").unwrap());
        assert!(!check(&secret, "abcdef").unwrap());
    }

    #[test]
    fn the_address_carries_the_secret_and_the_issuer() {
        let secret = new_secret();
        let e = enrolment(&secret, "ann@acme.test").unwrap();
        assert!(e.uri.starts_with("otpauth://totp/"), "{}", e.uri);
        assert!(e.uri.contains(&e.secret));
        assert_eq!(e.secret.len(), 32);
        assert!(e.qr_svg.starts_with("<svg"), "{}", &e.qr_svg[..40]);
    }
}
