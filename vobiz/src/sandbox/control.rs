//! `/__sandbox/*`: test and demo controls, guarded by the `X-Sandbox-Token` header.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use chrono::{DateTime, Months, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::faults::Fault;
use super::model::{money_num, random_uuid, ts, CallRecord, World};
use super::params;
use super::{seed, Sandbox};

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/state", get(dump))
        .route("/invariants", get(invariants))
        .route("/demo", get(demo))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance))
        .route("/numbers/bulk", post(bulk_numbers))
        .route("/numbers/{e164}/calls", post(record_call))
        .route("/wallets/{auth_id}/top-up", post(top_up))
        .route(
            "/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route("/partner", post(partner_settings))
        .route("/reset", post(reset))
}

fn authorise(sb: &Sandbox, headers: &HeaderMap) -> ApiResult<()> {
    let given = headers.get("x-sandbox-token").and_then(|v| v.to_str().ok());
    let expected = super::model::Token(sb.config().control_token.clone());
    if given.is_some_and(|g| expected.matches(g)) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or invalid X-Sandbox-Token",
        ))
    }
}

fn body_as<T: for<'de> Deserialize<'de> + Default>(body: &[u8]) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))
}

/// Runs `f` on the world after checking the control token and applying due clock effects.
fn control<T>(
    sb: &Sandbox,
    headers: &HeaderMap,
    f: impl FnOnce(&mut World, DateTime<Utc>) -> ApiResult<T>,
) -> ApiResult<T> {
    authorise(sb, headers)?;
    let mut w = sb.lock();
    let now = w.now();
    w.tick(now);
    let out = f(&mut w, now)?;
    w.revision += 1;
    Ok(out)
}

async fn dump(State(sb): State<Sandbox>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    authorise(&sb, &headers)?;
    let w = sb.lock();
    serde_json::to_value(&*w)
        .map(Json)
        .map_err(|e| ApiError::bad_request(e.to_string()))
}

async fn invariants(State(sb): State<Sandbox>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    authorise(&sb, &headers)?;
    sb.lock()
        .check_invariants()
        .map(|()| Json(json!({"ok": true})))
        .map_err(|problem| ApiError::conflict(problem).with("ok", false))
}

async fn demo(State(sb): State<Sandbox>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    authorise(&sb, &headers)?;
    let d = sb.demo();
    let creds = |c: &super::DemoCredentials| json!({"auth_id": c.auth_id, "auth_token": c.auth_token, "name": c.name});
    Ok(Json(json!({
        "partner": creds(&d.partner),
        "pool_account": creds(&d.pool_account),
        "customers": d.customers.iter().map(creds).collect::<Vec<_>>(),
        "sub_accounts": d.sub_accounts.iter().map(creds).collect::<Vec<_>>(),
    })))
}

fn clock_body(w: &World, now: DateTime<Utc>) -> Value {
    json!({"now": ts(now), "offset_seconds": w.clock_offset_secs})
}

async fn clock(State(sb): State<Sandbox>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    authorise(&sb, &headers)?;
    let w = sb.lock();
    Ok(Json(clock_body(&w, w.now())))
}

#[derive(Default, Deserialize)]
struct Advance {
    seconds: i64,
}

async fn advance(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let req: Advance = body_as(&body)?;
    control(&sb, &headers, |w, _| {
        if req.seconds < 0 {
            return Err(ApiError::bad_request("the clock only moves forward"));
        }
        w.clock_offset_secs = w.clock_offset_secs.saturating_add(req.seconds);
        let now = w.now();
        w.tick(now);
        Ok(Json(clock_body(w, now)))
    })
}

#[derive(Default, Deserialize)]
struct Call {
    at: Option<DateTime<Utc>>,
    duration_secs: Option<u32>,
    direction: Option<String>,
    answered: Option<bool>,
}

async fn record_call(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let req: Call = body_as(&body)?;
    control(&sb, &headers, |w, now| {
        let e164 = params::normalise_e164(&raw)
            .ok_or_else(|| ApiError::bad_request("phone number must be E.164"))?;
        let owner = w
            .numbers
            .get(&e164)
            .ok_or_else(|| ApiError::not_found("number not found"))?
            .owner
            .clone()
            .unwrap_or_default();
        let at = req.at.unwrap_or(now);
        let duration = req.duration_secs.unwrap_or(60);
        let answered = req.answered.unwrap_or(true);
        let currency = w
            .wallet_currency(w.billing_account(&owner))
            .unwrap_or("INR")
            .to_owned();
        let id = w.next_call_id;
        w.next_call_id += 1;
        let uuid = w.with_rng(random_uuid);
        w.calls.push(CallRecord {
            id,
            uuid,
            account_id: owner,
            e164: e164.clone(),
            direction: req.direction.unwrap_or_else(|| "inbound".into()),
            caller: "+919800000000".into(),
            destination: e164.clone(),
            start_time: at,
            duration,
            billsec: if answered { duration } else { 0 },
            answered,
            currency,
        });
        let n = w.numbers.get_mut(&e164).expect("checked above");
        n.last_call_at = Some(at);
        Ok(Json(
            json!({"e164": e164, "last_call_at": ts(at), "call_id": id}),
        ))
    })
}

#[derive(Deserialize)]
struct TopUp {
    amount: Value,
    description: Option<String>,
}

async fn top_up(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path(owner): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    authorise(&sb, &headers)?;
    let req: TopUp = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    control(&sb, &headers, |w, now| {
        let amount = params::decimal(&req.amount)
            .filter(|a| *a > Decimal::ZERO)
            .ok_or_else(|| ApiError::bad_request("amount must be a positive number"))?;
        if !w.wallets.contains_key(&owner) || owner.starts_with("vobiz_revenue_") {
            return Err(ApiError::not_found(
                "wallet not found (sub-accounts use their parent's wallet)",
            ));
        }
        w.inject(
            &owner,
            amount,
            req.description.unwrap_or_else(|| "Sandbox top-up".into()),
            now,
        );
        let wallet = &w.wallets[&owner];
        Ok(Json(
            json!({"auth_id": owner, "currency": wallet.currency, "balance": money_num(wallet.balance)}),
        ))
    })
}

#[derive(Default, Deserialize)]
#[serde(untagged)]
enum FaultBody {
    Many {
        faults: Vec<Fault>,
    },
    One(Fault),
    #[default]
    None,
}

async fn list_faults(State(sb): State<Sandbox>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    authorise(&sb, &headers)?;
    Ok(Json(json!({"faults": sb.lock().faults})))
}

async fn add_faults(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let faults = match body_as::<FaultBody>(&body)? {
        FaultBody::Many { faults } => faults,
        FaultBody::One(fault) => vec![fault],
        FaultBody::None => {
            return Err(ApiError::bad_request(
                "expected a fault or {\"faults\": [...]}",
            ))
        }
    };
    control(&sb, &headers, |w, _| {
        let mut added = Vec::new();
        for mut fault in faults {
            fault.id = w.next_fault_id;
            w.next_fault_id += 1;
            added.push(fault.clone());
            w.faults.push(fault);
        }
        Ok((StatusCode::CREATED, Json(json!({"faults": added}))))
    })
}

async fn clear_faults(State(sb): State<Sandbox>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    control(&sb, &headers, |w, _| {
        let cleared = w.faults.len();
        w.faults.clear();
        Ok(Json(json!({"cleared": cleared})))
    })
}

#[derive(Default, Deserialize)]
struct PartnerSettings {
    can_create_accounts: Option<bool>,
    can_transfer_balance: Option<bool>,
    can_view_cdrs: Option<bool>,
    max_accounts: Option<u32>,
}

async fn partner_settings(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let req: PartnerSettings = body_as(&body)?;
    control(&sb, &headers, |w, now| {
        let p = &mut w.partner;
        p.can_create_accounts = req.can_create_accounts.unwrap_or(p.can_create_accounts);
        p.can_transfer_balance = req.can_transfer_balance.unwrap_or(p.can_transfer_balance);
        p.can_view_cdrs = req.can_view_cdrs.unwrap_or(p.can_view_cdrs);
        p.max_accounts = req.max_accounts.unwrap_or(p.max_accounts);
        p.updated_at = now;
        Ok(Json(json!({
            "can_create_accounts": p.can_create_accounts,
            "can_transfer_balance": p.can_transfer_balance,
            "can_view_cdrs": p.can_view_cdrs,
            "max_accounts": p.max_accounts,
        })))
    })
}

#[derive(Default, Deserialize)]
struct Reset {
    seed: Option<u64>,
}

async fn reset(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    authorise(&sb, &headers)?;
    let req: Reset = body_as(&body)?;
    let seed = req.seed.unwrap_or(sb.config().seed);
    let mut fresh = seed::world(seed, Utc::now());
    let mut w = sb.lock();
    fresh.revision = w.revision + 1;
    *w = fresh;
    Ok(Json(
        json!({"seed": seed, "numbers": w.numbers.len(), "accounts": w.accounts.len()}),
    ))
}

#[derive(Default, Deserialize)]
struct Bulk {
    count: usize,
    country: Option<String>,
    prefix: Option<String>,
    owner: Option<String>,
    setup_fee: Option<Value>,
    monthly_fee: Option<Value>,
}

async fn bulk_numbers(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let req: Bulk = body_as(&body)?;
    control(&sb, &headers, |w, now| {
        if req.count == 0 || req.count > 1_000_000 {
            return Err(ApiError::bad_request("count must be between 1 and 1000000"));
        }
        let country = req.country.as_deref().unwrap_or("IN").to_ascii_uppercase();
        let (default_prefix, region, currency, length) = match country.as_str() {
            "IN" => ("+91120", "Uttar Pradesh", "INR", 13usize),
            "US" => ("+1650", "CA", "USD", 12),
            "GB" => ("+44161", "Manchester", "GBP", 13),
            _ => return Err(ApiError::bad_request("country must be IN, US or GB")),
        };
        let prefix = match &req.prefix {
            Some(p) => params::normalise_e164(p)
                .ok_or_else(|| ApiError::bad_request("prefix must be digits with an optional +"))?,
            None => default_prefix.to_owned(),
        };
        let width = length
            .checked_sub(prefix.len())
            .filter(|w| *w >= 4)
            .ok_or_else(|| ApiError::bad_request("prefix too long"))?;
        let capacity = 10usize.saturating_pow(width as u32);
        if let Some(owner) = &req.owner {
            if !w.accounts.contains_key(owner) {
                return Err(ApiError::not_found("owner account not found"));
            }
        }
        let fee = |v: &Option<Value>, default: i64| -> ApiResult<Decimal> {
            v.as_ref().map_or(Ok(Decimal::from(default)), |v| {
                params::decimal(v)
                    .filter(|d| *d >= Decimal::ZERO)
                    .ok_or_else(|| ApiError::bad_request("fees must be non-negative numbers"))
            })
        };
        let setup = fee(&req.setup_fee, 100)?;
        let monthly = fee(&req.monthly_fee, 300)?;
        let mut created = Vec::with_capacity(req.count);
        let mut rng = w.runtime_rng();
        let mut suffix = 0usize;
        while created.len() < req.count {
            if suffix >= capacity {
                return Err(ApiError::conflict(
                    "the prefix has no room for that many new numbers",
                ));
            }
            let e164 = format!("{prefix}{suffix:0width$}");
            suffix += 1;
            if w.numbers.contains_key(&e164) {
                continue;
            }
            let mut n = seed::number(
                &mut rng, &e164, &country, region, setup, monthly, currency, now,
            );
            if let Some(owner) = &req.owner {
                n.owner = Some(owner.clone());
                n.purchased_at = Some(now);
                n.last_billing_date = Some(now);
                n.next_billing_date = now.checked_add_months(Months::new(1));
                n.source = "purchased".into();
            }
            w.numbers.insert(e164.clone(), n);
            created.push(e164);
        }
        w.store_rng(&rng);
        Ok((
            StatusCode::CREATED,
            Json(
                json!({"created": created.len(), "first": created.first(), "last": created.last()}),
            ),
        ))
    })
}
