//! The partner API (`/api/v1/partner/…`), driven by partner (`PA_…`) credentials.

use chrono::{DateTime, Utc};
use reqwest::Method;
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::de::{self, money, timestamp};
use super::http::{segment, Call};
use super::ledger::{CustomerTransactionsQuery, TransactionsPage};
use super::numbers::{NumberQuery, NumbersPage, PhoneNumber};
use super::paging::{collect_pages, Paged, MAX_PER_PAGE};
use super::{Client, Credentials, Error};

/// The partner's own profile, `GET /api/v1/partner/me`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PartnerProfile {
    /// UUID of the partner.
    pub id: String,
    /// Numeric account id (an integer on the wire).
    #[serde(default, with = "de::id::option")]
    pub account_id: Option<String>,
    /// `PA_…`.
    pub auth_id: String,
    /// Display name.
    pub name: String,
    /// URL slug.
    #[serde(default)]
    pub slug: Option<String>,
    /// Company.
    #[serde(default)]
    pub company: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Billing model, e.g. `direct`.
    #[serde(default)]
    pub billing_model: Option<String>,
    /// Active.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub is_active: bool,
    /// Verified.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub is_verified: bool,
    /// Most customer accounts allowed.
    #[serde(default)]
    pub max_accounts: Option<u32>,
    /// May create customer accounts.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub can_create_accounts: bool,
    /// May create pricing tiers.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub can_create_pricing_tiers: bool,
    /// May read CDRs.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub can_view_cdrs: bool,
    /// May transfer balance to customers.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub can_transfer_balance: bool,
    /// Pricing tier given to new customers.
    #[serde(default, with = "de::id::option")]
    pub default_pricing_tier_id: Option<String>,
    /// Customer accounts so far.
    #[serde(default)]
    pub account_count: Option<u32>,
    /// Wallet balance (a 5-decimal string; a number in one docs example).
    #[serde(with = "money")]
    pub balance: Decimal,
    /// Wallet currency, when Vobiz sends it.
    #[serde(default)]
    pub currency: Option<String>,
    /// When the partner was created.
    #[serde(default, with = "timestamp::option")]
    pub created_at: Option<DateTime<Utc>>,
    /// When the partner last changed.
    #[serde(default, with = "timestamp::option")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// The partner dashboard, `GET /api/v1/partner/dashboard`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Dashboard {
    /// Who the dashboard is for (its `balance` is unreliable here; use `total_balance`).
    #[serde(default)]
    pub partner: Option<DashboardPartner>,
    /// The period the figures cover.
    #[serde(default)]
    pub period: Option<Period>,
    /// Customer counts and a short customer list.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub accounts: DashboardAccounts,
    /// The partner's wallet.
    #[serde(default, with = "money::option")]
    pub total_balance: Option<Decimal>,
    /// Currency of the money figures.
    #[serde(default)]
    pub currency: Option<String>,
    /// Calls over the period.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub calls: CallStats,
    /// Calls by direction.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub traffic: Traffic,
    /// Calls by product.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub by_product: ByProduct,
    /// Per-day figures.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub time_series: Vec<DailyStats>,
}

/// The partner as the dashboard names it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct DashboardPartner {
    /// UUID.
    pub id: Option<String>,
    /// `PA_…`.
    pub auth_id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Company.
    pub company: Option<String>,
}

/// A reporting period.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Period {
    /// Start, as Vobiz writes it.
    pub from: Option<String>,
    /// End, as Vobiz writes it.
    pub to: Option<String>,
}

/// Customer counts on the dashboard.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct DashboardAccounts {
    /// Customers in total.
    pub total: u64,
    /// Active customers.
    pub active: u64,
    /// A short list of customers.
    #[serde(deserialize_with = "de::null_as_default")]
    pub customers: Vec<DashboardCustomer>,
}

/// A customer on the dashboard.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DashboardCustomer {
    /// `MA_…`.
    pub auth_id: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Active.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub is_active: bool,
    /// When the customer was created.
    #[serde(default, with = "timestamp::option")]
    pub created_at: Option<DateTime<Utc>>,
}

/// Call figures.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CallStats {
    /// Calls.
    pub total_calls: u64,
    /// Answered calls.
    pub answered_calls: u64,
    /// Minutes (not money, so a float).
    pub total_minutes: f64,
    /// Cost, when given.
    #[serde(with = "money::option")]
    pub total_cost: Option<Decimal>,
}

/// Calls by direction.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Traffic {
    /// Inbound.
    #[serde(deserialize_with = "de::null_as_default")]
    pub inbound: CallStats,
    /// Outbound.
    #[serde(deserialize_with = "de::null_as_default")]
    pub outbound: CallStats,
}

/// Calls by product.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ByProduct {
    /// SIP trunking.
    #[serde(deserialize_with = "de::null_as_default")]
    pub sip_trunking: CallStats,
    /// Voice API.
    #[serde(deserialize_with = "de::null_as_default")]
    pub voice_api: CallStats,
}

/// One day of the dashboard series.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct DailyStats {
    /// The day, as Vobiz writes it.
    pub date: String,
    /// Calls.
    pub total_calls: u64,
    /// Answered calls.
    pub answered_calls: u64,
    /// Minutes.
    pub total_minutes: f64,
    /// Cost.
    #[serde(with = "money::option")]
    pub total_cost: Option<Decimal>,
    /// Inbound share.
    pub inbound: Option<CallStats>,
    /// Outbound share.
    pub outbound: Option<CallStats>,
}

/// A customer account (`MA_…`) as the partner sees it.
///
/// On the list `auth_token` is `"<redacted>"`; the single-customer call returns the real
/// token, which stays inside [`SecretString`].
#[derive(Debug, Clone, Deserialize)]
pub struct CustomerAccount {
    /// `MA_…`.
    pub auth_id: String,
    /// Numeric id as a string, e.g. `500000`.
    #[serde(default, with = "de::id::option")]
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Company.
    #[serde(default)]
    pub company: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Country (ISO 3166-1 alpha-2).
    #[serde(default)]
    pub country: Option<String>,
    /// Time zone.
    #[serde(default)]
    pub timezone: Option<String>,
    /// API UUID.
    #[serde(default)]
    pub api_id: Option<String>,
    /// Plan, e.g. `standard`.
    #[serde(default)]
    pub account_type: Option<String>,
    /// `prepaid` or `postpaid`.
    #[serde(default)]
    pub billing_mode: Option<String>,
    /// Wallet (a 5-decimal string).
    #[serde(default, with = "money::option")]
    pub cash_credits: Option<Decimal>,
    /// Wallet currency, when Vobiz sends it.
    #[serde(default)]
    pub currency: Option<String>,
    /// Calls per second allowed.
    #[serde(default)]
    pub cps_limit: Option<u32>,
    /// Concurrent calls allowed.
    #[serde(default)]
    pub concurrent_calls_limit: Option<u32>,
    /// Active.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub is_active: bool,
    /// Verified.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub is_verified: bool,
    /// Trial account.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub is_trial_account: bool,
    /// Enabled.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// `pending`, `verified`, …
    #[serde(default)]
    pub kyc_status: Option<String>,
    /// GSTIN.
    #[serde(default)]
    pub gstin: Option<String>,
    /// Pricing tier id.
    #[serde(default, with = "de::id::option")]
    pub pricing_tier_id: Option<String>,
    /// Pricing tier, when included.
    #[serde(default)]
    pub pricing_tier: Option<PricingTier>,
    /// The partner's UUID.
    #[serde(default)]
    pub partner_id: Option<String>,
    /// The customer's token on the single-customer call; `"<redacted>"` on the list.
    #[serde(default)]
    pub auth_token: Option<SecretString>,
    /// When the customer was created.
    #[serde(default, with = "timestamp::option")]
    pub created_at: Option<DateTime<Utc>>,
    /// When the customer last changed.
    #[serde(default, with = "timestamp::option")]
    pub updated_at: Option<DateTime<Utc>>,
    /// Last login.
    #[serde(default, with = "timestamp::option")]
    pub last_login: Option<DateTime<Utc>>,
}

impl CustomerAccount {
    /// The customer's credentials when the answer carried a real token (the
    /// single-customer call); `None` for the list's `"<redacted>"`.
    pub fn credentials(&self) -> Option<Credentials> {
        use secrecy::ExposeSecret;
        let token = self.auth_token.as_ref()?;
        let text = token.expose_secret();
        if text.is_empty() || text == "<redacted>" {
            return None;
        }
        Some(Credentials {
            auth_id: self.auth_id.clone(),
            auth_token: token.clone(),
        })
    }
}

/// A pricing tier.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct PricingTier {
    /// Id.
    #[serde(with = "de::id::option")]
    pub id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Currency.
    pub currency: Option<String>,
    /// Per-minute rate.
    #[serde(with = "money::option")]
    pub rate_per_minute: Option<Decimal>,
    /// Fee charged when a number is released.
    #[serde(with = "money::option")]
    pub did_release_fee: Option<Decimal>,
    /// Active.
    pub is_active: Option<bool>,
    /// The partner's default.
    pub is_default: Option<bool>,
}

/// A page of customers: `{"accounts":[…],"total","page","size"}`. The page size comes
/// back as `size` (older shapes: `per_page`).
#[derive(Debug, Clone, Deserialize)]
pub struct AccountsPage {
    /// The customers on this page.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub accounts: Vec<CustomerAccount>,
    /// Customers in total.
    #[serde(default)]
    pub total: u64,
    /// Page number echoed back.
    #[serde(default)]
    pub page: Option<u32>,
    /// Page size echoed back.
    #[serde(default)]
    pub size: Option<u32>,
    /// Page size echoed back under the request's name.
    #[serde(default)]
    pub per_page: Option<u32>,
}

impl Paged for AccountsPage {
    type Item = CustomerAccount;

    fn total(&self) -> u64 {
        self.total
    }

    fn page_size(&self) -> Option<u32> {
        self.size.or(self.per_page)
    }

    fn into_items(self) -> Vec<CustomerAccount> {
        self.accounts
    }
}

/// Paging and search of the customer list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountsQuery {
    /// 1-based page.
    pub page: Option<u32>,
    /// Page size, at most 100 (echoed back as `size`).
    pub per_page: Option<u32>,
    /// Substring of name or email.
    pub search: Option<String>,
}

/// Body of creating a customer account. Vobiz requires name, email, phone, password and
/// country; the rest is best-effort.
#[derive(Debug, Clone, Serialize)]
pub struct CreateCustomer {
    /// Full name.
    pub name: String,
    /// Email, unique across Vobiz.
    pub email: String,
    /// E.164 phone.
    pub phone: String,
    /// At least 8 characters with a digit and a special character.
    #[serde(serialize_with = "de::expose_secret")]
    pub password: SecretString,
    /// ISO 3166-1 alpha-2; decides the wallet currency.
    pub country: String,
    /// Company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Description of the use case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Street address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
    /// IANA time zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// GSTIN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gstin: Option<String>,
    /// `active` or `inactive`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gst_status: Option<String>,
    /// Plan; Vobiz defaults to `standard`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
}

/// Answer to creating a customer: the only time its token is shown.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedCustomer {
    /// `MA_…`.
    pub auth_id: String,
    /// The customer's token.
    pub auth_token: SecretString,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// `active`.
    #[serde(default)]
    pub status: Option<String>,
    /// Opening balance (a number, `0`).
    #[serde(default, with = "money::option")]
    pub balance: Option<Decimal>,
    /// Wallet currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Country.
    #[serde(default)]
    pub country: Option<String>,
    /// When the customer was created.
    #[serde(default, with = "timestamp::option")]
    pub created_at: Option<DateTime<Utc>>,
}

impl CreatedCustomer {
    /// The new customer's credentials.
    pub fn credentials(&self) -> Credentials {
        Credentials {
            auth_id: self.auth_id.clone(),
            auth_token: self.auth_token.clone(),
        }
    }
}

/// A customer's wallet, `GET /api/v1/partner/accounts/{id}/balance`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CustomerBalance {
    /// `MA_…`.
    #[serde(default)]
    pub auth_id: Option<String>,
    /// Wallet (a 5-decimal string).
    #[serde(with = "money")]
    pub cash_credits: Decimal,
    /// Currency.
    #[serde(default)]
    pub currency: Option<String>,
}

/// Body of a transfer from the partner wallet to a customer. Not idempotent at Vobiz:
/// the caller makes sure a transfer is sent once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferRequest {
    /// Amount, greater than zero.
    #[serde(with = "money")]
    pub amount: Decimal,
    /// Must equal the partner's currency.
    pub currency: String,
    /// Shown in both ledgers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Answer to a transfer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Transfer {
    /// `txn_…`.
    pub transaction_id: String,
    /// `PA_…`.
    #[serde(default)]
    pub from_account: Option<String>,
    /// `MA_…`.
    #[serde(default)]
    pub to_account: Option<String>,
    /// Amount moved.
    #[serde(with = "money")]
    pub amount: Decimal,
    /// Currency.
    pub currency: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// `completed`.
    #[serde(default)]
    pub status: Option<String>,
    /// Partner wallet afterwards.
    #[serde(default, with = "money::option")]
    pub partner_balance_after: Option<Decimal>,
    /// Customer wallet afterwards.
    #[serde(default, with = "money::option")]
    pub customer_balance_after: Option<Decimal>,
    /// When it happened.
    #[serde(default, with = "timestamp::option")]
    pub timestamp: Option<DateTime<Utc>>,
}

/// The partner API for one set of partner credentials. Get it from [`Client::partner`].
#[derive(Debug, Clone, Copy)]
pub struct PartnerApi<'a> {
    client: &'a Client,
    credentials: &'a Credentials,
}

impl<'a> PartnerApi<'a> {
    pub(crate) fn new(client: &'a Client, credentials: &'a Credentials) -> Self {
        PartnerApi {
            client,
            credentials,
        }
    }

    /// `GET /api/v1/partner/me`: the partner profile; also the way to check credentials.
    pub async fn me(&self) -> Result<PartnerProfile, Error> {
        let call = Call::get("/api/v1/partner/me", "/api/v1/partner/me".to_owned());
        self.client.json(self.credentials, call).await
    }

    /// `GET /api/v1/partner/dashboard`.
    pub async fn dashboard(&self) -> Result<Dashboard, Error> {
        let call = Call::get(
            "/api/v1/partner/dashboard",
            "/api/v1/partner/dashboard".to_owned(),
        );
        self.client.json(self.credentials, call).await
    }

    /// `POST /api/v1/partner/accounts`: creates a customer account. Never retried.
    pub async fn create_account(&self, request: &CreateCustomer) -> Result<CreatedCustomer, Error> {
        let call = Call::new(
            Method::POST,
            "/api/v1/partner/accounts",
            "/api/v1/partner/accounts".to_owned(),
        )
        .json(request)?;
        self.client.json(self.credentials, call).await
    }

    /// `GET /api/v1/partner/accounts`: one page of customers.
    pub async fn list_accounts(&self, query: &AccountsQuery) -> Result<AccountsPage, Error> {
        let call = Call::get(
            "/api/v1/partner/accounts",
            "/api/v1/partner/accounts".to_owned(),
        )
        .query("page", query.page)
        .query("per_page", query.per_page)
        .query("search", query.search.as_deref());
        self.client.json(self.credentials, call).await
    }

    /// Every customer matching `search`, walking the pages `concurrency` at a time.
    pub async fn all_accounts(
        &self,
        search: Option<&str>,
        concurrency: usize,
    ) -> Result<Vec<CustomerAccount>, Error> {
        collect_pages(MAX_PER_PAGE, concurrency, |page| {
            let query = AccountsQuery {
                page: Some(page),
                per_page: Some(MAX_PER_PAGE),
                search: search.map(str::to_owned),
            };
            async move { self.list_accounts(&query).await }
        })
        .await
    }

    /// `GET /api/v1/partner/accounts/{customer_auth_id}`: the full customer profile,
    /// including its token.
    pub async fn get_account(&self, customer_auth_id: &str) -> Result<CustomerAccount, Error> {
        let call = Call::get(
            "/api/v1/partner/accounts/{customer_auth_id}",
            format!("/api/v1/partner/accounts/{}", segment(customer_auth_id)),
        );
        self.client.json(self.credentials, call).await
    }

    /// `GET /api/v1/partner/accounts/{customer_auth_id}/balance`.
    pub async fn account_balance(&self, customer_auth_id: &str) -> Result<CustomerBalance, Error> {
        let call = Call::get(
            "/api/v1/partner/accounts/{customer_auth_id}/balance",
            format!(
                "/api/v1/partner/accounts/{}/balance",
                segment(customer_auth_id)
            ),
        );
        self.client.json(self.credentials, call).await
    }

    /// `POST /api/v1/partner/accounts/{customer_auth_id}/transfer-balance`: moves money from
    /// the partner wallet to the customer. Never retried; on [`Error::outcome_unknown`]
    /// reconcile from the ledgers before sending again.
    pub async fn transfer_balance(
        &self,
        customer_auth_id: &str,
        request: &TransferRequest,
    ) -> Result<Transfer, Error> {
        let call = Call::new(
            Method::POST,
            "/api/v1/partner/accounts/{customer_auth_id}/transfer-balance",
            format!(
                "/api/v1/partner/accounts/{}/transfer-balance",
                segment(customer_auth_id)
            ),
        )
        .json(request)?;
        self.client.json(self.credentials, call).await
    }

    /// `GET /api/v1/partner/accounts/{customer_auth_id}/transactions`.
    pub async fn customer_transactions(
        &self,
        customer_auth_id: &str,
        query: &CustomerTransactionsQuery,
    ) -> Result<TransactionsPage, Error> {
        let call = Call::get(
            "/api/v1/partner/accounts/{customer_auth_id}/transactions",
            format!(
                "/api/v1/partner/accounts/{}/transactions",
                segment(customer_auth_id)
            ),
        )
        .query("page", query.page)
        .query("per_page", query.per_page)
        .query(
            "from_date",
            query.from_date.map(|day| day.format("%Y-%m-%d")),
        )
        .query("to_date", query.to_date.map(|day| day.format("%Y-%m-%d")))
        .query("transaction_type", query.transaction_type.as_ref());
        self.client.json(self.credentials, call).await
    }

    /// `GET /api/v1/partner/accounts/{customer_auth_id}/numbers`: the customer's numbers.
    pub async fn customer_numbers(
        &self,
        customer_auth_id: &str,
        query: &NumberQuery,
    ) -> Result<NumbersPage, Error> {
        let call = Call::get(
            "/api/v1/partner/accounts/{customer_auth_id}/numbers",
            format!(
                "/api/v1/partner/accounts/{}/numbers",
                segment(customer_auth_id)
            ),
        );
        self.client.json(self.credentials, query.apply(call)).await
    }

    /// Every number of one customer, walking the pages `concurrency` at a time.
    pub async fn all_customer_numbers(
        &self,
        customer_auth_id: &str,
        search: Option<&str>,
        concurrency: usize,
    ) -> Result<Vec<PhoneNumber>, Error> {
        collect_pages(MAX_PER_PAGE, concurrency, |page| {
            let query = NumberQuery::walking(page, search);
            async move { self.customer_numbers(customer_auth_id, &query).await }
        })
        .await
    }

    /// `GET /api/v1/partner/numbers`: numbers across all of the partner's customers.
    pub async fn numbers(&self, query: &NumberQuery) -> Result<NumbersPage, Error> {
        let call = Call::get(
            "/api/v1/partner/numbers",
            "/api/v1/partner/numbers".to_owned(),
        );
        self.client.json(self.credentials, query.apply(call)).await
    }

    /// Every number across the partner's customers, walking the pages `concurrency` at a
    /// time.
    pub async fn all_numbers(
        &self,
        search: Option<&str>,
        concurrency: usize,
    ) -> Result<Vec<PhoneNumber>, Error> {
        collect_pages(MAX_PER_PAGE, concurrency, |page| {
            let query = NumberQuery::walking(page, search);
            async move { self.numbers(&query).await }
        })
        .await
    }
}
