//! JSON views of the state, with the contract's field names and money representations.

use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::model::{
    money_num, money_str, ts, ts_opt, Account, CallRecord, LedgerEntry, Number, World,
};

/// How a number is shown: inventory items render `tags` as an object (a documented quirk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberView {
    Owned,
    Inventory,
}

pub(crate) fn number(n: &Number, view: NumberView) -> Value {
    let tags = match view {
        NumberView::Inventory => json!({}),
        NumberView::Owned => json!(n.tags),
    };
    json!({
        "id": n.id,
        "account_id": n.owner,
        "e164": n.e164,
        "country": n.country,
        "region": n.region,
        "capabilities": {
            "voice": n.capabilities.voice,
            "sms": n.capabilities.sms,
            "mms": n.capabilities.mms,
            "fax": n.capabilities.fax,
        },
        "status": n.status,
        "provider": n.provider,
        "setup_fee": money_num(n.setup_fee),
        "monthly_fee": money_num(n.monthly_fee),
        "currency": n.currency,
        "application_id": n.application_id,
        "voice_enabled": n.voice_enabled,
        "tags": tags,
        "purchased_at": ts_opt(n.purchased_at),
        "is_blocked": n.is_blocked,
        "created_at": ts(n.created_at),
        "updated_at": ts(n.updated_at),
        "is_trial_number": n.is_trial_number,
        "last_billing_date": ts_opt(n.last_billing_date),
        "next_billing_date": ts_opt(n.next_billing_date),
        "minimum_commitment_months": n.minimum_commitment_months,
        "aadhaar_verification_required": n.aadhaar_verification_required,
        "aadhaar_verified": n.aadhaar_verified,
        "source": n.source,
        "released_at": ts_opt(n.released_at),
        "trunk_group_id": n.trunk_group_id,
    })
}

/// The slim item list of a purchase response.
pub(crate) fn number_item(n: &Number) -> Value {
    json!({
        "id": n.id,
        "account_id": n.owner,
        "e164": n.e164,
        "country": n.country,
        "region": n.region,
        "capabilities": {
            "voice": n.capabilities.voice,
            "sms": n.capabilities.sms,
            "mms": n.capabilities.mms,
            "fax": n.capabilities.fax,
        },
        "status": n.status,
        "monthly_fee": money_num(n.monthly_fee),
        "currency": n.currency,
    })
}

pub(crate) fn partner_profile(w: &World, balance: Value) -> Value {
    let p = &w.partner;
    json!({
        "id": p.id,
        "account_id": p.account_id,
        "name": p.name,
        "slug": p.slug,
        "company": p.company,
        "auth_id": p.auth_id,
        "email": p.email,
        "phone": p.phone,
        "billing_model": p.billing_model,
        "is_active": p.is_active,
        "is_verified": p.is_verified,
        "max_accounts": p.max_accounts,
        "can_create_accounts": p.can_create_accounts,
        "can_create_pricing_tiers": p.can_create_pricing_tiers,
        "can_view_cdrs": p.can_view_cdrs,
        "can_transfer_balance": p.can_transfer_balance,
        "default_pricing_tier_id": p.default_pricing_tier_id.to_string(),
        "account_count": w.customers().count(),
        "balance": balance,
        "currency": p.currency,
        "created_at": ts(p.created_at),
        "updated_at": ts(p.updated_at),
    })
}

fn pricing_tier(w: &World, a: &Account) -> Value {
    w.pricing_tiers
        .get(&a.pricing_tier_id)
        .map_or(Value::Null, |t| {
            json!({
                "id": t.id,
                "name": t.name,
                "currency": t.currency,
                "rate_per_minute": money_num(t.rate_per_minute),
                "streaming_rate_per_minute": 0,
                "recording_rate_per_minute": 0,
                "whatsapp_voice_rate": 0,
                "transcription_rate_per_minute": 0,
                "pii_redaction_rate_per_minute": 0,
                "charge_non_connected_calls": false,
                "non_connected_call_fee": 0,
                "did_release_fee": money_num(t.did_release_fee),
                "is_active": true,
                "is_default": t.is_default,
                "partner_id": w.partner.id,
            })
        })
}

/// A customer as the partner API shows it; `reveal_token` only for get-one.
pub(crate) fn customer(w: &World, a: &Account, reveal_token: bool) -> Value {
    let head = json!({
        "name": a.name,
        "email": a.email,
        "phone": a.phone,
        "description": a.description,
        "gstin": a.gstin,
        "gst_status": a.gst_status,
        "tds_enabled": false,
        "tds_percentage": 2,
        "business_type": a.business_type,
        "id": a.numeric_id.to_string(),
        "auth_id": a.auth_id,
        "api_id": a.api_id,
        "account_type": a.account_type,
        "role": a.role,
        "postpaid": false,
        "address": a.address,
        "city": a.city,
        "state": a.state,
        "timezone": a.timezone,
        "country": a.country,
        "zip_code": a.zip_code,
        "company": a.company,
        "billing_mode": "prepaid",
        "auto_recharge": false,
        "cash_credits": money_str(w.balance(&a.auth_id)),
        "currency": a.currency,
        "cps_limit": a.cps_limit,
        "concurrent_calls_limit": a.concurrent_calls_limit,
        "base_cps_limit": a.cps_limit,
        "base_concurrent_calls_limit": a.concurrent_calls_limit,
        "purchased_cps": 0,
        "purchased_concurrent_calls": 0,
    });
    let rest = json!({
        "is_active": a.is_active,
        "is_verified": a.is_verified,
        "is_trial_account": false,
        "enabled": a.enabled,
        "kyc_status": a.kyc_status,
        "google_id": null,
        "referral_code": null,
        "referral_disabled": false,
        "custom_referrer_reward_amount": null,
        "custom_referee_reward_amount": null,
        "created_at": ts(a.created_at),
        "updated_at": ts(a.updated_at),
        "last_login": ts_opt(a.last_login),
        "pricing_tier_id": a.pricing_tier_id.to_string(),
        "pricing_tier": pricing_tier(w, a),
        "partner_id": w.partner.id,
        "auto_recharge_config": null,
        "resource_uri": format!("/v1/Account/{}/", a.auth_id),
        "auth_token": if reveal_token { a.auth_token.expose() } else { "<redacted>" },
    });
    merge(head, rest)
}

fn merge(mut head: Value, rest: Value) -> Value {
    if let (Value::Object(head), Value::Object(rest)) = (&mut head, rest) {
        head.extend(rest);
    }
    head
}

pub(crate) fn sub_account(w: &World, a: &Account, reveal_token: bool) -> Value {
    let parent = a.parent().and_then(|p| w.accounts.get(p));
    let parent_auth = parent.map(|p| p.auth_id.clone()).unwrap_or_default();
    json!({
        "name": a.name,
        "email": a.email,
        "phone": a.phone,
        "description": a.description,
        "permissions": a.permissions,
        "rate_limit": a.rate_limit,
        "id": a.numeric_id.to_string(),
        "parent_account_id": parent.map(|p| p.numeric_id.to_string()),
        "parent_auth_id": parent_auth,
        "auth_id": a.auth_id,
        "auth_token": if reveal_token { a.auth_token.expose() } else { "<redacted>" },
        "api_id": a.api_id,
        "email_verified": a.email_verified,
        "enabled": a.enabled,
        "created": a.created_at.format("%Y-%m-%d").to_string(),
        "modified": a.updated_at.format("%Y-%m-%d").to_string(),
        "is_active": a.is_active,
        "created_at": ts(a.created_at),
        "updated_at": ts(a.updated_at),
        "last_used": ts_opt(a.last_login),
        "account": format!("/v1/Account/{parent_auth}/"),
        "resource_uri": format!("/v1/Account/{parent_auth}/Subaccount/{}/", a.auth_id),
        "kyc_mode": a.kyc_mode,
        "kyc_calls_blocked": false,
        "business_type": a.business_type,
    })
}

pub(crate) fn transaction(w: &World, owner: &str, e: &LedgerEntry) -> Value {
    let balance_id = w.wallets.get(owner).map(|wallet| wallet.id);
    json!({
        "id": e.id,
        "account_id": owner,
        "balance_id": balance_id,
        "type": e.direction,
        "amount": money_num(e.amount),
        "currency": e.currency,
        "description": e.description,
        "reference": e.reference,
        "reference_type": e.reference_type,
        "status": "completed",
        "processed_at": ts(e.at),
        "created_at": ts(e.at),
        "updated_at": ts(e.at),
    })
}

/// Totals over ledger entries, as both transaction endpoints report them.
pub(crate) fn transaction_summary(entries: &[&LedgerEntry]) -> Value {
    let mut debit = Decimal::ZERO;
    let mut credit = Decimal::ZERO;
    let mut by_type: Vec<(String, Decimal, Decimal, u64)> = Vec::new();
    for e in entries {
        let slot = match by_type.iter().position(|(t, ..)| *t == e.reference_type) {
            Some(i) => i,
            None => {
                by_type.push((e.reference_type.clone(), Decimal::ZERO, Decimal::ZERO, 0));
                by_type.len() - 1
            }
        };
        let row = &mut by_type[slot];
        row.3 += 1;
        if e.direction == "debit" {
            debit += e.amount;
            row.1 += e.amount;
        } else {
            credit += e.amount;
            row.2 += e.amount;
        }
    }
    json!({
        "total_transactions": entries.len(),
        "total_debit": money_num(debit),
        "total_credit": money_num(credit),
        "net_amount": money_num(credit - debit),
        "by_reference_type": by_type.into_iter().map(|(t, d, c, n)| json!({
            "reference_type": t,
            "total_debit": money_num(d),
            "total_credit": money_num(c),
            "count": n,
        })).collect::<Vec<_>>(),
    })
}

pub(crate) fn cdr(c: &CallRecord) -> Value {
    let end = c.start_time + chrono::Duration::seconds(i64::from(c.duration));
    let answer = c.start_time + chrono::Duration::seconds(i64::from(c.duration - c.billsec));
    let (cause, code, disposition) = if c.answered {
        ("NORMAL_CLEARING", 16, "recv_bye")
    } else {
        ("NO_ANSWER", 19, "send_cancel")
    };
    json!({
        "id": c.id,
        "uuid": c.uuid,
        "account_id": c.account_id,
        "call_direction": c.direction,
        "caller_id_name": "",
        "caller_id_number": c.caller,
        "destination_number": c.destination,
        "context": "voice-api",
        "region": "ap-south-1",
        "origination_region": "mumbai",
        "duration": c.duration,
        "billsec": c.billsec,
        "ring_time": c.duration - c.billsec,
        "answer_time": if c.answered { Value::String(ts(answer)) } else { Value::Null },
        "start_time": ts(c.start_time),
        "end_time": ts(end),
        "progress_time": ts(c.start_time),
        "created_at": ts(end),
        "updated_at": ts(end),
        "cost": "0.00000",
        "total_cost": "0.00000",
        "streaming_cost": "0.00000",
        "currency": c.currency,
        "mos": 4.3,
        "jitter": 0.0,
        "packet_loss": 0.0,
        "codec": "PCMU",
        "hangup_cause": cause,
        "hangup_cause_code": code,
        "hangup_cause_name": cause,
        "hangup_disposition": disposition,
        "hangup_source": if c.answered { "callee" } else { "caller" },
        "sip_call_id": format!("{}@sandbox.vobiz.local", c.uuid.simple()),
        "sip_user_agent": "vobiz-sandbox",
        "network_addr": "10.0.0.1",
        "carrier_ip": "10.0.0.2",
    })
}
