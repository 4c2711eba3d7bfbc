//! Provisioning a customer: the onboarding steps, giving it a number (inventory, the
//! confirmation of what is debited, the purchase; or a pool number for a sub-account),
//! checking that the number routes, and inviting the customer's first user.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::customers::NumberRow;
use crate::error::AppError;

/// One onboarding step, for the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    /// `create`, `fund`, `number`, `routing`, `invite`.
    pub key: String,
    /// The step's title.
    pub title: String,
    /// Done.
    pub done: bool,
    /// What was found.
    pub detail: String,
}

/// A customer's onboarding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnboardingView {
    /// The customer.
    pub auth_id: String,
    /// Its name.
    pub name: String,
    /// `customer` or `sub_account`.
    pub kind: String,
    /// The steps in order.
    pub steps: Vec<StepView>,
    /// Every step is done.
    pub complete: bool,
    /// The signed-in person may transfer funds.
    pub can_transfer: bool,
    /// … buy or assign numbers.
    pub can_number: bool,
    /// … invite customer users.
    pub can_invite: bool,
}

/// Where the customer's onboarding stands, read from Vobiz and the portal now.
#[server(prefix = "/api", endpoint = "onboarding_status")]
pub async fn onboarding_status(auth_id: String) -> Result<OnboardingView, AppError> {
    use crate::domain::policy::{allows, Action};
    use crate::server::accounts::Kind;
    use crate::server::{customer_users, forms::signed_in};
    let (state, user) = signed_in().await?;
    let role = user.require(Action::ViewBusiness)?;
    let o = customer_users::onboarding(&state, &user, &auth_id).await?;
    let title = |key: &str| match key {
        "create" => "Create the account",
        "fund" => "Fund the wallet",
        "number" => "Give it a number",
        "routing" => "Check the number routes to an application",
        _ => "Invite the customer's first user",
    };
    Ok(OnboardingView {
        complete: o.steps.iter().all(|s| s.done),
        steps: o
            .steps
            .iter()
            .map(|s| StepView {
                key: s.key.into(),
                title: title(s.key).into(),
                done: s.done,
                detail: s.detail.clone(),
            })
            .collect(),
        can_transfer: allows(role, Action::TransferFunds) && o.account.kind == Kind::Customer,
        can_number: allows(role, Action::PurchaseNumber),
        can_invite: allows(role, Action::InviteCustomerUser),
        kind: o.account.kind.as_str().into(),
        name: o.account.name,
        auth_id: o.account.auth_id,
    })
}

/// Inventory filters, as the address carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryFilters {
    /// ISO country code.
    #[serde(default)]
    pub country: String,
    /// Part of the number.
    #[serde(default)]
    pub search: String,
    /// Prefixes to leave out, comma-separated.
    #[serde(default)]
    pub exclude: String,
}

/// A number for sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryRow {
    /// E.164.
    pub e164: String,
    /// Country code.
    pub country: String,
    /// Region.
    pub region: String,
    /// `Voice, SMS`…
    pub capabilities: String,
    /// Setup fee, formatted.
    pub setup_fee: String,
    /// Monthly fee, formatted.
    pub monthly_fee: String,
    /// Currency.
    pub currency: String,
}

/// A page of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryPage {
    /// The numbers.
    pub rows: Vec<InventoryRow>,
    /// Matching numbers in all.
    pub total: i64,
    /// This page.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
    /// The country shown (the customer's own when none was chosen).
    pub country_used: Option<String>,
}

/// The inventory the customer can buy from, filtered and paged, live from Vobiz.
#[server(prefix = "/api", endpoint = "customer_inventory")]
pub async fn customer_inventory(
    auth_id: String,
    filters: InventoryFilters,
    page: u32,
) -> Result<InventoryPage, AppError> {
    use crate::server::forms::{money, signed_in};
    use crate::server::purchases::{self, INVENTORY_PER_PAGE};
    let (state, user) = signed_in().await?;
    let country = filters.country.trim().to_uppercase();
    if !country.is_empty() {
        crate::domain::customers::Country::parse(&country).map_err(AppError::Invalid)?;
    }
    let exclude: Vec<String> = filters
        .exclude
        .split([',', ' '])
        .map(|p| p.trim().trim_start_matches('+').to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    if exclude
        .iter()
        .any(|p| !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 15)
    {
        return Err(AppError::Invalid(
            "Excluded prefixes are digits with their country code, e.g. +9180, +9122.".into(),
        ));
    }
    let (rows, total, country_used) = purchases::inventory(
        &state,
        &user,
        &auth_id,
        &purchases::InventoryFilters {
            country: Some(country).filter(|c| !c.is_empty()),
            search: Some(filters.search.trim().to_owned()).filter(|s| !s.is_empty()),
            exclude,
            page: page.max(1),
        },
    )
    .await?;
    Ok(InventoryPage {
        rows: rows
            .iter()
            .map(|n| {
                let currency = n.currency.clone().unwrap_or_default();
                let caps = [
                    (n.capabilities.voice, "Voice"),
                    (n.capabilities.sms, "SMS"),
                    (n.capabilities.mms, "MMS"),
                    (n.capabilities.fax, "Fax"),
                ]
                .into_iter()
                .filter(|(on, _)| *on)
                .map(|(_, l)| l)
                .collect::<Vec<_>>()
                .join(", ");
                InventoryRow {
                    e164: n.e164.clone(),
                    country: n.country.clone().unwrap_or_default(),
                    region: n.region.clone().unwrap_or_default(),
                    capabilities: if caps.is_empty() { "—".into() } else { caps },
                    setup_fee: money(n.setup_fee, &currency),
                    monthly_fee: money(n.monthly_fee, &currency),
                    currency,
                }
            })
            .collect(),
        total: total as i64,
        page: page.max(1),
        per_page: INVENTORY_PER_PAGE,
        country_used,
    })
}

/// What buying a number debits, for the confirmation step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteView {
    /// The number.
    pub e164: String,
    /// Region and country.
    pub place: String,
    /// Setup fee.
    pub setup_fee: String,
    /// First month.
    pub monthly_fee: String,
    /// Setup plus first month.
    pub total: String,
    /// Whose wallet pays.
    pub paid_by: String,
    /// That wallet now.
    pub balance_before: Option<String>,
    /// That wallet after.
    pub balance_after: Option<String>,
    /// The wallet does not cover it.
    pub short: bool,
    /// For a sub-account: it is bought into the pool, then assigned.
    pub via_pool: bool,
    /// The key the confirmation posts back.
    pub idempotency_key: String,
}

/// Says exactly what buying `e164` for the customer debits, from which wallet.
#[server(prefix = "/api", endpoint = "purchase_quote")]
pub async fn purchase_quote(auth_id: String, e164: String) -> Result<QuoteView, AppError> {
    use crate::server::forms::{money, signed_in};
    use crate::server::purchases;
    let (state, user) = signed_in().await?;
    let q = purchases::quote(&state, &user, &auth_id, &e164).await?;
    let n = &q.number;
    Ok(QuoteView {
        e164: n.e164.clone(),
        place: [n.region.clone(), n.country.clone()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        setup_fee: money(n.setup_fee, &q.currency),
        monthly_fee: money(n.monthly_fee, &q.currency),
        total: money(q.cost, &q.currency),
        paid_by: q.paid_by.clone(),
        balance_before: q.wallet_balance.map(|b| money(b, &q.currency)),
        balance_after: q.wallet_balance.map(|b| money(b - q.cost, &q.currency)),
        short: q.wallet_balance.is_some_and(|b| b < q.cost),
        via_pool: auth_id.trim().starts_with("SA_"),
        idempotency_key: q.idempotency_key.to_string(),
    })
}

/// The onboarding page of a customer, with `notice` or `error`.
#[cfg(feature = "ssr")]
fn onboarding_page(auth_id: &str) -> String {
    format!(
        "/customers/{}/onboarding",
        crate::pages::encode(auth_id.trim())
    )
}

/// Buys the confirmed number for the customer (once per confirmation).
#[server(prefix = "/api", endpoint = "buy_number")]
pub async fn buy_number(
    auth_id: String,
    e164: String,
    idempotency_key: String,
    back: Option<String>,
) -> Result<(), AppError> {
    use crate::server::forms::{actor_of, finish, signed_in};
    use crate::server::purchases::{self, PurchaseState};
    use crate::server::request;
    let back = match back.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        Some(b) => crate::api::auth::safe_next(Some(b)),
        None => onboarding_page(&auth_id),
    };
    finish(
        &back,
        async {
            let (state, user) = signed_in().await?;
            let p = purchases::purchase(
                &state,
                &user,
                &actor_of(&user),
                &auth_id,
                &e164,
                &idempotency_key,
            )
            .await?;
            match (&p.state, &p.assignment_error) {
                (PurchaseState::Completed, None) => request::redirect_with_notice(
                    &back,
                    &format!("Bought {} for the customer.", p.e164),
                ),
                (PurchaseState::Completed, Some(e)) => request::redirect_with_error(
                    &back,
                    &format!(
                        "Bought {} into the pool, but it could not be assigned: {e}",
                        p.e164
                    ),
                ),
                (PurchaseState::Failed(e), _) => request::redirect_with_error(&back, e),
                (PurchaseState::Unknown(e), _) => request::redirect_with_error(&back, e),
                (PurchaseState::Pending, _) => request::redirect_with_notice(
                    &back,
                    &format!(
                        "The purchase of {} is under way. Reload in a moment.",
                        p.e164
                    ),
                ),
            }
            Ok(())
        }
        .await,
    )
}

/// Pool numbers free to assign to a sub-account.
#[server(prefix = "/api", endpoint = "pool_numbers")]
pub async fn pool_numbers() -> Result<Vec<NumberRow>, AppError> {
    use crate::server::{forms::signed_in, purchases};
    let (state, user) = signed_in().await?;
    let free = purchases::pool_free_numbers(&state, &user).await?;
    Ok(free.iter().map(crate::api::customers::number_row).collect())
}

/// Assigns a pool number to the sub-account.
#[server(prefix = "/api", endpoint = "assign_pool_number")]
pub async fn assign_pool_number(auth_id: String, e164: String) -> Result<(), AppError> {
    use crate::server::forms::{actor_of, finish, signed_in};
    use crate::server::purchases;
    let back = onboarding_page(&auth_id);
    finish(
        &back,
        async {
            let (state, user) = signed_in().await?;
            purchases::assign(&state, &user, &actor_of(&user), &auth_id, &e164).await?;
            crate::server::request::redirect_with_notice(
                &back,
                &format!("Assigned {} to the sub-account.", e164.trim()),
            );
            Ok(())
        }
        .await,
    )
}

/// Checks live whether one of the customer's numbers routes to an application.
#[server(prefix = "/api", endpoint = "check_routing")]
pub async fn check_routing(auth_id: String) -> Result<(), AppError> {
    use crate::server::forms::{finish, signed_in};
    use crate::server::{customer_users, db, upstream::internal};
    let back = onboarding_page(&auth_id);
    finish(
        &back,
        async {
            let (state, user) = signed_in().await?;
            let o = customer_users::onboarding(&state, &user, &auth_id).await?;
            let routing = o
                .steps
                .iter()
                .find(|s| s.key == "routing")
                .ok_or_else(|| internal("no routing step"))?;
            let mut tx = db::begin_for(&state.pool, user.tenant_id)
                .await
                .map_err(internal)?;
            sqlx::query(
                "UPDATE onboardings SET routing_checked_at = now() WHERE customer_auth_id = $1",
            )
            .bind(&o.account.auth_id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
            tx.commit().await.map_err(internal)?;
            if routing.done {
                crate::server::request::redirect_with_notice(
                    &back,
                    &format!("Checked with Vobiz: {}", routing.detail),
                );
            } else {
                crate::server::request::redirect_with_error(
                    &back,
                    &format!("Checked with Vobiz: {}", routing.detail),
                );
            }
            Ok(())
        }
        .await,
    )
}

/// Invites a person of the customer to the self-service view; the page then shows their
/// one-time link once.
#[server(prefix = "/api", endpoint = "invite_customer_user")]
pub async fn invite_customer_user(auth_id: String, email: String) -> Result<(), AppError> {
    use crate::domain::identity::Email;
    use crate::server::forms::{actor_of, finish, minute, signed_in};
    use crate::server::{customer_users, request};
    use secrecy::ExposeSecret;
    let back = onboarding_page(&auth_id);
    finish(
        &back,
        async {
            let (state, user) = signed_in().await?;
            let email =
                Email::parse(&email).map_err(|m| AppError::Invalid(format!("Email: {m}")))?;
            let invited =
                customer_users::invite(&state, &user, &actor_of(&user), &auth_id, &email).await?;
            let link = format!(
                "{}/accept/{}",
                state.public_url,
                invited.link.token.expose_secret()
            );
            let query = request::url_query(&[
                (
                    "notice",
                    &format!(
                        "Invited {}. Send them this one-time link; they set a password and sign in to their own view.",
                        invited.email
                    ),
                ),
                ("link", &link),
                ("for", &invited.email),
                ("expires", &minute(invited.link.expires_at)),
            ]);
            leptos_axum::redirect(&format!("{back}?{query}"));
            Ok(())
        }
        .await,
    )
}
