//! The account APIs: phone numbers (`/Account/{id}/…`, `/account/{id}/…`), balance,
//! transactions and sub-accounts (`/accounts/{id}/sub-accounts/…`). Main (`MA_`) or sub
//! (`SA_`) credentials whose id matches the path.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use bytes::Bytes;
use chrono::Duration;
use serde_json::{json, Map, Value};

use super::error::{ApiError, ApiResult};
use super::model::{
    money_num, random_auth_id, random_chars, random_token, random_uuid, ts, Account, AccountKind,
    World,
};
use super::params::{self, Paging, Query};
use super::render::{self, NumberView};
use super::Sandbox;

pub(crate) fn routes() -> Router<Sandbox> {
    let mut router = Router::new();
    // The SDK casing `/Account/`, and leniently the lower-case one the docs pages show.
    for casing in ["Account", "account"] {
        router = router
            .route(&format!("/{casing}/{{id}}/numbers"), get(list_numbers))
            .route(
                &format!("/{casing}/{{id}}/inventory/numbers"),
                get(inventory),
            )
            .route(
                &format!("/{casing}/{{id}}/numbers/purchase-from-inventory"),
                post(purchase),
            )
            .route(
                &format!("/{casing}/{{id}}/numbers/{{e164}}"),
                delete(unrent),
            )
            .route(
                &format!("/{casing}/{{id}}/balance/{{currency}}"),
                get(balance),
            )
            .route(&format!("/{casing}/{{id}}/transactions"), get(transactions));
    }
    router
        .route(
            "/account/{id}/numbers/{e164}/cancel-release",
            post(cancel_release),
        )
        .route(
            "/account/{id}/numbers/{e164}/assign-subaccount",
            post(assign).delete(unassign),
        )
        .route("/account/{id}/numbers/{e164}/health", get(health))
        .route(
            "/accounts/{id}/sub-accounts/",
            get(list_sub_accounts).post(create_sub_account),
        )
        .route(
            "/accounts/{id}/sub-accounts/{sub}",
            get(get_sub_account)
                .put(update_sub_account)
                .delete(delete_sub_account),
        )
}

fn e164(raw: &str) -> ApiResult<String> {
    params::normalise_e164(raw).ok_or_else(|| ApiError::bad_request("phone number must be E.164"))
}

/// `page`/`per_page`, or leniently `limit`/`offset` when only those are given.
fn number_paging(q: &Query) -> ApiResult<Paging> {
    if q.get("page").is_none() && q.get("per_page").is_none() && q.get("limit").is_some() {
        let limit = q.uint("limit")?.unwrap_or(25);
        let offset = q.uint("offset")?.unwrap_or(0);
        let limit_nonzero = limit.max(1);
        return Paging::checked(offset / limit_nonzero + 1, limit, "limit", 100);
    }
    q.paging("per_page", 25, 100)
}

async fn list_numbers(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = Query::parse(raw.as_deref());
    sb.account_call(&headers, &id, |w, caller, _| {
        let paging = number_paging(&q)?;
        let include_subs = q.flag("include_subaccounts")?.unwrap_or(true);
        let search = q.get("search").map(|s| s.trim_start_matches('+').to_owned());
        let matching: Vec<_> = w
            .numbers
            .values()
            .filter(|n| {
                n.owner.as_deref().is_some_and(|o| {
                    o == caller || (include_subs && w.accounts.get(o).and_then(Account::parent) == Some(caller))
                })
            })
            .filter(|n| search.as_deref().is_none_or(|s| n.e164.contains(s)))
            .collect();
        let total = matching.len();
        let items: Vec<Value> = paging.slice(matching).into_iter().map(|n| render::number(n, NumberView::Owned)).collect();
        Ok(Json(json!({"items": items, "page": paging.page, "per_page": paging.per_page, "total": total})))
    })
}

async fn inventory(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = Query::parse(raw.as_deref());
    sb.account_call(&headers, &id, |w, _, _| {
        let paging = number_paging(&q)?;
        let country = q.get("country").map(str::to_ascii_uppercase);
        let search = q.get("search").map(|s| s.trim_start_matches('+').to_owned());
        let mut excludes: Vec<String> = Vec::new();
        for raw in q.all("exclude").flat_map(|v| v.split(',')) {
            let prefix = raw.trim();
            if prefix.is_empty() {
                continue;
            }
            let digits = params::normalise_e164(prefix)
                .ok_or_else(|| ApiError::bad_request(format!("exclude prefix {prefix:?} is not an E.164 prefix")))?;
            if !excludes.contains(&digits) {
                excludes.push(digits);
            }
        }
        let matching: Vec<_> = w
            .numbers
            .values()
            .filter(|n| n.in_inventory())
            .filter(|n| country.as_deref().is_none_or(|c| n.country == c))
            .filter(|n| search.as_deref().is_none_or(|s| n.e164[1..].contains(s)))
            .filter(|n| !excludes.iter().any(|p| n.e164.starts_with(p.as_str())))
            .collect();
        let total = matching.len();
        let items: Vec<Value> = paging.slice(matching).into_iter().map(|n| render::number(n, NumberView::Inventory)).collect();
        Ok(Json(json!({"items": items, "page": paging.page, "per_page": paging.per_page, "total": total})))
    })
}

async fn purchase(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = params::json_object(&body)?;
    sb.account_call(&headers, &id, |w, caller, now| {
        let raw = params::opt_str(&body, "e164")?
            .ok_or_else(|| ApiError::bad_request("e164 is required"))?;
        let number = e164(raw)?;
        let currency = params::opt_str(&body, "currency")?;
        w.purchase(caller, &number, currency, now).map(Json)
    })
}

async fn unrent(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path((id, raw)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = Query::parse(q.as_deref());
    sb.account_call(&headers, &id, |w, caller, now| {
        let immediate = q.flag("immediate")?.unwrap_or(false);
        w.release(caller, &e164(&raw)?, immediate, now).map(Json)
    })
}

async fn cancel_release(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path((id, raw)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    sb.account_call(&headers, &id, |w, caller, now| {
        w.cancel_release(caller, &e164(&raw)?, now).map(Json)
    })
}

fn main_account_only(w: &World, caller: &str) -> ApiResult<()> {
    if w.accounts.get(caller).is_some_and(|a| a.parent().is_some()) {
        return Err(ApiError::forbidden(
            "sub-accounts cannot manage DID assignment; use the parent account",
        ));
    }
    Ok(())
}

async fn assign(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path((id, raw)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let body = params::json_object(&body)?;
    sb.account_call(&headers, &id, |w, caller, now| {
        main_account_only(w, caller)?;
        let sub = params::opt_str(&body, "sub_account_id")?
            .ok_or_else(|| ApiError::bad_request("sub_account_id is required"))?;
        w.assign_sub_account(caller, &e164(&raw)?, sub, now)?;
        Ok(StatusCode::OK.into_response())
    })
}

async fn unassign(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path((id, raw)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(q.as_deref());
    sb.account_call(&headers, &id, |w, caller, now| {
        main_account_only(w, caller)?;
        let force = q.flag("force")?.unwrap_or(false);
        w.unassign_sub_account(caller, &e164(&raw)?, force, now)?;
        Ok(StatusCode::OK.into_response())
    })
}

async fn health(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path((id, raw)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = Query::parse(q.as_deref());
    sb.account_call(&headers, &id, |w, caller, now| {
        let number = e164(&raw)?;
        let n = w
            .numbers
            .get(&number)
            .filter(|n| n.owner.as_deref().is_some_and(|o| o == caller || w.accounts.get(o).and_then(Account::parent) == Some(caller)))
            .ok_or_else(|| ApiError::not_found("number not found"))?;
        let granularity = q.get("granularity").unwrap_or("daily");
        let step = match granularity {
            "daily" => Duration::days(1),
            "hourly" => Duration::hours(1),
            _ => return Err(ApiError::bad_request("granularity must be daily or hourly")),
        };
        let days = q.uint("days")?.unwrap_or(7).clamp(1, 90);
        let start = now - Duration::days(days as i64);
        let calls: Vec<_> = w.calls.iter().filter(|c| c.e164 == number && c.start_time >= start).collect();
        let stats = |set: &[&&super::model::CallRecord]| {
            let total = set.len();
            let answered = set.iter().filter(|c| c.answered).count();
            let seconds: u64 = set.iter().map(|c| u64::from(c.billsec)).sum();
            (total, answered, seconds)
        };
        let all: Vec<_> = calls.iter().collect();
        let (total, answered, seconds) = stats(&all);
        let rate = |a: usize, t: usize| if t == 0 { 0.0 } else { (a as f64 * 10000.0 / t as f64).round() / 100.0 };
        let mut snapshots = Vec::new();
        let mut slot = start;
        while slot < now {
            let set: Vec<_> = calls.iter().filter(|c| c.start_time >= slot && c.start_time < slot + step).collect();
            let (t, a, s) = stats(&set);
            if t > 0 {
                snapshots.push(json!({
                    "id": w.partner.id, "ts": ts(slot), "total_calls": t, "answered_calls": a, "failed_calls": t - a,
                    "answer_rate": rate(a, t), "total_duration": s, "avg_duration": if t == 0 { 0 } else { s / t as u64 },
                    "total_minutes": (s as f64 / 60.0 * 100.0).round() / 100.0,
                }));
            }
            slot += step;
        }
        Ok(Json(json!({
            "e164": n.e164,
            "status": n.status,
            "usage_status": if total == 0 { "unused" } else { "active" },
            "is_spam": false,
            "granularity": granularity,
            "summary": {
                "period_days": days, "total_calls": total, "answered_calls": answered,
                "answer_rate": rate(answered, total),
                "total_minutes": (seconds as f64 / 60.0 * 100.0).round() / 100.0,
                "avg_duration": if total == 0 { 0 } else { seconds / total as u64 },
            },
            "snapshots": snapshots,
        })))
    })
}

async fn balance(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path((id, currency)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    sb.account_call(&headers, &id, |w, caller, _| {
        let payer = w.billing_account(caller);
        let wallet = w
            .wallets
            .get(payer)
            .filter(|wallet| wallet.currency.eq_ignore_ascii_case(&currency))
            .ok_or_else(|| {
                ApiError::not_found(format!("no {currency} balance for this account"))
            })?;
        let updated = wallet.ledger.last().map_or(wallet.created_at, |e| e.at);
        Ok(Json(json!({
            "id": wallet.id,
            "account_id": payer,
            "currency": wallet.currency,
            "balance": money_num(wallet.balance),
            "reserved_funds": 0,
            "promotional_balance": 0,
            "promotional_reserved_balance": 0,
            "available_balance": money_num(wallet.balance),
            "credit_limit": 0,
            "is_postpaid": false,
            "credit_limit_type": "hard",
            "low_balance_threshold": 100,
            "status": "active",
            "created_at": ts(wallet.created_at),
            "updated_at": ts(updated),
        })))
    })
}

async fn transactions(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = Query::parse(raw.as_deref());
    sb.account_call(&headers, &id, |w, caller, _| {
        let limit = q.uint("limit")?.unwrap_or(50);
        let offset = q.uint("offset")?.unwrap_or(0);
        if limit == 0 || limit > 100 {
            return Err(ApiError::bad_request("limit must be between 1 and 100"));
        }
        let payer = w.billing_account(caller);
        let ledger = w
            .wallets
            .get(payer)
            .map(|wallet| wallet.ledger.as_slice())
            .unwrap_or_default();
        let rows: Vec<_> = ledger.iter().rev().collect();
        let total = rows.len();
        let summary = render::transaction_summary(&rows);
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let items: Vec<Value> = rows
            .into_iter()
            .skip(skip)
            .take(limit as usize)
            .map(|e| render::transaction(w, payer, e))
            .collect();
        Ok(Json(json!({
            "transactions": items,
            "summary": summary,
            "total": total,
            "page": offset / limit + 1,
            "per_page": limit,
            "total_pages": (total as u64).div_ceil(limit),
        })))
    })
}

const BUSINESS_TYPES: &[&str] = &[
    "individual",
    "proprietorship",
    "private_limited",
    "llp",
    "partnership",
    "public_limited",
    "trust",
    "society",
    "huf",
    "government",
];

fn sub_of<'a>(w: &'a World, parent: &str, sub: &str) -> ApiResult<&'a Account> {
    w.accounts
        .get(sub)
        .filter(|a| a.parent() == Some(parent))
        .ok_or_else(|| ApiError::not_found("sub-account not found"))
}

async fn list_sub_accounts(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = Query::parse(raw.as_deref());
    sb.account_call(&headers, &id, |w, caller, _| {
        main_account_only(w, caller)?;
        let size_key = if q.get("size").is_some() { "size" } else { "per_page" };
        let paging = q.paging(size_key, 20, 100)?;
        let subs = w.sub_accounts_of(caller);
        let total = subs.len();
        let items: Vec<Value> = paging.slice(subs).into_iter().map(|a| render::sub_account(w, a, false)).collect();
        Ok(Json(json!({"sub_accounts": items, "total": total, "page": paging.page, "size": paging.per_page})))
    })
}

fn kyc_mode(body: &Map<String, Value>) -> ApiResult<Option<&str>> {
    let mode = params::opt_str(body, "kyc_mode")?;
    if mode.is_some_and(|m| m != "personal_use" && m != "customer_use") {
        return Err(ApiError::bad_request(
            "kyc_mode must be personal_use or customer_use",
        ));
    }
    Ok(mode)
}

fn rate_limit(body: &Map<String, Value>) -> ApiResult<Option<u32>> {
    match body.get("rate_limit") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| ApiError::bad_request("rate_limit must be a positive integer")),
    }
}

async fn create_sub_account(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let body = params::json_object(&body)?;
    sb.account_call(&headers, &id, |w, caller, now| {
        main_account_only(w, caller)?;
        let name = params::opt_str(&body, "name")?.map(str::trim).filter(|n| !n.is_empty()).ok_or_else(|| ApiError::bad_request("name is required"))?.to_owned();
        let mode = kyc_mode(&body)?.unwrap_or("personal_use").to_owned();
        let email = params::opt_str(&body, "email")?.map(str::to_owned);
        if mode == "customer_use" && email.is_none() {
            return Err(ApiError::bad_request("email is required when kyc_mode is customer_use"));
        }
        if email.as_deref().is_some_and(|e| !params::is_email(e)) {
            return Err(ApiError::bad_request("email is not a valid address"));
        }
        let business_type = params::opt_str(&body, "business_type")?.unwrap_or("individual").to_owned();
        if !BUSINESS_TYPES.contains(&business_type.as_str()) {
            return Err(ApiError::bad_request(format!("business_type must be one of {}", BUSINESS_TYPES.join(", "))));
        }
        let parent = w.accounts.get(caller).expect("caller exists").clone();
        let (auth_id, token, api_id, access, refresh) = w.with_rng(|rng| {
            (random_auth_id(rng, "SA_"), random_token(rng), random_uuid(rng), random_chars(rng, b"abcdef0123456789", 64), random_chars(rng, b"abcdef0123456789", 64))
        });
        if w.accounts.contains_key(&auth_id) {
            return Err(ApiError::conflict("generated id collided; retry"));
        }
        let account = Account {
            numeric_id: w.next_numeric_id(),
            auth_id: auth_id.clone(),
            auth_token: token.clone(),
            api_id,
            kind: AccountKind::Sub { parent: caller.to_owned() },
            name,
            email,
            phone: params::opt_str(&body, "phone")?.map(str::to_owned),
            company: parent.company.clone(),
            description: params::opt_str(&body, "description")?.map(str::to_owned),
            address: None,
            city: None,
            state: None,
            zip_code: None,
            timezone: parent.timezone.clone(),
            gstin: None,
            gst_status: None,
            account_type: "standard".into(),
            business_type,
            role: "user".into(),
            country: parent.country.clone(),
            currency: parent.currency.clone(),
            pricing_tier_id: parent.pricing_tier_id,
            kyc_status: "pending".into(),
            kyc_mode: mode,
            is_active: true,
            enabled: params::opt_bool(&body, "enabled")?.unwrap_or(true),
            is_verified: false,
            email_verified: false,
            rate_limit: rate_limit(&body)?.unwrap_or(1000),
            permissions: Some(body.get("permissions").cloned().filter(Value::is_object).unwrap_or_else(|| json!({"calls": true, "cdr": true}))),
            cps_limit: parent.cps_limit,
            concurrent_calls_limit: parent.concurrent_calls_limit,
            created_at: now,
            updated_at: now,
            last_login: None,
        };
        let view = render::sub_account(w, &account, true);
        w.accounts.insert(auth_id.clone(), account);
        w.revision += 1;
        Ok((
            StatusCode::CREATED,
            Json(json!({
                "message": "Sub-account created successfully",
                "sub_account": view,
                "auth_credentials": {"auth_id": auth_id, "auth_token": token.expose()},
                "tokens": {"access_token": access, "refresh_token": refresh, "token_type": "bearer", "expires_in": 1800},
            })),
        )
            .into_response())
    })
}

async fn get_sub_account(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path((id, sub)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    sb.account_call(&headers, &id, |w, caller, _| {
        main_account_only(w, caller)?;
        Ok(Json(render::sub_account(
            w,
            sub_of(w, caller, &sub)?,
            false,
        )))
    })
}

async fn update_sub_account(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path((id, sub)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = params::json_object(&body)?;
    sb.account_call(&headers, &id, |w, caller, now| {
        main_account_only(w, caller)?;
        let current = sub_of(w, caller, &sub)?.clone();
        let name = match params::opt_str(&body, "name")? {
            Some(n) if n.trim().is_empty() => {
                return Err(ApiError::bad_request("name must not be empty"))
            }
            Some(n) => n.trim().to_owned(),
            None => current.name.clone(),
        };
        let email = params::opt_str(&body, "email")?
            .map(str::to_owned)
            .or(current.email.clone());
        if email.as_deref().is_some_and(|e| !params::is_email(e)) {
            return Err(ApiError::bad_request("email is not a valid address"));
        }
        let mode = kyc_mode(&body)?
            .map(str::to_owned)
            .unwrap_or(current.kyc_mode.clone());
        if mode == "customer_use" && email.is_none() {
            return Err(ApiError::bad_request(
                "promotion to customer_use needs an email on the sub-account",
            ));
        }
        let enabled = params::opt_bool(&body, "enabled")?;
        let phone = params::opt_str(&body, "phone")?.map(str::to_owned);
        let description = params::opt_str(&body, "description")?.map(str::to_owned);
        let rate = rate_limit(&body)?;
        let permissions = body.get("permissions").cloned().filter(Value::is_object);
        let a = w.accounts.get_mut(&sub).expect("checked above");
        a.name = name;
        a.email = email;
        a.kyc_mode = mode;
        a.enabled = enabled.unwrap_or(a.enabled);
        a.phone = phone.or(a.phone.take());
        a.description = description.or(a.description.take());
        a.rate_limit = rate.unwrap_or(a.rate_limit);
        a.permissions = permissions.or(a.permissions.take());
        a.updated_at = now;
        w.revision += 1;
        Ok(Json(render::sub_account(w, &w.accounts[&sub], false)))
    })
}

async fn delete_sub_account(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path((id, sub)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    sb.account_call(&headers, &id, |w, caller, _| {
        main_account_only(w, caller)?;
        sub_of(w, caller, &sub)?;
        if w.numbers
            .values()
            .any(|n| n.owner.as_deref() == Some(sub.as_str()))
        {
            return Err(ApiError::conflict(
                "sub-account still holds numbers; unassign them first",
            ));
        }
        w.accounts.remove(&sub);
        w.revision += 1;
        Ok(Json(json!({"message": "Sub-account deleted successfully"})))
    })
}
