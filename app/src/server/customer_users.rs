//! People of a customer: inviting them to their self-service view, the onboarding steps
//! that lead there, and what a signed-in customer user may see.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::accounts::{self, Account, Kind};
use super::audit::{self, Actor, Entry, Outcome};
use super::auth::{CurrentUser, Principal};
use super::db;
use super::links::{self, NewLink, Purpose};
use super::state::AppState;
use super::upstream::internal;
use crate::domain::identity::Email;
use crate::domain::policy::Action;
use crate::error::AppError;

/// A customer user just invited: their email and the one-time link, shown once.
#[derive(Debug)]
pub struct Invited {
    /// Their account.
    pub user_id: Uuid,
    /// Their email.
    pub email: String,
    /// The link's token and expiry.
    pub link: NewLink,
}

/// Invites a person of customer `customer` to the self-service view: makes their account
/// (bound to that customer) and a 72-hour invitation link.
pub async fn invite(
    state: &AppState,
    by: &CurrentUser,
    actor: &Actor,
    customer: &str,
    email: &Email,
) -> Result<Invited, AppError> {
    by.require(Action::InviteCustomerUser)?;
    let tenant = by.tenant_id;
    let account = accounts::find_customer(state, tenant, customer).await?;
    let user_id = Uuid::new_v4();
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    sqlx::query(
        "INSERT INTO users (id, tenant_id, email, display_name, kind, customer_ref)
         VALUES ($1, $2, $3, $4, 'customer', $5)",
    )
    .bind(user_id)
    .bind(tenant)
    .bind(email.as_str())
    .bind(&account.name)
    .bind(&account.auth_id)
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        if db::is_unique_violation(&e, "users_email_key") {
            AppError::Invalid(format!(
                "{email} already has an account in the portal. Invite them with another email."
            ))
        } else {
            internal(e)
        }
    })?;
    let link = links::create(&mut tx, tenant, user_id, Purpose::Invite, Some(by.id))
        .await
        .map_err(internal)?;
    audit::append(
        &mut tx,
        &Entry::new(tenant, actor, "customer.invite_user", Outcome::Ok)
            .target("customer", &account.auth_id)
            .params(serde_json::json!({
                "email": email.as_str(), "user_id": user_id, "expires_at": link.expires_at,
            })),
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(Invited {
        user_id,
        email: email.as_str().to_owned(),
        link,
    })
}

/// One step of provisioning a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Short name: `create`, `fund`, `number`, `routing`, `invite`.
    pub key: &'static str,
    /// Done.
    pub done: bool,
    /// What the step found, in words.
    pub detail: String,
}

/// The onboarding of one customer, read from the real state.
#[derive(Debug, Clone)]
pub struct Onboarding {
    /// The customer.
    pub account: Account,
    /// The five steps, in order.
    pub steps: Vec<Step>,
    /// When the onboarding was started here (absent for customers made elsewhere).
    pub started_at: Option<DateTime<Utc>>,
}

/// Where the customer's onboarding stands: created; wallet funded (a customer account with a
/// balance, or a sub-account billed to the pool); at least one active number; a number that
/// routes to an application; a customer user invited.
pub async fn onboarding(
    state: &AppState,
    user: &CurrentUser,
    customer: &str,
) -> Result<Onboarding, AppError> {
    user.require(Action::ViewBusiness)?;
    let tenant = user.tenant_id;
    let account = accounts::find_customer(state, tenant, customer).await?;
    let wallet = super::customers::wallet(state, tenant, &account).await?;
    let numbers = super::customers::numbers(state, tenant, &account).await?;
    let users = super::customers::users_of(&state.pool, tenant, &account.auth_id).await?;
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    let started_at: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT started_at FROM onboardings WHERE customer_auth_id = $1")
            .bind(&account.auth_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?;
    tx.commit().await.map_err(internal)?;

    let active: Vec<_> = numbers
        .iter()
        .filter(|n| n.status == vobiz::client::NumberStatus::Active)
        .collect();
    let routed: Vec<_> = active
        .iter()
        .filter(|n| n.application_id.as_deref().is_some_and(|a| !a.is_empty()))
        .collect();
    let fund = match &wallet {
        super::customers::Wallet::Own { balance, currency } => Step {
            key: "fund",
            done: *balance > rust_decimal::Decimal::ZERO,
            detail: format!("Wallet: {} {currency}", balance.round_dp(2)),
        },
        super::customers::Wallet::Pool { .. } => Step {
            key: "fund",
            done: true,
            detail: "A sub-account is billed to the pool account's wallet.".into(),
        },
    };
    let steps = vec![
        Step {
            key: "create",
            done: true,
            detail: format!("{} ({})", account.name, account.auth_id),
        },
        fund,
        Step {
            key: "number",
            done: !active.is_empty(),
            detail: match active.len() {
                0 => "No active number yet.".into(),
                1 => format!("{} is active.", active[0].e164),
                n => format!("{n} active numbers."),
            },
        },
        Step {
            key: "routing",
            done: !routed.is_empty(),
            detail: if active.is_empty() {
                "Give the customer a number first.".into()
            } else if routed.is_empty() {
                "No number routes to an application yet: inbound calls would have nowhere to go. Set the application in the Vobiz Console, then check again.".into()
            } else {
                format!(
                    "{} routes to application {}.",
                    routed[0].e164,
                    routed[0].application_id.clone().unwrap_or_default()
                )
            },
        },
        Step {
            key: "invite",
            done: !users.is_empty(),
            detail: match users.first() {
                None => "No one of the customer can sign in yet.".into(),
                Some((_, email, true, _)) => format!("{email} has signed up."),
                Some((_, email, false, _)) => format!("{email} is invited."),
            },
        },
    ];
    if steps.iter().all(|s| s.done) {
        let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
        sqlx::query(
            "UPDATE onboardings SET completed_at = now() WHERE customer_auth_id = $1 AND completed_at IS NULL",
        )
        .bind(&account.auth_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
    }
    Ok(Onboarding {
        account,
        steps,
        started_at,
    })
}

/// Onboardings started here and not finished, newest first: (customer id, name, started).
pub async fn open_onboardings(
    pool: &sqlx::PgPool,
    tenant: Uuid,
) -> Result<Vec<(String, String, DateTime<Utc>)>, AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let rows = sqlx::query_as(
        "SELECT o.customer_auth_id, coalesce(a.name, o.customer_auth_id), o.started_at
         FROM onboardings o
         LEFT JOIN vobiz_accounts a ON a.tenant_id = o.tenant_id AND a.auth_id = o.customer_auth_id
         WHERE o.completed_at IS NULL ORDER BY o.started_at DESC LIMIT 20",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(rows)
}

/// The customer account a customer user belongs to; staff and others are refused.
pub async fn own_account(state: &AppState, user: &CurrentUser) -> Result<Account, AppError> {
    let Principal::Customer(auth_id) = &user.principal else {
        return Err(AppError::Forbidden);
    };
    let account = accounts::get(&state.pool, user.tenant_id, auth_id)
        .await?
        .filter(|a| a.kind != Kind::Pool);
    match account {
        Some(a) => Ok(a),
        None => accounts::find_customer(state, user.tenant_id, auth_id).await,
    }
}
