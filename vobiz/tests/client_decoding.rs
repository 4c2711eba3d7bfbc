//! Decoding of the example bodies in the Vobiz contract (vobiz-api.md and the source pages),
//! including every documented variant: money as strings or numbers, `size` vs `per_page`
//! echoes, owner keys, release answers, empty bodies and error bodies.

mod client_support;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use client_support::{account, partner, Reply, Scripted, TOKEN};
use rust_decimal::Decimal;
use vobiz::client::{
    AccountsPage, Balance, CancelRelease, CreatedCustomer, CreatedSubAccount, CustomerAccount,
    Dashboard, Error, LedgerDirection, NumberStatus, NumbersPage, Paged, PartnerProfile, Purchase,
    PurchaseRequest, ReleaseOutcome, SubAccount, SubAccountsPage, TransactionsPage, Transfer,
};

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

const PROFILE: &str = r#"{
  "id": "4f9a2c1e-1111-2222-3333-444455556666", "account_id": 500000, "name": "Acme Telecom",
  "slug": "acme", "company": "Acme Telecom Pvt Ltd", "auth_id": "PA_ACME0001",
  "email": "ops@acme.example", "phone": "+919800000000", "billing_model": "direct",
  "is_active": true, "is_verified": true, "max_accounts": 50, "can_create_accounts": true,
  "can_create_pricing_tiers": false, "can_view_cdrs": true, "can_transfer_balance": true,
  "default_pricing_tier_id": "tier-1", "account_count": 2, "balance": "23906.83000",
  "created_at": "2025-09-30T08:33:24.700542+00:00", "updated_at": "2026-03-25T06:58:38.796024Z"
}"#;

#[test]
fn partner_profile_with_string_balance() {
    let profile: PartnerProfile = serde_json::from_str(PROFILE).unwrap();
    assert_eq!(profile.balance, dec("23906.83"));
    assert_eq!(profile.account_id.as_deref(), Some("500000"));
    assert_eq!(profile.auth_id, "PA_ACME0001");
    assert!(profile.can_transfer_balance && !profile.can_create_pricing_tiers);
    assert_eq!(profile.max_accounts, Some(50));
    assert_eq!(profile.created_at, Some(at("2025-09-30T08:33:24.700542Z")));
    assert_eq!(profile.currency, None);
}

#[test]
fn partner_profile_with_number_balance_and_unknown_fields() {
    let body = PROFILE
        .replace(r#""balance": "23906.83000""#, r#""balance": 50000"#)
        .replace(
            r#""slug": "acme","#,
            r#""slug": "acme", "gstin": null, "new_flag": {"x": 1}, "currency": "INR","#,
        );
    let profile: PartnerProfile = serde_json::from_str(&body).unwrap();
    assert_eq!(profile.balance, dec("50000"));
    assert_eq!(profile.currency.as_deref(), Some("INR"));
}

#[test]
fn dashboard_with_null_partner_balance_and_string_costs() {
    let body = r#"{
      "partner": {"id": "4f9a2c1e", "auth_id": "PA_ACME0001", "name": "Acme", "balance": null},
      "period": {"from": "2026-03-01", "to": "2026-03-31"},
      "accounts": {"total": 2, "active": 1, "customers": [
        {"auth_id": "MA_ZKITB8Z2", "name": "Kiran", "email": "k@example.com", "phone": "+919811111111",
         "is_active": true, "created_at": "2026-03-25T10:00:00Z"}]},
      "total_balance": "47750.00000", "currency": "INR",
      "calls": {"total_calls": 120, "answered_calls": 90, "total_minutes": 301.5, "total_cost": "903.50000"},
      "traffic": {"inbound": {"total_calls": 20, "answered_calls": 15, "total_minutes": 40.25, "total_cost": "0.00000"},
                  "outbound": {"total_calls": 100, "answered_calls": 75, "total_minutes": 261.25, "total_cost": "903.50000"}},
      "by_product": {"sip_trunking": {"total_calls": 100, "answered_calls": 80, "total_minutes": 280.0, "total_cost": "800.00000"},
                     "voice_api": {"total_calls": 20, "answered_calls": 10, "total_minutes": 21.5, "total_cost": "103.50000"}},
      "time_series": [{"date": "2026-03-25", "total_calls": 12, "answered_calls": 9, "total_minutes": 30.5,
        "total_cost": "90.00000", "inbound": {"total_calls": 2, "answered_calls": 2, "total_minutes": 4.0},
        "outbound": {"total_calls": 10, "answered_calls": 7, "total_minutes": 26.5}}]
    }"#;
    let dashboard: Dashboard = serde_json::from_str(body).unwrap();
    assert_eq!(dashboard.total_balance, Some(dec("47750")));
    assert_eq!(dashboard.calls.total_calls, 120);
    assert_eq!(dashboard.calls.total_cost, Some(dec("903.5")));
    assert_eq!(dashboard.traffic.outbound.answered_calls, 75);
    assert_eq!(
        dashboard.by_product.voice_api.total_cost,
        Some(dec("103.5"))
    );
    assert_eq!(dashboard.accounts.customers[0].auth_id, "MA_ZKITB8Z2");
    assert_eq!(
        dashboard.time_series[0]
            .inbound
            .as_ref()
            .unwrap()
            .total_calls,
        2
    );
    assert_eq!(dashboard.time_series[0].total_cost, Some(dec("90")));
}

#[test]
fn dashboard_with_object_partner_balance_and_missing_sections() {
    let body = r#"{"partner": {"auth_id": "PA_ACME0001", "balance": {}}, "total_balance": "1.00000", "calls": null}"#;
    let dashboard: Dashboard = serde_json::from_str(body).unwrap();
    assert_eq!(dashboard.total_balance, Some(dec("1")));
    assert_eq!(dashboard.calls.total_calls, 0);
    assert!(dashboard.time_series.is_empty());
}

#[test]
fn created_customer_with_number_balance_keeps_token_secret() {
    let body = r#"{"auth_id":"MA_ZKITB8Z2","auth_token":"customer-token-xyz","name":"Kiran","email":"k@example.com",
      "status":"active","balance":0,"currency":"INR","country":"IN","created_at":"2026-03-25T10:00:00Z"}"#;
    let created: CreatedCustomer = serde_json::from_str(body).unwrap();
    assert_eq!(created.balance, Some(Decimal::ZERO));
    assert_eq!(created.credentials().auth_id, "MA_ZKITB8Z2");
    assert!(!format!("{created:?}").contains("customer-token-xyz"));
    assert!(!format!("{:?}", created.credentials()).contains("customer-token-xyz"));
}

const ACCOUNT_ITEM: &str = r#"{
  "name": "Kiran", "email": "k@example.com", "phone": "+919811111111", "description": null,
  "gstin": null, "gst_status": null, "tds_enabled": false, "tds_percentage": 2,
  "business_type": "individual", "id": "500000", "auth_id": "MA_ZKITB8Z2",
  "api_id": "0b9c3f7e-aaaa-bbbb-cccc-ddddeeeeffff", "account_type": "standard", "role": "user",
  "postpaid": false, "address": null, "city": null, "state": null, "timezone": null,
  "country": "IN", "zip_code": null, "company": "Kiran & Co", "billing_mode": "prepaid",
  "auto_recharge": false, "cash_credits": "1300.00000", "cps_limit": 10,
  "concurrent_calls_limit": 20, "base_cps_limit": null, "is_active": true, "is_verified": false,
  "is_trial_account": false, "enabled": true, "kyc_status": "pending", "google_id": null,
  "referral_code": null, "referral_disabled": false, "created_at": "2026-03-25T10:00:00Z",
  "updated_at": "2026-03-25T06:58:38.796024Z", "last_login": null, "pricing_tier_id": "tier-1",
  "pricing_tier": {"id": "tier-1", "name": "Default", "currency": "INR", "rate_per_minute": 0.45,
    "streaming_rate_per_minute": 0.1, "charge_non_connected_calls": false, "did_release_fee": 700,
    "is_active": true, "is_default": true, "partner_id": null},
  "partner_id": "4f9a2c1e-1111-2222-3333-444455556666", "auto_recharge_config": null,
  "resource_uri": "/v1/Account/MA_ZKITB8Z2/", "auth_token": "<redacted>"
}"#;

#[test]
fn accounts_list_echoes_size() {
    let body = format!(r#"{{"accounts":[{ACCOUNT_ITEM}],"total":2,"page":1,"size":20}}"#);
    let page: AccountsPage = serde_json::from_str(&body).unwrap();
    assert_eq!(page.page_size(), Some(20));
    assert_eq!(page.total, 2);
    let customer = &page.accounts[0];
    assert_eq!(customer.cash_credits, Some(dec("1300")));
    assert_eq!(customer.id.as_deref(), Some("500000"));
    let tier = customer.pricing_tier.as_ref().unwrap();
    assert_eq!(tier.did_release_fee, Some(dec("700")));
    assert_eq!(tier.rate_per_minute, Some(dec("0.45")));
    // The list redacts the token, so there are no usable credentials.
    assert!(customer.credentials().is_none());
}

#[test]
fn accounts_list_echoing_per_page_instead() {
    let page: AccountsPage =
        serde_json::from_str(r#"{"accounts":[],"total":0,"page":1,"per_page":50}"#).unwrap();
    assert_eq!(page.page_size(), Some(50));
}

#[test]
fn single_customer_carries_a_usable_token() {
    let body = ACCOUNT_ITEM.replace("<redacted>", "real-customer-token");
    let customer: CustomerAccount = serde_json::from_str(&body).unwrap();
    let credentials = customer.credentials().expect("a real token");
    assert_eq!(credentials.auth_id, "MA_ZKITB8Z2");
    assert!(!format!("{customer:?}").contains("real-customer-token"));
}

#[test]
fn transfer_answer_with_number_amounts() {
    let body = r#"{"transaction_id":"txn_aabbccdd1234","from_account":"PA_ACME0001","to_account":"MA_ZKITB8Z2",
      "amount":500,"currency":"INR","description":"April recharge","status":"completed",
      "partner_balance_after":47750,"customer_balance_after":2950,"timestamp":"2026-03-25T11:00:00Z"}"#;
    let transfer: Transfer = serde_json::from_str(body).unwrap();
    assert_eq!(transfer.amount, dec("500"));
    assert_eq!(transfer.partner_balance_after, Some(dec("47750")));
    assert_eq!(transfer.customer_balance_after, Some(dec("2950")));
    assert_eq!(transfer.timestamp, Some(at("2026-03-25T11:00:00Z")));
}

#[test]
fn customer_transactions_with_summary() {
    let body = r#"{"transactions":[{"id":"7d1e0c4a-0000-1111-2222-333344445555","account_id":"MA_ZKITB8Z2",
        "balance_id":"b-1","type":"credit","amount":500,"currency":"INR",
        "description":"Transfer from partner Acme: April recharge",
        "reference":"ptc:4f9a2c1e:MA_ZKITB8Z2:1774436400","status":"completed",
        "processed_at":"2026-03-25T11:00:00Z","created_at":"2026-03-25T11:00:00Z","updated_at":"2026-03-25T11:00:00.123Z"}],
      "summary":{"total_transactions":1,"total_debit":0,"total_credit":500,"net_amount":500,
        "by_reference_type":[{"reference_type":"unknown","total_debit":0,"total_credit":500,"count":1}]},
      "total":1,"page":1,"per_page":20,"total_pages":1,"account_auth_id":"MA_ZKITB8Z2"}"#;
    let page: TransactionsPage = serde_json::from_str(body).unwrap();
    let row = &page.transactions[0];
    assert_eq!(row.direction, LedgerDirection::Credit);
    assert_eq!(row.amount, dec("500"));
    let summary = page.summary.unwrap();
    assert_eq!(summary.net_amount, Some(dec("500")));
    assert_eq!(summary.by_reference_type[0].count, Some(1));
    assert_eq!(page.account_auth_id.as_deref(), Some("MA_ZKITB8Z2"));
}

#[test]
fn account_transactions_with_reference_types_and_unknown_direction() {
    let body = r#"{"transactions":[
        {"id":"t1","type":"debit","amount":"401.00000","currency":"INR","reference":"did:+919876543210","reference_type":"did_rental","created_at":"2026-03-25T10:00:00Z"},
        {"id":"t2","type":"hold","amount":1.5,"reference_type":"cdr"}],
      "summary":{},"total":2,"page":1,"per_page":50,"total_pages":1}"#;
    let page: TransactionsPage = serde_json::from_str(body).unwrap();
    assert_eq!(page.transactions[0].direction, LedgerDirection::Debit);
    assert_eq!(page.transactions[0].amount, dec("401"));
    assert_eq!(
        page.transactions[1].direction,
        LedgerDirection::Other("hold".to_owned())
    );
    assert_eq!(page.per_page, Some(50));
}

/// The per-customer numbers example of source page 000.
const CUSTOMER_NUMBERS: &str = r#"{
  "items": [{
      "id": "aabbccdd-1234-5678-90ab-cdef12345678", "account_id": "MA_XXXXXXXX",
      "e164": "+918012345678", "country": "IN", "region": "Karnataka",
      "capabilities": { "voice": true, "sms": false, "mms": false, "fax": false },
      "status": "active", "provider": "", "setup_fee": 100, "monthly_fee": 300, "currency": "INR",
      "application_id": "20577609616603585", "voice_enabled": true, "tags": [],
      "purchased_at": "2026-03-25T06:58:38Z", "is_blocked": false,
      "created_at": "2025-03-31T18:30:00Z", "updated_at": "2026-03-25T06:58:54Z",
      "is_trial_number": false, "last_billing_date": "2026-03-25T06:58:38Z",
      "next_billing_date": "2026-04-25T06:58:38Z", "minimum_commitment_months": 0,
      "aadhaar_verification_required": false, "aadhaar_verified": false, "source": "purchased"
  }],
  "page": 1, "per_page": 20, "total": 1, "account_auth_id": "MA_XXXXXXXX"
}"#;

#[test]
fn customer_numbers_example() {
    let page: NumbersPage = serde_json::from_str(CUSTOMER_NUMBERS).unwrap();
    let number = &page.items[0];
    assert_eq!(number.owner(), Some("MA_XXXXXXXX"));
    assert_eq!(number.status, NumberStatus::Active);
    assert_eq!(number.setup_fee, dec("100"));
    assert_eq!(number.monthly_fee, dec("300"));
    assert!(number.capabilities.voice && !number.capabilities.sms);
    assert_eq!(number.application_id.as_deref(), Some("20577609616603585"));
    assert_eq!(number.next_billing_date, Some(at("2026-04-25T06:58:38Z")));
    assert_eq!(page.account_auth_id.as_deref(), Some("MA_XXXXXXXX"));
    assert_eq!(page.page_size(), Some(20));
}

#[test]
fn inventory_items_full_and_slim() {
    let body = r#"{"items":[
        {"id":"n1","account_id":null,"e164":"+918044440001","country":"IN","capabilities":{"voice":true},
         "status":"active","provider":"cloudconnect","setup_fee":"100.00000","monthly_fee":300.0,"currency":"INR",
         "voice_enabled":true,"tags":{},"is_blocked":false,"created_at":"2026-03-25T10:00:00Z",
         "updated_at":"2026-03-25T10:00:00Z","is_trial_number":false,"minimum_commitment_months":1,
         "aadhaar_verification_required":true,"aadhaar_verified":false,"region":"KA"},
        {"id":"n2","e164":"+918044440002","country":"IN","region":"Karnataka","status":"active",
         "setup_fee":0,"monthly_fee":1.0,"currency":"INR","created_at":"2026-03-25T10:00:00Z","updated_at":"2026-03-25T10:00:00Z"}],
      "page":1,"per_page":25,"total":500}"#;
    let page: NumbersPage = serde_json::from_str(body).unwrap();
    assert_eq!(page.total, 500);
    let (full, slim) = (&page.items[0], &page.items[1]);
    assert_eq!(full.owner(), None);
    assert!(full.tags.is_empty());
    assert_eq!(full.setup_fee, dec("100"));
    assert!(full.aadhaar_verification_required);
    assert_eq!(slim.monthly_fee, dec("1"));
    assert_eq!(slim.voice_enabled, None);
    assert_eq!(slim.capabilities, Default::default());
}

#[test]
fn number_owner_from_legacy_auth_id_and_unknown_status() {
    let body = r#"{"id":"n","auth_id":"SA_CHILD001","e164":"+1","status":"suspended","setup_fee":0,"monthly_fee":0}"#;
    let number: vobiz::client::PhoneNumber = serde_json::from_str(body).unwrap();
    assert_eq!(number.owner(), Some("SA_CHILD001"));
    assert_eq!(number.status, NumberStatus::Other("suspended".to_owned()));
}

#[test]
fn purchase_answer_newest() {
    // Source page 002, newest generation.
    let body = r#"{"message":"Number purchased successfully","number":{"id":"aabbccdd-1234-5678-90ab-cdef12345678",
      "account_id":"MA_XXXXXXXX","e164":"+919876543210","country":"IN","region":"Karnataka",
      "capabilities":{"voice":true,"sms":false,"mms":false,"fax":false},"status":"active","provider":"",
      "setup_fee":100,"monthly_fee":1,"currency":"INR","voice_enabled":true,"tags":[],
      "purchased_at":"2026-03-25T10:00:00Z","is_blocked":false,"created_at":"2026-03-25T10:00:00Z",
      "updated_at":"2026-03-25T10:00:00Z","is_trial_number":false,"minimum_commitment_months":0,
      "aadhaar_verification_required":false,"aadhaar_verified":false,"source":"inventory"},
      "items":[{"id":"aabbccdd-1234-5678-90ab-cdef12345678","account_id":"MA_XXXXXXXX","e164":"+919876543210",
        "country":"IN","region":"Karnataka","capabilities":{"voice":true,"sms":false,"mms":false,"fax":false},
        "status":"active","monthly_fee":1,"currency":"INR"}]}"#;
    let purchase: Purchase = serde_json::from_str(body).unwrap();
    assert_eq!(purchase.number.owner(), Some("MA_XXXXXXXX"));
    assert_eq!(purchase.number.source.as_deref(), Some("inventory"));
    assert_eq!(purchase.items[0].monthly_fee, Some(dec("1")));
    assert_eq!(
        purchase.number.purchased_at,
        Some(at("2026-03-25T10:00:00Z"))
    );
}

#[test]
fn purchase_answer_oldest_with_auth_id_owner() {
    let body = r#"{"message":"purchased from inventory","number":{"id":"550e8400-e29b-41d4-a716-446655440000",
      "auth_id":"MA_E31MAU98","e164":"+919876543210","country":"IN","region":"MH","status":"active",
      "provider":"manual","setup_fee":0.0,"monthly_fee":1.0,"currency":"USD",
      "purchased_at":"2025-01-15T10:00:00Z","created_at":"2025-01-15T10:00:00Z","updated_at":"2025-01-15T10:00:00Z"}}"#;
    let purchase: Purchase = serde_json::from_str(body).unwrap();
    assert_eq!(purchase.number.owner(), Some("MA_E31MAU98"));
    assert_eq!(purchase.number.setup_fee, Decimal::ZERO);
    assert!(purchase.items.is_empty());
}

#[test]
fn cancel_release_answer() {
    let body = r#"{"message":"release cancelled, number restored to active status","status":"active",
      "currency":"INR","refund_amount":700,"refund_status":"success"}"#;
    let cancel: CancelRelease = serde_json::from_str(body).unwrap();
    assert_eq!(cancel.refund_amount, Some(dec("700")));
    assert_eq!(cancel.status, Some(NumberStatus::Active));
    assert_eq!(cancel.refund_error, None);
}

#[test]
fn account_balance_all_numbers() {
    let body = r#"{"id":"b-1","account_id":"MA_ZKITB8Z2","currency":"INR","balance":23906.83,"reserved_funds":0,
      "promotional_balance":0,"promotional_reserved_balance":0,"available_balance":23906.83,"credit_limit":0,
      "is_postpaid":false,"credit_limit_type":"soft","low_balance_threshold":100,"status":"active",
      "created_at":"2025-09-30T08:33:24.700542+00:00","updated_at":"2026-03-25T06:58:38.796024Z"}"#;
    let balance: Balance = serde_json::from_str(body).unwrap();
    assert_eq!(balance.available_balance, dec("23906.83"));
    assert_eq!(balance.low_balance_threshold, Some(dec("100")));
    assert_eq!(balance.credit_limit_type.as_deref(), Some("soft"));
}

const SUB_ACCOUNT: &str = r#"{"name":"Branch Office","email":null,"phone":null,"description":null,
  "permissions":{"cdr":true,"calls":true},"rate_limit":1000,"id":"500001","parent_account_id":"500000",
  "parent_auth_id":"MA_ZKITB8Z2","auth_id":"SA_XXXXXXXX","auth_token":"<redacted>",
  "api_id":"9a8b7c6d-0000-1111-2222-333344445555","email_verified":false,"enabled":true,
  "created":"2026-03-25","modified":"2026-03-25","is_active":true,
  "created_at":"2026-03-25T06:58:38.796024Z","updated_at":"2026-03-25T06:58:38.796024Z","last_used":null,
  "account":"/v1/Account/MA_ZKITB8Z2/","resource_uri":"/v1/Account/MA_ZKITB8Z2/Subaccount/SA_XXXXXXXX/"}"#;

#[test]
fn sub_account_with_date_only_created() {
    let sub: SubAccount = serde_json::from_str(SUB_ACCOUNT).unwrap();
    assert_eq!(sub.created.as_deref(), Some("2026-03-25"));
    assert_eq!(sub.rate_limit, Some(1000));
    assert!(sub.permissions.unwrap().cdr);
    assert_eq!(sub.last_used, None);

    let page: SubAccountsPage = serde_json::from_str(&format!(
        r#"{{"sub_accounts":[{SUB_ACCOUNT}],"total":28,"page":1,"size":10}}"#
    ))
    .unwrap();
    assert_eq!(page.page_size(), Some(10));
    assert_eq!(page.total, 28);
}

#[test]
fn created_sub_account_credentials() {
    let body = format!(
        r#"{{"message":"Sub-account created successfully","sub_account":{},
          "auth_credentials":{{"auth_id":"SA_XXXXXXXX","auth_token":"sub-token-123"}},
          "tokens":{{"access_token":"jwt-a","refresh_token":"jwt-r","token_type":"bearer","expires_in":1800}}}}"#,
        SUB_ACCOUNT.replace("<redacted>", "sub-token-123")
    );
    let created: CreatedSubAccount = serde_json::from_str(&body).unwrap();
    assert_eq!(created.credentials().unwrap().auth_id, "SA_XXXXXXXX");
    assert_eq!(created.tokens.as_ref().unwrap().expires_in, Some(1800));
    let shown = format!("{created:?}");
    assert!(!shown.contains("sub-token-123") && !shown.contains("jwt-a"));
}

// Answers that only the client's transport sees: release variants, empty bodies, errors.

async fn release_with(reply: Reply) -> Result<ReleaseOutcome, Error> {
    let server = Scripted::start(vec![reply]).await;
    let client = server.client();
    let credentials = account();
    client
        .account(&credentials)
        .release_number("+919876543210", false)
        .await
}

#[tokio::test]
async fn release_pending_release_answer() {
    let body = r#"{"cancel_url":"/api/v1/account/MA_XXXXXX/numbers/+919876543210/cancel-release",
      "cooldown_ends_at":"2026-07-21T09:18:26.000Z","message":"number release initiated",
      "note":"Number will be in pending_release for 24 hours (cancellable), then quarantined for 45 days before becoming available.",
      "release_fee":700,"status":"pending_release"}"#;
    let outcome = release_with(Reply::json(200, body)).await.unwrap();
    let ReleaseOutcome::PendingRelease(pending) = &outcome else {
        panic!("expected a pending release, got {outcome:?}");
    };
    assert!(outcome.is_cancellable());
    assert_eq!(pending.release_fee, Some(dec("700")));
    assert_eq!(pending.cooldown_ends_at, Some(at("2026-07-21T09:18:26Z")));
    assert_eq!(pending.status, Some(NumberStatus::PendingRelease));
}

#[tokio::test]
async fn release_returned_to_inventory_answer() {
    let outcome = release_with(Reply::json(
        200,
        r#"{"message":"number returned to inventory"}"#,
    ))
    .await
    .unwrap();
    assert_eq!(
        outcome,
        ReleaseOutcome::Released {
            message: Some("number returned to inventory".to_owned()),
            release_fee: None,
        }
    );
    assert!(!outcome.is_cancellable());
}

#[tokio::test]
async fn immediate_release_answer_is_not_pending() {
    let body = r#"{"message":"number released","status":"released","release_fee":700,
      "cooldown_ends_at":"2026-07-20T09:18:26Z"}"#;
    let outcome = release_with(Reply::json(200, body)).await.unwrap();
    assert_eq!(
        outcome,
        ReleaseOutcome::Released {
            message: Some("number released".to_owned()),
            release_fee: Some(dec("700")),
        }
    );
}

#[tokio::test]
async fn release_no_content_answers() {
    for reply in [
        Reply::empty(204),
        Reply::empty(200),
        Reply::json(200, r#""""#),
    ] {
        assert_eq!(
            release_with(reply.clone()).await.unwrap(),
            ReleaseOutcome::NoContent,
            "{reply:?}"
        );
    }
}

#[tokio::test]
async fn release_garbage_is_a_decode_error_without_the_token() {
    let body = format!(r#"<html>oops {TOKEN}</html>"#);
    let error = release_with(Reply::json(200, &body)).await.unwrap_err();
    let Error::Decode {
        endpoint, snippet, ..
    } = &error
    else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(endpoint, "DELETE /api/v1/Account/{auth_id}/numbers/{e164}");
    assert!(snippet.contains("oops") && !snippet.contains(TOKEN));
}

#[tokio::test]
async fn empty_success_bodies_for_assignment() {
    for reply in [
        Reply::empty(200),
        Reply::empty(204),
        Reply::json(200, r#""""#),
        Reply::json(200, r#"{"message":"assigned"}"#),
    ] {
        let server = Scripted::start(vec![reply.clone()]).await;
        let client = server.client();
        let credentials = account();
        let api = client.account(&credentials);
        api.assign_to_sub_account("+919876543210", "SA_XXXXXXXX")
            .await
            .unwrap_or_else(|error| panic!("{reply:?}: {error}"));
        api.unassign_from_sub_account("+919876543210", false)
            .await
            .unwrap_or_else(|error| panic!("{reply:?}: {error}"));
        api.delete_sub_account("SA_XXXXXXXX")
            .await
            .unwrap_or_else(|error| panic!("{reply:?}: {error}"));
    }
}

#[tokio::test]
async fn created_with_201_or_200() {
    let body = r#"{"auth_id":"MA_NEW00001","auth_token":"t","status":"active","balance":0}"#;
    for status in [200, 201] {
        let server = Scripted::start(vec![Reply::json(status, body)]).await;
        let client = server.client();
        let credentials = partner();
        let created = client
            .partner(&credentials)
            .create_account(&vobiz::client::CreateCustomer {
                name: "New".into(),
                email: "new@example.com".into(),
                phone: "+919800000001".into(),
                password: "Str0ng!pass".to_owned().into(),
                country: "IN".into(),
                company: None,
                description: None,
                address: None,
                city: None,
                state: None,
                zip_code: None,
                timezone: None,
                gstin: None,
                gst_status: None,
                account_type: None,
            })
            .await
            .unwrap();
        assert_eq!(created.auth_id, "MA_NEW00001");
    }
}

#[tokio::test]
async fn json_expected_but_empty_is_a_decode_error() {
    let server = Scripted::start(vec![Reply::empty(200)]).await;
    let client = server.client();
    let credentials = partner();
    let error = client.partner(&credentials).me().await.unwrap_err();
    assert!(
        matches!(&error, Error::Decode { endpoint, .. } if endpoint == "GET /api/v1/partner/me"),
        "{error:?}"
    );
}

/// Runs a purchase against one canned error answer.
async fn purchase_error(reply: Reply) -> Error {
    let server = Scripted::start(vec![reply]).await;
    let client = server.client();
    let credentials = account();
    client
        .account(&credentials)
        .purchase_from_inventory(&PurchaseRequest {
            e164: "+919876543210".to_owned(),
            currency: None,
        })
        .await
        .unwrap_err()
}

#[tokio::test]
async fn purchase_404_not_in_inventory() {
    let error = purchase_error(Reply::json(
        404,
        r#"{"error":"not found","message":"number not found in inventory"}"#,
    ))
    .await;
    assert_eq!(
        error,
        Error::NotFound {
            message: "number not found in inventory".to_owned(),
            request_id: None
        }
    );
}

#[tokio::test]
async fn purchase_500_debit_failure_is_insufficient_balance() {
    let error = purchase_error(Reply::json(
        500,
        r#"{"error":"internal server error","message":"failed to purchase number from provider"}"#,
    ))
    .await;
    assert!(
        matches!(&error, Error::InsufficientBalance { message, .. } if message == "failed to purchase number from provider"),
        "{error:?}"
    );
}

#[tokio::test]
async fn other_500_is_upstream() {
    let error = purchase_error(Reply::json(
        500,
        r#"{"error":"internal server error","message":"database unavailable"}"#,
    ))
    .await;
    assert!(
        matches!(&error, Error::Upstream { status: 500, body_snippet, .. } if body_snippet.contains("database unavailable")),
        "{error:?}"
    );
}

#[tokio::test]
async fn unrent_403_not_owner() {
    let server = Scripted::start(vec![Reply::json(
        403,
        r#"{"error":"forbidden","message":"account does not own this number"}"#,
    )])
    .await;
    let client = server.client();
    let credentials = account();
    let error = client
        .account(&credentials)
        .release_number("+919876543210", true)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Forbidden { message, .. } if message == "account does not own this number"),
        "{error:?}"
    );
}

async fn unassign_error(reply: Reply) -> Error {
    let server = Scripted::start(vec![reply]).await;
    let client = server.client();
    let credentials = account();
    client
        .account(&credentials)
        .unassign_from_sub_account("+919876543210", false)
        .await
        .unwrap_err()
}

#[tokio::test]
async fn cool_off_409_in_both_documented_examples() {
    for (until, seconds) in [
        ("2026-06-09T10:00:00Z", 1_209_600),
        ("2025-06-09T14:23:00Z", 1_123_200),
    ] {
        let body = format!(
            r#"{{"error":"did_cool_off_in_effect","cool_off_until":"{until}","cool_off_remaining_seconds":{seconds}}}"#
        );
        let error = unassign_error(Reply::json(409, &body)).await;
        assert_eq!(
            error,
            Error::CoolOffInEffect {
                until: at(until),
                remaining_seconds: seconds,
                request_id: None
            }
        );
        assert!(error.to_string().contains("cool-off"));
    }
}

#[tokio::test]
async fn other_409_is_conflict() {
    let error = unassign_error(Reply::json(
        409,
        r#"{"error":"conflict","message":"email already in use"}"#,
    ))
    .await;
    assert!(matches!(&error, Error::Conflict { message, .. } if message == "email already in use"));
}

#[tokio::test]
async fn default_error_schema_keeps_api_id() {
    let error = unassign_error(Reply::json(
        404,
        r#"{"api_id":"5d6c0a9e-1f2e-4b3c-8d7e-9f0a1b2c3d4e","error":"not found","message":"sub-account not found"}"#,
    ))
    .await;
    assert_eq!(
        error.request_id(),
        Some("5d6c0a9e-1f2e-4b3c-8d7e-9f0a1b2c3d4e")
    );
    assert!(matches!(error, Error::NotFound { .. }));
}

#[tokio::test]
async fn request_id_header_wins() {
    let error = unassign_error(
        Reply::json(
            404,
            r#"{"api_id":"from-body","error":"not found","message":"x"}"#,
        )
        .header("x-request-id", "req_from_header"),
    )
    .await;
    assert_eq!(error.request_id(), Some("req_from_header"));
}

#[tokio::test]
async fn insufficient_balance_400_with_amounts() {
    let server = Scripted::start(vec![Reply::json(
        400,
        r#"{"error":"insufficient_balance","message":"Insufficient partner balance","current_balance":"100.00000","requested_amount":500}"#,
    )])
    .await;
    let client = server.client();
    let credentials = partner();
    let error = client
        .partner(&credentials)
        .transfer_balance(
            "MA_ZKITB8Z2",
            &vobiz::client::TransferRequest {
                amount: dec("500"),
                currency: "INR".into(),
                description: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        error,
        Error::InsufficientBalance {
            message: "Insufficient partner balance".to_owned(),
            current_balance: Some(dec("100")),
            requested_amount: Some(dec("500")),
            request_id: None,
        }
    );
}

#[tokio::test]
async fn nested_error_envelope() {
    let error = unassign_error(Reply::json(
        402,
        r#"{"status":"error","error":{"code":"INSUFFICIENT_BALANCE","message":"Not enough credit",
            "details":{"current_balance":1.5,"requested_amount":"401"}},"timestamp":"2026-03-25T10:00:00Z","requestId":"req_abc"}"#,
    ))
    .await;
    assert_eq!(
        error,
        Error::InsufficientBalance {
            message: "Not enough credit".to_owned(),
            current_balance: Some(dec("1.5")),
            requested_amount: Some(dec("401")),
            request_id: Some("req_abc".to_owned()),
        }
    );
}

#[tokio::test]
async fn validation_400_and_422() {
    for status in [400u16, 422] {
        let error = unassign_error(Reply::json(
            status,
            r#"{"error":"validation_error","message":"password must contain a digit"}"#,
        ))
        .await;
        assert_eq!(
            error,
            Error::Validation {
                status,
                message: "password must contain a digit".to_owned(),
                request_id: None
            }
        );
    }
}

#[tokio::test]
async fn unauthorized_401_with_any_body() {
    for reply in [
        Reply::empty(401),
        Reply::json(401, r#"{"error":"unauthorized"}"#),
    ] {
        let error = unassign_error(reply).await;
        assert_eq!(error, Error::Unauthorized { request_id: None });
    }
}

#[tokio::test]
async fn rate_limited_on_a_write_keeps_retry_after() {
    let error =
        unassign_error(Reply::json(429, r#"{"error":"rate_limited"}"#).header("retry-after", "7"))
            .await;
    assert_eq!(
        error,
        Error::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
            request_id: None
        }
    );
}

#[tokio::test]
async fn plain_text_error_bodies_become_messages() {
    let error = unassign_error(Reply {
        headers: vec![],
        ..Reply::json(404, "404 page not found")
    })
    .await;
    assert!(matches!(&error, Error::NotFound { message, .. } if message == "404 page not found"));
}

#[tokio::test]
async fn upstream_snippets_are_truncated_and_tokens_removed() {
    let body = format!(
        r#"{{"detail":"{}", "echo":"{TOKEN}", "auth_token":"other-secret"}}"#,
        "x".repeat(5000)
    );
    let error = unassign_error(Reply::json(503, &body)).await;
    let Error::Upstream {
        status,
        body_snippet,
        ..
    } = &error
    else {
        panic!("expected upstream, got {error:?}");
    };
    assert_eq!(*status, 503);
    assert!(
        body_snippet.chars().count() <= 301,
        "{}",
        body_snippet.len()
    );
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(TOKEN));
    assert!(!shown.contains("other-secret"));
}

#[tokio::test]
async fn error_messages_never_carry_the_token() {
    let body = format!(r#"{{"error":"forbidden","message":"token {TOKEN} is not allowed here"}}"#);
    let error = unassign_error(Reply::json(403, &body)).await;
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("not allowed here"));
}

#[tokio::test]
async fn decode_snippets_hide_tokens_in_answers() {
    // A single-customer answer carries the customer's token; when it cannot be decoded the
    // error must not repeat it.
    let server = Scripted::start(vec![Reply::json(
        200,
        r#"{"auth_id":"MA_ZKITB8Z2","auth_token":"customer-secret-token","cash_credits":"lots"}"#,
    )])
    .await;
    let client = server.client();
    let credentials = partner();
    let error = client
        .partner(&credentials)
        .get_account("MA_ZKITB8Z2")
        .await
        .unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(matches!(error, Error::Decode { .. }));
    assert!(!shown.contains("customer-secret-token"), "{shown}");
    assert!(shown.contains("MA_ZKITB8Z2"));
}
