//! The seeded demo world: deterministic from a `u64` (credentials, ids, numbers, balances);
//! timestamps are laid out relative to the moment of seeding.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Months, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

use super::model::{
    random_auth_id, random_chars, random_token, random_uuid, Account, AccountKind, CallRecord,
    Capabilities, Number, Partner, PricingTier, World,
};
use super::params::currency_for_country;

/// Indian number ranges: region, area code (after +91).
const INDIAN_REGIONS: &[(&str, &str)] = &[
    ("Karnataka", "80"),
    ("Maharashtra", "22"),
    ("Delhi", "11"),
    ("Tamil Nadu", "44"),
    ("West Bengal", "33"),
    ("Telangana", "40"),
    ("Gujarat", "79"),
    ("Maharashtra", "20"),
];

const CUSTOMERS: &[(&str, &str, &str)] = &[
    ("Asha Rao", "Brightline Clinics", "IN"),
    ("Vikram Mehta", "Mehta Logistics", "IN"),
    ("Priya Nair", "Coastal Realty", "IN"),
    ("Rahul Verma", "Verma Edtech", "IN"),
    ("Sneha Kulkarni", "Pune Foods", "IN"),
    ("Arjun Iyer", "Iyer & Sons Insurance", "IN"),
    ("Meera Das", "Kolkata Crafts", "IN"),
    ("Karan Singh", "Singh Motors", "IN"),
    ("Divya Menon", "Menon Travels", "IN"),
    ("Farhan Qureshi", "Hyderabad Dental", "IN"),
    ("Emily Carter", "Carter Support LLC", "US"),
    ("Oliver Hughes", "Hughes Lettings Ltd", "GB"),
];

const SUB_ACCOUNTS: &[&str] = &["Support desk", "Sales team", "Collections", "Field ops"];

/// Customer balances in major units: some healthy, some near zero.
const BALANCES: &[i64] = &[
    25_000, 4_800, 120, 0, 15_250, 860, 45_000, 35, 2_300, 9_999, 150, 40,
];
const KYC: &[&str] = &[
    "verified", "verified", "pending", "verified", "rejected", "pending",
];

/// Builds the demo world for `seed`, with its clock reading `now`.
pub(crate) fn world(seed: u64, now: DateTime<Utc>) -> World {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let created = now - Duration::days(400);
    let tiers = pricing_tiers(&mut rng);
    let default_tier = tiers
        .iter()
        .find(|t| t.currency == "INR")
        .map(|t| t.id)
        .expect("INR tier");
    let partner = Partner {
        id: random_uuid(&mut rng),
        account_id: 500_000,
        name: "Acme Telecom Partners".into(),
        slug: "acme-telecom".into(),
        company: "Acme Telecom Pvt Ltd".into(),
        auth_id: random_auth_id(&mut rng, "PA_"),
        auth_token: random_token(&mut rng),
        email: "partners@acme-telecom.example".into(),
        phone: "+918040001000".into(),
        billing_model: "direct".into(),
        is_active: true,
        is_verified: true,
        max_accounts: 50,
        can_create_accounts: true,
        can_create_pricing_tiers: false,
        can_view_cdrs: true,
        can_transfer_balance: true,
        default_pricing_tier_id: default_tier,
        currency: "INR".into(),
        created_at: created,
        updated_at: created,
    };
    let mut w = World {
        seed,
        rng_pos: 0,
        clock_offset_secs: 0,
        revision: 0,
        next_numeric_id: 500_001,
        next_call_id: 1,
        next_fault_id: 1,
        partner,
        accounts: BTreeMap::new(),
        wallets: BTreeMap::new(),
        numbers: BTreeMap::new(),
        pricing_tiers: tiers.into_iter().map(|t| (t.id, t)).collect(),
        calls: Vec::new(),
        assignment_audit: Vec::new(),
        faults: Vec::new(),
        external_in: BTreeMap::new(),
    };
    let partner_id = w.partner.auth_id.clone();
    w.ensure_wallet(&partner_id, "INR", created);
    w.inject(
        &partner_id,
        Decimal::from(600_000),
        "Partner wallet funding".into(),
        created,
    );

    // The pool account and its sub-accounts.
    let pool = new_account(
        &mut w,
        &mut rng,
        AccountKind::Pool,
        "Acme Number Pool",
        "IN",
        created,
    );
    w.accounts.get_mut(&pool).expect("pool").role = "admin".into();
    w.inject(
        &pool,
        Decimal::from(150_000),
        "Pool account funding".into(),
        created,
    );
    let subs: Vec<String> = SUB_ACCOUNTS
        .iter()
        .map(|name| {
            new_account(
                &mut w,
                &mut rng,
                AccountKind::Sub {
                    parent: pool.clone(),
                },
                name,
                "IN",
                created + Duration::days(30),
            )
        })
        .collect();

    // Customers, funded by the partner (INR) or by payment (other currencies).
    let mut customers = Vec::new();
    for (i, (name, company, country)) in CUSTOMERS.iter().enumerate() {
        let joined = now - Duration::days(rng.gen_range(40..350));
        let id = new_account(
            &mut w,
            &mut rng,
            AccountKind::Customer,
            name,
            country,
            joined,
        );
        let account = w.accounts.get_mut(&id).expect("customer");
        account.company = (*company).into();
        account.kyc_status = KYC[i % KYC.len()].into();
        account.is_verified = account.kyc_status == "verified";
        customers.push((id, Decimal::from(BALANCES[i % BALANCES.len()]), joined));
    }

    // Numbers: Indian ranges plus a few US and GB numbers.
    let mut indian = Vec::new();
    for i in 0..420 {
        let (region, area) = INDIAN_REGIONS[i % INDIAN_REGIONS.len()];
        let e164 = unique_e164(&w, &mut rng, &format!("+91{area}"), 12 - area.len() - 2);
        let monthly = [200, 300, 300, 500][rng.gen_range(0..4)];
        let setup = [0, 100, 100][rng.gen_range(0..3)];
        let n = number(
            &mut rng,
            &e164,
            "IN",
            region,
            Decimal::from(setup),
            Decimal::from(monthly),
            "INR",
            created,
        );
        w.numbers.insert(e164.clone(), n);
        indian.push(e164);
    }
    let mut foreign: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (prefix, len, country, region, currency, monthly) in [
        ("+1415", 7, "US", "CA", "USD", Decimal::new(115, 2)),
        ("+1212", 7, "US", "NY", "USD", Decimal::new(115, 2)),
        ("+4420", 8, "GB", "London", "GBP", Decimal::new(95, 2)),
    ] {
        for _ in 0..5 {
            let e164 = unique_e164(&w, &mut rng, prefix, len);
            let n = number(
                &mut rng,
                &e164,
                country,
                region,
                Decimal::ONE,
                monthly,
                currency,
                created,
            );
            w.numbers.insert(e164.clone(), n);
            foreign.entry(currency).or_default().push(e164);
        }
    }
    indian.shuffle(&mut rng);
    let mut indian = indian.into_iter();

    // Pool DIDs, some held by sub-accounts (with recent calls, so the cool-off shows).
    for i in 0..24 {
        let e164 = indian.next().expect("enough numbers");
        let bought = now - Duration::days(rng.gen_range(20..300));
        own(&mut w, &mut rng, &e164, &pool, &pool, bought, now);
        if i < subs.len() * 3 {
            let sub = &subs[i % subs.len()];
            w.numbers.get_mut(&e164).expect("number").owner = Some(sub.clone());
            let last_call = match i % 3 {
                0 => Some(now - Duration::hours(rng.gen_range(2..240))),
                1 => Some(now - Duration::days(rng.gen_range(20..60))),
                _ => None,
            };
            if let Some(at) = last_call {
                record_seed_call(&mut w, &mut rng, &e164, sub, at);
            }
        }
    }
    // Customer DIDs.
    for (i, (id, balance, joined)) in customers.iter().enumerate() {
        let currency = w.wallet_currency(id).expect("wallet").to_owned();
        let count = 2 + i % 4;
        for k in 0..count {
            let e164 = match currency.as_str() {
                "INR" => indian.next(),
                other => foreign.get_mut(other).and_then(Vec::pop),
            };
            let Some(e164) = e164 else { break };
            let span = (now - *joined).num_days().max(2);
            let bought = now - Duration::days(rng.gen_range(1..span));
            own(&mut w, &mut rng, &e164, id, id, bought, now);
            let n = w.numbers.get_mut(&e164).expect("number");
            if k == 0 && i % 2 == 0 {
                // Renewing within the next two weeks.
                let due = now + Duration::days(rng.gen_range(1..14));
                n.next_billing_date = Some(due);
                n.last_billing_date = due.checked_sub_months(Months::new(1));
            }
            if k == 1 && i % 3 == 0 {
                n.application_id = None;
            }
            if n.country == "IN" && (i + k) % 4 == 1 {
                n.aadhaar_verification_required = true;
                n.aadhaar_verified = false;
            }
            if k == 0 && i % 3 == 1 {
                let at = now - Duration::hours(rng.gen_range(1..72));
                record_seed_call(&mut w, &mut rng, &e164, id, at);
            }
        }
        fund_customer(&mut w, id, *balance, *joined);
    }
    w.partner.updated_at = now;
    for wallet in w.wallets.values_mut() {
        wallet.ledger.sort_by_key(|e| e.at);
    }
    w
}

fn pricing_tiers(rng: &mut ChaCha8Rng) -> Vec<PricingTier> {
    [
        ("Standard INR", "INR", Decimal::new(45, 2), 700),
        ("Standard USD", "USD", Decimal::new(12, 3), 10),
        ("Standard GBP", "GBP", Decimal::new(10, 3), 8),
    ]
    .into_iter()
    .map(|(name, currency, rate, fee)| PricingTier {
        id: random_uuid(rng),
        name: name.into(),
        currency: currency.into(),
        rate_per_minute: rate,
        did_release_fee: Decimal::from(fee),
        is_default: currency == "INR",
    })
    .collect()
}

fn new_account(
    w: &mut World,
    rng: &mut ChaCha8Rng,
    kind: AccountKind,
    name: &str,
    country: &str,
    at: DateTime<Utc>,
) -> String {
    let prefix = if matches!(kind, AccountKind::Sub { .. }) {
        "SA_"
    } else {
        "MA_"
    };
    let auth_id = loop {
        let id = random_auth_id(rng, prefix);
        if !w.accounts.contains_key(&id) {
            break id;
        }
    };
    let slug: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
        .collect::<String>()
        .to_ascii_lowercase()
        .replace(' ', ".");
    let currency = currency_for_country(country).to_owned();
    let tier = w
        .pricing_tiers
        .values()
        .find(|t| t.currency == currency)
        .or_else(|| w.pricing_tiers.values().find(|t| t.is_default))
        .map(|t| t.id)
        .expect("a pricing tier");
    let is_sub = matches!(kind, AccountKind::Sub { .. });
    let account = Account {
        numeric_id: w.next_numeric_id(),
        auth_id: auth_id.clone(),
        auth_token: random_token(rng),
        api_id: random_uuid(rng),
        kind,
        name: name.into(),
        email: Some(format!(
            "{slug}.{}@example.com",
            random_chars(rng, b"0123456789", 3)
        )),
        phone: Some(format!("+9198{}", random_chars(rng, b"0123456789", 8))),
        company: name.into(),
        description: None,
        address: None,
        city: None,
        state: None,
        zip_code: None,
        timezone: Some(
            if country == "IN" {
                "Asia/Kolkata"
            } else {
                "UTC"
            }
            .into(),
        ),
        gstin: None,
        gst_status: None,
        account_type: "standard".into(),
        business_type: "individual".into(),
        role: "user".into(),
        country: country.into(),
        currency: currency.clone(),
        pricing_tier_id: tier,
        kyc_status: "verified".into(),
        kyc_mode: "personal_use".into(),
        is_active: true,
        enabled: true,
        is_verified: true,
        email_verified: true,
        rate_limit: 1000,
        permissions: is_sub.then(|| serde_json::json!({"calls": true, "cdr": true})),
        cps_limit: 10,
        concurrent_calls_limit: 20,
        created_at: at,
        updated_at: at,
        last_login: Some(at + Duration::days(1)),
    };
    w.accounts.insert(auth_id.clone(), account);
    if !is_sub {
        w.ensure_wallet(&auth_id, &currency, at);
    }
    auth_id
}

fn unique_e164(w: &World, rng: &mut ChaCha8Rng, prefix: &str, digits: usize) -> String {
    loop {
        let first = rng.gen_range(2..10).to_string();
        let e164 = format!(
            "{prefix}{first}{}",
            random_chars(rng, b"0123456789", digits - 1)
        );
        if !w.numbers.contains_key(&e164) {
            return e164;
        }
    }
}

/// A number in inventory.
#[allow(clippy::too_many_arguments)]
pub(crate) fn number(
    rng: &mut impl Rng,
    e164: &str,
    country: &str,
    region: &str,
    setup_fee: Decimal,
    monthly_fee: Decimal,
    currency: &str,
    at: DateTime<Utc>,
) -> Number {
    Number {
        id: random_uuid(rng),
        e164: e164.into(),
        country: country.into(),
        region: region.into(),
        capabilities: Capabilities {
            voice: true,
            sms: country != "IN",
            mms: false,
            fax: false,
        },
        status: "active".into(),
        provider: "".into(),
        setup_fee,
        monthly_fee,
        currency: currency.into(),
        application_id: None,
        voice_enabled: true,
        tags: Vec::new(),
        purchased_at: None,
        is_blocked: false,
        created_at: at,
        updated_at: at,
        is_trial_number: false,
        last_billing_date: None,
        next_billing_date: None,
        minimum_commitment_months: 0,
        aadhaar_verification_required: false,
        aadhaar_verified: false,
        source: "inventory".into(),
        released_at: None,
        trunk_group_id: None,
        owner: None,
        last_call_at: None,
        release: None,
        quarantine_until: None,
    }
}

/// Gives `e164` to `owner` as if bought at `bought` and renewed monthly since, charging the
/// payer's wallet (funded first so the history balances).
fn own(
    w: &mut World,
    rng: &mut ChaCha8Rng,
    e164: &str,
    owner: &str,
    payer: &str,
    bought: DateTime<Utc>,
    now: DateTime<Utc>,
) {
    let (setup, monthly) = {
        let n = &w.numbers[e164];
        (n.setup_fee, n.monthly_fee)
    };
    let mut charges = vec![(bought, setup + monthly, "purchase".to_owned())];
    let mut last = bought;
    while let Some(next) = last
        .checked_add_months(Months::new(1))
        .filter(|d| *d <= now)
    {
        charges.push((next, monthly, next.format("%Y-%m").to_string()));
        last = next;
    }
    let total: Decimal = charges.iter().map(|c| c.1).sum();
    w.inject(payer, total, "Wallet recharge".into(), bought);
    for (at, amount, label) in charges {
        w.charge(
            payer,
            amount,
            "did_rental",
            format!("did:{e164}:{label}"),
            format!("DID rental {e164}"),
            at,
        )
        .expect("funded just above");
    }
    let app = format!("2{}", random_chars(rng, b"0123456789", 16));
    let n = w.numbers.get_mut(e164).expect("number");
    n.owner = Some(owner.into());
    n.purchased_at = Some(bought);
    n.last_billing_date = Some(last);
    n.next_billing_date = last.checked_add_months(Months::new(1));
    n.application_id = Some(app);
    n.source = "purchased".into();
    n.updated_at = last;
}

fn fund_customer(w: &mut World, id: &str, balance: Decimal, at: DateTime<Utc>) {
    if balance.is_zero() {
        return;
    }
    let partner = w.partner.clone();
    if w.wallet_currency(id) == Some(partner.currency.as_str()) {
        w.transfer(id, balance, &partner.currency, Some("Opening balance"), at)
            .expect("partner funded enough");
    } else {
        w.inject(id, balance, "Card payment".into(), at);
    }
}

fn record_seed_call(
    w: &mut World,
    rng: &mut ChaCha8Rng,
    e164: &str,
    account: &str,
    at: DateTime<Utc>,
) {
    let duration = rng.gen_range(15..600);
    let answered = rng.gen_bool(0.8);
    let id = w.next_call_id;
    w.next_call_id += 1;
    let currency = w
        .wallet_currency(w.billing_account(account))
        .unwrap_or("INR")
        .to_owned();
    w.calls.push(CallRecord {
        id,
        uuid: random_uuid(rng),
        account_id: account.into(),
        e164: e164.into(),
        direction: "inbound".into(),
        caller: format!("+9198{}", random_chars(rng, b"0123456789", 8)),
        destination: e164.into(),
        start_time: at,
        duration,
        billsec: if answered { duration - 10 } else { 0 },
        answered,
        currency,
    });
    w.numbers.get_mut(e164).expect("number").last_call_at =
        Some(at + Duration::seconds(i64::from(duration)));
}

/// A token the demo prints for the control routes, derived from the seed.
pub(crate) fn control_token(seed: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(7);
    format!("sbx_{}", random_token(&mut rng).0)
}
