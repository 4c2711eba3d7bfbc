//! The local mirror of a tenant's Vobiz accounts: partner customer accounts (`MA_…`), the
//! pool account's sub-accounts (`SA_…`) and the pool account itself.
//!
//! Lists and searches read the mirror, so a list of thousands of customers answers in
//! milliseconds; a background refresh (and every change the portal makes) keeps it current.
//! Refreshes of one tenant never overlap, even across portal instances: each holds a
//! transaction-level advisory lock for its whole run.

use chrono::{DateTime, Utc};
use futures::StreamExt;
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;
use vobiz::client::{AccountsQuery, Credentials, CustomerAccount, SubAccount, MAX_PER_PAGE};

use super::db;
use super::state::AppState;
use super::upstream::{self, internal};
use super::vault::{mask, Sealed};
use crate::error::AppError;

/// What kind of account a mirrored account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A partner customer account with its own wallet.
    Customer,
    /// A sub-account of the pool account, billed to it.
    SubAccount,
    /// The pool account that holds the tenant's DIDs.
    Pool,
}

impl Kind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Customer => "customer",
            Kind::SubAccount => "sub_account",
            Kind::Pool => "pool",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "customer" => Some(Kind::Customer),
            "sub_account" => Some(Kind::SubAccount),
            "pool" => Some(Kind::Pool),
            _ => None,
        }
    }
}

/// One mirrored account.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// `MA_…` or `SA_…`.
    pub auth_id: String,
    /// Customer, sub-account or pool.
    pub kind: Kind,
    /// The pool account, for a sub-account.
    pub parent_auth_id: Option<String>,
    /// Name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Country (ISO alpha-2).
    pub country: Option<String>,
    /// Wallet currency.
    pub currency: Option<String>,
    /// KYC status of a customer account (`pending`, `verified`, `rejected`).
    pub kyc_status: Option<String>,
    /// KYC mode of a sub-account (`personal_use`, `customer_use`).
    pub kyc_mode: Option<String>,
    /// Business type of a sub-account.
    pub business_type: Option<String>,
    /// Wallet balance when last read (customers and the pool; sub-accounts have none).
    pub balance: Option<Decimal>,
    /// Active at Vobiz.
    pub is_active: bool,
    /// Created at Vobiz.
    pub created_at: Option<DateTime<Utc>>,
    /// When the row was last written from Vobiz.
    pub synced_at: DateTime<Utc>,
}

/// The columns of [`Account`], in its order.
const COLUMNS: &str = "auth_id, kind, parent_auth_id, name, email, phone, company, country, \
    currency, kyc_status, kyc_mode, business_type, balance, is_active, vobiz_created_at, synced_at";

type Row = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<Decimal>,
    bool,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);

fn from_row(r: Row) -> Account {
    Account {
        auth_id: r.0,
        kind: Kind::parse(&r.1).unwrap_or(Kind::Customer),
        parent_auth_id: r.2,
        name: r.3,
        email: r.4,
        phone: r.5,
        company: r.6,
        country: r.7,
        currency: r.8,
        kyc_status: r.9,
        kyc_mode: r.10,
        business_type: r.11,
        balance: r.12,
        is_active: r.13,
        created_at: r.14,
        synced_at: r.15,
    }
}

/// A customer account as Vobiz listed it, ready for the mirror.
pub fn from_customer(c: &CustomerAccount) -> Account {
    Account {
        auth_id: c.auth_id.clone(),
        kind: Kind::Customer,
        parent_auth_id: None,
        name: c.name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        company: c.company.clone().filter(|s| !s.is_empty()),
        country: c.country.clone(),
        currency: c.currency.clone().or_else(|| {
            c.country.as_deref().and_then(|code| {
                crate::domain::customers::Country::parse(code)
                    .ok()
                    .map(|c| c.wallet_currency().to_owned())
            })
        }),
        kyc_status: c.kyc_status.clone(),
        kyc_mode: None,
        business_type: None,
        balance: c.cash_credits,
        is_active: c.is_active && c.enabled.unwrap_or(true),
        created_at: c.created_at,
        synced_at: Utc::now(),
    }
}

/// A sub-account of `parent` as Vobiz listed it, ready for the mirror.
pub fn from_sub_account(s: &SubAccount, parent: &str) -> Account {
    Account {
        auth_id: s.auth_id.clone(),
        kind: Kind::SubAccount,
        parent_auth_id: Some(
            s.parent_auth_id
                .clone()
                .unwrap_or_else(|| parent.to_owned()),
        ),
        name: s.name.clone(),
        email: s.email.clone(),
        phone: s.phone.clone(),
        company: None,
        country: None,
        currency: None,
        kyc_status: None,
        kyc_mode: s.kyc_mode.as_ref().map(|m| m.as_str().to_owned()),
        business_type: None,
        balance: None,
        is_active: s.enabled && s.is_active,
        created_at: s.created_at,
        synced_at: Utc::now(),
    }
}

/// Writes `rows` into the mirror. A row already written from a later reading (a change the
/// portal made while this reading was under way) is kept.
pub async fn upsert(
    conn: &mut PgConnection,
    tenant: Uuid,
    rows: &[Account],
    read_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let data: Vec<serde_json::Value> = rows
        .iter()
        .map(|a| {
            json!({
                "auth_id": a.auth_id, "kind": a.kind.as_str(), "parent_auth_id": a.parent_auth_id,
                "name": a.name, "email": a.email, "phone": a.phone, "company": a.company,
                "country": a.country, "currency": a.currency, "kyc_status": a.kyc_status,
                "kyc_mode": a.kyc_mode, "business_type": a.business_type,
                "balance": a.balance.map(|b| b.to_string()), "is_active": a.is_active,
                "vobiz_created_at": a.created_at,
            })
        })
        .collect();
    sqlx::query(
        r#"
        INSERT INTO vobiz_accounts (tenant_id, auth_id, kind, parent_auth_id, name, email, phone,
            company, country, currency, kyc_status, kyc_mode, business_type, balance, is_active,
            vobiz_created_at, synced_at)
        SELECT $1, x.auth_id, x.kind, x.parent_auth_id, x.name, x.email, x.phone, x.company,
               x.country, x.currency, x.kyc_status, x.kyc_mode, x.business_type, x.balance,
               x.is_active, x.vobiz_created_at, $3
        FROM jsonb_to_recordset($2) AS x(auth_id text, kind text, parent_auth_id text, name text,
            email text, phone text, company text, country text, currency text, kyc_status text,
            kyc_mode text, business_type text, balance numeric, is_active boolean,
            vobiz_created_at timestamptz)
        ON CONFLICT (tenant_id, auth_id) DO UPDATE SET
            kind = excluded.kind, parent_auth_id = excluded.parent_auth_id, name = excluded.name,
            email = excluded.email, phone = excluded.phone,
            company = coalesce(excluded.company, vobiz_accounts.company),
            country = coalesce(excluded.country, vobiz_accounts.country),
            currency = coalesce(excluded.currency, vobiz_accounts.currency),
            kyc_status = coalesce(excluded.kyc_status, vobiz_accounts.kyc_status),
            kyc_mode = coalesce(excluded.kyc_mode, vobiz_accounts.kyc_mode),
            business_type = coalesce(excluded.business_type, vobiz_accounts.business_type),
            balance = coalesce(excluded.balance, vobiz_accounts.balance),
            is_active = excluded.is_active,
            vobiz_created_at = coalesce(excluded.vobiz_created_at, vobiz_accounts.vobiz_created_at),
            synced_at = excluded.synced_at
        WHERE vobiz_accounts.synced_at <= excluded.synced_at
        "#,
    )
    .bind(tenant)
    .bind(serde_json::Value::Array(data))
    .bind(read_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Stores one account read just now (after a change the portal made, or a live read).
pub async fn remember(pool: &PgPool, tenant: Uuid, account: &Account) -> Result<(), AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    upsert(&mut tx, tenant, std::slice::from_ref(account), Utc::now())
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)
}

/// Sets the balance of a mirrored wallet to what Vobiz just reported.
pub async fn set_balance(
    conn: &mut PgConnection,
    auth_id: &str,
    balance: Decimal,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE vobiz_accounts SET balance = $2, synced_at = greatest(synced_at, now()) WHERE auth_id = $1",
    )
    .bind(auth_id)
    .bind(balance)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How the customer list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Name, A to Z.
    Name,
    /// Newest first.
    Newest,
    /// Lowest balance first.
    Balance,
}

impl Sort {
    /// Parses the address's `sort`.
    pub fn parse(s: &str) -> Result<Sort, AppError> {
        match s.trim() {
            "" | "name" => Ok(Sort::Name),
            "newest" => Ok(Sort::Newest),
            "balance" => Ok(Sort::Balance),
            _ => Err(AppError::Invalid("Sort by name, newest or balance.".into())),
        }
    }
}

/// Filters and paging of the customer list.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// Part of the name, email or account id.
    pub search: Option<String>,
    /// Only this kind.
    pub kind: Option<Kind>,
    /// Only this KYC status (customers) or mode (sub-accounts).
    pub kyc: Option<String>,
    /// Only wallets below this balance.
    pub balance_below: Option<Decimal>,
    /// Order.
    pub sort: Sort,
    /// Page, from 1.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
}

/// One page of the customer list (sub-accounts and customer accounts; never the pool).
pub async fn list(
    pool: &PgPool,
    tenant: Uuid,
    q: &ListQuery,
) -> Result<(Vec<Account>, i64), AppError> {
    let mut b: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "SELECT {COLUMNS}, count(*) OVER () FROM vobiz_accounts WHERE tenant_id = "
    ));
    b.push_bind(tenant);
    b.push(" AND kind <> 'pool'");
    if let Some(search) = q.search.as_deref().filter(|s| !s.trim().is_empty()) {
        let pattern = format!(
            "%{}%",
            search
                .trim()
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        b.push(" AND (lower(name) LIKE ");
        b.push_bind(pattern.clone());
        b.push(" OR lower(coalesce(email, '')) LIKE ");
        b.push_bind(pattern.clone());
        b.push(" OR lower(auth_id) LIKE ");
        b.push_bind(pattern);
        b.push(")");
    }
    if let Some(kind) = q.kind {
        b.push(" AND kind = ");
        b.push_bind(kind.as_str());
    }
    if let Some(kyc) = q.kyc.as_deref() {
        b.push(" AND (kyc_status = ");
        b.push_bind(kyc.to_owned());
        b.push(" OR kyc_mode = ");
        b.push_bind(kyc.to_owned());
        b.push(")");
    }
    if let Some(below) = q.balance_below {
        b.push(" AND kind = 'customer' AND coalesce(balance, 0) < ");
        b.push_bind(below);
    }
    b.push(match q.sort {
        Sort::Name => " ORDER BY lower(name), auth_id",
        Sort::Newest => " ORDER BY vobiz_created_at DESC NULLS LAST, auth_id",
        Sort::Balance => " ORDER BY balance ASC NULLS LAST, lower(name)",
    });
    b.push(" LIMIT ");
    b.push_bind(i64::from(q.per_page));
    b.push(" OFFSET ");
    b.push_bind(i64::from(q.page.saturating_sub(1)) * i64::from(q.per_page));
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let rows: Vec<sqlx::postgres::PgRow> = b.build().fetch_all(&mut *tx).await.map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    let mut total = 0;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        use sqlx::Row as _;
        total = row.try_get::<i64, _>(16).map_err(internal)?;
        out.push(from_row(
            <Row as sqlx::FromRow<_>>::from_row(&row).map_err(internal)?,
        ));
    }
    if out.is_empty() && q.page > 1 {
        // The count is not known from an empty page; ask for it.
        let (_, all) = Box::pin(list(
            pool,
            tenant,
            &ListQuery {
                page: 1,
                per_page: 1,
                ..q.clone()
            },
        ))
        .await?;
        total = all;
    }
    Ok((out, total))
}

/// One mirrored account of `tenant`, if known.
pub async fn get(pool: &PgPool, tenant: Uuid, auth_id: &str) -> Result<Option<Account>, AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM vobiz_accounts WHERE auth_id = $1"
    ))
    .bind(auth_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(row.map(from_row))
}

/// A customer or sub-account of `tenant` by id: from the mirror, or (for an account the
/// mirror does not know yet) asked of Vobiz with the tenant's own credentials and
/// remembered. Anything else, including the pool and other tenants' accounts, is not found.
pub async fn find_customer(
    state: &AppState,
    tenant: Uuid,
    auth_id: &str,
) -> Result<Account, AppError> {
    let not_found = || AppError::NotFound("Customer".into());
    let id = auth_id.trim();
    let well_formed = (id.starts_with("MA_") || id.starts_with("SA_"))
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !well_formed {
        return Err(not_found());
    }
    if let Some(account) = get(&state.pool, tenant, id).await? {
        return match account.kind {
            Kind::Pool => Err(not_found()),
            _ => Ok(account),
        };
    }
    let conn = upstream::connection(state, tenant).await?;
    let found = if id.starts_with("MA_") {
        match conn.client.partner(&conn.partner).get_account(id).await {
            Ok(c) => Some(from_customer(&c)),
            Err(vobiz::client::Error::NotFound { .. }) => None,
            Err(e) => return Err(upstream::read_failed(e)),
        }
    } else if let Some(pool_creds) = conn.pool.as_ref() {
        match conn.client.account(pool_creds).get_sub_account(id).await {
            Ok(s) => Some(from_sub_account(&s, &pool_creds.auth_id)),
            Err(vobiz::client::Error::NotFound { .. } | vobiz::client::Error::Forbidden { .. }) => {
                None
            }
            Err(e) => return Err(upstream::read_failed(e)),
        }
    } else {
        None
    };
    let account = found.ok_or_else(not_found)?;
    remember(&state.pool, tenant, &account).await?;
    Ok(account)
}

fn credential_purpose(auth_id: &str) -> String {
    format!("vobiz.account_token:{auth_id}")
}

/// Seals and stores a customer account's token.
pub async fn store_credentials(
    conn: &mut PgConnection,
    vault: &super::vault::Vault,
    tenant: Uuid,
    credentials: &Credentials,
    source: &str,
) -> Result<(), sqlx::Error> {
    let token = SecretString::from(credentials.auth_token.expose_secret().to_owned());
    let sealed = vault.seal(tenant, &credential_purpose(&credentials.auth_id), &token);
    sqlx::query(
        "INSERT INTO vobiz_account_credentials (tenant_id, auth_id, key_id, nonce, token, token_mask, source)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant_id, auth_id) DO UPDATE SET key_id = excluded.key_id,
             nonce = excluded.nonce, token = excluded.token, token_mask = excluded.token_mask,
             source = excluded.source, stored_at = now()",
    )
    .bind(tenant)
    .bind(&credentials.auth_id)
    .bind(&sealed.key_id)
    .bind(&sealed.nonce)
    .bind(&sealed.ciphertext)
    .bind(mask(&token))
    .bind(source)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A customer account's credentials, for acting as that customer (buying numbers into its
/// account). Taken from the vault; the first time, fetched with the partner credentials
/// and sealed there.
pub async fn customer_credentials(
    state: &AppState,
    conn: &super::connections::TenantConnection,
    tenant: Uuid,
    auth_id: &str,
) -> Result<Credentials, AppError> {
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    let row: Option<(String, Vec<u8>, Vec<u8>)> = sqlx::query_as(
        "SELECT key_id, nonce, token FROM vobiz_account_credentials WHERE auth_id = $1",
    )
    .bind(auth_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    if let Some((key_id, nonce, ciphertext)) = row {
        let opened = state.vault.open(
            tenant,
            &credential_purpose(auth_id),
            &Sealed {
                key_id,
                nonce,
                ciphertext,
            },
        );
        match opened {
            Ok(token) => return Ok(Credentials::new(auth_id, token.expose_secret())),
            // Sealed under a key no longer configured (or damaged): the partner credentials
            // can fetch the token again, and it is sealed anew below.
            Err(error) => {
                tracing::warn!(%tenant, %auth_id, %error, "a stored customer token does not open; fetching it again from Vobiz");
            }
        }
    }
    let account = conn
        .client
        .partner(&conn.partner)
        .get_account(auth_id)
        .await
        .map_err(upstream::read_failed)?;
    let credentials = account.credentials().ok_or_else(|| {
        AppError::Invalid(
            "Vobiz did not return this customer's credentials, so the portal cannot act for it. Check the customer in the Vobiz Console.".into(),
        )
    })?;
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    store_credentials(&mut tx, &state.vault, tenant, &credentials, "fetched")
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(credentials)
}

/// Re-seals every stored customer token not under the vault's current key; `owner` sees
/// every tenant. Returns how many were re-sealed.
pub async fn rotate_credentials(
    owner: &PgPool,
    app: &PgPool,
    vault: &super::vault::Vault,
) -> Result<usize, sqlx::Error> {
    let stale: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT tenant_id, auth_id FROM vobiz_account_credentials WHERE key_id <> $1",
    )
    .bind(vault.current_key_id())
    .fetch_all(owner)
    .await?;
    let mut done = 0;
    for (tenant, auth_id) in stale {
        let mut tx = db::begin_for(app, tenant).await?;
        let (key_id, nonce, ciphertext): (String, Vec<u8>, Vec<u8>) = sqlx::query_as(
            "SELECT key_id, nonce, token FROM vobiz_account_credentials WHERE auth_id = $1 FOR UPDATE",
        )
        .bind(&auth_id)
        .fetch_one(&mut *tx)
        .await?;
        let purpose = credential_purpose(&auth_id);
        let Ok(token) = vault.open(
            tenant,
            &purpose,
            &Sealed {
                key_id,
                nonce,
                ciphertext,
            },
        ) else {
            tracing::error!(%tenant, %auth_id, "a stored customer token does not open with any configured key");
            continue;
        };
        let sealed = vault.seal(tenant, &purpose, &token);
        sqlx::query(
            "UPDATE vobiz_account_credentials SET key_id = $2, nonce = $3, token = $4 WHERE auth_id = $1",
        )
        .bind(&auth_id)
        .bind(&sealed.key_id)
        .bind(&sealed.nonce)
        .bind(&sealed.ciphertext)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        done += 1;
    }
    Ok(done)
}

/// Why a refresh was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The background schedule.
    Schedule,
    /// A person pressed "Refresh now".
    Manual,
    /// The portal changed something.
    Change,
    /// `server admin sync`.
    Command,
}

impl Trigger {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::Change => "change",
            Trigger::Command => "command",
        }
    }
}

/// How a refresh ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// Done: this many accounts were read.
    Done(usize),
    /// Another refresh of this tenant is running (here or on another instance).
    AlreadyRunning,
}

/// The latest refresh of a tenant's mirror, for "last refreshed" and progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    /// When the last successful refresh finished.
    pub last_ok_at: Option<DateTime<Utc>>,
    /// A refresh under way: (accounts read, accounts in all when known, started).
    pub running: Option<(i32, Option<i32>, DateTime<Utc>)>,
    /// The last refresh failed with this message.
    pub last_error: Option<String>,
}

/// Where the tenant's account refreshes stand.
pub async fn sync_status(pool: &PgPool, tenant: Uuid) -> Result<SyncStatus, AppError> {
    run_status(pool, tenant, "accounts").await
}

/// Where the tenant's refreshes of `kind` (`accounts`, `numbers`) stand.
pub async fn run_status(pool: &PgPool, tenant: Uuid, kind: &str) -> Result<SyncStatus, AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let last_ok: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT max(finished_at) FROM sync_runs WHERE kind = $1 AND status = 'ok'",
    )
    .bind(kind)
    .fetch_one(&mut *tx)
    .await
    .map_err(internal)?;
    let latest: Option<(String, i32, Option<i32>, DateTime<Utc>, Option<String>)> = sqlx::query_as(
        "SELECT status, done, total, started_at, error FROM sync_runs
             WHERE kind = 'accounts' ORDER BY started_at DESC, id DESC LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    let (running, last_error) = match latest {
        Some((status, done, total, started, _)) if status == "running" => {
            (Some((done, total, started)), None)
        }
        Some((status, _, _, _, error)) if status == "failed" => (None, error),
        _ => (None, None),
    };
    Ok(SyncStatus {
        last_ok_at: last_ok,
        running,
        last_error,
    })
}

pub(crate) async fn set_progress(
    pool: &PgPool,
    tenant: Uuid,
    run: i64,
    done: usize,
    total: Option<usize>,
) {
    let result = async {
        let mut tx = db::begin_for(pool, tenant).await?;
        sqlx::query("UPDATE sync_runs SET done = $2, total = coalesce($3, total) WHERE id = $1")
            .bind(run)
            .bind(done as i32)
            .bind(total.map(|t| t as i32))
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(%error, "could not record refresh progress");
    }
}

/// How many pages of one list are asked for at once.
pub const SYNC_CONCURRENCY: usize = 4;

/// Reads every customer account and sub-account of the tenant from Vobiz into the mirror,
/// and removes those Vobiz no longer lists. `progress` hears (read, total) as pages arrive.
pub async fn refresh(
    state: &AppState,
    tenant: Uuid,
    trigger: Trigger,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<Refresh, AppError> {
    let Some(mut run) = begin_run(state, tenant, "accounts", trigger).await? else {
        return Ok(Refresh::AlreadyRunning);
    };
    let result = walk(state, tenant, run.id, run.started, progress).await;
    end_run(
        state,
        tenant,
        &mut run,
        result.as_ref().map(|n| *n).map_err(|e| e.to_string()),
    )
    .await?;
    run.lock.commit().await.map_err(internal)?;
    result.map(Refresh::Done)
}

/// A refresh under way: its row in `sync_runs`, and the lock that keeps others out.
pub(crate) struct Run {
    pub(crate) id: i64,
    pub(crate) started: DateTime<Utc>,
    pub(crate) lock: sqlx::Transaction<'static, Postgres>,
}

/// Takes the tenant's lock for refreshes of `kind` and records the run, or `None` when
/// another refresh of it runs (here or on another instance).
pub(crate) async fn begin_run(
    state: &AppState,
    tenant: Uuid,
    kind: &str,
    trigger: Trigger,
) -> Result<Option<Run>, AppError> {
    // Held for the whole run; released when this transaction ends however the run ends.
    let mut lock = state.pool.begin().await.map_err(internal)?;
    let got: bool = sqlx::query_scalar(
        "SELECT pg_try_advisory_xact_lock(hashtextextended('sync:' || $2 || ':' || $1::text, 0))",
    )
    .bind(tenant)
    .bind(kind)
    .fetch_one(&mut *lock)
    .await
    .map_err(internal)?;
    if !got {
        return Ok(None);
    }
    let started = Utc::now();
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    // Holding the lock, no other refresh of this tenant runs: an older "running" row is a
    // run whose instance stopped.
    sqlx::query(
        "UPDATE sync_runs SET status = 'failed', error = 'interrupted', finished_at = now()
         WHERE kind = $1 AND status = 'running'",
    )
    .bind(kind)
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sync_runs (tenant_id, kind, trigger, status) VALUES ($1, $2, $3, 'running') RETURNING id",
    )
    .bind(tenant)
    .bind(kind)
    .bind(trigger.as_str())
    .fetch_one(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(Some(Run { id, started, lock }))
}

/// Records how a run ended.
pub(crate) async fn end_run(
    state: &AppState,
    tenant: Uuid,
    run: &mut Run,
    result: Result<usize, String>,
) -> Result<(), AppError> {
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    match result {
        Ok(count) => {
            sqlx::query(
                "UPDATE sync_runs SET status = 'ok', done = $2, total = $2, finished_at = now() WHERE id = $1",
            )
            .bind(run.id)
            .bind(count as i32)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        }
        Err(e) => {
            sqlx::query(
                "UPDATE sync_runs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1",
            )
            .bind(run.id)
            .bind(e)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        }
    }
    tx.commit().await.map_err(internal)
}

async fn walk(
    state: &AppState,
    tenant: Uuid,
    run: i64,
    started: DateTime<Utc>,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<usize, AppError> {
    let conn = upstream::connection(state, tenant).await?;
    let partner = conn.client.partner(&conn.partner);
    let page_of = |page: u32| AccountsQuery {
        page: Some(page),
        per_page: Some(MAX_PER_PAGE),
        search: None,
    };
    let first = partner
        .list_accounts(&page_of(1))
        .await
        .map_err(upstream::read_failed)?;
    let size = first
        .size
        .or(first.per_page)
        .filter(|s| *s > 0)
        .unwrap_or(MAX_PER_PAGE);
    let pages = first.total.div_ceil(u64::from(size)).clamp(1, 10_000) as u32;
    let mut total = first.total as usize;

    // Sub-accounts of the pool: one list, usually short.
    let mut subs: Vec<Account> = Vec::new();
    let mut pool_row: Option<Account> = None;
    if let Some(pool_creds) = conn.pool.as_ref() {
        let account = conn.client.account(pool_creds);
        let list = account
            .all_sub_accounts(SYNC_CONCURRENCY)
            .await
            .map_err(upstream::read_failed)?;
        subs = list
            .iter()
            .map(|s| from_sub_account(s, &pool_creds.auth_id))
            .collect();
        let currency = super::connections::summary(&state.pool, tenant)
            .await
            .map_err(internal)?
            .map(|s| s.currency)
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "INR".to_owned());
        let balance = account.balance(&currency).await.ok();
        pool_row = Some(Account {
            auth_id: pool_creds.auth_id.clone(),
            kind: Kind::Pool,
            parent_auth_id: None,
            name: "Number pool".into(),
            email: None,
            phone: None,
            company: None,
            country: None,
            currency: Some(currency),
            kyc_status: None,
            kyc_mode: None,
            business_type: None,
            balance: balance.map(|b| b.available_balance),
            is_active: true,
            created_at: None,
            synced_at: Utc::now(),
        });
        total += subs.len();
    }

    let mut done = 0usize;
    let write = |rows: Vec<Account>, read_at: DateTime<Utc>| {
        let pool = state.pool.clone();
        async move {
            let mut tx = db::begin_for(&pool, tenant).await.map_err(internal)?;
            upsert(&mut tx, tenant, &rows, read_at)
                .await
                .map_err(internal)?;
            tx.commit().await.map_err(internal)?;
            Ok::<usize, AppError>(rows.len())
        }
    };
    done += write(first.accounts.iter().map(from_customer).collect(), started).await?;
    progress(done, total);
    set_progress(&state.pool, tenant, run, done, Some(total)).await;
    let mut rest = futures::stream::iter(2..=pages)
        .map(|page| {
            let query = page_of(page);
            async move { partner.list_accounts(&query).await }
        })
        .buffer_unordered(SYNC_CONCURRENCY);
    while let Some(page) = rest.next().await {
        let page = page.map_err(upstream::read_failed)?;
        done += write(
            page.accounts.iter().map(from_customer).collect(),
            Utc::now(),
        )
        .await?;
        progress(done, total);
        set_progress(&state.pool, tenant, run, done, None).await;
    }
    done += write(subs, Utc::now()).await?;
    if let Some(pool_row) = pool_row {
        write(vec![pool_row], Utc::now()).await?;
    }
    progress(done, total);
    // Accounts Vobiz no longer lists (deleted sub-accounts) leave the mirror; rows written
    // during the run are newer than its start and stay.
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    sqlx::query("DELETE FROM vobiz_accounts WHERE synced_at < $1")
        .bind(started)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(done)
}

/// The most rows one export holds.
pub const EXPORT_LIMIT: u32 = 100_000;

/// The customers matching `q` (every page) as CSV, with cells a spreadsheet will not run as
/// formulas. Returns the body and the number of rows.
pub async fn export_csv(
    pool: &PgPool,
    tenant: Uuid,
    q: &ListQuery,
) -> Result<(Vec<u8>, usize), AppError> {
    use super::audit_view::csv_cell;
    let all = ListQuery {
        page: 1,
        per_page: EXPORT_LIMIT,
        ..q.clone()
    };
    let (rows, total) = list(pool, tenant, &all).await?;
    if total > i64::from(EXPORT_LIMIT) {
        return Err(AppError::Invalid(format!(
            "{total} customers match; one export holds at most {EXPORT_LIMIT}. Narrow the filters."
        )));
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "account_id",
        "kind",
        "name",
        "email",
        "phone",
        "company",
        "country",
        "currency",
        "kyc",
        "balance",
        "active",
        "created_at",
        "refreshed_at",
    ])
    .map_err(internal)?;
    for a in &rows {
        let cells = [
            a.auth_id.clone(),
            a.kind.as_str().to_owned(),
            a.name.clone(),
            a.email.clone().unwrap_or_default(),
            a.phone.clone().unwrap_or_default(),
            a.company.clone().unwrap_or_default(),
            a.country.clone().unwrap_or_default(),
            a.currency.clone().unwrap_or_default(),
            a.kyc_status
                .clone()
                .or_else(|| a.kyc_mode.clone())
                .unwrap_or_default(),
            a.balance
                .map(|b| b.round_dp(2).to_string())
                .unwrap_or_default(),
            a.is_active.to_string(),
            a.created_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            a.synced_at.to_rfc3339(),
        ];
        out.write_record(cells.iter().map(|c| csv_cell(c).into_owned()))
            .map_err(internal)?;
    }
    let body = out.into_inner().map_err(internal)?;
    Ok((body, rows.len()))
}
