//! Wallets and ledgers: account balance, transactions (account and partner views).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::de::{self, money, string_enum, timestamp};
use super::paging::Paged;

/// A wallet as `GET /api/v1/Account/{auth_id}/balance/{currency}` shows it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Balance {
    /// UUID of the balance record.
    #[serde(default, with = "de::id::option")]
    pub id: Option<String>,
    /// The account.
    #[serde(default, with = "de::id::option")]
    pub account_id: Option<String>,
    /// ISO 4217 currency.
    pub currency: String,
    /// Booked balance.
    #[serde(with = "money")]
    pub balance: Decimal,
    /// Funds held for calls in progress.
    #[serde(default, with = "money::option")]
    pub reserved_funds: Option<Decimal>,
    /// Promotional credit.
    #[serde(default, with = "money::option")]
    pub promotional_balance: Option<Decimal>,
    /// Promotional credit held.
    #[serde(default, with = "money::option")]
    pub promotional_reserved_balance: Option<Decimal>,
    /// What can be spent now; check it before a purchase.
    #[serde(with = "money")]
    pub available_balance: Decimal,
    /// Credit allowed below zero.
    #[serde(default, with = "money::option")]
    pub credit_limit: Option<Decimal>,
    /// Postpaid account.
    #[serde(default)]
    pub is_postpaid: Option<bool>,
    /// `soft` or `hard`.
    #[serde(default)]
    pub credit_limit_type: Option<String>,
    /// Threshold for low-balance warnings.
    #[serde(default, with = "money::option")]
    pub low_balance_threshold: Option<Decimal>,
    /// Wallet state.
    #[serde(default)]
    pub status: Option<String>,
    /// When the wallet was created.
    #[serde(default, with = "timestamp::option")]
    pub created_at: Option<DateTime<Utc>>,
    /// When the wallet last changed.
    #[serde(default, with = "timestamp::option")]
    pub updated_at: Option<DateTime<Utc>>,
}

string_enum! {
    /// Direction of a ledger row.
    pub enum LedgerDirection {
        /// Money in.
        Credit => "credit",
        /// Money out.
        Debit => "debit",
    }
}

/// One ledger row.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Transaction {
    /// UUID of the row.
    #[serde(with = "de::id")]
    pub id: String,
    /// The account.
    #[serde(default, with = "de::id::option")]
    pub account_id: Option<String>,
    /// The wallet.
    #[serde(default, with = "de::id::option")]
    pub balance_id: Option<String>,
    /// `credit` or `debit`.
    #[serde(rename = "type")]
    pub direction: LedgerDirection,
    /// Amount, always positive; `direction` gives the sign.
    #[serde(with = "money")]
    pub amount: Decimal,
    /// Currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Human description, e.g. `Transfer from partner …`.
    #[serde(default)]
    pub description: Option<String>,
    /// Machine reference, e.g. `cdr:<uuid>`, `ptc:<partner>:<customer>:<ts>`.
    #[serde(default)]
    pub reference: Option<String>,
    /// `cdr`, `did_rental`, `manual_adjustment`, `payment`, `refund`, …
    #[serde(default)]
    pub reference_type: Option<String>,
    /// Row state, e.g. `completed`.
    #[serde(default)]
    pub status: Option<String>,
    /// When the row was applied.
    #[serde(default, with = "timestamp::option")]
    pub processed_at: Option<DateTime<Utc>>,
    /// When the row was created.
    #[serde(default, with = "timestamp::option")]
    pub created_at: Option<DateTime<Utc>>,
    /// When the row last changed.
    #[serde(default, with = "timestamp::option")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Totals over the filtered transactions.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct TransactionSummary {
    /// Rows matched.
    pub total_transactions: Option<u64>,
    /// Sum of debits.
    #[serde(with = "money::option")]
    pub total_debit: Option<Decimal>,
    /// Sum of credits.
    #[serde(with = "money::option")]
    pub total_credit: Option<Decimal>,
    /// Credits minus debits.
    #[serde(with = "money::option")]
    pub net_amount: Option<Decimal>,
    /// Totals per reference type.
    #[serde(deserialize_with = "de::null_as_default")]
    pub by_reference_type: Vec<ReferenceTypeSummary>,
}

/// Totals for one reference type.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ReferenceTypeSummary {
    /// The reference type.
    pub reference_type: Option<String>,
    /// Sum of debits.
    #[serde(with = "money::option")]
    pub total_debit: Option<Decimal>,
    /// Sum of credits.
    #[serde(with = "money::option")]
    pub total_credit: Option<Decimal>,
    /// Rows.
    pub count: Option<u64>,
}

/// A page of transactions, from the account API or the partner per-customer view.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TransactionsPage {
    /// The rows on this page.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub transactions: Vec<Transaction>,
    /// Totals over all matching rows.
    #[serde(default)]
    pub summary: Option<TransactionSummary>,
    /// Matching rows across all pages.
    #[serde(default)]
    pub total: u64,
    /// Page number echoed back.
    #[serde(default)]
    pub page: Option<u32>,
    /// Page size echoed back.
    #[serde(default)]
    pub per_page: Option<u32>,
    /// Pages in total.
    #[serde(default)]
    pub total_pages: Option<u32>,
    /// The customer, on the partner view.
    #[serde(default)]
    pub account_auth_id: Option<String>,
}

impl Paged for TransactionsPage {
    type Item = Transaction;

    fn total(&self) -> u64 {
        self.total
    }

    fn page_size(&self) -> Option<u32> {
        self.per_page
    }

    fn into_items(self) -> Vec<Transaction> {
        self.transactions
    }
}

string_enum! {
    /// The partner API's transaction filter (a different vocabulary from the rows'
    /// `credit`/`debit`).
    pub enum TransactionType {
        /// Wallet recharges.
        Recharge => "recharge",
        /// Usage and rental debits.
        Debit => "debit",
        /// Refunds.
        Refund => "refund",
        /// Partner transfers.
        Transfer => "transfer",
    }
}

/// Filters for a customer's transactions on the partner API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerTransactionsQuery {
    /// 1-based page.
    pub page: Option<u32>,
    /// Page size, at most 100.
    pub per_page: Option<u32>,
    /// First day included.
    pub from_date: Option<NaiveDate>,
    /// Last day included.
    pub to_date: Option<NaiveDate>,
    /// Kind of transaction.
    pub transaction_type: Option<TransactionType>,
}

/// Paging of an account's own transactions (`limit`/`offset`, as the SDK sends them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountTransactionsQuery {
    /// Rows to return; Vobiz defaults to 50, at most 100.
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u32>,
}
