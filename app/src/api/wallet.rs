//! Wallet transfers: the confirmation (both balances before and after), sending once per
//! confirmation, a transfer's status, reconciling unknown ones, and the list of transfers.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::customers::TransferRow;
use crate::error::AppError;

/// What the confirmation step shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmView {
    /// The customer.
    pub customer: String,
    /// Its name.
    pub customer_name: String,
    /// The amount as sent back in the form (normalised).
    pub amount: String,
    /// The amount, formatted with the currency.
    pub amount_text: String,
    /// The currency.
    pub currency: String,
    /// The note.
    pub note: String,
    /// The partner wallet now.
    pub partner_before: String,
    /// The partner wallet after.
    pub partner_after: String,
    /// The customer wallet now.
    pub customer_before: String,
    /// The customer wallet after.
    pub customer_after: String,
    /// The key the confirmation posts back.
    pub idempotency_key: String,
}

/// Checks a transfer and shows what it would do; moves nothing.
#[server(prefix = "/api", endpoint = "transfer_preview")]
pub async fn transfer_preview(
    customer: String,
    amount: String,
    note: String,
) -> Result<ConfirmView, AppError> {
    use crate::server::forms::{money, signed_in};
    use crate::server::transfers;
    let (state, user) = signed_in().await?;
    let p = transfers::preview(&state, &user, &customer, &amount, &note).await?;
    Ok(ConfirmView {
        customer: customer.trim().to_owned(),
        customer_name: p.customer_name,
        amount: p.amount.normalize().to_string(),
        amount_text: money(p.amount, &p.currency),
        note: p.note,
        partner_before: money(p.partner_balance, &p.currency),
        partner_after: money(p.partner_balance - p.amount, &p.currency),
        customer_before: money(p.customer_balance, &p.currency),
        customer_after: money(p.customer_balance + p.amount, &p.currency),
        currency: p.currency,
        idempotency_key: p.idempotency_key.to_string(),
    })
}

/// Sends the confirmed transfer (once per confirmation) and shows how it ended.
#[server(prefix = "/api", endpoint = "send_transfer")]
pub async fn send_transfer(
    customer: String,
    amount: String,
    note: String,
    idempotency_key: String,
) -> Result<(), AppError> {
    use crate::server::forms::{actor_of, finish, signed_in};
    use crate::server::transfers;
    let back = format!(
        "/customers/{}/transfer",
        crate::pages::encode(customer.trim())
    );
    finish(
        &back,
        async {
            let (state, user) = signed_in().await?;
            let t = transfers::execute(
                &state,
                &user,
                &actor_of(&user),
                &customer,
                &amount,
                &note,
                &idempotency_key,
            )
            .await?;
            leptos_axum::redirect(&format!("/transfers/{}", t.id));
            Ok(())
        }
        .await,
    )
}

/// A transfer's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferView {
    /// The transfer.
    pub row: TransferRow,
    /// The customer's name.
    pub customer_name: String,
    /// The marker in Vobiz's description.
    pub reference: String,
    /// Vobiz's transaction id.
    pub vobiz_transaction: Option<String>,
    /// Partner wallet after, formatted.
    pub partner_after: Option<String>,
    /// Customer wallet after, formatted.
    pub customer_after: Option<String>,
    /// When it was settled.
    pub resolved: Option<String>,
    /// It can be checked with Vobiz now.
    pub can_reconcile: bool,
}

/// One transfer of the tenant.
#[server(prefix = "/api", endpoint = "transfer_status")]
pub async fn transfer_status(id: String) -> Result<TransferView, AppError> {
    use crate::domain::policy::Action;
    use crate::server::forms::{minute, money, signed_in};
    use crate::server::{accounts, transfers};
    let (state, user) = signed_in().await?;
    user.require(Action::ViewBusiness)?;
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound("Transfer".into()))?;
    let t = transfers::get(&state.pool, user.tenant_id, id)
        .await?
        .ok_or_else(|| AppError::NotFound("Transfer".into()))?;
    let name = accounts::get(&state.pool, user.tenant_id, &t.customer_auth_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_else(|| t.customer_auth_id.clone());
    let can_reconcile = match t.state {
        transfers::State::Unknown => true,
        transfers::State::Pending => chrono::Utc::now() - t.created_at >= transfers::PENDING_GRACE,
        _ => false,
    };
    Ok(TransferView {
        row: crate::api::customers::transfer_row(&t),
        customer_name: name,
        reference: t.marker.clone(),
        vobiz_transaction: t.vobiz_transaction_id.clone(),
        partner_after: t.partner_balance_after.map(|b| money(b, &t.currency)),
        customer_after: t.customer_balance_after.map(|b| money(b, &t.currency)),
        resolved: t.resolved_at.map(minute),
        can_reconcile,
    })
}

/// Checks an unknown transfer with Vobiz (its marker in the customer's ledger) and shows the
/// result.
#[server(prefix = "/api", endpoint = "reconcile_transfer")]
pub async fn reconcile_transfer(id: String) -> Result<(), AppError> {
    use crate::domain::policy::Action;
    use crate::server::forms::{actor_of, finish, signed_in};
    use crate::server::transfers;
    let back = format!("/transfers/{}", crate::pages::encode(id.trim()));
    finish(
        &back,
        async {
            let (state, user) = signed_in().await?;
            user.require(Action::TransferFunds)?;
            let tid = uuid::Uuid::parse_str(id.trim())
                .map_err(|_| AppError::NotFound("Transfer".into()))?;
            let t = transfers::reconcile(&state, user.tenant_id, tid, &actor_of(&user)).await?;
            let notice = match t.state {
                transfers::State::Completed => "Checked with Vobiz: the transfer went through.",
                transfers::State::Failed => "Checked with Vobiz: the transfer did not happen and no money moved. You can send it again.",
                _ => "Vobiz could not settle it yet. Try again in a minute.",
            };
            crate::server::request::redirect_with_notice(&back, notice);
            Ok(())
        }
        .await,
    )
}

/// The tenant's transfers, newest first (or only those not settled).
#[server(prefix = "/api", endpoint = "list_transfers")]
pub async fn list_transfers(open_only: bool) -> Result<Vec<TransferRow>, AppError> {
    use crate::domain::policy::Action;
    use crate::server::{forms::signed_in, transfers};
    let (state, user) = signed_in().await?;
    user.require(Action::ViewBusiness)?;
    let list = transfers::list(&state.pool, user.tenant_id, None, open_only, 200).await?;
    Ok(list
        .iter()
        .map(crate::api::customers::transfer_row)
        .collect())
}
