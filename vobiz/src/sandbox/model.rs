//! The sandbox's state: one plain struct, serialisable so it can be dumped and persisted.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::faults::Fault;

/// How long a default release stays cancellable.
pub(crate) const RELEASE_COOLDOWN: Duration = Duration::hours(24);
/// How long a released number rests before it re-enters inventory.
pub(crate) const QUARANTINE: Duration = Duration::days(45);
/// How long after a DID's last call it may not leave a sub-account.
pub(crate) const COOL_OFF: Duration = Duration::days(15);

/// An API token. Serialised (the state file needs it) but never printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Token(pub(crate) String);

impl Token {
    /// Compares without an early exit on the first differing byte.
    pub(crate) fn matches(&self, candidate: &str) -> bool {
        let a = self.0.as_bytes();
        let b = candidate.as_bytes();
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The whole sandbox world.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct World {
    pub(crate) seed: u64,
    /// Word position of the runtime random stream, so ids stay deterministic across restarts.
    pub(crate) rng_pos: u64,
    pub(crate) clock_offset_secs: i64,
    /// Bumped by every change; persistence writes when it moved.
    pub(crate) revision: u64,
    pub(crate) next_numeric_id: u64,
    pub(crate) next_call_id: u64,
    pub(crate) next_fault_id: u64,
    pub(crate) partner: Partner,
    /// Main (`MA_`) and sub (`SA_`) accounts by auth id.
    pub(crate) accounts: BTreeMap<String, Account>,
    /// Wallets by owner: partner `PA_`, main accounts `MA_`, and one revenue wallet per currency.
    pub(crate) wallets: BTreeMap<String, Wallet>,
    /// Every DID by its E.164 (with `+`).
    pub(crate) numbers: BTreeMap<String, Number>,
    pub(crate) pricing_tiers: BTreeMap<Uuid, PricingTier>,
    pub(crate) calls: Vec<CallRecord>,
    pub(crate) assignment_audit: Vec<AssignmentAudit>,
    pub(crate) faults: Vec<Fault>,
    /// Money that entered the world from outside (seeding and control top-ups), per currency.
    pub(crate) external_in: BTreeMap<String, Decimal>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Partner {
    pub(crate) id: Uuid,
    pub(crate) account_id: u64,
    pub(crate) name: String,
    pub(crate) slug: String,
    pub(crate) company: String,
    pub(crate) auth_id: String,
    pub(crate) auth_token: Token,
    pub(crate) email: String,
    pub(crate) phone: String,
    pub(crate) billing_model: String,
    pub(crate) is_active: bool,
    pub(crate) is_verified: bool,
    pub(crate) max_accounts: u32,
    pub(crate) can_create_accounts: bool,
    pub(crate) can_create_pricing_tiers: bool,
    pub(crate) can_view_cdrs: bool,
    pub(crate) can_transfer_balance: bool,
    pub(crate) default_pricing_tier_id: Uuid,
    pub(crate) currency: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

/// What kind of account an `MA_`/`SA_` id is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum AccountKind {
    /// A partner's customer (listed by the partner API).
    Customer,
    /// The partner's own main account that holds the DID pool.
    Pool,
    /// A sub-account, billed to its parent main account.
    Sub { parent: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Account {
    pub(crate) numeric_id: u64,
    pub(crate) auth_id: String,
    pub(crate) auth_token: Token,
    pub(crate) api_id: Uuid,
    pub(crate) kind: AccountKind,
    pub(crate) name: String,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) company: String,
    pub(crate) description: Option<String>,
    pub(crate) address: Option<String>,
    pub(crate) city: Option<String>,
    pub(crate) state: Option<String>,
    pub(crate) zip_code: Option<String>,
    pub(crate) timezone: Option<String>,
    pub(crate) gstin: Option<String>,
    pub(crate) gst_status: Option<String>,
    pub(crate) account_type: String,
    pub(crate) business_type: String,
    /// `user` or `admin`; only admins may force an unassignment through the cool-off.
    pub(crate) role: String,
    pub(crate) country: String,
    pub(crate) currency: String,
    pub(crate) pricing_tier_id: Uuid,
    pub(crate) kyc_status: String,
    pub(crate) kyc_mode: String,
    pub(crate) is_active: bool,
    pub(crate) enabled: bool,
    pub(crate) is_verified: bool,
    pub(crate) email_verified: bool,
    pub(crate) rate_limit: u32,
    pub(crate) permissions: Option<Value>,
    pub(crate) cps_limit: u32,
    pub(crate) concurrent_calls_limit: u32,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) last_login: Option<DateTime<Utc>>,
}

impl Account {
    pub(crate) fn parent(&self) -> Option<&str> {
        match &self.kind {
            AccountKind::Sub { parent } => Some(parent),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PricingTier {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) currency: String,
    pub(crate) rate_per_minute: Decimal,
    pub(crate) did_release_fee: Decimal,
    pub(crate) is_default: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Wallet {
    pub(crate) id: Uuid,
    pub(crate) owner: String,
    pub(crate) currency: String,
    pub(crate) balance: Decimal,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) ledger: Vec<LedgerEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LedgerEntry {
    pub(crate) id: Uuid,
    /// `credit` or `debit`.
    pub(crate) direction: String,
    pub(crate) amount: Decimal,
    pub(crate) currency: String,
    pub(crate) description: String,
    pub(crate) reference: String,
    /// `cdr`, `did_rental`, `manual_adjustment`, `payment`, `refund`, or `unknown` (transfers).
    pub(crate) reference_type: String,
    pub(crate) at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(crate) struct Capabilities {
    pub(crate) voice: bool,
    pub(crate) sms: bool,
    pub(crate) mms: bool,
    pub(crate) fax: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Release {
    /// The wallet owner that paid the fee (a refund goes back there).
    pub(crate) billed_to: String,
    pub(crate) fee: Decimal,
    pub(crate) currency: String,
    pub(crate) requested_at: DateTime<Utc>,
    pub(crate) cooldown_ends_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Number {
    pub(crate) id: Uuid,
    pub(crate) e164: String,
    pub(crate) country: String,
    pub(crate) region: String,
    pub(crate) capabilities: Capabilities,
    /// `active`, `pending_release`, `released` (quarantine) or `blocked` (renewal unpaid).
    pub(crate) status: String,
    pub(crate) provider: String,
    pub(crate) setup_fee: Decimal,
    pub(crate) monthly_fee: Decimal,
    pub(crate) currency: String,
    pub(crate) application_id: Option<String>,
    pub(crate) voice_enabled: bool,
    pub(crate) tags: Vec<String>,
    pub(crate) purchased_at: Option<DateTime<Utc>>,
    pub(crate) is_blocked: bool,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) is_trial_number: bool,
    pub(crate) last_billing_date: Option<DateTime<Utc>>,
    pub(crate) next_billing_date: Option<DateTime<Utc>>,
    pub(crate) minimum_commitment_months: u32,
    pub(crate) aadhaar_verification_required: bool,
    pub(crate) aadhaar_verified: bool,
    pub(crate) source: String,
    pub(crate) released_at: Option<DateTime<Utc>>,
    pub(crate) trunk_group_id: Option<Uuid>,
    /// Owner auth id (`MA_` or `SA_`); `None` in inventory and quarantine.
    pub(crate) owner: Option<String>,
    /// Internal: drives the 15-day cool-off.
    pub(crate) last_call_at: Option<DateTime<Utc>>,
    pub(crate) release: Option<Release>,
    pub(crate) quarantine_until: Option<DateTime<Utc>>,
}

/// Where a number is. Every number is in exactly one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    Inventory,
    Owned(String),
    PendingRelease(String),
    Quarantine,
}

impl Number {
    /// The number's place, or a description of why its fields are inconsistent.
    pub(crate) fn place(&self) -> Result<Place, String> {
        match (
            self.status.as_str(),
            &self.owner,
            &self.release,
            self.quarantine_until,
        ) {
            ("active", None, None, None) => Ok(Place::Inventory),
            ("active" | "blocked", Some(owner), None, None) => Ok(Place::Owned(owner.clone())),
            ("pending_release", Some(owner), Some(_), None) => {
                Ok(Place::PendingRelease(owner.clone()))
            }
            ("released", None, None, Some(_)) => Ok(Place::Quarantine),
            _ => Err(format!(
                "{}: status {} owner {:?} release {} quarantine {:?}",
                self.e164,
                self.status,
                self.owner,
                self.release.is_some(),
                self.quarantine_until
            )),
        }
    }

    pub(crate) fn in_inventory(&self) -> bool {
        matches!(self.place(), Ok(Place::Inventory))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CallRecord {
    pub(crate) id: u64,
    pub(crate) uuid: Uuid,
    pub(crate) account_id: String,
    pub(crate) e164: String,
    pub(crate) direction: String,
    pub(crate) caller: String,
    pub(crate) destination: String,
    pub(crate) start_time: DateTime<Utc>,
    pub(crate) duration: u32,
    pub(crate) billsec: u32,
    pub(crate) answered: bool,
    pub(crate) currency: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AssignmentAudit {
    pub(crate) e164: String,
    pub(crate) from_sub_account: String,
    pub(crate) to_account: String,
    pub(crate) forced_by: String,
    pub(crate) cool_off_until: Option<DateTime<Utc>>,
    pub(crate) at: DateTime<Utc>,
}

impl World {
    /// The sandbox clock: real time plus the offset moved by the control routes.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.clock_offset_secs)
    }

    /// The runtime random stream, continuing where the last use stopped, so ids stay
    /// deterministic across restarts.
    pub(crate) fn runtime_rng(&self) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(1);
        rng.set_word_pos(u128::from(self.rng_pos));
        rng
    }

    /// Records how far `rng` (from [`World::runtime_rng`]) has advanced.
    pub(crate) fn store_rng(&mut self, rng: &ChaCha8Rng) {
        self.rng_pos = u64::try_from(rng.get_word_pos()).unwrap_or(u64::MAX);
    }

    /// Runs `f` on the runtime random stream.
    pub(crate) fn with_rng<T>(&mut self, f: impl FnOnce(&mut ChaCha8Rng) -> T) -> T {
        let mut rng = self.runtime_rng();
        let out = f(&mut rng);
        self.store_rng(&rng);
        out
    }

    pub(crate) fn next_numeric_id(&mut self) -> u64 {
        let id = self.next_numeric_id;
        self.next_numeric_id += 1;
        id
    }

    /// The account whose wallet pays for `auth_id`'s numbers (the parent for a sub-account).
    pub(crate) fn billing_account<'a>(&'a self, auth_id: &'a str) -> &'a str {
        self.accounts
            .get(auth_id)
            .and_then(Account::parent)
            .unwrap_or(auth_id)
    }

    pub(crate) fn revenue_wallet(currency: &str) -> String {
        format!("vobiz_revenue_{currency}")
    }
}

/// Random helpers shared by seeding and runtime creation.
pub(crate) fn random_uuid(rng: &mut impl RngCore) -> Uuid {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

pub(crate) fn random_chars(rng: &mut impl Rng, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())]))
        .collect()
}

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub(crate) fn random_auth_id(rng: &mut impl Rng, prefix: &str) -> String {
    format!("{prefix}{}", random_chars(rng, UPPER_ALNUM, 8))
}

pub(crate) fn random_token(rng: &mut impl Rng) -> Token {
    Token(random_chars(rng, ALNUM, 40))
}

/// ISO-8601 UTC with second precision (`2026-03-25T10:00:00Z`).
pub(crate) fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(crate) fn ts_opt(at: Option<DateTime<Utc>>) -> Value {
    at.map_or(Value::Null, |at| Value::String(ts(at)))
}

/// Money as the 5-decimal string the partner API uses (`"23906.83000"`).
pub(crate) fn money_str(amount: Decimal) -> String {
    format!("{:.5}", amount.round_dp(5))
}

/// Money as a JSON number (`700`, `23906.83`).
pub(crate) fn money_num(amount: Decimal) -> Value {
    let amount = amount.normalize();
    if amount.scale() == 0 {
        if let Some(whole) = amount.to_i64() {
            return Value::from(whole);
        }
    }
    serde_json::Number::from_str(&amount.to_string())
        .map(Value::Number)
        .unwrap_or(Value::Null)
}
