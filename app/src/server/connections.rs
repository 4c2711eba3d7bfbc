//! Each tenant's Vobiz connection: verified against Vobiz before it is saved, its tokens
//! sealed by the vault, shown only masked.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use uuid::Uuid;
use vobiz::client::{Client, Credentials, NumberQuery, PartnerProfile};

use super::audit::{self, Actor, Entry, Outcome};
use super::db;
use super::vault::{mask, Sealed, Vault, VaultError};

const PARTNER_TOKEN: &str = "vobiz.partner_token";
const POOL_TOKEN: &str = "vobiz.pool_token";

/// What a person submits to connect a tenant to Vobiz.
#[derive(Debug)]
pub struct ConnectionInput {
    /// The Vobiz base URL; the portal's configured upstream when absent.
    pub base_url: Option<String>,
    /// The partner id (`PA_…`).
    pub partner_auth_id: String,
    /// The partner token.
    pub partner_token: SecretString,
    /// The pool main account id (`MA_…`), optional.
    pub pool_auth_id: Option<String>,
    /// The pool main account token, with the id.
    pub pool_token: Option<SecretString>,
}

/// A stored connection as people may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionSummary {
    /// Where calls go.
    pub base_url: String,
    /// The partner id.
    pub partner_auth_id: String,
    /// The partner token, masked.
    pub partner_token_mask: String,
    /// The pool account id, if any.
    pub pool_auth_id: Option<String>,
    /// The pool token, masked.
    pub pool_token_mask: Option<String>,
    /// The partner's name as Vobiz reported it.
    pub partner_name: String,
    /// The partner's currency.
    pub currency: String,
    /// When Vobiz last accepted the credentials.
    pub verified_at: DateTime<Utc>,
}

/// A tenant's connection, opened for making calls.
#[derive(Debug, Clone)]
pub struct TenantConnection {
    /// A client for the tenant's base URL.
    pub client: Client,
    /// Partner credentials.
    pub partner: Credentials,
    /// Pool main-account credentials, when configured.
    pub pool: Option<Credentials>,
}

/// Why a connection could not be saved or opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// The input is not acceptable; says what to fix.
    #[error("{0}")]
    Invalid(String),
    /// Vobiz refused the credentials.
    #[error("{0}")]
    Rejected(String),
    /// Vobiz could not be asked.
    #[error("Vobiz could not be reached to check the credentials ({0}). Try again in a moment.")]
    Unreachable(String),
    /// The stored secret does not open (wrong key, or tampered).
    #[error("the stored credentials could not be decrypted: {0}")]
    Vault(#[from] VaultError),
    /// The database failed.
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

fn check_id(id: &str, prefix: &str, what: &str) -> Result<String, ConnectionError> {
    let id = id.trim();
    let ok = id.starts_with(prefix)
        && id.len() > prefix.len()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(id.to_owned())
    } else {
        Err(ConnectionError::Invalid(format!(
            "The {what} id starts with {prefix} and has only letters, digits and underscores."
        )))
    }
}

fn check_token(token: &SecretString, what: &str) -> Result<SecretString, ConnectionError> {
    let t = token.expose_secret().trim();
    if t.is_empty() || t.len() > 512 || t.chars().any(char::is_whitespace) {
        return Err(ConnectionError::Invalid(format!(
            "Paste the {what} token exactly as Vobiz shows it."
        )));
    }
    Ok(SecretString::from(t.to_owned()))
}

fn explain(error: vobiz::client::Error, what: &str) -> ConnectionError {
    use vobiz::client::Error as E;
    match error {
        E::Unauthorized { .. } => ConnectionError::Rejected(format!(
            "Vobiz did not accept the {what} id and token. Check both and try again."
        )),
        E::Forbidden { message, .. } => {
            ConnectionError::Rejected(format!("Vobiz refused the {what} credentials: {message}"))
        }
        other => ConnectionError::Unreachable(other.to_string()),
    }
}

/// Checks the credentials with Vobiz: `GET /partner/me` for the partner, and a one-number
/// page of the pool account's numbers for the pool account.
pub async fn verify(
    client: &Client,
    input: &ConnectionInput,
) -> Result<PartnerProfile, ConnectionError> {
    let partner = Credentials::new(
        check_id(&input.partner_auth_id, "PA_", "partner")?,
        check_token(&input.partner_token, "partner")?.expose_secret(),
    );
    let profile = client
        .partner(&partner)
        .me()
        .await
        .map_err(|e| explain(e, "partner"))?;
    if let Some(pool) = pool_credentials(input)? {
        client
            .account(&pool)
            .numbers(&NumberQuery {
                page: Some(1),
                per_page: Some(1),
                search: None,
            })
            .await
            .map_err(|e| explain(e, "pool account"))?;
    }
    Ok(profile)
}

fn pool_credentials(input: &ConnectionInput) -> Result<Option<Credentials>, ConnectionError> {
    match (&input.pool_auth_id, &input.pool_token) {
        (None, None) => Ok(None),
        (Some(id), Some(token))
            if id.trim().is_empty() && token.expose_secret().trim().is_empty() =>
        {
            Ok(None)
        }
        (Some(id), Some(token)) => Ok(Some(Credentials::new(
            check_id(id, "MA_", "pool account")?,
            check_token(token, "pool account")?.expose_secret(),
        ))),
        _ => Err(ConnectionError::Invalid(
            "Give both the pool account id and its token, or neither.".to_owned(),
        )),
    }
}

/// Verifies the credentials with Vobiz, then stores them sealed, and audits the attempt
/// whatever its outcome. Nothing is stored when Vobiz refuses them.
pub async fn save(
    pool: &PgPool,
    vault: &Vault,
    default_client: &Client,
    tenant: Uuid,
    actor: &Actor,
    input: ConnectionInput,
) -> Result<ConnectionSummary, ConnectionError> {
    let base_url = input
        .base_url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| default_client.base_url().to_owned());
    let client = default_client
        .at(&base_url)
        .map_err(|_| ConnectionError::Invalid("The base URL must be an http(s) address.".into()))?;
    let params = serde_json::json!({
        "base_url": base_url,
        "partner_auth_id": input.partner_auth_id.trim(),
        "pool_auth_id": input.pool_auth_id.as_deref().map(str::trim),
    });
    let profile = match verify(&client, &input).await {
        Ok(profile) => profile,
        Err(error) => {
            let outcome = match error {
                ConnectionError::Invalid(_) => Outcome::Denied,
                _ => Outcome::Failed,
            };
            let mut entry = Entry::new(tenant, actor, "settings.vobiz_credentials", outcome)
                .target("setting", "vobiz_connection")
                .params(params);
            entry.upstream_message = Some(error.to_string());
            audit::record(pool, &entry).await?;
            return Err(error);
        }
    };
    let partner_token = check_token(&input.partner_token, "partner")?;
    let pool_creds = pool_credentials(&input)?;
    let sealed_partner = vault.seal(tenant, PARTNER_TOKEN, &partner_token);
    let sealed_pool = pool_creds.as_ref().map(|c| {
        vault.seal(
            tenant,
            POOL_TOKEN,
            &SecretString::from(c.auth_token.expose_secret().to_owned()),
        )
    });
    let summary = ConnectionSummary {
        base_url: base_url.clone(),
        partner_auth_id: profile.auth_id.clone(),
        partner_token_mask: mask(&partner_token),
        pool_auth_id: pool_creds.as_ref().map(|c| c.auth_id.clone()),
        pool_token_mask: pool_creds
            .as_ref()
            .map(|c| mask(&SecretString::from(c.auth_token.expose_secret().to_owned()))),
        partner_name: profile.name.clone(),
        currency: profile.currency.clone().unwrap_or_default(),
        verified_at: Utc::now(),
    };
    let mut tx = db::begin_for(pool, tenant).await?;
    sqlx::query(
        r#"
        INSERT INTO vobiz_connections (tenant_id, base_url, partner_auth_id, partner_key_id,
            partner_nonce, partner_token, partner_token_mask, pool_auth_id, pool_key_id,
            pool_nonce, pool_token, pool_token_mask, partner_name, currency, verified_at,
            updated_by, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, now())
        ON CONFLICT (tenant_id) DO UPDATE SET
            base_url = excluded.base_url, partner_auth_id = excluded.partner_auth_id,
            partner_key_id = excluded.partner_key_id, partner_nonce = excluded.partner_nonce,
            partner_token = excluded.partner_token, partner_token_mask = excluded.partner_token_mask,
            pool_auth_id = excluded.pool_auth_id, pool_key_id = excluded.pool_key_id,
            pool_nonce = excluded.pool_nonce, pool_token = excluded.pool_token,
            pool_token_mask = excluded.pool_token_mask, partner_name = excluded.partner_name,
            currency = excluded.currency, verified_at = excluded.verified_at,
            updated_by = excluded.updated_by, updated_at = now()
        "#,
    )
    .bind(tenant)
    .bind(&summary.base_url)
    .bind(&summary.partner_auth_id)
    .bind(&sealed_partner.key_id)
    .bind(&sealed_partner.nonce)
    .bind(&sealed_partner.ciphertext)
    .bind(&summary.partner_token_mask)
    .bind(&summary.pool_auth_id)
    .bind(sealed_pool.as_ref().map(|s| s.key_id.clone()))
    .bind(sealed_pool.as_ref().map(|s| s.nonce.clone()))
    .bind(sealed_pool.as_ref().map(|s| s.ciphertext.clone()))
    .bind(&summary.pool_token_mask)
    .bind(&summary.partner_name)
    .bind(&summary.currency)
    .bind(summary.verified_at)
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await?;
    let mut entry = Entry::new(tenant, actor, "settings.vobiz_credentials", Outcome::Ok)
        .target("setting", "vobiz_connection")
        .params(params);
    entry.upstream_status = Some(200);
    audit::append(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(summary)
}

/// The columns of a stored connection, in the order of [`Row`].
const COLUMNS: &str = "base_url, partner_auth_id, partner_key_id, partner_nonce, partner_token, \
    partner_token_mask, pool_auth_id, pool_key_id, pool_nonce, pool_token, pool_token_mask, \
    partner_name, currency, verified_at";

type Row = (
    String,
    String,
    String,
    Vec<u8>,
    Vec<u8>,
    String,
    Option<String>,
    Option<String>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<String>,
    String,
    String,
    DateTime<Utc>,
);

async fn fetch(pool: &PgPool, tenant: Uuid) -> Result<Option<Row>, sqlx::Error> {
    let mut tx = db::begin_for(pool, tenant).await?;
    let row = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM vobiz_connections WHERE tenant_id = $1"
    ))
    .bind(tenant)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// The tenant's connection as people may see it (masked), if one is stored.
pub async fn summary(
    pool: &PgPool,
    tenant: Uuid,
) -> Result<Option<ConnectionSummary>, sqlx::Error> {
    Ok(fetch(pool, tenant).await?.map(|r| ConnectionSummary {
        base_url: r.0,
        partner_auth_id: r.1,
        partner_token_mask: r.5,
        pool_auth_id: r.6,
        pool_token_mask: r.10,
        partner_name: r.11,
        currency: r.12,
        verified_at: r.13,
    }))
}

/// Opens the tenant's stored connection for making calls.
pub async fn open(
    pool: &PgPool,
    vault: &Vault,
    default_client: &Client,
    tenant: Uuid,
) -> Result<Option<TenantConnection>, ConnectionError> {
    let Some(r) = fetch(pool, tenant).await? else {
        return Ok(None);
    };
    let partner_token = vault.open(
        tenant,
        PARTNER_TOKEN,
        &Sealed {
            key_id: r.2,
            nonce: r.3,
            ciphertext: r.4,
        },
    )?;
    let pool_creds = match (r.6, r.7, r.8, r.9) {
        (Some(id), Some(key_id), Some(nonce), Some(ciphertext)) => {
            let token = vault.open(
                tenant,
                POOL_TOKEN,
                &Sealed {
                    key_id,
                    nonce,
                    ciphertext,
                },
            )?;
            Some(Credentials::new(id, token.expose_secret()))
        }
        _ => None,
    };
    let client = default_client.at(&r.0).map_err(|_| {
        ConnectionError::Invalid(format!("the stored base URL {} is not usable", r.0))
    })?;
    Ok(Some(TenantConnection {
        client,
        partner: Credentials::new(r.1, partner_token.expose_secret()),
        pool: pool_creds,
    }))
}

/// Re-seals every stored token that is not under the vault's current key, one tenant at a
/// time (each in its own transaction, audited), so the portal keeps serving throughout.
/// `owner` must be able to see every tenant (the schema owner's connection).
pub async fn rotate_all(
    owner: &PgPool,
    app: &PgPool,
    vault: &Vault,
) -> Result<usize, ConnectionError> {
    let tenants: Vec<Uuid> = sqlx::query_scalar(
        "SELECT tenant_id FROM vobiz_connections WHERE partner_key_id <> $1 OR pool_key_id <> $1",
    )
    .bind(vault.current_key_id())
    .fetch_all(owner)
    .await?;
    let mut rotated = 0;
    for tenant in tenants {
        let mut tx = db::begin_for(app, tenant).await?;
        let r: Row = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM vobiz_connections WHERE tenant_id = $1 FOR UPDATE"
        ))
        .bind(tenant)
        .fetch_one(&mut *tx)
        .await?;
        let from = r.2.clone();
        let partner = vault.open(
            tenant,
            PARTNER_TOKEN,
            &Sealed {
                key_id: r.2,
                nonce: r.3,
                ciphertext: r.4,
            },
        )?;
        let partner = vault.seal(tenant, PARTNER_TOKEN, &partner);
        let pool = match (r.7, r.8, r.9) {
            (Some(key_id), Some(nonce), Some(ciphertext)) => {
                let token = vault.open(
                    tenant,
                    POOL_TOKEN,
                    &Sealed {
                        key_id,
                        nonce,
                        ciphertext,
                    },
                )?;
                Some(vault.seal(tenant, POOL_TOKEN, &token))
            }
            _ => None,
        };
        sqlx::query(
            "UPDATE vobiz_connections SET partner_key_id = $2, partner_nonce = $3, partner_token = $4,
                    pool_key_id = $5, pool_nonce = $6, pool_token = $7
             WHERE tenant_id = $1",
        )
        .bind(tenant)
        .bind(&partner.key_id)
        .bind(&partner.nonce)
        .bind(&partner.ciphertext)
        .bind(pool.as_ref().map(|s| s.key_id.clone()))
        .bind(pool.as_ref().map(|s| s.nonce.clone()))
        .bind(pool.as_ref().map(|s| s.ciphertext.clone()))
        .execute(&mut *tx)
        .await?;
        let actor = Actor {
            role: Some("platform-operator".into()),
            ..Actor::default()
        };
        audit::append(
            &mut tx,
            &Entry::new(tenant, &actor, "vault.rotate_key", Outcome::Ok)
                .target("setting", "vobiz_connection")
                .params(serde_json::json!({ "from_key": from, "to_key": vault.current_key_id() })),
        )
        .await?;
        tx.commit().await?;
        rotated += 1;
    }
    Ok(rotated)
}
