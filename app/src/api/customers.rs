//! Customers: the list (from the local mirror), one customer's page (live from Vobiz),
//! creating customer accounts and sub-accounts, and refreshing the mirror.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The customer list page.
pub const CUSTOMERS_PAGE: &str = "/customers";
/// The page of the create forms.
pub const NEW_CUSTOMER_PAGE: &str = "/customers/new";
/// Where the customer list's CSV export is served.
pub const CUSTOMERS_EXPORT_PATH: &str = "/customers/export.csv";
/// Customers per page.
pub const CUSTOMERS_PER_PAGE: u32 = 25;

/// The customer list's filters, as the address carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFilters {
    /// Part of the name, email or account id.
    #[serde(default)]
    pub q: String,
    /// `customer`, `sub_account` or empty.
    #[serde(default)]
    pub kind: String,
    /// KYC status or sub-account KYC mode.
    #[serde(default)]
    pub kyc: String,
    /// Only wallets below this amount.
    #[serde(default)]
    pub below: String,
    /// `name`, `newest` or `balance`.
    #[serde(default)]
    pub sort: String,
}

impl CustomerFilters {
    /// The filters in the address's query.
    pub fn from_query(q: &leptos_router::params::ParamsMap) -> Self {
        let get = |k: &str| q.get(k).unwrap_or_default();
        CustomerFilters {
            q: get("q"),
            kind: get("kind"),
            kyc: get("kyc"),
            below: get("below"),
            sort: get("sort"),
        }
    }

    /// The `key=value` pairs that are set.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("q", &self.q),
            ("kind", &self.kind),
            ("kyc", &self.kyc),
            ("below", &self.below),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim().to_owned()))
        .collect()
    }

    /// `path` with these filters.
    pub fn href(&self, path: &str) -> String {
        let pairs = self.pairs();
        if pairs.is_empty() {
            return path.to_owned();
        }
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::pages::encode(v)))
            .collect();
        format!("{path}?{}", query.join("&"))
    }
}

/// One customer in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    /// `MA_…` or `SA_…`.
    pub auth_id: String,
    /// `customer` or `sub_account`.
    pub kind: String,
    /// `Customer account` or `Sub-account`.
    pub kind_label: String,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Company.
    pub company: String,
    /// Country code.
    pub country: String,
    /// KYC status or mode, for people.
    pub kyc: String,
    /// Wallet, formatted; sub-accounts say they are billed to the pool.
    pub balance: String,
    /// The balance is below the list's threshold or zero.
    pub low: bool,
    /// Created, `YYYY-MM-DD`.
    pub created: String,
}

/// A page of the customer list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerList {
    /// The customers on this page.
    pub rows: Vec<CustomerRow>,
    /// Matching customers in all.
    pub total: i64,
    /// This page.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
    /// When the mirror was last refreshed from Vobiz.
    pub last_refreshed: Option<String>,
    /// A refresh under way, in words.
    pub refreshing: Option<String>,
    /// The last refresh failed with this.
    pub refresh_error: Option<String>,
    /// The signed-in person may create customers.
    pub can_create: bool,
}

/// A label for a KYC status or mode.
pub fn kyc_label(value: &str) -> String {
    match value {
        "pending" => "KYC pending".into(),
        "verified" => "KYC verified".into(),
        "rejected" => "KYC rejected".into(),
        "personal_use" => "Personal use".into(),
        "customer_use" => "Customer use".into(),
        "" => "—".into(),
        other => other.replace('_', " "),
    }
}

/// A page of the tenant's customers, from the mirror.
#[server(prefix = "/api", endpoint = "list_customers")]
pub async fn list_customers(filters: CustomerFilters, page: u32) -> Result<CustomerList, AppError> {
    use crate::domain::policy::{allows, Action};
    use crate::server::accounts::{self, Kind};
    use crate::server::forms::{self, signed_in};
    use std::str::FromStr;
    let (state, user) = signed_in().await?;
    let role = user.require(Action::ViewBusiness)?;
    if page == 0 {
        return Err(AppError::Invalid("Pages are numbered from 1.".into()));
    }
    let query = parse_filters(&filters, page, CUSTOMERS_PER_PAGE)?;
    let status = accounts::sync_status(&state.pool, user.tenant_id).await?;
    if status.last_ok_at.is_none() && status.running.is_none() {
        // Never read yet: fill the mirror now, in the background.
        let (s, tenant) = (state.clone(), user.tenant_id);
        tokio::spawn(async move {
            let _ = accounts::refresh(&s, tenant, accounts::Trigger::Schedule, &|_, _| {}).await;
        });
    }
    let (rows, total) = accounts::list(&state.pool, user.tenant_id, &query).await?;
    let threshold = query
        .balance_below
        .unwrap_or_else(|| rust_decimal::Decimal::from_str("100").unwrap_or_default());
    Ok(CustomerList {
        rows: rows
            .into_iter()
            .map(|a| {
                let (balance, low) = match (a.kind, a.balance) {
                    (Kind::Customer, Some(b)) => (
                        forms::money(b, a.currency.as_deref().unwrap_or("")),
                        b < threshold,
                    ),
                    (Kind::Customer, None) => ("—".into(), false),
                    _ => ("Billed to the pool".into(), false),
                };
                CustomerRow {
                    kind: a.kind.as_str().into(),
                    kind_label: kind_label(a.kind).into(),
                    kyc: kyc_label(
                        a.kyc_status
                            .as_deref()
                            .or(a.kyc_mode.as_deref())
                            .unwrap_or(""),
                    ),
                    name: a.name,
                    email: a.email.unwrap_or_default(),
                    company: a.company.unwrap_or_default(),
                    country: a.country.unwrap_or_default(),
                    balance,
                    low,
                    created: a.created_at.map(forms::day).unwrap_or_default(),
                    auth_id: a.auth_id,
                }
            })
            .collect(),
        total,
        page,
        per_page: CUSTOMERS_PER_PAGE,
        last_refreshed: status.last_ok_at.map(forms::minute),
        refreshing: status.running.map(|(done, total, since)| match total {
            Some(t) => format!(
                "Refreshing from Vobiz: {done} of {t} read (started {}).",
                forms::minute(since)
            ),
            None => format!("Refreshing from Vobiz (started {}).", forms::minute(since)),
        }),
        refresh_error: status.last_error,
        can_create: allows(role, Action::CreateCustomer),
    })
}

/// `Customer account`, `Sub-account` or `Pool account`.
#[cfg(feature = "ssr")]
pub fn kind_label(kind: crate::server::accounts::Kind) -> &'static str {
    use crate::server::accounts::Kind;
    match kind {
        Kind::Customer => "Customer account",
        Kind::SubAccount => "Sub-account",
        Kind::Pool => "Pool account",
    }
}

/// The list query the filters describe, or what is wrong with them.
#[cfg(feature = "ssr")]
pub fn parse_filters(
    filters: &CustomerFilters,
    page: u32,
    per_page: u32,
) -> Result<crate::server::accounts::ListQuery, AppError> {
    use crate::server::accounts::{Kind, ListQuery, Sort};
    use std::str::FromStr;
    let kind = match filters.kind.trim() {
        "" => None,
        "customer" => Some(Kind::Customer),
        "sub_account" => Some(Kind::SubAccount),
        _ => return Err(AppError::Invalid("Kind is customer or sub_account.".into())),
    };
    let below = match filters.below.trim() {
        "" => None,
        text => Some(
            crate::domain::customers::Amount::parse(text)
                .ok()
                .and_then(|a| rust_decimal::Decimal::from_str(a.as_str()).ok())
                .ok_or_else(|| {
                    AppError::Invalid("Balance below: write an amount like 500.".into())
                })?,
        ),
    };
    Ok(ListQuery {
        search: Some(filters.q.trim().to_owned()).filter(|s| !s.is_empty()),
        kind,
        kyc: Some(filters.kyc.trim().to_owned()).filter(|s| !s.is_empty()),
        balance_below: below,
        sort: Sort::parse(&filters.sort)?,
        page,
        per_page,
    })
}

/// Starts a refresh of the customer mirror from Vobiz and goes back to the list.
#[server(prefix = "/api", endpoint = "refresh_customers")]
pub async fn refresh_customers() -> Result<(), AppError> {
    use crate::domain::policy::Action;
    use crate::server::accounts::{self, Trigger};
    use crate::server::forms::{finish, signed_in};
    finish(
        CUSTOMERS_PAGE,
        async {
            let (state, user) = signed_in().await?;
            user.require(Action::ViewBusiness)?;
            crate::server::upstream::connection(&state, user.tenant_id).await?;
            let tenant = user.tenant_id;
            let s = state.clone();
            tokio::spawn(async move {
                if let Err(error) = accounts::refresh(&s, tenant, Trigger::Manual, &|_, _| {}).await {
                    tracing::warn!(%tenant, %error, "refreshing customers failed");
                }
            });
            // A moment for a small tenant's refresh to finish before the list is shown.
            tokio::time::sleep(std::time::Duration::from_millis(700)).await;
            crate::server::request::redirect_with_notice(
                CUSTOMERS_PAGE,
                "Refreshing the customer list from Vobiz. Reload the page in a moment to see the result.",
            );
            Ok(())
        }
        .await,
    )
}

/// One number of a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberRow {
    /// E.164.
    pub e164: String,
    /// `active`, `pending_release`, …
    pub status: String,
    /// Country and region.
    pub place: String,
    /// Monthly rental, formatted.
    pub monthly_fee: String,
    /// Setup fee, formatted.
    pub setup_fee: String,
    /// Next renewal, `YYYY-MM-DD`.
    pub next_renewal: String,
    /// The application calls go to, if any.
    pub application: Option<String>,
    /// Aadhaar verification is required and not done.
    pub aadhaar_pending: bool,
}

/// One ledger entry of a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionRow {
    /// `YYYY-MM-DD HH:MM UTC`.
    pub at: String,
    /// `Credit` or `Debit`.
    pub direction: String,
    /// Amount, formatted.
    pub amount: String,
    /// Description.
    pub description: String,
    /// Vobiz's reference type (`did_rental`, `cdr`, …), for people.
    pub kind: String,
}

/// One transfer to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRow {
    /// The transfer's id (its status page is `/transfers/<id>`).
    pub id: String,
    /// `YYYY-MM-DD HH:MM UTC`.
    pub at: String,
    /// Amount, formatted.
    pub amount: String,
    /// Note.
    pub note: String,
    /// `pending`, `completed`, `failed`, `unknown`.
    pub state: String,
    /// The customer.
    pub customer: String,
    /// Who asked.
    pub by: String,
    /// What went wrong, when something did.
    pub error: Option<String>,
}

/// One audit entry about a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    /// `YYYY-MM-DD HH:MM UTC`.
    pub at: String,
    /// Who.
    pub actor: String,
    /// The action, e.g. `wallet.transfer`.
    pub action: String,
    /// `ok`, `denied`, `failed`, `unknown`.
    pub outcome: String,
    /// What it was about, in short.
    pub summary: String,
}

/// A customer's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerView {
    /// `MA_…` or `SA_…`.
    pub auth_id: String,
    /// `customer` or `sub_account`.
    pub kind: String,
    /// `Customer account` or `Sub-account`.
    pub kind_label: String,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Phone.
    pub phone: String,
    /// Company.
    pub company: String,
    /// Country, with its name.
    pub country: String,
    /// KYC status or mode, for people.
    pub kyc: String,
    /// Business type (sub-accounts).
    pub business_type: String,
    /// Active at Vobiz.
    pub active: bool,
    /// Created.
    pub created: String,
    /// The wallet, formatted, live.
    pub wallet: String,
    /// What the wallet is (own wallet, or the pool's).
    pub wallet_note: String,
    /// Numbers, live.
    pub numbers: Vec<NumberRow>,
    /// Sum of the monthly fees.
    pub monthly_total: String,
    /// People of the customer who may sign in: (email, status).
    pub users: Vec<(String, String)>,
    /// Recent transfers to it.
    pub transfers: Vec<TransferRow>,
    /// Audit entries about it, newest first.
    pub history: Vec<HistoryRow>,
    /// Its onboarding is not finished.
    pub onboarding_open: bool,
    /// The signed-in person may transfer funds.
    pub can_transfer: bool,
    /// … buy and assign numbers.
    pub can_number: bool,
    /// … invite customer users.
    pub can_invite: bool,
}

/// A customer's page: the profile from the mirror, and wallet and numbers live from Vobiz.
#[server(prefix = "/api", endpoint = "customer_detail")]
pub async fn customer_detail(auth_id: String) -> Result<CustomerView, AppError> {
    use crate::domain::policy::{allows, Action};
    use crate::server::accounts::{self, Kind};
    use crate::server::customers::{self, Wallet};
    use crate::server::forms::{self, signed_in};
    use crate::server::{db, transfers};
    let (state, user) = signed_in().await?;
    let role = user.require(Action::ViewBusiness)?;
    let tenant = user.tenant_id;
    let account = accounts::find_customer(&state, tenant, &auth_id).await?;
    let (wallet, numbers, users, sent) = futures::try_join!(
        customers::wallet(&state, tenant, &account),
        customers::numbers(&state, tenant, &account),
        customers::users_of(&state.pool, tenant, &account.auth_id),
        transfers::list(&state.pool, tenant, Some(&account.auth_id), false, 10),
    )?;
    let (wallet, wallet_note) = match wallet {
        Wallet::Own { balance, currency } => (
            forms::money(balance, &currency),
            "The customer's own Vobiz wallet, read just now.".to_owned(),
        ),
        Wallet::Pool { balance, currency } => (
            balance
                .map(|b| forms::money(b, &currency))
                .unwrap_or_else(|| "—".into()),
            "A sub-account has no wallet of its own: its numbers are billed to the pool account, whose balance this is.".to_owned(),
        ),
    };
    let currency = numbers
        .first()
        .and_then(|n| n.currency.clone())
        .unwrap_or_default();
    let monthly: rust_decimal::Decimal = numbers
        .iter()
        .filter(|n| n.status == vobiz::client::NumberStatus::Active)
        .map(|n| n.monthly_fee)
        .sum();
    let mut tx = db::begin_for(&state.pool, tenant)
        .await
        .map_err(crate::server::upstream::internal)?;
    #[allow(clippy::type_complexity)]
    let history: Vec<(
        chrono::DateTime<chrono::Utc>,
        Option<String>,
        String,
        String,
        serde_json::Value,
    )> = sqlx::query_as(
        "SELECT at, actor_email, action, outcome, params FROM audit_log
         WHERE (target_type = 'customer' AND target_id = $1) OR params->>'customer' = $1
         ORDER BY seq DESC LIMIT 50",
    )
    .bind(&account.auth_id)
    .fetch_all(&mut *tx)
    .await
    .map_err(crate::server::upstream::internal)?;
    let onboarding_open: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM onboardings WHERE customer_auth_id = $1 AND completed_at IS NULL)",
    )
    .bind(&account.auth_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(crate::server::upstream::internal)?;
    tx.commit()
        .await
        .map_err(crate::server::upstream::internal)?;
    Ok(CustomerView {
        kind: account.kind.as_str().into(),
        kind_label: kind_label(account.kind).into(),
        name: account.name.clone(),
        email: account.email.clone().unwrap_or_default(),
        phone: account.phone.clone().unwrap_or_default(),
        company: account.company.clone().unwrap_or_default(),
        country: account
            .country
            .as_deref()
            .and_then(|c| crate::domain::customers::Country::parse(c).ok())
            .map(|c| format!("{} ({})", c.name(), c.code()))
            .unwrap_or_default(),
        kyc: kyc_label(
            account
                .kyc_status
                .as_deref()
                .or(account.kyc_mode.as_deref())
                .unwrap_or(""),
        ),
        business_type: account.business_type.clone().unwrap_or_default(),
        active: account.is_active,
        created: account.created_at.map(forms::day).unwrap_or_default(),
        wallet,
        wallet_note,
        numbers: numbers.iter().map(number_row).collect(),
        monthly_total: forms::money(monthly, &currency),
        users: users
            .into_iter()
            .map(|(_, email, has_password, disabled)| {
                let status = if disabled {
                    "Disabled"
                } else if has_password {
                    "Active"
                } else {
                    "Invited"
                };
                (email, status.to_owned())
            })
            .collect(),
        transfers: sent.iter().map(transfer_row).collect(),
        history: history
            .into_iter()
            .map(|(at, actor, action, outcome, params)| HistoryRow {
                at: forms::minute(at),
                actor: actor.unwrap_or_else(|| "—".into()),
                summary: summarise(&params),
                action,
                outcome,
            })
            .collect(),
        onboarding_open,
        can_transfer: allows(role, Action::TransferFunds) && account.kind == Kind::Customer,
        can_number: allows(role, Action::PurchaseNumber),
        can_invite: allows(role, Action::InviteCustomerUser),
        auth_id: account.auth_id,
    })
}

/// A number as a row of a customer's list.
#[cfg(feature = "ssr")]
pub fn number_row(n: &vobiz::client::PhoneNumber) -> NumberRow {
    use crate::server::forms;
    let currency = n.currency.clone().unwrap_or_default();
    NumberRow {
        e164: n.e164.clone(),
        status: n.status.as_str().to_owned(),
        place: [n.region.clone(), n.country.clone()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        monthly_fee: forms::money(n.monthly_fee, &currency),
        setup_fee: forms::money(n.setup_fee, &currency),
        next_renewal: n
            .next_billing_date
            .map(forms::day)
            .unwrap_or_else(|| "—".into()),
        application: n.application_id.clone().filter(|a| !a.is_empty()),
        aadhaar_pending: n.aadhaar_verification_required && !n.aadhaar_verified,
    }
}

/// A transfer as a row.
#[cfg(feature = "ssr")]
pub fn transfer_row(t: &crate::server::transfers::Transfer) -> TransferRow {
    use crate::server::forms;
    TransferRow {
        id: t.id.to_string(),
        at: forms::minute(t.created_at),
        amount: forms::money(t.amount, &t.currency),
        note: t.note.clone(),
        state: t.state.as_str().to_owned(),
        customer: t.customer_auth_id.clone(),
        by: t.requested_by_email.clone().unwrap_or_default(),
        error: t.error.clone(),
    }
}

/// A short line from an audit entry's parameters (amounts, numbers, emails).
#[cfg(feature = "ssr")]
fn summarise(params: &serde_json::Value) -> String {
    let get = |k: &str| params.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let mut parts = Vec::new();
    if let (Some(a), Some(c)) = (get("amount"), get("currency")) {
        parts.push(format!("{a} {c}"));
    }
    for key in ["e164", "email", "note", "name"] {
        if let Some(v) = get(key).filter(|v| !v.is_empty()) {
            parts.push(v);
        }
    }
    parts.join(" · ")
}

/// Filters of a customer's transactions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionFilters {
    /// From (`YYYY-MM-DD`).
    #[serde(default)]
    pub from: String,
    /// To (`YYYY-MM-DD`).
    #[serde(default)]
    pub to: String,
    /// `recharge`, `debit`, `refund`, `transfer` or empty.
    #[serde(default)]
    pub kind: String,
}

/// A page of a customer's ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionList {
    /// The entries.
    pub rows: Vec<TransactionRow>,
    /// Entries in all.
    pub total: i64,
    /// This page.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
    /// Why there is no ledger (sub-accounts).
    pub unavailable: Option<String>,
}

/// One page of a customer's transactions, live from Vobiz.
#[server(prefix = "/api", endpoint = "customer_transactions")]
pub async fn customer_transactions(
    auth_id: String,
    filters: TransactionFilters,
    page: u32,
) -> Result<TransactionList, AppError> {
    use crate::domain::policy::Action;
    use crate::server::{accounts, forms::signed_in};
    let (state, user) = signed_in().await?;
    user.require(Action::ViewBusiness)?;
    let account = accounts::find_customer(&state, user.tenant_id, &auth_id).await?;
    transactions_of(&state, user.tenant_id, &account, &filters, page).await
}

/// The transactions page of `account` (shared with the customer's own view).
#[cfg(feature = "ssr")]
pub async fn transactions_of(
    state: &crate::server::state::AppState,
    tenant: uuid::Uuid,
    account: &crate::server::accounts::Account,
    filters: &TransactionFilters,
    page: u32,
) -> Result<TransactionList, AppError> {
    use crate::server::customers::{self, TransactionFilters as Q, TRANSACTIONS_PER_PAGE};
    use crate::server::forms;
    let day = |s: &str, what: &str| -> Result<Option<chrono::NaiveDate>, AppError> {
        match s.trim() {
            "" => Ok(None),
            t => chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| AppError::Invalid(format!("{what}: write the day as YYYY-MM-DD."))),
        }
    };
    let kind = match filters.kind.trim() {
        "" => None,
        k @ ("recharge" | "debit" | "refund" | "transfer") => {
            Some(vobiz::client::TransactionType::from(k))
        }
        _ => {
            return Err(AppError::Invalid(
                "Type is recharge, debit, refund or transfer.".into(),
            ))
        }
    };
    let q = Q {
        from: day(&filters.from, "From")?,
        to: day(&filters.to, "To")?,
        kind,
        page: page.max(1),
    };
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if f > t {
            return Err(AppError::Invalid("From is after To.".into()));
        }
    }
    match customers::transactions(state, tenant, account, &q).await? {
        None => Ok(TransactionList {
            rows: Vec::new(),
            total: 0,
            page: 1,
            per_page: TRANSACTIONS_PER_PAGE,
            unavailable: Some(
                "A sub-account has no ledger of its own: its number rentals are charged to the pool account.".into(),
            ),
        }),
        Some(list) => Ok(TransactionList {
            rows: list
                .transactions
                .iter()
                .map(|t| TransactionRow {
                    at: t.created_at.map(forms::minute).unwrap_or_default(),
                    direction: match t.direction.as_str() {
                        "credit" => "Credit".into(),
                        "debit" => "Debit".into(),
                        other => other.to_owned(),
                    },
                    amount: forms::money(t.amount, t.currency.as_deref().unwrap_or("")),
                    description: t.description.clone().unwrap_or_default(),
                    kind: t
                        .reference_type
                        .as_deref()
                        .map(|r| match r {
                            "did_rental" => "Number rental".to_owned(),
                            "cdr" => "Calls".to_owned(),
                            "payment" => "Payment".to_owned(),
                            "refund" => "Refund".to_owned(),
                            "unknown" => "Transfer".to_owned(),
                            other => other.replace('_', " "),
                        })
                        .unwrap_or_default(),
                })
                .collect(),
            total: list.total as i64,
            page: q.page,
            per_page: TRANSACTIONS_PER_PAGE,
            unavailable: None,
        }),
    }
}

/// What the create page needs to say before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerLimits {
    /// Vobiz lets the partner create customer accounts.
    pub can_create_accounts: bool,
    /// Customer accounts so far and the most allowed, when Vobiz says.
    pub accounts: Option<(u32, u32)>,
    /// A pool account is connected (sub-accounts are possible).
    pub has_pool: bool,
}

/// The partner's flags and limits, for the create page.
#[server(prefix = "/api", endpoint = "create_limits")]
pub async fn create_limits() -> Result<PartnerLimits, AppError> {
    use crate::domain::policy::Action;
    use crate::server::{forms::signed_in, upstream};
    let (state, user) = signed_in().await?;
    user.require(Action::CreateCustomer)?;
    let conn = upstream::connection(&state, user.tenant_id).await?;
    let me = conn
        .client
        .partner(&conn.partner)
        .me()
        .await
        .map_err(upstream::read_failed)?;
    Ok(PartnerLimits {
        can_create_accounts: me.can_create_accounts,
        accounts: me.account_count.zip(me.max_accounts),
        has_pool: conn.pool.is_some(),
    })
}

/// Sends a create form back to its page with the entered values (never the password) and
/// the refusal on its field.
#[cfg(feature = "ssr")]
fn back_to_form(
    kind: &str,
    refusal: &crate::server::customers::FieldError,
    values: &[(&str, &str)],
) {
    let mut pairs: Vec<(&str, &str)> = vec![("kind", kind), ("error", &refusal.message)];
    if let Some(field) = refusal.field {
        pairs.push(("field", field));
    }
    pairs.extend(values.iter().copied());
    leptos_axum::redirect(&format!(
        "{NEW_CUSTOMER_PAGE}?{}",
        crate::server::request::url_query(&pairs)
    ));
}

/// Creates a partner customer account, then opens its onboarding.
#[server(prefix = "/api", endpoint = "create_customer")]
pub async fn create_customer(
    name: String,
    email: String,
    phone: String,
    country: String,
    company: Option<String>,
    password: String,
) -> Result<(), AppError> {
    use crate::server::customers::{self, CreateError, CustomerForm};
    use crate::server::forms::{actor_of, signed_in};
    let (state, user) = signed_in().await?;
    let company = company.unwrap_or_default();
    let form = CustomerForm {
        name: name.clone(),
        email: email.clone(),
        phone: phone.clone(),
        country: country.clone(),
        company: company.clone(),
        password: secrecy::SecretString::from(password),
    };
    match customers::create_customer(&state, &user, &actor_of(&user), form).await {
        Ok(id) => {
            leptos_axum::redirect(&format!(
                "/customers/{id}/onboarding?{}",
                crate::server::request::url_query(&[(
                    "notice",
                    &format!(
                        "Created {} ({id}) at Vobiz. Next: fund the wallet.",
                        name.trim()
                    )
                )])
            ));
            Ok(())
        }
        Err(CreateError::Refused(refusal)) => {
            back_to_form(
                "customer",
                &refusal,
                &[
                    ("name", &name),
                    ("email", &email),
                    ("phone", &phone),
                    ("country", &country),
                    ("company", &company),
                ],
            );
            Ok(())
        }
        Err(CreateError::App(AppError::Forbidden)) => {
            back_to_form(
                "customer",
                &crate::server::customers::FieldError {
                    field: None,
                    message: "Your role does not allow creating customers. Owners, admins and operators can.".into(),
                },
                &[],
            );
            Ok(())
        }
        Err(CreateError::App(e)) => Err(e),
    }
}

/// Creates a sub-account of the pool account, then opens its onboarding.
#[server(prefix = "/api", endpoint = "create_sub_account")]
pub async fn create_sub_account(
    name: String,
    email: Option<String>,
    kyc_mode: String,
    business_type: String,
) -> Result<(), AppError> {
    use crate::server::customers::{self, CreateError, SubAccountForm};
    use crate::server::forms::{actor_of, signed_in};
    let (state, user) = signed_in().await?;
    let email = email.unwrap_or_default();
    let form = SubAccountForm {
        name: name.clone(),
        email: email.clone(),
        kyc_mode: kyc_mode.clone(),
        business_type: business_type.clone(),
    };
    match customers::create_sub_account(&state, &user, &actor_of(&user), form).await {
        Ok(id) => {
            leptos_axum::redirect(&format!(
                "/customers/{id}/onboarding?{}",
                crate::server::request::url_query(&[(
                    "notice",
                    &format!(
                        "Created sub-account {} ({id}). Next: give it a number.",
                        name.trim()
                    )
                )])
            ));
            Ok(())
        }
        Err(CreateError::Refused(refusal)) => {
            back_to_form(
                "sub_account",
                &refusal,
                &[
                    ("name", &name),
                    ("email", &email),
                    ("kyc_mode", &kyc_mode),
                    ("business_type", &business_type),
                ],
            );
            Ok(())
        }
        Err(CreateError::App(AppError::Forbidden)) => {
            back_to_form(
                "sub_account",
                &crate::server::customers::FieldError {
                    field: None,
                    message: "Your role does not allow creating customers. Owners, admins and operators can.".into(),
                },
                &[],
            );
            Ok(())
        }
        Err(CreateError::App(e)) => Err(e),
    }
}
