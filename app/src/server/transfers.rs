//! Wallet transfers from the partner to a customer, exactly once.
//!
//! Vobiz offers no idempotency key for transfers, so each is an intent of ours, in this order:
//! 1. the intent is recorded (`pending`) under the key the confirmation form carried — a
//!    repeated post with that key finds it and never calls Vobiz again;
//! 2. Vobiz is asked once; the description carries the intent's marker (`ref TR-…`);
//! 3. the outcome is recorded: `completed`, `failed`, or `unknown` when the answer was lost
//!    (timeout, dropped connection, 5xx). An unknown transfer is never sent again blindly:
//!    reconciliation looks for its marker in the customer's ledger and settles it as
//!    completed (found) or failed (not there, so nothing moved).
//!
//! Every attempt and outcome is in the audit log.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use std::str::FromStr;
use uuid::Uuid;
use vobiz::client::{CustomerTransactionsQuery, TransactionType, TransferRequest};

use super::accounts::{self, Kind};
use super::audit::{self, Actor, Entry, Outcome};
use super::auth::CurrentUser;
use super::db;
use super::state::AppState;
use super::upstream::{self, internal};
use crate::domain::customers::Amount;
use crate::domain::policy::Action;
use crate::error::AppError;

/// The longest note a transfer may carry.
pub const MAX_NOTE_CHARS: usize = 120;

/// Where a transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Recorded; Vobiz is being asked.
    Pending,
    /// Vobiz moved the money.
    Completed,
    /// Vobiz did not move the money.
    Failed,
    /// The answer was lost; reconciliation will tell.
    Unknown,
}

impl State {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Completed => "completed",
            State::Failed => "failed",
            State::Unknown => "unknown",
        }
    }

    fn parse(s: &str) -> State {
        match s {
            "completed" => State::Completed,
            "failed" => State::Failed,
            "unknown" => State::Unknown,
            _ => State::Pending,
        }
    }
}

/// A transfer as recorded.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// The intent's id.
    pub id: Uuid,
    /// The key of the confirmation that asked for it.
    pub idempotency_key: Uuid,
    /// The customer account.
    pub customer_auth_id: String,
    /// Amount.
    pub amount: Decimal,
    /// Currency.
    pub currency: String,
    /// The note.
    pub note: String,
    /// The marker in Vobiz's description.
    pub marker: String,
    /// Where it stands.
    pub state: State,
    /// Vobiz's transaction id (or ledger entry id, when found by reconciliation).
    pub vobiz_transaction_id: Option<String>,
    /// Partner wallet after, as Vobiz reported it.
    pub partner_balance_after: Option<Decimal>,
    /// Customer wallet after, as Vobiz reported it.
    pub customer_balance_after: Option<Decimal>,
    /// Why it failed or is unknown.
    pub error: Option<String>,
    /// Who asked.
    pub requested_by_email: Option<String>,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// When it was settled.
    pub resolved_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, idempotency_key, customer_auth_id, amount, currency, note, marker, \
    state, vobiz_transaction_id, partner_balance_after, customer_balance_after, error, \
    requested_by_email, created_at, resolved_at";

type Row = (
    Uuid,
    Uuid,
    String,
    Decimal,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<Decimal>,
    Option<Decimal>,
    Option<String>,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

fn from_row(r: Row) -> Transfer {
    Transfer {
        id: r.0,
        idempotency_key: r.1,
        customer_auth_id: r.2,
        amount: r.3,
        currency: r.4,
        note: r.5,
        marker: r.6,
        state: State::parse(&r.7),
        vobiz_transaction_id: r.8,
        partner_balance_after: r.9,
        customer_balance_after: r.10,
        error: r.11,
        requested_by_email: r.12,
        created_at: r.13,
        resolved_at: r.14,
    }
}

/// The description Vobiz puts in both ledgers: the note and the marker reconciliation
/// looks for.
pub fn description(note: &str, marker: &str) -> String {
    let note = note.trim();
    if note.is_empty() {
        format!("Wallet top-up · ref {marker}")
    } else {
        format!("{note} · ref {marker}")
    }
}

/// What a transfer would do, for the confirmation step: both balances before and after.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The customer's name.
    pub customer_name: String,
    /// The amount.
    pub amount: Decimal,
    /// The currency (the partner's).
    pub currency: String,
    /// The note.
    pub note: String,
    /// The partner wallet now.
    pub partner_balance: Decimal,
    /// The customer wallet now.
    pub customer_balance: Decimal,
    /// The key the confirmation posts back, so a repeat of it is the same transfer.
    pub idempotency_key: Uuid,
}

fn parse_amount(amount: &str) -> Result<Decimal, AppError> {
    let amount = Amount::parse(amount).map_err(|m| AppError::Invalid(format!("Amount: {m}")))?;
    Decimal::from_str(amount.as_str()).map_err(internal)
}

fn check_note(note: &str) -> Result<String, AppError> {
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::Invalid(format!(
            "Keep the note to {MAX_NOTE_CHARS} characters; it appears in both ledgers."
        )));
    }
    if note.chars().any(char::is_control) {
        return Err(AppError::Invalid(
            "The note must be a single line of text.".into(),
        ));
    }
    Ok(note.to_owned())
}

/// Everything checked before Vobiz is asked: permission, a customer account of this tenant,
/// the partner's flag, matching currencies, and an amount within the partner's balance.
struct Checked {
    customer_name: String,
    amount: Decimal,
    currency: String,
    note: String,
    partner_balance: Decimal,
    conn: super::connections::TenantConnection,
}

async fn check(
    state: &AppState,
    user: &CurrentUser,
    customer: &str,
    amount: &str,
    note: &str,
) -> Result<Checked, AppError> {
    user.require(Action::TransferFunds)?;
    let tenant = user.tenant_id;
    let account = accounts::find_customer(state, tenant, customer).await?;
    if account.kind != Kind::Customer {
        return Err(AppError::Invalid(
            "Sub-accounts have no wallet of their own: their numbers are billed to the pool account. Transfers go to customer accounts.".into(),
        ));
    }
    let amount = parse_amount(amount)?;
    let note = check_note(note)?;
    let conn = upstream::connection(state, tenant).await?;
    let profile = conn
        .client
        .partner(&conn.partner)
        .me()
        .await
        .map_err(upstream::read_failed)?;
    if !profile.can_transfer_balance {
        return Err(AppError::Invalid(
            "Vobiz does not let this partner account transfer balance to customers. Ask Vobiz to enable it.".into(),
        ));
    }
    let currency = match profile.currency.clone().filter(|c| !c.is_empty()) {
        Some(c) => c,
        None => super::connections::summary(&state.pool, tenant)
            .await
            .map_err(internal)?
            .map(|s| s.currency)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| AppError::Invalid("Vobiz did not say the partner wallet's currency; test the connection under Settings → Vobiz connection.".into()))?,
    };
    if let Some(customer_currency) = account.currency.as_deref() {
        if customer_currency != currency {
            return Err(AppError::Invalid(format!(
                "{}'s wallet is in {customer_currency} and the partner wallet in {currency}; Vobiz does not convert currencies.",
                account.name
            )));
        }
    }
    if amount > profile.balance {
        return Err(AppError::Invalid(format!(
            "The partner wallet holds {} {currency}, less than {} {currency}. Top up the partner wallet or send less.",
            profile.balance.round_dp(2),
            amount
        )));
    }
    Ok(Checked {
        customer_name: account.name,
        amount,
        currency,
        note,
        partner_balance: profile.balance,
        conn,
    })
}

/// Checks a transfer and reads both balances for the confirmation step; moves nothing.
pub async fn preview(
    state: &AppState,
    user: &CurrentUser,
    customer: &str,
    amount: &str,
    note: &str,
) -> Result<Preview, AppError> {
    let checked = check(state, user, customer, amount, note).await?;
    let balance = checked
        .conn
        .client
        .partner(&checked.conn.partner)
        .account_balance(customer.trim())
        .await
        .map_err(upstream::read_failed)?;
    Ok(Preview {
        customer_name: checked.customer_name,
        amount: checked.amount,
        currency: checked.currency,
        note: checked.note,
        partner_balance: checked.partner_balance,
        customer_balance: balance.cash_credits,
        idempotency_key: Uuid::new_v4(),
    })
}

async fn by_key(
    pool: &sqlx::PgPool,
    tenant: Uuid,
    key: Uuid,
) -> Result<Option<Transfer>, AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let found = load(&mut tx, "idempotency_key", key)
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(found)
}

/// The transfer whose `column` (`id` or `idempotency_key`) is `value`, on `conn`.
async fn load(
    conn: &mut sqlx::PgConnection,
    column: &'static str,
    value: Uuid,
) -> Result<Option<Transfer>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM wallet_transfers WHERE {column} = $1"
    ))
    .bind(value)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(from_row))
}

/// One transfer of the tenant.
pub async fn get(
    pool: &sqlx::PgPool,
    tenant: Uuid,
    id: Uuid,
) -> Result<Option<Transfer>, AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let found = load(&mut tx, "id", id).await.map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(found)
}

/// The tenant's transfers, newest first: all, one customer's, or only the open ones.
pub async fn list(
    pool: &sqlx::PgPool,
    tenant: Uuid,
    customer: Option<&str>,
    open_only: bool,
    limit: i64,
) -> Result<Vec<Transfer>, AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM wallet_transfers
         WHERE ($1::text IS NULL OR customer_auth_id = $1)
           AND (NOT $2 OR state IN ('pending', 'unknown'))
         ORDER BY created_at DESC LIMIT $3"
    ))
    .bind(customer)
    .bind(open_only)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(rows.into_iter().map(from_row).collect())
}

fn params_of(t: &Transfer) -> serde_json::Value {
    serde_json::json!({
        "customer": t.customer_auth_id,
        "amount": t.amount.normalize().to_string(),
        "currency": t.currency,
        "note": t.note,
        "idempotency_key": t.idempotency_key,
        "transfer_id": t.id,
        "marker": t.marker,
    })
}

/// Sends a transfer once. `key` is the confirmation's idempotency key: a repeated call with
/// it returns the transfer already recorded, whatever state it is in, without asking Vobiz
/// again. Refusals before the call (permission, amount, balance, currency) are audited as
/// denied and record no intent.
pub async fn execute(
    state: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    customer: &str,
    amount: &str,
    note: &str,
    key: &str,
) -> Result<Transfer, AppError> {
    user.require(Action::TransferFunds)?;
    let tenant = user.tenant_id;
    let key = Uuid::parse_str(key.trim()).map_err(|_| {
        AppError::Invalid(
            "This confirmation is not valid any more. Start the transfer again.".into(),
        )
    })?;
    if let Some(existing) = by_key(&state.pool, tenant, key).await? {
        return same_request(existing, customer, amount);
    }
    let checked = match check(state, user, customer, amount, note).await {
        Ok(c) => c,
        Err(e @ AppError::Invalid(_)) => {
            let mut entry = Entry::new(tenant, actor, "wallet.transfer", Outcome::Denied)
                .target("customer", customer.trim())
                .params(serde_json::json!({
                    "customer": customer.trim(), "amount": amount.trim(), "note": note.trim(),
                    "idempotency_key": key,
                }));
            entry.upstream_message = Some(e.to_string());
            audit::record(&state.pool, &entry).await.map_err(internal)?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let id = Uuid::new_v4();
    let marker = format!("TR-{}", &id.simple().to_string()[..16].to_uppercase());
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO wallet_transfers (id, tenant_id, idempotency_key, customer_auth_id, amount,
             currency, note, marker, state, requested_by, requested_by_email)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10)
         ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(id)
    .bind(tenant)
    .bind(key)
    .bind(customer.trim())
    .bind(checked.amount)
    .bind(&checked.currency)
    .bind(&checked.note)
    .bind(&marker)
    .bind(user.id)
    .bind(&user.email)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    if inserted.is_none() {
        // The same confirmation posted twice at once: the other post owns the call.
        let existing = by_key(&state.pool, tenant, key)
            .await?
            .ok_or_else(|| internal("transfer intent vanished"))?;
        return same_request(existing, customer, amount);
    }
    let request = TransferRequest {
        amount: checked.amount,
        currency: checked.currency.clone(),
        description: Some(description(&checked.note, &marker)),
    };
    let answer = checked
        .conn
        .client
        .partner(&checked.conn.partner)
        .transfer_balance(customer.trim(), &request)
        .await;
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    let (outcome, status, message) = match &answer {
        Ok(t) => {
            sqlx::query(
                "UPDATE wallet_transfers SET state = 'completed', vobiz_transaction_id = $2,
                     partner_balance_after = $3, customer_balance_after = $4,
                     updated_at = now(), resolved_at = now()
                 WHERE id = $1",
            )
            .bind(id)
            .bind(&t.transaction_id)
            .bind(t.partner_balance_after)
            .bind(t.customer_balance_after)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
            if let Some(after) = t.customer_balance_after {
                accounts::set_balance(&mut tx, customer.trim(), after)
                    .await
                    .map_err(internal)?;
            }
            (Outcome::Ok, Some(200), None)
        }
        Err(error) => {
            let unknown = error.outcome_unknown();
            let text = if unknown {
                format!("{} Whether the money moved is not known yet; the portal checks the customer's ledger before anything is sent again.", upstream::words(error))
            } else {
                upstream::words(error)
            };
            sqlx::query(
                "UPDATE wallet_transfers SET state = $2, error = $3, updated_at = now(),
                     resolved_at = CASE WHEN $2 = 'failed' THEN now() END
                 WHERE id = $1",
            )
            .bind(id)
            .bind(if unknown { "unknown" } else { "failed" })
            .bind(&text)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
            (
                if unknown {
                    Outcome::Unknown
                } else {
                    Outcome::Failed
                },
                upstream::status_of(error),
                Some(error.to_string()),
            )
        }
    };
    let transfer = load(&mut tx, "id", id)
        .await
        .map_err(internal)?
        .ok_or_else(|| internal("transfer vanished"))?;
    let mut entry = Entry::new(tenant, actor, "wallet.transfer", outcome)
        .target("customer", customer.trim())
        .params(params_of(&transfer));
    entry.upstream_status = status;
    entry.upstream_message = message;
    audit::append(&mut tx, &entry).await.map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    if let Err(error) = &answer {
        tracing::warn!(transfer = %id, %error, "a wallet transfer did not complete");
    }
    Ok(transfer)
}

fn same_request(existing: Transfer, customer: &str, amount: &str) -> Result<Transfer, AppError> {
    let same_amount = parse_amount(amount)
        .map(|a| a == existing.amount)
        .unwrap_or(false);
    if existing.customer_auth_id == customer.trim() && same_amount {
        Ok(existing)
    } else {
        Err(AppError::Invalid(
            "This confirmation was already used for another transfer. Start the transfer again."
                .into(),
        ))
    }
}

/// How long a `pending` transfer is left alone before reconciliation treats it as lost (its
/// request may still be on its way).
pub const PENDING_GRACE: Duration = Duration::minutes(2);

/// Settles a pending or unknown transfer by looking for its marker in the customer's ledger.
/// Found: completed. Not found: failed, so it can be sent again safely. Returns the transfer
/// as it stands afterwards (unchanged when it was settled already, or when Vobiz could not
/// be asked).
pub async fn reconcile(
    state: &AppState,
    tenant: Uuid,
    id: Uuid,
    actor: &Actor,
) -> Result<Transfer, AppError> {
    let transfer = get(&state.pool, tenant, id)
        .await?
        .ok_or_else(|| AppError::NotFound("Transfer".into()))?;
    let in_flight =
        transfer.state == State::Pending && Utc::now() - transfer.created_at < PENDING_GRACE;
    if !matches!(transfer.state, State::Pending | State::Unknown) || in_flight {
        return Ok(transfer);
    }
    let conn = upstream::connection(state, tenant).await?;
    let partner = conn.client.partner(&conn.partner);
    let from = (transfer.created_at - Duration::days(1)).date_naive();
    let to = (Utc::now() + Duration::days(1)).date_naive();
    let mut found;
    let mut page = 1;
    loop {
        let list = partner
            .customer_transactions(
                &transfer.customer_auth_id,
                &CustomerTransactionsQuery {
                    page: Some(page),
                    per_page: Some(vobiz::client::MAX_PER_PAGE),
                    from_date: Some(from),
                    to_date: Some(to),
                    transaction_type: Some(TransactionType::Transfer),
                },
            )
            .await
            .map_err(upstream::read_failed)?;
        let pages = list.total_pages.unwrap_or(1).max(1);
        found = list.transactions.into_iter().find(|t| {
            t.description
                .as_deref()
                .is_some_and(|d| d.contains(&transfer.marker))
        });
        if found.is_some() || page >= pages || page >= 50 {
            break;
        }
        page += 1;
    }
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    let (outcome, note) = match &found {
        Some(entry) => {
            sqlx::query(
                "UPDATE wallet_transfers SET state = 'completed', vobiz_transaction_id = $2,
                     error = NULL, updated_at = now(), resolved_at = now()
                 WHERE id = $1 AND state IN ('pending', 'unknown')",
            )
            .bind(id)
            .bind(&entry.id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
            (
                Outcome::Ok,
                "found in the customer's ledger: the money moved",
            )
        }
        None => {
            sqlx::query(
                "UPDATE wallet_transfers SET state = 'failed',
                     error = 'Vobiz has no record of this transfer, so no money moved. Send it again if it is still needed.',
                     updated_at = now(), resolved_at = now()
                 WHERE id = $1 AND state IN ('pending', 'unknown')",
            )
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
            (
                Outcome::Failed,
                "not in the customer's ledger: no money moved",
            )
        }
    };
    let settled = load(&mut tx, "id", id)
        .await
        .map_err(internal)?
        .ok_or_else(|| internal("transfer vanished"))?;
    let mut entry = Entry::new(tenant, actor, "wallet.transfer_reconcile", outcome)
        .target("customer", &transfer.customer_auth_id)
        .params(params_of(&settled));
    entry.upstream_status = Some(200);
    entry.upstream_message = Some(note.into());
    audit::append(&mut tx, &entry).await.map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(settled)
}

/// Reconciles the tenant's open transfers: every unknown one, and pending ones older than
/// [`PENDING_GRACE`] (their request was cut off). Returns how many were settled.
pub async fn reconcile_open(state: &AppState, tenant: Uuid) -> Result<usize, AppError> {
    let open = list(&state.pool, tenant, None, true, 200).await?;
    let actor = Actor {
        role: Some("reconciler".into()),
        ..Actor::default()
    };
    let mut settled = 0;
    for t in open {
        if t.state == State::Pending && Utc::now() - t.created_at < PENDING_GRACE {
            continue;
        }
        match reconcile(state, tenant, t.id, &actor).await {
            Ok(after) if after.state != t.state => settled += 1,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(transfer = %t.id, %error, "reconciling a transfer failed; trying later");
            }
        }
    }
    Ok(settled)
}
