//! Giving a customer a number: buying one from inventory into the customer's own account
//! (acting with its credentials from the vault) or into the pool for a sub-account, and
//! assigning pool numbers to sub-accounts.
//!
//! A purchase is an intent like a transfer: recorded under the confirmation's key before
//! Vobiz is asked, so a double click or a repeated post buys once; at most one purchase of a
//! number is open per tenant, so two colleagues cannot buy it at once; a lost answer is
//! `unknown` until the buyer's numbers show whether the number is theirs.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;
use vobiz::client::{
    Credentials, Error as VobizError, InventoryQuery, NumberQuery, PhoneNumber, PurchaseRequest,
};

use super::accounts::{self, Account, Kind};
use super::audit::{self, Actor, Entry, Outcome};
use super::auth::CurrentUser;
use super::connections::TenantConnection;
use super::db;
use super::state::AppState;
use super::upstream::{self, internal};
use crate::domain::customers::E164;
use crate::domain::policy::Action;
use crate::error::AppError;

/// Rows per page of the inventory.
pub const INVENTORY_PER_PAGE: u32 = 25;

/// Who pays and holds a number bought for a customer.
struct Buyer {
    /// The account the number is bought with (the customer account, or the pool).
    credentials: Credentials,
    /// The customer it is for (`MA_…` or `SA_…`).
    for_account: Account,
}

/// The account a number is bought for: a customer or sub-account of the tenant, or `pool`
/// for the tenant's pool account itself.
pub async fn target(state: &AppState, tenant: Uuid, customer: &str) -> Result<Account, AppError> {
    if customer.trim() != "pool" {
        return accounts::find_customer(state, tenant, customer).await;
    }
    let conn = upstream::connection(state, tenant).await?;
    let pool = upstream::pool_of(&conn)?;
    Ok(Account {
        auth_id: pool.auth_id.clone(),
        kind: Kind::Pool,
        parent_auth_id: None,
        name: "Number pool".into(),
        email: None,
        phone: None,
        company: None,
        country: None,
        currency: None,
        kyc_status: None,
        kyc_mode: None,
        business_type: None,
        balance: None,
        is_active: true,
        created_at: None,
        synced_at: Utc::now(),
    })
}

async fn buyer(
    state: &AppState,
    conn: &TenantConnection,
    tenant: Uuid,
    account: &Account,
) -> Result<Buyer, AppError> {
    let credentials = match account.kind {
        Kind::Customer => {
            accounts::customer_credentials(state, conn, tenant, &account.auth_id).await?
        }
        _ => upstream::pool_of(conn)?.clone(),
    };
    Ok(Buyer {
        credentials,
        for_account: account.clone(),
    })
}

/// Filters of the inventory.
#[derive(Debug, Clone, Default)]
pub struct InventoryFilters {
    /// ISO country code.
    pub country: Option<String>,
    /// Part of the number.
    pub search: Option<String>,
    /// Prefixes to leave out.
    pub exclude: Vec<String>,
    /// Page, from 1.
    pub page: u32,
}

/// One page of the inventory, as the customer (or the pool, for a sub-account) sees it.
pub async fn inventory(
    state: &AppState,
    user: &CurrentUser,
    customer: &str,
    filters: &InventoryFilters,
) -> Result<(Vec<PhoneNumber>, u64, Option<String>), AppError> {
    user.require(Action::ViewBusiness)?;
    let tenant = user.tenant_id;
    let account = target(state, tenant, customer).await?;
    let conn = upstream::connection(state, tenant).await?;
    let buyer = buyer(state, &conn, tenant, &account).await?;
    // Without a country chosen, the customer's own: numbers it can pay for in its currency.
    let country = filters
        .country
        .clone()
        .filter(|c| !c.is_empty())
        .or_else(|| account.country.clone().filter(|c| !c.is_empty()));
    let page = conn
        .client
        .account(&buyer.credentials)
        .inventory(&InventoryQuery {
            country: country.clone(),
            search: filters
                .search
                .as_deref()
                .map(|s| s.trim().trim_start_matches('+').to_owned())
                .filter(|s| !s.is_empty()),
            exclude: filters.exclude.clone(),
            page: Some(filters.page.max(1)),
            per_page: Some(INVENTORY_PER_PAGE),
        })
        .await
        .map_err(upstream::read_failed)?;
    Ok((page.items, page.total, country))
}

/// The currency of the wallet that pays for `account`'s numbers, when known.
async fn wallet_currency(
    state: &AppState,
    tenant: Uuid,
    account: &Account,
) -> Result<Option<String>, AppError> {
    Ok(match account.kind {
        Kind::Customer => account.currency.clone(),
        _ => super::connections::summary(&state.pool, tenant)
            .await
            .map_err(internal)?
            .map(|s| s.currency)
            .filter(|c| !c.is_empty()),
    })
}

fn currency_refusal(e164: &E164, number: &str, wallet: &str) -> String {
    format!("{e164} is priced in {number} and the wallet that would pay is in {wallet}; Vobiz does not convert currencies. Choose a number priced in {wallet}.")
}

/// What buying a number would debit, for the confirmation step.
#[derive(Debug, Clone)]
pub struct Quote {
    /// The number.
    pub number: PhoneNumber,
    /// Setup plus first month.
    pub cost: Decimal,
    /// Currency of the fees.
    pub currency: String,
    /// Whose wallet pays: the customer's name, or the pool account.
    pub paid_by: String,
    /// That wallet's balance now.
    pub wallet_balance: Option<Decimal>,
    /// The key the confirmation posts back.
    pub idempotency_key: Uuid,
}

async fn find_in_inventory(
    conn: &TenantConnection,
    credentials: &Credentials,
    e164: &E164,
) -> Result<Option<PhoneNumber>, AppError> {
    let page = conn
        .client
        .account(credentials)
        .inventory(&InventoryQuery {
            search: Some(e164.as_str().trim_start_matches('+').to_owned()),
            per_page: Some(10),
            ..InventoryQuery::default()
        })
        .await
        .map_err(upstream::read_failed)?;
    Ok(page.items.into_iter().find(|n| n.e164 == e164.as_str()))
}

async fn wallet_of(
    conn: &TenantConnection,
    buyer: &Buyer,
    currency: &str,
) -> Result<Option<Decimal>, AppError> {
    Ok(match buyer.for_account.kind {
        Kind::Customer => Some(
            conn.client
                .partner(&conn.partner)
                .account_balance(&buyer.for_account.auth_id)
                .await
                .map_err(upstream::read_failed)?
                .cash_credits,
        ),
        _ => conn
            .client
            .account(&buyer.credentials)
            .balance(currency)
            .await
            .ok()
            .map(|b| b.available_balance),
    })
}

/// Checks a number can be bought for the customer and says what it would debit from which
/// wallet; buys nothing.
pub async fn quote(
    state: &AppState,
    user: &CurrentUser,
    customer: &str,
    e164: &str,
) -> Result<Quote, AppError> {
    user.require(Action::PurchaseNumber)?;
    let tenant = user.tenant_id;
    let e164 = E164::parse(e164).map_err(AppError::Invalid)?;
    let account = target(state, tenant, customer).await?;
    let conn = upstream::connection(state, tenant).await?;
    let buyer = buyer(state, &conn, tenant, &account).await?;
    let number = find_in_inventory(&conn, &buyer.credentials, &e164)
        .await?
        .ok_or_else(|| {
            AppError::Invalid(format!(
                "{e164} is not in the inventory any more (someone may have bought it). Choose another number."
            ))
        })?;
    let currency = number.currency.clone().unwrap_or_else(|| "USD".into());
    if let Some(wallet) = wallet_currency(state, tenant, &account).await? {
        if wallet != currency {
            return Err(AppError::Invalid(currency_refusal(
                &e164, &currency, &wallet,
            )));
        }
    }
    let balance = wallet_of(&conn, &buyer, &currency).await?;
    Ok(Quote {
        cost: number.setup_fee + number.monthly_fee,
        currency,
        paid_by: match account.kind {
            Kind::Customer => format!("{}'s wallet", account.name),
            _ => "the pool account's wallet".to_owned(),
        },
        wallet_balance: balance,
        number,
        idempotency_key: Uuid::new_v4(),
    })
}

/// Where a purchase stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PurchaseState {
    /// Vobiz is being asked.
    Pending,
    /// Bought.
    Completed,
    /// Not bought; nothing was debited.
    Failed(String),
    /// The answer was lost; reconciliation tells.
    Unknown(String),
}

/// A purchase as recorded.
#[derive(Debug, Clone)]
pub struct Purchase {
    /// The intent.
    pub id: Uuid,
    /// The number.
    pub e164: String,
    /// The customer it is for.
    pub for_auth_id: String,
    /// What it was expected to cost.
    pub expected_cost: Decimal,
    /// Currency.
    pub currency: String,
    /// Where it stands.
    pub state: PurchaseState,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// The number was bought into the pool but could not be assigned to the sub-account.
    pub assignment_error: Option<String>,
}

type Row = (
    Uuid,
    String,
    String,
    Decimal,
    String,
    String,
    Option<String>,
    DateTime<Utc>,
);

fn from_row(r: Row) -> Purchase {
    let error = r.6.unwrap_or_default();
    Purchase {
        id: r.0,
        e164: r.1,
        for_auth_id: r.2,
        expected_cost: r.3,
        currency: r.4,
        state: match r.5.as_str() {
            "completed" => PurchaseState::Completed,
            "failed" => PurchaseState::Failed(error),
            "unknown" => PurchaseState::Unknown(error),
            _ => PurchaseState::Pending,
        },
        created_at: r.7,
        assignment_error: None,
    }
}

const COLUMNS: &str = "id, e164, for_auth_id, expected_cost, currency, state, error, created_at";

async fn load(
    pool: &sqlx::PgPool,
    tenant: Uuid,
    sql_where: &str,
    id: Uuid,
) -> Result<Option<Purchase>, AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM number_purchases WHERE {sql_where} = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(row.map(from_row))
}

/// The tenant's purchases for one customer, newest first.
pub async fn list_for(
    pool: &sqlx::PgPool,
    tenant: Uuid,
    customer: &str,
) -> Result<Vec<Purchase>, AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM number_purchases WHERE for_auth_id = $1 ORDER BY created_at DESC LIMIT 50"
    ))
    .bind(customer)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(rows.into_iter().map(from_row).collect())
}

fn failure_words(error: &VobizError, e164: &str) -> String {
    match error {
        VobizError::NotFound { .. } => format!(
            "{e164} is no longer in the inventory: someone else bought it first. Nothing was debited; choose another number."
        ),
        VobizError::InsufficientBalance { .. } => format!(
            "The wallet does not cover {e164}'s setup fee and first month, so Vobiz did not sell it and debited nothing. Fund the wallet, then buy again."
        ),
        other => format!("{} Nothing was bought.", upstream::words(other)),
    }
}

/// Buys `e164` for the customer once per `key`, then (for a sub-account) assigns it from
/// the pool. Refusals before the call are audited as denied and record nothing.
pub async fn purchase(
    state: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    customer: &str,
    e164: &str,
    key: &str,
) -> Result<Purchase, AppError> {
    user.require(Action::PurchaseNumber)?;
    let tenant = user.tenant_id;
    let key = Uuid::parse_str(key.trim()).map_err(|_| {
        AppError::Invalid(
            "This confirmation is not valid any more. Choose the number again.".into(),
        )
    })?;
    let e164 = E164::parse(e164).map_err(AppError::Invalid)?;
    if let Some(existing) = load(&state.pool, tenant, "idempotency_key", key).await? {
        if existing.e164 == e164.as_str() && existing.for_auth_id == customer.trim() {
            return Ok(existing);
        }
        return Err(AppError::Invalid(
            "This confirmation was already used for another number. Choose the number again."
                .into(),
        ));
    }
    let account = target(state, tenant, customer).await?;
    let conn = upstream::connection(state, tenant).await?;
    let buyer = buyer(state, &conn, tenant, &account).await?;
    let denied = |message: String| {
        let mut entry = Entry::new(tenant, actor, "number.purchase", Outcome::Denied)
            .target("number", e164.as_str())
            .params(serde_json::json!({
                "e164": e164.as_str(), "customer": account.auth_id, "idempotency_key": key,
            }));
        entry.upstream_message = Some(message.clone());
        (entry, AppError::Invalid(message))
    };
    // A second post of this confirmation may have arrived while the first was buying: it is
    // the same purchase, not a refusal.
    let same = || async {
        load(&state.pool, tenant, "idempotency_key", key)
            .await
            .map(|p| p.filter(|p| p.e164 == e164.as_str()))
    };
    let Some(number) = find_in_inventory(&conn, &buyer.credentials, &e164).await? else {
        if let Some(p) = same().await? {
            return Ok(p);
        }
        let (entry, e) = denied(format!(
            "{e164} is not in the inventory any more (someone may have bought it). Choose another number."
        ));
        audit::record(&state.pool, &entry).await.map_err(internal)?;
        return Err(e);
    };
    let cost = number.setup_fee + number.monthly_fee;
    let currency = number.currency.clone().unwrap_or_else(|| "USD".into());
    if let Some(wallet) = wallet_currency(state, tenant, &account).await? {
        if wallet != currency {
            let (entry, e) = denied(currency_refusal(&e164, &currency, &wallet));
            audit::record(&state.pool, &entry).await.map_err(internal)?;
            return Err(e);
        }
    }
    if let Some(balance) = wallet_of(&conn, &buyer, &currency).await? {
        if balance < cost {
            if let Some(p) = same().await? {
                return Ok(p);
            }
            let (entry, e) = denied(format!(
                "{e164} costs {cost} {currency} now (setup and first month) and the wallet holds {} {currency}. Fund the wallet first.",
                balance.round_dp(2)
            ));
            audit::record(&state.pool, &entry).await.map_err(internal)?;
            return Err(e);
        }
    }
    let id = Uuid::new_v4();
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    let inserted = sqlx::query(
        "INSERT INTO number_purchases (id, tenant_id, idempotency_key, e164, buyer_auth_id,
             for_auth_id, expected_cost, currency, state, requested_by, requested_by_email)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10)",
    )
    .bind(id)
    .bind(tenant)
    .bind(key)
    .bind(e164.as_str())
    .bind(&buyer.credentials.auth_id)
    .bind(&account.auth_id)
    .bind(cost)
    .bind(&currency)
    .bind(user.id)
    .bind(&user.email)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => tx.commit().await.map_err(internal)?,
        Err(e) if db::is_unique_violation(&e, "number_purchases_key") => {
            drop(tx);
            return load(&state.pool, tenant, "idempotency_key", key)
                .await?
                .ok_or_else(|| internal("purchase intent vanished"));
        }
        Err(e) if db::is_unique_violation(&e, "number_purchases_one_open") => {
            drop(tx);
            if let Some(p) = same().await? {
                return Ok(p);
            }
            let (entry, e) = denied(format!(
                "Someone in your organisation is buying {e164} right now. Wait for that purchase to finish."
            ));
            audit::record(&state.pool, &entry).await.map_err(internal)?;
            return Err(e);
        }
        Err(e) => return Err(internal(e)),
    }
    let answer = conn
        .client
        .account(&buyer.credentials)
        .purchase_from_inventory(&PurchaseRequest {
            e164: e164.as_str().to_owned(),
            currency: Some(currency.clone()),
        })
        .await;
    let params = serde_json::json!({
        "e164": e164.as_str(), "customer": account.auth_id, "bought_with": buyer.credentials.auth_id,
        "expected_cost": cost.to_string(), "currency": currency, "idempotency_key": key,
        "purchase_id": id,
    });
    let (state_name, error, outcome, status, message) = match &answer {
        Ok(_) => ("completed", None, Outcome::Ok, Some(200), None),
        Err(err) if err.outcome_unknown() => (
            "unknown",
            Some(format!("{} Whether {e164} was bought is not known yet; the portal checks the account's numbers before anything is tried again.", upstream::words(err))),
            Outcome::Unknown,
            upstream::status_of(err),
            Some(err.to_string()),
        ),
        Err(err) => (
            "failed",
            Some(failure_words(err, e164.as_str())),
            Outcome::Failed,
            upstream::status_of(err).or(Some(500)),
            Some(err.to_string()),
        ),
    };
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    sqlx::query(
        "UPDATE number_purchases SET state = $2, error = $3, updated_at = now(),
             resolved_at = CASE WHEN $2 IN ('completed', 'failed') THEN now() END
         WHERE id = $1",
    )
    .bind(id)
    .bind(state_name)
    .bind(&error)
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    let mut entry = Entry::new(tenant, actor, "number.purchase", outcome)
        .target("number", e164.as_str())
        .params(params);
    entry.upstream_status = status;
    entry.upstream_message = message;
    audit::append(&mut tx, &entry).await.map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    if let Ok(done) = &answer {
        super::numbers::remember(state, tenant, &done.number, &buyer.credentials.auth_id).await?;
    }
    let mut bought = load(&state.pool, tenant, "id", id)
        .await?
        .ok_or_else(|| internal("purchase vanished"))?;
    if answer.is_ok() && account.kind == Kind::SubAccount {
        if let Err(e) = assign(state, user, actor, &account.auth_id, e164.as_str()).await {
            bought.assignment_error = Some(e.to_string());
        }
    }
    Ok(bought)
}

/// How long a `pending` purchase is left alone before reconciliation treats it as lost.
pub const PENDING_GRACE: Duration = Duration::minutes(2);

/// Settles a pending or unknown purchase by reading the buyer's numbers: the number is
/// theirs (completed) or it is not (failed, nothing debited for it).
pub async fn reconcile(
    state: &AppState,
    tenant: Uuid,
    id: Uuid,
    actor: &Actor,
) -> Result<Purchase, AppError> {
    let p = load(&state.pool, tenant, "id", id)
        .await?
        .ok_or_else(|| AppError::NotFound("Purchase".into()))?;
    let open = match p.state {
        PurchaseState::Unknown(_) => true,
        PurchaseState::Pending => Utc::now() - p.created_at >= PENDING_GRACE,
        _ => false,
    };
    if !open {
        return Ok(p);
    }
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    let buyer_id: String =
        sqlx::query_scalar("SELECT buyer_auth_id FROM number_purchases WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    let conn = upstream::connection(state, tenant).await?;
    let credentials = match conn.pool.as_ref().filter(|c| c.auth_id == buyer_id) {
        Some(c) => c.clone(),
        None => accounts::customer_credentials(state, &conn, tenant, &buyer_id).await?,
    };
    let page = conn
        .client
        .account(&credentials)
        .numbers(&NumberQuery {
            page: Some(1),
            per_page: Some(20),
            search: Some(p.e164.trim_start_matches('+').to_owned()),
        })
        .await
        .map_err(upstream::read_failed)?;
    let found = page.items.iter().find(|n| n.e164 == p.e164);
    if let Some(n) = found {
        super::numbers::remember(state, tenant, n, &buyer_id).await?;
    }
    let owned = found.is_some();
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    if owned {
        sqlx::query(
            "UPDATE number_purchases SET state = 'completed', error = NULL, updated_at = now(), resolved_at = now()
             WHERE id = $1 AND state IN ('pending', 'unknown')",
        )
    } else {
        sqlx::query(
            "UPDATE number_purchases SET state = 'failed',
                 error = 'Vobiz shows the number is not in the account, so it was not bought and nothing was debited for it.',
                 updated_at = now(), resolved_at = now()
             WHERE id = $1 AND state IN ('pending', 'unknown')",
        )
    }
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    let mut entry = Entry::new(
        tenant,
        actor,
        "number.purchase_reconcile",
        if owned { Outcome::Ok } else { Outcome::Failed },
    )
    .target("number", &p.e164)
    .params(serde_json::json!({ "e164": p.e164, "customer": p.for_auth_id, "purchase_id": id }));
    entry.upstream_status = Some(200);
    entry.upstream_message = Some(
        if owned {
            "the number is in the account: bought"
        } else {
            "the number is not in the account: not bought"
        }
        .into(),
    );
    audit::append(&mut tx, &entry).await.map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    load(&state.pool, tenant, "id", id)
        .await?
        .ok_or_else(|| internal("purchase vanished"))
}

/// Reconciles the tenant's open purchases. Returns how many were settled.
pub async fn reconcile_open(state: &AppState, tenant: Uuid) -> Result<usize, AppError> {
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM number_purchases WHERE state IN ('pending', 'unknown') ORDER BY created_at LIMIT 200",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    let actor = Actor {
        role: Some("reconciler".into()),
        ..Actor::default()
    };
    let mut settled = 0;
    for id in ids {
        match reconcile(state, tenant, id, &actor).await {
            Ok(p) if !matches!(p.state, PurchaseState::Pending | PurchaseState::Unknown(_)) => {
                settled += 1
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(purchase = %id, %error, "reconciling a purchase failed; trying later")
            }
        }
    }
    Ok(settled)
}

/// Pool numbers not assigned to any sub-account, for giving one to a sub-account.
pub async fn pool_free_numbers(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Vec<PhoneNumber>, AppError> {
    user.require(Action::ViewBusiness)?;
    let conn = upstream::connection(state, user.tenant_id).await?;
    let pool = upstream::pool_of(&conn)?;
    let mut free: Vec<PhoneNumber> = conn
        .client
        .account(pool)
        .all_numbers(None, accounts::SYNC_CONCURRENCY)
        .await
        .map_err(upstream::read_failed)?
        .into_iter()
        .filter(|n| n.owner() == Some(pool.auth_id.as_str()))
        .filter(|n| n.status == vobiz::client::NumberStatus::Active)
        .collect();
    free.sort_by(|a, b| a.e164.cmp(&b.e164));
    Ok(free)
}

/// Assigns a pool number to a sub-account, and audits it.
pub async fn assign(
    state: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    sub_account: &str,
    e164: &str,
) -> Result<(), AppError> {
    user.require(Action::AssignNumber)?;
    let tenant = user.tenant_id;
    let e164 = E164::parse(e164).map_err(AppError::Invalid)?;
    let account = accounts::find_customer(state, tenant, sub_account).await?;
    if account.kind != Kind::SubAccount {
        return Err(AppError::Invalid(
            "Pool numbers are assigned to sub-accounts. A customer account buys its own numbers."
                .into(),
        ));
    }
    let conn = upstream::connection(state, tenant).await?;
    let pool = upstream::pool_of(&conn)?;
    let answer = conn
        .client
        .account(pool)
        .assign_to_sub_account(e164.as_str(), &account.auth_id)
        .await;
    let (outcome, status, message) = match &answer {
        Ok(()) => (Outcome::Ok, Some(200), None),
        Err(e) if e.outcome_unknown() => (
            Outcome::Unknown,
            upstream::status_of(e),
            Some(e.to_string()),
        ),
        Err(e) => (Outcome::Failed, upstream::status_of(e), Some(e.to_string())),
    };
    let mut entry = Entry::new(tenant, actor, "number.assign", outcome)
        .target("number", e164.as_str())
        .params(serde_json::json!({ "e164": e164.as_str(), "customer": account.auth_id, "pool": pool.auth_id }));
    entry.upstream_status = status;
    entry.upstream_message = message;
    audit::record(&state.pool, &entry).await.map_err(internal)?;
    if answer.is_ok() {
        super::numbers::set_owner(state, tenant, e164.as_str(), &account.auth_id).await?;
    }
    answer.map_err(|e| {
        AppError::Invalid(match e {
            VobizError::NotFound { .. } => format!(
                "{e164} is not a free number of the pool (it may be assigned already). Choose another."
            ),
            other => format!("{} {e164} was not assigned.", upstream::words(&other)),
        })
    })
}
