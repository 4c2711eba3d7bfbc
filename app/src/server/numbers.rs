//! The tenant's numbers: a local mirror of every DID it holds (the pool's, the sub-accounts'
//! and the customers'), its sync from Vobiz, the oversight views over it, and the changes a
//! number goes through (unassign with its cool-off, release with its cancel window, bulk).
//!
//! The mirror is written from what Vobiz says: by a sync that walks Vobiz's lists with bounded
//! concurrency, and at once from the answers to the portal's own changes. A row written from a
//! later reading is never overwritten by an earlier one.

use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use rust_decimal::Decimal;
use serde_json::json;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;
use vobiz::client::{
    Credentials, Error as VobizError, NumberQuery, PhoneNumber, ReleaseOutcome, MAX_PER_PAGE,
};

use super::accounts::{self, Kind, Trigger};
use super::audit::{self, Actor, Entry, Outcome};
use super::auth::CurrentUser;
use super::connections::TenantConnection;
use super::db;
use super::state::AppState;
use super::upstream::{self, internal};
use crate::domain::customers::E164;
use crate::domain::policy::Action;
use crate::error::AppError;

/// Pages of one list asked for at once during a sync.
pub const SYNC_CONCURRENCY: usize = 8;

/// A number as the mirror holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    /// E.164.
    pub e164: String,
    /// Vobiz's id.
    pub number_id: String,
    /// Who holds it.
    pub owner_auth_id: String,
    /// Whose wallet pays it.
    pub billing_auth_id: String,
    /// The holder's name, when the customer mirror knows it.
    pub owner_name: Option<String>,
    /// The holder's kind.
    pub owner_kind: Option<Kind>,
    /// Country.
    pub country: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// `active`, `pending_release`, `blocked`, …
    pub status: String,
    /// Voice, SMS, MMS, fax.
    pub capabilities: [bool; 4],
    /// One-time fee.
    pub setup_fee: Decimal,
    /// Monthly rental.
    pub monthly_fee: Decimal,
    /// Currency.
    pub currency: Option<String>,
    /// Application calls route to.
    pub application_id: Option<String>,
    /// Voice enabled.
    pub voice_enabled: Option<bool>,
    /// Provider.
    pub provider: Option<String>,
    /// How it was obtained.
    pub source: Option<String>,
    /// Trial number.
    pub is_trial: bool,
    /// Minimum commitment.
    pub minimum_commitment_months: Option<i32>,
    /// Aadhaar required.
    pub aadhaar_required: bool,
    /// Aadhaar verified.
    pub aadhaar_verified: bool,
    /// Bought.
    pub purchased_at: Option<DateTime<Utc>>,
    /// Last charged.
    pub last_billing_date: Option<DateTime<Utc>>,
    /// Next charged.
    pub next_billing_date: Option<DateTime<Utc>>,
    /// SIP trunk group.
    pub trunk_group_id: Option<String>,
    /// End of a pending release's cancel window.
    pub release_cooldown_ends_at: Option<DateTime<Utc>>,
    /// Release fee charged.
    pub release_fee: Option<Decimal>,
    /// End of a cool-off Vobiz reported.
    pub cool_off_until: Option<DateTime<Utc>>,
    /// The billing wallet will not cover the rentals due in the next 14 days.
    pub at_risk: bool,
    /// Written from Vobiz at.
    pub synced_at: DateTime<Utc>,
}

/// The columns of [`Number`], over a set of numbers `n` with its holder `o`.
const COLUMNS: &str = "n.e164, n.number_id, n.owner_auth_id, n.billing_auth_id, o.name, o.kind,
    n.country, n.region, n.status, n.voice, n.sms, n.mms, n.fax, n.setup_fee, n.monthly_fee,
    n.currency, n.application_id, n.voice_enabled, n.provider, n.source, n.is_trial,
    n.minimum_commitment_months, n.aadhaar_required, n.aadhaar_verified, n.purchased_at,
    n.last_billing_date, n.next_billing_date, n.trunk_group_id, n.release_cooldown_ends_at,
    n.release_fee, n.cool_off_until,
    (n.status = 'active' AND n.next_billing_date <= now() + interval '14 days'
        AND n.billing_auth_id IN (SELECT billing_auth_id FROM short)) AS at_risk,
    n.synced_at";

/// Rentals due in the next 14 days per paying wallet, and the wallets that do not cover
/// them: small sets (numbers renewing soon only), so the filters need no joins.
const DUE: &str = "WITH due AS (
    SELECT billing_auth_id, sum(monthly_fee) AS due FROM numbers
    WHERE status = 'active' AND next_billing_date <= now() + interval '14 days'
    GROUP BY billing_auth_id),
  short AS (
    SELECT d.billing_auth_id FROM due d
    LEFT JOIN vobiz_accounts b ON b.auth_id = d.billing_auth_id
    WHERE d.due > coalesce(b.balance, 0))";

fn from_row(row: &sqlx::postgres::PgRow) -> Result<Number, sqlx::Error> {
    use sqlx::Row;
    Ok(Number {
        e164: row.try_get(0)?,
        number_id: row.try_get(1)?,
        owner_auth_id: row.try_get(2)?,
        billing_auth_id: row.try_get(3)?,
        owner_name: row.try_get(4)?,
        owner_kind: row
            .try_get::<Option<String>, _>(5)?
            .as_deref()
            .and_then(Kind::parse),
        country: row.try_get(6)?,
        region: row.try_get(7)?,
        status: row.try_get(8)?,
        capabilities: [
            row.try_get(9)?,
            row.try_get(10)?,
            row.try_get(11)?,
            row.try_get(12)?,
        ],
        setup_fee: row.try_get(13)?,
        monthly_fee: row.try_get(14)?,
        currency: row.try_get(15)?,
        application_id: row.try_get(16)?,
        voice_enabled: row.try_get(17)?,
        provider: row.try_get(18)?,
        source: row.try_get(19)?,
        is_trial: row.try_get(20)?,
        minimum_commitment_months: row.try_get(21)?,
        aadhaar_required: row.try_get(22)?,
        aadhaar_verified: row.try_get(23)?,
        purchased_at: row.try_get(24)?,
        last_billing_date: row.try_get(25)?,
        next_billing_date: row.try_get(26)?,
        trunk_group_id: row.try_get(27)?,
        release_cooldown_ends_at: row.try_get(28)?,
        release_fee: row.try_get(29)?,
        cool_off_until: row.try_get(30)?,
        at_risk: row.try_get::<Option<bool>, _>(31)?.unwrap_or(false),
        synced_at: row.try_get(32)?,
    })
}

/// Writes numbers Vobiz reported into the mirror, owned by `owner` when the answer does not
/// say. The paying wallet is the owner's, or its parent's for a sub-account.
pub async fn upsert(
    conn: &mut PgConnection,
    tenant: Uuid,
    numbers: &[PhoneNumber],
    owner: Option<&str>,
    read_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let rows: Vec<serde_json::Value> = numbers
        .iter()
        .filter_map(|n| {
            let holder = n.owner().or(owner)?;
            Some(json!({
                "e164": n.e164, "number_id": n.id, "owner": holder, "country": n.country,
                "region": n.region, "status": n.status.as_str(), "voice": n.capabilities.voice,
                "sms": n.capabilities.sms, "mms": n.capabilities.mms, "fax": n.capabilities.fax,
                "setup_fee": n.setup_fee.to_string(), "monthly_fee": n.monthly_fee.to_string(),
                "currency": n.currency, "application_id": n.application_id.clone().filter(|a| !a.is_empty()),
                "voice_enabled": n.voice_enabled, "provider": n.provider, "source": n.source,
                "tags": n.tags, "is_trial": n.is_trial_number,
                "minimum_commitment_months": n.minimum_commitment_months,
                "aadhaar_required": n.aadhaar_verification_required,
                "aadhaar_verified": n.aadhaar_verified, "purchased_at": n.purchased_at,
                "last_billing_date": n.last_billing_date, "next_billing_date": n.next_billing_date,
                "released_at": n.released_at, "trunk_group_id": n.trunk_group_id,
                "created_at": n.created_at, "updated_at": n.updated_at,
            }))
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        r#"
        INSERT INTO numbers (tenant_id, e164, number_id, owner_auth_id, billing_auth_id, country,
            region, status, voice, sms, mms, fax, setup_fee, monthly_fee, currency,
            application_id, voice_enabled, provider, source, tags, is_trial,
            minimum_commitment_months, aadhaar_required, aadhaar_verified, purchased_at,
            last_billing_date, next_billing_date, released_at, trunk_group_id, vobiz_created_at,
            vobiz_updated_at, synced_at)
        SELECT $1, x.e164, x.number_id, x.owner,
               coalesce((SELECT a.parent_auth_id FROM vobiz_accounts a
                         WHERE a.tenant_id = $1 AND a.auth_id = x.owner), x.owner),
               x.country, x.region, x.status, coalesce(x.voice, false), coalesce(x.sms, false),
               coalesce(x.mms, false), coalesce(x.fax, false), x.setup_fee, x.monthly_fee,
               x.currency, x.application_id, x.voice_enabled, x.provider, x.source,
               coalesce(x.tags, '[]'::jsonb), coalesce(x.is_trial, false),
               x.minimum_commitment_months, coalesce(x.aadhaar_required, false),
               coalesce(x.aadhaar_verified, false), x.purchased_at, x.last_billing_date,
               x.next_billing_date, x.released_at, x.trunk_group_id, x.created_at, x.updated_at, $3
        FROM jsonb_to_recordset($2) AS x(e164 text, number_id text, owner text, country text,
            region text, status text, voice boolean, sms boolean, mms boolean, fax boolean,
            setup_fee numeric, monthly_fee numeric, currency text, application_id text,
            voice_enabled boolean, provider text, source text, tags jsonb, is_trial boolean,
            minimum_commitment_months integer, aadhaar_required boolean, aadhaar_verified boolean,
            purchased_at timestamptz, last_billing_date timestamptz, next_billing_date timestamptz,
            released_at timestamptz, trunk_group_id text, created_at timestamptz,
            updated_at timestamptz)
        ON CONFLICT (tenant_id, e164) DO UPDATE SET
            number_id = excluded.number_id, owner_auth_id = excluded.owner_auth_id,
            billing_auth_id = excluded.billing_auth_id, country = excluded.country,
            region = excluded.region, status = excluded.status, voice = excluded.voice,
            sms = excluded.sms, mms = excluded.mms, fax = excluded.fax,
            setup_fee = excluded.setup_fee, monthly_fee = excluded.monthly_fee,
            currency = excluded.currency, application_id = excluded.application_id,
            voice_enabled = excluded.voice_enabled, provider = excluded.provider,
            source = excluded.source, tags = excluded.tags, is_trial = excluded.is_trial,
            minimum_commitment_months = excluded.minimum_commitment_months,
            aadhaar_required = excluded.aadhaar_required,
            aadhaar_verified = excluded.aadhaar_verified, purchased_at = excluded.purchased_at,
            last_billing_date = excluded.last_billing_date,
            next_billing_date = excluded.next_billing_date, released_at = excluded.released_at,
            trunk_group_id = excluded.trunk_group_id,
            vobiz_created_at = excluded.vobiz_created_at,
            vobiz_updated_at = excluded.vobiz_updated_at,
            release_cooldown_ends_at = CASE WHEN excluded.status = 'pending_release'
                THEN numbers.release_cooldown_ends_at END,
            release_fee = CASE WHEN excluded.status = 'pending_release' THEN numbers.release_fee END,
            synced_at = excluded.synced_at
        WHERE numbers.synced_at <= excluded.synced_at
        "#,
    )
    .bind(tenant)
    .bind(serde_json::Value::Array(rows))
    .bind(read_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn write(
    state: &AppState,
    tenant: Uuid,
    numbers: &[PhoneNumber],
    owner: Option<&str>,
    read_at: DateTime<Utc>,
) -> Result<usize, AppError> {
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    upsert(&mut tx, tenant, numbers, owner, read_at)
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(numbers.len())
}

/// Walks one paged number list: page 1, then the rest `SYNC_CONCURRENCY` at a time, writing
/// each page into the mirror as it arrives. Returns how many numbers were read.
async fn walk<F, Fut>(
    state: &AppState,
    tenant: Uuid,
    owner: Option<&str>,
    fetch: F,
    seen: &mut usize,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
    run: i64,
) -> Result<usize, VobizError>
where
    F: Fn(u32) -> Fut,
    Fut: std::future::Future<Output = Result<vobiz::client::NumbersPage, VobizError>>,
{
    let first = fetch(1).await?;
    let size = first.per_page.filter(|s| *s > 0).unwrap_or(MAX_PER_PAGE);
    let pages = first.total.div_ceil(u64::from(size)).clamp(1, 10_000) as u32;
    let total = first.total as usize;
    let write_page = |items: Vec<PhoneNumber>, at: DateTime<Utc>| async move {
        write(state, tenant, &items, owner, at).await
    };
    let mut read =
        write_page(first.items, Utc::now())
            .await
            .map_err(|e| VobizError::Transport {
                reason: e.to_string(),
            })?;
    *seen += read;
    progress(*seen, total);
    let fetch = &fetch;
    let mut rest = futures::stream::iter(2..=pages)
        .map(|page| async move { fetch(page).await })
        .buffer_unordered(SYNC_CONCURRENCY);
    while let Some(page) = rest.next().await {
        let page = page?;
        let n = write_page(page.items, Utc::now())
            .await
            .map_err(|e| VobizError::Transport {
                reason: e.to_string(),
            })?;
        read += n;
        *seen += n;
        progress(*seen, total.max(*seen));
        if *seen % 1000 < n {
            accounts::set_progress(&state.pool, tenant, run, *seen, None).await;
        }
    }
    Ok(read)
}

/// Reads every number the tenant holds from Vobiz into the mirror: the pool account's (with
/// its sub-accounts'), and the customers' (the partner's global list, or each customer's
/// when Vobiz does not offer the global one). Numbers no longer held leave the mirror.
pub async fn sync(
    state: &AppState,
    tenant: Uuid,
    trigger: Trigger,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<accounts::Refresh, AppError> {
    let Some(mut run) = accounts::begin_run(state, tenant, "numbers", trigger).await? else {
        return Ok(accounts::Refresh::AlreadyRunning);
    };
    let result = sync_walk(state, tenant, run.id, run.started, progress).await;
    accounts::end_run(
        state,
        tenant,
        &mut run,
        result.as_ref().map(|n| *n).map_err(|e| e.to_string()),
    )
    .await?;
    run.lock.commit().await.map_err(internal)?;
    result.map(accounts::Refresh::Done)
}

async fn sync_walk(
    state: &AppState,
    tenant: Uuid,
    run: i64,
    started: DateTime<Utc>,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<usize, AppError> {
    let conn = upstream::connection(state, tenant).await?;
    let mut seen = 0usize;
    let query = |page: u32| NumberQuery {
        page: Some(page),
        per_page: Some(MAX_PER_PAGE),
        search: None,
    };
    if let Some(pool) = conn.pool.as_ref() {
        let account = conn.client.account(pool);
        walk(
            state,
            tenant,
            Some(&pool.auth_id),
            |p| {
                let q = query(p);
                async move { account.numbers(&q).await }
            },
            &mut seen,
            progress,
            run,
        )
        .await
        .map_err(upstream::read_failed)?;
    }
    let partner = conn.client.partner(&conn.partner);
    let global = walk(
        state,
        tenant,
        None,
        |p| {
            let q = query(p);
            async move { partner.numbers(&q).await }
        },
        &mut seen,
        progress,
        run,
    )
    .await;
    match global {
        Ok(_) => {}
        Err(VobizError::NotFound { .. }) => {
            // No global list for this partner: each customer's list, a few at a time.
            let (customers, _) = accounts::list(
                &state.pool,
                tenant,
                &accounts::ListQuery {
                    search: None,
                    kind: Some(Kind::Customer),
                    kyc: None,
                    balance_below: None,
                    sort: accounts::Sort::Name,
                    page: 1,
                    per_page: 100_000,
                },
            )
            .await?;
            for c in customers {
                let id = c.auth_id.clone();
                walk(
                    state,
                    tenant,
                    Some(&id),
                    |p| {
                        let q = query(p);
                        let id = id.clone();
                        async move { partner.customer_numbers(&id, &q).await }
                    },
                    &mut seen,
                    progress,
                    run,
                )
                .await
                .map_err(upstream::read_failed)?;
            }
        }
        Err(e) => return Err(upstream::read_failed(e)),
    }
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    sqlx::query("DELETE FROM numbers WHERE synced_at < $1")
        .bind(started)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    let held: i64 = sqlx::query_scalar("SELECT count(*) FROM numbers")
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(held as usize)
}

/// Filters of the numbers views.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Held by, or billed to, this account.
    pub customer: Option<String>,
    /// Status.
    pub status: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Region (part of it).
    pub region: Option<String>,
    /// Part of the number.
    pub search: Option<String>,
    /// Only numbers that route nowhere.
    pub no_application: bool,
    /// Only numbers waiting for Aadhaar verification.
    pub aadhaar_pending: bool,
    /// Only numbers renewing within this many days.
    pub renewing_within_days: Option<u32>,
    /// Only numbers whose wallet will not cover the next 14 days of rentals.
    pub at_risk: bool,
    /// Only numbers held by the pool itself (free to assign).
    pub pool_free: bool,
}

/// One page of numbers matching `f`, and how many match in all.
pub async fn list(
    pool: &PgPool,
    tenant: Uuid,
    f: &Filters,
    page: u32,
    per_page: u32,
) -> Result<(Vec<Number>, i64), AppError> {
    // The page is chosen from the numbers alone (walking the primary key in order) and only
    // its rows are joined to their holders; the count is a query of its own. A window count
    // or joins before the limit would make every page materialise the whole matching set.
    let mut b: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "{DUE} SELECT {COLUMNS} FROM (SELECT * FROM numbers n WHERE n.tenant_id = "
    ));
    b.push_bind(tenant);
    push_filters(&mut b, f);
    b.push(" ORDER BY n.e164 LIMIT ");
    b.push_bind(i64::from(per_page));
    b.push(" OFFSET ");
    b.push_bind(i64::from(page.saturating_sub(1)) * i64::from(per_page));
    b.push(
        ") n LEFT JOIN vobiz_accounts o ON o.tenant_id = n.tenant_id AND o.auth_id = n.owner_auth_id
         ORDER BY n.e164",
    );
    let mut c: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "{DUE} SELECT count(*) FROM numbers n WHERE n.tenant_id = "
    ));
    c.push_bind(tenant);
    push_filters(&mut c, f);
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let rows = b.build().fetch_all(&mut *tx).await.map_err(internal)?;
    let total: i64 = c
        .build_query_scalar()
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    let out = rows
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()
        .map_err(internal)?;
    Ok((out, total))
}

fn like(s: &str) -> String {
    format!(
        "%{}%",
        s.trim()
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

fn push_filters(b: &mut QueryBuilder<'_, Postgres>, f: &Filters) {
    if let Some(c) = f.customer.as_deref() {
        b.push(" AND (n.owner_auth_id = ");
        b.push_bind(c.to_owned());
        b.push(" OR n.billing_auth_id = ");
        b.push_bind(c.to_owned());
        b.push(")");
    }
    if let Some(s) = f.status.as_deref() {
        b.push(" AND n.status = ");
        b.push_bind(s.to_owned());
    }
    if let Some(c) = f.country.as_deref() {
        b.push(" AND n.country = ");
        b.push_bind(c.to_owned());
    }
    if let Some(r) = f.region.as_deref() {
        b.push(" AND lower(coalesce(n.region, '')) LIKE ");
        b.push_bind(like(r));
    }
    if let Some(s) = f.search.as_deref() {
        b.push(" AND n.e164 LIKE ");
        b.push_bind(like(s.trim_start_matches('+')));
    }
    if f.no_application {
        b.push(" AND n.application_id IS NULL");
    }
    if f.aadhaar_pending {
        b.push(" AND n.aadhaar_required AND NOT n.aadhaar_verified");
    }
    if let Some(days) = f.renewing_within_days {
        b.push(" AND n.next_billing_date <= now() + make_interval(days => ");
        b.push_bind(days as i32);
        b.push(")");
    }
    if f.at_risk {
        b.push(" AND n.status = 'active' AND n.next_billing_date <= now() + interval '14 days' AND n.billing_auth_id IN (SELECT billing_auth_id FROM short)");
    }
    if f.pool_free {
        b.push(
            " AND n.owner_auth_id = n.billing_auth_id AND EXISTS (SELECT 1 FROM vobiz_accounts p
               WHERE p.tenant_id = n.tenant_id AND p.auth_id = n.owner_auth_id AND p.kind = 'pool')",
        );
    }
}

/// One number of the tenant's mirror.
pub async fn get(pool: &PgPool, tenant: Uuid, e164: &str) -> Result<Option<Number>, AppError> {
    let mut b: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "{DUE} SELECT {COLUMNS} FROM numbers n
         LEFT JOIN vobiz_accounts o ON o.tenant_id = n.tenant_id AND o.auth_id = n.owner_auth_id
         WHERE n.tenant_id = "
    ));
    b.push_bind(tenant);
    b.push(" AND n.e164 = ");
    b.push_bind(e164.to_owned());
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let row = b.build().fetch_optional(&mut *tx).await.map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    row.map(|r| from_row(&r)).transpose().map_err(internal)
}

/// Customers (customer accounts and sub-accounts) that hold no active number.
pub async fn idle_customers(
    pool: &PgPool,
    tenant: Uuid,
) -> Result<Vec<(String, String, String)>, AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let rows = sqlx::query_as(
        "SELECT a.auth_id, a.name, a.kind FROM vobiz_accounts a
         WHERE a.kind <> 'pool' AND NOT EXISTS (
             SELECT 1 FROM numbers n WHERE n.tenant_id = a.tenant_id AND n.status = 'active'
               AND (n.owner_auth_id = a.auth_id OR n.billing_auth_id = a.auth_id))
         ORDER BY lower(a.name) LIMIT 500",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(rows)
}

/// The most rows one export holds.
pub const EXPORT_LIMIT: u32 = 100_000;

/// The numbers matching `f` as CSV (every page). Returns the body and the number of rows.
pub async fn export_csv(
    pool: &PgPool,
    tenant: Uuid,
    f: &Filters,
) -> Result<(Vec<u8>, usize), AppError> {
    use super::audit_view::csv_cell;
    let (rows, total) = list(pool, tenant, f, 1, EXPORT_LIMIT).await?;
    if total > i64::from(EXPORT_LIMIT) {
        return Err(AppError::Invalid(format!(
            "{total} numbers match; one export holds at most {EXPORT_LIMIT}. Narrow the filters."
        )));
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "e164",
        "status",
        "holder",
        "holder_name",
        "billed_to",
        "country",
        "region",
        "setup_fee",
        "monthly_fee",
        "currency",
        "application_id",
        "aadhaar_pending",
        "next_billing_date",
        "renewal_at_risk",
    ])
    .map_err(internal)?;
    for n in &rows {
        let cells = [
            n.e164.clone(),
            n.status.clone(),
            n.owner_auth_id.clone(),
            n.owner_name.clone().unwrap_or_default(),
            n.billing_auth_id.clone(),
            n.country.clone().unwrap_or_default(),
            n.region.clone().unwrap_or_default(),
            n.setup_fee.round_dp(2).to_string(),
            n.monthly_fee.round_dp(2).to_string(),
            n.currency.clone().unwrap_or_default(),
            n.application_id.clone().unwrap_or_default(),
            (n.aadhaar_required && !n.aadhaar_verified).to_string(),
            n.next_billing_date
                .map(|d| d.to_rfc3339())
                .unwrap_or_default(),
            n.at_risk.to_string(),
        ];
        out.write_record(cells.iter().map(|c| csv_cell(c).into_owned()))
            .map_err(internal)?;
    }
    Ok((out.into_inner().map_err(internal)?, rows.len()))
}

/// Monthly DID cost per paying wallet, for invoicing: (account, name, numbers, monthly, currency).
pub async fn monthly_costs(
    pool: &PgPool,
    tenant: Uuid,
) -> Result<Vec<(String, Option<String>, i64, Decimal, Option<String>)>, AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let rows = sqlx::query_as(
        "SELECT n.billing_auth_id, a.name, count(*), sum(n.monthly_fee), min(n.currency)
         FROM numbers n LEFT JOIN vobiz_accounts a ON a.tenant_id = n.tenant_id AND a.auth_id = n.billing_auth_id
         WHERE n.status = 'active' GROUP BY n.billing_auth_id, a.name ORDER BY sum(n.monthly_fee) DESC",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(rows)
}

/// The credentials that may change `n`: the pool's for the pool's and its sub-accounts'
/// numbers, the customer's for a customer account's.
async fn holder_credentials(
    state: &AppState,
    conn: &TenantConnection,
    tenant: Uuid,
    n: &Number,
) -> Result<Credentials, AppError> {
    match conn.pool.as_ref() {
        Some(pool) if n.billing_auth_id == pool.auth_id => Ok(pool.clone()),
        _ => accounts::customer_credentials(state, conn, tenant, &n.billing_auth_id).await,
    }
}

/// A number of the tenant by its E.164 (mirror first, then a look at Vobiz through the sync of
/// one page), or not found.
pub async fn find(state: &AppState, tenant: Uuid, e164: &str) -> Result<Number, AppError> {
    let e164 = E164::parse(e164).map_err(|_| AppError::NotFound("Number".into()))?;
    get(&state.pool, tenant, e164.as_str())
        .await?
        .ok_or_else(|| AppError::NotFound("Number".into()))
}

fn entry(
    tenant: Uuid,
    actor: &Actor,
    action: &str,
    outcome: Outcome,
    n: &Number,
    params: serde_json::Value,
    error: Option<&VobizError>,
) -> Entry {
    let mut p =
        json!({ "e164": n.e164, "customer": n.owner_auth_id, "billed_to": n.billing_auth_id });
    if let (Some(map), serde_json::Value::Object(extra)) = (p.as_object_mut(), params) {
        map.extend(extra);
    }
    let mut e = Entry::new(tenant, actor, action, outcome)
        .target("number", &n.e164)
        .params(p);
    match error {
        Some(err) => {
            e.upstream_status = upstream::status_of(err);
            e.upstream_message = Some(err.to_string());
        }
        None => e.upstream_status = Some(200),
    }
    e
}

/// Why an unassignment did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnassignError {
    /// The number had a call in the last 15 days: it may leave the sub-account after `until`.
    CoolOff {
        /// When the cool-off ends.
        until: DateTime<Utc>,
        /// Seconds left.
        remaining_seconds: u64,
    },
    /// Refused, in words (or not signed in / not allowed / failed, as an app error).
    App(AppError),
}

impl From<AppError> for UnassignError {
    fn from(e: AppError) -> Self {
        UnassignError::App(e)
    }
}

/// The shortest reason a forced unassignment accepts.
pub const MIN_REASON_CHARS: usize = 10;

/// Moves a number from a sub-account back to the pool. Inside the 15-day cool-off it is
/// refused with the date it ends, unless an owner or admin forces it with a written reason
/// (which goes into the audit entry).
pub async fn unassign(
    state: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    e164: &str,
    force: bool,
    reason: &str,
) -> Result<(), UnassignError> {
    user.require(Action::AssignNumber)?;
    let reason = reason.trim();
    if force {
        user.require(Action::ForceUnassign)?;
        if reason.chars().count() < MIN_REASON_CHARS {
            return Err(AppError::Invalid(format!("Write why the cool-off is being overridden (at least {MIN_REASON_CHARS} characters); it goes into the audit log.")).into());
        }
    }
    let tenant = user.tenant_id;
    let n = find(state, tenant, e164).await?;
    if n.owner_kind != Some(Kind::SubAccount) {
        return Err(
            AppError::Invalid(format!("{} is not assigned to a sub-account.", n.e164)).into(),
        );
    }
    let conn = upstream::connection(state, tenant).await?;
    let pool = upstream::pool_of(&conn)?;
    let answer = conn
        .client
        .account(pool)
        .unassign_from_sub_account(&n.e164, force)
        .await;
    let params = json!({ "force": force, "reason": if force { Some(reason) } else { None }, "from_sub_account": n.owner_auth_id });
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    let result = match &answer {
        Ok(()) => {
            sqlx::query("UPDATE numbers SET owner_auth_id = billing_auth_id, cool_off_until = NULL, synced_at = now() WHERE e164 = $1")
                .bind(&n.e164).execute(&mut *tx).await.map_err(internal)?;
            audit::append(
                &mut tx,
                &entry(
                    tenant,
                    actor,
                    "number.unassign",
                    Outcome::Ok,
                    &n,
                    params,
                    None,
                ),
            )
            .await
            .map_err(internal)?;
            Ok(())
        }
        Err(err) => {
            let outcome = if err.outcome_unknown() {
                Outcome::Unknown
            } else {
                Outcome::Failed
            };
            let mut extra = params;
            if let VobizError::CoolOffInEffect {
                until,
                remaining_seconds,
                ..
            } = err
            {
                sqlx::query("UPDATE numbers SET cool_off_until = $2 WHERE e164 = $1")
                    .bind(&n.e164)
                    .bind(until)
                    .execute(&mut *tx)
                    .await
                    .map_err(internal)?;
                extra["cool_off_until"] = json!(until);
                extra["cool_off_remaining_seconds"] = json!(remaining_seconds);
            }
            audit::append(
                &mut tx,
                &entry(
                    tenant,
                    actor,
                    "number.unassign",
                    outcome,
                    &n,
                    extra,
                    Some(err),
                ),
            )
            .await
            .map_err(internal)?;
            Err(match err {
                VobizError::CoolOffInEffect { until, remaining_seconds, .. } => UnassignError::CoolOff { until: *until, remaining_seconds: *remaining_seconds },
                VobizError::Forbidden { .. } if force => UnassignError::App(AppError::Invalid("Vobiz refused to override the cool-off for this pool account (it needs the admin role at Vobiz).".into())),
                other => UnassignError::App(AppError::Invalid(format!("{} {} was not unassigned.", upstream::words(other), n.e164))),
            })
        }
    };
    tx.commit().await.map_err(internal)?;
    result
}

/// What releasing a number means, for the confirmation.
#[derive(Debug, Clone)]
pub struct ReleaseTerms {
    /// The number.
    pub number: Number,
    /// Vobiz's release fee, when known (the holder's pricing tier).
    pub fee: Option<Decimal>,
}

/// The release fee and windows of releasing `e164`, read from Vobiz where it says.
pub async fn release_terms(
    state: &AppState,
    user: &CurrentUser,
    e164: &str,
) -> Result<ReleaseTerms, AppError> {
    user.require(Action::ViewBusiness)?;
    let n = find(state, user.tenant_id, e164).await?;
    let conn = upstream::connection(state, user.tenant_id).await?;
    let fee = if conn
        .pool
        .as_ref()
        .is_some_and(|p| p.auth_id == n.billing_auth_id)
    {
        None
    } else {
        conn.client
            .partner(&conn.partner)
            .get_account(&n.billing_auth_id)
            .await
            .ok()
            .and_then(|a| a.pricing_tier)
            .and_then(|t| t.did_release_fee)
    };
    Ok(ReleaseTerms { number: n, fee })
}

/// How a release ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Released {
    /// In its cancel window until `until`.
    Pending {
        /// End of the window.
        until: Option<DateTime<Utc>>,
        /// Fee charged (refunded on cancel).
        fee: Option<Decimal>,
    },
    /// Released at once.
    Done {
        /// Fee charged.
        fee: Option<Decimal>,
    },
}

/// Releases (unrents) a number: by default into Vobiz's 24-hour cancellable window, or at
/// once with `immediate`. Audited either way.
pub async fn release(
    state: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    e164: &str,
    immediate: bool,
) -> Result<Released, AppError> {
    user.require(Action::ReleaseNumber)?;
    let tenant = user.tenant_id;
    let n = find(state, tenant, e164).await?;
    if n.status == "pending_release" {
        return Err(AppError::Invalid(format!(
            "{} is already being released.",
            n.e164
        )));
    }
    let conn = upstream::connection(state, tenant).await?;
    let creds = holder_credentials(state, &conn, tenant, &n).await?;
    let answer = conn
        .client
        .account(&creds)
        .release_number(&n.e164, immediate)
        .await;
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    let params = json!({ "immediate": immediate, "released_with": creds.auth_id });
    let result = match &answer {
        Ok(outcome) => {
            let released = match outcome {
                ReleaseOutcome::PendingRelease(p) => Released::Pending {
                    until: p.cooldown_ends_at,
                    fee: p.release_fee,
                },
                ReleaseOutcome::Released { release_fee, .. } => {
                    Released::Done { fee: *release_fee }
                }
                ReleaseOutcome::NoContent => Released::Done { fee: None },
            };
            match &released {
                Released::Pending { until, fee } => {
                    sqlx::query("UPDATE numbers SET status = 'pending_release', release_cooldown_ends_at = $2, release_fee = $3, synced_at = now() WHERE e164 = $1")
                        .bind(&n.e164).bind(until).bind(fee).execute(&mut *tx).await.map_err(internal)?;
                }
                Released::Done { .. } => {
                    sqlx::query("DELETE FROM numbers WHERE e164 = $1")
                        .bind(&n.e164)
                        .execute(&mut *tx)
                        .await
                        .map_err(internal)?;
                }
            }
            let mut p = params;
            match &released {
                Released::Pending { until, fee } => {
                    p["cancel_until"] = json!(until);
                    p["release_fee"] = json!(fee.map(|f| f.normalize().to_string()));
                }
                Released::Done { fee } => {
                    p["release_fee"] = json!(fee.map(|f| f.normalize().to_string()));
                }
            }
            audit::append(
                &mut tx,
                &entry(tenant, actor, "number.release", Outcome::Ok, &n, p, None),
            )
            .await
            .map_err(internal)?;
            Ok(released)
        }
        Err(err) => {
            let outcome = if err.outcome_unknown() {
                Outcome::Unknown
            } else {
                Outcome::Failed
            };
            audit::append(
                &mut tx,
                &entry(
                    tenant,
                    actor,
                    "number.release",
                    outcome,
                    &n,
                    params,
                    Some(err),
                ),
            )
            .await
            .map_err(internal)?;
            Err(AppError::Invalid(format!(
                "{} {} was not released.",
                upstream::words(err),
                n.e164
            )))
        }
    };
    tx.commit().await.map_err(internal)?;
    result
}

/// Cancels a pending release inside its window; Vobiz restores the number and refunds the fee.
pub async fn cancel_release(
    state: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    e164: &str,
) -> Result<Option<Decimal>, AppError> {
    user.require(Action::ReleaseNumber)?;
    let tenant = user.tenant_id;
    let n = find(state, tenant, e164).await?;
    if n.status != "pending_release" {
        return Err(AppError::Invalid(format!(
            "{} has no pending release to cancel.",
            n.e164
        )));
    }
    let conn = upstream::connection(state, tenant).await?;
    let creds = holder_credentials(state, &conn, tenant, &n).await?;
    let answer = conn.client.account(&creds).cancel_release(&n.e164).await;
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    let result = match &answer {
        Ok(c) => {
            sqlx::query("UPDATE numbers SET status = 'active', release_cooldown_ends_at = NULL, release_fee = NULL, synced_at = now() WHERE e164 = $1")
                .bind(&n.e164).execute(&mut *tx).await.map_err(internal)?;
            audit::append(&mut tx, &entry(tenant, actor, "number.cancel_release", Outcome::Ok, &n,
                json!({ "refund_amount": c.refund_amount.map(|r| r.normalize().to_string()), "refund_status": c.refund_status }), None)).await.map_err(internal)?;
            Ok(c.refund_amount)
        }
        Err(err) => {
            let outcome = if err.outcome_unknown() {
                Outcome::Unknown
            } else {
                Outcome::Failed
            };
            audit::append(
                &mut tx,
                &entry(
                    tenant,
                    actor,
                    "number.cancel_release",
                    outcome,
                    &n,
                    json!({}),
                    Some(err),
                ),
            )
            .await
            .map_err(internal)?;
            Err(AppError::Invalid(format!(
                "{} The release of {} was not cancelled (the 24-hour window may have passed).",
                upstream::words(err),
                n.e164
            )))
        }
    };
    tx.commit().await.map_err(internal)?;
    result
}

/// Writes one number Vobiz just returned (after a purchase, an assignment) into the mirror.
pub async fn remember(
    state: &AppState,
    tenant: Uuid,
    number: &PhoneNumber,
    owner: &str,
) -> Result<(), AppError> {
    write(
        state,
        tenant,
        std::slice::from_ref(number),
        Some(owner),
        Utc::now(),
    )
    .await
    .map(|_| ())
}

/// Records that `e164` is now held by `owner` (after an assignment).
pub async fn set_owner(
    state: &AppState,
    tenant: Uuid,
    e164: &str,
    owner: &str,
) -> Result<(), AppError> {
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    sqlx::query("UPDATE numbers SET owner_auth_id = $2, synced_at = now() WHERE e164 = $1")
        .bind(e164)
        .bind(owner)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)
}

/// The outcome of one number of a bulk action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkOutcome {
    /// The number.
    pub e164: String,
    /// Done, or what went wrong.
    pub result: Result<String, String>,
}

/// The most numbers one bulk action takes.
pub const BULK_LIMIT: usize = 200;

/// Releases or unassigns several numbers, one at a time; each is audited on its own and its
/// outcome reported.
pub async fn bulk(
    state: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    action: &str,
    e164s: &[String],
) -> Result<Vec<BulkOutcome>, AppError> {
    let mut list: Vec<String> = e164s
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    list.sort();
    list.dedup();
    if list.is_empty() {
        return Err(AppError::Invalid(
            "Tick the numbers to act on first.".into(),
        ));
    }
    if list.len() > BULK_LIMIT {
        return Err(AppError::Invalid(format!(
            "Act on at most {BULK_LIMIT} numbers at once."
        )));
    }
    match action {
        "release" => user.require(Action::ReleaseNumber)?,
        "unassign" => user.require(Action::AssignNumber)?,
        _ => return Err(AppError::Invalid("Choose release or unassign.".into())),
    };
    let mut out = Vec::with_capacity(list.len());
    for e164 in list {
        let result = match action {
            "release" => release(state, user, actor, &e164, false)
                .await
                .map(|r| match r {
                    Released::Pending { until: Some(u), .. } => format!(
                        "released; cancellable until {}",
                        u.format("%Y-%m-%d %H:%M UTC")
                    ),
                    _ => "released".to_owned(),
                })
                .map_err(|e| e.to_string()),
            _ => match unassign(state, user, actor, &e164, false, "").await {
                Ok(()) => Ok("back in the pool".to_owned()),
                Err(UnassignError::CoolOff { until, .. }) => Err(format!(
                    "in its cool-off until {}",
                    until.format("%Y-%m-%d %H:%M UTC")
                )),
                Err(UnassignError::App(e)) => Err(e.to_string()),
            },
        };
        out.push(BulkOutcome { e164, result });
    }
    Ok(out)
}

/// A human "3 days 4 hours" for a number of seconds.
pub fn remaining_words(seconds: u64) -> String {
    let d = Duration::seconds(seconds as i64);
    let (days, hours, minutes) = (d.num_days(), d.num_hours() % 24, d.num_minutes() % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes} minutes"),
        (0, h) => format!("{h} hours {minutes} minutes"),
        (d, h) => format!("{d} days {h} hours"),
    }
}
