//! Creating customers (partner customer accounts and pool sub-accounts) and reading one
//! customer's live state from Vobiz: wallet, numbers and transactions.

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use secrecy::SecretString;
use uuid::Uuid;
use vobiz::client::{
    CreateCustomer, CreateSubAccount, CustomerTransactionsQuery, Error as VobizError, KycMode,
    PhoneNumber, TransactionType, TransactionsPage,
};

use super::accounts::{self, Account, Kind};
use super::audit::{self, Actor, Entry, Outcome};
use super::auth::CurrentUser;
use super::db;
use super::state::AppState;
use super::upstream::{self, internal};
use crate::domain::customers::{check_name, check_vobiz_password, is_choice, Country, E164};
use crate::domain::identity::Email;
use crate::domain::policy::Action;
use crate::error::AppError;

/// A refusal of a create form: which field (if one) and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The form field at fault (`email`, `phone`, …), or `None` for the form as a whole.
    pub field: Option<&'static str>,
    /// What is wrong, in plain words.
    pub message: String,
}

impl FieldError {
    fn on(field: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field: Some(field),
            message: message.into(),
        }
    }

    fn form(message: impl Into<String>) -> Self {
        FieldError {
            field: None,
            message: message.into(),
        }
    }
}

/// Why creating a customer did not work.
#[derive(Debug)]
pub enum CreateError {
    /// The input or Vobiz refused it; the form says so.
    Refused(FieldError),
    /// Anything else (not signed in, no permission, server failure).
    App(AppError),
}

impl From<AppError> for CreateError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(message) => CreateError::Refused(FieldError::form(message)),
            other => CreateError::App(other),
        }
    }
}

/// The partner customer form, as submitted.
#[derive(Debug, Clone)]
pub struct CustomerForm {
    /// Full name.
    pub name: String,
    /// Email (unique across Vobiz).
    pub email: String,
    /// Phone, E.164.
    pub phone: String,
    /// Country code.
    pub country: String,
    /// Company (optional).
    pub company: String,
    /// The customer's Vobiz login password.
    pub password: SecretString,
}

/// Checks the form as Vobiz would, before anything is sent.
pub fn check_customer_form(
    form: &CustomerForm,
) -> Result<(String, Email, E164, Country, Option<String>), FieldError> {
    use secrecy::ExposeSecret;
    let name = check_name(&form.name, "customer's name").map_err(|m| FieldError::on("name", m))?;
    let email = Email::parse(&form.email).map_err(|m| FieldError::on("email", m))?;
    let phone = E164::parse(&form.phone).map_err(|m| FieldError::on("phone", m))?;
    let country = Country::parse(&form.country).map_err(|m| FieldError::on("country", m))?;
    check_vobiz_password(form.password.expose_secret())
        .map_err(|m| FieldError::on("password", m))?;
    let company = form.company.trim();
    if company.chars().count() > 120 {
        return Err(FieldError::on(
            "company",
            "Keep the company name to 120 characters.",
        ));
    }
    Ok((
        name,
        email,
        phone,
        country,
        (!company.is_empty()).then(|| company.to_owned()),
    ))
}

/// Maps Vobiz's refusal of a create onto the form.
fn refusal(error: &VobizError, profile_limit: Option<u32>) -> FieldError {
    match error {
        VobizError::Validation { message, .. } | VobizError::Conflict { message, .. } => {
            let lower = message.to_lowercase();
            let field = ["email", "phone", "password", "country", "name", "company"]
                .into_iter()
                .find(|f| lower.contains(f));
            let text = if field == Some("email")
                && (lower.contains("in use")
                    || lower.contains("exists")
                    || lower.contains("taken")
                    || lower.contains("already"))
            {
                "This email already has a Vobiz account. Use another email for this customer."
                    .to_owned()
            } else {
                format!("Vobiz rejected this: {message}.")
            };
            match field {
                Some(f) => FieldError::on(f, text),
                None => FieldError::form(text),
            }
        }
        VobizError::Forbidden { message, .. } => {
            let lower = message.to_lowercase();
            if lower.contains("max_accounts") || lower.contains("limit") {
                FieldError::form(match profile_limit {
                    Some(n) => format!("Your Vobiz partner account has reached its limit of {n} customer accounts. Ask Vobiz to raise it before adding more."),
                    None => "Your Vobiz partner account has reached its customer account limit. Ask Vobiz to raise it before adding more.".to_owned(),
                })
            } else {
                FieldError::form(format!(
                    "Vobiz does not let this partner account create customers ({message}). Ask Vobiz to enable it."
                ))
            }
        }
        other => FieldError::form(format!(
            "{} Nothing was created; try again in a moment.",
            upstream::words(other)
        )),
    }
}

fn audit_failure(entry: Entry, error: &VobizError) -> Entry {
    let mut entry = entry;
    entry.upstream_status = upstream::status_of(error);
    entry.upstream_message = Some(error.to_string());
    entry
}

/// Creates a partner customer account at Vobiz, keeps its credentials sealed, mirrors it,
/// starts its onboarding and audits the attempt. Returns the new `MA_…` id.
pub async fn create_customer(
    state: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    form: CustomerForm,
) -> Result<String, CreateError> {
    user.require(Action::CreateCustomer)?;
    let tenant = user.tenant_id;
    let (name, email, phone, country, company) =
        check_customer_form(&form).map_err(CreateError::Refused)?;
    let conn = upstream::connection(state, tenant).await?;
    let partner = conn.client.partner(&conn.partner);
    // What Vobiz would refuse for the partner as a whole, said before the call.
    let profile = partner.me().await.map_err(upstream::read_failed)?;
    let params = serde_json::json!({
        "name": name, "email": email.as_str(), "phone": phone.as_str(),
        "country": country.code(), "company": company,
    });
    let entry =
        Entry::new(tenant, actor, "customer.create", Outcome::Denied).params(params.clone());
    if !profile.can_create_accounts {
        let message = "Vobiz does not let this partner account create customer accounts. Ask Vobiz to enable it.";
        let mut e = entry.clone();
        e.upstream_message = Some(message.into());
        audit::record(&state.pool, &e).await.map_err(internal)?;
        return Err(CreateError::Refused(FieldError::form(message)));
    }
    if let (Some(max), Some(count)) = (profile.max_accounts, profile.account_count) {
        if count >= max {
            let message = format!("Your Vobiz partner account has reached its limit of {max} customer accounts. Ask Vobiz to raise it before adding more.");
            let mut e = entry.clone();
            e.upstream_message = Some(message.clone());
            audit::record(&state.pool, &e).await.map_err(internal)?;
            return Err(CreateError::Refused(FieldError::form(message)));
        }
    }
    let request = CreateCustomer {
        name: name.clone(),
        email: email.as_str().to_owned(),
        phone: phone.as_str().to_owned(),
        password: form.password,
        country: country.code().to_owned(),
        company: company.clone(),
        description: None,
        address: None,
        city: None,
        state: None,
        zip_code: None,
        timezone: None,
        gstin: None,
        gst_status: None,
        account_type: None,
    };
    let created = match partner.create_account(&request).await {
        Ok(created) => created,
        Err(error) => {
            let outcome = if error.outcome_unknown() {
                Outcome::Unknown
            } else {
                Outcome::Failed
            };
            let mut e = audit_failure(entry.clone(), &error);
            e.outcome = outcome;
            audit::record(&state.pool, &e).await.map_err(internal)?;
            let mut refused = refusal(&error, profile.max_accounts);
            if outcome == Outcome::Unknown {
                refused = FieldError::form(format!(
                    "{} The customer may or may not have been created: press Refresh on the customer list and look for {} before trying again.",
                    upstream::words(&error),
                    email
                ));
            }
            return Err(CreateError::Refused(refused));
        }
    };
    let account = Account {
        auth_id: created.auth_id.clone(),
        kind: Kind::Customer,
        parent_auth_id: None,
        name: created.name.clone().unwrap_or(name),
        email: Some(email.as_str().to_owned()),
        phone: Some(phone.as_str().to_owned()),
        company,
        country: Some(
            created
                .country
                .clone()
                .unwrap_or_else(|| country.code().to_owned()),
        ),
        currency: Some(
            created
                .currency
                .clone()
                .unwrap_or_else(|| country.wallet_currency().to_owned()),
        ),
        kyc_status: Some("pending".into()),
        kyc_mode: None,
        business_type: None,
        balance: Some(created.balance.unwrap_or(Decimal::ZERO)),
        is_active: true,
        created_at: created.created_at.or_else(|| Some(Utc::now())),
        synced_at: Utc::now(),
    };
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    accounts::upsert(&mut tx, tenant, std::slice::from_ref(&account), Utc::now())
        .await
        .map_err(internal)?;
    accounts::store_credentials(
        &mut tx,
        &state.vault,
        tenant,
        &created.credentials(),
        "created",
    )
    .await
    .map_err(internal)?;
    start_onboarding(&mut tx, tenant, &created.auth_id, user.id)
        .await
        .map_err(internal)?;
    let mut e = Entry::new(tenant, actor, "customer.create", Outcome::Ok)
        .target("customer", &created.auth_id)
        .params(params);
    e.upstream_status = Some(201);
    audit::append(&mut tx, &e).await.map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(created.auth_id)
}

/// The sub-account form, as submitted.
#[derive(Debug, Clone)]
pub struct SubAccountForm {
    /// Name.
    pub name: String,
    /// Email (required for customer use).
    pub email: String,
    /// `personal_use` or `customer_use`.
    pub kyc_mode: String,
    /// One of [`crate::domain::customers::BUSINESS_TYPES`].
    pub business_type: String,
}

/// Creates a sub-account of the pool account, keeps its credentials sealed, mirrors it,
/// starts its onboarding and audits the attempt. Returns the new `SA_…` id.
pub async fn create_sub_account(
    state: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    form: SubAccountForm,
) -> Result<String, CreateError> {
    use crate::domain::customers::{BUSINESS_TYPES, KYC_MODES};
    user.require(Action::CreateCustomer)?;
    let tenant = user.tenant_id;
    let name = check_name(&form.name, "sub-account's name")
        .map_err(|m| CreateError::Refused(FieldError::on("name", m)))?;
    let mode = form.kyc_mode.trim();
    if !is_choice(KYC_MODES, mode) {
        return Err(CreateError::Refused(FieldError::on(
            "kyc_mode",
            "Choose personal use or customer use.",
        )));
    }
    let business = form.business_type.trim();
    if !is_choice(BUSINESS_TYPES, business) {
        return Err(CreateError::Refused(FieldError::on(
            "business_type",
            "Choose the business type from the list.",
        )));
    }
    let email = match form.email.trim() {
        "" if mode == "customer_use" => return Err(CreateError::Refused(FieldError::on(
            "email",
            "A sub-account for customer use needs the customer's email (Vobiz sends KYC to it).",
        ))),
        "" => None,
        text => {
            Some(Email::parse(text).map_err(|m| CreateError::Refused(FieldError::on("email", m)))?)
        }
    };
    let conn = upstream::connection(state, tenant).await?;
    let pool_creds = upstream::pool_of(&conn)?.clone();
    let params = serde_json::json!({
        "name": name, "email": email.as_ref().map(|e| e.as_str()), "kyc_mode": mode,
        "business_type": business, "pool": pool_creds.auth_id,
    });
    let request = CreateSubAccount {
        email: email.as_ref().map(|e| e.as_str().to_owned()),
        kyc_mode: Some(KycMode::from(mode)),
        business_type: Some(business.to_owned()),
        enabled: Some(true),
        ..CreateSubAccount::named(name.clone())
    };
    let created = match conn
        .client
        .account(&pool_creds)
        .create_sub_account(&request)
        .await
    {
        Ok(c) => c,
        Err(error) => {
            let mut e = audit_failure(
                Entry::new(
                    tenant,
                    actor,
                    "customer.create_sub_account",
                    Outcome::Failed,
                )
                .params(params),
                &error,
            );
            if error.outcome_unknown() {
                e.outcome = Outcome::Unknown;
            }
            audit::record(&state.pool, &e).await.map_err(internal)?;
            return Err(CreateError::Refused(refusal(&error, None)));
        }
    };
    let mut account = accounts::from_sub_account(&created.sub_account, &pool_creds.auth_id);
    account.business_type = Some(business.to_owned());
    account.kyc_mode = account.kyc_mode.or_else(|| Some(mode.to_owned()));
    let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
    accounts::upsert(&mut tx, tenant, std::slice::from_ref(&account), Utc::now())
        .await
        .map_err(internal)?;
    if let Some(credentials) = created.credentials() {
        accounts::store_credentials(&mut tx, &state.vault, tenant, &credentials, "created")
            .await
            .map_err(internal)?;
    }
    start_onboarding(&mut tx, tenant, &account.auth_id, user.id)
        .await
        .map_err(internal)?;
    let mut e = Entry::new(tenant, actor, "customer.create_sub_account", Outcome::Ok)
        .target("customer", &account.auth_id)
        .params(params);
    e.upstream_status = Some(201);
    audit::append(&mut tx, &e).await.map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(account.auth_id)
}

async fn start_onboarding(
    conn: &mut sqlx::PgConnection,
    tenant: Uuid,
    auth_id: &str,
    by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO onboardings (tenant_id, customer_auth_id, started_by) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(auth_id)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A customer's wallet as Vobiz reports it now.
#[derive(Debug, Clone, PartialEq)]
pub enum Wallet {
    /// A customer account's own wallet.
    Own {
        /// Balance.
        balance: Decimal,
        /// Currency.
        currency: String,
    },
    /// A sub-account: its numbers are billed to the pool account's wallet.
    Pool {
        /// The pool's available balance, when it could be read.
        balance: Option<Decimal>,
        /// Its currency.
        currency: String,
    },
}

/// The customer's wallet, read live (and written into the mirror).
pub async fn wallet(state: &AppState, tenant: Uuid, account: &Account) -> Result<Wallet, AppError> {
    let conn = upstream::connection(state, tenant).await?;
    match account.kind {
        Kind::Customer => {
            let b = conn
                .client
                .partner(&conn.partner)
                .account_balance(&account.auth_id)
                .await
                .map_err(upstream::read_failed)?;
            let mut tx = db::begin_for(&state.pool, tenant).await.map_err(internal)?;
            accounts::set_balance(&mut tx, &account.auth_id, b.cash_credits)
                .await
                .map_err(internal)?;
            tx.commit().await.map_err(internal)?;
            Ok(Wallet::Own {
                balance: b.cash_credits,
                currency: b
                    .currency
                    .or_else(|| account.currency.clone())
                    .unwrap_or_default(),
            })
        }
        _ => {
            let pool = upstream::pool_of(&conn)?;
            let currency = super::connections::summary(&state.pool, tenant)
                .await
                .map_err(internal)?
                .map(|s| s.currency)
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| "INR".into());
            let balance = conn
                .client
                .account(pool)
                .balance(&currency)
                .await
                .ok()
                .map(|b| b.available_balance);
            Ok(Wallet::Pool { balance, currency })
        }
    }
}

/// The numbers a customer holds, read live: a customer account's own numbers (and those of
/// its sub-accounts), or the pool numbers assigned to a sub-account.
pub async fn numbers(
    state: &AppState,
    tenant: Uuid,
    account: &Account,
) -> Result<Vec<PhoneNumber>, AppError> {
    let conn = upstream::connection(state, tenant).await?;
    let mut list = match account.kind {
        Kind::Customer => conn
            .client
            .partner(&conn.partner)
            .all_customer_numbers(&account.auth_id, None, accounts::SYNC_CONCURRENCY)
            .await
            .map_err(upstream::read_failed)?,
        _ => {
            let pool = upstream::pool_of(&conn)?;
            conn.client
                .account(pool)
                .all_numbers(None, accounts::SYNC_CONCURRENCY)
                .await
                .map_err(upstream::read_failed)?
                .into_iter()
                .filter(|n| n.owner() == Some(account.auth_id.as_str()))
                .collect()
        }
    };
    list.sort_by(|a, b| a.e164.cmp(&b.e164));
    Ok(list)
}

/// Filters of a customer's transactions.
#[derive(Debug, Clone, Default)]
pub struct TransactionFilters {
    /// From this day (UTC).
    pub from: Option<NaiveDate>,
    /// To this day (UTC), included.
    pub to: Option<NaiveDate>,
    /// Only this kind.
    pub kind: Option<TransactionType>,
    /// Page, from 1.
    pub page: u32,
}

/// Rows per page of a customer's transactions.
pub const TRANSACTIONS_PER_PAGE: u32 = 20;

/// One page of a customer account's ledger, read live. Sub-accounts have no ledger of
/// their own (`None`).
pub async fn transactions(
    state: &AppState,
    tenant: Uuid,
    account: &Account,
    filters: &TransactionFilters,
) -> Result<Option<TransactionsPage>, AppError> {
    if account.kind != Kind::Customer {
        return Ok(None);
    }
    let conn = upstream::connection(state, tenant).await?;
    let page = conn
        .client
        .partner(&conn.partner)
        .customer_transactions(
            &account.auth_id,
            &CustomerTransactionsQuery {
                page: Some(filters.page.max(1)),
                per_page: Some(TRANSACTIONS_PER_PAGE),
                from_date: filters.from,
                to_date: filters.to,
                transaction_type: filters.kind.clone(),
            },
        )
        .await
        .map_err(upstream::read_failed)?;
    Ok(Some(page))
}

/// Customer users of a customer account: (id, email, has a password, disabled).
pub async fn users_of(
    pool: &sqlx::PgPool,
    tenant: Uuid,
    auth_id: &str,
) -> Result<Vec<(Uuid, String, bool, bool)>, AppError> {
    let mut tx = db::begin_for(pool, tenant).await.map_err(internal)?;
    let rows = sqlx::query_as(
        "SELECT id, email, password_hash IS NOT NULL, disabled_at IS NOT NULL FROM users
         WHERE kind = 'customer' AND customer_ref = $1 ORDER BY created_at",
    )
    .bind(auth_id)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(rows)
}
