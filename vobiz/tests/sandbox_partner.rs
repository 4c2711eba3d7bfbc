//! Partner API of the sandbox, over raw HTTP.

mod sandbox_support;

use axum::http::{Method, StatusCode};
use rust_decimal::Decimal;
use sandbox_support::{dec, Harness};
use serde_json::json;
use vobiz::sandbox::DemoCredentials;

fn new_customer(email: &str) -> serde_json::Value {
    json!({"name": "Test Co", "email": email, "phone": "+919812345678", "password": "pa55word!", "country": "IN"})
}

#[tokio::test]
async fn auth_requires_both_headers_and_the_right_api() {
    let h = Harness::new(1);
    let partner = &h.demo.partner;
    let customer = &h.demo.customers[0];
    assert_eq!(
        h.call(Method::GET, "/api/v1/partner/me", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let wrong = DemoCredentials {
        auth_token: "nope".into(),
        ..partner.clone()
    };
    assert_eq!(
        h.get("/api/v1/partner/me", &wrong).await.status,
        StatusCode::UNAUTHORIZED
    );
    let only_id = axum::http::Request::builder()
        .uri("/api/v1/partner/me")
        .header("X-Auth-ID", &partner.auth_id)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(h.raw(only_id).await.status, StatusCode::UNAUTHORIZED);
    // Account credentials on the partner API, partner credentials on the account API.
    assert_eq!(
        h.get("/api/v1/partner/me", customer).await.status,
        StatusCode::UNAUTHORIZED
    );
    let path = format!("/api/v1/Account/{}/numbers", partner.auth_id);
    assert_eq!(h.get(&path, partner).await.status, StatusCode::UNAUTHORIZED);
    // Another account's path.
    let other = format!("/api/v1/Account/{}/numbers", h.demo.customers[1].auth_id);
    let r = h.get(&other, customer).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["error"], "forbidden");
    // The wrong base path of one docs generation.
    assert_eq!(
        h.get("/partner/v1/me", partner).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.get("/api/v1/partner/v1/me", partner).await.status,
        StatusCode::NOT_FOUND
    );
    let r = h.get("/api/v1/partner/me", partner).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn me_renders_balance_as_five_decimal_string() {
    let h = Harness::new(2);
    let r = h.get("/api/v1/partner/me", &h.demo.partner).await;
    assert_eq!(r.status, StatusCode::OK);
    let balance = r.body["balance"].as_str().expect("balance is a string");
    assert_eq!(
        balance.split('.').nth(1).map(str::len),
        Some(5),
        "{balance}"
    );
    assert!(r.body["account_id"].is_u64());
    assert_eq!(r.body["auth_id"], h.demo.partner.auth_id.as_str());
    assert_eq!(r.body["account_count"], h.demo.customers.len());
    for key in [
        "id",
        "name",
        "slug",
        "company",
        "email",
        "phone",
        "billing_model",
        "is_active",
        "is_verified",
        "max_accounts",
        "can_create_accounts",
        "can_create_pricing_tiers",
        "can_view_cdrs",
        "can_transfer_balance",
        "default_pricing_tier_id",
        "created_at",
        "updated_at",
    ] {
        assert!(r.body.get(key).is_some(), "missing {key}");
    }
    let d = h.get("/api/v1/partner/dashboard", &h.demo.partner).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.body["total_balance"], balance);
    assert!(d.body["partner"]["balance"].is_null());
    assert_eq!(d.body["accounts"]["total"], h.demo.customers.len());
    assert!(d.body["calls"]["total_cost"].is_string());
    assert_eq!(d.body["time_series"].as_array().unwrap().len(), 30);
}

#[tokio::test]
async fn accounts_list_echoes_per_page_as_size_and_searches() {
    let h = Harness::new(3);
    let p = &h.demo.partner;
    let r = h.get("/api/v1/partner/accounts?page=1&per_page=5", p).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["size"], 5);
    assert!(r.body.get("per_page").is_none());
    assert_eq!(r.body["total"], h.demo.customers.len());
    assert_eq!(r.body["accounts"].as_array().unwrap().len(), 5);
    let first = &r.body["accounts"][0];
    assert_eq!(first["auth_token"], "<redacted>");
    let credits = first["cash_credits"].as_str().unwrap();
    assert_eq!(credits.split('.').nth(1).unwrap().len(), 5);
    let page3 = h.get("/api/v1/partner/accounts?page=3&per_page=5", p).await;
    assert_eq!(
        page3.body["accounts"].as_array().unwrap().len(),
        h.demo.customers.len() - 10
    );
    assert_eq!(
        h.get("/api/v1/partner/accounts?per_page=101", p)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let name = &h.demo.customers[4].name;
    let needle = name.split(' ').next().unwrap().to_lowercase();
    let s = h
        .get(&format!("/api/v1/partner/accounts?search={needle}"), p)
        .await;
    let hits = s.body["accounts"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(
        |a| a["name"].as_str().unwrap().to_lowercase().contains(&needle)
            || a["email"].as_str().unwrap().contains(&needle)
    ));
    // Get one reveals the real token, which works on the account API.
    let c = &h.demo.customers[0];
    let one = h
        .get(&format!("/api/v1/partner/accounts/{}", c.auth_id), p)
        .await;
    assert_eq!(one.body["auth_token"], c.auth_token.as_str());
    let bal = h
        .get(
            &format!("/api/v1/partner/accounts/{}/balance", c.auth_id),
            p,
        )
        .await;
    assert_eq!(bal.body["auth_id"], c.auth_id.as_str());
    assert_eq!(dec(&bal.body["cash_credits"]), h.balance(c, "INR").await);
    assert_eq!(
        h.get("/api/v1/partner/accounts/MA_NOTMINE0", p)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let pool = h
        .get(
            &format!("/api/v1/partner/accounts/{}", h.demo.pool_account.auth_id),
            p,
        )
        .await;
    assert_eq!(
        pool.status,
        StatusCode::NOT_FOUND,
        "the pool account is not a customer"
    );
}

#[tokio::test]
async fn create_customer_validates_and_returns_a_usable_token() {
    let h = Harness::new(4);
    let p = &h.demo.partner;
    let r = h
        .call(
            Method::POST,
            "/api/v1/partner/accounts",
            Some(p),
            Some(new_customer("new@example.com")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["balance"], 0);
    assert_eq!(r.body["currency"], "INR");
    assert_eq!(r.body["country"], "IN");
    let auth_id = r.body["auth_id"].as_str().unwrap().to_owned();
    assert!(auth_id.starts_with("MA_"));
    let creds = DemoCredentials {
        auth_id: auth_id.clone(),
        auth_token: r.body["auth_token"].as_str().unwrap().into(),
        name: "Test Co".into(),
    };
    assert_eq!(
        h.get(&format!("/api/v1/Account/{auth_id}/numbers"), &creds)
            .await
            .status,
        StatusCode::OK
    );
    let one = h
        .get(&format!("/api/v1/partner/accounts/{auth_id}"), p)
        .await;
    assert_eq!(one.body["kyc_status"], "pending");
    assert_eq!(one.body["cash_credits"], "0.00000");

    let cases = [
        (json!({"email": "NEW@example.com"}), "email"),
        (json!({"email": "not-an-email"}), "email"),
        (json!({"password": "short1!"}), "password"),
        (json!({"password": "longenough!"}), "password"),
        (json!({"password": "longenough1"}), "password"),
        (json!({"phone": "9812345678"}), "phone"),
        (json!({"country": "XX"}), "country"),
        (json!({"country": "India"}), "country"),
        (json!({"name": ""}), "name"),
    ];
    for (patch, field) in cases {
        let mut body = new_customer("other@example.com");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = h
            .call(
                Method::POST,
                "/api/v1/partner/accounts",
                Some(p),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} -> {}",
            r.body
        );
        assert_eq!(r.body["field"], field, "{}", r.body);
        assert!(r.body["message"].is_string());
    }
    let mut gb = new_customer("uk@example.com");
    gb["country"] = json!("GB");
    gb["phone"] = json!("+442071234567");
    let r = h
        .call(Method::POST, "/api/v1/partner/accounts", Some(p), Some(gb))
        .await;
    assert_eq!(r.body["currency"], "GBP");

    // max_accounts.
    let count = h.demo.customers.len() + 2;
    h.control(
        Method::POST,
        "/partner",
        Some(json!({"max_accounts": count})),
    )
    .await;
    let r = h
        .call(
            Method::POST,
            "/api/v1/partner/accounts",
            Some(p),
            Some(new_customer("third@example.com")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    h.control(
        Method::POST,
        "/partner",
        Some(json!({"max_accounts": 100, "can_create_accounts": false})),
    )
    .await;
    let r = h
        .call(
            Method::POST,
            "/api/v1/partner/accounts",
            Some(p),
            Some(new_customer("fourth@example.com")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn transfer_moves_money_between_ledgers() {
    let h = Harness::new(5);
    let p = &h.demo.partner;
    let c = &h.demo.customers[0];
    let before_partner = h.partner_balance().await;
    let before_customer = h.balance(c, "INR").await;
    let path = format!("/api/v1/partner/accounts/{}/transfer-balance", c.auth_id);
    let r = h
        .call(
            Method::POST,
            &path,
            Some(p),
            Some(json!({"amount": 500.25, "currency": "INR", "description": "April recharge"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["transaction_id"]
        .as_str()
        .unwrap()
        .starts_with("txn_"));
    assert_eq!(r.body["from_account"], p.auth_id.as_str());
    assert_eq!(r.body["to_account"], c.auth_id.as_str());
    assert_eq!(r.body["status"], "completed");
    assert!(r.body["amount"].is_number());
    let amount = Decimal::new(50025, 2);
    assert_eq!(
        dec(&r.body["partner_balance_after"]),
        before_partner - amount
    );
    assert_eq!(
        dec(&r.body["customer_balance_after"]),
        before_customer + amount
    );
    assert_eq!(h.partner_balance().await, before_partner - amount);
    assert_eq!(h.balance(c, "INR").await, before_customer + amount);

    let tx = h
        .get(
            &format!(
                "/api/v1/partner/accounts/{}/transactions?transaction_type=transfer&per_page=100",
                c.auth_id
            ),
            p,
        )
        .await;
    assert_eq!(tx.status, StatusCode::OK);
    let newest = &tx.body["transactions"][0];
    assert_eq!(newest["type"], "credit");
    assert_eq!(
        newest["description"],
        format!(
            "Transfer from partner {}: April recharge",
            h.demo.partner.name
        )
    );
    assert!(newest["reference"].as_str().unwrap().starts_with("ptc:"));
    assert_eq!(tx.body["account_auth_id"], c.auth_id.as_str());
    assert!(tx.body["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["reference_type"] == "unknown"));
    let bad = h
        .get(
            &format!(
                "/api/v1/partner/accounts/{}/transactions?transaction_type=adjustment",
                c.auth_id
            ),
            p,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let partner_now = h.partner_balance().await;
    let r = h
        .call(
            Method::POST,
            &path,
            Some(p),
            Some(json!({"amount": 10_000_000, "currency": "INR"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(dec(&r.body["current_balance"]), partner_now);
    assert_eq!(dec(&r.body["requested_amount"]), Decimal::from(10_000_000));
    for body in [
        json!({"amount": 0, "currency": "INR"}),
        json!({"amount": -5, "currency": "INR"}),
        json!({"amount": 5, "currency": "USD"}),
        json!({"amount": "5", "currency": "INR"}),
    ] {
        let r = h
            .call(Method::POST, &path, Some(p), Some(body.clone()))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
    }
    assert_eq!(
        h.partner_balance().await,
        partner_now,
        "failed transfers change nothing"
    );
    let r = h
        .call(
            Method::POST,
            "/api/v1/partner/accounts/MA_UNKNOWN0/transfer-balance",
            Some(p),
            Some(json!({"amount": 5, "currency": "INR"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    h.control(
        Method::POST,
        "/partner",
        Some(json!({"can_transfer_balance": false})),
    )
    .await;
    let r = h
        .call(
            Method::POST,
            &path,
            Some(p),
            Some(json!({"amount": 5, "currency": "INR"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    h.assert_invariants().await;
}

#[tokio::test]
async fn partner_number_views_and_cdrs() {
    let h = Harness::new(6);
    let p = &h.demo.partner;
    let c = &h.demo.customers[0];
    let r = h
        .get(
            &format!("/api/v1/partner/accounts/{}/numbers", c.auth_id),
            p,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["account_auth_id"], c.auth_id.as_str());
    assert_eq!(r.body["per_page"], 20);
    let items = r.body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|n| n["account_id"] == c.auth_id.as_str()));
    assert_eq!(r.body["total"], h.numbers(c).await.len());
    let all = h.get("/api/v1/partner/numbers?page=1&per_page=50", p).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 50);
    assert!(all.body.get("account_auth_id").is_none());
    assert!(all.body["total"].as_u64().unwrap() > 50);
    let e164 = items[0]["e164"].as_str().unwrap();
    let s = h
        .get(&format!("/api/v1/partner/numbers?search={}", &e164[4..]), p)
        .await;
    assert!(s.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["e164"] == e164));

    h.control(
        Method::POST,
        &format!("/numbers/{}/calls", sandbox_support::enc(e164)),
        Some(json!({"duration_secs": 42})),
    )
    .await;
    let cdrs = h
        .get(
            &format!(
                "/api/v1/partner/accounts/{}/cdrs?page=1&per_page=10",
                c.auth_id
            ),
            p,
        )
        .await;
    assert_eq!(cdrs.status, StatusCode::OK, "{}", cdrs.body);
    assert_eq!(cdrs.body["success"], true);
    assert!(cdrs.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["destination_number"] == e164 && d["duration"] == 42));
    assert!(cdrs.body["pagination"]["total"].as_u64().unwrap() >= 1);
    h.control(
        Method::POST,
        "/partner",
        Some(json!({"can_view_cdrs": false})),
    )
    .await;
    let denied = h
        .get(&format!("/api/v1/partner/accounts/{}/cdrs", c.auth_id), p)
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}
