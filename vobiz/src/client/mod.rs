//! Typed async client for the Vobiz partner, phone-number and sub-account APIs.
//!
//! One [`Client`] (connection pool, base URL, timeouts, retry policy) serves every tenant;
//! credentials are given per call:
//!
//! ```no_run
//! # async fn run() -> Result<(), vobiz::client::Error> {
//! use vobiz::client::{Client, ClientOptions, Credentials, InventoryQuery};
//!
//! let client = Client::new("https://api.vobiz.ai", ClientOptions::default())?;
//! let partner = Credentials::new("PA_XXXXXXXX", "partner-token");
//! let profile = client.partner(&partner).me().await?;
//! println!("{} has {}", profile.name, profile.balance);
//!
//! let customer = Credentials::new("MA_XXXXXXXX", "customer-token");
//! let page = client
//!     .account(&customer)
//!     .inventory(&InventoryQuery { country: Some("IN".into()), ..Default::default() })
//!     .await?;
//! println!("{} numbers for sale", page.total);
//! # Ok(()) }
//! ```
//!
//! Reads (`GET`) are retried on 429/502/503/504 and broken connections; writes never are,
//! because a repeated purchase or transfer could spend money twice. Tokens are sent only
//! in the `X-Auth-Token` header and appear in no `Debug`, log line or error.

mod account;
mod de;
mod error;
mod http;
mod ledger;
mod numbers;
mod paging;
mod partner;
mod sub_accounts;

pub use account::AccountApi;
pub use de::{id, money, parse_timestamp, timestamp};
pub use error::Error;
pub use http::{Client, ClientOptions, Credentials, RetryPolicy};
pub use ledger::{
    AccountTransactionsQuery, Balance, CustomerTransactionsQuery, LedgerDirection,
    ReferenceTypeSummary, Transaction, TransactionSummary, TransactionType, TransactionsPage,
};
pub use numbers::{
    CancelRelease, Capabilities, InventoryQuery, NumberQuery, NumberStatus, NumbersPage,
    PendingRelease, PhoneNumber, Purchase, PurchaseRequest, PurchasedItem, ReleaseOutcome,
};
pub use paging::{collect_pages, Paged, MAX_PER_PAGE};
pub use partner::{
    AccountsPage, AccountsQuery, ByProduct, CallStats, CreateCustomer, CreatedCustomer,
    CustomerAccount, CustomerBalance, DailyStats, Dashboard, DashboardAccounts, DashboardCustomer,
    DashboardPartner, PartnerApi, PartnerProfile, Period, PricingTier, Traffic, Transfer,
    TransferRequest,
};
pub use sub_accounts::{
    AuthCredentials, CreateSubAccount, CreatedSubAccount, KycMode, Permissions, SessionTokens,
    SubAccount, SubAccountsPage, SubAccountsQuery, UpdateSubAccount,
};
