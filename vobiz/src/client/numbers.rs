//! Phone numbers (DIDs): the number object, list and inventory queries, purchase, release.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::de::{self, money, string_enum, timestamp};
use super::http::Call;
use super::paging::{Paged, MAX_PER_PAGE};

string_enum! {
    /// Lifecycle state of a number.
    pub enum NumberStatus {
        /// Routed and billed.
        Active => "active",
        /// Purchase in progress.
        PendingPurchase => "pending_purchase",
        /// Released, inside the 24 h window in which the release can be cancelled.
        PendingRelease => "pending_release",
        /// Released; quarantined before it returns to inventory.
        Released => "released",
        /// Blocked by Vobiz.
        Blocked => "blocked",
    }
}

/// Channels a number supports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Capabilities {
    /// Voice calls.
    pub voice: bool,
    /// SMS.
    pub sms: bool,
    /// MMS.
    pub mms: bool,
    /// Fax.
    pub fax: bool,
}

/// A phone number as Vobiz lists it: owned, in a customer's pool, or in inventory.
///
/// Older answers name the owner `auth_id`, newer ones `account_id`; [`PhoneNumber::owner`]
/// reads whichever is present.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PhoneNumber {
    /// UUID of the number.
    pub id: String,
    /// Owner (`MA_…`/`SA_…`) in newer answers; `None` in inventory.
    #[serde(default, with = "de::id::option")]
    pub account_id: Option<String>,
    /// Owner in older answers (the purchase example of the old docs).
    #[serde(default, with = "de::id::option")]
    pub auth_id: Option<String>,
    /// The number in E.164 form, with `+`.
    pub e164: String,
    /// ISO 3166-1 alpha-2 country.
    #[serde(default)]
    pub country: Option<String>,
    /// Region or state, e.g. `Karnataka`, `MH`.
    #[serde(default)]
    pub region: Option<String>,
    /// Supported channels.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub capabilities: Capabilities,
    /// Lifecycle state.
    pub status: NumberStatus,
    /// Upstream provider, often empty.
    #[serde(default)]
    pub provider: Option<String>,
    /// One-time fee charged on purchase.
    #[serde(with = "money")]
    pub setup_fee: Decimal,
    /// Recurring monthly rental.
    #[serde(with = "money")]
    pub monthly_fee: Decimal,
    /// Currency of the fees.
    #[serde(default)]
    pub currency: Option<String>,
    /// Application the number routes to; `None` means inbound calls have nowhere to go.
    #[serde(default, with = "de::id::option")]
    pub application_id: Option<String>,
    /// Whether voice is enabled, when Vobiz says.
    #[serde(default)]
    pub voice_enabled: Option<bool>,
    /// Free-form tags.
    #[serde(default, deserialize_with = "de::tags")]
    pub tags: Vec<String>,
    /// When the number was bought.
    #[serde(default, with = "timestamp::option")]
    pub purchased_at: Option<DateTime<Utc>>,
    /// Blocked by Vobiz.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub is_blocked: bool,
    /// When Vobiz created the record.
    #[serde(default, with = "timestamp::option")]
    pub created_at: Option<DateTime<Utc>>,
    /// When Vobiz last changed the record.
    #[serde(default, with = "timestamp::option")]
    pub updated_at: Option<DateTime<Utc>>,
    /// A trial number.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub is_trial_number: bool,
    /// When the rental was last charged.
    #[serde(default, with = "timestamp::option")]
    pub last_billing_date: Option<DateTime<Utc>>,
    /// When the rental is next charged (there is no separate expiry).
    #[serde(default, with = "timestamp::option")]
    pub next_billing_date: Option<DateTime<Utc>>,
    /// Minimum rental commitment.
    #[serde(default)]
    pub minimum_commitment_months: Option<u32>,
    /// Indian numbers: Aadhaar verification is required.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub aadhaar_verification_required: bool,
    /// Indian numbers: Aadhaar verification is done.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub aadhaar_verified: bool,
    /// How the number was obtained: `purchased`, `inventory`.
    #[serde(default)]
    pub source: Option<String>,
    /// When the number was released.
    #[serde(default, with = "timestamp::option")]
    pub released_at: Option<DateTime<Utc>>,
    /// SIP trunk group the number is attached to.
    #[serde(default)]
    pub trunk_group_id: Option<String>,
}

impl PhoneNumber {
    /// The owning account, from `account_id` or, in older answers, `auth_id`.
    pub fn owner(&self) -> Option<&str> {
        self.account_id.as_deref().or(self.auth_id.as_deref())
    }
}

/// One page of numbers: `{"items":[…],"page","per_page","total"}` (+ `account_auth_id` on
/// the partner per-customer list).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NumbersPage {
    /// The numbers on this page.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub items: Vec<PhoneNumber>,
    /// Page number echoed back.
    #[serde(default)]
    pub page: Option<u32>,
    /// Page size echoed back.
    #[serde(default)]
    pub per_page: Option<u32>,
    /// Matching numbers across all pages.
    #[serde(default)]
    pub total: u64,
    /// The customer, on the partner per-customer list.
    #[serde(default)]
    pub account_auth_id: Option<String>,
}

impl Paged for NumbersPage {
    type Item = PhoneNumber;

    fn total(&self) -> u64 {
        self.total
    }

    fn page_size(&self) -> Option<u32> {
        self.per_page
    }

    fn into_items(self) -> Vec<PhoneNumber> {
        self.items
    }
}

/// Paging and search for number lists (account numbers, partner numbers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumberQuery {
    /// 1-based page; Vobiz defaults to 1.
    pub page: Option<u32>,
    /// Page size, at most 100.
    pub per_page: Option<u32>,
    /// Substring of the E.164 number.
    pub search: Option<String>,
}

impl NumberQuery {
    /// Page `page` of a full walk: the largest page size, the same search.
    pub(crate) fn walking(page: u32, search: Option<&str>) -> NumberQuery {
        NumberQuery {
            page: Some(page),
            per_page: Some(MAX_PER_PAGE),
            search: search.map(str::to_owned),
        }
    }

    /// Adds this query's parameters to `call`.
    pub(crate) fn apply(&self, call: Call) -> Call {
        call.query("page", self.page)
            .query("per_page", self.per_page)
            .query("search", self.search.as_deref())
    }
}

/// Filters for the inventory of numbers available to buy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventoryQuery {
    /// ISO 3166-1 alpha-2 country.
    pub country: Option<String>,
    /// Substring of the E.164 number, e.g. `80`.
    pub search: Option<String>,
    /// E.164 prefixes to leave out (country code included, `+` optional); sent as repeated
    /// `exclude` parameters.
    pub exclude: Vec<String>,
    /// 1-based page; Vobiz defaults to 1.
    pub page: Option<u32>,
    /// Page size, at most 100.
    pub per_page: Option<u32>,
}

/// Body of a purchase from inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurchaseRequest {
    /// The number, E.164 with `+`.
    pub e164: String,
    /// Currency of the debit; Vobiz defaults to the number's currency, else USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// Answer to a purchase: the number as it now stands, owned by the buyer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Purchase {
    /// `Number purchased successfully` (older: `purchased from inventory`).
    #[serde(default)]
    pub message: Option<String>,
    /// The purchased number.
    pub number: PhoneNumber,
    /// A short form of the purchased number(s), in newer answers.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub items: Vec<PurchasedItem>,
}

/// The short number form in a purchase answer's `items`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PurchasedItem {
    /// UUID of the number.
    pub id: String,
    /// New owner.
    #[serde(default, with = "de::id::option")]
    pub account_id: Option<String>,
    /// The number in E.164 form.
    pub e164: String,
    /// Country.
    #[serde(default)]
    pub country: Option<String>,
    /// Region.
    #[serde(default)]
    pub region: Option<String>,
    /// Supported channels.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub capabilities: Capabilities,
    /// Lifecycle state.
    #[serde(default)]
    pub status: Option<NumberStatus>,
    /// Monthly rental.
    #[serde(default, with = "money::option")]
    pub monthly_fee: Option<Decimal>,
    /// Currency.
    #[serde(default)]
    pub currency: Option<String>,
}

/// What releasing (unrenting) a number did. Vobiz has answered in three ways over time.
#[derive(Debug, Clone, PartialEq)]
pub enum ReleaseOutcome {
    /// Newest default: the number is `pending_release` for a cancellable cooldown, then
    /// quarantined.
    PendingRelease(PendingRelease),
    /// Released at once: the oldest 200 `{"message":"number returned to inventory"}`, or an
    /// `immediate` release that names another status.
    Released {
        /// Vobiz's message, when it sent one.
        message: Option<String>,
        /// Release fee charged, when Vobiz says.
        release_fee: Option<Decimal>,
    },
    /// 204 or an empty 200: released, no details.
    NoContent,
}

impl ReleaseOutcome {
    /// True when the release can still be cancelled.
    pub fn is_cancellable(&self) -> bool {
        matches!(self, ReleaseOutcome::PendingRelease(_))
    }

    /// Reads any of the three documented answers; an error if the body is not JSON or not
    /// an object.
    pub(crate) fn from_body(body: &[u8], no_content: bool) -> Result<ReleaseOutcome, String> {
        if no_content || super::http::is_empty_body(body) {
            return Ok(ReleaseOutcome::NoContent);
        }
        let value: Value = serde_json::from_slice(body).map_err(|error| error.to_string())?;
        let Value::Object(map) = &value else {
            return Err(format!("expected an object, found {}", de::kind_of(&value)));
        };
        let pending = match map.get("status").and_then(Value::as_str) {
            Some(status) => status == "pending_release",
            None => map.contains_key("cancel_url"),
        };
        if pending {
            return de::from_json_value(value).map(ReleaseOutcome::PendingRelease);
        }
        let release_fee = match map.get("release_fee") {
            None | Some(Value::Null) => None,
            Some(fee) => Some(money::from_value(fee)?),
        };
        Ok(ReleaseOutcome::Released {
            message: map
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_owned),
            release_fee,
        })
    }
}

/// The newest release answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PendingRelease {
    /// `pending_release`.
    #[serde(default)]
    pub status: Option<NumberStatus>,
    /// `number release initiated`.
    #[serde(default)]
    pub message: Option<String>,
    /// Vobiz's explanation of the cooldown and quarantine.
    #[serde(default)]
    pub note: Option<String>,
    /// Path of the cancel-release call.
    #[serde(default)]
    pub cancel_url: Option<String>,
    /// End of the window in which the release can be cancelled.
    #[serde(default, with = "timestamp::option")]
    pub cooldown_ends_at: Option<DateTime<Utc>>,
    /// Release fee charged (refunded on cancel).
    #[serde(default, with = "money::option")]
    pub release_fee: Option<Decimal>,
}

/// Answer to cancelling a pending release.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CancelRelease {
    /// `release cancelled, number restored to active status`.
    #[serde(default)]
    pub message: Option<String>,
    /// `active`.
    #[serde(default)]
    pub status: Option<NumberStatus>,
    /// Currency of the refund.
    #[serde(default)]
    pub currency: Option<String>,
    /// Release fee refunded.
    #[serde(default, with = "money::option")]
    pub refund_amount: Option<Decimal>,
    /// `success` or `failed`.
    #[serde(default)]
    pub refund_status: Option<String>,
    /// Why the refund failed, when it did.
    #[serde(default)]
    pub refund_error: Option<String>,
}

/// Body of assigning a pool number to a sub-account.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AssignSubAccount<'a> {
    pub(crate) sub_account_id: &'a str,
}
