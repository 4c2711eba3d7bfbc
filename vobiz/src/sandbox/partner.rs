//! `/api/v1/partner/*`: partner credentials only.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::model::{
    money_num, money_str, random_auth_id, random_token, random_uuid, ts, Account, AccountKind,
    World,
};
use super::params::{self, Query};
use super::render::{self, NumberView};
use super::Sandbox;

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/me", get(me))
        .route("/dashboard", get(dashboard))
        .route("/accounts", get(list_accounts).post(create_account))
        .route("/accounts/{id}", get(get_account))
        .route("/accounts/{id}/balance", get(customer_balance))
        .route("/accounts/{id}/transfer-balance", post(transfer_balance))
        .route("/accounts/{id}/transactions", get(customer_transactions))
        .route("/accounts/{id}/numbers", get(customer_numbers))
        .route("/accounts/{id}/cdrs", get(customer_cdrs))
        .route("/numbers", get(all_numbers))
}

fn customer<'a>(w: &'a World, id: &str) -> ApiResult<&'a Account> {
    w.accounts
        .get(id)
        .filter(|a| a.kind == AccountKind::Customer)
        .ok_or_else(|| ApiError::not_found("customer account not found"))
}

async fn me(State(sb): State<Sandbox>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    sb.partner_call(&headers, |w, _| {
        let balance = money_str(w.balance(&w.partner.auth_id));
        Ok(Json(render::partner_profile(w, json!(balance))))
    })
}

fn parse_date(q: &Query, key: &str) -> ApiResult<Option<NaiveDate>> {
    q.get(key)
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| ApiError::bad_request(format!("{key} must be YYYY-MM-DD")))
        })
        .transpose()
}

fn in_range(at: DateTime<Utc>, from: Option<NaiveDate>, to: Option<NaiveDate>) -> bool {
    let day = at.date_naive();
    from.is_none_or(|f| day >= f) && to.is_none_or(|t| day <= t)
}

async fn dashboard(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = Query::parse(raw.as_deref());
    sb.partner_call(&headers, |w, now| {
        let to = parse_date(&q, "to")?.unwrap_or(now.date_naive());
        let from = parse_date(&q, "from")?.unwrap_or(to - Duration::days(29));
        let customers: Vec<&Account> = w.customers().collect();
        let ids: Vec<&str> = customers.iter().map(|a| a.auth_id.as_str()).collect();
        let calls: Vec<_> = w
            .calls
            .iter()
            .filter(|c| ids.contains(&w.billing_account(&c.account_id)) && in_range(c.start_time, Some(from), Some(to)))
            .collect();
        let stats = |filter: &dyn Fn(&&&super::model::CallRecord) -> bool| {
            let set: Vec<_> = calls.iter().filter(|c| filter(c)).collect();
            let minutes: f64 = set.iter().map(|c| f64::from(c.billsec) / 60.0).sum();
            json!({
                "total_calls": set.len(),
                "answered_calls": set.iter().filter(|c| c.answered).count(),
                "total_minutes": (minutes * 100.0).round() / 100.0,
                "total_cost": "0.00000",
            })
        };
        let mut series = Vec::new();
        let mut day = from;
        while day <= to {
            let of_day = |c: &&&super::model::CallRecord| c.start_time.date_naive() == day;
            let all = stats(&of_day);
            let inbound = stats(&|c| of_day(c) && c.direction == "inbound");
            let outbound = stats(&|c| of_day(c) && c.direction == "outbound");
            series.push(json!({
                "date": day.format("%Y-%m-%d").to_string(),
                "total_calls": all["total_calls"],
                "answered_calls": all["answered_calls"],
                "total_minutes": all["total_minutes"],
                "total_cost": all["total_cost"],
                "inbound": {"total_calls": inbound["total_calls"], "answered_calls": inbound["answered_calls"], "total_minutes": inbound["total_minutes"]},
                "outbound": {"total_calls": outbound["total_calls"], "answered_calls": outbound["answered_calls"], "total_minutes": outbound["total_minutes"]},
            }));
            day += Duration::days(1);
        }
        Ok(Json(json!({
            "partner": render::partner_profile(w, Value::Null),
            "period": {"from": from.format("%Y-%m-%d").to_string(), "to": to.format("%Y-%m-%d").to_string()},
            "accounts": {
                "total": customers.len(),
                "active": customers.iter().filter(|a| a.is_active).count(),
                "customers": customers.iter().map(|a| json!({
                    "auth_id": a.auth_id, "name": a.name, "email": a.email, "phone": a.phone,
                    "is_active": a.is_active, "created_at": ts(a.created_at),
                })).collect::<Vec<_>>(),
            },
            "total_balance": money_str(w.balance(&w.partner.auth_id)),
            "currency": w.partner.currency,
            "calls": stats(&|_| true),
            "traffic": {
                "inbound": stats(&|c| c.direction == "inbound"),
                "outbound": stats(&|c| c.direction == "outbound"),
            },
            "by_product": {
                "sip_trunking": stats(&|_| false),
                "voice_api": stats(&|_| true),
            },
            "time_series": series,
        })))
    })
}

async fn list_accounts(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = Query::parse(raw.as_deref());
    sb.partner_call(&headers, |w, _| {
        let paging = q.paging("per_page", 20, 100)?;
        let search = q.get("search").map(str::to_lowercase);
        let matching: Vec<&Account> = w
            .customers()
            .filter(|a| {
                search.as_deref().is_none_or(|s| {
                    a.name.to_lowercase().contains(s)
                        || a.email.as_deref().is_some_and(|e| e.to_lowercase().contains(s))
                })
            })
            .collect();
        let total = matching.len();
        let accounts: Vec<Value> = paging.slice(matching).into_iter().map(|a| render::customer(w, a, false)).collect();
        Ok(Json(json!({"accounts": accounts, "total": total, "page": paging.page, "size": paging.per_page})))
    })
}

fn required<'a>(body: &'a serde_json::Map<String, Value>, key: &str) -> ApiResult<&'a str> {
    match body.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.as_str()),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(ApiError::invalid(key, format!("{key} is required")))
        }
        Some(_) => Err(ApiError::invalid(key, format!("{key} must be a string"))),
    }
}

async fn create_account(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let body = params::json_object(&body)?;
    sb.partner_call(&headers, |w, now| {
        if !w.partner.can_create_accounts {
            return Err(ApiError::forbidden("partner may not create accounts"));
        }
        if w.customers().count() >= w.partner.max_accounts as usize {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "max_accounts_reached", format!("partner has reached max_accounts ({})", w.partner.max_accounts)));
        }
        let name = required(&body, "name")?.trim().to_owned();
        let email = required(&body, "email")?.trim().to_owned();
        let phone = required(&body, "phone")?.trim().to_owned();
        let password = required(&body, "password")?;
        let country = required(&body, "country")?.trim().to_owned();
        if !params::is_email(&email) {
            return Err(ApiError::invalid("email", "email is not a valid address"));
        }
        let taken = w.partner.email.eq_ignore_ascii_case(&email)
            || w.accounts.values().any(|a| a.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(&email)));
        if taken {
            return Err(ApiError::invalid("email", "email is already in use"));
        }
        if !params::is_e164(&phone) {
            return Err(ApiError::invalid("phone", "phone must be E.164, e.g. +919876543210"));
        }
        if !params::is_strong_password(password) {
            return Err(ApiError::invalid("password", "password must be at least 8 characters and include a number and a special character"));
        }
        if !params::is_country(&country) {
            return Err(ApiError::invalid("country", "country must be an ISO 3166-1 alpha-2 code, e.g. IN"));
        }
        let gst_status = params::opt_str(&body, "gst_status")?;
        if gst_status.is_some_and(|s| s != "active" && s != "inactive") {
            return Err(ApiError::invalid("gst_status", "gst_status must be active or inactive"));
        }
        let text = |key: &str| params::opt_str(&body, key).map(|v| v.map(str::to_owned));
        let currency = params::currency_for_country(&country).to_owned();
        let tier = w
            .pricing_tiers
            .values()
            .find(|t| t.currency == currency)
            .map_or(w.partner.default_pricing_tier_id, |t| t.id);
        let (auth_id, token, api_id) = w.with_rng(|rng| (random_auth_id(rng, "MA_"), random_token(rng), random_uuid(rng)));
        if w.accounts.contains_key(&auth_id) {
            return Err(ApiError::conflict("generated id collided; retry"));
        }
        let account = Account {
            numeric_id: w.next_numeric_id(),
            auth_id: auth_id.clone(),
            auth_token: token.clone(),
            api_id,
            kind: AccountKind::Customer,
            name: name.clone(),
            email: Some(email.clone()),
            phone: Some(phone),
            company: text("company")?.unwrap_or_default(),
            description: text("description")?,
            address: text("address")?,
            city: text("city")?,
            state: text("state")?,
            zip_code: text("zip_code")?,
            timezone: text("timezone")?,
            gstin: text("gstin")?,
            gst_status: gst_status.map(str::to_owned),
            account_type: text("account_type")?.unwrap_or_else(|| "standard".into()),
            business_type: "individual".into(),
            role: "user".into(),
            country: country.clone(),
            currency: currency.clone(),
            pricing_tier_id: tier,
            kyc_status: "pending".into(),
            kyc_mode: "personal_use".into(),
            is_active: true,
            enabled: true,
            is_verified: false,
            email_verified: false,
            rate_limit: 1000,
            permissions: None,
            cps_limit: 10,
            concurrent_calls_limit: 20,
            created_at: now,
            updated_at: now,
            last_login: None,
        };
        w.accounts.insert(auth_id.clone(), account);
        w.ensure_wallet(&auth_id, &currency, now);
        w.revision += 1;
        let body = json!({
            "auth_id": auth_id,
            "auth_token": token.expose(),
            "name": name,
            "email": email,
            "status": "active",
            "balance": 0,
            "currency": currency,
            "country": country,
            "created_at": ts(now),
        });
        Ok((StatusCode::CREATED, Json(body)).into_response())
    })
}

async fn get_account(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    sb.partner_call(&headers, |w, _| {
        Ok(Json(render::customer(w, customer(w, &id)?, true)))
    })
}

async fn customer_balance(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    sb.partner_call(&headers, |w, _| {
        let a = customer(w, &id)?;
        Ok(Json(json!({
            "auth_id": a.auth_id,
            "cash_credits": money_str(w.balance(&a.auth_id)),
            "currency": a.currency,
        })))
    })
}

async fn transfer_balance(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = params::json_object(&body)?;
    sb.partner_call(&headers, |w, now| {
        if !w.partner.can_transfer_balance {
            return Err(ApiError::forbidden("partner may not transfer balance"));
        }
        customer(w, &id)?;
        let amount = match body.get("amount") {
            Some(v @ Value::Number(_)) => params::decimal(v).ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_amount",
                    "amount is not a valid number",
                )
            })?,
            None | Some(Value::Null) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_amount",
                    "amount is required",
                ))
            }
            Some(_) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_amount",
                    "amount must be a number",
                ))
            }
        };
        let currency = params::opt_str(&body, "currency")?
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "currency_mismatch",
                    "currency is required",
                )
            })?
            .to_owned();
        let description = params::opt_str(&body, "description")?.map(str::to_owned);
        w.transfer(&id, amount, &currency, description.as_deref(), now)
            .map(Json)
    })
}

async fn customer_transactions(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = Query::parse(raw.as_deref());
    sb.partner_call(&headers, |w, _| {
        let a = customer(w, &id)?;
        let paging = q.paging("per_page", 20, 100)?;
        let from = parse_date(&q, "from_date")?;
        let to = parse_date(&q, "to_date")?;
        let kind = q.get("transaction_type");
        if kind.is_some_and(|k| !["recharge", "debit", "refund", "transfer"].contains(&k)) {
            return Err(ApiError::invalid(
                "transaction_type",
                "transaction_type must be recharge, debit, refund or transfer",
            ));
        }
        let ledger = w
            .wallets
            .get(&a.auth_id)
            .map(|wallet| wallet.ledger.as_slice())
            .unwrap_or_default();
        let mut rows: Vec<_> = ledger
            .iter()
            .filter(|e| in_range(e.at, from, to))
            .filter(|e| match kind {
                Some("recharge") => e.reference_type == "payment",
                Some("debit") => e.direction == "debit",
                Some("refund") => e.reference_type == "refund",
                Some("transfer") => e.reference_type == "unknown",
                _ => true,
            })
            .collect();
        rows.reverse();
        let total = rows.len();
        let summary = render::transaction_summary(&rows);
        let items: Vec<Value> = paging
            .slice(rows)
            .into_iter()
            .map(|e| render::transaction(w, &a.auth_id, e))
            .collect();
        Ok(Json(json!({
            "transactions": items,
            "summary": summary,
            "total": total,
            "page": paging.page,
            "per_page": paging.per_page,
            "total_pages": paging.total_pages(total),
            "account_auth_id": a.auth_id,
        })))
    })
}

/// Numbers held by `holders` (and still theirs: owned or pending release), filtered.
fn numbers_of(
    w: &World,
    q: &Query,
    holder: impl Fn(&str) -> bool,
) -> ApiResult<(Vec<Value>, usize, super::params::Paging)> {
    let paging = q.paging("per_page", 20, 100)?;
    let search = q
        .get("search")
        .map(|s| s.trim_start_matches('+').to_owned());
    let matching: Vec<_> = w
        .numbers
        .values()
        .filter(|n| n.owner.as_deref().is_some_and(&holder))
        .filter(|n| search.as_deref().is_none_or(|s| n.e164.contains(s)))
        .collect();
    let total = matching.len();
    let items = paging
        .slice(matching)
        .into_iter()
        .map(|n| render::number(n, NumberView::Owned))
        .collect();
    Ok((items, total, paging))
}

async fn customer_numbers(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = Query::parse(raw.as_deref());
    sb.partner_call(&headers, |w, _| {
        let a = customer(w, &id)?;
        let (items, total, paging) = numbers_of(w, &q, |owner| w.billing_account(owner) == a.auth_id)?;
        Ok(Json(json!({"items": items, "page": paging.page, "per_page": paging.per_page, "total": total, "account_auth_id": a.auth_id})))
    })
}

async fn all_numbers(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = Query::parse(raw.as_deref());
    sb.partner_call(&headers, |w, _| {
        let (items, total, paging) = numbers_of(w, &q, |_| true)?;
        Ok(Json(json!({"items": items, "page": paging.page, "per_page": paging.per_page, "total": total})))
    })
}

async fn customer_cdrs(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let q = Query::parse(raw.as_deref());
    sb.partner_call(&headers, |w, _| {
        if !w.partner.can_view_cdrs {
            return Err(ApiError::forbidden("partner may not view CDRs"));
        }
        let a = customer(w, &id)?;
        let paging = q.paging("per_page", 20, 100)?;
        let from = parse_date(&q, "start_date")?;
        let to = parse_date(&q, "end_date")?;
        let direction = q.get("call_direction");
        let status = q.get("status").map(|s| s.replace('-', "_"));
        let min_duration = q.uint("min_duration")?.unwrap_or(0);
        let hangup = q.get("hangup_cause");
        let mut calls: Vec<_> = w
            .calls
            .iter()
            .filter(|c| w.billing_account(&c.account_id) == a.auth_id)
            .filter(|c| in_range(c.start_time, from, to))
            .filter(|c| direction.is_none_or(|d| c.direction == d))
            .filter(|c| match status.as_deref() {
                Some("answered") => c.answered,
                Some("no_answer") => !c.answered,
                Some(_) => false,
                None => true,
            })
            .filter(|c| u64::from(c.duration) >= min_duration)
            .filter(|c| hangup.is_none_or(|h| (if c.answered { "NORMAL_CLEARING" } else { "NO_ANSWER" }) == h))
            .collect();
        calls.sort_by_key(|c| std::cmp::Reverse(c.start_time));
        let total = calls.len();
        let answered = calls.iter().filter(|c| c.answered).count();
        let seconds: u64 = calls.iter().map(|c| u64::from(c.duration)).sum();
        let billable: u64 = calls.iter().map(|c| u64::from(c.billsec)).sum();
        let pages = paging.total_pages(total);
        let summary = json!({
            "answerRate": if total == 0 { 0.0 } else { (answered as f64 * 10000.0 / total as f64).round() / 100.0 },
            "answeredCalls": answered,
            "avgCallDuration": format!("{}s", if total == 0 { 0 } else { seconds / total as u64 }),
            "last_call_at": calls.first().map(|c| ts(c.start_time)),
            "totalCalls": total,
            "total_billable_seconds": billable,
            "total_cost": money_num(Decimal::ZERO),
            "total_duration_seconds": seconds,
        });
        let data: Vec<Value> = paging.slice(calls).into_iter().map(render::cdr).collect();
        Ok(Json(json!({
            "account_id": a.numeric_id.to_string(),
            "count": data.len(),
            "data": data,
            "pagination": {
                "page": paging.page, "per_page": paging.per_page, "total": total, "pages": pages,
                "has_next": paging.page < pages, "has_prev": paging.page > 1,
            },
            "success": true,
            "summary": summary,
            "account_auth_id": a.auth_id,
        })))
    })
}
